"""A loss that is a mean over training samples: ``L(theta) = (1/n) sum_i l(theta; row_i)``.

    from landscapes import compile_dataset_loss, datasets
    loss = compile_dataset_loss("(w*x + b - y)^2", datasets.make("linear", n=200, seed=0))
    loss.variables                        # ('b', 'w'): the names that are not data columns
    loss.value(points), loss.gradient(points), loss.hessian(points)   # means over all rows
    loss.batch_gradient(points, rows)     # mean over the rows with these indices (always exact)
    loss.evaluation                       # one sentence: how the full-data means are computed

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

Merged rows (other losses, more than ``EXACT_ROWS`` = 20,000 rows)
------------------------------------------------------------------
Row by row, a point-row pair costs 40-60 ns here (logistic loss, 2 shared cores): a 500-step run of
4 optimizers records 2,004 points whose full-data value and gradient the engine evaluates, and a
150 x 150 grid is 22,500 more; at 100,000 rows that is about 100-150 s. To stay interactive the
full-data means (``value``, ``gradient``, ``hessian``) are taken over a few hundred weighted points
that stand for the rows: a quadrature of the data's distribution, fixed at compile time, the same
for the value and its derivatives (so the gradient is exactly the gradient of the drawn surface).

* Columns with at most ``DISCRETE_VALUES`` distinct values (class labels) are kept by value.
  Columns in which ``l`` is a polynomial of degree <= 2 (a regression target ``y``) are
  *carried*: not cut, but represented by their mean and spread. The others are *binned*: ``levels``
  bins of equal width (0 an edge; a bin holding more than 4 times its share of the rows, as when
  an outlier stretches the range, is cut further at quantiles). A *cell* is one value of every
  kept column and one bin of every binned column.
* One binned column ``x`` (the usual case): each cell becomes the ``GAUSS_POINTS`` = 3-point Gauss
  rule of its rows' ``x`` values (from the Stieltjes recurrence of their orthogonal polynomials:
  it integrates every polynomial in ``x`` up to degree 5 exactly, as the rows do, and its points lie
  between the rows' min and max), weighted by the cell's row count. A carried column at each of
  those points is its least-squares fit on the cell's polynomials in ``x`` up to degree 2, plus and
  minus ``sqrt(k)`` times the residual spread along each of its ``k`` principal axes.
* Otherwise each cell keeps its row count, mean and covariance (a symmetric sigma-point set).
* A cell whose points would leave the box of its rows' values, or with no more rows than points,
  keeps its rows. ``batch_gradient`` and ``batch_value`` always use the real rows.

Chosen by measurement (100,000 rows of the built-in data, random points of the suggested domains,
largest difference from all rows relative to max(1, |exact|): of the values in the first two rows,
of values and gradients over 4 seeds in the last; ``bench/bench_data.py`` prints the timings):

=======================================  ===============  ===============  ===============
rows merged into ...                      logistic         sine fit         points (l., s.)
=======================================  ===============  ===============  ===============
one point at each bin's centroid          6e-6 (1000 b.)   1e-2 (500 b.)    1277, 500
bin's count, mean, covariance (sigma p.)  5e-7 (100 b.)    2e-6 (100 b.)    297, 400
3 Gauss points per bin (this module)      6e-9 (64 b.)     2e-7 (64 b.)     ~290, ~385
=======================================  ===============  ===============  ===============

The centroid's error is second order in the bin width (the sine fit's ``y``, not binned, alone
biases the mean by its in-bin variance, 1e-2); a seeded subsample of m rows would be off by about
``std / sqrt(m)`` (1e-2 at m = 1,000) and is not used. Faster elementwise code cannot give the
factor ~100 needed: lambdify already shares subexpressions, and over the merged points, in chunks
of ``_NODE_CHUNK`` = 2^15 pairs (measured best), the logistic loss costs ~21 ns per pair, near
numpy's exp + log alone (~15 ns).

Error bound. With one binned column ``x`` and nothing carried, Gauss quadrature's remainder in each
cell is ``f^(2K)(xi) / (2K)! * E[pi_K(x)^2]`` (``pi_K`` the cell's monic orthogonal polynomial of
degree K, whose roots are the points), so for ``l`` smooth in ``x``::

    |value - exact| <= R * sup_x |d^6 l / dx^6| / 720           (K = 3)

and the same for each gradient component with ``d l / d theta_j`` in place of ``l``, where
``R = loss.compression.remainder`` is the row-weighted mean of ``E[pi_3^2]`` over the merged
cells (cells that keep their rows add nothing). For the logistic loss ``d^6 l / dx^6 =
w^6 sigma^(5)(.)``, ``|sigma^(5)| <= 1/4``: with the built-in data (``R`` ~ 1e-8) the bound at
``|w| = 6`` is ~1e-7 (the test checks it). With carried columns or several binned columns there
is no such short bound (the points keep the moments to second order), and the check below decides.

Check and tolerance. At compile time the merged mean is compared with the mean over all rows at
check points: the origin and every parameter at +-r for r = 4, 2, 1, ..., down to 1/4 and to
1/(4 s) for the spread s of each binned column (a parameter multiplying that column matters at
about 1/s: with x spread over +-200 the logistic loss overflows at |w| = 4, and the check must look
at |w| = 2, 1, ... where it is finite). The first ``levels`` in ``LEVELS`` (64, 128, ...) whose
values and gradients all agree to ``TOLERANCE / 10`` there (relative to ``max(|exact|, min(1, the
largest |exact|))``; a NaN must be a NaN in both) is used; when none does within ``MAX_NODES``
points (rows / 4 at most), or the loss is undefined at every check point, the full-data means stay
row by row (exact; slow at 100,000 rows) and ``evaluation`` says why. The check costs a few tenths
of a second at 100,000 rows (once per loss and data). Between check points nothing is guaranteed
in general; the stated tolerance, ``TOLERANCE`` = 1e-6 relative to max(1, |exact|), is tested
against a NumPy loop at random points for the built-in logistic and sine data in their suggested
domains (several seeds; measured 6e-9 and 2e-7) and for other random data (skewed, outliers,
integer-valued, wide) in [-4, 4]^2. A loss undefined on some rows is undefined on their cell's
points only if the domain's edge separates them the same way: near such an edge merged and exact
means can disagree about NaN (the check requires agreement at its points).
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

__all__ = ["DatasetLoss", "Compression", "compile_dataset_loss", "CHUNK", "EXACT_ROWS", "TOLERANCE"]

CHUNK = 1 << 18            # point-row pairs evaluated at once (2 MB per float temporary)
_MIN_ROWS = 1024           # rows per chunk at least (long rows keep numpy's loops efficient)
MAX_MOMENT_DEGREE = 4      # polynomials in the parameters up to this degree use the moments
_ROUNDING = 16 * np.finfo(float).eps   # relative rounding of a sum of at most 15 moment terms
_VALUE_RTOL = 1e-9         # moment-form values less accurate than this are evaluated row by row
EXACT_ROWS = 20_000        # at most this many rows: full-data means over the rows themselves
DISCRETE_VALUES = 64       # a column with at most this many distinct values is never binned
LEVELS = (64, 128, 256, 512, 1024)   # bins per binned column, tried in turn
MAX_NODES = 4096           # merged rows give at most this many points (and at most rows / 4)
TOLERANCE = 1e-6           # merged rows must agree with all rows to this at the check points
GAUSS_POINTS = 3           # points of the Gauss rule along a single binned column, per cell
_NODE_CHUNK = 1 << 15      # point-node pairs evaluated at once
_CHECK_MARGIN = 10         # the check points must agree 10 times better than TOLERANCE


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
    ``batch_value``, ``n_rows``, ``columns`` (the data columns the loss uses), ``data``,
    ``evaluation`` (how ``value``/``gradient``/``hessian`` are computed, one sentence for the page)
    and ``compression`` (a :class:`Compression` when they come from merged rows, else None)."""
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
    _nodes: tuple | None = field(repr=False, default=None)     # merged rows: (columns, weights)
    compression: Compression | None = None   # how the rows were merged, None when they were not
    evaluation: str = ""                     # how full-data means are computed, for the page

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
            return self._full(self._value, pts, 1)[..., 0]
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
        return self._full(self._gradient, pts, self.n)

    def hessian(self, points) -> np.ndarray:
        """Mean Hessian over all rows: ``(..., n) -> (..., n, n)``."""
        pts = self._points(points)
        if self._moments is not None:
            flat = _finite(self._moments[2], pts, (self.n * self.n,))
        else:
            flat = self._full(self._hessian, pts, self.n * self.n)
        return flat.reshape(pts.shape[:-1] + (self.n, self.n))

    def batch_value(self, points, rows) -> np.ndarray:
        """Mean loss over the rows with indices ``rows`` (1-D): ``(..., n) -> (...)``."""
        return self._mean(self._value, self._points(points), self._rows(rows), 1)[..., 0]

    def batch_gradient(self, points, rows) -> np.ndarray:
        """Mean gradient over the rows with indices ``rows`` (1-D): ``(..., n) -> (..., n)``."""
        return self._mean(self._gradient, self._points(points), self._rows(rows), self.n)

    def _rows(self, rows) -> np.ndarray:
        rows = np.asarray(rows)
        if rows.ndim != 1 or rows.size == 0 or rows.dtype.kind not in "iu":
            raise ValueError(f"rows must be a non-empty 1-D array of row indices; got "
                             f"shape {rows.shape}, dtype {rows.dtype}")
        if rows.min() < -self.n_rows or rows.max() >= self.n_rows:
            raise ValueError(f"a row index is out of range for {self.n_rows} rows")
        return rows

    def _points(self, points) -> np.ndarray:
        return as_points(points, self.variables)

    def _full(self, func, pts, width) -> np.ndarray:
        """The full-data mean: over the merged rows' weighted points if any, else the rows."""
        if self._nodes is None:
            return self._mean(func, pts, None, width)
        return _weighted_means(func, pts, self._nodes[0], self._nodes[1], width)

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


def _float_block(r, shape) -> np.ndarray:
    """``_as_float(r, shape)``, without its checks when ``r`` is a float array of ``shape``."""
    if type(r) is np.ndarray and r.dtype == np.float64 and r.shape == shape:
        return r
    return _as_float(r, shape)


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
                    block[:, k] += _float_block(r, (p1 - p0, r1 - r0)).sum(axis=1)
        sums /= rows
        _nan_if_not_finite(sums)
    return sums.reshape(shape + (width,))


# --- merged rows (a quadrature of the data) -----------------------------------------------------

@dataclass(frozen=True)
class Compression:
    """How a :class:`DatasetLoss` computes its full-data means from merged rows.

    ``nodes`` weighted points stand for ``rows`` rows. The rows are cut into ``cells``: one per
    combination of a value of every ``by_value`` column (at most ``DISCRETE_VALUES`` distinct
    values) and one of ``levels`` bins of every ``binned`` column (0 when none is); ``carried``
    columns (the loss is a polynomial of degree at most 2 in them) are not cut. With one binned
    column each cell becomes the ``gauss_points``-point Gauss rule of its values of that column
    (and the carried columns' fit and spread at those points); otherwise points that keep each
    cell's count, mean and covariance (``gauss_points`` is 0). ``remainder`` is the data's factor
    in the error bound of the module docstring (NaN without a single binned column). ``error`` is
    the largest difference from the mean over all rows found at the ``checked`` check points,
    values and gradients, relative to ``max(|exact|, min(1, the largest |exact| there))``.
    """
    rows: int
    nodes: int
    cells: int
    levels: int
    binned: tuple[str, ...]
    by_value: tuple[str, ...]
    carried: tuple[str, ...]
    gauss_points: int
    remainder: float
    error: float
    checked: int


def _bins(column: np.ndarray, levels: int) -> np.ndarray:
    """Bin index of every value: ``levels`` bins of equal width over the column's range, 0 an edge
    when the range holds it, and a bin with more than 4 times its share of the rows (outliers
    stretching the range) cut at quantiles of its values into bins of about its share."""
    lo, hi = float(column.min()), float(column.max())
    edges = np.linspace(lo, hi, levels + 1)
    if lo < 0.0 < hi:
        edges = np.union1d(edges, [0.0])
    code = np.clip(np.searchsorted(edges, column, side="right") - 1, 0, len(edges) - 2)
    share = len(column) / levels
    counts = np.bincount(code, minlength=len(edges) - 1)
    heavy = np.flatnonzero(counts > 4 * share)
    if heavy.size:
        extra = [np.quantile(column[code == i],
                             np.linspace(0, 1, int(np.ceil(counts[i] / share)) + 1)[1:-1])
                 for i in heavy]
        edges = np.union1d(edges, np.concatenate(extra))
        code = np.clip(np.searchsorted(edges, column, side="right") - 1, 0, len(edges) - 2)
    return code


def _cells(codes, rows: int) -> tuple[np.ndarray, int]:
    """The cell of every row (0 .. cells - 1): rows with equal codes in every array share one."""
    inverse = np.zeros(rows, dtype=np.int64)
    cells = 1
    for code in codes:
        inverse = inverse * (int(code.max()) + 1) + code
        keys, inverse = np.unique(inverse, return_inverse=True)
        cells = len(keys)
    return inverse.reshape(rows), cells


def _gauss(t, inv, cells, count, points: int, size: float):
    """The Gauss rule of every cell's values ``t`` (centred on the cell mean), by the Stieltjes
    recurrence of their monic orthogonal polynomials ``pi_0 = 1, pi_1 = t, ...``.

    Returns ``(offsets, probabilities, polynomials, norms, at_nodes, remainder)``: ``(cells,
    points)`` node offsets and weights (summing to 1; 0 for the nodes a cell with fewer distinct
    values does not need), ``pi_0 .. pi_{points-1}`` at every row, their per-cell mean squares
    ``(cells, points)`` (0 where the cell has no more distinct values), the same polynomials at the
    nodes, and ``E[pi_points^2]`` per cell (the Gauss rule's remainder factor; 0 where it is exact).
    """
    def cell_mean(values):
        return np.bincount(inv, values, cells) / count

    K = points
    a, b, norms = np.zeros((cells, K)), np.zeros((cells, K)), np.zeros((cells, K))
    alive = np.ones(cells, dtype=bool)
    previous, current = np.zeros(len(t)), np.ones(len(t))
    polynomials = []
    for k in range(K + 1):
        norm = cell_mean(current * current)
        if k == 1:
            alive &= norm > (1e-12 * size) ** 2            # all of the cell's values are equal
        elif k > 1:
            alive &= norm > 1e-9 * norms[:, k - 1] * norms[:, 1]   # only k distinct values
        if k == K:
            remainder = np.where(alive, norm, 0.0)
            break
        polynomials.append(current)
        norms[:, k] = np.where(alive, norm, 0.0)
        safe = np.where(alive, norm, 1.0)
        a[:, k] = np.where(alive, cell_mean(t * current * current) / safe, 0.0)
        if k:
            b[:, k] = np.where(alive, norm / np.where(alive, norms[:, k - 1], 1.0), 0.0)
        previous, current = current, (t - a[inv, k]) * current - b[inv, k] * previous
    jacobi = np.zeros((cells, K, K))
    i = np.arange(K)
    jacobi[:, i, i] = a
    jacobi[:, i[1:], i[:-1]] = jacobi[:, i[:-1], i[1:]] = np.sqrt(b[:, 1:])
    offsets, vectors = np.linalg.eigh(jacobi)
    probabilities = vectors[:, 0, :] ** 2
    probabilities[probabilities < 1e-12] = 0.0
    at_nodes = [np.ones((cells, K))]
    previous, current = np.zeros((cells, K)), np.ones((cells, K))
    for k in range(1, K):
        previous, current = current, ((offsets - a[:, k - 1, None]) * current
                                      - b[:, k - 1, None] * previous)
        at_nodes.append(current)
    return offsets, probabilities, polynomials, norms, at_nodes, remainder


def _nodes(columns: Mapping[str, np.ndarray], order, discrete, binned, carried, levels: int):
    """Weighted points standing for the rows: ``([node column per name in order], weights, cells,
    remainder)``; the weights sum to 1.

    Each cell (a combination of a value of every ``discrete`` column and a bin of every ``binned``
    one) becomes points whose weights add up to the cell's share of the rows:

    * one binned column ``x``: the ``GAUSS_POINTS``-point Gauss rule of the cell's ``x`` values (it
      integrates every polynomial in ``x`` of degree below ``2 * GAUSS_POINTS`` exactly, as the
      rows do, and lies between their min and max); each carried column at each of those ``x`` is
      its least-squares fit on the cell's polynomials in ``x`` (degree below ``GAUSS_POINTS``),
      plus and minus the residuals' spread along each of their ``k`` principal axes (``sqrt(k)``
      standard deviations): so the points also keep the carried columns' mean, covariance and
      products with those polynomials;
    * otherwise: the cell's mean plus and minus ``sqrt(k)`` standard deviations along each of the
      ``k`` principal axes of its covariance with non-zero variance (a symmetric sigma-point set):
      count, mean and covariance are kept.

    A cell whose points would leave the box of its rows' values, or that has no more rows than
    points, keeps its rows (weight ``1 / rows`` each). ``remainder`` is the row-weighted mean of
    ``E[pi_K^2]`` over the merged cells (one binned column, else NaN): see the module docstring.
    """
    rows = len(next(iter(columns.values())))
    codes = [np.unique(columns[c], return_inverse=True)[1].reshape(rows) for c in discrete]
    codes += [_bins(columns[c], levels) for c in binned]
    inv, cells = _cells(codes, rows)
    count = np.bincount(inv, minlength=cells).astype(float)
    first = np.empty(cells, dtype=np.int64)
    first[inv] = np.arange(rows)                            # a row of each cell
    mean = {c: np.bincount(inv, columns[c], cells) / count for c in columns}
    dev = {c: columns[c] - mean[c][inv] for c in columns}

    def cell_mean(values):
        return np.bincount(inv, values, cells) / count

    fit: dict[str, np.ndarray] = {}                        # carried columns' fit at the x nodes
    if len(binned) == 1:
        x = binned[0]
        offsets_x, probs_x, pis, norms, at_nodes, remainder = _gauss(
            dev[x], inv, cells, count, GAUSS_POINTS, float(np.abs(columns[x]).max()))
        rest = list(carried)
        resid = {}
        for c in rest:
            e = dev[c].copy()
            shift = np.zeros_like(offsets_x)
            for k in range(1, GAUSS_POINTS):
                has = norms[:, k] > 0
                coefficient = np.where(has, cell_mean(dev[c] * pis[k])
                                       / np.where(has, norms[:, k], 1.0), 0.0)
                e -= coefficient[inv] * pis[k]
                shift += coefficient[:, None] * at_nodes[k]
            fit[c], resid[c] = shift, e
    else:
        x, remainder = None, None
        offsets_x, probs_x = np.zeros((cells, 1)), np.ones((cells, 1))
        rest = list(binned) + list(carried)
        resid = dev

    d = len(rest)
    if d:                                                   # sigma points of the rest
        cov = np.empty((cells, d, d))
        for i in range(d):
            for j in range(i, d):
                cov[:, i, j] = cov[:, j, i] = cell_mean(resid[rest[i]] * resid[rest[j]])
        lam, vec = np.linalg.eigh(cov)
        size = max(float(np.abs(columns[c]).max()) for c in rest)
        active = lam > (1e-9 * size) ** 2
        k = active.sum(axis=1)
        spread = np.sqrt(np.where(active, np.maximum(k, 1)[:, None] * lam, 0.0))
        axes = np.swapaxes(vec, 1, 2) * spread[:, :, None]    # (cells, axis, column)
        offsets_q = np.concatenate([axes, -axes, np.zeros((cells, 1, d))], axis=1)
        probs_q = (np.concatenate([active, active, (k == 0)[:, None]], axis=1)
                   / np.where(k == 0, 1.0, 2.0 * k)[:, None])
    else:
        offsets_q, probs_q = np.zeros((cells, 1, 0)), np.ones((cells, 1))

    # the points: (cells, x nodes, rest nodes)
    shape = (cells, offsets_x.shape[1], offsets_q.shape[1])
    weight = count[:, None, None] * probs_x[:, :, None] * probs_q[:, None, :]
    values = {}
    for c in order:
        if c == x:
            values[c] = np.broadcast_to((mean[c][:, None] + offsets_x)[:, :, None], shape)
        elif c in rest:
            v = mean[c][:, None, None] + offsets_q[:, None, :, rest.index(c)]
            values[c] = v + fit[c][:, :, None] if c in fit else v
        else:                                               # discrete: the cell's one value
            values[c] = np.broadcast_to(columns[c][first][:, None, None], shape)
    used = weight > 0
    keep = count > used.sum(axis=(1, 2))                    # else the rows are no more
    for c in order:
        if c in discrete:
            continue
        lo, hi = np.full(cells, np.inf), np.full(cells, -np.inf)
        np.minimum.at(lo, inv, columns[c])
        np.maximum.at(hi, inv, columns[c])
        # rounding may put a node a few ulps outside (a cell of two distinct values): clip it
        slack = (1e-9 * (hi - lo) + 4 * np.finfo(float).eps * np.maximum(abs(lo), abs(hi)))
        low, high = (lo - slack)[:, None, None], (hi + slack)[:, None, None]
        keep &= (((values[c] >= low) & (values[c] <= high)) | ~used).all(axis=(1, 2))
        values[c] = np.clip(values[c], lo[:, None, None], hi[:, None, None])
    chosen = used & keep[:, None, None]
    own = ~keep[inv]                                        # rows kept as they are
    node_columns = [np.concatenate([values[c][chosen], columns[c][own]]) for c in order]
    weights = np.concatenate([weight[chosen], np.ones(int(own.sum()))]) / rows
    if remainder is not None:
        remainder = float(np.sum(np.where(keep, count * remainder, 0.0)) / rows)
    else:
        remainder = float("nan")
    return node_columns, weights, cells, remainder


def _weighted_means(func: Callable, pts: np.ndarray, columns, weights: np.ndarray,
                    width: int) -> np.ndarray:
    """``sum_j weights[j] func(*params, *columns[:, j])`` at every point: ``(..., n) ->
    (..., width)``, in blocks of at most ``_NODE_CHUNK`` point-node pairs; non-finite -> NaN."""
    shape = pts.shape[:-1]
    flat = pts.reshape(-1, pts.shape[-1])
    count, nodes = flat.shape[0], len(weights)
    out = np.zeros((count, width))
    n_step = min(nodes, _NODE_CHUNK)
    p_step = max(1, _NODE_CHUNK // n_step)
    with np.errstate(all="ignore"):
        for p0 in range(0, count, p_step):
            p1 = min(count, p0 + p_step)
            params = [flat[p0:p1, j, None] for j in range(flat.shape[1])]
            block = out[p0:p1]
            for r0 in range(0, nodes, n_step):
                r1 = min(nodes, r0 + n_step)
                results = _call(func, params + [c[None, r0:r1] for c in columns])
                if results is None:
                    block[:] = np.nan
                    continue
                w = weights[r0:r1]
                for k, r in enumerate(results):     # a sum per point: the same for any block
                    block[:, k] += (_float_block(r, (p1 - p0, r1 - r0)) * w).sum(axis=1)
        _nan_if_not_finite(out)
    return out.reshape(shape + (width,))


def _check_points(n: int, spreads) -> np.ndarray:
    """Where merged rows are checked against all rows: the origin and the points with every
    parameter +-r, for radii r from 4 down by halves to 1/4, and on to 1/(4 s) for the standard
    deviation s of each binned column (a parameter multiplying a column of spread s matters at
    about 1/s and above)."""
    smallest = min([0.25] + [0.25 / s for s in spreads if s > 0])
    radii = 4.0 * 0.5 ** np.arange(int(np.ceil(np.log2(4.0 / smallest))) + 1)
    signs = np.stack(np.meshgrid(*[[-1.0, 1.0]] * n, indexing="ij"), axis=-1).reshape(-1, n)
    return np.concatenate([np.zeros((1, n))] + [r * signs for r in radii])


def _difference(approx, exact) -> float:
    """Largest ``|approx - exact| / max(|exact|, s)``, ``s = min(1, max |exact|)``; inf where one
    is NaN and the other not."""
    with np.errstate(all="ignore"):
        if (np.isnan(approx) != np.isnan(exact)).any():
            return np.inf
        both = ~np.isnan(exact)
        if not both.any():
            return 0.0
        size = np.abs(exact[both])
        floor = min(1.0, float(size.max()))
        if floor == 0.0:
            return float(np.abs(approx[both]).max())
        return float(np.max(np.abs(approx[both] - exact[both]) / np.maximum(size, floor)))


def _merge(compiled: "_Compiled", used: Mapping[str, np.ndarray], rows: int):
    """``((node columns, weights), Compression)`` for the full-data means; ``(None, None)`` when
    the rows are few; ``(None, reason)`` when merging them is not accurate enough."""
    if rows <= EXACT_ROWS:
        return None, None
    order = compiled.columns
    n = len(compiled.variables)
    by_value = tuple(c for c in order if len(np.unique(used[c])) <= DISCRETE_VALUES)
    carried = tuple(c for c in order if c not in by_value and c in compiled.quadratic_columns)
    binned = tuple(c for c in order if c not in by_value and c not in carried)
    points = _check_points(n, [float(np.std(used[c])) for c in binned])
    data = [used[c] for c in order]
    exact_value = _row_means(compiled.value, points, data, 1)
    exact_gradient = _row_means(compiled.gradient, points, data, n)
    if np.isnan(exact_value).all():
        return None, "the loss is undefined at every check point, so merged rows cannot be checked"
    for levels in (LEVELS if binned else LEVELS[:1]):
        node_columns, weights, cells, remainder = _nodes(used, order, by_value, binned, carried,
                                                         levels)
        if len(weights) > min(MAX_NODES, rows // 4):
            break
        error = max(
            _difference(_weighted_means(compiled.value, points, node_columns, weights, 1),
                        exact_value),
            _difference(_weighted_means(compiled.gradient, points, node_columns, weights, n),
                        exact_gradient))
        if error <= TOLERANCE / _CHECK_MARGIN:
            info = Compression(rows=rows, nodes=len(weights), cells=cells,
                               levels=levels if binned else 0,
                               binned=binned, by_value=by_value, carried=carried,
                               gauss_points=GAUSS_POINTS if len(binned) == 1 else 0,
                               remainder=remainder, error=error, checked=len(points))
            return (node_columns, weights), info
    return None, (f"merging the rows into at most {MAX_NODES:,} points was not accurate to "
                  f"{TOLERANCE / _CHECK_MARGIN:g} at the check points")


def _describe(info: Compression) -> str:
    """One sentence for the page: what was merged, how, and how far from all rows."""
    if info.gauss_points:
        (x,) = info.binned
        how = [f"{x} in {info.levels} bins, {info.gauss_points} Gauss points per bin"]
    elif info.binned:
        how = [f"{', '.join(info.binned)} in {info.levels} bins each"]
    else:
        how = []
    how += [f"{c} by value" for c in info.by_value]
    if info.carried:
        fit = f"fit on {info.binned[0]} and " if info.gauss_points else ""
        how.append(f"{', '.join(info.carried)} by {fit}spread in each cell")
    return (f"full-data loss from {info.rows:,} rows merged into {info.nodes:,} weighted points "
            f"({'; '.join(how)}); at {info.checked} check points it differs from the mean over "
            f"all rows by at most {info.error:.0e} (relative)")


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
    quadratic_columns: tuple[str, ...] = ()  # columns in which the loss has degree <= 2


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
            moment_powers=powers, moment_coefficients=coefficients,
            quadratic_columns=tuple(c.name for c in cols
                                    if _polynomial_terms(expr, (c,), 2) is not None))
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
        nodes, compression = None, None
        evaluation = (f"full-data loss from the data's moments (a polynomial in the parameters), "
                      f"exact over all {rows:,} rows")
    else:
        nodes, merged = _merge(compiled, used, rows)
        compression = merged if nodes is not None else None
        if nodes is not None:
            evaluation = _describe(merged)
        elif merged is None:
            evaluation = f"full-data loss over all {rows:,} rows, exact"
        else:
            evaluation = f"full-data loss over all {rows:,} rows, exact ({merged})"
    return DatasetLoss(
        text=compiled.text, expr=compiled.expr, variables=compiled.variables,
        symbols=compiled.symbols, columns=compiled.columns,
        gradient_exprs=compiled.gradient_exprs, hessian_exprs=compiled.hessian_exprs,
        latex=compiled.latex, gradient_latex=compiled.gradient_latex,
        sample_latex=compiled.sample_latex, n_rows=rows, data=used,
        _value=compiled.value, _gradient=compiled.gradient, _hessian=compiled.hessian,
        _moments=moments, _nodes=nodes, compression=compression, evaluation=evaluation)


def compile_symbolic(text: str, columns: tuple[str, ...]) -> None:
    """The data-free part of ``compile_dataset_loss``: parse ``text`` with these column names and
    differentiate it (what ``landscapes.guard`` runs in a child under a deadline). Raises
    InvalidExpression as ``compile_dataset_loss`` does."""
    _compile(text.rstrip(), tuple(sorted(columns)))
