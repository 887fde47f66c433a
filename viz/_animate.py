"""Private helpers: validating a run, trajectory traces, animation frames and their controls.

Trace layout shared by the animated figures: the static traces come first (surface or contour,
click grid, minima), then one *path* trace per (optimizer, start), then one *marker* trace per
(optimizer, start), all in optimizer-major order. Only the path and marker traces move: every
frame carries exactly those traces, listed by index in `frame["traces"]`.

A frame at step k shows each path from step 0 to step k and a marker at the current point (held
at the last finite point once a run has diverged). What keeps the figure small:
- at most `max_frames` frames, on steps spread evenly from 0 to T (both always included);
- the *final state* (the figure's own path traces, shown before Play, and the last frame) holds
  every step while all paths together have at most `max_points` points, else every s-th step
  (plus the last step and the last finite point of each path);
- intermediate frames share a budget of `frame_points` path points: each path's most recent steps
  at full resolution, older steps on a fixed stride (so they do not flicker), x/y(/z) only, with
  hover switched off on the path (the marker still has its hover) — they are passing pictures;
- trajectory data is float32 (7 significant digits; values beyond float32's range become NaN),
  sent in Plotly's typed-array form.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from .colors import optimizer_colors, optimizer_label, start_dash, start_symbol
from .encode import float32 as _f32, typed_array

DEFAULT_MAX_FRAMES = 60
DEFAULT_FRAME_POINTS = 30_000   # path points in all intermediate frames together
TRACE_COST = 16                 # JSON overhead of one path + marker in a frame, in path points
DEFAULT_MAX_POINTS = 20_000     # path points in the final state (every step up to this)
MIN_TRAIL_POINTS = 16
DEFAULT_FRAME_DURATION = 80     # milliseconds per frame while playing


@dataclass(frozen=True)
class Path:
    """One trajectory: an optimizer from one start."""

    optimizer: str
    label: str
    color: str
    start: int              # 0-based start index
    points: np.ndarray      # (T+1, n), NaN where not finite (after divergence)
    values: np.ndarray      # (T+1,), NaN where not finite
    diverged_at: int        # -1 when it never diverged
    last_finite: np.ndarray  # (T+1,): for each step t, the last step <= t with a finite point

    @property
    def name(self) -> str:
        return f"{self.label} · start {self.start + 1}"


@dataclass(frozen=True)
class Plan:
    steps: np.ndarray       # frame steps, from 0 to T
    per_trail: int          # points per path in an intermediate frame
    trail_stride: int       # stride of the older part of an intermediate trail
    final_stride: int       # stride of the final state (1: every step)


def _last_finite(points: np.ndarray) -> np.ndarray:
    ok = np.isfinite(points).all(axis=-1)
    return np.maximum.accumulate(np.where(ok, np.arange(len(ok)), -1))


def check_run(run, n: int, labels=None) -> tuple[list[Path], int]:
    """Validate a run against a loss of n variables; return its paths and its number of steps T."""
    try:
        names = tuple(str(o) for o in run.optimizers)
        points = np.asarray(run.points, dtype=float)
        values = np.asarray(run.values, dtype=float)
        diverged = np.asarray(run.diverged_at)
    except AttributeError as exc:
        raise TypeError(f"run needs optimizers, points, values and diverged_at: {exc}") from None
    if points.ndim != 4 or points.shape[-1] != n:
        raise ValueError(f"run.points must have shape (optimizers, starts, steps + 1, {n}), "
                         f"got {points.shape}")
    n_opt, n_start, n_pts, _ = points.shape
    if len(names) != n_opt:
        raise ValueError(f"run.optimizers names {len(names)} optimizers but run.points has "
                         f"{n_opt}")
    if n_opt == 0 or n_start == 0 or n_pts == 0:
        raise ValueError(f"run is empty: run.points has shape {points.shape}")
    if values.shape != points.shape[:-1]:
        raise ValueError(f"run.values must have shape {points.shape[:-1]}, got {values.shape}")
    if diverged.shape != points.shape[:2]:
        raise ValueError(f"run.diverged_at must have shape {points.shape[:2]}, "
                         f"got {diverged.shape}")
    if labels is None:
        labels = [optimizer_label(o) for o in names]
    elif len(labels) != n_opt:
        raise ValueError(f"labels has {len(labels)} entries for {n_opt} optimizers")
    colors = optimizer_colors(names)
    finite_pts = np.isfinite(points).all(axis=-1)
    points = np.where(finite_pts[..., None], points, np.nan)
    values = np.where(np.isfinite(values), values, np.nan)
    paths = []
    for o in range(n_opt):
        for s in range(n_start):
            paths.append(Path(names[o], str(labels[o]), colors[o], s, points[o, s], values[o, s],
                              int(diverged[o, s]), _last_finite(points[o, s])))
    return paths, n_pts - 1


def frame_steps(n_steps: int, max_frames: int) -> np.ndarray:
    """At most `max_frames` steps spread evenly over 0..n_steps, always with 0 and n_steps."""
    count = min(max_frames, n_steps + 1)
    return np.unique(np.round(np.linspace(0, n_steps, count)).astype(int))


def _check_count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def plan_frames(n_steps: int, n_paths: int, max_frames: int = DEFAULT_MAX_FRAMES,
                frame_points: int = DEFAULT_FRAME_POINTS,
                max_points: int = DEFAULT_MAX_POINTS) -> Plan:
    """Which steps get a frame and how finely paths are drawn (see the module docstring)."""
    max_frames = _check_count("max_frames", max_frames, 2)
    frame_points = _check_count("frame_points", frame_points, 0)
    max_points = _check_count("max_points", max_points, 2)
    affordable = max(2, frame_points // max(1, (MIN_TRAIL_POINTS + TRACE_COST) * n_paths))
    steps = frame_steps(n_steps, min(max_frames, affordable))
    per_trail = max(MIN_TRAIL_POINTS,
                    frame_points // max(1, (len(steps) - 1) * n_paths) - TRACE_COST)
    tail = per_trail // 2
    trail_stride = max(1, math.ceil(n_steps / max(1, per_trail - tail - 1)))
    final_stride = max(1, math.ceil(n_paths * (n_steps + 1) / max_points))
    return Plan(steps, per_trail, trail_stride, final_stride)


def trail_indices(k: int, per_trail: int, stride: int) -> np.ndarray:
    """Steps drawn for a path at frame step k: all of 0..k if they fit in `per_trail` points, else
    the last per_trail // 2 steps and, before them, every `stride`-th step from 0 (a fixed grid, so
    the older part does not flicker from frame to frame)."""
    if k + 1 <= per_trail:
        return np.arange(k + 1)
    tail = per_trail // 2
    first_tail = k - tail + 1
    return np.concatenate([np.arange(0, first_tail, stride), np.arange(first_tail, k + 1)])


def shown_indices(path: Path, k: int, stride: int) -> np.ndarray:
    """Every `stride`-th step of 0..k, plus k and the last finite step (where a path ends)."""
    extra = [k] + ([int(path.last_finite[k])] if path.last_finite[k] >= 0 else [])
    return np.unique(np.concatenate([np.arange(0, k + 1, stride), extra]))


def path_data(kind: str, path: Path, idx: np.ndarray, lift: float = 0.0,
              hover: str | None = None) -> dict:
    """Data of a path trace for steps `idx` (float32): x, y (, z) and, with `hover`, customdata.

    2-D: x, y, customdata (step, loss). 3-D: z = loss + `lift` (drawn just above the surface so
    that it does not disappear into it), customdata (step, loss). 1-D: x = w, y = loss,
    customdata = step. `hover`: the hovertemplate to set (None: leave it); "" switches hover
    off (plotly.js ignores hoverinfo while a trace has a hovertemplate) and drops customdata.
    """
    pts, vals = path.points[idx], path.values[idx]
    steps = idx.astype(np.float32)
    if kind == "2d":
        data = dict(x=_f32(pts[:, 0]), y=_f32(pts[:, 1]),
                    customdata=_f32(np.column_stack([steps, vals])))
    elif kind == "3d":
        data = dict(x=_f32(pts[:, 0]), y=_f32(pts[:, 1]), z=_f32(vals + lift),
                    customdata=_f32(np.column_stack([steps, vals])))
    elif kind == "1d":
        data = dict(x=_f32(pts[:, 0]), y=_f32(vals), customdata=steps)
    else:
        raise ValueError(kind)
    if hover == "":
        del data["customdata"]
        data.update(hovertemplate="", hoverinfo="skip")
    elif hover is not None:
        data.update(hovertemplate=hover, hoverinfo="all")
    return data


def _short(value) -> list:
    """A short float32 array as a JSON list: the shortest decimal that reads back as the same
    float32 (so it costs a few characters, not a typed array's header), None for NaN."""
    out = []
    for row in np.asarray(value, dtype=np.float32).reshape(len(value), -1):
        items = [float(str(v)) if np.isfinite(v) else None for v in row]
        out.append(items if np.ndim(value) > 1 else items[0])
    return out


def marker_data(kind: str, path: Path, k: int, lift: float = 0.0) -> dict:
    """Data of the current-point marker at frame step k, as short lists (one point).

    The marker stays at the last finite point once the path has diverged, and its text then
    says "diverged at step d"."""
    j = int(path.last_finite[k])
    data = path_data(kind, path, np.array([max(j, 0)]), lift)
    data = {key: _short(value) for key, value in data.items()}
    if j < 0:
        data = {key: [None] * len(value) if key != "customdata" else value
                for key, value in data.items()}
    diverged = 0 <= path.diverged_at <= k
    data["text"] = [f"diverged at step {path.diverged_at}" if diverged else ""]
    return data


def _trace_cls(kind):
    return go.Scatter3d if kind == "3d" else go.Scatter


def _hovertemplates(kind: str, path: Path, variables) -> tuple[str, str]:
    """(path hovertemplate, marker hovertemplate); the marker adds "diverged at step k"."""
    if kind == "1d":
        body = f"step %{{customdata:.0f}}<br>{variables[0]} = %{{x:.4g}}<br>loss %{{y:.4g}}"
    else:
        a, b = variables
        body = (f"step %{{customdata[0]:.0f}}<br>({a}, {b}) = (%{{x:.4g}}, %{{y:.4g}})"
                "<br>loss %{customdata[1]:.4g}")
    head = f"<b>{path.label}</b> · start {path.start + 1}<br>"
    return head + body + "<extra></extra>", head + body + "<br>%{text}<extra></extra>"


def trajectory_traces(kind: str, paths: list[Path], n_steps: int, variables, plan: Plan,
                      lift: float = 0.0) -> list:
    """The moving traces in their final state: all paths, then all markers."""
    cls = _trace_cls(kind)
    three_d = kind == "3d"
    path_traces, marker_traces = [], []
    seen: set[str] = set()
    for p in paths:
        path_hover, marker_hover = _hovertemplates(kind, p, variables)
        first_of_group = p.label not in seen
        seen.add(p.label)
        line = dict(color=p.color, width=5 if three_d else 2.5, dash=start_dash(p.start))
        common = dict(legendgroup=p.label, name=p.label if first_of_group else p.name)
        flat = {} if three_d else dict(unselected=dict(marker=dict(opacity=1)))
        path_traces.append(cls(
            **path_data(kind, p, shown_indices(p, n_steps, plan.final_stride), lift),
            mode="lines+markers" if kind == "1d" else "lines", line=line,
            showlegend=first_of_group, hovertemplate=path_hover,
            **({} if three_d else dict(marker=dict(size=5, color=p.color))), **flat, **common))
        marker = dict(size=7 if three_d else 11, color=p.color,
                      symbol=start_symbol(p.start, three_d=three_d),
                      line=dict(color=p.color if three_d else "white", width=1.5))
        marker_traces.append(cls(
            **marker_data(kind, p, n_steps, lift), mode="markers", marker=marker,
            showlegend=False, hovertemplate=marker_hover, **flat, **{**common, "name": p.name}))
    return path_traces + marker_traces


def _encoded(data: dict, trace_type: str) -> dict:
    return {"type": trace_type, **{key: typed_array(value) if isinstance(value, np.ndarray)
                                   else value for key, value in data.items()}}


def build_frames(kind: str, paths: list[Path], n_steps: int, first_index: int, plan: Plan,
                 variables, lift: float = 0.0) -> list[dict]:
    """Frames (dicts named by their step) that update only the trajectory traces, indices
    first_index .. first_index + 2*len(paths) - 1: every path, then every marker."""
    trace_type = "scatter3d" if kind == "3d" else "scatter"
    indices = list(range(first_index, first_index + 2 * len(paths)))
    hovers = [_hovertemplates(kind, p, variables)[0] for p in paths]
    frames = []
    for k in (int(k) for k in plan.steps):
        final = k == n_steps
        data = []
        for p, hover in zip(paths, hovers):
            if final:
                idx = shown_indices(p, k, plan.final_stride)
            else:
                idx = trail_indices(k, plan.per_trail, plan.trail_stride)
                if p.last_finite[k] >= 0:
                    idx = np.union1d(idx, [p.last_finite[k]])
            data.append(_encoded(path_data(kind, p, idx, lift, hover if final else ""),
                                 trace_type))
        data += [{"type": trace_type, **marker_data(kind, p, k, lift)} for p in paths]
        frames.append(dict(data=data, traces=indices, name=str(k)))
    return frames


def animation_controls(frames: list[dict], *, frame_duration: float, redraw: bool) -> dict:
    """Layout entries (updatemenus, sliders) for Play / Pause buttons and a step slider.

    The slider starts on the last frame, matching the full trajectories shown before Play.
    """
    if not (isinstance(frame_duration, (int, float)) and 0 <= frame_duration <= 10_000):
        raise ValueError(f"frame_duration must be a number of milliseconds in [0, 10000], "
                         f"got {frame_duration!r}")
    play_opts = dict(frame=dict(duration=frame_duration, redraw=redraw), fromcurrent=True,
                     transition=dict(duration=0), mode="immediate")
    pause_opts = dict(frame=dict(duration=0, redraw=False), transition=dict(duration=0),
                      mode="immediate")
    buttons = [dict(label="▶ Play", method="animate", args=[None, play_opts]),
               dict(label="❚❚ Pause", method="animate", args=[[None], pause_opts])]
    steps = [dict(label=f["name"], method="animate",
                  args=[[f["name"]], dict(frame=dict(duration=0, redraw=redraw),
                                       transition=dict(duration=0), mode="immediate")])
             for f in frames]
    return dict(
        updatemenus=[dict(type="buttons", direction="left", showactive=False, buttons=buttons,
                          x=0.0, xanchor="left", y=0.0, yanchor="top", pad=dict(t=40, r=10))],
        sliders=[dict(active=len(frames) - 1, steps=steps, x=0.2, len=0.8, xanchor="left",
                      y=0.0, yanchor="top", pad=dict(t=30, b=0),
                      currentvalue=dict(prefix="step ", visible=True, xanchor="right"),
                      transition=dict(duration=0))],
    )
