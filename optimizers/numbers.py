"""Numbers as a results table shows them: 4 significant digits, scientific notation when tiny or
huge, a dash for a missing value."""
from __future__ import annotations

import math

__all__ = ["MISSING", "number", "point"]

MISSING = "—"


def number(x, digits: int = 4) -> str:
    """``x`` to ``digits`` significant digits (Python's ``g`` format: scientific notation when the
    exponent is below -4 or at least ``digits``, e.g. ``6.311e-30``, ``1.235e+05``; ``0.0001234``,
    ``12.35``); ``"—"`` for None or NaN; ``"inf"`` / ``"-inf"``; ``"0"`` for -0.0."""
    if x is None:
        return MISSING
    x = float(x)
    if math.isnan(x):
        return MISSING
    if x == 0:
        return "0"
    return f"{x:.{digits}g}"


def point(p, digits: int = 4) -> str:
    """A point as ``(x, y)``, each coordinate as :func:`number` writes it."""
    return "(" + ", ".join(number(c, digits) for c in p) + ")"
