"""One binary message for the player: a JSON header and compressed arrays.

The player component receives its data as bytes (no base64, no JSON number text). Layout::

    b"DSC1" | uint32 little-endian header length | header (UTF-8 JSON) | blob bytes ...

The header is plain data (Plotly figure specs, labels, numbers). Wherever it holds
``{"$blob": i}`` the array is ``header["blobs"][i]``: ``{"codec", "shape", "offset", "length"}``
plus the codec's parameters, its bytes at ``offset`` (counted from the end of the header).
Every codec ends with zlib (RFC 1950, what the browser's ``DecompressionStream("deflate")``
reads):

- ``f4`` / ``f8``: little-endian float32 / float64, bytes shuffled into planes (all first bytes,
  then all second bytes, ...: smooth data compresses much better). Exact at that precision.
- ``q16``: values quantised to 65 535 levels on ``[lo, hi]`` (code 65 535 is NaN), then each
  value minus the previous one along the last axis (mod 2**16), bytes shuffled. For what is only
  drawn: paths and loss curves at a 16-bit resolution of their range (far below a pixel), which
  converged runs (all zeros) and smooth ones (small differences) shrink to a few percent.
  With ``"log": [vmin, eps]`` the quantised numbers are log10(value - vmin + eps).

`pack` and `unpack` are the two halves; the JavaScript player implements `unpack` again.
"""
from __future__ import annotations

import json
import struct
import zlib
from collections.abc import Mapping

import numpy as np

MAGIC = b"DSC1"
Q16_NAN = 65535
Q16_LEVELS = 65534   # codes 0..65534 cover [lo, hi]
_LEVEL = 6           # zlib level: 9 is barely smaller and 3x slower here


class Blob:
    """An array to send and how: ``Blob(array, "f4")``, ``Blob(points, "q16", lo=.., hi=..)``.

    Encoded once, when built; `pack` only copies its bytes.
    """

    __slots__ = ("meta", "data")

    def __init__(self, array, codec: str = "f4", *, lo=None, hi=None, log=None):
        array = np.asarray(array)
        meta: dict = {"codec": codec, "shape": list(array.shape)}
        if codec in ("f4", "f8"):
            raw = _shuffle(np.ascontiguousarray(array, dtype="<" + codec))
        elif codec == "q16":
            values = np.asarray(array, dtype=float)
            if log is not None:
                vmin, eps = (float(v) for v in log)
                with np.errstate(all="ignore"):
                    values = np.log10(np.maximum(values - vmin, 0.0) + eps)
                meta["log"] = [vmin, eps]
            lo, hi = _range(values, lo, hi)
            meta["lo"], meta["hi"] = lo, hi
            raw = _shuffle(_delta(quantise(values, lo, hi)))
        else:
            raise ValueError(f"unknown codec {codec!r}: use f4, f8 or q16")
        self.meta = meta
        self.data = zlib.compress(raw, _LEVEL)


def quantise(values, lo: float, hi: float) -> np.ndarray:
    """uint16 codes of `values` on [lo, hi] (clipped), Q16_NAN where not finite."""
    values = np.asarray(values, dtype=float)
    finite = np.isfinite(values)
    with np.errstate(all="ignore"):   # divide first: LEVELS / (hi - lo) overflows on tiny ranges
        codes = np.rint((np.clip(values, lo, hi) - lo) / (hi - lo) * Q16_LEVELS)
    return np.where(finite, codes, Q16_NAN).astype("<u2")


def dequantise(codes, lo: float, hi: float) -> np.ndarray:
    codes = np.asarray(codes)
    values = lo + codes.astype(float) * ((hi - lo) / Q16_LEVELS)
    return np.where(codes == Q16_NAN, np.nan, values)


def _range(values: np.ndarray, lo, hi) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if lo is None:
        lo = float(finite.min()) if finite.size else 0.0
    if hi is None:
        hi = float(finite.max()) if finite.size else 1.0
    lo, hi = float(lo), float(hi)
    if not hi > lo:
        hi = lo + max(1.0, abs(lo)) * 1e-9 if np.isfinite(lo) else 1.0
    return lo, hi


def _delta(codes: np.ndarray) -> np.ndarray:
    if codes.ndim == 0 or codes.shape[-1] == 0:
        return codes
    out = codes.copy()
    out[..., 1:] = codes[..., 1:] - codes[..., :-1]   # uint16 arithmetic wraps mod 2**16
    return out


def _shuffle(array: np.ndarray) -> bytes:
    size = array.dtype.itemsize
    return np.ascontiguousarray(array).view(np.uint8).reshape(-1, size).T.tobytes()


def _unshuffle(raw: bytes, dtype: str, count: int) -> np.ndarray:
    size = np.dtype(dtype).itemsize
    planes = np.frombuffer(raw, dtype=np.uint8).reshape(size, count)
    return np.ascontiguousarray(planes.T).view(dtype).reshape(count)


def pack(header: Mapping, blobs: list[Blob]) -> bytes:
    """The message: `header` (JSON-able; its ``{"$blob": i}`` refer to ``blobs[i]``) + blobs."""
    metas, offset = [], 0
    for blob in blobs:
        metas.append({**blob.meta, "offset": offset, "length": len(blob.data)})
        offset += len(blob.data)
    text = json.dumps({**header, "blobs": metas}, separators=(",", ":"), allow_nan=False)
    head = text.encode("utf-8")
    return b"".join([MAGIC, struct.pack("<I", len(head)), head, *(b.data for b in blobs)])


def unpack(message: bytes) -> dict:
    """The header of a `pack` message with every ``{"$blob": i}`` replaced by its NumPy array."""
    if message[:4] != MAGIC:
        raise ValueError("not a player message")
    (length,) = struct.unpack("<I", message[4:8])
    header = json.loads(message[8:8 + length].decode("utf-8"))
    body = memoryview(message)[8 + length:]
    arrays = [_decode(meta, bytes(body[meta["offset"]:meta["offset"] + meta["length"]]))
              for meta in header["blobs"]]

    def resolve(node):
        if isinstance(node, dict):
            if set(node) == {"$blob"}:
                return arrays[node["$blob"]]
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return resolve({k: v for k, v in header.items() if k != "blobs"})


def _decode(meta: dict, data: bytes) -> np.ndarray:
    raw = zlib.decompress(data)
    shape = tuple(meta["shape"])
    count = int(np.prod(shape)) if shape else 1
    if meta["codec"] in ("f4", "f8"):
        return _unshuffle(raw, "<" + meta["codec"], count).reshape(shape).astype(float)
    codes = _unshuffle(raw, "<u2", count).reshape(shape)
    codes = np.cumsum(codes, axis=-1, dtype=np.uint16) if codes.ndim else codes
    values = dequantise(codes, meta["lo"], meta["hi"])
    if "log" in meta:
        vmin, eps = meta["log"]
        values = 10.0 ** values + vmin - eps
    return values


class Blobs:
    """Collects blobs while a header is built: ``ref = blobs.add(Blob(...))``."""

    def __init__(self):
        self.items: list[Blob] = []

    def add(self, blob: Blob) -> dict:
        self.items.append(blob)
        return {"$blob": len(self.items) - 1}


def plain(node, blobs: Blobs, min_size: int = 64, grid=None):
    """A JSON-able copy of a Plotly figure dict (``fig.to_plotly_json()``): NumPy arrays of at
    least `min_size` numbers become float32 blobs (2-D ones ``grid(array)`` when given: a Blob),
    smaller ones lists (NaN -> None)."""
    if isinstance(node, Mapping):
        if "bdata" in node and "dtype" in node:   # Plotly's own typed-array form
            from .encode import array_of
            return plain(array_of(node), blobs, min_size, grid)
        return {str(k): plain(v, blobs, min_size, grid) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [plain(v, blobs, min_size, grid) for v in node]
    if isinstance(node, np.ndarray):
        if node.dtype.kind in "fiu" and node.size >= min_size:
            if grid is not None and node.ndim == 2:
                return blobs.add(grid(node))
            return blobs.add(Blob(node, "f4"))
        return plain(node.tolist(), blobs, min_size, grid)
    if isinstance(node, np.generic):
        node = node.item()
    if isinstance(node, float) and not np.isfinite(node):
        return None
    return node
