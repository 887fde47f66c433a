"""Critical points of a compiled loss, and a finite-difference check of its symbolic gradient.

``critical_points(loss, domain)`` lists the stationary points (gradient = 0) of a Loss inside a box,
each classified from its Hessian as a minimum, maximum, saddle or degenerate point. Two methods:

* **Exact**, only where it is complete and provably quick: a loss of total degree <= 2 (1-D or
  2-D) has a linear gradient, solved exactly over the rationals (a 2x2 elimination at most).
  The degree is bounded by walking the expression tree *before* SymPy expands anything, and
  every constant must be an Integer, Rational or Float: SymPy expands powers of pi, e or
  radicals exactly (``(sqrt(2) + ... + sqrt(11))^64*x^2`` took > 100 s), so such losses go to
  Newton. Neither this nor the root seeds below is started once the ``timeout`` is spent.
* **Newton from a grid of seeds** for everything else: Levenberg-Marquardt on the residual
  ``g(p) = grad f(p)`` with Jacobian ``H(p)`` (the symbolic Hessian), every seed stepped at once.
  The step ``-(H^2 + lam I)^-1 H g`` is Newton's step when ``lam = 0`` and so converges to
  saddles and maxima as well as minima; the damping ``lam = mu |H|^2`` (``mu`` per seed, adapted;
  a step is accepted if ``|g|`` stays below its last few accepted values) keeps it stable where
  ``H`` is singular, so degenerate points (``w^3``, ``x^4 + y^4``) are reached too, linearly.
  Seeds that stall are dropped, seeds that meet are merged, and the survivors are de-duplicated
  with a radius that allows for the slow approach to multiple roots.
  A 1-D polynomial of degree <= 25 with such plain coefficients adds, as seeds, every root of
  f' (eigenvalues of the companion matrix, NumPy): none can be missed for want of a seed in its
  basin.

What was measured and rejected (SymPy 1.14, this machine):

* ``sympy.solve`` on the gradient, in a child process with a deadline: slow and, worse, silently
  incomplete on the classic landscapes (Himmelblau: 8.7 s for 4 of its 9 critical points;
  six-hump camel: 0.13 s for 1 of its 15; Beale: 5.1 s); on periodic functions it returns one
  period at most. The child would mostly spend its whole budget, then be discarded.
* SymPy's exact real-root isolation of a 1-D f' (``real_roots``, ``intervals``): complete, and
  milliseconds on small integer coefficients, but 2 to 16 s on a degree-11 f' whose float
  coefficients span 16 decades. Not bounded by the degree alone, so not used.

Continua of critical points (``(x - y)^2`` has a whole line of minima) appear as samples along
the curve, all "degenerate". Points where the gradient does not exist (the tip of ``abs`` or of
Ackley's cone) are not stationary points and are not reported.

``gradient_check(loss, point)`` compares the symbolic gradient with central differences.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
import sympy

__all__ = ["CriticalPoint", "GradientCheck", "KINDS", "critical_points", "gradient_check"]

#: Kinds of critical points, in the order ``critical_points`` lists them.
KINDS = ("minimum", "saddle", "degenerate", "maximum")

_EXACT_MAX_DEGREE = 2           # linear gradient: exact rational solve
_ROOT_SEEDS_MAX_DEGREE = 24     # 1-D polynomial: roots of f' as extra Newton seeds
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
        De-duplicated CriticalPoints, minima first, then saddles, degenerate points and maxima;
        by value within a kind. Two points are one when closer than 1e-6 of the domain's size,
        or than 25 Newton steps of the less accurate (a root of multiplicity m is approached
        linearly, each step 1/m of the distance; capped at 1% of the domain's size).

    Never warns: overflow in the Hessian's norms or Newton's steps (``exp(exp(exp(x)))``) only
    makes those samples non-finite, and they are dropped.
    """
    with np.errstate(all="ignore"):
        return _critical_points(loss, domain, grid=grid, timeout=timeout, max_iter=max_iter,
                                exact=exact)


def _critical_points(loss, domain, *, grid, timeout, max_iter, exact) -> list[CriticalPoint]:
    started = time.perf_counter()
    n = loss.n
    lo, hi = _box(domain, n)
    size = float(np.max(hi - lo))
    hscale = _hessian_scale(loss, lo, hi)

    tol = 1e-6 * size
    deadline = started + float(timeout)
    exact_points = None
    if exact and time.perf_counter() < deadline:
        exact_points = _linear_critical_points(loss)
    if exact_points is not None:
        points, radii = exact_points, np.full(len(exact_points), tol)
        is_exact = np.ones(len(points), dtype=bool)
    else:
        per_axis = int(grid) if grid is not None else _DEFAULT_GRID.get(n, 64)
        if per_axis < 1:
            raise ValueError(f"grid must be a positive number of seeds per axis, got {grid!r}")
        seeds = _seed_grid(lo, hi, per_axis)
        if exact and n == 1 and time.perf_counter() < deadline:
            seeds = np.concatenate([_polynomial_root_seeds(loss, lo, hi), seeds])
        points, error = _newton(loss, seeds, lo, hi, hscale, max_iter=max_iter,
                                deadline=deadline)
        # Newton's step underestimates the distance to a root of multiplicity m by a factor m
        # (it converges linearly there): merge within 25 steps, for m up to 25, but never
        # further than 1% of the box
        radii = np.clip(25 * error, tol, 1e-2 * size)
        is_exact = np.zeros(len(points), dtype=bool)

    # keep the points inside the (closed) box
    inside = np.all((points >= lo - 1e-9 * size) & (points <= hi + 1e-9 * size), axis=-1)
    keep = _deduplicate(points[inside], radii[inside], tol)
    points, is_exact = points[inside][keep], is_exact[inside][keep]
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


def _deduplicate(points, radii, tol):
    """Indices of the points kept by a greedy clustering in the given order (best first): a point
    is dropped when one already kept lies within the larger of their two radii (max-norm).

    Kept points are hashed into cells as large as the largest radius, so each point is compared
    with the kept points of its own and the adjacent cells only.
    """
    if len(points) == 0:
        return np.empty(0, dtype=int)
    # cheap first pass: the first (best) of the points equal after rounding to ``tol``
    _, first = np.unique(np.round(points / tol), axis=0, return_index=True)
    candidates = np.sort(first)
    cell = max(float(np.max(radii[candidates])), tol)
    keys = np.floor(points[candidates] / cell).astype(np.int64)
    offsets = list(itertools.product((-1, 0, 1), repeat=points.shape[-1]))
    buckets: dict[tuple, list[int]] = {}
    kept = []
    for i, key in zip(candidates, map(tuple, keys)):
        near = [j for off in offsets
                for j in buckets.get(tuple(k + o for k, o in zip(key, off)), ())]
        if near:
            distance = np.max(np.abs(points[near] - points[i]), axis=-1)
            if np.any(distance <= np.maximum(radii[near], radii[i])):
                continue
        buckets.setdefault(key, []).append(i)
        kept.append(i)
    return np.array(kept, dtype=int)


def _newton(loss, seeds, lo, hi, hscale, *, max_iter, deadline):
    """Levenberg-Marquardt on g(p) = 0 from every seed at once.

    Returns the points where it converged (|g| <= 1e-8 times the median |g| over the seeds) and
    an estimate of their error (the length of one more Newton step), most accurate first.
    """
    size = float(np.max(hi - lo))
    max_step = 0.25 * (hi - lo)
    x = seeds.copy()
    with np.errstate(all="ignore"):
        g = loss.gradient(x)
        gnorm = np.sqrt(np.sum(g * g, axis=-1))
        finite = np.isfinite(gnorm)
        gscale = float(np.median(gnorm[finite])) if np.any(finite) else 1.0
        # damping relative to the local curvature, lam = mu |H|^2 (Marquardt's scaling), so that
        # it fades near degenerate points, where |H| -> 0, instead of freezing the steps there
        mu = np.full(len(x), 1e-8)
        dropped = np.zeros(len(x), dtype=bool)
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
            h = loss.hessian(xa)
            lam = mu[idx] * np.sum(h * h, axis=(-2, -1)) + 1e-300
            step = _lm_step(h, ga, lam)
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
            mu[acc] *= 0.25
            mu[rej] *= 8.0
            # done: the step is lost in rounding (converged, or stuck at a non-zero minimum of
            # |g|), the gradient is exactly zero, the damping exploded, or it wandered off
            tiny = np.max(np.abs(step), axis=-1) <= 1e-15 * (size + np.max(np.abs(xa), axis=-1))
            far = np.any((x[idx] < lo - size) | (x[idx] > hi + size), axis=-1)
            stop = tiny | (gnorm[idx] == 0) | (mu[idx] > 1e12) | far | ~np.isfinite(step[:, 0])
            active[idx[stop]] = False
            if it % _STALL_WINDOW == 0:
                # stalled: |g| not halved over the window and still not small (a flat valley
                # leading out of the box, a non-zero minimum of |g|): give the seed up
                stalled = (gnorm > 0.5 * checkpoint) & (gnorm > gtol)
                active &= ~stalled
                checkpoint = gnorm.copy()
                # seeds that have met (same cell of 1e-5 of the box) follow the same path from
                # now on: keep one (slow, linear convergence to a degenerate point otherwise
                # drags all of them through every iteration)
                idx = np.flatnonzero(active)
                cells = np.floor(x[idx] / (1e-5 * size))
                _, first = np.unique(cells, axis=0, return_index=True)
                merged = np.ones(len(idx), dtype=bool)
                merged[first] = False
                active[idx[merged]] = False
                dropped[idx[merged]] = True
    converged = np.flatnonzero(np.isfinite(gnorm) & (gnorm <= gtol) & ~dropped)
    x = x[converged]
    error = _newton_step_length(loss.hessian(x), g[converged])
    order = np.argsort(error, kind="stable")    # most accurate first: it represents its cluster
    return x[order], error[order]


def _newton_step_length(h, g):
    """max-norm of the undamped Newton step H^+ g: the error estimate of a converged point (the
    distance to a simple root, 1/m of it for a root of multiplicity m). Directions where H is
    zero count only if g has a component there (then the estimate is infinite)."""
    with np.errstate(all="ignore"):
        finite = np.all(np.isfinite(h), axis=(-2, -1))
        h = np.where(finite[:, None, None], h, 0.0)
        evals, evecs = np.linalg.eigh(h)
        coef = np.einsum("kji,kj->ki", evecs, g)
        cutoff = 1e-14 * np.max(np.abs(evals), axis=-1, keepdims=True)
        big = np.abs(evals) > cutoff
        ratio = np.where(big, coef / np.where(big, evals, 1.0), np.where(coef == 0, 0.0, np.inf))
        step = np.einsum("kij,kj->ki", evecs, ratio)
        error = np.max(np.abs(step), axis=-1)
    error[~finite | np.isnan(error)] = np.inf
    return error


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
    """Total degree of ``expr`` as a polynomial in ``symbols`` with Integer, Rational or (finite)
    Float coefficients (an upper bound), or None.

    Walks the tree without expanding, so it costs one pass over the input's nodes. Any other
    constant (pi, e, sqrt(2), sin(1), I) makes it None: SymPy's ``Poly`` would expand powers of
    such constants exactly, which is unbounded in time and memory
    (``(sqrt(2) + sqrt(3) + sqrt(5) + sqrt(7) + sqrt(11))^64*x^2``: > 100 s, memory growing). With
    plain numbers only, the coefficients' arithmetic is over QQ or RR and the degree bounds it.
    """
    if not expr.has(*symbols):
        if expr.is_Rational or (expr.is_Float and expr.is_finite):
            return 0
        return None
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


def _linear_critical_points(loss):
    """All critical points of a loss of total degree <= 2, exactly; None if not such a loss or
    if its critical points form a line or a plane (then Newton samples them)."""
    symbols = tuple(loss.symbols)
    if not _is_plain_polynomial(loss, symbols, _EXACT_MAX_DEGREE):
        return None
    try:
        rows = []
        for g in loss.gradient_exprs:
            poly = sympy.Poly(g, *symbols)
            coeffs = [sympy.Rational(poly.coeff_monomial(s)) for s in symbols]
            rows.append(coeffs + [-sympy.Rational(poly.coeff_monomial(1))])
        solutions = sympy.linsolve(sympy.Matrix(rows), *symbols)
    except (sympy.PolynomialError, NotImplementedError, TypeError, ValueError):
        return None
    points = []
    for solution in solutions:
        if any(v.free_symbols for v in solution):
            return None
        points.append([float(v) for v in solution])
    return np.array(points, dtype=float).reshape(-1, len(symbols))


def _polynomial_root_seeds(loss, lo, hi):
    """Real parts of the roots of f' for a 1-D polynomial loss (empty if not one): complete as a
    set of seeds, since a polynomial's roots are exactly its companion matrix's eigenvalues."""
    (s,) = loss.symbols
    degree = _safe_degree_bound(loss.expr, (s,))
    if (degree is None or not 2 <= degree <= _ROOT_SEEDS_MAX_DEGREE + 1
            or not _is_plain_polynomial(loss, (s,), _ROOT_SEEDS_MAX_DEGREE + 1)):
        return np.empty((0, 1))
    try:
        coeffs = np.array([float(c) for c in sympy.Poly(loss.gradient_exprs[0], s).all_coeffs()])
    except (sympy.PolynomialError, TypeError, ValueError, OverflowError):
        return np.empty((0, 1))
    if not np.all(np.isfinite(coeffs)) or not np.any(coeffs):
        return np.empty((0, 1))
    with np.errstate(all="ignore"):
        roots = np.roots(coeffs)
    # multiple roots come out as a small complex cluster: keep near-real ones, Newton polishes
    near_real = np.abs(roots.imag) <= 1e-2 * np.maximum(1.0, np.abs(roots))
    real = roots.real[near_real]
    width = hi[0] - lo[0]
    real = real[(real >= lo[0] - 0.01 * width) & (real <= hi[0] + 0.01 * width)]
    return real.reshape(-1, 1)


def _is_plain_polynomial(loss, symbols, max_degree):
    """The loss and its gradient are polynomials of degree <= ``max_degree`` in ``symbols`` with
    Integer, Rational or Float coefficients only (see ``_degree_bound``): then ``Poly`` of the
    gradient is quick. The gradient is checked as well as the loss, since ``Poly`` works on it."""
    for e in (loss.expr, *loss.gradient_exprs):
        degree = _safe_degree_bound(e, symbols)
        if degree is None or degree > max_degree:
            return False
    return True


def _safe_degree_bound(expr, symbols):
    try:
        return _degree_bound(expr, symbols)
    except RecursionError:
        return None


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
