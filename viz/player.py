"""What the player component receives: the landscape once, every step of every path, compactly.

Three parts, each built by a pure function and each with a ``key`` that changes exactly when its
content does, so the browser redraws only what changed (a new learning rate: new paths, same
landscape):

- `landscape_part`: Plotly specs of the static views (3-D surface and contour map, or the 1-D
  curve) with known minima and critical points; built by the `viz.figures` factories.
- `paths_part`: every step of every (optimizer, start) run: positions and losses (``q16``: 16-bit
  codes of their range, far below a pixel), labels, colours, dashes, divergence steps, and the
  loss axis (linear / log, range, title).
- `inspect_part`: one run's exact numbers (``f8``) for the step inspector: points, gradients,
  learning rates, the rule's recorded state and its hyper-parameters.

`message` packs them into the bytes the component reads (`viz.pack`). Nothing here imports
Streamlit.
"""
from __future__ import annotations

import hashlib
import json

import numpy as np

from optimizers import base_name

from .colors import POINT_KINDS, optimizer_colors, optimizer_label, start_dash, start_symbol
from .figures import create_contour_figure, create_curve_figure, create_surface_figure
from .grid import log_offset
from .pack import Blob, Blobs, pack, plain

SURFACE_MAX_RESOLUTION = 100   # 3-D grid per axis; software WebGL redraws it on every 3-D frame


def _key(*parts) -> str:
    text = json.dumps(parts, sort_keys=True, default=str)
    return hashlib.sha1(text.encode()).hexdigest()[:16]


class Part:
    """A header section and the blobs it refers to (numbered from 0 within the part)."""

    __slots__ = ("header", "blobs")

    def __init__(self, header: dict, blobs: list):
        self.header, self.blobs = header, blobs


def landscape_part(loss, domain, *, resolution: int = 80, log_color: bool = False, minima=(),
                   critical_points=(), key: str | None = None) -> Part:
    """The static views of a loss: {"n", "variables", "domain", "surface"/"contour" or "curve"}.

    Each view is a Plotly figure dict (``data``, ``layout``) whose big arrays are blobs: grids as
    16-bit codes of their log range (`_grid_blob`), axes float32.
    ``lift`` is the height above the surface at which 3-D paths are drawn (as the factory draws
    its points), ``zrange`` the 3-D axis range. `key` (default: from the arguments) names it.
    """
    blobs = Blobs()
    header = {"n": int(loss.n), "variables": list(loss.variables),
              "domain": [[float(lo), float(hi)] for lo, hi in domain]}
    common = dict(minima=minima, critical_points=critical_points, uirevision="landscape")
    if loss.n == 2:
        surface = create_surface_figure(
            loss, domain, resolution=min(int(resolution), SURFACE_MAX_RESOLUTION),
            log_color=log_color, height=430, show_scale=False, **common)   # the contour's bar
        contour = create_contour_figure(loss, domain, resolution=resolution, log_color=log_color,
                                        height=430, **common)
        header["surface"] = plain(surface.to_plotly_json(), blobs, grid=_grid_blob)
        header["contour"] = plain(contour.to_plotly_json(), blobs, grid=_grid_blob)
        scene = surface.layout.scene
        header["lift"] = float(surface.layout.meta["lift"])
        header["zrange"] = [float(v) for v in scene.zaxis.range]
    else:
        curve = create_curve_figure(loss, domain, height=430, **common)
        header["curve"] = plain(curve.to_plotly_json(), blobs)
    marked = {t.name for t in (contour if loss.n == 2 else curve).data[1:]}   # point traces
    header["points"] = [{"glyph": glyph, "label": label}
                        for _, glyph, label in POINT_KINDS.values() if label in marked]
    header["key"] = _key("landscape", key) if key is not None else _key("landscape", str(loss), header["domain"], resolution, log_color,
                                [list(map(float, m)) for m in minima], str(critical_points))
    return Part(header, blobs.items)


def _grid_blob(grid: np.ndarray) -> Blob:
    """A landscape grid (heights, colours, hover values) as 16-bit codes of log10(v - min + eps):
    relative steps of about 1e-4 of the grid's log range, far below what a colour or a hover
    with 4 digits shows, at a third of float32's size (the budget is 1 MB per message)."""
    return Blob(grid, "q16", log=log_offset(grid))


DATA_POINTS = 2000   # rows drawn in the data view at most (a seeded sample of them)


def data_part(loss, model, *, max_points: int = DATA_POINTS, key: str | None = None) -> Part:
    """The data view of a dataset loss: a scatter of the feature against the target and the model
    curve the player draws for every run at every step.

    ``model`` is a `viz.model.DataModel` or the sentence why there is none (then the first two
    columns the loss uses are drawn, if it uses two). Header: ``feature``, ``target``, ``x``,
    ``y`` (float32 blobs of at most ``max_points`` rows, a seeded sample when there are more),
    ``shown``, ``rows``, ``kind``, ``curve`` (program or None), ``latex``, ``note``, ``xrange``.
    """
    from .model import DataModel
    columns = list(loss.columns)
    if isinstance(model, DataModel):
        feature, target = model.feature, model.target
    elif len(columns) >= 2:
        feature, target = columns[0], columns[1]
    else:
        feature = target = None
    rows = int(loss.n_rows)
    header = {"rows": rows, "note": model if isinstance(model, str) else "",
              "curve": model.curve if isinstance(model, DataModel) else None,
              "kind": model.kind if isinstance(model, DataModel) else "fit",
              "latex": model.latex if isinstance(model, DataModel) else ""}
    blobs = Blobs()
    if feature is not None:
        chosen = np.arange(rows)
        if rows > max_points:
            chosen = np.sort(np.random.default_rng(0).choice(rows, max_points, replace=False))
        x = np.asarray(loss.data[feature], dtype=float)
        y = np.asarray(loss.data[target], dtype=float)
        lo, hi = float(x.min()), float(x.max())
        pad = 0.03 * (hi - lo) if hi > lo else 1.0
        header.update(feature=feature, target=target, shown=int(chosen.size),
                      x=blobs.add(Blob(x[chosen], "f4")), y=blobs.add(Blob(y[chosen], "f4")),
                      xrange=[lo - pad, hi + pad])
    header["key"] = _key("data", key if key is not None else (str(loss), rows, header["note"]))
    return Part(header, blobs.items)


def run_order(run) -> list[tuple[int, int]]:
    """(optimizer index, start index) of each run, optimizer-major: the player's run order."""
    n_opt, n_starts = np.asarray(run.diverged_at).shape
    return [(o, s) for o in range(n_opt) for s in range(n_starts)]


def paths_part(run, domain, *, log_loss: bool = False, labels=None, lr_labels=None,
               epochs: bool = False, key: str | None = None) -> Part:
    """Every step of every run of `run` (an `optimizers.simulate` result).

    Header: ``T``, ``n``, ``runs`` (optimizer, label, colour, start, dash, symbol, diverged_at
    (-1: never), last finite step (-1: none, the run failed at its start), start_point),
    ``points`` (one q16 blob per coordinate, shape (runs, T+1),
    NaN after divergence), ``values`` (q16 of log10(loss - vmin + eps), shape (runs, T+1)), and
    ``loss_axis`` (type, range, title, offset: the loss plot shows loss - offset), and
    ``per_epoch``: steps per epoch of a dataset loss's runs when they share one batch size (None
    otherwise; each run's own is its ``per_epoch``), with ``epochs`` true when the loss plot
    counts epochs instead of steps.
    """
    points = np.asarray(run.points, dtype=float)          # (O, S, T+1, n)
    values = np.asarray(run.values, dtype=float)          # (O, S, T+1)
    diverged = np.asarray(run.diverged_at, dtype=int)
    n_opt, n_starts, t1, n = points.shape
    names = [str(o) for o in run.optimizers]
    colors = optimizer_colors(names)
    per_epoch_of = getattr(run, "steps_per_epoch_of", None) or (None,) * n_opt
    runs = []
    for o, s in run_order(run):
        ok = np.isfinite(points[o, s]).all(axis=-1) & np.isfinite(values[o, s])
        last = int(np.flatnonzero(ok)[-1]) if ok.any() else -1
        runs.append({
            "optimizer": names[o], "label": (labels or {}).get(names[o], optimizer_label(names[o])),
            "color": colors[o], "start": s, "dash": start_dash(s),
            "symbol": start_symbol(s), "symbol3d": start_symbol(s, three_d=True),
            "diverged_at": int(diverged[o, s]), "last": last,
            "start_point": [float(c) for c in np.asarray(run.starts, dtype=float)[s]],
            "lr": (lr_labels or {}).get(names[o]), "per_epoch": per_epoch_of[o]})
    flat_points = points.reshape(n_opt * n_starts, t1, n)
    flat_values = values.reshape(n_opt * n_starts, t1)
    blobs = Blobs()
    coords = []
    for j, (lo, hi) in enumerate(domain):
        width = hi - lo
        column = flat_points[..., j]
        finite = column[np.isfinite(column)]
        c_lo = max(float(finite.min()), lo - 10 * width) if finite.size else lo
        c_hi = min(float(finite.max()), hi + 10 * width) if finite.size else hi
        coords.append(blobs.add(Blob(column, "q16", lo=min(c_lo, lo), hi=max(c_hi, hi))))
    finite = flat_values[np.isfinite(flat_values)]
    if finite.size and finite.min() > 0:
        vmin, eps = 0.0, 0.0
    else:
        vmin, eps = log_offset(flat_values)
    value_ref = blobs.add(Blob(flat_values, "q16", log=(vmin, eps)))
    axis = _loss_axis(flat_values, diverged.reshape(-1), log_loss)
    per_epoch = getattr(run, "steps_per_epoch", None)
    header = {"T": t1 - 1, "n": n, "runs": runs, "points": coords, "values": value_ref,
              "loss_axis": axis, "per_epoch": per_epoch,
              "epochs": bool(epochs and any(per_epoch_of))}
    header["key"] = _key("paths", key) if key is not None else _key(
        "paths", names, points.shape, hashlib.sha1(points.tobytes()).hexdigest(), log_loss)
    return Part(header, blobs.items)


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


def _loss_axis(values: np.ndarray, diverged: np.ndarray, log_y: bool) -> dict:
    finite = values[np.isfinite(values)]
    offset, title = 0.0, "loss"
    if log_y and finite.size and finite.min() <= 0:
        vmin, eps = log_offset(values)
        offset, title = vmin - eps, "loss − min + ε"
    axis = {"type": "log" if log_y else "linear", "title": title, "offset": offset}
    if not log_y:
        rng = _loss_range(values, diverged)
        if rng:
            axis["range"] = rng
    return axis


def inspect_part(run, optimizer: int, start: int) -> Part:
    """The exact numbers of one run for the step inspector (float64).

    Header: ``run`` (its index in `run_order`), ``optimizer``, ``hyper``, ``x`` (T+1, n) points,
    ``g`` (T+1, n) loss gradients at them, ``value`` (T+1,), ``lr`` (T,) learning rate used at
    each step, and ``states``: each recorded state array of the rule (``(T+1, n)`` buffers,
    index i = the state at point i; ``(T, n)`` per-step arrays such as ``effective_lr`` and
    sgd's ``gradient_estimate``).
    """
    name = str(run.optimizers[optimizer])
    blobs = Blobs()
    states = {k: blobs.add(Blob(np.asarray(v)[start], "f8"))
              for k, v in run.states.get(name, {}).items()}
    hyper = {k: (float(v) if isinstance(v, (int, float, np.number)) and not isinstance(v, bool)
                 else v) for k, v in run.hyper.get(name, {}).items()}
    base = base_name(name)                  # a second run of an optimizer, gd#2: gd's rule
    header = {
        "run": optimizer * np.asarray(run.diverged_at).shape[1] + start,
        "optimizer": base, "name": name, "label": optimizer_label(base), "hyper": hyper,
        "x": blobs.add(Blob(np.asarray(run.points)[optimizer, start], "f8")),
        "g": blobs.add(Blob(np.asarray(run.gradients)[optimizer, start], "f8")),
        "value": blobs.add(Blob(np.asarray(run.values)[optimizer, start], "f8")),
        "lr": blobs.add(Blob(np.asarray(run.lr)[optimizer], "f8")),
        "states": states,
    }
    return Part(header, blobs.items)


def message(landscape: Part, paths: Part | None = None, inspect: Part | None = None,
            player: dict | None = None, data: Part | None = None) -> bytes:
    """The bytes for the player: the parts' headers (blob references renumbered) and blobs."""
    header, blobs = {"player": dict(player or {})}, []
    for name, part in (("landscape", landscape), ("paths", paths), ("inspect", inspect),
                       ("data", data)):
        if part is None:
            continue
        header[name] = _shift(part.header, len(blobs))
        blobs.extend(part.blobs)
    return pack(header, blobs)


def _shift(node, by: int):
    if isinstance(node, dict):
        if set(node) == {"$blob"}:
            return {"$blob": node["$blob"] + by}
        return {k: _shift(v, by) for k, v in node.items()}
    if isinstance(node, list):
        return [_shift(v, by) for v in node]
    return node
