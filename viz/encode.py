"""float32 arrays for figures, and Plotly's typed-array form read back.

Plotly (plotly.py >= 6, plotly.js >= 2.28) writes NumPy arrays as {"dtype", "bdata", "shape"}
with base64 bytes; `array_of` reads any array of a figure back, whatever form it is in.
"""
from __future__ import annotations

import base64

import numpy as np

_DTYPES = {"f4": "<f4", "f8": "<f8", "i1": "i1", "u1": "u1", "i2": "<i2", "u2": "<u2",
           "i4": "<i4", "u4": "<u4", "u1c": "u1"}


def float32(array) -> np.ndarray:
    """float32 copy of `array` with NaN for whatever is not finite, including values beyond
    float32's range (about 3.4e38). Plotly sends it as 4 bytes a number."""
    with np.errstate(all="ignore"):
        out = np.asarray(array, dtype=np.float32)
    return np.where(np.isfinite(out), out, np.float32(np.nan))


def array_of(value) -> np.ndarray:
    """A figure's array (typed-array dict, list with None, tuple or ndarray) as a NumPy array.

    Typed arrays keep their dtype and shape; lists become float arrays with None -> NaN.
    """
    if isinstance(value, dict) and "bdata" in value:
        raw = value["bdata"]
        data = base64.b64decode(raw) if isinstance(raw, str) else bytes(raw)
        out = np.frombuffer(data, dtype=_DTYPES[value["dtype"]]).copy()
        shape = value.get("shape")
        if shape:
            dims = [int(d) for d in str(shape).split(",")] if not isinstance(shape, (list, tuple)) \
                else [int(d) for d in shape]
            out = out.reshape(dims)
        return out
    if isinstance(value, np.ndarray):
        return value
    return np.array([np.nan if v is None else v for v in value], dtype=float) \
        if value is not None and np.ndim(value) == 1 else np.asarray(value, dtype=float)
