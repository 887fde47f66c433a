"""The page, driven headless through streamlit.testing.v1.AppTest.

AppTest runs app.py in this process (cached losses and runs are shared between instances, so only
the first run pays for imports). It cannot click a chart; the figures are read from the Plotly
JSON each chart element carries. Expected numbers (gradient steps, divergence steps) are worked
out here by hand from the update rules, not read back from the engine.
"""
from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import settings as cfg
import viz
from viz.pack import unpack
from landscapes import PRESETS, compile_loss
from optimizers import OPTIMIZERS

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
LINK_WARNING = "Ignored the link"


# ------------------------------------------------------------------------------------ helpers

def new_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if query:
        at.query_params = dict(query)
    at.run()
    assert_ok(at)
    return at


def assert_ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def rows(at: AppTest) -> list[dict]:
    """The results table as dicts, NaN (an empty cell) as None so that rows compare with ==."""
    assert len(at.dataframe) == 1
    return [{k: None if isinstance(v, float) and math.isnan(v) else v for k, v in r.items()}
            for r in at.dataframe[0].value.to_dict("records")]


def shows(cell: str, value: float, rel: float = 0.0, atol: float = 0.0) -> bool:
    """Whether the table's text ``cell`` shows ``value`` to 4 significant digits: at most 4 digits
    in its mantissa, and read back within half a unit of the 4th significant digit of ``value``
    (plus the ``rel``/``atol`` slack of the hand computation it is compared with)."""
    mantissa = cell.lower().split("e")[0].lstrip("-").replace(".", "").lstrip("0")
    if len(mantissa) > 4:
        return False
    unit = 10.0 ** (math.floor(math.log10(abs(value))) - 3) if value else 0.0
    return abs(float(cell) - value) <= unit / 2 + rel * abs(value) + atol


def plain(body: str) -> str:
    """A warning's text as shown: the page escapes every ASCII punctuation character (so that
    Markdown renders none of it) and puts each line in its own paragraph."""
    assert not re.search(r"(?<!\\)[*_`\[\]<>#]", body.replace("\\\\", "")), body
    return re.sub(r"\\(.)", r"\1", body.replace("\n\n", "\n"))


def warnings_shown(at: AppTest) -> list[str]:
    return [plain(w.value) for w in at.warning]


def table(at: AppTest):
    return at.dataframe[0].value


def player_data(at: AppTest) -> dict:
    """The player component's message of the last run, unpacked (viz.pack)."""
    (player,) = at.get("bidi_component")
    return unpack(player.proto.bytes)


def charts(at: AppTest) -> list[dict]:
    """What the player draws: the landscape views' Plotly specs (surface and contour, or the
    1-D curve), then the paths part (every step of every run)."""
    data = player_data(at)
    land = data["landscape"]
    views = [land["surface"], land["contour"]] if land["n"] == 2 else [land["curve"]]
    return views + [data["paths"]]


def same(a, b) -> bool:
    """Deep equality of unpacked player data (arrays compared with NaN == NaN)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def latex(at: AppTest) -> list[str]:
    return [e.value for e in at.latex]


def link_warnings(at: AppTest) -> list[str]:
    """The link's problems: plain text (st.text) under one warning box."""
    return [t.value for t in at.text if t.value.startswith(LINK_WARNING)]


def add_button(at: AppTest):
    (button,) = [b for b in at.button if b.label == "Add a start"]
    return button


def fmt_point(p) -> str:
    return "(" + ", ".join(f"{c:.4g}" for c in p) + ")"


def gd_run(grad, x0, lrs):
    """Plain gradient descent, x_{t+1} = x_t - lr_t grad(x_t); returns every point."""
    xs = [np.array(x0, dtype=float)]
    for lr in lrs:
        xs.append(xs[-1] - lr * grad(xs[-1]))
    return xs


def momentum_run(grad, x0, lr, mu, steps):
    """torch.optim.SGD with momentum mu, dampening 0: b_1 = g_1, b_t = mu b_{t-1} + g_t."""
    xs, b = [np.array(x0, dtype=float)], None
    for _ in range(steps):
        g = grad(xs[-1])
        b = g if b is None else mu * b + g
        xs.append(xs[-1] - lr * b)
    return xs


def himmelblau(p):
    x, y = p
    return (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2


def himmelblau_grad(p):
    x, y = p
    a, b = x * x + y - 11, x + y * y - 7
    return np.array([4 * x * a + 2 * b, 2 * a + 4 * y * b])


def quartic(w):
    return w ** 4 - 3 * w ** 3 + 2


def quartic_grad(w):
    return 4 * w ** 3 - 9 * w ** 2


def expect_row(row, xs, f, minima=None, tol=None):
    """Check one results-table row against a hand-made trajectory ``xs`` on loss ``f``."""
    final = xs[-1]
    assert row["final point"] == fmt_point(np.atleast_1d(final))
    assert shows(row["final loss"], f(final), rel=1e-7, atol=1e-12), (row["final loss"], f(final))
    length = sum(float(np.linalg.norm(np.atleast_1d(b - a))) for a, b in zip(xs, xs[1:]))
    assert shows(row["path length"], length, rel=1e-7, atol=1e-12), (row["path length"], length)
    if minima is not None:
        m = min(minima, key=lambda m: np.linalg.norm(np.atleast_1d(final) - m))
        # reached at the first step from which the run stays within tol until its end
        outside = [t for t, x in enumerate(xs) if np.linalg.norm(np.atleast_1d(x) - m) > tol]
        if not outside or outside[-1] < len(xs) - 1:
            reached = outside[-1] + 1 if outside else 0
            assert row["status"] == f"reached a minimum at step {reached}"
            assert row["steps to it"] == str(reached)
            assert row["minimum reached"] == fmt_point(m)
        else:
            assert not row["status"].startswith("reached")


# ------------------------------------------------------------------------------- default page

@pytest.fixture(scope="module")
def default_app():
    """A default page nobody changes (tests that change it make their own)."""
    return new_app()


def test_default_page(default_app):
    at = default_app
    p = PRESETS[cfg.DEFAULT_PRESET]
    loss = compile_loss(p.expression)
    shown = latex(at)         # the loss and its gradient on one line, first on the page
    assert shown[0].strip("$\n") == f"f(x, y) = {loss.latex} \\qquad\\allowbreak {{{loss.gradient_latex}}}"
    assert not at.error and not link_warnings(at)
    figs = charts(at)
    assert len(figs) == 3
    assert figs[0]["data"][0]["type"] == "surface" and figs[1]["data"][0]["type"] == "contour"
    for fig in figs[:2]:       # both maps cover the preset's domain
        x = viz.array_of(fig["data"][0]["x"])
        assert (x.min(), x.max()) == p.domain[0]
    paths = figs[2]           # every step of every run: 3 optimizers x 3 starts, 201 points
    assert paths["T"] == cfg.default_settings().steps
    assert paths["values"].shape == (9, paths["T"] + 1)
    # one row per optimizer x start, optimizer-major, starts numbered from 1
    table_rows = rows(at)
    opts = cfg.DEFAULT_OPTIMIZERS
    assert len(table_rows) == len(opts) * len(p.starts) == 9
    assert [r["optimizer"] for r in table_rows] == \
        [OPTIMIZERS[o].label for o in opts for _ in p.starts]
    assert [r["start"] for r in table_rows] == \
        [f"{i + 1} {fmt_point(s)}" for _ in opts for i, s in enumerate(p.starts)]
    # each optimizer's own rate: the preset's 0.01 for GD and momentum, Adam's the domain's
    # width / 100 = 10 / 100
    assert [r["lr"] for r in table_rows] == ["0.01"] * 6 + ["0.1"] * 3


def test_default_page_numbers_match_hand_made_gradient_descent_and_momentum(default_app):
    """GD and momentum (mu 0.9) on Himmelblau, lr 0.01, 200 steps, written out here."""
    p = PRESETS["himmelblau"]
    table_rows = rows(default_app)
    tol = 1e-3 * 10                                   # the page's tolerance: 1e-3 domain width
    minima = [np.array(m) for m in p.minima]
    for i, start in enumerate(p.starts):
        expect_row(table_rows[i], gd_run(himmelblau_grad, start, [0.01] * 200), himmelblau,
                   minima, tol)
        expect_row(table_rows[3 + i], momentum_run(himmelblau_grad, start, 0.01, 0.9, 200),
                   himmelblau, minima, tol)
    # the loss per step ends at the table's final loss, GD from start 1 first: drawn from 16-bit
    # codes of log10(loss) (relative error < 1e-3 while the losses span < 60 decades), and exact
    # in the step inspector, which shows GD from start 1 by default
    data = player_data(default_app)
    # (the table shows 4 significant digits)
    assert shows(table_rows[0]["final loss"], data["paths"]["values"][0, -1], rel=1e-3)
    assert data["inspect"]["optimizer"] == "gd" and data["inspect"]["run"] == 0
    assert shows(table_rows[0]["final loss"], data["inspect"]["value"][-1])


def test_default_page_writes_its_link(default_app):
    assert default_app.query_params == cfg.to_query(cfg.default_settings())
    (code,) = [c.value for c in default_app.code if "lr=" in c.value]
    assert "p=himmelblau" in code and "o=gd%2Cmomentum%2Cadam" in code


# ----------------------------------------------------------------------------- every preset

@pytest.fixture(scope="module")
def preset_app():
    return new_app({"o": "gd,adam"})      # two optimizers keep 17 presets x 1000 steps quick


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_renders(preset_app, key):
    at, p = preset_app, PRESETS[key]
    before = latex(at)[0]
    at.selectbox(key="preset").set_value(key).run()
    assert_ok(at)
    loss = compile_loss(p.expression)
    shown = latex(at)[0]
    assert shown.strip("$\n") == \
        f"f({', '.join(p.variables)}) = {loss.latex} \\qquad\\allowbreak {{{loss.gradient_latex}}}"
    assert shown != before
    assert at.text_input(key="expr").value == p.expression
    views = charts(at)        # surface + contour + paths, or curve + paths
    assert len(views) == (3 if p.n == 2 else 2)
    assert views[-1]["n"] == p.n and views[-1]["values"].shape[0] == len(rows(at))
    assert not at.error
    for j, (lo, hi) in enumerate(p.domain):
        assert (at.number_input(key=f"d{j}lo").value, at.number_input(key=f"d{j}hi").value) \
            == (lo, hi)
    starts = [tuple(at.slider(key=f"st_{i}_{j}").value for j in range(p.n))
              for i in range(len(p.starts))]
    assert starts == list(p.starts)
    remove = [b.key for b in at.button if b.label == "✕"]
    assert remove == [f"rm_{i}" for i in range(len(p.starts))]          # one per start
    # picking the preset gives each optimizer its rate: GD the preset's, Adam the width / 100
    # (at least torch's 1e-3) unless the preset lists a measured one
    width = max(hi - lo for lo, hi in p.domain)
    adam = dict(p.rates).get("adam") or cfg.snap_lr(max(width / 100, 1e-3))
    assert p.lr in cfg.LR_GRID and at.select_slider(key="lr_gd").value == p.lr
    assert at.select_slider(key="lr_adam").value == adam
    assert [r["lr"] for r in rows(at)] == [f"{v:g}" for v in (p.lr, adam) for _ in p.starts]
    assert at.number_input(key="steps").value == cfg.for_preset(key).steps <= p.steps
    if p.n == 2:
        assert at.checkbox(key="logc").value == p.log_color
    assert len(rows(at)) == len(at.multiselect(key="opts").value) * len(p.starts)


# ------------------------------------------------------------------------ invalid expressions

GOOD = "x^2 + 3*y^2"
INVALID = [   # (text, 0-based column of the caret under the culprit)
    ("x^2 + sn(y)", 6),          # the unknown function 'sn'
    ("__import__('os')", 0),     # a name starting with '_'
    ("x +", 3),                  # the missing term at the end
    ("a+b+c", 4),                # the third variable
    ("x + 9^9^9", 5),            # the power 9^(9^9) that overflows
]


@pytest.fixture(scope="module")
def custom_app():
    at = new_app()
    at.text_input(key="expr").set_value(GOOD).run()
    assert_ok(at)
    return at


@pytest.mark.parametrize("text, column", INVALID)
def test_invalid_expression_shows_one_error_and_keeps_the_last_good_loss(custom_app, text,
                                                                           column):
    at = custom_app
    at.text_input(key="expr").set_value(GOOD).run()
    good_latex, good_charts, good_table = latex(at), charts(at), table(at)
    good = compile_loss(GOOD)
    assert good_latex[0].strip("$\n") == \
        f"f(x, y) = {good.latex} \\qquad\\allowbreak {{{good.gradient_latex}}}"
    at.text_input(key="expr").set_value(text).run()
    assert_ok(at)
    assert len(at.error) == 1
    message = at.error[0].value
    assert "Cannot use this loss" in message and f"position {column + 1}" in message
    carets = [c.value for c in at.code if c.value.startswith(text + "\n")]
    assert carets == [f"{text}\n{' ' * column}^"]
    assert at.text_input(key="expr").value == text           # left for the user to fix
    assert latex(at) == good_latex
    assert same(charts(at), good_charts)
    assert table(at).equals(good_table)
    assert at.query_params["f"] == GOOD                      # the link keeps the good loss


# ---------------------------------------------------------------- learning rate and optimizers

def test_learning_rate_changes_gd_first_step_on_the_quartic():
    at = new_app({"p": "quartic", "o": "gd", "n": "1"})
    assert at.select_slider(key="lr_gd").value == 0.001
    for lr in (0.001, 0.002):
        at.select_slider(key="lr_gd").set_value(lr).run()
        assert_ok(at)
        table_rows = rows(at)
        assert len(table_rows) == 2
        for row, w0 in zip(table_rows, (-1.5, 3.5)):
            w1 = w0 - lr * (4 * w0 ** 3 - 9 * w0 ** 2)
            assert row["lr"] == f"{lr:g}"
            assert row["final point"] == fmt_point([w1])
            assert shows(row["final loss"], w1 ** 4 - 3 * w1 ** 3 + 2, rel=1e-12)
            assert shows(row["path length"], abs(w1 - w0), rel=1e-9)
        if lr == 0.001:
            assert table_rows[0]["final point"] == "(-1.466)"     # w1 = -1.46625
            assert table_rows[0]["path length"] == "0.03375"


def test_step_schedule_halves_the_second_step_on_the_quartic():
    at = new_app({"p": "quartic", "o": "gd", "n": "2"})
    lr = 0.001
    constant = gd_run(quartic_grad, -1.5, [lr, lr])
    expect_row(rows(at)[0], constant, quartic)
    at.selectbox(key="sched").set_value("step").run()
    at.number_input(key="sp_step_factor").set_value(0.5)
    at.number_input(key="sp_step_every").set_value(1).run()
    assert_ok(at)
    halved = gd_run(quartic_grad, -1.5, [lr, lr / 2])
    w1 = -1.5 - lr * (4 * (-1.5) ** 3 - 9 * (-1.5) ** 2)
    assert halved[2] == pytest.approx(w1 - lr / 2 * (4 * w1 ** 3 - 9 * w1 ** 2), rel=1e-15)
    expect_row(rows(at)[0], halved, quartic)
    assert not shows(rows(at)[0]["final loss"], quartic(constant[2]))    # 15.57, not 15.08
    assert at.query_params["sch"] == "step" and at.query_params["sp.every"] == "1"


def _first_escape(x0, lr, box):
    """GD on x^2 + y^2: x_t = x0 (1 - 2 lr)^t; the first t with a coordinate outside the box."""
    t = 0
    while all(low <= c * (1 - 2 * lr) ** t <= high for c, (low, high) in zip(x0, box)):
        t += 1
    return t


def test_large_learning_rate_diverges_on_the_bowl_at_the_right_step():
    starts = [(1.5, 1.0), (1.0, 0.5)]
    at = new_app({"p": "bowl", "o": "gd", "lr": "1.5", "s": "1.5,1;1,0.5"})
    # domain [-2, 2]^2, widened by 10 widths on each side: the engine's box is [-42, 42]^2
    box = [(-2 - 40, 2 + 40)] * 2
    expected = [_first_escape(s, 1.5, box) for s in starts]
    assert expected == [5, 6]              # 1.5 * 2^5 = 48 > 42;  1 * 2^6 = 64 > 42
    table_rows = rows(at)
    for row, start, k in zip(table_rows, starts, expected):
        assert row["status"] == f"diverged at step {k}"
        last = [c * (-2) ** (k - 1) for c in start]        # the last good point
        assert row["final point"] == fmt_point(last)
    # one message for both runs; x^2 + y^2 has Hessian 2I: gradient descent is stable iff lr < 2/2
    (warning,) = warnings_shown(at)
    lines = warning.split("\n")
    assert lines[0] == ("2 runs diverged: Gradient descent from starts 1 and 2 at steps "
                        f"{expected[0]} and {expected[1]}.")
    assert lines[1].startswith("Gradient descent diverges on this quadratic when "
                               "lr ≥ 2/λ_max = 1 (λ_max = 2,")
    assert lines[1].endswith("; lr = 1.5.") and len(lines) == 2
    # a wider domain widens the box: [-20, 20] -> [-420, 420], so divergence comes later
    for j in range(2):
        at.number_input(key=f"d{j}lo").set_value(-20.0)
        at.number_input(key=f"d{j}hi").set_value(20.0)
    at.run()
    assert_ok(at)
    wide = [_first_escape(s, 1.5, [(-420, 420)] * 2) for s in starts]
    assert wide == [9, 9]                   # 1.5 * 2^9 = 768, 2^9 = 512 > 420 > 2^8
    assert [r["status"] for r in rows(at)] == [f"diverged at step {k}" for k in wide]


def test_an_added_optimizer_starts_from_its_suited_rate_and_the_others_keep_theirs():
    at = new_app({"o": "gd", "n": "20"})
    at.select_slider(key="lr_gd").set_value(0.02).run()
    gd = rows(at)
    at.multiselect(key="opts").set_value(["gd", "adam", "nesterov"]).run()
    assert_ok(at)
    # Himmelblau on [-5, 5]^2: Adam the width / 100 = 0.1, Nesterov half the preset's 0.01
    assert [at.select_slider(key=f"lr_{o}").value for o in ("gd", "adam", "nesterov")] == \
        [0.02, 0.1, 0.005]
    assert rows(at)[:3] == gd
    assert [s.label for s in at.select_slider] == ["Gradient descent", "Adam", "Nesterov"]
    at.select_slider(key="lr_adam").set_value(0.003).run()
    at.multiselect(key="opts").set_value(["gd"]).run()
    at.multiselect(key="opts").set_value(["gd", "adam"]).run()     # added again: suited again
    assert at.select_slider(key="lr_adam").value == 0.1


def test_optimizer_list_changes_the_table():
    at = new_app()
    before = rows(at)
    gd_before = before[:3]
    at.multiselect(key="opts").set_value(["gd", "adam"]).run()
    assert_ok(at)
    after = rows(at)
    assert [r["optimizer"] for r in after] == ["Gradient descent"] * 3 + ["Adam"] * 3
    assert after[:3] == gd_before                       # GD does not depend on its neighbours
    assert after[3:] == before[6:]                      # nor does Adam
    at.multiselect(key="opts").set_value(["adam", "nesterov", "lion"]).run()
    assert_ok(at)
    labels = [r["optimizer"] for r in rows(at)]
    assert labels == ["Adam"] * 3 + ["Nesterov"] * 3 + ["Lion"] * 3
    assert rows(at)[:3] == before[6:]
    assert len(charts(at)) == 3 and len(charts(at)[2]["runs"]) == 9
    at.multiselect(key="opts").set_value([]).run()
    assert_ok(at)
    assert len(at.dataframe) == 0 and len(at.get("bidi_component")) == 0
    assert any("Pick at least one optimizer" in i.value for i in at.info)


# ------------------------------------------------------------------------------ URL and link

QUERY = {"f": "x^2 + 3*y^2", "d": "-3,3;-2,2", "s": "1,1;-2,1.5", "o": "gd,adam", "lr": "0.05",
         "n": "40", "sch": "exponential", "sp.k": "0.05", "h.adam.beta1": "0.8",
         "lr.adam": "0.1", "logc": "1"}


def test_query_string_restores_the_configuration():
    at = new_app(QUERY)
    assert not link_warnings(at)
    assert at.text_input(key="expr").value == "x^2 + 3*y^2"
    assert at.selectbox(key="preset").value == "custom"
    assert [at.number_input(key=k).value for k in ("d0lo", "d0hi", "d1lo", "d1hi")] == \
        [-3, 3, -2, 2]
    assert [[at.slider(key=f"st_{i}_{j}").value for j in range(2)] for i in range(2)] == \
        [[1, 1], [-2, 1.5]]
    assert at.multiselect(key="opts").value == ["gd", "adam"]
    assert at.select_slider(key="lr_gd").value == 0.05          # lr=: every optimizer but Adam
    assert at.number_input(key="steps").value == 40
    assert at.selectbox(key="sched").value == "exponential"
    assert at.number_input(key="sp_exponential_k").value == 0.05
    assert at.number_input(key="hp_adam_beta1").value == 0.8
    assert at.number_input(key="hp_adam_beta2").value == 0.999      # untouched: the default
    assert at.select_slider(key="lr_adam").value == 0.1
    assert at.checkbox(key="logc").value is True
    # the table: GD with lr_t = 0.05 e^{-0.05 t} on x^2 + 3 y^2, worked out by hand
    table_rows = rows(at)
    assert [r["lr"] for r in table_rows] == ["0.05", "0.05", "0.1", "0.1"]
    lrs = [0.05 * math.exp(-0.05 * t) for t in range(40)]
    f = lambda p: p[0] ** 2 + 3 * p[1] ** 2                                   # noqa: E731
    grad = lambda p: np.array([2 * p[0], 6 * p[1]])                           # noqa: E731
    for row, start in zip(table_rows, [(1, 1), (-2, 1.5)]):
        expect_row(row, gd_run(grad, start, lrs), f)
    x = viz.array_of(charts(at)[1]["data"][0]["x"])          # the contour map's x axis
    assert (x.min(), x.max()) == (-3, 3)
    # and the page writes the same link back
    assert at.query_params == QUERY


def test_link_round_trip_reproduces_the_table():
    at = new_app()
    at.select_slider(key="lr_gd").set_value(0.02)
    at.multiselect(key="opts").set_value(["gd", "nesterov", "adam"])
    at.number_input(key="steps").set_value(120)
    at.selectbox(key="sched").set_value("inverse_time")
    at.slider(key="st_0_0").set_value(1.0)
    at.checkbox(key="logy").check()
    at.run()
    at.number_input(key="hp_nesterov_momentum").set_value(0.8)
    at.number_input(key="sp_inverse_time_k").set_value(0.02)
    at.select_slider(key="lr_adam").set_value(0.005).run()
    assert_ok(at)
    q = dict(at.query_params)
    # rates: GD 0.02, Nesterov its suited 0.005 (half of 0.01), Adam 0.005: the link's lr is the
    # rate most of them share, lr.gd the other one
    assert {k: q.get(k) for k in ("lr", "lr.gd", "lr.adam", "n", "o", "sch", "sp.k",
                                  "h.nesterov.momentum", "logy")} == \
        {"lr": "0.005", "lr.gd": "0.02", "lr.adam": None, "n": "120", "o": "gd,nesterov,adam",
         "sch": "inverse_time", "sp.k": "0.02", "h.nesterov.momentum": "0.8", "logy": "1"}
    assert q["s"].startswith("1,0;")
    again = new_app(q)
    assert not link_warnings(again)
    assert table(again).equals(table(at))
    assert same(charts(again)[2], charts(at)[2])
    for kind, key in [("select_slider", "lr_gd"), ("select_slider", "lr_nesterov"),
                      ("multiselect", "opts"), ("number_input", "steps"),
                      ("selectbox", "sched"), ("number_input", "hp_nesterov_momentum"),
                      ("number_input", "sp_inverse_time_k"), ("select_slider", "lr_adam"),
                      ("checkbox", "logy"), ("checkbox", "logc"), ("slider", "st_0_0")]:
        assert getattr(again, kind)(key=key).value == getattr(at, kind)(key=key).value, key


def test_link_round_trip_keeps_log_colour_off():
    at = new_app()
    at.checkbox(key="logc").uncheck().run()
    again = new_app(dict(at.query_params))
    assert again.checkbox(key="logc").value is False


@pytest.mark.parametrize("query, bad", [
    ({"o": "gd,bogus"}, 1),
    ({"lr": "abc"}, 1),
    ({"d": "1,0;0,1"}, 1),
    ({"n": "9" * 40}, 1),
    ({"res": "1e308", "spd": "-1e308"}, 2),
    ({"d": "-1e300,1e300", "s": "1e300,0"}, 2),
    ({"f": "__import__('os')"}, 1),
    ({"f": "x + 9^9^9"}, 1),
    ({"f": "x^2", "p": "nope", "h.adam.beta9": "1", "lr.adam": "-1", "sch": "weekly"}, 4),
    ({"o": "gd,bogus", "lr": "abc", "d": "1,0;0,1", "n": "0", "f": "__import__('os')"}, 5),
])
def test_bad_query_strings_warn_once_per_bad_parameter(query, bad):
    at = new_app(query)
    warnings = link_warnings(at)
    assert len(warnings) == bad, warnings
    assert len(charts(at)) >= 2 and len(rows(at)) >= 1
    if "f" in query and query["f"] != "x^2":
        assert any("loss" in w for w in warnings)
        assert at.text_input(key="expr").value == PRESETS[cfg.DEFAULT_PRESET].expression
    assert not at.error


def test_an_invalid_link_loss_keeps_the_other_parameters():
    at = new_app({"f": "__import__('os')", "lr": "0.1", "o": "gd", "n": "30"})
    assert at.select_slider(key="lr_gd").value == 0.1
    assert at.multiselect(key="opts").value == ["gd"]
    assert at.number_input(key="steps").value == 30


def test_a_link_whose_domain_does_not_fit_its_loss_is_reported():
    at = new_app({"f": "w^2", "d": "-1,1;-1,1", "s": "0.5,0.5", "o": "gd", "n": "20"})
    assert [r["start"] for r in rows(at)] == ["1 (1.5)"]      # the fallback start
    assert link_warnings(at)


# ------------------------------------------------------------------------ starts and domain

def test_adding_and_removing_starts_changes_the_rows():
    at = new_app({"o": "gd,adam", "n": "50"})
    assert len(rows(at)) == 2 * 3
    add_button(at).click().run()
    assert_ok(at)
    assert len(rows(at)) == 2 * 4
    # a new start sits at 30 % / 70 % of the domain [-5, 5]^2
    assert rows(at)[3]["start"] == "4 (-2, 2)"
    at.button(key="rm_0").click().run()                 # remove start 1, (0, 0)
    assert_ok(at)
    table_rows = rows(at)
    assert len(table_rows) == 2 * 3
    assert [r["start"] for r in table_rows[:3]] == ["1 (-1, 0.5)", "2 (-0.5, -1.5)", "3 (-2, 2)"]
    assert [r["start"] for r in table_rows[3:]] == [r["start"] for r in table_rows[:3]]


def test_starts_are_capped_and_the_last_one_stays():
    seven = ";".join(f"{i - 3},{3 - i}" for i in range(7))
    at = new_app({"o": "gd", "n": "20", "s": seven})
    assert len(rows(at)) == 7 and not add_button(at).disabled
    add_button(at).click().run()
    assert_ok(at)
    assert len(rows(at)) == cfg.MAX_STARTS == 8 and add_button(at).disabled
    at = new_app({"o": "gd", "n": "20", "s": "1,1;2,2"})
    assert not at.button(key="rm_0").disabled
    at.button(key="rm_1").click().run()
    assert_ok(at)
    assert [r["start"] for r in rows(at)] == ["1 (1, 1)"]
    assert at.button(key="rm_0").disabled                # the last start cannot go
    assert at.query_params["s"] == "1,1"


def test_domain_changes_keep_starts_inside_and_a_bad_domain_keeps_the_last_good_one():
    at = new_app({"o": "gd", "n": "50"})
    at.number_input(key="d0lo").set_value(1.0).run()     # x from 1 to 5: starts at x < 1 move
    assert_ok(at)
    xs = [at.slider(key=f"st_{i}_0").value for i in range(3)]
    ys = [at.slider(key=f"st_{i}_1").value for i in range(3)]
    assert xs == [1.0, 1.0, 1.0] and ys == [0.0, 0.5, -1.5]
    assert [r["start"] for r in rows(at)] == ["1 (1, 0)", "2 (1, 0.5)", "3 (1, -1.5)"]
    x = viz.array_of(charts(at)[1]["data"][0]["x"])
    assert (x.min(), x.max()) == (1, 5)
    good_table, good_charts = table(at), charts(at)
    assert not at.error
    at.number_input(key="d0lo").set_value(6.0).run()     # from 6 to 5: invalid
    assert_ok(at)
    assert len(at.error) == 1 and "'from' < 'to'" in at.error[0].value
    assert table(at).equals(good_table) and same(charts(at), good_charts)
    assert at.query_params["d"] == "1,5;-5,5"
    at.number_input(key="d0lo").set_value(-1.0).run()    # valid again
    assert not at.error and at.query_params["d"] == "-1,5;-5,5"


# ---------------------------------------------------------------- per-optimizer parameters

def test_a_learning_rate_and_a_hyper_parameter_change_only_their_optimizer():
    at = new_app({"p": "bowl", "o": "gd,momentum", "n": "3"})
    base = rows(at)
    assert [r["lr"] for r in base] == ["0.1", "0.1"]
    f = lambda p: p[0] ** 2 + p[1] ** 2                                      # noqa: E731
    grad = lambda p: 2 * np.asarray(p)                                       # noqa: E731
    expect_row(base[0], gd_run(grad, (1.5, 1.0), [0.1] * 3), f)
    expect_row(base[1], momentum_run(grad, (1.5, 1.0), 0.1, 0.9, 3), f)
    assert [at.select_slider(key=f"lr_{o}").value for o in ("gd", "momentum")] == [0.1, 0.1]
    at.select_slider(key="lr_gd").set_value(0.2).run()
    assert_ok(at)
    own = rows(at)
    assert own[1] == base[1]                               # momentum untouched
    assert own[0]["lr"] == "0.2"
    gd = gd_run(grad, (1.5, 1.0), [0.2] * 3)
    assert gd[-1] == pytest.approx([1.5 * 0.6 ** 3, 0.6 ** 3])
    expect_row(own[0], gd, f)
    # two rates, one each: the link's lr is the first optimizer's, lr.momentum the other
    assert (at.query_params["lr"], at.query_params["lr.momentum"]) == ("0.2", "0.1")
    at.number_input(key="hp_momentum_momentum").set_value(0.5).run()
    assert_ok(at)
    hyper = rows(at)
    assert hyper[0] == own[0]                              # GD untouched
    expect_row(hyper[1], momentum_run(grad, (1.5, 1.0), 0.1, 0.5, 3), f)
    assert hyper[1]["final loss"] != base[1]["final loss"]
    assert at.query_params["h.momentum.momentum"] == "0.5"
    at.select_slider(key="lr_gd").set_value(0.1).run()     # back to momentum's rate
    assert rows(at)[0] == base[0] and "lr.momentum" not in at.query_params


# ---------------------------------------------------------- widget state of hidden widgets

def test_interacting_on_a_1d_loss_does_not_crash():
    at = new_app()
    at.text_input(key="expr").set_value("w^4 - 3*w^3 + 2").run()
    assert_ok(at)
    at.number_input(key="steps").set_value(5).run()             # AttributeError: no attribute "res"
    assert_ok(at)
    at = new_app()
    at.selectbox(key="preset").set_value("quartic").run()
    at.number_input(key="steps").set_value(5).run()
    at.selectbox(key="preset").set_value("bowl").run()    # _on_preset reads ss.res
    assert_ok(at)


def test_removing_and_adding_back_an_optimizer_keeps_its_defaults():
    at = new_app({"o": "gd,adam", "n": "50"})
    before = table(at)
    at.multiselect(key="opts").set_value(["gd"]).run()
    at.multiselect(key="opts").set_value(["gd", "adam"]).run()
    assert_ok(at)
    assert at.number_input(key="hp_adam_beta1").value == 0.9    # BUG: 0.0 (the min_value)
    assert table(at).equals(before)


# ------------------------------------------------- values of widgets that are hidden for a while

def test_a_schedule_parameter_survives_switching_to_another_schedule_and_back():
    at = new_app({"o": "gd"})
    at.selectbox(key="sched").set_value("step").run()
    at.number_input(key="sp_step_every").set_value(7).run()
    at.selectbox(key="sched").set_value("cosine").run()
    assert_ok(at)
    at.selectbox(key="sched").set_value("step").run()
    assert_ok(at)
    assert at.number_input(key="sp_step_every").value == 7
    assert at.query_params["sp.every"] == "7"


def test_an_optimizer_keeps_its_settings_when_removed_and_added_back():
    at = new_app({"o": "gd"})
    at.multiselect(key="opts").set_value(["gd", "adam"]).run()
    at.number_input(key="hp_adam_beta1").set_value(0.5)
    at.select_slider(key="lr_adam").set_value(0.005).run()
    assert at.query_params["h.adam.beta1"] == "0.5" and at.query_params["lr.adam"] == "0.005"
    at.multiselect(key="opts").set_value(["gd"]).run()
    assert "h.adam.beta1" not in at.query_params and "lr.adam" not in at.query_params
    at.multiselect(key="opts").set_value(["gd", "adam"]).run()
    assert_ok(at)
    assert at.number_input(key="hp_adam_beta1").value == 0.5
    # the learning rate starts again from Adam's suited one, the width / 100 = 10 / 100
    assert at.select_slider(key="lr_adam").value == 0.1
    assert [r["lr"] for r in rows(at) if r["optimizer"] == "Adam"] == ["0.1"] * 3


def test_view_options_survive_a_1d_loss():
    # (the colour scale does not: a new loss starts automatic, tests/test_log_colour.py)
    at = new_app({"o": "gd"})
    at.slider(key="res").set_value(120).run()
    at.text_input(key="expr").set_value("w^4 - 3*w^3 + 2").run()
    at.number_input(key="steps").set_value(30).run()          # a rerun while the 2-D options are hidden
    assert_ok(at)
    at.text_input(key="expr").set_value("x^2 + 3*y^2").run()
    assert_ok(at)
    assert at.slider(key="res").value == 120


# ------------------------------------------------------------- losses with kinks and no gradient

def kinked_gradient(x, y):
    """By hand: the gradient of relu(x - 1) + max(y, -y) + min(x^2, 4) + abs(x*y), with the mean of
    the one-sided derivatives on a kink (H(0) = 1/2, sign(0) = 0)."""
    def H(u):
        return np.heaviside(u, 0.5)
    return np.array([H(x - 1) + 2 * x * H(4 - x * x) + np.sign(x * y) * y,
                     H(2 * y) - H(-2 * y) + np.sign(x * y) * x])


def test_losses_with_max_min_relu_abs_run_on_the_page():
    text = "relu(x - 1) + max(y, -y) + min(x^2, 4) + abs(x*y)"
    starts = [(0.0, 0.0), (-1.0, 0.5), (-3.0, 0.0), (2.0, -1.0)]
    at = new_app({"o": "gd", "n": "5", "lr": "0.01", "s": ";".join(f"{x:g},{y:g}" for x, y in starts)})
    at.text_input(key="expr").set_value(text).run()
    assert_ok(at)
    assert not at.error
    got = rows(at)
    assert len(got) == 4
    for row, start in zip(got, starts):
        p = np.array(start)
        for _ in range(5):
            p = p - 0.01 * kinked_gradient(*p)
        # (0, 0) and (-3, 0) sit on kinks where the gradient is (0, 0): gd does not move there
        norm = np.linalg.norm(kinked_gradient(*p))
        expected = "still moving" if norm > 1e-3 else "stopped (flat)"
        assert row["status"] == expected, (start, row)
        final = [float(c) for c in row["final point"].strip("()").split(",")]
        np.testing.assert_allclose(final, p, rtol=1e-3, atol=1e-12)
        assert shows(row["|∇f| at the end"], norm, rel=1e-9), (row["|∇f| at the end"], norm)
    assert [r["status"] for r in got] == ["stopped (flat)", "still moving", "stopped (flat)",
                                          "still moving"]


def test_a_start_without_gradient_is_reported_as_such():
    # Ackley's cone tip at (0, 0) has no gradient: the run cannot take a step from there
    at = new_app({"p": "ackley", "o": "gd", "s": "0,0;0.7,0.3", "n": "20"})
    statuses = [r["status"] for r in rows(at)]
    assert statuses[0] == "no gradient at the start"
    assert not statuses[1].startswith(("diverged", "no gradient"))
    (warning,) = warnings_shown(at)
    assert warning.startswith("No gradient at the start for Gradient descent from start 1 (0, 0):")
    assert "cannot start at" in warning


@pytest.mark.parametrize("text", ["relu(sqrt(-1-x^2))", "max(asin(2+x^2), y)"])
def test_expressions_sympy_cannot_handle_show_a_message_not_a_crash(text):
    at = new_app({"o": "gd", "n": "5"})
    before = latex(at)[:1]
    at.text_input(key="expr").set_value(text).run()
    assert_ok(at)
    assert len(at.error) == 1 and "Cannot use this loss" in at.error[0].value
    assert latex(at)[:1] == before


@pytest.mark.timeout(120)
def test_an_expression_that_would_never_finish_compiling_is_refused_and_the_page_lives_on():
    at = new_app({"o": "gd", "n": "5"})
    before = latex(at)[:1]
    at.text_input(key="expr").set_value("tanh(asin(x)^1000)").run()
    assert_ok(at)
    assert len(at.error) == 1 and "takes too long" in at.error[0].value
    assert latex(at)[:1] == before


# ------------------------------------------------------------------ readable results (issue 9)

def _first_outside(xs, box=42.0):
    """The first index of a hand-made trajectory with a coordinate outside [-box, box]^n."""
    return next(t for t, x in enumerate(xs) if np.any(np.abs(np.atleast_1d(x)) > box))


def test_the_table_puts_the_status_first_in_the_runs_colours_and_pins_it():
    at = new_app({"p": "bowl", "o": "gd,momentum,adam", "n": "3"})
    assert list(table(at).columns[:3]) == ["status", "●", "optimizer"]
    pinned = json.loads(at.dataframe[0].proto.columns)
    assert all(pinned[c]["pinned"] for c in ("status", "●", "optimizer"))
    # the glyph of each row in its optimizer's colour, the player's colours
    colours = dict(zip(["gd", "momentum", "adam"], viz.optimizer_colors(["gd", "momentum", "adam"])))
    styles = at.dataframe[0].proto.arrow_data.styler.styles
    shown = dict(re.findall(r"_row(\d+)_col1 \{ color: (#[0-9A-Fa-f]{6}) \}", styles))
    labels = {OPTIMIZERS[o].label: o for o in colours}
    assert [shown[str(i)] for i in range(len(rows(at)))] == \
        [colours[labels[r["optimizer"]]] for r in rows(at)]
    assert len(set(shown.values())) == 3


def test_tiny_losses_are_shown_in_scientific_notation_and_missing_values_as_a_dash():
    # gradient descent on x^2 + y^2 with lr 0.1 multiplies the point by 0.8 a step:
    # after 200 steps the loss is (1.5^2 + 1^2) 0.64^200, about 5.6e-39
    at = new_app({"p": "bowl", "o": "gd", "lr": "0.1", "n": "200", "s": "1.5,1"})
    (row,) = rows(at)
    expected = (1.5 ** 2 + 1) * 0.64 ** 200
    assert row["final loss"].endswith("e-39") and shows(row["final loss"], expected, rel=1e-9)
    assert row["final loss"] == row["best loss"]
    assert shows(row["|∇f| at the end"], 2 * np.hypot(1.5, 1) * 0.8 ** 200, rel=1e-9)
    assert "0.0000" not in " ".join(row.values())
    # lesson 1: lr 0.045 diverges, so no minimum and no steps to it
    at = new_app({"p": "ill_conditioned", "o": "gd", "lr": "0.045"})
    (row,) = rows(at)
    assert row["status"] == "diverged at step 20"
    assert row["minimum reached"] == row["steps to it"] == "—"
    assert all(v is not None and v != "None" for v in row.values())


def test_many_divergences_make_one_message_with_each_optimizers_stability_bound():
    # x^2 + 25 y^2: Hessian diag(2, 50). GD is stable iff lr < 2/50 = 0.04; heavy-ball momentum
    # (mu 0.9) iff lr < 2 (1 + 0.9)/50 = 0.076; at lr 0.1 both diverge. Adam has no bound here.
    at = new_app({"p": "ill_conditioned", "o": "gd,momentum", "lr": "0.1", "n": "200",
                  "s": "-1.8,0.5;1,1"})
    grad = lambda p: np.array([2 * p[0], 50 * p[1]])                        # noqa: E731
    gd = [_first_outside(gd_run(grad, s, [0.1] * 60)) for s in ((-1.8, 0.5), (1, 1))]
    mom = [_first_outside(momentum_run(grad, s, 0.1, 0.9, 60)) for s in ((-1.8, 0.5), (1, 1))]
    assert [r["status"] for r in rows(at)] == [f"diverged at step {k}" for k in gd + mom]
    (warning,) = warnings_shown(at)
    lines = warning.split("\n")
    assert lines[0] == (f"4 runs diverged: Gradient descent from starts 1 and 2 at steps {gd[0]} "
                        f"and {gd[1]}, Momentum from starts 1 and 2 at steps {mom[0]} and "
                        f"{mom[1]}.")
    assert lines[1].startswith("Gradient descent diverges on this quadratic when "
                               "lr ≥ 2/λ_max = 0.04 (λ_max = 50,") and lines[1].endswith("; lr = 0.1.")
    assert lines[2].startswith("Momentum (μ = 0.9) diverges on this quadratic when "
                               "lr ≥ 2(1+μ)/λ_max = 0.076 (") and lines[2].endswith("; lr = 0.1.")
    assert len(lines) == 3 and "smaller learning rate" not in warning


@pytest.mark.parametrize("text, starts, lr", [
    ("x + y", "1,1;-1,0.5", "0.5"),           # linear: no minimum anywhere (0.5 a step)
    ("-x^2 - y^2", "1,1;-1,0.5", "0.01"),     # a hill
    ("x^3 + y^2", "-1,1;-0.5,0.5", "0.01"),   # not quadratic: x runs off to -inf, loss falling
])
def test_an_unbounded_loss_is_told_it_has_no_minimum_not_to_lower_its_rate(text, starts, lr):
    at = new_app({"o": "gd", "lr": lr, "n": "1000", "s": starts})
    at.text_input(key="expr").set_value(text).run()
    assert_ok(at)
    assert all(r["status"].startswith("diverged at step") for r in rows(at))
    (warning,) = warnings_shown(at)
    assert warning.startswith("2 runs diverged: Gradient descent from starts 1 and 2 at steps ")
    assert "decreases without bound: no minimum to reach" in warning
    assert "learning rate usually helps" not in warning and "λ_max" not in warning


def test_a_divergence_on_a_loss_that_is_not_quadratic_gets_the_general_advice():
    # Rosenbrock with lr 0.01 throws gradient descent out with a rising loss
    at = new_app({"p": "rosenbrock", "o": "gd", "lr": "0.01", "n": "50", "s": "-1.5,2"})
    assert rows(at)[0]["status"].startswith("diverged at step")
    (warning,) = warnings_shown(at)
    assert "A smaller learning rate usually helps" in warning
    assert "λ_max" not in warning and "without bound" not in warning


def test_the_bound_is_compared_with_each_optimizers_own_rate_and_a_schedules_largest():
    # momentum at the shared 0.01 converges; GD's own 0.045 > 2/50 diverges at step 20 (lesson 1)
    at = new_app({"p": "ill_conditioned", "o": "gd,momentum", "lr": "0.01", "lr.gd": "0.045"})
    (warning,) = warnings_shown(at)
    assert warning.startswith("1 run diverged: Gradient descent from start 1 at step 20.\n")
    assert warning.endswith("; lr = 0.045.")
    # an exponential decay lr exp(-k t) is largest at t = 0
    at = new_app({"p": "ill_conditioned", "o": "gd", "lr": "0.1", "sch": "exponential"})
    (warning,) = warnings_shown(at)
    assert warning.endswith("; its schedule's largest lr = 0.1.")


def test_variables_written_together_get_a_suggestion_with_a_caret_under_them():
    at = new_app({"o": "gd", "n": "5"})
    text = "x^2 + 3xy + y^2"
    at.text_input(key="expr").set_value(text).run()
    assert_ok(at)
    assert len(at.error) == 1
    shown = re.sub(r"\\([^\w\s])", r"\1", at.error[0].value)    # Markdown escapes undone
    assert "'xy' is read as one variable named xy; did you mean 3*x*y?" in shown
    assert "3\\*x\\*y" in at.error[0].value          # escaped: not rendered as italics
    carets = [c.value for c in at.code if c.value.startswith(text + "\n")]
    assert carets == [f"{text}\n{' ' * 7}^"]                 # under the x of 'xy', counted by hand


@pytest.mark.parametrize("steps", [37, 1500])
def test_the_steps_control_takes_any_count_exactly(steps):
    at = new_app({"p": "ill_conditioned", "o": "gd"})
    at.number_input(key="steps").set_value(steps).run()
    assert_ok(at)
    assert at.query_params["n"] == str(steps)
    assert charts(at)[-1]["T"] == steps          # the player steps through exactly that many
