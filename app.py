"""Descent: the page. Widgets -> Settings -> landscapes / optimizers / viz -> st.* output.

Run with ``streamlit run app.py``. Everything the page computes lives in the packages; this file
only reads widgets, calls them (cached) and renders. The whole configuration is mirrored into the
URL query string (``settings.to_query``), so a link reproduces the view.
"""
from __future__ import annotations

from dataclasses import replace
import hashlib
import math
from urllib.parse import urlencode

# pandas, imported whole before any figure: plotly's validators take it from sys.modules without
# importing it, and while another session's thread was still importing pandas they found a
# half-initialised module ("partially initialized module 'pandas' has no attribute 'Series'",
# seen with 8 sessions at once). An import statement waits for an import in progress.
import pandas
import streamlit as st

import settings as cfg
from lessons import LESSONS, MARKERS
from landscapes import PRESETS, InvalidExpression, compile_loss, datasets
from landscapes.analysis import critical_points
from landscapes.datasets import GENERATORS, InvalidDataset
from landscapes.guard import compile_dataset_loss_within, compile_loss_within
from landscapes.parse import FUNCTIONS
from optimizers import OPTIMIZERS, SCHEDULES, base_name, schedules, simulate, summarize
from optimizers import advice, numbers
import viz
import viz.model
import viz.player
from player import PLOTLY_URL, player

CUSTOM = "custom"
FORMULA, DATA = "formula", "data"          # the loss panel's modes
MODES = {FORMULA: "a formula", DATA: "training data"}
NO_LESSON = "—"
# Presentation mode (a teacher link's present=1): larger text. Only this constant goes through
# unsafe_allow_html, never anything from a link.
PRESENT_CSS = """<style>
html { font-size: 20px; }
[data-testid="stMarkdownContainer"] p, [data-testid="stText"], [data-testid="stCaptionContainer"],
[data-testid="stWidgetLabel"] p { font-size: 1.15rem; }
</style>"""
ss = st.session_state


# ------------------------------------------------------------------------------------ compute

@st.cache_resource(max_entries=128, show_spinner=False)
def get_loss(text: str):
    """Compiled loss for ``text`` (raises InvalidExpression, which is not cached)."""
    try:
        if any(text.strip() == p.expression for p in PRESETS.values()):
            return compile_loss(text)          # known text: no deadline needed
        return compile_loss_within(text)       # typed text: compiled first in a child, killed at 3 s
    except InvalidExpression:
        raise
    except Exception as exc:   # last resort: an unforeseen SymPy failure is a message, not a crash
        raise InvalidExpression("this expression could not be compiled; try writing it "
                                f"differently ({type(exc).__name__})", text) from exc


@st.cache_resource(max_entries=8, show_spinner=False)
def get_generated(key: str, rows: int, seed: int) -> dict:
    """A built-in dataset's columns (read-only arrays, shared by every session)."""
    data = datasets.make(key, n=rows, seed=seed)
    for column in data.values():
        column.flags.writeable = False
    return data


@st.cache_resource(max_entries=32, show_spinner=False)
def get_data_loss(text: str, source: str, _data: dict):
    """Per-sample loss ``text`` over the data named ``source`` (a generator's key, rows and seed,
    or an upload's digest: the same name is the same data). Raises InvalidExpression."""
    try:
        return compile_dataset_loss_within(text, _data)
    except InvalidExpression:
        raise
    except InvalidDataset as exc:
        raise InvalidExpression(f"the data cannot be used: {exc}", text) from exc
    except Exception as exc:   # last resort, as in get_loss
        raise InvalidExpression("this expression could not be compiled; try writing it "
                                f"differently ({type(exc).__name__})", text) from exc


def loss_key(s: cfg.Settings) -> tuple:
    """What decides the loss of settings ``s``: the text, and for a dataset loss its data."""
    return (s.expression, s.data, s.rows, s.data_seed) if s.data else (s.expression,)


def loss_for(key: tuple):
    """The compiled loss of a ``loss_key`` (raises InvalidExpression)."""
    if len(key) == 1:
        return get_loss(key[0])
    text, data, rows, seed = key
    if data.startswith(cfg.UPLOAD):
        columns = ss.get("uploads", {}).get(data)
        if columns is None:
            raise InvalidExpression("the uploaded file is not on the server any more: upload "
                                    "it again", text)
        return get_data_loss(text, data, columns)
    return get_data_loss(text, f"{data}:{rows}:{seed}", get_generated(data, rows, seed))


def rows_of(s: cfg.Settings) -> int | None:
    """The number of data rows of the loss of ``s``; None for a loss without data."""
    return getattr(loss_for(loss_key(s)), "n_rows", None) if s.data else None


@st.cache_data(max_entries=64, show_spinner=False)
def get_critical_points(key: tuple, domain) -> list[tuple[tuple[float, ...], float, str]]:
    loss = loss_for(key)
    return [(tuple(map(float, cp.point)), float(cp.value), cp.kind)
            for cp in critical_points(loss, domain, timeout=1.0)]


def _minima(s: cfg.Settings, critical) -> list[tuple[float, ...]]:
    """Known minima: the preset's (cited) when the preset is shown, else the analysis' minima."""
    if s.preset and PRESETS[s.preset].expression == s.expression:
        return [tuple(m) for m in PRESETS[s.preset].minima]
    return [p for p, _, kind in critical if kind == "minimum"]


@st.cache_resource(max_entries=16, show_spinner=False)
def get_run(s: cfg.Settings):
    """Every optimizer from every start for settings ``s`` (an ``optimizers.Run``).

    A shared, read-only object (``cache_resource``: never pickled, never mutated): its arrays
    feed the results table, the paths and the step inspector.
    """
    loss = loss_for(loss_key(s))
    params = dict(s.schedule_params)
    rows = rows_of(s)
    # with data, the linear scaling rule multiplies each run's rate (by 1 when it is off)
    lr = {o: schedules.make(s.schedule, lr=s.rate(o, rows),
                            warmup=s.warmup, **params) for o in s.optimizers}
    batch = {o: s.batch_size(rows, o) for o in s.optimizers} if rows else None
    return simulate(loss, list(s.optimizers), starts=[list(p) for p in s.starts], steps=s.steps,
                    lr=lr, options=s.options(), seed=s.seed, domain=s.domain, batch_size=batch)


@st.cache_data(max_entries=32, show_spinner=False)
def get_landscape(key: tuple, domain, resolution: int, log_color: bool, minima,
                  critical) -> viz.player.Part:
    """The static views of a loss (``viz.player.Part``: a package type, safe to pickle)."""
    return viz.player.landscape_part(loss_for(key), domain, resolution=resolution,
                                     log_color=log_color, minima=minima,
                                     critical_points=critical)


@st.cache_data(max_entries=64, show_spinner=False)
def get_auto_log_color(key: tuple, domain) -> bool:
    """Whether the landscape of this loss (a ``loss_key``) on this domain is coloured on a log
    scale when nobody chose (``viz.grid.auto_log_color``: from its dynamic range)."""
    return viz.grid.auto_log_color(loss_for(key), domain)


def log_color_in_effect(s: cfg.Settings) -> bool:
    """The colour scale shown: the person's choice, else the preset's own, else automatic."""
    chosen = cfg.chosen_log_color(s)
    return chosen if chosen is not None else get_auto_log_color(loss_key(s), s.domain)


@st.cache_data(max_entries=32, show_spinner=False)
def compute(s: cfg.Settings) -> dict:
    """The results table's rows, the known minima and the paths for settings ``s``.

    Returns a plain dict of package types: ``st.cache_data`` pickles it and shares it between
    sessions, so it holds no class defined in this script (each session's run of the script
    defines its classes anew, and pickling one from another run fails).
    """
    critical = get_critical_points(loss_key(s), s.domain)
    minima = _minima(s, critical)
    run = get_run(s)
    width = max(hi - lo for lo, hi in s.domain)
    rows = summarize(run, minima=minima or None, tol=1e-3 * width)
    crit = tuple((p, kind) for p, _, kind in critical if kind != "minimum" or not minima)
    n_rows = rows_of(s)
    labels = cfg.run_labels(s, viz.optimizer_label, n_rows)
    lr_labels = {o: f"{s.rate(o, n_rows):g}" + (    # with data: every run's batch too
        f" · batch {s.batch_size(n_rows, o)}" if n_rows and "batch" not in labels[o] else "")
        for o in s.optimizers}
    paths = viz.player.paths_part(run, s.domain, log_loss=s.log_loss, lr_labels=lr_labels,
                                  labels=labels,
                                  epochs=s.epochs, key=repr(s))
    return {"rows": rows, "minima": minima, "critical": crit, "paths": paths}


@st.cache_data(max_entries=32, show_spinner=False)
def get_message(s: cfg.Settings, inspect: tuple[int, int]) -> bytes:
    """The player's message for settings ``s``, inspecting run ``inspect`` = (optimizer, start):
    bytes, cached whole, so that a rerun with nothing new costs one cache lookup."""
    result = compute(s)
    landscape = get_landscape(loss_key(s), s.domain, s.resolution, log_color_in_effect(s),
                              tuple(map(tuple, result["minima"])), result["critical"])
    return viz.player.message(
        landscape, result["paths"], viz.player.inspect_part(get_run(s), *inspect),
        player={"plotly_url": PLOTLY_URL,   # steps/s: the link's "ms per step", else automatic
                "speed": None if s.speed == cfg.Settings.speed else round(1000 / s.speed, 3)},
        data=get_data_part(loss_key(s)) if s.data else None)


@st.cache_data(max_entries=16, show_spinner=False)
def get_data_part(key: tuple) -> viz.player.Part:
    """The data view of a dataset loss: a sample of its rows and the model it fits."""
    loss = loss_for(key)
    return viz.player.data_part(loss, get_model(key), key=repr(key))


@st.cache_data(max_entries=32, show_spinner=False)
def get_model(key: tuple):
    """The model a dataset loss fits (``viz.model.DataModel``) or why none is drawn (text)."""
    loss = loss_for(key)
    columns = [c for c in loss.expr.free_symbols if c.name in loss.columns]
    return viz.model.data_model(loss.expr, loss.symbols, columns)


# ------------------------------------------------------------------------------ widget state

# Widgets that are drawn only sometimes (an optimizer's settings, a schedule's parameters, the
# 2-D view options): Streamlit forgets or freezes the value of a widget that is not drawn, so their
# values are kept in one dict, ss.keep, written for every such widget drawn in a run, and given
# back to a widget that was hidden in the last run just before it is drawn again. One dict, not a
# session-state key per widget: every number input and slider copies the whole session state
# when it is drawn, so its size is paid about thirty times a run.

def _kept() -> dict:
    if "keep" not in ss:
        ss.keep = {}
    return ss.keep


def _put(key: str, value) -> None:
    """Set a widget's value whether it is drawn or not (from callbacks and _load)."""
    _kept()[key] = value
    if key in ss:
        ss[key] = value


def _get(key: str):
    """A widget's current value, also while it is not drawn."""
    if key in ss.get("drawn_now", ()) or key not in _kept():
        return ss[key]
    return _kept()[key]


def _draw(key: str) -> str:
    """Call right before drawing the widget ``key``; returns ``key``."""
    if key in _kept() and (key not in ss.get("drawn_last", ()) or key not in ss):
        ss[key] = _kept()[key]   # hidden in the last run: its session value may be stale
    ss.drawn_now.add(key)
    return key


def _end_run() -> None:
    kept = _kept()
    for key in ss.drawn_now:
        kept[key] = ss[key]
    ss.drawn_last = ss.drawn_now


def _teacher() -> cfg.Teacher:
    """This session's teacher settings (from the link it was opened with)."""
    return ss.get("teacher") or cfg.Teacher()


def _control(name: str) -> tuple[bool, bool]:
    """(drawn, disabled) for the control group ``name`` (settings.CONTROLS) under the teacher
    link. A hidden control's widgets are not drawn; their values stay where the link put them
    (a teacher link is fixed for the session, so they were never widget values: Streamlit keeps
    plain session-state values; test_teacher_links checks it across reruns)."""
    t = _teacher()
    return t.shows(name), t.locks(name)


def _load(s: cfg.Settings) -> None:
    """Put settings ``s`` into the widgets' session-state keys."""
    _put("preset", s.preset or CUSTOM)     # kept while not drawn (the data mode)
    ss.expr = ss.good_expr = s.expression
    _set_domain(s.domain)
    _set_starts(s.starts)
    ss.opts = ss.opts_before = list(s.optimizers)
    ss.lr_base = s.lr                  # the link's lr when no optimizer is chosen
    _load_rates(s)
    _load_hyper(s)
    _load_schedule(s)
    ss.warmup, ss.steps, ss.seed = s.warmup, s.steps, s.seed
    ss.mode = DATA if s.data else FORMULA
    if s.data:
        ss.source = s.data                   # the data in effect
        ss.dataset = cfg.UPLOAD if s.data.startswith(cfg.UPLOAD) else s.data
        _put("rows", s.rows)
        _put("dseed", s.data_seed)
        ss.batch = s.batch                   # 0: full batch (whatever the rows)
        ss.lrscale = bool(s.base_batch)
        _put("lrb", s.base_batch or 32)
        ss.ep = s.epochs
    _put("res", s.resolution)
    ss.logc_set, ss.logc_for = s.log_color, s.expression    # None: automatic
    ss.logy, ss.speed = s.log_loss, s.speed


def _load_rates(s: cfg.Settings) -> None:
    for name in s.optimizers:          # exact: each slider offers its value (cfg.lr_choices)
        _put(f"lr_{name}", s.lr_for(name))


def _load_hyper(s: cfg.Settings) -> None:
    """The runs' parameters, and in the data mode their own batch sizes (0: the shared one)."""
    hyper = {(o, p): v for o, p, v in s.hyper}
    batches = dict(s.batches)
    for name in dict.fromkeys(list(OPTIMIZERS) + list(s.optimizers)):   # + runs such as gd#2
        _put(f"b_{name}", batches.get(name, 0))
        for p in OPTIMIZERS[base_name(name)].params:
            _put(f"hp_{name}_{p.name}", hyper.get((name, p.name), p.default))


def _load_schedule(s: cfg.Settings) -> None:
    ss.sched = s.schedule
    given = dict(s.schedule_params)
    for kind in SCHEDULES.values():
        for p in kind.params:
            _put(f"sp_{kind.name}_{p.name}",
                 given.get(p.name, p.default) if kind.name == s.schedule else p.default)


def _set_domain(domain) -> None:
    ss.good_domain = tuple(tuple(map(float, r)) for r in domain)
    ss.dim = len(domain)
    for j, (lo, hi) in enumerate(domain):
        ss[f"d{j}lo"], ss[f"d{j}hi"] = float(lo), float(hi)


def _set_starts(starts) -> None:
    for key in [k for k in ss if str(k).startswith("st_")]:
        del ss[key]
    ss.n_starts = len(starts)
    for i, p in enumerate(starts):
        for j, c in enumerate(p):
            ss[f"st_{i}_{j}"] = float(c)


def _starts() -> list[tuple[float, ...]]:
    return [tuple(float(ss[f"st_{i}_{j}"]) for j in range(ss.dim)) for i in range(ss.n_starts)]


def _on_preset() -> None:
    if ss.preset == CUSTOM:
        return
    current = _settings_from_widgets()
    # every chosen optimizer gets its rate suited to the new preset (cfg.suited_lrs)
    s = cfg.for_preset(ss.preset, optimizers=current.optimizers, hyper=current.hyper,
                       schedule=current.schedule, schedule_params=current.schedule_params,
                       seed=current.seed, resolution=current.resolution, speed=current.speed)
    _load(s)


def _suited_lrs(optimizers) -> dict[str, float]:
    """The suited learning rates of ``optimizers`` for the loss on the page now: the preset's,
    or a typed loss's or a dataset's on the current domain."""
    preset = _preset() if ss.get("mode") != DATA else None
    plain = cfg.DATA_LR.get(ss.get("source", ""), cfg.TYPED_LR) if ss.get("mode") == DATA \
        else cfg.TYPED_LR
    return cfg.suited_lrs(optimizers, preset, ss.good_domain, plain)


def _on_opts() -> None:
    """An optimizer just added to the list starts from its suited learning rate."""
    before = set(ss.get("opts_before", ()))
    for o, lr in _suited_lrs([o for o in ss.opts if o not in before]).items():
        _put(f"lr_{o}", lr)
    ss.opts_before = list(ss.opts)


def _resettable() -> list[str]:
    """The control groups Reset may change: those a teacher link neither hides nor locks."""
    groups = ("lr", "hyper", "schedule", "steps") + (("batch",) if ss.get("mode") == DATA else ())
    return [g for g in groups if _control(g) == (True, False)]


def _on_reset() -> None:
    """Reset to defaults: the learning rates, the optimizers' parameters, the schedule and the steps
    of the current preset (or typed loss), each group only if the person may change it."""
    s = cfg.reset(_settings_from_widgets())
    groups = _resettable()
    if "batch" in groups:                                 # the data mode's batch settings
        ss.batch, ss.lrscale = s.batch, False
        for o in ss.opts:
            _put(f"b_{o}", 0)
    if "lr" in groups:
        _load_rates(s)
    if "hyper" in groups:
        _load_hyper(s)
    if "schedule" in groups:
        _load_schedule(s)
        ss.warmup = s.warmup
    if "steps" in groups:
        ss.steps = s.steps


def _preset() -> str | None:
    """The preset shown, None for a typed loss (the selectbox's value, kept while not drawn)."""
    value = _get("preset") if "preset" in ss or "preset" in _kept() else CUSTOM
    return None if value == CUSTOM else value


def _on_expr() -> None:
    if _preset() and ss.expr.strip() != PRESETS[_preset()].expression:
        _put("preset", CUSTOM)


def _add_start(point=None) -> None:
    if point is None:
        point = [lo + (hi - lo) * f for (lo, hi), f in zip(ss.good_domain, (0.3, 0.7))]
    i = min(ss.n_starts, cfg.MAX_STARTS - 1)   # at the cap, a new start replaces the last one
    for j, c in enumerate(point):
        ss[f"st_{i}_{j}"] = float(c)
    ss.n_starts = i + 1


def _remove_start(i: int) -> None:
    starts = _starts()
    del starts[i]
    _set_starts(starts)


def _player_event(name: str):
    """This rerun's trigger value `name` of the player (a dict), or None."""
    state = ss.get("player")
    value = state.get(name) if hasattr(state, "get") else getattr(state, name, None)
    return value if isinstance(value, dict) else None


def _point_of(event) -> tuple[float, ...] | None:
    """A point from the browser: ss.dim finite floats inside the domain's box, else None."""
    try:
        point = tuple(float(c) for c in event["point"])
    except (KeyError, TypeError, ValueError):
        return None
    if len(point) != ss.dim or not all(math.isfinite(c) for c in point):
        return None
    # clamped into the domain and rounded to 1/1000 of its width or finer (a pixel is coarser)
    out = []
    for c, (lo, hi) in zip(point, ss.good_domain):
        digits = max(0, 3 - math.floor(math.log10(hi - lo)))
        out.append(min(max(round(c, digits), lo), hi))
    return tuple(out)


def _on_player_click() -> None:
    if _control("starts") != (True, False):   # hidden or locked by a teacher link
        return
    point = _point_of(_player_event("click") or {})
    if point is not None:
        _add_start(point)


def _on_player_drag() -> None:
    if _control("starts") != (True, False):
        return
    event = _player_event("drag") or {}
    point = _point_of(event)
    start = event.get("start")
    if point is None or not isinstance(start, int) or not 0 <= start < ss.n_starts:
        return
    for j, c in enumerate(point):
        ss[f"st_{start}_{j}"] = float(c)


def _data_fields() -> dict:
    """The Settings fields of the data mode (none in the formula mode)."""
    if ss.get("mode") != DATA:
        return {}
    n = ss.get("n_rows") or int(_get("rows"))
    batch = int(ss.batch)
    own = tuple((o, int(_get(f"b_{o}"))) for o in ss.opts if int(_get(f"b_{o}") or 0))
    return {"data": ss.source, "rows": int(_get("rows")), "data_seed": int(_get("dseed")),
            "batch": 0 if batch >= n else batch, "batches": own,
            "base_batch": int(_get("lrb")) if ss.lrscale else 0, "epochs": bool(ss.ep)}


def _logc_chosen() -> bool | None:
    """The person's log-colour choice, None while it is automatic. A choice belongs to the loss
    it was made for: a newly typed loss starts automatic again (a picked preset through _load)."""
    if ss.get("logc_for") != ss.get("good_expr"):
        ss.logc_set = None
    return ss.get("logc_set")


def _on_logc() -> None:
    ss.logc_set, ss.logc_for = bool(ss.logc), ss.good_expr


def _settings_from_widgets() -> cfg.Settings:
    missing = [o for o in ss.opts if f"lr_{o}" not in ss and f"lr_{o}" not in _kept()]
    for o, lr in _suited_lrs(missing).items():     # (every chosen one is loaded or added)
        _put(f"lr_{o}", lr)
    rates = {o: float(_get(f"lr_{o}")) for o in ss.opts}
    hyper = tuple((o, p.name, _get(f"hp_{o}_{p.name}")) for o in ss.opts
                  for p in OPTIMIZERS[base_name(o)].params if _get(f"hp_{o}_{p.name}") != p.default)
    sched_params = tuple((p.name, _get(f"sp_{ss.sched}_{p.name}"))
                         for p in SCHEDULES[ss.sched].params
                         if _get(f"sp_{ss.sched}_{p.name}") != p.default)
    preset = _preset() if ss.get("mode") != DATA else None
    return cfg.with_rates(cfg.Settings(
        expression=ss.good_expr, preset=preset, domain=ss.good_domain,
        starts=tuple(_starts()), optimizers=tuple(ss.opts), lr=float(ss.lr_base),
        hyper=hyper, schedule=ss.sched, schedule_params=sched_params,
        warmup=int(ss.warmup), steps=int(ss.steps), seed=int(ss.seed),
        resolution=int(_get("res")), log_color=_logc_chosen(), log_loss=bool(ss.logy),
        speed=int(ss.speed), **_data_fields()), rates)


# ------------------------------------------------------------------------------------ panels

def _lr_format(v: float) -> str:
    return f"{v:g}"


def _on_mode() -> None:
    keep = {"seed": int(ss.seed), "speed": int(ss.speed)}
    if ss.mode == DATA:
        _load(cfg.for_dataset(cfg.DEFAULT_DATASET, **keep))
    else:
        _load(cfg.for_preset(cfg.DEFAULT_PRESET, optimizers=cfg.DEFAULT_OPTIMIZERS, **keep))


def _on_dataset() -> None:
    if ss.dataset == cfg.UPLOAD:       # the data stays until a file is read
        return
    keep = {"optimizers": tuple(ss.opts), "seed": int(ss.seed), "speed": int(ss.speed),
            "rows": int(_get("rows")), "data_seed": int(_get("dseed"))}
    _load(cfg.for_dataset(ss.dataset, **keep))


def _on_upload() -> None:
    """Read an uploaded CSV file: its columns become the data in effect, or one message says
    what is wrong and nothing of it is kept."""
    file = ss.get("upload_file")
    if file is None:
        return
    try:
        columns = datasets.read_csv(file.getvalue())
    except InvalidDataset as exc:
        ss.upload_error = f"The file was not used: {exc}."
        return
    digest = hashlib.sha256(b"".join(
        name.encode() + b"\0" + column.tobytes() for name, column in columns.items())).hexdigest()
    source = f"{cfg.UPLOAD}:{digest[:20]}"
    for column in columns.values():
        column.flags.writeable = False
    ss.uploads = {source: columns}      # one upload per session is kept
    ss.source, ss.upload_error = source, None
    names = sorted(columns)
    ss.upload_note = (f"{len(next(iter(columns.values()))):,} rows, columns "
                      f"{', '.join(names)}")
    try:
        loss_for((ss.expr, source, 0, 0))
    except InvalidExpression:            # the loss on the page does not fit these columns
        ss.expr = ss.good_expr = suggested_loss(names)
        ss.upload_note += (f"; the loss was set to {ss.expr} (the loss before did not use "
                           "these columns)")


def suggested_loss(columns: list[str]) -> str:
    """A per-sample loss over an upload's columns: least squares of the last column (``y`` if
    there is one) on the first other one (``x`` if there is one), or the mean of one column."""
    target = "y" if "y" in columns else columns[-1]
    others = [c for c in columns if c != target]
    w, b = next(pair for pair in (("w", "b"), ("p", "q"), ("u", "v"), ("k", "m"))
                if not set(pair) & set(columns))
    if not others:
        return f"({w} - {target})^2"
    feature = "x" if "x" in others else others[0]
    return f"({w}*{feature} + {b} - {target})^2"


def _compiled(text: str):
    """The loss for ``text`` in the current mode (raises InvalidExpression)."""
    if ss.get("mode") == DATA:
        return loss_for((text, ss.source, int(_get("rows")), int(_get("dseed"))))
    return get_loss(text)


def data_panel() -> None:
    """The data mode's dataset picker: a generator with its rows and seed, or an upload."""
    drawn, locked = _control("data")
    if not drawn:
        return
    names = {k: g.label for k, g in GENERATORS.items()} | {cfg.UPLOAD: "Upload a CSV file"}
    st.selectbox("Dataset", list(names), format_func=names.get, key="dataset",
                 on_change=_on_dataset, disabled=locked)
    if ss.dataset == cfg.UPLOAD:
        st.file_uploader("CSV file: a first line of column names, then one number per column",
                         type=["csv"], key="upload_file", on_change=_on_upload,
                         disabled=locked,
                         help=f"At most {datasets.MAX_ROWS:,} rows and "
                              f"{datasets.MAX_BYTES // 1_000_000} MB. The columns named in the "
                              "loss are the data; the other names are the parameters.")
        if ss.get("upload_error"):     # quotes the file (a column name, a field): plain text
            st.error(_plain(ss.upload_error))
        if ss.source.startswith(cfg.UPLOAD) and not ss.get("upload_error"):
            st.caption(f"Uploaded: {_plain(ss.get('upload_note', ''))}")
        else:
            st.caption("Until a file is read, the page shows the dataset chosen before.")
    else:
        c1, c2 = st.columns(2)
        c1.number_input("Rows", *cfg.DATA_ROWS_RANGE, step=100, key=_draw("rows"),
                        disabled=locked)
        c2.number_input("Data seed", *cfg.SEED_RANGE, step=1, key=_draw("dseed"),
                        disabled=locked)
        ss.source = ss.dataset
        st.caption(GENERATORS[ss.dataset].description)


def loss_panel():
    """Preset picker and expression box; returns the loss to show (the last good one)."""
    names = {CUSTOM: "Custom (type below)"} | {k: p.name for k, p in PRESETS.items()}
    drawn, locked = _control("loss")
    if drawn:
        st.segmented_control("Loss of", list(MODES), format_func=MODES.get, key="mode",
                             on_change=_on_mode, disabled=locked, required=True)
    data = ss.get("mode") == DATA
    if data:
        data_panel()
    if drawn and not data:
        st.selectbox("Preset landscape", list(names), format_func=names.get, key=_draw("preset"),
                     on_change=_on_preset, disabled=locked)
    if drawn:
        columns = (", ".join(sorted(GENERATORS[ss.source].columns)) if data and ss.source in GENERATORS
                   else ", ".join(sorted(ss.uploads[ss.source])) if data and ss.source in ss.get("uploads", {})
                   else "")
        st.text_input(f"Per-sample loss ℓ (data columns: {columns})" if data
                      else "Loss f (use ^ or ** for powers)", key="expr", on_change=_on_expr,
                      disabled=locked,
                      help=("The loss of one row: the data columns are its data, the one or two "
                            "other names the parameters. The page minimises the mean over the "
                            "rows. Examples: (w*x + b - y)^2, log(1 + exp(-y*(w*x + b))), "
                            "(sin(w*x) - y)^2." if data else
                            "Examples: x^2 + 10y^2, (1-x)^2 + 100(y-x^2)^2, w^4 - 3w^3 + 2. ")
                      + " Functions: " + ", ".join(sorted(FUNCTIONS)))
    error = None
    try:
        loss = _compiled(ss.expr)
        ss.good_expr = ss.expr
    except InvalidExpression as exc:
        error = exc
        try:
            loss = _compiled(ss.good_expr)
        except InvalidExpression:   # evicted and refused now (e.g. a busy server): the default
            if data and ss.source in ss.get("uploads", {}):    # an upload stays the data
                ss.good_expr = suggested_loss(sorted(ss.uploads[ss.source]))
            else:
                d = cfg.for_dataset(cfg.DEFAULT_DATASET) if data else cfg.default_settings()
                if data:
                    ss.source = d.data
                    _put("rows", d.rows)
                    _put("dseed", d.data_seed)
                ss.good_expr = d.expression
            loss = _compiled(ss.good_expr)
    ss.n_rows = getattr(loss, "n_rows", None)
    if loss.n != ss.dim:   # a new number of variables: a fresh domain and start
        fitted = cfg.fit_dimension(_settings_from_widgets(), loss.n)
        _set_domain(fitted.domain)
        _set_starts(fitted.starts)
    return loss, error


def domain_panel(variables) -> None:
    drawn, locked = _control("domain")
    if not drawn:
        return
    st.caption("Domain")
    bad = []
    for j, name in enumerate(variables):
        c1, c2 = st.columns(2)
        c1.number_input(f"{name} from", key=f"d{j}lo", step=0.5, format="%g",
                        min_value=-cfg.DOMAIN_LIMIT, max_value=cfg.DOMAIN_LIMIT,
                        disabled=locked)
        c2.number_input(f"{name} to", key=f"d{j}hi", step=0.5, format="%g",
                        min_value=-cfg.DOMAIN_LIMIT, max_value=cfg.DOMAIN_LIMIT,
                        disabled=locked)
        problem = cfg.domain_problem([(ss[f"d{j}lo"], ss[f"d{j}hi"])])
        if problem:
            bad.append((name, problem))
    if bad:
        st.error(f"The range of {', '.join(n for n, _ in bad)}: {bad[0][1]}; showing the last "
                 "good domain.")
    else:
        ss.good_domain = tuple((float(ss[f"d{j}lo"]), float(ss[f"d{j}hi"]))
                               for j in range(len(variables)))


def starts_panel(variables) -> None:
    drawn, locked = _control("starts")
    if not drawn:
        return
    st.caption("Starting points" if locked else
               "Starting points (or click the contour map / curve to add one)")
    for i in range(ss.n_starts):
        cols = st.columns([5] * len(variables) + [1], vertical_alignment="bottom")
        for j, name in enumerate(variables):
            lo, hi = ss.good_domain[j]
            key = f"st_{i}_{j}"
            ss[key] = float(min(max(ss[key], lo), hi))
            cols[j].slider(f"start {i + 1}: {name}", float(lo), float(hi), key=key,
                           step=float(hi - lo) / 400, format="%.3f", disabled=locked)
        cols[-1].button("✕", key=f"rm_{i}", on_click=_remove_start, args=(i,), type="tertiary",
                        disabled=locked or ss.n_starts <= 1, help=f"remove start {i + 1}")
    st.button("Add a start", on_click=_add_start,
              disabled=locked or ss.n_starts >= cfg.MAX_STARTS)


def _param_widget(p, key: str, disabled: bool = False) -> None:
    """A parameter's control: its plain-words label; the help says what it does, and its name (the
    framework's keyword, the link's key) and default."""
    label = p.label or p.name
    default = ("on" if p.default else "off") if p.kind == "bool" else f"{p.default:g}"
    help_ = f"{p.help[:1].upper()}{p.help[1:].rstrip('.')}. Name: `{p.name}`, default {default}."
    _draw(key)
    if p.kind == "bool":
        st.checkbox(label, key=key, help=help_, disabled=disabled)
    elif p.kind == "int":
        st.number_input(label, min_value=int(p.low), max_value=int(p.high), step=1, key=key,
                        help=help_, disabled=disabled)
    else:
        st.number_input(label, min_value=float(p.low), max_value=float(p.high), key=key,
                        help=help_, format="%.2e" if p.log else "%.4g", disabled=disabled,
                        step=float(p.default) / 10 if p.log and p.default else 0.01)


MAX_RUNS = 10     # runs of optimizers at most (the colours stay distinct)


def _add_run() -> None:
    """Another run of the optimizer picked in "Compare": the next free name (gd#2, gd#3, ...),
    starting from the settings of the optimizer's first run on the page."""
    base = ss.add_run
    k = 2
    while f"{base}#{k}" in ss.opts:
        k += 1
    name = base if base not in ss.opts else f"{base}#{k}"
    source = base if base in ss.opts else None
    _put(f"lr_{name}", float(_get(f"lr_{source}")) if source else _suited_lrs([base])[base])
    _put(f"b_{name}", int(_get(f"b_{source}") or 0) if source else 0)
    for p in OPTIMIZERS[base].params:
        _put(f"hp_{name}_{p.name}", _get(f"hp_{source}_{p.name}") if source else p.default)
    ss.opts = ss.opts_before = list(ss.opts) + [name]


def _run_title(name: str) -> str:
    """An optimizer's label, and "#k" for its k-th run ("gd#2": "Gradient descent #2")."""
    base = base_name(name)
    return OPTIMIZERS[base].label + name[len(base):].replace("#", " #")


def optimizer_panel() -> None:
    drawn, locked = _control("opts")
    if drawn:
        runs = list(OPTIMIZERS) + [o for o in ss.opts if o not in OPTIMIZERS]   # + gd#2 ...
        st.multiselect("Optimizers", runs, key="opts", disabled=locked, on_change=_on_opts,
                       format_func=_run_title, max_selections=MAX_RUNS)
        st.selectbox("Compare: another run of", list(OPTIMIZERS), key="add_run",
                     format_func=lambda o: OPTIMIZERS[o].label, disabled=locked,
                     help="The same optimizer again with other settings (its learning rate, "
                          "parameters or batch size): e.g. GD at three learning rates, or SGD "
                          "at batch sizes 1, 16 and full.")
        st.button("Add run", on_click=_add_run, disabled=locked or len(ss.opts) >= MAX_RUNS)
    drawn, locked = _control("lr")
    if drawn and ss.opts:   # hidden: their values are kept in ss.keep (_get)
        st.caption("Learning rate γ of each optimizer (log scale)")
        for o in ss.opts:
            label = _run_title(o)
            key = _draw(f"lr_{o}")
            st.select_slider(label, cfg.lr_choices(ss[key]), key=key, format_func=_lr_format,
                             disabled=locked,
                             help=f"{label}'s learning rate γ. It starts at a rate suited to "
                                  f"{label} on this landscape; Reset to defaults puts it back.")
    drawn, locked = _control("hyper")                 # the runs' parameters
    batch_drawn, batch_locked = _control("batch")     # and, with data, their own batch sizes
    batch_drawn = batch_drawn and ss.get("mode") == DATA
    for o in ss.opts:
        spec = OPTIMIZERS[base_name(o)]
        params = spec.params if drawn else ()
        if ss.get("mode") == DATA:      # with data the noise is the batches' (the engine's rule)
            params = tuple(p for p in params if not (spec.name == "sgd" and p.name == "noise"))
        if not (params or batch_drawn):   # not drawn: values kept in ss.keep (_get)
            continue
        with st.expander(f"{_run_title(o)} settings"):
            for p in params:
                _param_widget(p, f"hp_{o}_{p.name}", disabled=locked)
            if batch_drawn:
                n = int(ss.n_rows)
                st.number_input(f"Batch size of this run (0: the shared one; {n:,} or more: "
                                "full batch)", 0, cfg.DATA_ROWS_RANGE[1], step=1,
                                key=_draw(f"b_{o}"), disabled=batch_locked)


def reset_button() -> None:
    """Reset to defaults (the groups a teacher link neither hides nor locks)."""
    groups = _resettable()
    st.button("Reset to defaults", key="reset", on_click=_on_reset, disabled=not groups,
              help="Puts every optimizer's learning rate and settings, the schedule and the steps "
                   "back to this landscape's defaults.")


def schedule_panel() -> None:
    drawn, locked = _control("schedule")
    if not drawn:
        return
    st.selectbox("Learning-rate schedule", list(SCHEDULES), key="sched", disabled=locked,
                 format_func=lambda k: SCHEDULES[k].label)
    for p in SCHEDULES[ss.sched].params:
        _param_widget(p, f"sp_{ss.sched}_{p.name}", disabled=locked)
    st.number_input("Linear warm-up steps (0 = none)", min_value=0, max_value=10000, step=10,
                    key="warmup", disabled=locked)


def batch_panel() -> None:
    """Data mode: rows per step, and the linear scaling of the learning rate with them."""
    drawn, locked = _control("batch")
    if not drawn or ss.get("mode") != DATA:
        return
    n = int(ss.n_rows)
    # 0 (or the rows or more) is the full batch, also after the number of rows changes
    st.number_input(f"Batch size: rows per step (0 = full batch, all {n:,} rows)", 0,
                    cfg.DATA_ROWS_RANGE[1], step=1, key="batch", disabled=locked,
                    help="Each epoch the rows are shuffled (seeded) and cut into batches; every "
                         "optimizer steps on the mean gradient of one batch. 1 is plain SGD.")
    st.checkbox("Scale the learning rate with the batch size (linear rule)", key="lrscale",
                disabled=locked,
                help="γ used = γ × batch / base batch (Goyal et al. 2017, 'Accurate, large "
                     "minibatch SGD'): a batch k times larger takes a k times larger step.")
    if ss.lrscale:
        _draw("lrb")
        ss.lrb = min(max(int(ss.lrb), 1), n)
        st.number_input("Base batch b₀ (the batch size γ is meant for)", 1, n, step=1,
                        key="lrb", disabled=locked)
        b, b0 = min(int(ss.batch) or n, n), int(ss.lrb)
        st.caption(f"γ used = γ × {b} / {b0}: each rate × {b / b0:.4g}, at most "
                   f"{cfg.MAX_LR:g} (a run with its own batch size: × its batch / b₀)")


def run_panel() -> None:
    drawn, locked = _control("steps")
    if drawn:
        # a number input: any step count, e.g. 37 or 1500, is typed exactly
        st.number_input("Steps", *cfg.STEPS_RANGE, step=1, key="steps", disabled=locked)
    drawn, locked = _control("seed")
    if drawn:
        st.number_input("Seed (SGD's noise; the order of the mini-batches)" if ss.get("mode") == DATA
                        else "Seed (for SGD's noise)", *cfg.SEED_RANGE, step=1, key="seed",
                        disabled=locked)


def view_panel(n: int) -> None:
    drawn, locked = _control("view")
    if not drawn:
        return
    if n == 2:
        st.slider("Grid resolution", *cfg.RESOLUTION_RANGE, step=10, key=_draw("res"),
                  disabled=locked)
        ss.logc = log_color_in_effect(_settings_from_widgets())   # the scale shown
        st.checkbox("Log colour scale", key="logc", on_change=_on_logc, disabled=locked,
                    help="colour by log10(f - min + ε): shows narrow valleys such as "
                         "Rosenbrock's. Chosen for each loss until you set it: log when the "
                         "walls rise far above the typical value.")
    st.checkbox("Log scale for the loss per step", key="logy", disabled=locked)
    if ss.get("mode") == DATA:
        st.checkbox("Loss plot in epochs (passes over the data) instead of steps", key="ep",
                    disabled=locked)


def _on_lesson() -> None:
    lesson = LESSONS.get(ss.lesson)
    if lesson is None:
        return
    s, _ = cfg.from_query(lesson.query)     # ours: checked in tests to have no problems
    s, _ = cfg.fit_widgets(s)
    _load(s)
    ss.link_problems = []                   # the lesson replaced the link's view


def lessons_menu() -> None:
    drawn, locked = _control("lessons")
    if not drawn:
        return
    names = {NO_LESSON: NO_LESSON} | {k: lesson.title for k, lesson in LESSONS.items()}
    st.selectbox("Lesson", list(names), key="lesson", format_func=names.get,
                 on_change=_on_lesson, disabled=locked,
                 help="Sets up a view and says what to look at and what to try.")


def show_lesson(beside: bool) -> None:
    """The picked lesson's box (our own texts: Markdown) and the markers' legend: ``beside`` the
    figures, in the sidebar under the lessons menu, so that the figures stay on the first
    screen; else (presentation mode, its sidebar collapsed) above them, in two columns."""
    lesson = LESSONS.get(ss.get("lesson", NO_LESSON))
    if lesson is None:
        return
    with st.container(border=True):
        if beside:
            look = try_ = buttons = st.container()
        else:
            left, right = st.columns([3, 2])
            look, try_, buttons = left, right, right
        look.markdown(f"**Lesson: {lesson.title}**")
        look.markdown(f"**Look at:** {lesson.look}")
        try_.markdown(f"**Try:** {lesson.try_}")
        c1, c2 = (buttons, buttons) if beside else buttons.columns(2)   # the sidebar is narrow
        c1.button("Set the view again", on_click=_on_lesson,
                  help="Puts back the view this lesson set up.")
        with c2.popover("Markers"):
            st.markdown(MARKERS)


def show_teacher() -> None:
    """A teacher link's title and instruction: untrusted text, so st.text, never Markdown."""
    t = _teacher()
    if t.title or t.note:
        with st.container(border=True):
            if t.title:
                st.text(t.title)
            if t.note:
                st.text(t.note)


# -------------------------------------------------------------------------------------- output

def formula_latex(loss, model=None) -> str:
    """The loss and its gradient on one line (a dataset loss: its mean form, and the model it
    fits when the page draws one); on a narrow screen each part after the first goes to a line
    of its own (player.css lets a formula wrap instead of scrolling sideways; a braced part is
    not split)."""
    if hasattr(loss, "n_rows"):
        line = rf"{loss.latex} \qquad\allowbreak {{{loss.gradient_latex}}}"
        if isinstance(model, viz.model.DataModel):
            line += rf" \qquad\allowbreak {{\text{{model: }} {model.latex}}}"
        return line
    return (rf"f({', '.join(loss.variables)}) = {loss.latex} \qquad\allowbreak "
            rf"{{{loss.gradient_latex}}}")


def show_details(s: cfg.Settings) -> None:
    """Under the figures: the preset's story and source, the update rules and the schedule."""
    if s.preset:
        p = PRESETS[s.preset]
        st.caption(f"**{p.name}.** {p.teaches} Source: {p.source}")
    with st.expander("Update rules of the chosen optimizers and the learning-rate schedule"):
        for o in dict.fromkeys(base_name(o) for o in s.optimizers):
            spec = OPTIMIZERS[o]
            st.markdown(f"**{spec.label}**: {spec.description} ({spec.reference})")
            st.latex(spec.equations)
        sched = schedules.make(s.schedule, lr=s.lr, warmup=s.warmup, **dict(s.schedule_params))
        st.markdown(f"**Schedule**: {SCHEDULES[s.schedule].help}")
        st.latex(sched.latex)


def show_error(exc: InvalidExpression) -> None:
    # the message quotes the typed text (a snippet, a suggestion such as 3*x*y): never Markdown
    st.error("**Cannot use this loss.** "
             + _plain(f"{exc}. The page still shows the last good loss."))
    if exc.position is not None and exc.text:
        st.code(f"{exc.text}\n{' ' * exc.position}^", language=None)


def _fmt_point(p) -> str:
    return numbers.point(p)


@st.cache_data(max_entries=64, show_spinner=False)
def get_quadratic(key: tuple):
    """The loss's ``advice.Quadratic`` (its Hessian's eigenvalues), None if it is not quadratic."""
    return advice.quadratic_of(loss_for(key))


def _largest_lr(s: cfg.Settings, run, o: int, steps: int) -> tuple[float, bool]:
    """The largest learning rate optimizer ``o`` (its index) used in its first ``steps`` steps,
    as the engine recorded it (``run.lr``), and whether its rate was constant."""
    return float(run.lr[o, :max(steps, 1)].max()), s.schedule == "constant" and not s.warmup


def _plain(text: str) -> str:
    """``text`` for st.warning as written: every ASCII punctuation character escaped (Markdown
    renders none of it), each line its own paragraph."""
    escaped = "".join("\\" + c if c.isascii() and not c.isalnum() and not c.isspace() else c
                      for c in text)
    return escaped.replace("\n", "\n\n")


def results_table(result: dict, s: cfg.Settings) -> None:
    """One row per run in the run's colour, the status first; numbers to 4 significant digits; one
    message for every diverged run, one for every start without a gradient, and one saying why each
    other run did not reach a minimum."""
    colors = dict(zip(s.optimizers, viz.optimizer_colors(list(s.optimizers))))
    rows, row_colors, diverged, stuck, unreached = [], [], [], [], []
    run = get_run(s)
    n_rows = rows_of(s)
    names = cfg.run_labels(s, n_rows=n_rows)
    for r in result["rows"]:
        label = names[r.optimizer]
        if r.diverged_at == 0:
            status = "no gradient at the start"
            stuck.append(f"{label} from start {r.start_index + 1} {_fmt_point(r.start)}")
        elif r.diverged_at is not None:
            status = f"diverged at step {r.diverged_at}"
            o = s.optimizers.index(r.optimizer)
            lr, constant = _largest_lr(s, run, o, r.diverged_at)
            diverged.append(advice.Diverged(
                r.optimizer, label, r.start_index + 1, r.diverged_at, lr, constant,
                advice.falling(run.values[o, r.start_index], r.final_step)))
        elif r.steps_to_minimum is not None:
            status = f"reached a minimum at step {r.steps_to_minimum}"
        else:
            status = "still moving" if r.final_gradient_norm > 1e-3 else "stopped (flat)"
            o = s.optimizers.index(r.optimizer)
            # noisy gradients: sgd's noise, or mini-batches
            noisy = (s.batch_size(n_rows, r.optimizer) < n_rows if n_rows else
                     base_name(r.optimizer) == "sgd"
                     and s.options().get(r.optimizer, {}).get("noise", 1.0) > 0)
            unreached.append(advice.Unreached(label, r.start_index + 1, advice.why_not_reached(
                r.final_point, run.values[o, r.start_index], r.final_step, s.steps,
                r.final_gradient_norm, result["minima"], result["critical"], s.domain, noisy)))
        reached = numbers.MISSING
        if r.nearest_minimum is not None and r.steps_to_minimum is not None:
            reached = _fmt_point(result["minima"][r.nearest_minimum])
        steps = numbers.MISSING if r.steps_to_minimum is None else str(r.steps_to_minimum)
        rows.append({
            "status": status, "●": "●", "optimizer": label,
            "start": f"{r.start_index + 1} {_fmt_point(r.start)}",
            "lr": numbers.number(s.rate(r.optimizer, n_rows)),
            **({"batch": str(s.batch_size(n_rows, r.optimizer)),
                "epochs": numbers.number(max(r.final_step, 0) / math.ceil(
                    n_rows / s.batch_size(n_rows, r.optimizer)))} if n_rows else {}),
            "final loss": numbers.number(r.final_value), "best loss": numbers.number(r.best_value),
            "final point": _fmt_point(r.final_point), "minimum reached": reached,
            "steps to it": steps, "|∇f| at the end": numbers.number(r.final_gradient_norm),
            "path length": numbers.number(r.path_length)})
        row_colors.append(colors[r.optimizer])
    table = pandas.DataFrame(rows).style.apply(
        lambda column: [f"color: {c}" for c in row_colors], subset=["●"])
    pin = st.column_config.TextColumn
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "status": pin(pinned=True, width=220), "●": pin(" ", pinned=True, width=28),
        "optimizer": pin(pinned=True)})
    message = advice.divergence_message(diverged, get_quadratic(loss_key(s)), s.options())
    if message:
        st.warning(_plain(message))
    message = advice.unreached_message(unreached, None if result["minima"] else advice.no_minimum(
        bool(s.preset), get_quadratic(loss_key(s))))
    if message:
        st.info(_plain(message))
    if stuck:
        st.warning(_plain(
            f"No gradient at the start for {', '.join(stuck)}: the loss or its gradient is "
            "undefined there (a kink such as the tip of a cone, or a point outside the function's "
            "domain), so the run cannot start at it. Move the start a little."))


def share_link(s: cfg.Settings) -> None:
    query = cfg.to_query(replace(s, teacher=_teacher()))
    if dict(st.query_params) != query:
        st.query_params.from_dict(query)
    base = st.context.url or ""
    st.caption("Share this exact view: copy the link (button at the right of the box).")
    if s.data.startswith(cfg.UPLOAD):   # an upload never leaves its session
        st.warning("This view uses your uploaded file, which is not in the link: the link "
                   "opens its settings on the built-in linear dataset instead.")
    st.code(f"{base}?{urlencode(query)}", language=None, wrap_lines=True)
    teacher_link(s, base)


def teacher_link(s: cfg.Settings, base: str) -> None:
    """A link to this view with a title, an instruction, hidden or locked controls and
    presentation mode, made from the inputs below (starting from this session's)."""
    t = _teacher()
    with st.expander("Teacher link: a title, an instruction, hidden or locked controls"):
        title = st.text_input("Title (plain text)", value=t.title, max_chars=cfg.MAX_TITLE,
                              key="tl_title")
        note = st.text_area("Instruction (plain text)", value=t.note, max_chars=cfg.MAX_NOTE,
                            key="tl_note")
        names = list(cfg.CONTROLS)
        hide = st.multiselect("Hide these controls", names, default=list(t.hide),
                              format_func=cfg.CONTROLS.get, key="tl_hide")
        lock = st.multiselect("Lock these controls (shown, not changeable)", names,
                              default=list(t.lock), format_func=cfg.CONTROLS.get, key="tl_lock")
        present = st.checkbox("Presentation mode (larger text, sidebar collapsed)",
                              value=t.present, key="tl_present")
        made = cfg.Teacher(title=title.strip(), note=note.strip(), hide=tuple(hide),
                           lock=tuple(lock), present=present)
        if made == t:   # nothing changed: it is the share link above
            st.caption("Fill in a title or an instruction, or pick controls: the link "
                       "appears here.")
            return
        query = cfg.to_query(replace(s, teacher=made))
        st.code(f"{base}?{urlencode(query)}", language=None, wrap_lines=True)


def main() -> None:
    if "teacher" not in ss:   # before the first widget: presentation mode collapses the sidebar
        ss.teacher = cfg.from_query(st.query_params.to_dict())[0].teacher
    present = ss.teacher.present
    st.set_page_config(page_title="Descent: loss landscapes and optimizers", page_icon="⛰️",
                       layout="wide", initial_sidebar_state="collapsed" if present else "auto")
    if present:
        st.markdown(PRESENT_CSS, unsafe_allow_html=True)   # a constant, never link text
    ss.drawn_now = set()
    try:
        page()
    finally:
        _end_run()


def page() -> None:
    if "good_expr" not in ss:
        query = st.query_params.to_dict()
        s, problems = cfg.from_query(query)
        try:
            loss = loss_for(loss_key(s))
        except InvalidExpression as exc:
            problems.append(f"Ignored the link's loss (showing the default one): {exc}")
            d = cfg.for_dataset(s.data) if s.data else cfg.default_settings()
            s = replace(s, expression=d.expression, preset=d.preset, domain=d.domain,
                        starts=d.starts, log_color=d.log_color)
        else:
            if loss.n != s.n and ("d" in query or "s" in query):
                problems.append(f"Ignored the link's domain and starts: they have {s.n} "
                                f"coordinate(s) but the loss has {loss.n} variable(s)")
            s = cfg.fit_dimension(s, loss.n)
        s, changed = cfg.fit_widgets(s)   # too narrow a domain, starts outside it: reported
        problems += changed
        _load(s)
        ss.link_problems = problems
    st.markdown("#### Descent · loss landscapes and the optimizers that walk down them")
    if ss.get("link_problems"):
        # the messages quote the untrusted link: plain text, never Markdown (st.warning would
        # render [text](url) as a link and ![t](url) as an image the browser fetches)
        st.warning("Some of this link's settings could not be used:", icon="⚠️")
        for message in cfg.shown_problems(ss.link_problems):
            st.text(message)
    show_teacher()
    present = _teacher().present or not _teacher().shows("lessons")
    if present:
        show_lesson(beside=False)

    with st.sidebar:
        lessons_menu()
        if not present:
            show_lesson(beside=True)
        st.header("Loss")
        loss, error = loss_panel()
        domain_panel(loss.variables)
        starts_panel(loss.variables)
        st.header("Optimizers")
        optimizer_panel()
        batch_panel()
        schedule_panel()
        run_panel()
        reset_button()
        st.header("View")
        view_panel(loss.n)

    if error is not None:
        show_error(error)
    s = _settings_from_widgets()
    st.latex(formula_latex(loss, get_model(loss_key(s)) if s.data else None))
    if getattr(loss, "compression", None) is not None:   # many rows: say how L was evaluated
        st.caption(f"The landscape and the loss per step: {loss.evaluation}. The optimizers "
                   "step on exact mini-batch gradients over the real rows.")
    if not s.optimizers:
        st.info("Pick at least one optimizer in the sidebar.")
        show_details(s)
        share_link(s)
        return
    runs = [(o, i) for o in range(len(s.optimizers)) for i in range(len(s.starts))]
    names = cfg.run_labels(s, n_rows=ss.get("n_rows"))
    labels = {r: f"{names[s.optimizers[r[0]]]} · start {r[1] + 1}" for r in runs}
    if ss.get("inspect") not in labels:
        ss.inspect = runs[0]
    try:
        result = compute(s)
        message = get_message(s, ss.inspect)
    except InvalidExpression as exc:   # the loss evicted from the caches and refused now
        show_error(exc)
        share_link(s)
        return
    player(message, key="player", on_click=_on_player_click, on_drag=_on_player_drag)
    st.selectbox("Step inspector: which run", runs, key="inspect", format_func=labels.get,
                 help="The inspector under the loss plot shows this run's update at the "
                      "player's step, with the numbers substituted.")
    show_details(s)
    st.subheader("Results")
    results_table(result, s)
    share_link(s)


main()
