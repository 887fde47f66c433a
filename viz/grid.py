"""Sampling a loss on a grid, masking what cannot be drawn, and robust colour ranges.

Everything here is plain NumPy. Non-finite values (NaN, +-inf) become NaN, which Plotly draws as
a hole, and colour ranges come from percentiles of the finite values so that one huge value (a
pole, an overflow) does not flatten the colour scale of everything else.
"""
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

MAX_RESOLUTION = 1000
DEFAULT_PERCENTILES = (2.0, 98.0)
# Automatic colour scale (`wants_log_color`): log when the 98th percentile of f - min is more than
# LOG_COLOR_RATIO times its median, i.e. when a linear scale would put half of the landscape into
# the bottom quarter of its colours. Measured on 64 x 64 grids (README, tests/test_viz_grid.py):
# round and elongated bowls 2.6-4.0, Himmelblau 4.3, Rosenbrock 10.9, Beale 225.
LOG_COLOR_RATIO = 4.0
AUTO_COLOR_RESOLUTION = 64


def check_domain(domain, n: int) -> tuple[tuple[float, float], ...]:
    """Validate a domain: one (lo, hi) pair per variable, finite, lo < hi; return it as floats."""
    try:
        pairs = tuple((float(lo), float(hi)) for lo, hi in domain)
    except (TypeError, ValueError):
        raise ValueError(f"domain must be a sequence of (lo, hi) pairs, got {domain!r}") from None
    if len(pairs) != n:
        raise ValueError(f"domain has {len(pairs)} ranges but the loss has {n} variable(s)")
    for lo, hi in pairs:
        if not (np.isfinite(lo) and np.isfinite(hi) and lo < hi):
            raise ValueError(f"each domain range needs finite lo < hi, got ({lo}, {hi})")
    return pairs


def _check_resolution(resolution, n: int) -> tuple[int, ...]:
    if np.ndim(resolution) == 0:
        resolution = (resolution,) * n
    res = tuple(resolution)
    if len(res) != n:
        raise ValueError(f"resolution needs {n} value(s), got {resolution!r}")
    out = []
    for r in res:
        if isinstance(r, bool) or not float(r).is_integer() or not 2 <= int(r) <= MAX_RESOLUTION:
            raise ValueError(f"resolution must be an integer in [2, {MAX_RESOLUTION}], got {r!r}")
        out.append(int(r))
    return tuple(out)


def evaluate(loss, points) -> np.ndarray:
    """loss.value(points) as a float array of shape points.shape[:-1], non-finite values -> NaN.

    Broadcasts a scalar result (the loss of a constant expression) and never warns.
    """
    points = np.asarray(points, dtype=float)
    with np.errstate(all="ignore"):
        values = np.asarray(loss.value(points), dtype=float)
        values = np.broadcast_to(values, points.shape[:-1]).copy()
    values[~np.isfinite(values)] = np.nan
    return values


def surface_grid(loss, domain, resolution=100):
    """Sample a 2-D loss on a regular grid.

    Args:
        loss: object with `n == 2` and `value(points (..., 2)) -> (...)`.
        domain: ((x_lo, x_hi), (y_lo, y_hi)).
        resolution: number of samples per axis, an int or a pair (nx, ny), each in [2, 1000].

    Returns:
        (xs, ys, Z): xs of shape (nx,), ys of shape (ny,), Z of shape (ny, nx) with
        Z[j, i] = loss(xs[i], ys[j]) (Plotly's row = y convention) and NaN wherever the loss is
        not finite.
    """
    if getattr(loss, "n", None) != 2:
        raise ValueError(f"surface_grid needs a loss of 2 variables, "
                         f"got n={getattr(loss, 'n', None)}")
    (x_lo, x_hi), (y_lo, y_hi) = check_domain(domain, 2)
    nx, ny = _check_resolution(resolution, 2)
    xs = np.linspace(x_lo, x_hi, nx)
    ys = np.linspace(y_lo, y_hi, ny)
    X, Y = np.meshgrid(xs, ys)
    Z = evaluate(loss, np.stack([X, Y], axis=-1))
    return xs, ys, Z


def curve_grid(loss, domain, resolution=400):
    """Sample a 1-D loss: (ws, values), both of shape (resolution,), NaN where not finite."""
    if getattr(loss, "n", None) != 1:
        raise ValueError(f"curve_grid needs a loss of 1 variable, got n={getattr(loss, 'n', None)}")
    ((lo, hi),) = check_domain(domain, 1)
    (n,) = _check_resolution(resolution, 1)
    ws = np.linspace(lo, hi, n)
    return ws, evaluate(loss, ws[:, None])


def color_range(values, percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> tuple[float, float]:
    """(lo, hi) colour range from percentiles of the finite values.

    With the default (2, 98), a single huge value among thousands changes nothing. Returns
    (0.0, 1.0) when nothing is finite and widens a zero-width range (a constant loss) by 1.
    """
    p_lo, p_hi = (float(p) for p in percentiles)
    if not 0.0 <= p_lo < p_hi <= 100.0:
        raise ValueError(f"percentiles must satisfy 0 <= lo < hi <= 100, got {percentiles!r}")
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 0.0, 1.0
    lo, hi = (float(v) for v in np.percentile(finite, [p_lo, p_hi]))
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    return lo, hi


def log_offset(values) -> tuple[float, float]:
    """(minimum, eps) used by `log_values`: eps is 1e-6 of the finite spread (at least 1e-12)."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return 0.0, 1.0
    vmin = float(finite.min())
    spread = float(np.percentile(finite, DEFAULT_PERCENTILES[1])) - vmin
    return vmin, max(1e-6 * spread, 1e-12 * max(1.0, abs(vmin)), 1e-300)


def log_values(values, offset: tuple[float, float] | None = None) -> np.ndarray:
    """log10(values - min + eps), NaN where values are not finite.

    A log colour scale for losses whose interesting part (the valley floor) spans orders of
    magnitude below the walls, such as Rosenbrock. `offset` = (min, eps) from `log_offset`
    (computed from `values` when omitted) so that a trajectory can share a surface's transform.
    """
    values = np.asarray(values, dtype=float)
    vmin, eps = log_offset(values) if offset is None else offset
    with np.errstate(all="ignore"):
        out = np.log10(np.maximum(values - vmin, 0.0) + eps)
    out[~np.isfinite(out)] = np.nan
    return out


def mask_outliers(values, factor: float = 4.0,
                  percentiles: Sequence[float] = DEFAULT_PERCENTILES) -> np.ndarray:
    """Copy of `values` with NaN where a value is far outside the bulk of the finite values.

    With (lo, hi) = color_range(values, percentiles), values above hi + factor*(hi - lo) or below
    lo - factor*(hi - lo) become NaN. Smooth losses keep every value (their maximum lies within
    that margin); a pole or an overflow spike becomes a hole instead of squashing the 3-D surface
    into a flat sheet. Non-finite values become NaN too.
    """
    values = np.array(values, dtype=float)
    values[~np.isfinite(values)] = np.nan
    lo, hi = color_range(values, percentiles)
    margin = factor * (hi - lo)
    with np.errstate(invalid="ignore"):
        values[(values > hi + margin) | (values < lo - margin)] = np.nan
    return values


def wants_log_color(values) -> bool:
    """Whether a log colour scale shows these landscape values better than a linear one.

    With d = f - min over the finite values above the minimum (a flat floor at the minimum
    says nothing about the rest), log when percentile 98 of d > LOG_COLOR_RATIO x its median:
    the walls are so much higher than the typical value that a linear scale would leave most of
    the landscape, the valley floor where the paths run, in its lowest colours. A plain bowl
    (d grows like r^2) has a ratio of 2-4; Rosenbrock's curved valley about 11. No finite value
    above the minimum (a constant, nothing finite): linear.
    """
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return False
    d = finite - finite.min()
    d = d[d > 0]
    if d.size == 0:
        return False
    median, high = np.percentile(d, [50.0, DEFAULT_PERCENTILES[1]])
    return bool(high > LOG_COLOR_RATIO * median)


def auto_log_color(loss, domain) -> bool:
    """`wants_log_color` of a loss on a fixed AUTO_COLOR_RESOLUTION grid of its domain (the
    choice does not change with the view's resolution); False for a 1-variable loss (its curve
    has no colour scale)."""
    if getattr(loss, "n", None) != 2:
        return False
    _, _, Z = surface_grid(loss, domain, AUTO_COLOR_RESOLUTION)
    return wants_log_color(Z)
