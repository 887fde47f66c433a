"""Figure factories: a loss and a run in, a plotly Figure out. No Streamlit here.

Every factory validates its inputs, builds the static traces (surface, contour, curve, minima,
click grid) and, given a run, the trajectory traces of `viz._animate` and their frames. The
figure as returned shows the full trajectories (the final step); Play animates them from step 0.
Trace order is documented on each factory and in `viz/__init__.py`.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import plotly.graph_objects as go

from . import _animate as anim
from .encode import float32 as _f32
from .click import CLICK_CURVE_GROUP, CLICK_GRID_GROUP
from .colors import LANDSCAPE_COLORSCALE, POINT_COLOR, POINT_KINDS, start_dash
from .grid import (check_domain, color_range, curve_grid, evaluate, log_offset, log_values,
                   mask_outliers, surface_grid)

DEFAULT_UIREVISION = "descent"
LOG_COLOR_TITLE = "log10(loss − min + ε)"
TEMPLATE = "plotly_white"
PATH_LIFT = 0.015   # 3-D paths are drawn this fraction of the surface's height above it


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
    for kind, (sym2, sym3, legend) in POINT_KINDS.items():
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
                    symbol=sym3, size=7, color=POINT_COLOR), **common))
        else:
            y = pts[:, 1] if len(variables) == 2 else vals
            traces.append(go.Scatter(
                x=pts[:, 0], y=y, marker=dict(symbol=sym2, size=15 if kind == "known minimum"
                                               else 13, color=POINT_COLOR,
                                               line=dict(color="white" if kind == "known minimum"
                                                         else POINT_COLOR, width=1.5)),
                unselected=dict(marker=dict(opacity=1)), **common))
    return traces


def _base_layout(*, height: int, uirevision, animated: bool) -> dict:
    if not (isinstance(height, (int, float)) and 150 <= height <= 3000):
        raise ValueError(f"height must be a number of pixels in [150, 3000], got {height!r}")
    return dict(template=TEMPLATE, height=height, uirevision=uirevision, hovermode="closest",
                margin=dict(l=60, r=20, t=60, b=110 if animated else 50),
                legend=dict(orientation="h", x=0.0, xanchor="left", y=1.01, yanchor="bottom"),
                font=dict(size=13))


def _finish(fig: go.Figure, kind: str, run, paths, n_steps, first_moving: int, plan, *,
            animate: bool, frame_duration, lift: float = 0.0) -> go.Figure:
    """Append the trajectory traces, and frames plus Play/Pause/slider when animated."""
    if run is None:
        return fig
    variables = fig.layout.meta["variables"]
    fig.add_traces(anim.trajectory_traces(kind, paths, n_steps, variables, plan, lift))
    if animate and n_steps >= 1:
        frames = anim.build_frames(kind, paths, n_steps, first_moving, plan, variables, lift)
        fig.frames = frames
        fig.update_layout(anim.animation_controls(frames, frame_duration=frame_duration,
                                                  redraw=kind != "1d"))
    return fig


def _prologue(loss, n, domain, run, minima, critical_points, labels, max_frames, frame_points,
              max_points, frame_duration):
    """What every animated factory checks first: (variables, domain, paths, T, plan, points)."""
    variables = _check_loss(loss, n)
    domain = check_domain(domain, n)
    paths, n_steps, plan = _prepare_run(run, n, labels, max_frames, frame_points, max_points,
                                        frame_duration)
    points = (_critical_points(minima, "known minimum", n)
              + _critical_points(critical_points, "critical point", n))
    return variables, domain, paths, n_steps, plan, points


def _prepare_run(run, n, labels, max_frames, frame_points, max_points, frame_duration):
    """Validate the run and the animation arguments up front; (paths, T, plan)."""
    anim.animation_controls([], frame_duration=frame_duration, redraw=False)
    if run is None:
        anim.plan_frames(1, 1, max_frames, frame_points, max_points)
        return None, 0, None
    paths, n_steps = anim.check_run(run, n, labels)
    return paths, n_steps, anim.plan_frames(n_steps, len(paths), max_frames, frame_points,
                                            max_points)


# ------------------------------------------------------------------------------------ factories

def create_surface_figure(loss, domain, run=None, *, resolution=80, log_color: bool = False,
                          minima=(), critical_points=(), labels=None, animate: bool = True,
                          max_frames: int = anim.DEFAULT_MAX_FRAMES,
                          frame_points: int = anim.DEFAULT_FRAME_POINTS,
                          max_points: int = anim.DEFAULT_MAX_POINTS,
                          frame_duration: float = anim.DEFAULT_FRAME_DURATION,
                          uirevision=DEFAULT_UIREVISION, colorscale=LANDSCAPE_COLORSCALE,
                          height: int = 560) -> go.Figure:
    """3-D surface of a 2-variable loss with the run's trajectories walking on it.

    Args:
        loss: `variables`, `n == 2`, `value(points (..., 2)) -> (...)`.
        domain: ((x_lo, x_hi), (y_lo, y_hi)); also the scene's x and y ranges.
        run: optional result of `optimizers.simulate` (optimizers, points, values, diverged_at).
        resolution: grid samples per axis (int or (nx, ny)).
        log_color: colour by log10(loss - min + eps) instead of the loss (heights stay the loss).
        minima: known minima, points (each of 2 floats), drawn as "known minimum".
        critical_points: points, (point, kind) pairs, {"point", "kind"} mappings or objects with
            .point and .kind (`landscapes.analysis.CriticalPoint`); kind "minimum", "maximum",
            "saddle" or "degenerate" picks the marker (other kinds: "critical point").
        labels: legend label per optimizer (default: "GD", "Adam", ...).
        animate: add frames, Play / Pause and a step slider (frames use redraw=True).
        max_frames: cap on the number of frames (spread evenly, first and last step included).
        frame_points: path points shared by all intermediate frames (older steps thinned).
        max_points: path points of the final state, every step up to this (else every s-th).
        frame_duration: milliseconds per frame while playing (the speed).
        uirevision: keeps the camera across reruns; change it only when the loss/domain changes.

    Returns:
        go.Figure with traces: [0] the surface ("loss surface"), then one trace per kind of
        point, then one path (Scatter3d lines, z = loss lifted by 1.5% of the surface's height
        so that the surface does not hide it; customdata = (step, loss)) per (optimizer,
        start), then one current-point marker per (optimizer, start). Frames update only the
        path and marker traces. Regions where the loss is not finite, or is an extreme outlier,
        are holes (`grid.mask_outliers`); the colour range is the 2nd-98th percentile.
    """
    variables, domain, paths, n_steps, plan, points = _prologue(
        loss, 2, domain, run, minima, critical_points, labels, max_frames, frame_points,
        max_points, frame_duration)
    xs, ys, Z = surface_grid(loss, domain, resolution)
    Zs = mask_outliers(Z)
    color = log_values(Zs, log_offset(Zs)) if log_color else Zs
    cmin, cmax = color_range(color)
    a, b = variables
    surface = go.Surface(
        x=xs, y=ys, z=_f32(Zs), surfacecolor=_f32(color) if log_color else None,
        cmin=cmin, cmax=cmax,
        colorscale=[list(c) for c in colorscale], name="loss surface", showlegend=False,
        colorbar=dict(title=dict(text=LOG_COLOR_TITLE if log_color else "loss", side="right"),
                      len=0.6, thickness=14),
        hovertemplate=f"{a}=%{{x:.4g}}, {b}=%{{y:.4g}}<br>loss %{{z:.4g}}<extra></extra>",
        lighting=dict(ambient=0.75, diffuse=0.5, specular=0.05, roughness=0.9),
        opacity=0.99)   # just under 1: measured faster to redraw with software WebGL than opaque
    finite = Zs[np.isfinite(Zs)]
    z_lo, z_hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.05 * (z_hi - z_lo or 1.0)
    lift = PATH_LIFT * (z_hi - z_lo)
    statics = [surface] + _point_traces(loss, points, variables, three_d=True, lift=lift)
    fig = go.Figure(data=statics)
    animated = animate and run is not None and n_steps >= 1
    fig.update_layout(**_base_layout(height=height, uirevision=uirevision, animated=animated),
                      meta=dict(variables=list(variables), kind="surface", lift=lift))
    fig.update_layout(scene=dict(
        xaxis=dict(title=dict(text=a), range=list(domain[0])),
        yaxis=dict(title=dict(text=b), range=list(domain[1])),
        zaxis=dict(title=dict(text="loss"), range=[z_lo - pad, z_hi + pad]),
        aspectmode="manual", aspectratio=dict(x=1, y=1, z=0.7),
        camera=dict(eye=dict(x=1.35, y=-1.35, z=0.95)), uirevision=uirevision))
    return _finish(fig, "3d", run, paths, n_steps, len(statics), plan, animate=animate,
                   frame_duration=frame_duration, lift=lift)


def _click_grid_trace(loss, domain, resolution: int, variables) -> go.Scattergl:
    if isinstance(resolution, bool) or int(resolution) != resolution or not 2 <= resolution <= 200:
        raise ValueError(f"click_resolution must be an integer in [2, 200], got {resolution!r}")
    (x_lo, x_hi), (y_lo, y_hi) = domain
    gx, gy = np.meshgrid(np.linspace(x_lo, x_hi, int(resolution)),
                         np.linspace(y_lo, y_hi, int(resolution)))
    gx, gy = gx.ravel(), gy.ravel()
    vals = evaluate(loss, np.column_stack([gx, gy]))
    a, b = variables
    # WebGL: every animation frame redraws the whole figure, and 1681 invisible SVG markers would
    # cost more than the contour itself. Selections (and clicks) report scattergl points too.
    return go.Scattergl(
        x=_f32(gx), y=_f32(gy), customdata=_f32(vals), mode="markers", name="click to add a start",
        legendgroup=CLICK_GRID_GROUP, showlegend=False,
        marker=dict(size=10, color="rgba(0,0,0,0)", opacity=0),
        selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
        hovertemplate=(f"({a}, {b}) = (%{{x:.3g}}, %{{y:.3g}})<br>loss %{{customdata:.4g}}"
                       "<br><i>click to start here</i><extra></extra>"))


def create_contour_figure(loss, domain, run=None, *, resolution=100, log_color: bool = False,
                          minima=(), critical_points=(), click_grid: bool = True,
                          click_resolution: int = 41, levels: int = 25, labels=None,
                          animate: bool = True, max_frames: int = anim.DEFAULT_MAX_FRAMES,
                          frame_points: int = anim.DEFAULT_FRAME_POINTS,
                          max_points: int = anim.DEFAULT_MAX_POINTS,
                          frame_duration: float = anim.DEFAULT_FRAME_DURATION,
                          uirevision=DEFAULT_UIREVISION, colorscale=LANDSCAPE_COLORSCALE,
                          height: int = 560) -> go.Figure:
    """Contour map of a 2-variable loss with trajectories, minima and a clickable grid.

    Arguments as in `create_surface_figure`, plus:
        click_grid: add an invisible, selectable Scatter grid of click_resolution**2 points over
            the domain (corners included), legendgroup `viz.CLICK_GRID_GROUP`; read a click
            with `viz.click_point(event.selection)`.
        levels: number of contour levels between the 2nd and 98th percentiles.

    Returns:
        go.Figure with traces: [0] the contour ("loss"), [1] the click grid (when click_grid),
        then one trace per kind of point, then one path per (optimizer, start), then one
        current-point marker per (optimizer, start). Frames update only the path and marker
        traces, but play with redraw=True: plotly.js drops a contour that is left out of a
        frame when it animates without a full redraw (checked in Chromium, plotly.js 4.1).
        Axis ranges are the domain.
    """
    variables, domain, paths, n_steps, plan, points = _prologue(
        loss, 2, domain, run, minima, critical_points, labels, max_frames, frame_points,
        max_points, frame_duration)
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
    statics = [contour]
    if click_grid:
        statics.append(_click_grid_trace(loss, domain, click_resolution, variables))
    statics += _point_traces(loss, points, variables, three_d=False)
    fig = go.Figure(data=statics)
    animated = animate and run is not None and n_steps >= 1
    fig.update_layout(**_base_layout(height=height, uirevision=uirevision, animated=animated),
                      meta=dict(variables=list(variables), kind="contour"),
                      clickmode="event+select",
                      xaxis=dict(title=dict(text=a), range=list(domain[0]), showgrid=False,
                                 zeroline=False),
                      yaxis=dict(title=dict(text=b), range=list(domain[1]), showgrid=False,
                                 zeroline=False))
    return _finish(fig, "2d", run, paths, n_steps, len(statics), plan, animate=animate,
                   frame_duration=frame_duration)


def create_curve_figure(loss, domain, run=None, *, resolution=400, minima=(),
                        critical_points=(), labels=None, animate: bool = True,
                        max_frames: int = anim.DEFAULT_MAX_FRAMES,
                        frame_points: int = anim.DEFAULT_FRAME_POINTS,
                        max_points: int = anim.DEFAULT_MAX_POINTS,
                        frame_duration: float = anim.DEFAULT_FRAME_DURATION,
                        uirevision=DEFAULT_UIREVISION, height: int = 480) -> go.Figure:
    """The curve f(w) of a 1-variable loss, with trajectory points sliding along it.

    Each path is drawn as lines+markers through (w_t, f(w_t)), so an oversized learning rate
    shows as a zigzag across the valley. The curve trace is selectable (legendgroup
    `viz.CLICK_CURVE_GROUP`): `viz.click_point(event.selection)` returns (w,).

    Returns:
        go.Figure with traces: [0] the curve ("loss"), then one trace per kind of point, then one
        path per (optimizer, start), then one marker per (optimizer, start); frames
        (redraw=False) update only paths and markers. The y range covers the curve with
        outliers (poles, overflow) left out; x range is the domain.
    """
    variables, domain, paths, n_steps, plan, points = _prologue(
        loss, 1, domain, run, minima, critical_points, labels, max_frames, frame_points,
        max_points, frame_duration)
    ws, vals = curve_grid(loss, domain, resolution)
    shown = mask_outliers(vals)
    (w,) = variables
    curve = go.Scatter(
        # invisible markers: plotly.js reports no selected points for a trace without markers
        x=_f32(ws), y=_f32(shown), mode="lines+markers", name="loss",
        legendgroup=CLICK_CURVE_GROUP, showlegend=False, line=dict(color="#555555", width=2.5),
        marker=dict(size=8, color="rgba(0,0,0,0)", opacity=0),
        selected=dict(marker=dict(opacity=0)), unselected=dict(marker=dict(opacity=0)),
        hovertemplate=f"{w} = %{{x:.4g}}<br>loss %{{y:.4g}}<br><i>click to start here</i>"
                      "<extra></extra>")
    statics = [curve] + _point_traces(loss, points, variables, three_d=False)
    finite = shown[np.isfinite(shown)]
    y_lo, y_hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    pad = 0.06 * (y_hi - y_lo or 1.0)
    fig = go.Figure(data=statics)
    animated = animate and run is not None and n_steps >= 1
    fig.update_layout(**_base_layout(height=height, uirevision=uirevision, animated=animated),
                      meta=dict(variables=list(variables), kind="curve"),
                      clickmode="event+select",
                      xaxis=dict(title=dict(text=w), range=list(domain[0])),
                      yaxis=dict(title=dict(text="loss"), range=[y_lo - pad, y_hi + pad]))
    return _finish(fig, "1d", run, paths, n_steps, len(statics), plan, animate=animate,
                   frame_duration=frame_duration)


def _loss_range(values: np.ndarray, diverged: np.ndarray) -> list[float] | None:
    """Linear y range (None: autorange) that shows every run that did not diverge in full, and
    diverged runs up to their start: a run shooting up to 1e30 before it was flagged does not
    squash the others into a flat line at the bottom."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return None
    kept = values[diverged < 0]
    initial = values[..., 0]
    tops = [a.max() for a in (kept[np.isfinite(kept)], initial[np.isfinite(initial)]) if a.size]
    lo, hi = float(finite.min()), float(max(tops)) if tops else None
    if hi is None or float(finite.max()) <= hi or not hi > lo:
        return None
    pad = 0.05 * (hi - lo)
    return [lo - pad, hi + pad]


def create_loss_figure(run, *, log_y: bool = False, labels=None,
                       uirevision=DEFAULT_UIREVISION, height: int = 380) -> go.Figure:
    """Loss per step of every optimizer and start, with each divergence marked.

    Args:
        run: result of `optimizers.simulate`.
        log_y: logarithmic y axis. When some loss is <= 0 the curves show loss - min + eps
            (eps = 1e-6 of the spread) and the axis title says so.

    Returns:
        go.Figure with traces: one line per (optimizer, start) (y = loss, x = step via x0/dx),
        then, if any run diverged, one "diverged" trace of "x" markers at (diverged step, last
        finite loss) labelled "diverged at step k". On a linear axis, a run shooting up before
        it diverges does not squash the others: the y range covers every run that did not
        diverge and the start of every run (a diverged run's marker sits at the top edge when its
        last loss is above it; its hover gives the value). No frames.
    """
    if run is None:
        raise ValueError("create_loss_figure needs a run")
    try:
        n = np.asarray(run.points).shape[-1]
    except AttributeError as exc:
        raise TypeError(f"run needs optimizers, points, values and diverged_at: {exc}") from None
    paths, n_steps = anim.check_run(run, n, labels)
    values = np.array([p.values for p in paths])
    y_title = "loss"
    offset = None
    finite = values[np.isfinite(values)]
    if log_y and finite.size and finite.min() <= 0:
        offset = log_offset(values)
        y_title = "loss − min + ε"
    fig = go.Figure()
    seen: set[str] = set()
    div_x, div_y, div_text, div_color = [], [], [], []
    for p, vals in zip(paths, values):
        y = vals if offset is None else vals - offset[0] + offset[1]
        first = p.label not in seen
        seen.add(p.label)
        fig.add_trace(go.Scatter(
            y=y, x0=0, dx=1, mode="lines", name=p.label if first else p.name,
            legendgroup=p.label, showlegend=first,
            line=dict(color=p.color, width=2, dash=start_dash(p.start)),
            hovertemplate=f"<b>{p.label}</b> · start {p.start + 1}<br>step %{{x}}<br>"
                          f"{y_title} %{{y:.4g}}<extra></extra>"))
        if 0 <= p.diverged_at <= n_steps:
            j = int(p.last_finite[p.diverged_at])
            last = y[j] if j >= 0 and np.isfinite(y[j]) else np.nan
            div_x.append(p.diverged_at)
            div_y.append(last)
            div_text.append(f"diverged at step {p.diverged_at}")
            div_color.append(p.color)
    y_range = None if log_y else _loss_range(values, np.array([p.diverged_at for p in paths]))
    if div_x:
        div_y = np.array(div_y, dtype=float)
        shown_y = div_y if y_range is None else np.minimum(div_y, y_range[1])
        hover = [f"{t}<br>last finite {y_title} {v:.4g}" for t, v in zip(div_text, div_y)]
        fig.add_trace(go.Scatter(
            x=div_x, y=shown_y, mode="markers+text", name="diverged", text=div_text,
            textposition="middle right", textfont=dict(size=11), hovertext=hover, cliponaxis=False,
            hovertemplate="%{hovertext}<extra></extra>", legendgroup="diverged",
            marker=dict(symbol="x", size=12, color=div_color,
                        line=dict(width=1, color="#222222"))))
    layout = _base_layout(height=height, uirevision=uirevision, animated=False)
    fig.update_layout(**layout, meta=dict(kind="loss"),
                      xaxis=dict(title=dict(text="step"), range=[0, max(n_steps, 1)]),
                      yaxis=dict(title=dict(text=y_title), type="log" if log_y else "linear",
                                 **({"range": y_range} if y_range else {})))
    return fig


__all__ = ["create_surface_figure", "create_contour_figure", "create_curve_figure",
           "create_loss_figure"]
