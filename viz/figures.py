"""Figure factories for the landscape: a loss and a domain in, a plotly Figure out.

Every factory validates its inputs and builds the static views the player draws once per loss
(3-D surface, contour map, 1-D curve) with markers at the known minima and critical points. The
paths are not in these figures: the player steps them itself (`viz.player`, `player/`).
No Streamlit here.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from .encode import float32 as _f32
from .colors import LANDSCAPE_COLORSCALE, POINT_COLOR, POINT_KINDS
from .grid import (check_domain, color_range, curve_grid, evaluate, log_offset, log_values,
                   mask_outliers, surface_grid)

DEFAULT_UIREVISION = "descent"
LOG_COLOR_TITLE = "log10(loss − min + ε)"
TEMPLATE = "plotly_white"
PATH_LIFT = 0.015   # 3-D paths are drawn this fraction of the surface's height above it
# x tick labels this many pixels below the axis: the first x label (at the left edge) then
# clears the lowest y label, which is centred on the bottom edge (measured: they overlapped at
# the corner on most presets' maps, e.g. "-2" under "-1" on Rosenbrock's)
X_TICK_STANDOFF = 8


# ----------------------------------------------------------------------------- validation helpers

def _check_loss(loss, n: int | None = None) -> tuple[str, ...]:
    try:
        variables = tuple(str(v) for v in loss.variables)
        loss_n = int(loss.n)
    except AttributeError as exc:
        raise TypeError(f"loss needs variables, n and value(): {exc}") from None
    if not callable(getattr(loss, "value", None)):
        raise TypeError("loss.value must be callable")
    if len(variables) != loss_n:
        raise ValueError(f"loss.variables {variables} does not match loss.n = {loss_n}")
    if n is not None and loss_n != n:
        kind = {1: "create_curve_figure", 2: "create_surface_figure or create_contour_figure"}
        raise ValueError(f"this figure needs a loss of {n} variable(s), got {loss_n} "
                         f"{variables}; use {kind.get(loss_n, 'another figure')}")
    return variables


def _critical_points(items, default_kind: str, n: int) -> list[tuple[np.ndarray, str]]:
    """Normalise points: a point, (point, kind), {"point", "kind"} or an object with .point and
    .kind; returns (point array, kind) pairs, unknown kinds as "critical point"."""
    out = []
    for item in items or ():
        kind = default_kind
        if isinstance(item, Mapping):
            point, kind = item.get("point", item.get("location")), item.get("kind", kind)
        elif hasattr(item, "point"):
            point, kind = item.point, getattr(item, "kind", kind)
        elif (isinstance(item, Sequence) and len(item) == 2 and isinstance(item[1], str)):
            point, kind = item
        else:
            point = item
        try:
            point = np.asarray(point, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f"cannot read a point of {n} coordinates from {item!r}") from None
        if point.shape != (n,):
            raise ValueError(f"a point needs {n} coordinate(s), got {item!r}")
        kind = str(kind).lower()
        out.append((point, kind if kind in POINT_KINDS else "critical point"))
    return out


def _point_traces(loss, points: list[tuple[np.ndarray, str]], variables, three_d: bool,
                  lift: float = 0.0) -> list:
    """One marker trace per kind of point (known minimum, minimum, maximum, saddle, ...); in 3-D
    at height loss + lift, like the paths, so that the surface does not hide them."""
    traces = []
    for kind, (symbol, _glyph, legend) in POINT_KINDS.items():
        pts = np.array([p for p, k in points if k == kind]).reshape(-1, len(variables))
        if len(pts) == 0:
            continue
        vals = evaluate(loss, pts)
        coords = ", ".join(f"{v}=%{{{a}:.4g}}" for v, a in zip(variables, "xy"))
        common = dict(mode="markers", name=legend, legendgroup=f"points-{kind}",
                      hovertemplate=f"<b>{legend}</b><br>{coords}<br>loss %{{customdata:.4g}}"
                                    "<extra></extra>",
                      customdata=vals)
        if three_d:
            traces.append(go.Scatter3d(
                x=pts[:, 0], y=pts[:, 1], z=vals + lift, marker=dict(
                    symbol=symbol, size=7, color=POINT_COLOR), **common))
        else:
            y = pts[:, 1] if len(variables) == 2 else vals
            traces.append(go.Scatter(
                x=pts[:, 0], y=y, marker=dict(symbol=symbol, size=12 if kind == "known minimum"
                                               else 11, color=POINT_COLOR,
                                               line=dict(color="white" if kind == "known minimum"
                                                         else POINT_COLOR, width=1.5)),
                unselected=dict(marker=dict(opacity=1)), **common))
    return traces


def _base_layout(*, height: int, uirevision) -> dict:
    if not (isinstance(height, (int, float)) and 150 <= height <= 3000):
        raise ValueError(f"height must be a number of pixels in [150, 3000], got {height!r}")
    return dict(template=TEMPLATE, height=height, uirevision=uirevision, hovermode="closest",
                margin=dict(l=60, r=20, t=60, b=50),
                legend=dict(orientation="h", x=0.0, xanchor="left", y=1.01, yanchor="bottom"),
                font=dict(size=13))


def _prologue(loss, n, domain, minima, critical_points):
    """What every factory checks first: (variables, domain, points to mark)."""
    variables = _check_loss(loss, n)
    domain = check_domain(domain, n)
    points = (_critical_points(minima, "known minimum", n)
              + _critical_points(critical_points, "critical point", n))
    return variables, domain, points


# ------------------------------------------------------------------------------------ factories

def create_surface_figure(loss, domain, *, resolution=80, log_color: bool = False, minima=(),
                          critical_points=(), uirevision=DEFAULT_UIREVISION,
                          colorscale=LANDSCAPE_COLORSCALE, height: int = 560,
                          show_scale: bool = True) -> go.Figure:
    """3-D surface of a 2-variable loss with its known minima and critical points.

    Args:
        loss: `variables`, `n == 2`, `value(points (..., 2)) -> (...)`.
        domain: ((x_lo, x_hi), (y_lo, y_hi)); also the scene's x and y ranges.
        resolution: grid samples per axis (int or (nx, ny)).
        log_color: colour by log10(loss - min + eps) instead of the loss (heights stay the loss).
        minima: known minima, points (each of 2 floats), drawn as "known minimum".
        critical_points: points, (point, kind) pairs, {"point", "kind"} mappings or objects with
            .point and .kind (`landscapes.analysis.CriticalPoint`); kind "minimum", "maximum",
            "saddle" or "degenerate" picks the marker (other kinds: "critical point").
        uirevision: keeps the camera across redraws; change it only when the loss/domain changes.
        show_scale: draw the colour bar (off where a contour map beside it shows the same one).

    Returns:
        go.Figure with traces: [0] the surface ("loss surface"), then one trace per kind of
        point, drawn at height loss + lift so that the surface does not hide them;
        ``layout.meta`` = {variables, kind: "surface", lift} where lift is 1.5% of the surface's
        height (the player draws its paths at the same lift). Regions where the loss is not
        finite, or is an extreme outlier, are holes (`grid.mask_outliers`); the colour range is
        the 2nd-98th percentile.
    """
    variables, domain, points = _prologue(loss, 2, domain, minima, critical_points)
    xs, ys, Z = surface_grid(loss, domain, resolution)
    Zs = mask_outliers(Z)
    color = log_values(Zs, log_offset(Zs)) if log_color else Zs
    cmin, cmax = color_range(color)
    a, b = variables
    surface = go.Surface(
        x=xs, y=ys, z=_f32(Zs), surfacecolor=_f32(color) if log_color else None,
        cmin=cmin, cmax=cmax,
        colorscale=[list(c) for c in colorscale], name="loss surface", showlegend=False,
        showscale=show_scale,
        colorbar=dict(title=dict(text=LOG_COLOR_TITLE if log_color else "loss", side="right"),
                      len=0.6, thickness=14),
        hovertemplate=f"{a}=%{{x:.4g}}, {b}=%{{y:.4g}}<br>loss %{{z:.4g}}<extra></extra>",
        lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05, roughness=0.9),
        opacity=0.99)   # just under 1: measured faster to redraw with software WebGL than opaque
    finite = Zs[np.isfinite(Zs)]
    z_lo, z_hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.05 * (z_hi - z_lo or 1.0)
    lift = PATH_LIFT * (z_hi - z_lo)
    fig = go.Figure(data=[surface] + _point_traces(loss, points, variables, three_d=True,
                                                   lift=lift))
    fig.update_layout(**_base_layout(height=height, uirevision=uirevision),
                      meta=dict(variables=list(variables), kind="surface", lift=lift))
    fig.update_layout(scene=dict(
        xaxis=dict(title=dict(text=a), range=list(domain[0])),
        yaxis=dict(title=dict(text=b), range=list(domain[1])),
        zaxis=dict(title=dict(text="loss"), range=[z_lo - pad, z_hi + pad]),
        aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.7),
        # the centre moved so that the scene, its labels included, is about as far from the left
        # as from the right and from the top as from the bottom of a square box (measured at
        # 400 px); the player fits the eye's distance to its box
        camera=dict(eye=dict(x=1.65, y=-1.65, z=1.15),
                    center=dict(x=-0.1, y=-0.1, z=-0.15)), uirevision=uirevision))
    return fig


def create_contour_figure(loss, domain, *, resolution=100, log_color: bool = False, minima=(),
                          critical_points=(), levels: int = 25, uirevision=DEFAULT_UIREVISION,
                          colorscale=LANDSCAPE_COLORSCALE, height: int = 560) -> go.Figure:
    """Contour map of a 2-variable loss with its known minima and critical points.

    Arguments as in `create_surface_figure`, plus `levels`: the number of contour levels between
    the 2nd and 98th percentiles.

    Returns:
        go.Figure with traces: [0] the contour ("loss"; with log_color its z is the log value and
        its customdata the loss, for the hover), then one trace per kind of point. Axis ranges
        are the domain.
    """
    variables, domain, points = _prologue(loss, 2, domain, minima, critical_points)
    if isinstance(levels, bool) or int(levels) != levels or not 2 <= levels <= 200:
        raise ValueError(f"levels must be an integer in [2, 200], got {levels!r}")
    xs, ys, Z = surface_grid(loss, domain, resolution)
    zc = log_values(Z) if log_color else Z
    lo, hi = color_range(zc)
    a, b = variables
    hover_loss = "%{customdata:.4g}" if log_color else "%{z:.4g}"
    contour = go.Contour(
        x=xs, y=ys, z=_f32(zc), customdata=_f32(Z) if log_color else None,
        zmin=lo, zmax=hi, zauto=False,
        colorscale=[list(c) for c in colorscale], connectgaps=False, name="loss",
        showlegend=False,
        contours=dict(coloring="fill", showlines=True, start=lo, end=hi,
                      size=(hi - lo) / int(levels)),
        line=dict(width=0.6, color="rgba(60,60,60,0.35)"),
        colorbar=dict(title=dict(text=LOG_COLOR_TITLE if log_color else "loss", side="right"),
                      thickness=14, len=0.8),
        hovertemplate=f"({a}, {b}) = (%{{x:.4g}}, %{{y:.4g}})<br>loss {hover_loss}"
                      "<extra></extra>")
    fig = go.Figure(data=[contour] + _point_traces(loss, points, variables, three_d=False))
    fig.update_layout(**_base_layout(height=height, uirevision=uirevision),
                      meta=dict(variables=list(variables), kind="contour"),
                      xaxis=dict(title=dict(text=a), range=list(domain[0]), showgrid=False,
                                 zeroline=False, ticklabelstandoff=X_TICK_STANDOFF),
                      yaxis=dict(title=dict(text=b), range=list(domain[1]), showgrid=False,
                                 zeroline=False))
    return fig


def create_curve_figure(loss, domain, *, resolution=400, minima=(), critical_points=(),
                        uirevision=DEFAULT_UIREVISION, height: int = 480) -> go.Figure:
    """The curve f(w) of a 1-variable loss with its known minima and critical points.

    Returns:
        go.Figure with traces: [0] the curve ("loss"), then one trace per kind of point. The y
        range covers the curve with outliers (poles, overflow) left out; the x range is the
        domain.
    """
    variables, domain, points = _prologue(loss, 1, domain, minima, critical_points)
    ws, vals = curve_grid(loss, domain, resolution)
    shown = mask_outliers(vals)
    (w,) = variables
    curve = go.Scatter(
        x=_f32(ws), y=_f32(shown), mode="lines", name="loss", showlegend=False,
        line=dict(color="#555555", width=2.5),
        hovertemplate=f"{w} = %{{x:.4g}}<br>loss %{{y:.4g}}<extra></extra>")
    finite = shown[np.isfinite(shown)]
    y_lo, y_hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.06 * (y_hi - y_lo or 1.0)
    fig = go.Figure(data=[curve] + _point_traces(loss, points, variables, three_d=False))
    fig.update_layout(**_base_layout(height=height, uirevision=uirevision),
                      meta=dict(variables=list(variables), kind="curve"),
                      xaxis=dict(title=dict(text=w), range=list(domain[0]),
                                 ticklabelstandoff=X_TICK_STANDOFF),
                      yaxis=dict(title=dict(text="loss"), range=[y_lo - pad, y_hi + pad]))
    return fig


__all__ = ["create_surface_figure", "create_contour_figure", "create_curve_figure"]
