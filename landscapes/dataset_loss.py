"""A loss that is a mean over training samples: ``L(theta) = (1/n) sum_i l(theta; row_i)``.

    from landscapes import compile_dataset_loss, datasets
    loss = compile_dataset_loss("(w*x + b - y)^2", datasets.make("linear", n=200, seed=0))
    loss.variables                        # ('b', 'w'): the names that are not data columns
    loss.value(points), loss.gradient(points), loss.hessian(points)   # means over all rows
    loss.batch_gradient(points, rows)     # mean over the rows with these indices

The per-sample loss ``l`` is typed text, read by the safe parser (:mod:`landscapes.parse`) with the
data columns as extra symbols, and differentiated once by SymPy. Evaluation is vectorized over
points and rows together, in chunks of at most ``CHUNK`` point-row pairs, so memory stays bounded
(a 150 x 150 grid over 100,000 rows never allocates the 2.25e9-entry table).

When ``l`` is a polynomial of low degree in the parameters, ``sum_k c_k(row) theta^a_k`` (least
squares is one), the full-data mean is the same polynomial with the column means of ``c_k``
(the data's moments), computed once: ``value`` and ``gradient`` then cost nothing per row.
Mini-batches are always evaluated row by row. The moment form adds terms that can be much larger
than their sum (data far from 0: an offset of 1e6 lost 2 of 16 digits of the loss near its
minimum): where the rounding bound ``16 eps sum_k mean|c_k| |theta^a_k|`` exceeds ``1e-9`` of the
value, the value is evaluated row by row instead. Gradients keep the moment form (their error is
absolute, about ``eps`` times the size of those terms).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Callable, Mapping

import numpy as np
import sympy

from .datasets import InvalidDataset, column_name_problem
from .loss import (MAX_GRADIENT_SIZE, _as_float, _call, _lambdify, _latex, _nan_if_not_finite,
                   as_points, derivatives)
from .parse import InvalidExpression, parse

__all__ = ["DatasetLoss", "compile_dataset_loss", "CHUNK"]

CHUNK = 1 << 18            # point-row pairs evaluated at once (2 MB per float temporary)
_MIN_ROWS = 1024           # rows per chunk at least (long rows keep numpy's loops efficient)
MAX_MOMENT_DEGREE = 4      # polynomials in the parameters up to this degree use the moments
_ROUNDING = 16 * np.finfo(float).eps   # relative rounding of a sum of at most 15 moment terms
_VALUE_RTOL = 1e-9         # moment-form values less accurate than this are evaluated row by row


@dataclass(frozen=True)
class _Polynomial:
    """``sum_k coef[k] * prod_j p_j ** powers[k, j]`` over points ``p`` (..., n)."""
    coef: np.ndarray        # (K,)
    powers: np.ndarray      # (K, n) whole numbers >= 0

    def __call__(self, pts: np.ndarray) -> np.ndarray:
        out = np.zeros(pts.shape[:-1])
        for c, row in zip(self.coef, self.powers):
            term = np.full(pts.shape[:-1], c)
            for j, a in enumerate(row):
                if a:
                    term = term * pts[..., j] ** int(a)
            out += term
        return out

    def derivative(self, j: int) -> "_Polynomial":
        a = self.powers[:, j]
        keep = a > 0
        powers = self.powers[keep].copy()
        powers[:, j] -= 1
        return _Polynomial(self.coef[keep] * a[keep], powers)


@dataclass(frozen=True, eq=False)
class DatasetLoss:
    """A compiled per-sample loss bound to data: the mean over the rows, as a function of the
    parameters. Same interface as :class:`landscapes.loss.Loss`, plus ``batch_gradient``,
    ``batch_value``, ``n_rows``, ``columns`` (the data columns the loss uses) and ``data``."""
    text: str
    expr: sympy.Expr                      # the per-sample loss
    variables: tuple[str, ...]            # the parameters, sorted
    symbols: tuple[sympy.Symbol, ...]
    columns: tuple[str, ...]
    gradient_exprs: tuple[sympy.Expr, ...]
    hessian_exprs: tuple[tuple[sympy.Expr, ...], ...]
    latex: str                            # the mean over rows
    gradient_latex: str
    sample_latex: str                     # the per-sample loss
    n_rows: int
    data: Mapping[str, np.ndarray] = field(repr=False)
    _value: Callable = field(repr=False)
    _gradient: Callable = field(repr=False)
    _hessian: Callable = field(repr=False)
    _moments: tuple | None = field(repr=False, default=None)   # polys: value, grad, hess, |value|

    @property
    def n(self) -> int:
        return len(self.variables)

    @property
    def uses_moments(self) -> bool:
        """True when full-data values come from the data's moments (a low-degree polynomial)."""
        return self._moments is not None

    @property
    def partial_latex(self) -> tuple[str, ...]:
        return tuple(_latex(g, self.symbols) for g in self.gradient_exprs)

    def value(self, points) -> np.ndarray:
        """Mean loss over all rows at every point: ``(..., n) -> (...)``; NaN where not finite."""
        pts = self._points(points)
        if self._moments is None:
            return self._mean(self._value, pts, None, 1)[..., 0]
        out = _finite(self._moments[0], pts, ())
        with np.errstate(all="ignore"):
            rough = self._moments[3](np.abs(pts)) * _ROUNDING > _VALUE_RTOL * np.abs(out)
        if rough.any():
            out[rough] = self._mean(self._value, pts[rough], None, 1)[:, 0]
        return out

    def gradient(self, points) -> np.ndarray:
        """Mean gradient over all rows: ``(..., n) -> (..., n)``; NaN where not finite."""
        pts = self._points(points)
        if self._moments is not None:
            return _finite(self._moments[1], pts, (self.n,))
        return self._mean(self._gradient, pts, None, self.n)

    def hessian(self, points) -> np.ndarray:
        """Mean Hessian over all rows: ``(..., n) -> (..., n, n)``."""
        pts = self._points(points)
        if self._moments is not None:
            flat = _finite(self._moments[2], pts, (self.n * self.n,))
        else:
            flat = self._mean(self._hessian, pts, None, self.n * self.n)
        return flat.reshape(pts.shape[:-1] + (self.n, self.n))

    def batch_value(self, points, rows) -> np.ndarray:
        """Mean loss over the rows with indices ``rows`` (1-D): ``(..., n) -> (...)``."""
        return self._mean(self._value, self._points(points), self._rows(rows), 1)[..., 0]

    def batch_gradient(self, points, rows) -> np.ndarray:
        """Mean gradient over the rows with indices ``rows`` (1-D): ``(..., n) -> (..., n)``."""
        return self._mean(self._gradient, self._points(points), self._rows(rows), self.n)

    def _rows(self, rows) -> np.ndarray:
        rows = np.asarray(rows)
        if rows.ndim != 1 or rows.size == 0 or not np.issubdtype(rows.dtype, np.integer):
            raise ValueError(f"rows must be a non-empty 1-D array of row indices; got "
                             f"shape {rows.shape}, dtype {rows.dtype}")
        if rows.min() < -self.n_rows or rows.max() >= self.n_rows:
            raise ValueError(f"a row index is out of range for {self.n_rows} rows")
        return rows

    def _points(self, points) -> np.ndarray:
        return as_points(points, self.variables)

    def _mean(self, func, pts, rows, width) -> np.ndarray:
        columns = [self.data[c] for c in self.columns]
        if rows is not None:
            columns = [c[rows] for c in columns]
        return _row_means(func, pts, columns, width)


def _finite(poly, pts, tail) -> np.ndarray:
    with np.errstate(all="ignore"):
        if isinstance(poly, _Polynomial):
            out = poly(pts)
        else:
            out = np.stack([p(pts) for p in poly], axis=-1)
        _nan_if_not_finite(out)
    return out


def _row_means(func: Callable, pts: np.ndarray, columns, width: int) -> np.ndarray:
    """Mean over rows of ``func(*params, *columns)`` at every point: ``(..., n) -> (..., width)``.

    Points and rows are taken in blocks of at most ``CHUNK`` pairs (at least ``_MIN_ROWS`` rows
    unless there are fewer): each block is one vectorized call on ``(points, 1)`` parameter
    columns against ``(1, rows)`` data columns. Non-finite means become NaN.
    """
    shape = pts.shape[:-1]
    flat = pts.reshape(-1, pts.shape[-1])
    count, rows = flat.shape[0], len(columns[0])
    sums = np.zeros((count, width))
    r_step = min(rows, max(_MIN_ROWS, CHUNK // max(count, 1)))
    p_step = max(1, CHUNK // r_step)
    with np.errstate(all="ignore"):
        for p0 in range(0, count, p_step):
            p1 = min(count, p0 + p_step)
            params = [flat[p0:p1, j, None] for j in range(flat.shape[1])]
            block = sums[p0:p1]
            for r0 in range(0, rows, r_step):
                r1 = min(rows, r0 + r_step)
                results = _call(func, params + [c[None, r0:r1] for c in columns])
                if results is None:
                    block[:] = np.nan
                    continue
                for k, r in enumerate(results):
                    block[:, k] += _as_float(r, (p1 - p0, r1 - r0)).sum(axis=1)
        sums /= rows
        _nan_if_not_finite(sums)
    return sums.reshape(shape + (width,))


# --- the polynomial (moment) form ------------------------------------------------------------------

def _polynomial_terms(expr, params, max_degree: int):
    """``{powers: coefficient}`` with ``expr = sum coefficient * prod params**powers`` and the
    coefficients free of the parameters, when ``expr`` is such a polynomial of total degree at most
    ``max_degree`` (read off the expression tree, never expanding the coefficients); else None."""
    n = len(params)
    zero = (0,) * n

    def product(a, b):
        out: dict = {}
        for pa, ca in a.items():
            for pb, cb in b.items():
                p = tuple(i + j for i, j in zip(pa, pb))
                if sum(p) > max_degree:
                    return None
                out[p] = out.get(p, sympy.S.Zero) + ca * cb
        return out

    def walk(e):
        if not e.has(*params):
            return {zero: e}
        if e in params:
            return {tuple(int(s == e) for s in params): sympy.S.One}
        if e.is_Add or e.is_Mul:
            parts = [walk(a) for a in e.args]
            if any(p is None for p in parts):
                return None
            out = parts[0]
            for part in parts[1:]:
                if e.is_Add:
                    out = dict(out)
                    for p, c in part.items():
                        out[p] = out.get(p, sympy.S.Zero) + c
                else:
                    out = product(out, part)
                    if out is None:
                        return None
            return out
        if e.is_Pow and e.exp.is_Integer and 1 <= int(e.exp) <= max_degree:
            base = walk(e.base)
            if base is None:
                return None
            out = base
            for _ in range(int(e.exp) - 1):
                out = product(out, base)
                if out is None:
                    return None
            return out
        return None

    return walk(expr)


@dataclass(frozen=True)
class _Compiled:
    """What does not depend on the data's values: parsed, differentiated and lambdified once."""
    text: str
    expr: sympy.Expr
    variables: tuple[str, ...]
    symbols: tuple[sympy.Symbol, ...]
    columns: tuple[str, ...]
    gradient_exprs: tuple
    hessian_exprs: tuple
    latex: str
    gradient_latex: str
    sample_latex: str
    value: Callable
    gradient: Callable
    hessian: Callable
    moment_powers: np.ndarray | None        # (K, n)
    moment_coefficients: Callable | None    # of (params, columns): the K coefficients per row, then
                                            # their absolute values


def _mean_latex(expr, params, column_symbols) -> str:
    with sympy.evaluate(False):
        plain = expr.xreplace({**{s: sympy.Symbol(s.name) for s in params},
                               **{c: sympy.Symbol(f"{c.name}_{{i}}") for c in column_symbols}})
    return sympy.latex(plain)


@functools.lru_cache(maxsize=64)
def _compile(text: str, names: tuple[str, ...]) -> _Compiled:
    parsed = parse(text, columns=names)
    if not parsed.columns:
        raise InvalidExpression(f"the loss uses no data column: write it with the columns "
                                f"({', '.join(names)}), e.g. (w*x + b - y)^2", parsed.text)
    params, cols = parsed.symbols, parsed.column_symbols
    expr, text = parsed.expr, parsed.text
    try:
        grad, hess = derivatives(expr, params, text)
        every = params + cols
        terms = _polynomial_terms(expr, params, MAX_MOMENT_DEGREE)
        powers = coefficients = None
        if terms:
            keys = sorted(terms)
            exprs = [terms[k] for k in keys]
            if sum(e.count_ops() for e in exprs) <= MAX_GRADIENT_SIZE:
                powers = np.array(keys, dtype=int).reshape(len(keys), len(params))
                # the K coefficients, then their absolute values (for the rounding bound)
                coefficients = _lambdify(every, exprs + [sympy.Abs(e) for e in exprs])
        n = len(params)
        mean = r"\frac{1}{n} \sum_{i=1}^{n} "
        sample = [_mean_latex(g, params, cols) for g in grad]
        if n == 1:
            gradient_latex = rf"L'({parsed.variables[0]}) = {mean}{sample[0]}"
        else:
            rows = r" \\ ".join(sample)
            gradient_latex = rf"\nabla L = {mean}\begin{{pmatrix}} {rows} \end{{pmatrix}}"
        return _Compiled(
            text=text, expr=expr, variables=parsed.variables, symbols=params,
            columns=parsed.columns, gradient_exprs=grad, hessian_exprs=hess,
            latex=(rf"L({', '.join(parsed.variables)}) = {mean}"
                   rf"\left({_mean_latex(expr, params, cols)}\right)"),
            gradient_latex=gradient_latex, sample_latex=_latex(expr, every),
            value=_lambdify(every, [expr]), gradient=_lambdify(every, grad),
            hessian=_lambdify(every, [h for row in hess for h in row]),
            moment_powers=powers, moment_coefficients=coefficients)
    except InvalidExpression:
        raise
    except (ArithmeticError, AttributeError, RecursionError, TypeError, ValueError) as err:
        raise InvalidExpression("SymPy could not compile this expression; try writing it "
                                "differently", text) from err


def _check_data(data) -> tuple[dict[str, np.ndarray], int]:
    if not isinstance(data, Mapping) or not data:
        raise InvalidDataset("the data must be a dict of named columns")
    columns: dict[str, np.ndarray] = {}
    length = None
    for name, values in data.items():
        if not isinstance(name, str):
            raise InvalidDataset(f"column names must be text; got {name!r}")
        problem = column_name_problem(name)
        if problem:
            raise InvalidDataset(problem)
        try:
            array = np.array(values, dtype=np.float64)
        except (TypeError, ValueError):
            raise InvalidDataset(f"column '{name}' is not numeric") from None
        if array.ndim != 1:
            raise InvalidDataset(f"column '{name}' must be 1-D; got shape {array.shape}")
        if length is None:
            length = len(array)
        elif len(array) != length:
            raise InvalidDataset(f"columns have different lengths ('{name}' has {len(array)} "
                                 f"rows, the first column {length})")
        bad = ~np.isfinite(array)
        if bad.any():
            raise InvalidDataset(f"column '{name}' holds a non-finite value (row "
                                 f"{int(np.argmax(bad)) + 1})")
        array.flags.writeable = False
        columns[name] = array
    if not length:
        raise InvalidDataset("the data has no rows")
    return columns, length


def compile_dataset_loss(text: str, data) -> DatasetLoss:
    """Compile the per-sample loss ``text`` over ``data`` (a dict of named 1-D columns).

    Names in ``text`` that are columns of ``data`` are the data; the other one or two names are the
    parameters (``variables``, sorted). ``value``/``gradient``/``hessian`` are means over all rows,
    ``batch_gradient(points, rows)`` the mean over the given rows.

    Raises:
        InvalidExpression: the text is not a valid loss, uses no column, has no parameter or more
            than two names that are not columns (message says what and where).
        InvalidDataset: a bad column name (e.g. one clashing with a function such as ``exp``),
            columns of different lengths, non-numeric or non-finite values, no rows.
    """
    if not isinstance(text, str):
        raise InvalidExpression("the expression must be text")
    columns, rows = _check_data(data)
    compiled = _compile(text.rstrip(), tuple(sorted(columns)))
    used = {name: columns[name] for name in compiled.columns}
    moments = None
    if compiled.moment_powers is not None:
        n = len(compiled.variables)
        k = len(compiled.moment_powers)
        means = _row_means(compiled.moment_coefficients, np.zeros((1, n)),
                           [used[c] for c in compiled.columns], 2 * k)[0]
        value = _Polynomial(means[:k], compiled.moment_powers)
        grad = [value.derivative(j) for j in range(n)]
        hess = [grad[i].derivative(j) for i in range(n) for j in range(n)]
        moments = (value, grad, hess, _Polynomial(means[k:], compiled.moment_powers))
    return DatasetLoss(
        text=compiled.text, expr=compiled.expr, variables=compiled.variables,
        symbols=compiled.symbols, columns=compiled.columns,
        gradient_exprs=compiled.gradient_exprs, hessian_exprs=compiled.hessian_exprs,
        latex=compiled.latex, gradient_latex=compiled.gradient_latex,
        sample_latex=compiled.sample_latex, n_rows=rows, data=used,
        _value=compiled.value, _gradient=compiled.gradient, _hessian=compiled.hessian,
        _moments=moments)


def compile_symbolic(text: str, columns: tuple[str, ...]) -> None:
    """The data-free part of ``compile_dataset_loss``: parse ``text`` with these column names and
    differentiate it (what ``landscapes.guard`` runs in a child under a deadline). Raises
    InvalidExpression as ``compile_dataset_loss`` does."""
    _compile(text.rstrip(), tuple(sorted(columns)))
