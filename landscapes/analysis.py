"""Critical points of a compiled loss, and a finite-difference check of its symbolic gradient.

``critical_points(loss, domain)`` lists the stationary points (gradient = 0) of a Loss inside a box,
each classified from its Hessian as a minimum, maximum, saddle or degenerate point. Two methods:

* **Exact**, only where SymPy is complete and provably quick: a 1-D polynomial of degree <= 12
  (real-root isolation of f', which finds every root) and a 2-D polynomial of total degree <= 2
  (a linear gradient: one linear solve). The degree is bounded by walking the expression tree
  *before* SymPy expands anything, so this work is bounded by the size of the input.
* **Newton from a grid of seeds** for everything else: Levenberg-Marquardt on the residual
  ``g(p) = grad f(p)`` with Jacobian ``H(p)`` (the symbolic Hessian), every seed stepped at once.
  The step ``-(H^2 + lam I)^-1 H g`` is Newton's step when ``lam = 0`` and so converges to
  saddles and maxima as well as minima; the damping ``lam`` (per seed, adapted) keeps it stable
  where ``H`` is singular, so degenerate points (``w^3``, ``x^4 + y^4``) are reached too, linearly.

Why not ``sympy.solve`` in a child process: measured on SymPy 1.14 it is both slow and, worse,
silently incomplete on the classic landscapes (Himmelblau: 8.7 s and 4 of its 9 critical points;
six-hump camel: 0.13 s and 1 of its 15; Beale: 5.1 s), and on periodic functions it returns one
period at most. A time-limited child process would mostly spend its whole budget and then be
discarded, so the exact path is restricted to the cases above, where it finishes in milliseconds.

Continua of critical points (``(x - y)^2`` has a whole line of minima) appear as samples along
the curve, all "degenerate". Points where the gradient does not exist (the tip of ``abs`` or of
Ackley's cone) are not stationary points and are not reported.

``gradient_check(loss, point)`` compares the symbolic gradient with central differences.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import sympy

__all__ = ["CriticalPoint", "GradientCheck", "KINDS", "critical_points", "gradient_check"]

#: Kinds of critical points, in the order ``critical_points`` lists them.
KINDS = ("minimum", "saddle", "degenerate", "maximum")

_EXACT_1D_MAX_DEGREE = 12
_EXACT_2D_MAX_DEGREE = 2
_DEFAULT_GRID = {1: 512, 2: 64}
_HISTORY = 4
_STALL_WINDOW = 10


@dataclass(frozen=True, eq=False)
class CriticalPoint:
    """A point where the gradient vanishes.

    ``kind`` is one of ``KINDS``; ``eigenvalues`` are the Hessian's, ascending; ``exact`` says
    whether the point came from the exact (symbolic) solve rather than from Newton.
    """
    point: np.ndarray
    value: float
    kind: str
    eigenvalues: np.ndarray
    exact: bool = False


@dataclass(frozen=True, eq=False)
class GradientCheck:
    """Symbolic gradient vs central finite differences at one point.

    ``abs_error`` = max_i |symbolic_i - numeric_i|; ``rel_error`` = abs_error / max(|symbolic|,
    |numeric|) (infinity norms); ``ok`` = both finite and ``abs_error <= tolerance``.
    """
    point: np.ndarray
    value: float
    symbolic: np.ndarray
    numeric: np.ndarray
    h: np.ndarray
    abs_error: float
    rel_error: float
    tolerance: float
    ok: bool


# ---------------------------------------------------------------------------------------------
# critical points


def critical_points(loss, domain, *, grid=None, timeout=1.0, max_iter=100,
                    exact=True) -> list[CriticalPoint]:
    """Stationary points of ``loss`` inside the box ``domain``, classified from the Hessian.

    Args:
        loss: a compiled Loss (``n`` = 1 or 2; uses ``value``, ``gradient``, ``hessian``, and
            ``expr`` / ``symbols`` / ``gradient_exprs`` for the exact path).
        domain: ``(lo, hi)`` per variable, in ``loss.variables`` order.
        grid: Newton seeds per axis (default 512 in 1-D, 64 in 2-D: 4096 seeds), placed at the
            centres of a regular grid of cells.
        timeout: wall-clock budget in seconds. The exact path is only attempted where it takes
            milliseconds; Newton stops iterating when the budget is spent and keeps what converged.
        max_iter: Newton iterations at most.
        exact: try the exact path first (False: Newton only).

    Returns:
        De-duplicated CriticalPoints (two points closer than 1e-6 of the domain's size are one),
        minima first, then saddles, degenerate points and maxima; by value within a kind.
    """
    started = time.perf_counter()
    n = loss.n
    lo, hi = _box(domain, n)
    size = float(np.max(hi - lo))
    hscale = _hessian_scale(loss, lo, hi)

    exact_points, complete = _exact_points(loss) if exact else (None, False)
    candidates = [exact_points] if exact_points is not None else []
    if not complete:
        per_axis = int(grid) if grid is not None else _DEFAULT_GRID.get(n, 64)
        if per_axis < 1:
            raise ValueError(f"grid must be a positive number of seeds per axis, got {grid!r}")
        seeds = _seed_grid(lo, hi, per_axis)
        deadline = started + float(timeout)
        candidates.append(_newton(loss, seeds, lo, hi, hscale, max_iter=max_iter,
                                  deadline=deadline))
    points = np.concatenate(candidates) if candidates else np.empty((0, n))
    n_exact = 0 if exact_points is None else len(exact_points)

    # keep the points inside the (closed) box; the exact ones first so they win the de-duplication
    inside = np.all((points >= lo - 1e-9 * size) & (points <= hi + 1e-9 * size), axis=-1)
    points, is_exact = points[inside], (np.arange(len(points)) < n_exact)[inside]
    points, is_exact = _deduplicate(points, is_exact, 1e-6 * size)
    if len(points) == 0:
        return []

    values = loss.value(points)
    hessians = loss.hessian(points)
    good = np.isfinite(values) & np.all(np.isfinite(hessians), axis=(-2, -1))
    points, is_exact, values, hessians = points[good], is_exact[good], values[good], hessians[good]
    eigenvalues = np.linalg.eigvalsh(hessians) if len(points) else np.empty((0, n))
    kinds = _classify(eigenvalues, hscale)

    result = [CriticalPoint(point=p.copy(), value=float(v), kind=k, eigenvalues=e.copy(),
                            exact=bool(x))
              for p, v, k, e, x in zip(points, values, kinds, eigenvalues, is_exact)]
    result.sort(key=lambda c: (KINDS.index(c.kind), c.value, tuple(c.point)))
    return result


def _box(domain, n):
    box = np.asarray(domain, dtype=float)
    if box.shape != (n, 2):
        raise ValueError(f"domain must give (lo, hi) for each of the {n} variable(s); "
                         f"got {domain!r}")
    lo, hi = box[:, 0], box[:, 1]
    if not (np.all(np.isfinite(box)) and np.all(lo < hi)):
        raise ValueError(f"domain bounds must be finite with lo < hi; got {domain!r}")
    return lo, hi


def _seed_grid(lo, hi, per_axis):
    axes = [lo[i] + (np.arange(per_axis) + 0.5) * (hi[i] - lo[i]) / per_axis
            for i in range(len(lo))]
    mesh = np.meshgrid(*axes, indexing="ij")
    return np.stack([m.ravel() for m in mesh], axis=-1)


def _hessian_scale(loss, lo, hi):
    """A typical size of the Hessian over the box (median Frobenius norm on a coarse grid)."""
    probe = _seed_grid(lo, hi, 9 if len(lo) == 2 else 81)
    norms = np.linalg.norm(loss.hessian(probe), axis=(-2, -1))
    norms = norms[np.isfinite(norms)]
    return float(np.median(norms)) if norms.size else 1.0


def _classify(eigenvalues, hscale):
    """Minimum / maximum / saddle from the signs of the eigenvalues; near-zero -> degenerate.

    An eigenvalue counts as zero when ``|lam| <= 1e-8 * max(hscale, max|lam| at the point)``;
    one clearly positive and one clearly negative eigenvalue make a saddle whatever the rest.
    """
    kinds = []
    for lam in eigenvalues:
        tol = 1e-8 * max(hscale, float(np.max(np.abs(lam))), 1e-300)
        pos, neg = np.any(lam > tol), np.any(lam < -tol)
        zero = np.any(np.abs(lam) <= tol)
        if pos and neg:
            kinds.append("saddle")
        elif zero:
            kinds.append("degenerate")
        else:
            kinds.append("minimum" if pos else "maximum")
    return kinds


def _deduplicate(points, is_exact, tol):
    """Greedy clustering in the given order (exact points first): keep a point unless one already
    kept lies within ``tol`` (max-norm)."""
    if len(points) == 0:
        return points, is_exact
    # stable order: exact points first, then as found
    order = np.argsort(~is_exact, kind="stable")
    points, is_exact = points[order], is_exact[order]
    # cheap first pass: identical after rounding to the tolerance grid
    _, first = np.unique(np.round(points / tol), axis=0, return_index=True)
    first = np.sort(first)
    kept = []
    for i in first:
        if kept and np.min(np.max(np.abs(points[kept] - points[i]), axis=-1)) <= tol:
            continue
        kept.append(i)
    return points[kept], is_exact[kept]


def _newton(loss, seeds, lo, hi, hscale, *, max_iter, deadline):
    """Levenberg-Marquardt on g(p) = 0 from every seed at once.

    Returns the points where it converged (|g| <= 1e-8 times the median |g| over the seeds),
    smallest |g| first.
    """
    size = float(np.max(hi - lo))
    max_step = 0.25 * (hi - lo)
    x = seeds.copy()
    with np.errstate(all="ignore"):
        g = loss.gradient(x)
        gnorm = np.sqrt(np.sum(g * g, axis=-1))
        finite = np.isfinite(gnorm)
        gscale = float(np.median(gnorm[finite])) if np.any(finite) else 1.0
        lam = np.full(len(x), (1e-4 * hscale) ** 2 + 1e-300)
        lam_max = 1e12 * hscale ** 2 + 1e-250
        # non-monotone acceptance: a step may raise |g| above its current value as long as it
        # stays below the largest of the last few accepted ones (Newton's steps along a curved
        # valley, as in Rosenbrock's, briefly raise |g|; a monotone rule crawls there)
        history = np.repeat(gnorm[:, None], _HISTORY, axis=1)
        gtol = 1e-8 * gscale + 1e-12
        checkpoint = gnorm.copy()
        active = finite.copy()
        for it in range(1, max_iter + 1):
            if not np.any(active) or time.perf_counter() > deadline:
                break
            idx = np.flatnonzero(active)
            xa, ga = x[idx], g[idx]
            step = _lm_step(loss.hessian(xa), ga, lam[idx])
            # trust region: never jump more than a quarter of the box in one step
            over = np.max(np.abs(step) / max_step, axis=-1)
            step /= np.maximum(over, 1.0)[:, None]
            trial = xa + step
            gt = loss.gradient(trial)
            gtn = np.sqrt(np.sum(gt * gt, axis=-1))
            better = gtn < np.max(history[idx], axis=-1)    # False for NaN
            acc, rej = idx[better], idx[~better]
            x[acc], g[acc], gnorm[acc] = trial[better], gt[better], gtn[better]
            history[acc] = np.roll(history[acc], 1, axis=1)
            history[acc, 0] = gtn[better]
            lam[acc] *= 0.25
            lam[rej] *= 8.0
            # done: the step is lost in rounding (converged, or stuck at a non-zero minimum of
            # |g|), the gradient is exactly zero, the damping exploded, or it wandered off
            tiny = np.max(np.abs(step), axis=-1) <= 1e-15 * (size + np.max(np.abs(xa), axis=-1))
            far = np.any((x[idx] < lo - size) | (x[idx] > hi + size), axis=-1)
            stop = tiny | (gnorm[idx] == 0) | (lam[idx] > lam_max) | far | ~np.isfinite(step[:, 0])
            active[idx[stop]] = False
            if it % _STALL_WINDOW == 0:
                # stalled: |g| not halved over the window and still not small (a flat valley
                # leading out of the box, a non-zero minimum of |g|): give the seed up
                stalled = (gnorm > 0.5 * checkpoint) & (gnorm > gtol)
                active &= ~stalled
                checkpoint = gnorm.copy()
    converged = np.flatnonzero(np.isfinite(gnorm) & (gnorm <= gtol))
    # most accurate first, so that it represents its cluster in the de-duplication
    return x[converged[np.argsort(gnorm[converged], kind="stable")]]


def _lm_step(h, g, lam):
    """-(H^2 + lam I)^-1 H g for a stack of symmetric 1x1 or 2x2 H, in closed form (no LAPACK:
    batched ``eigh``/``solve`` on thousands of 2x2 matrices costs more than everything else)."""
    if h.shape[-1] == 1:
        a = h[:, 0, 0]
        return (-a * g[:, 0] / (a * a + lam))[:, None]
    a, b, c = h[:, 0, 0], h[:, 0, 1], h[:, 1, 1]
    a00, a01, a11 = a * a + b * b + lam, b * (a + c), b * b + c * c + lam
    r0, r1 = a * g[:, 0] + b * g[:, 1], b * g[:, 0] + c * g[:, 1]
    det = a00 * a11 - a01 * a01
    return -np.stack([(a11 * r0 - a01 * r1) / det, (a00 * r1 - a01 * r0) / det], axis=-1)


def _degree_bound(expr, symbols):
    """Total degree of ``expr`` as a polynomial in ``symbols`` (an upper bound), or None.

    Walks the tree without expanding, so it costs one pass over the input's nodes.
    """
    if not expr.has(*symbols):
        return 0 if expr.is_number else None
    if expr.is_Symbol:
        return 1 if expr in symbols else None
    if expr.is_Add:
        degrees = [_degree_bound(a, symbols) for a in expr.args]
        return None if None in degrees else max(degrees)
    if expr.is_Mul:
        degrees = [_degree_bound(a, symbols) for a in expr.args]
        return None if None in degrees else sum(degrees)
    if expr.is_Pow:
        base, exponent = expr.args
        if exponent.is_Integer and 0 <= int(exponent) <= 64:
            d = _degree_bound(base, symbols)
            return None if d is None else d * int(exponent)
    return None


def _exact_points(loss):
    """Critical points from SymPy where that is complete and quick, else (None, False).

    Returns (points or None, complete): ``complete`` means the points are all the critical points
    in the box, so Newton is not needed.
    """
    symbols = tuple(loss.symbols)
    try:
        degree = _degree_bound(loss.expr, symbols)
    except RecursionError:
        return None, False
    if degree is None:
        return None, False
    try:
        if len(symbols) == 1 and degree <= _EXACT_1D_MAX_DEGREE:
            (s,) = symbols
            derivative = sympy.nsimplify(sympy.diff(loss.expr, s), rational=True)
            if derivative == 0:          # constant loss: every point is critical; not listable
                return None, False
            roots = sympy.Poly(derivative, s).real_roots()
            pts = np.array(sorted({float(r) for r in roots}), dtype=float).reshape(-1, 1)
        elif len(symbols) == 2 and degree <= _EXACT_2D_MAX_DEGREE:
            grads = [sympy.nsimplify(g, rational=True) for g in loss.gradient_exprs]
            solutions = sympy.linsolve(grads, *symbols)
            pts = []
            for sol in solutions:
                if any(v.free_symbols for v in sol):   # a line or plane of critical points
                    return None, False
                pts.append([float(v) for v in sol])
            pts = np.array(pts, dtype=float).reshape(-1, 2)
        else:
            return None, False
    except (sympy.PolynomialError, sympy.polys.polyerrors.PolificationFailed,
            NotImplementedError, TypeError, ValueError):
        return None, False
    return pts, True


# ---------------------------------------------------------------------------------------------
# gradient check


def gradient_check(loss, point, h=None, *, rtol=1e-5) -> GradientCheck:
    """Compare ``loss.gradient`` at ``point`` with central differences of ``loss.value``.

    ``numeric_i = (f(p + h_i e_i) - f(p - h_i e_i)) / (2 h_i)``, with ``h_i = eps^(1/3) *
    max(1, |p_i|)`` by default (the step that balances the O(h^2) truncation error against the
    O(eps/h) rounding error), rounded so that ``p_i + h_i`` is exact.

    ``tolerance = rtol * max(|symbolic|, |numeric|) + 64 * eps * max|f| / min(h)``: a relative
    error budget for the truncation, plus the rounding error of the differences.
    """
    p = np.asarray(point, dtype=float).reshape(loss.n)
    if h is None:
        step = np.cbrt(np.finfo(float).eps) * np.maximum(1.0, np.abs(p))
    else:
        step = np.broadcast_to(np.asarray(h, dtype=float), p.shape).copy()
        if not np.all(step > 0):
            raise ValueError(f"h must be positive, got {h!r}")
    with np.errstate(all="ignore"):
        step = (p + step) - p                     # a step that is exactly representable
        offsets = np.diag(step)
        probes = np.concatenate([p + offsets, p - offsets, p[None, :]])
        values = loss.value(probes)
        numeric = (values[: loss.n] - values[loss.n: 2 * loss.n]) / (2 * step)
        symbolic = np.asarray(loss.gradient(p), dtype=float).reshape(loss.n)
        abs_error = float(np.max(np.abs(symbolic - numeric)))
        scale = float(max(np.max(np.abs(symbolic)), np.max(np.abs(numeric))))
        rel_error = abs_error / scale if scale > 0 else (0.0 if abs_error == 0 else np.inf)
        rounding = 64 * np.finfo(float).eps * float(np.max(np.abs(values))) / float(np.min(step))
        tolerance = rtol * scale + rounding
    finite = bool(np.all(np.isfinite(symbolic)) and np.all(np.isfinite(numeric)))
    if not finite:
        abs_error, rel_error = float("nan"), float("nan")
    return GradientCheck(point=p, value=float(values[-1]), symbolic=symbolic, numeric=numeric,
                         h=step, abs_error=abs_error, rel_error=float(rel_error),
                         tolerance=float(tolerance), ok=bool(finite and abs_error <= tolerance))
