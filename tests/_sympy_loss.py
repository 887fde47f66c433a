"""Small Loss objects for the optimizer tests, built from SymPy with lambdify (not landscapes)."""
from __future__ import annotations

import numpy as np
import sympy as sp


class SympyLoss:
    """A loss from a SymPy expression: ``value``/``gradient`` vectorized over points ``(..., n)``."""

    def __init__(self, expression, symbols):
        self.symbols = tuple(symbols)
        self.variables = tuple(str(s) for s in self.symbols)
        self.expression = sp.sympify(expression)
        self._value = sp.lambdify(self.symbols, self.expression, modules="numpy")
        self._gradient = sp.lambdify(self.symbols, [sp.diff(self.expression, s) for s in self.symbols],
                                     modules="numpy")

    def value(self, points):
        points = np.asarray(points, dtype=float)
        with np.errstate(all="ignore"):
            result = self._value(*np.moveaxis(points, -1, 0))
        return np.broadcast_to(np.asarray(result, dtype=float), points.shape[:-1]).copy()

    def gradient(self, points):
        points = np.asarray(points, dtype=float)
        with np.errstate(all="ignore"):
            columns = self._gradient(*np.moveaxis(points, -1, 0))
        out = np.empty(points.shape)
        for i, column in enumerate(columns):
            out[..., i] = column
        return out


def make_loss(text: str, names: str):
    """``make_loss("x**2 + 3*y**2", "x y")``."""
    symbols = sp.symbols(names, real=True)
    if isinstance(symbols, sp.Symbol):
        symbols = (symbols,)
    return SympyLoss(sp.sympify(text, locals={str(s): s for s in symbols}), symbols)


class DatasetLoss:
    """A mean-over-rows loss: mean_i (w*x_i + b - y_i)^2 over a tiny dataset, parameters (b, w)."""

    variables = ("b", "w")

    def __init__(self, x, y):
        self.x = np.asarray(x, dtype=float)
        self.y = np.asarray(y, dtype=float)
        self.n_rows = len(self.x)

    def _residual(self, points, rows):
        b, w = points[..., 0:1], points[..., 1:2]                     # (..., 1)
        return w * self.x[rows] + b - self.y[rows], self.x[rows]       # (..., k)

    def value(self, points):
        r, _ = self._residual(np.asarray(points, float), np.arange(self.n_rows))
        return np.mean(r * r, axis=-1)

    def batch_gradient(self, points, rows):
        r, x = self._residual(np.asarray(points, float), np.asarray(rows))
        return np.stack([np.mean(2 * r, axis=-1), np.mean(2 * r * x, axis=-1)], axis=-1)

    def gradient(self, points):
        return self.batch_gradient(points, np.arange(self.n_rows))
