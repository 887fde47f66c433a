"""Training data: built-in generators and the reading of an uploaded CSV file.

A dataset is a ``dict`` of named columns, each a float64 1-D array of the same length (the rows)::

    from landscapes import datasets
    data = datasets.make("linear", n=200, seed=0)        # {"x": array, "y": array}
    datasets.GENERATORS["linear"].loss                   # "(w*x + b - y)^2", the suggested loss
    data = datasets.read_csv(uploaded_bytes)             # InvalidDataset says what is wrong and where

Column names become symbols of a per-sample loss (``landscapes.compile_dataset_loss``), so they
follow the same rules as variable names: identifiers, not a function, constant or reserved name.
Reading a CSV never evaluates anything: each field is matched against a plain decimal number.
"""
from __future__ import annotations

import csv
import keyword
import math
import re
from dataclasses import dataclass

import numpy as np

from .parse import CONSTANTS, FUNCTIONS, MAX_NAME, RESERVED

__all__ = ["Generator", "GENERATORS", "InvalidDataset", "MAX_BYTES", "MAX_COLUMNS", "MAX_ROWS",
           "column_name_problem", "make", "read_csv"]

MAX_BYTES = 10_000_000      # default size limit of an uploaded file
MAX_ROWS = 100_000          # default limit on data rows of an uploaded file
MAX_COLUMNS = 20
MAX_GENERATED = 1_000_000   # rows a generator makes at most


class InvalidDataset(ValueError):
    """The data cannot be used. ``str(err)`` says what is wrong and where (column, line)."""


# --- names --------------------------------------------------------------------------------------

def column_name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a data column (a symbol of a typed loss), or None when it can."""
    shown = name if len(name) <= MAX_NAME else name[:MAX_NAME] + "..."
    if name == "":
        return "a column has no name"
    if not (name.isascii() and name.isidentifier()):
        hint = ""
        if any(sep in name for sep in ";\t|"):
            hint = " (columns must be separated by commas)"
        elif " " in name:
            hint = " (no spaces: write it as one word, e.g. with '_' inside)"
        return (f"the column name '{shown}' is not a valid name: use letters, digits and '_', "
                f"starting with a letter{hint}")
    if name.startswith("_"):
        return f"the column name '{shown}' may not start with '_'"
    if keyword.iskeyword(name):
        return f"the column name '{shown}' is a Python keyword: rename the column"
    if name in FUNCTIONS or name in CONSTANTS or name in RESERVED:
        kind = ("a function" if name in FUNCTIONS else "a constant" if name in CONSTANTS
                else "a reserved name")
        return f"the column name '{shown}' is {kind} in a loss: rename the column"
    if len(name) > MAX_NAME:
        return f"the column name '{shown}' is too long (at most {MAX_NAME} characters)"
    return None


# --- generators ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Generator:
    """A built-in dataset: what the page shows and suggests for it.

    ``domain`` and ``starts`` are in the order of the suggested loss's parameters (sorted names),
    ``truth`` the parameters the data was generated with.
    """
    key: str
    label: str
    columns: tuple[str, ...]
    loss: str
    parameters: tuple[str, ...]
    domain: tuple[tuple[float, float], ...]
    starts: tuple[tuple[float, ...], ...]
    truth: dict
    description: str


def _linear(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    x = rng.uniform(-3.0, 3.0, n)
    return {"x": x, "y": 2.0 * x - 1.0 + 0.5 * rng.standard_normal(n)}


def _classes(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    y = np.where(rng.permutation(n) < (n + 1) // 2, 1.0, -1.0)
    return {"x": y * 1.0 + rng.standard_normal(n), "y": y}


def _sine(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    x = rng.uniform(-3.0, 3.0, n)
    return {"x": x, "y": np.sin(2.0 * x) + 0.1 * rng.standard_normal(n)}


GENERATORS: dict[str, Generator] = {
    "linear": Generator(
        "linear", "Linear data with noise", ("x", "y"), "(w*x + b - y)^2", ("b", "w"),
        ((-4.0, 4.0), (-2.0, 6.0)), ((3.0, -1.0),), {"w": 2.0, "b": -1.0, "noise": 0.5},
        "x uniform on [-3, 3], y = 2 x - 1 + N(0, 0.5^2): least squares is a convex bowl whose "
        "minimum (the least-squares fit) lies near w = 2, b = -1"),
    "classes": Generator(
        "classes", "Two Gaussian classes", ("x", "y"), "log(1 + exp(-y*(w*x + b)))", ("b", "w"),
        ((-4.0, 4.0), (-2.0, 6.0)), ((3.0, -1.5),), {"w": 2.0, "b": 0.0, "mean": 1.0, "sd": 1.0},
        "labels y = +1 / -1 (half each, shuffled), x ~ N(y, 1): logistic regression; the true "
        "log-odds are 2 x (w = 2 mu / sd^2 = 2, b = 0), which the fit approaches as n grows"),
    "sine": Generator(
        "sine", "Sine with noise (several minima)", ("x", "y"), "(sin(w*x) - y)^2", ("w",),
        ((-1.0, 5.0),), ((0.5,), (1.0,), (3.5,)), {"w": 2.0, "noise": 0.1},
        "x uniform on [-3, 3], y = sin(2 x) + N(0, 0.1^2): fitting sin(w x) is non-convex in w, "
        "with the global minimum near w = 2 and, in the suggested domain, local minima near "
        "w = -0.2 and w = 4.4 (and the mirror image of all of them at negative w)"),
}


def make(name: str, n: int = 200, seed: int | None = 0) -> dict[str, np.ndarray]:
    """Generate the built-in dataset ``name`` (a key of :data:`GENERATORS`) with ``n`` rows.

    The same ``seed`` gives the same data; ``None`` gives fresh randomness.
    """
    if name not in GENERATORS:
        raise ValueError(f"unknown dataset {name!r} (known: {', '.join(GENERATORS)})")
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or not 2 <= n <= MAX_GENERATED:
        raise ValueError(f"n={n!r} must be a whole number from 2 to {MAX_GENERATED}")
    rng = np.random.default_rng(seed)
    make_columns = {"linear": _linear, "classes": _classes, "sine": _sine}[name]
    return {key: np.ascontiguousarray(column, dtype=np.float64)
            for key, column in make_columns(rng, int(n)).items()}


# --- CSV ------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 100_000 else f"{n:,} bytes"


def read_csv(data: bytes, *, max_bytes: int = MAX_BYTES,
             max_rows: int = MAX_ROWS) -> dict[str, np.ndarray]:
    """Parse an uploaded CSV file into named float64 columns.

    Rules: UTF-8 text (a byte-order mark is allowed), comma-separated; the first non-blank line
    names the columns (each a valid loss symbol, all different); every other non-blank line holds
    one plain decimal number per column (``3``, ``-0.5``, ``1e-3``); at least 2 and at most
    ``max_rows`` data rows; at most ``max_bytes`` bytes and :data:`MAX_COLUMNS` columns.

    Raises:
        InvalidDataset: one message saying what is wrong and where (column name, line number).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InvalidDataset("the upload must be the bytes of a file")
    data = bytes(data)
    if len(data) > max_bytes:
        raise InvalidDataset(f"the file is too large ({_size(len(data))}; at most {_size(max_bytes)})")
    if not data.strip():
        raise InvalidDataset("the file is empty")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InvalidDataset(f"the file is not UTF-8 text (byte {err.start + 1} cannot be read): "
                             f"save it as CSV in UTF-8") from None
    if "\x00" in text:
        raise InvalidDataset("the file is not text (it contains NUL bytes): upload a CSV file")
    reader = csv.reader(text.splitlines())
    header = None
    columns: list[list[float]] = []
    rows = 0
    try:
        for line, fields in enumerate(reader, start=1):
            if not any(field.strip() for field in fields):
                continue                                  # blank line
            if header is None:
                header = _header(fields, line)
                columns = [[] for _ in header]
                continue
            if len(fields) != len(header):
                raise InvalidDataset(f"line {line} has {len(fields)} value"
                                     f"{'s' * (len(fields) != 1)}; the header has "
                                     f"{len(header)} columns ({', '.join(header)})")
            rows += 1
            if rows > max_rows:
                raise InvalidDataset(f"the file has too many rows (more than {max_rows:,})")
            for name, column, field in zip(header, columns, fields):
                column.append(_number(field, name, line))
    except csv.Error:
        raise InvalidDataset(f"the file is not valid CSV near line {reader.line_num} "
                             f"(a quote is not closed?)") from None
    if header is None:
        raise InvalidDataset("the file is empty")
    if rows < 2:
        raise InvalidDataset(f"the file has {rows} data row{'s' * (rows != 1)}; at least 2 "
                             f"are needed")
    return {name: np.array(column, dtype=np.float64) for name, column in zip(header, columns)}


def _header(fields: list[str], line: int) -> list[str]:
    names = [field.strip() for field in fields]
    if all(_NUMBER.fullmatch(name) or _NON_FINITE.fullmatch(name) for name in names):
        raise InvalidDataset(f"line {line}, the first line, holds numbers: the first line must "
                             f"name the columns, e.g. x,y")
    if len(names) > MAX_COLUMNS:
        raise InvalidDataset(f"the file has {len(names)} columns; at most {MAX_COLUMNS}")
    seen = set()
    for name in names:
        problem = column_name_problem(name)
        if problem:
            raise InvalidDataset(f"{problem} (header, line {line})")
        if name in seen:
            raise InvalidDataset(f"the column name '{name}' appears twice in the header "
                                 f"(line {line})")
        seen.add(name)
    return names


def _number(field: str, name: str, line: int) -> float:
    text = field.strip()
    if _NUMBER.fullmatch(text):
        value = float(text)
        if math.isfinite(value):
            return value
        raise InvalidDataset(f"the value '{text}' in column '{name}', line {line} is too large "
                             f"for floating point")
    if _NON_FINITE.fullmatch(text):
        raise InvalidDataset(f"column '{name}', line {line} holds '{text}': values must be "
                             f"finite numbers")
    if not text:
        raise InvalidDataset(f"column '{name}', line {line} is empty: every row needs a number "
                             f"in every column")
    shown = text if len(text) <= 20 else text[:20] + "..."
    raise InvalidDataset(f"column '{name}', line {line} holds '{shown}', which is not a number "
                         f"(write plain decimals such as -1.5 or 2e-3)")
