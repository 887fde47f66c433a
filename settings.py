"""The page's whole configuration as one value, and its round trip through the URL query string.

``Settings`` is what the widgets produce and what the computation consumes; ``to_query`` /
``from_query`` turn it into short query parameters and back, so a link reproduces a view.
A query string is untrusted: ``from_query`` checks every value against the same ranges the
widgets offer, drops what is wrong and says so (one message per dropped parameter); the
expression itself is checked later by ``landscapes.compile_loss``. Nothing here imports streamlit.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Mapping

from landscapes import PRESETS
from landscapes.datasets import GENERATORS
from landscapes.parse import MAX_LENGTH
from optimizers import OPTIMIZERS, SCHEDULES, base_name
from optimizers.rates import TYPED_LR, suited_lr

__all__ = ["Settings", "Teacher", "CONTROLS", "MAX_TITLE", "MAX_NOTE",
           "LR_GRID", "snap_lr", "lr_choices", "to_query", "from_query", "for_preset",
           "chosen_log_color", "suited_lrs", "plain_lr", "with_rates", "reset",
           "fit_dimension", "fit_widgets", "domain_problem", "shown_problems", "DEFAULT_PRESET", "MAX_STARTS",
           "STEPS_RANGE", "RESOLUTION_RANGE", "DOMAIN_LIMIT", "for_dataset", "UPLOAD", "DATA_ROWS_RANGE",
           "run_labels"]

DEFAULT_PRESET = "himmelblau"
DEFAULT_DATASET = "linear"
DEFAULT_OPTIMIZERS = ("gd", "momentum", "adam")
MAX_STARTS = 8
STEPS_RANGE = (1, 5000)
RESOLUTION_RANGE = (20, 300)
SPEED_RANGE = (10, 1000)           # animation frame duration, ms
DOMAIN_LIMIT = 1e6
MIN_DOMAIN_WIDTH = 1e-6            # absolute; also at least 1e-9 of the bounds' size (sliders)
MAX_SHOWN_PROBLEMS = 5             # messages about one link shown at most (then "and k more")
MAX_PROBLEM_CHARS = 160            # each cut to this length
SEED_RANGE = (0, 2**31 - 1)
PLAIN_KEYS = frozenset({"f", "p", "d", "s", "o", "lr", "n", "sch", "wu", "seed", "res", "spd",
                        "logc", "logy", "title", "note", "hide", "lock", "present",
                        "data", "rows", "dseed", "b", "lrb", "ep"})
UPLOAD = "upload"                  # Settings.data for an uploaded CSV file (never in a link)
DATA_ROWS_RANGE = (2, 100_000)     # rows of a generated dataset
DATA_OPTIMIZERS = ("gd", "momentum")
# A dataset's default learning rate: stable for full-batch GD on 200 rows and reaching the
# minimum within 200 steps (least squares: Hessian eigenvalues 2.0 and 6.7, bound 2/6.7 = 0.3;
# logistic: curvature at most 0.26, so a large rate; sine fit: curvature up to about 8 near
# its minima).
DATA_LR = {"linear": 0.05, "classes": 1.0, "sine": 0.05}
MAX_TITLE = 80                     # a teacher link's title, characters
MAX_NOTE = 400                     # a teacher link's instruction, characters
# Controls a teacher link can hide or lock (hide=..., lock=...): the page's groups of widgets.
CONTROLS: dict[str, str] = {
    "lessons": "the lessons menu",
    "loss": "preset and loss formula",
    "domain": "domain",
    "starts": "starting points (also clicks and drags on the map)",
    "opts": "choice of optimizers",
    "lr": "learning rates (one slider per optimizer)",
    "hyper": "each optimizer's parameters (its settings expander)",
    "schedule": "learning-rate schedule and warm-up",
    "steps": "number of steps",
    "seed": "seed",
    "data": "dataset, its size and seed, the upload",
    "batch": "batch size and the learning-rate scaling with it",
    "view": "view options (resolution, log scales)",
}

# Learning rates on a log scale from 1e-5 to 10, with "nice" values (0.035, 5e-5, ...) in between.
_MANTISSAS = (1, 1.2, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5, 6, 7, 8, 9)
LR_GRID = tuple(float(f"{m}e{k}") for k in range(-5, 1) for m in _MANTISSAS) + (10.0,)
MAX_LR = LR_GRID[-1]               # also after the batch-size scaling rule


def snap_lr(value: float) -> float:
    """The grid learning rate nearest to ``value`` on a log scale."""
    value = min(max(float(value), LR_GRID[0]), LR_GRID[-1])
    return min(LR_GRID, key=lambda g: abs(math.log(g) - math.log(value)))


def lr_choices(*values: float) -> tuple[float, ...]:
    """The learning-rate slider's options: the grid plus ``values`` (a link's exact rates,
    e.g. 0.039, are kept as they are instead of being moved to the grid's 0.04)."""
    return tuple(sorted(set(LR_GRID).union(float(v) for v in values)))


def domain_problem(domain) -> str | None:
    """Why the page cannot show ``domain`` ((lo, hi) per variable), or None if it can.

    Each range needs lo < hi, and a width the sliders can step through: at least
    MIN_DOMAIN_WIDTH and 1e-9 of the bounds' magnitude (``d=0,1e-322;0,1`` would make the start
    sliders' step, a 400th of the width, zero).
    """
    for lo, hi in domain:
        if not lo < hi:
            return "each range needs 'from' < 'to'"
        if hi - lo < max(MIN_DOMAIN_WIDTH, 1e-9 * max(abs(lo), abs(hi))):
            return (f"a range narrower than {MIN_DOMAIN_WIDTH:g} (or a billionth of its bounds) "
                    "is too narrow for the sliders")
    return None


def shown_problems(problems: list[str]) -> list[str]:
    """At most MAX_SHOWN_PROBLEMS messages, each at most MAX_PROBLEM_CHARS long, the last one
    saying how many more there were. Shown as plain text (they quote the untrusted link)."""
    def cut(text: str) -> str:
        return text if len(text) <= MAX_PROBLEM_CHARS else text[:MAX_PROBLEM_CHARS - 3] + "..."
    if len(problems) <= MAX_SHOWN_PROBLEMS:
        return [cut(p) for p in problems]
    kept = [cut(p) for p in problems[:MAX_SHOWN_PROBLEMS - 1]]
    return kept + [f"... and {len(problems) - len(kept)} more problems with this link "
                   "(ignored as well)"]


@dataclass(frozen=True)
class Teacher:
    """What a teacher's link adds to a view: a title and an instruction (plain text, shown as
    such, never as Markdown or HTML), controls hidden or drawn locked, and presentation mode."""
    title: str = ""
    note: str = ""
    hide: tuple[str, ...] = ()      # names from CONTROLS
    lock: tuple[str, ...] = ()
    present: bool = False

    def shows(self, control: str) -> bool:
        return control not in self.hide

    def locks(self, control: str) -> bool:
        return control in self.lock


@dataclass(frozen=True)
class Settings:
    """Everything that decides what the page shows.

    Learning rates: ``lr_for(name)`` is optimizer ``name``'s, the one in ``lr_overrides`` if it is
    there, else ``lr``. ``with_rates`` writes a set of rates the short way (``lr`` the rate most
    chosen optimizers share), as the link does: ``lr=`` sets every chosen optimizer not given by
    ``lr.<name>``.
    """
    expression: str
    preset: str | None
    domain: tuple[tuple[float, float], ...]
    starts: tuple[tuple[float, ...], ...]
    optimizers: tuple[str, ...] = DEFAULT_OPTIMIZERS
    lr: float = 0.01
    lr_overrides: tuple[tuple[str, float], ...] = ()      # (optimizer, lr)
    hyper: tuple[tuple[str, str, object], ...] = ()       # (optimizer, param, value), non-defaults
    schedule: str = "constant"
    schedule_params: tuple[tuple[str, object], ...] = ()  # non-defaults
    warmup: int = 0
    steps: int = 200
    seed: int = 0
    resolution: int = 80
    log_color: bool | None = None   # None: automatic (chosen_log_color); else the person's choice
    log_loss: bool = False
    speed: int = 80
    teacher: Teacher = Teacher()
    # Training data: "" for a loss of the parameters alone; a generator's key
    # (landscapes.datasets.GENERATORS) or UPLOAD for a per-sample loss over rows of data.
    data: str = ""
    rows: int = 200                # a generator's number of rows
    data_seed: int = 0             # a generator's seed
    batch: int = 0                 # rows per step; 0: all of them (full batch)
    base_batch: int = 0            # > 0: the learning rate scales as lr * batch / base_batch
    epochs: bool = False           # the loss plot's axis counts epochs instead of steps
    batches: tuple[tuple[str, int], ...] = ()   # (run, batch) overriding ``batch`` for that run

    @property
    def n(self) -> int:
        return len(self.domain)

    def lr_for(self, name: str) -> float:
        return dict(self.lr_overrides).get(name, self.lr)

    def batch_size(self, n_rows: int, name: str | None = None) -> int:
        """Rows per step of run ``name`` (default: the shared batch) on ``n_rows`` rows:
        capped at the rows, 0 meaning all of them."""
        batch = dict(self.batches).get(name, self.batch)
        return min(batch, n_rows) if batch else n_rows

    def lr_factor(self, n_rows: int | None, name: str | None = None) -> float:
        """The linear scaling rule's factor batch / base_batch for run ``name`` (1 when off)."""
        if not n_rows or not self.base_batch:
            return 1.0
        return self.batch_size(n_rows, name) / self.base_batch

    def rate(self, name: str, n_rows: int | None = None) -> float:
        """The learning rate run ``name`` steps with: its own, times the scaling rule's factor on
        a dataset of ``n_rows`` rows, at most MAX_LR (the schedules' limit)."""
        return min(self.lr_for(name) * self.lr_factor(n_rows, name), MAX_LR)

    def options(self) -> dict[str, dict]:
        """Hyper-parameters per optimizer, as ``simulate(options=...)`` takes them."""
        out: dict[str, dict] = {}
        for opt, param, value in self.hyper:
            out.setdefault(opt, {})[param] = value
        return out


def suited_lrs(optimizers, preset: str | None, domain, plain: float = TYPED_LR
               ) -> dict[str, float]:
    """Each run's starting learning rate (``optimizers.rates.suited_lr`` of its optimizer, on
    the slider's grid): for preset ``preset`` from its ``lr`` and measured ``rates``, else (a
    typed loss, a dataset) from ``domain`` and ``plain``, gradient descent's rate there."""
    if preset is not None:
        p = PRESETS[preset]
        return {o: snap_lr(suited_lr(base_name(o), p.domain, p.lr, p.rates)) for o in optimizers}
    return {o: snap_lr(suited_lr(base_name(o), domain, plain)) for o in optimizers}


def plain_lr(s: Settings) -> float:
    """Gradient descent's rate for the loss of ``s`` when it is not a preset: its dataset's own
    (``DATA_LR``) or a typed loss's ``TYPED_LR``."""
    return DATA_LR.get(s.data, TYPED_LR)


def with_rates(s: Settings, rates: Mapping[str, float]) -> Settings:
    """``s`` whose chosen optimizers have these learning rates, written the short way: ``lr`` is
    the rate most of them share (on a tie the first optimizer's), ``lr_overrides`` the others in
    the optimizers' order. Without optimizers ``lr`` stays."""
    values = [float(rates[o]) for o in s.optimizers]
    if not values:
        return replace(s, lr_overrides=())
    lr = max(values, key=values.count)      # the first of the most common
    return replace(s, lr=lr, lr_overrides=tuple(
        (o, float(rates[o])) for o in s.optimizers if float(rates[o]) != lr))


def for_preset(key: str, **changes) -> Settings:
    """Settings showing preset ``key`` with its domain, starts and step count, and for each
    optimizer its suited learning rate (``suited_lrs``) unless ``changes`` give ``lr`` or
    ``lr_overrides`` (then those, as they are)."""
    p = PRESETS[key]
    base = Settings(expression=p.expression, preset=key, domain=tuple(p.domain),
                    starts=tuple(tuple(s) for s in p.starts), lr=snap_lr(p.lr),
                    steps=p.steps)
    s = replace(base, **changes)
    if "lr" in changes or "lr_overrides" in changes:
        return s
    return with_rates(s, suited_lrs(s.optimizers, key, p.domain))


def reset(s: Settings) -> Settings:
    """``s`` with its optimizers' learning rates and parameters, the schedule (warm-up included)
    and the step count back to the defaults of its preset, its dataset, or of a typed loss on
    its domain."""
    steps = PRESETS[s.preset].steps if s.preset else Settings.steps
    s = replace(s, hyper=(), schedule="constant", schedule_params=(), warmup=0, steps=steps)
    if s.data:     # the dataset's batch size (an upload's: full batch), no scaling rule
        s = replace(s, batch=for_dataset(s.data).batch if s.data in GENERATORS else 0,
                    batches=(), base_batch=0)
    return with_rates(s, suited_lrs(s.optimizers, s.preset, s.domain, plain_lr(s)))


def for_dataset(key: str, **changes) -> Settings:
    """Settings fitting the built-in dataset ``key`` with its suggested per-sample loss, domain
    and starts, gradient descent against mini-batch SGD (batch 16)."""
    g = GENERATORS[key]
    base = Settings(expression=g.loss, preset=None, domain=tuple(g.domain),
                    starts=tuple(tuple(p) for p in g.starts), optimizers=DATA_OPTIMIZERS,
                    lr=DATA_LR[key], steps=200, data=key, batch=16)
    s = replace(base, **changes)
    if "lr" in changes or "lr_overrides" in changes:
        return s
    return with_rates(s, suited_lrs(s.optimizers, None, s.domain, DATA_LR[key]))


def chosen_log_color(s: Settings) -> bool | None:
    """The colour scale decided without looking at the landscape: the person's choice (the link's
    ``logc``), else the shown preset's own, else None: decide from the landscape's dynamic range
    (``viz.grid.auto_log_color``)."""
    if s.log_color is not None:
        return s.log_color
    if s.preset in PRESETS and PRESETS[s.preset].expression == s.expression:
        return PRESETS[s.preset].log_color
    return None


def default_settings() -> Settings:
    return for_preset(DEFAULT_PRESET)


def fit_dimension(s: Settings, n: int) -> Settings:
    """``s`` for a loss of ``n`` variables: a default domain [-3, 3]^n and start if they differ."""
    if s.n == n:
        return s
    return replace(s, domain=((-3.0, 3.0),) * n, starts=((1.5, 1.0)[:n],))


# ---------------------------------------------------------------------------------- encoding

def _num(x: float) -> str:
    """The shortest text that reads back as the same float ("2" for 2.0)."""
    text = repr(float(x))
    return text[:-2] if text.endswith(".0") else text


def _points(points) -> str:
    return ";".join(",".join(_num(c) for c in p) for p in points)


def to_query(s: Settings) -> dict[str, str]:
    """Short query parameters for ``s`` (values equal to the defaults are left out)."""
    q = {"f": s.expression, "d": _points(s.domain), "s": _points(s.starts),
         "o": ",".join(s.optimizers), "lr": _num(s.lr), "n": str(s.steps)}
    if s.preset:
        q["p"] = s.preset
    for opt, lr in s.lr_overrides:
        q[f"lr.{opt}"] = _num(lr)
    for opt, param, value in s.hyper:
        q[f"h.{opt}.{param}"] = _value(value)
    if s.schedule != "constant":
        q["sch"] = s.schedule
    for param, value in s.schedule_params:
        q[f"sp.{param}"] = _value(value)
    d = Settings(expression="", preset=None, domain=(), starts=())
    for key, name in (("wu", "warmup"), ("seed", "seed"), ("res", "resolution"),
                      ("spd", "speed")):
        if getattr(s, name) != getattr(d, name):
            q[key] = str(getattr(s, name))
    if s.log_color is not None:   # only a person's choice: automatic is the default
        q["logc"] = "1" if s.log_color else "0"
    if s.log_loss:
        q["logy"] = "1"
    if s.data and not s.data.startswith(UPLOAD):      # an upload stays in its session
        q["data"] = s.data
        q["rows"], q["dseed"] = str(s.rows), str(s.data_seed)
    if s.data:
        if s.batch:
            q["b"] = str(s.batch)
        if s.base_batch:
            q["lrb"] = str(s.base_batch)
        if s.epochs:
            q["ep"] = "1"
        for name, batch in s.batches:
            q[f"b.{name}"] = str(batch)
    t = s.teacher
    for key, value in (("title", t.title), ("note", t.note), ("hide", ",".join(t.hide)),
                       ("lock", ",".join(t.lock))):
        if value:
            q[key] = value
    if t.present:
        q["present"] = "1"
    return q


def _value(v) -> str:
    if isinstance(v, bool):
        return "1" if v else "0"
    return _num(v) if isinstance(v, float) else str(v)


class _Bad(ValueError):
    pass


def _float(text: str, lo: float = -DOMAIN_LIMIT, hi: float = DOMAIN_LIMIT) -> float:
    shown = text[:40] + ("..." if len(text) > 40 else "")
    try:
        x = float(text)
    except (TypeError, ValueError, OverflowError):
        raise _Bad(f"{shown!r} is not a number") from None
    if not math.isfinite(x):
        raise _Bad(f"{shown!r} is not a finite number")
    if not lo <= x <= hi:
        raise _Bad(f"{shown!r} is outside [{lo:g}, {hi:g}]")
    return x


def _int(text: str, lo: int, hi: int) -> int:
    x = _float(text, lo, hi)
    if x != int(x):
        raise _Bad(f"{text[:40]!r} is not a whole number")
    return int(x)


def _parse_points(text: str, n: int | None, limit: int) -> tuple[tuple[float, ...], ...]:
    if len(text) > 2000:
        raise _Bad("is too long")
    pts = tuple(tuple(_float(c) for c in part.split(",")) for part in text.split(";") if part)
    if not pts or len(pts) > limit:
        raise _Bad(f"needs 1 to {limit} points")
    if any(len(p) != (n or len(pts[0])) for p in pts) or len(pts[0]) not in (1, 2):
        raise _Bad("has points of the wrong dimension")
    return pts


def _param_value(param, text: str, owner: str):
    if param.kind == "bool":
        if text not in ("0", "1"):
            raise _Bad(f"{text!r} is not 0 or 1")
        return text == "1"
    raw = _float(text, -math.inf, math.inf) if param.kind == "float" else _int(
        text, int(param.low), int(param.high))
    try:
        return param.check(raw, owner)
    except ValueError as exc:
        raise _Bad(str(exc)) from None


def from_query(query: Mapping[str, str], base: Settings | None = None
               ) -> tuple[Settings, list[str]]:
    """Settings from query parameters (missing ones from ``base``) and one message per bad one.

    Learning rates: ``lr.<name>`` is optimizer ``name``'s; ``lr`` that of every other chosen
    optimizer. Without ``lr`` an optimizer the link gives no rate keeps its rate in ``base`` (or
    the preset's view) if it was chosen there and the loss is the same, else gets its suited rate
    (``suited_lrs``).
    """
    s = base or default_settings()
    problems: list[str] = []
    q = {str(k): str(v) for k, v in query.items()}

    def take(key: str, convert):
        if key not in q:
            return None
        try:
            return convert(q[key])
        except _Bad as exc:
            problems.append(f"Ignored the link's {key}={q[key][:40]!r}: {exc}")
            return None

    preset = take("p", lambda t: t if t in PRESETS else _raise(f"no preset {t!r}"))
    if preset:
        s = for_preset(preset)
    data = take("data", lambda t: t if t in GENERATORS else _raise(
        f"no dataset {t[:40]!r} (known: {', '.join(GENERATORS)}; an uploaded file cannot be "
        "in a link)"))
    if data:   # the dataset's own loss, domain, starts and rate, unless the link gives them
        s = for_dataset(data, batch=0)
        preset = None
    start = s
    changes: dict = {}
    expr = take("f", lambda t: t if len(t) <= MAX_LENGTH else _raise("is too long"))
    if expr is not None:
        changes["expression"] = expr
        changes["preset"] = preset if preset and PRESETS[preset].expression == expr else None
        if not changes["preset"]:
            changes["log_color"] = None    # a typed loss starts with automatic colours
    domain = take("d", lambda t: _parse_points(t, None, 2))
    if domain is not None:
        if any(len(r) != 2 or not r[0] < r[1] for r in domain):
            problems.append("Ignored the link's domain: each range needs lo < hi")
        else:
            changes["domain"] = tuple(domain)
    n = len(changes.get("domain", s.domain))
    starts = take("s", lambda t: _parse_points(t, n, MAX_STARTS))
    if starts is not None:
        changes["starts"] = starts
    opts = take("o", lambda t: tuple(dict.fromkeys(_run_name(o) for o in t.split(",") if o)))
    if opts is not None:
        changes["optimizers"] = opts
    lr = take("lr", lambda t: _float(t, 1e-5, 10))   # exact: the slider offers it (lr_choices)
    if lr is not None:
        changes["lr"] = lr
    overrides, hyper, sched_params, batches = [], [], [], []
    sched = take("sch", lambda t: t if t in SCHEDULES else _raise(f"no schedule {t!r}"))
    if sched:
        changes["schedule"] = sched
    schedule = sched or s.schedule
    for key in q:   # in the link's order, which is the page's widget order
        parts = key.split(".")
        if parts[0] == "lr" and len(parts) == 2 and _is_run_name(parts[1]):
            v = take(key, lambda t: _float(t, 1e-5, 10))
            if v is not None:
                overrides.append((parts[1], v))
        elif parts[0] == "b" and len(parts) == 2 and _is_run_name(parts[1]):
            v = take(key, lambda t: _int(t, 1, DATA_ROWS_RANGE[1]))   # at least the rows: all
            if v is not None:
                batches.append((parts[1], v))
        elif parts[0] == "h" and len(parts) == 3 and _is_run_name(parts[1]):
            table = {p.name: p for p in OPTIMIZERS[base_name(parts[1])].params}
            if parts[2] not in table:
                problems.append(f"Ignored the link's {key}: {parts[1]} has no parameter "
                                f"{parts[2]!r}")
                continue
            v = take(key, lambda t: _param_value(table[parts[2]], t, parts[1]))
            if v is not None:
                hyper.append((parts[1], parts[2], v))
        elif parts[0] == "sp" and len(parts) == 2:
            table = {p.name: p for p in SCHEDULES[schedule].params}
            if parts[1] not in table:
                problems.append(f"Ignored the link's {key}: the {schedule} schedule has no "
                                f"parameter {parts[1]!r}")
                continue
            v = take(key, lambda t: _param_value(table[parts[1]], t, schedule))
            if v is not None:
                sched_params.append((parts[1], v))
        elif (parts[0] in ("lr", "h", "sp", "b") and len(parts) > 1) or key not in PLAIN_KEYS:
            problems.append(f"Ignored the link's unknown parameter {key[:40]!r}")
    if lr is not None:   # lr= sets the rate of every chosen optimizer not given by lr.<name>
        changes["lr_overrides"] = tuple(overrides)
    if hyper:
        changes["hyper"] = tuple(hyper)
    if sched_params:
        changes["schedule_params"] = tuple(sched_params)
    chosen = changes.get("optimizers", s.optimizers)
    for name, _ in batches:
        if name not in chosen:
            problems.append(f"Ignored the link's b.{name[:40]}: {name[:40]} is not among the "
                            "link's optimizers (o=...)")
    batches = [(name, b) for name, b in batches if name in chosen]
    if batches:
        changes["batches"] = tuple(batches)
    for key, name, lo, hi in (("n", "steps", *STEPS_RANGE), ("seed", "seed", *SEED_RANGE),
                              ("res", "resolution", *RESOLUTION_RANGE),
                              ("spd", "speed", *SPEED_RANGE), ("wu", "warmup", 0, 10000)):
        v = take(key, lambda t, lo=lo, hi=hi: _int(t, lo, hi))
        if v is not None:
            changes[name] = v
    for key, name in (("logc", "log_color"), ("logy", "log_loss")):
        v = take(key, lambda t: t == "1" if t in ("0", "1") else _raise("is not 0 or 1"))
        if v is not None:
            changes[name] = v
    for key, name, lo, hi in (("rows", "rows", *DATA_ROWS_RANGE), ("dseed", "data_seed", *SEED_RANGE),
                              ("b", "batch", 0, DATA_ROWS_RANGE[1]),
                              ("lrb", "base_batch", 0, DATA_ROWS_RANGE[1])):
        v = take(key, lambda t, lo=lo, hi=hi: _int(t, lo, hi))
        if v is not None:
            changes[name] = v
    v = take("ep", lambda t: t == "1" if t in ("0", "1") else _raise("is not 0 or 1"))
    if v is not None:
        changes["epochs"] = v
    s = replace(s, teacher=_teacher(take, s.teacher), **changes)
    if lr is None:       # the link's lr.<name>, else the rate it had on the same loss, else suited
        given, suited = dict(overrides), suited_lrs(s.optimizers, s.preset, s.domain, plain_lr(s))
        same_loss = s.expression == start.expression
        s = with_rates(s, {o: given[o] if o in given else start.lr_for(o)
                           if same_loss and o in start.optimizers else suited[o]
                           for o in s.optimizers})
    if len(s.starts[0]) != s.n:
        if "s" not in q:   # a bad "s" was reported already
            problems.append("Ignored the starts: they do not match the link's domain")
        s = replace(s, starts=(tuple((lo + hi) / 2 for lo, hi in s.domain),))
    return s, problems


def _text(limit: int):
    def convert(text: str) -> str:
        if len(text) > limit:
            raise _Bad(f"is longer than {limit} characters")
        if any(ord(c) < 32 and c not in "\n\t" or 0x7f <= ord(c) < 0xa0 for c in text):
            raise _Bad("has control characters")
        return text.strip()
    return convert


def _controls(text: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    unknown = [n for n in names if n not in CONTROLS]
    if unknown:
        raise _Bad(f"no control {unknown[0][:40]!r} (known: {', '.join(CONTROLS)})")
    return names


def _teacher(take, base: Teacher) -> Teacher:
    """The teacher keys of a query (through ``from_query``'s ``take``, which reports problems)."""
    changes: dict = {}
    for key, convert in (("title", _text(MAX_TITLE)), ("note", _text(MAX_NOTE)),
                         ("hide", _controls), ("lock", _controls),
                         ("present", lambda t: t == "1" if t in ("0", "1")
                          else _raise("is not 0 or 1"))):
        v = take(key, convert)
        if v is not None:
            changes[key] = v
    return replace(base, **changes)


def fit_widgets(s: Settings) -> tuple[Settings, list[str]]:
    """``s`` as the page's widgets can show it, and one message per change made.

    ``from_query`` reads what a link says; this is what the page can draw of it: a domain too
    narrow for the sliders (``domain_problem``) is replaced by [-3, 3] per variable (and the
    starts by its centre), and a start outside the domain is moved to its nearest point inside
    (the start sliders span the domain only): reported, never silent.
    """
    problems = []
    problem = domain_problem(s.domain)
    if problem:
        problems.append(f"Ignored the link's domain: {problem}")
        s = replace(s, domain=((-3.0, 3.0),) * s.n, starts=((0.0,) * s.n,))
    inside = tuple(tuple(min(max(c, lo), hi) for c, (lo, hi) in zip(p, s.domain))
                   for p in s.starts)
    for i, (p, moved) in enumerate(zip(s.starts, inside)):
        if p != moved:
            problems.append(f"Moved the link's start {i + 1} {_shown_point(p)} into the domain: "
                            f"{_shown_point(moved)}")
    return replace(s, starts=inside), problems


def _shown_point(p) -> str:
    return "(" + ", ".join(f"{c:.6g}" for c in p) + ")"


def _is_run_name(name: str) -> bool:
    try:
        base_name(name)
    except ValueError:
        return False
    return True


def _run_name(name: str) -> str:
    """``name`` if it names a run (an optimizer, or a second run of one such as ``gd#2``)."""
    if not _is_run_name(name):
        raise _Bad(f"no optimizer {name[:40]!r}")
    return name


def run_labels(s: Settings, label=None, n_rows: int | None = None) -> dict[str, str]:
    """A label per run of ``s``: the optimizer's label, and where the same optimizer runs more
    than once, what tells its runs apart ("GD lr 0.035", "SGD batch 16", "SGD full batch",
    "Momentum momentum=0.5"). ``label``: optimizer name -> its display name."""
    if label is None:
        def label(o: str) -> str:   # with data, sgd's noise is its mini-batches: not "(noisy)"
            return "SGD" if o == "sgd" and s.data else OPTIMIZERS[o].label
    groups: dict[str, list[str]] = {}
    for name in s.optimizers:
        groups.setdefault(base_name(name), []).append(name)
    hyper = {(o, p): v for o, p, v in s.hyper}
    out = {}
    for base, names in groups.items():
        for name in names:
            if len(names) == 1:
                out[name] = label(base)
                continue
            parts = []
            if len({s.rate(n, n_rows) for n in names}) > 1:
                parts.append(f"lr {s.rate(name, n_rows):g}")
            rows = n_rows or s.rows
            if s.data and len({s.batch_size(rows, n) for n in names}) > 1:
                b = s.batch_size(rows, name)
                parts.append(f"batch {b}" if b < rows else "full batch")
            for p in OPTIMIZERS[base].params:
                values = {hyper.get((n, p.name), p.default) for n in names}
                if len(values) > 1:
                    parts.append(f"{p.name}={hyper.get((name, p.name), p.default)}")
            out[name] = " ".join([label(base)] + parts) if parts else (
                f"{label(base)} #{name.partition('#')[2] or 1}")
    return out


def _raise(message: str):
    raise _Bad(message)
