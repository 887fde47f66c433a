"""settings.py: the page's configuration and its round trip through the URL query string (pure).

Expected values are worked out here (the learning-rate grid by brute force in log space, ranges
from the widgets' published tables), never read back from the function under test.
"""
from __future__ import annotations

import math
from dataclasses import fields, replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings as hyp_settings, strategies as st

import settings as cfg
from landscapes import PRESETS
from landscapes.parse import MAX_LENGTH
from optimizers import OPTIMIZERS, SCHEDULES, schedules
from settings import LR_GRID, Settings, from_query, snap_lr, to_query

DEFAULT = cfg.default_settings()
DEFAULT_KEYS = {"f", "d", "s", "o", "lr", "n"}          # always written


# ---------------------------------------------------------------------------------- lr grid

def test_lr_grid_is_a_sorted_log_scale_from_1e_5_to_10():
    grid = np.array(LR_GRID)
    assert grid[0] == 1e-5 and grid[-1] == 10.0
    assert np.all(np.diff(grid) > 0)
    # the "nice" values the page promises are on it, and every decade 1e-5 .. 1 is covered
    for nice in (5e-5, 1e-4, 0.001, 0.01, 0.035, 0.1, 1.5, 1.0, 10.0):
        assert nice in LR_GRID
    ratios = grid[1:] / grid[:-1]
    assert ratios.max() <= 1.5 + 1e-12           # no gap wider than 1 -> 1.5 on the log scale


def _nearest_in_log(value):
    """Brute force: the grid value with the smallest |log10(g) - log10(v)| (ties: smaller g)."""
    v = min(max(value, 1e-5), 10.0)
    distances = [abs(math.log10(g) - math.log10(v)) for g in LR_GRID]
    return LR_GRID[int(np.argmin(distances))]


@pytest.mark.parametrize("value, expected", [
    (0.01, 0.01), (0.013, 0.012),           # ln(13/12)=0.080 < ln(15/13)=0.143
    (0.0138, 0.015),                         # ln(1.38/1.2)=0.140 > ln(1.5/1.38)=0.083
    (0.032, 0.03), (0.034, 0.035), (0.95, 1.0), (0.94, 0.9),
    (3e-6, 1e-5), (0.0, 1e-5), (1e-9, 1e-5), (11.0, 10.0), (1e6, 10.0), (9.6, 10.0),
])
def test_snap_lr_by_hand(value, expected):
    assert snap_lr(value) == expected


@given(st.floats(1e-7, 100.0))
def test_snap_lr_is_the_nearest_grid_value_in_log_distance(value):
    got = snap_lr(value)
    assert got in LR_GRID
    v = min(max(value, 1e-5), 10.0)
    best = min(abs(math.log(g) - math.log(v)) for g in LR_GRID)
    assert abs(math.log(got) - math.log(v)) <= best + 1e-12
    # and it agrees with an independent brute force except on exact ties
    other = _nearest_in_log(value)
    if other != got:
        assert math.isclose(abs(math.log(other) - math.log(v)), abs(math.log(got) - math.log(v)),
                            rel_tol=1e-9, abs_tol=1e-12)


def test_grid_values_snap_to_themselves():
    assert [snap_lr(g) for g in LR_GRID] == list(LR_GRID)


# ---------------------------------------------------------------------------------- defaults

def test_default_settings_are_the_default_preset():
    p = PRESETS[cfg.DEFAULT_PRESET]
    assert DEFAULT.preset == cfg.DEFAULT_PRESET and DEFAULT.expression == p.expression
    assert DEFAULT.domain == tuple(p.domain) and DEFAULT.starts == tuple(p.starts)
    assert DEFAULT.lr == snap_lr(p.lr) and DEFAULT.steps == p.steps == 200
    assert DEFAULT.log_color is None                  # automatic: the preset's own choice
    assert cfg.chosen_log_color(DEFAULT) is p.log_color is True
    assert DEFAULT.n == 2


def test_empty_query_gives_the_defaults_and_no_message():
    assert from_query({}) == (DEFAULT, [])


def test_for_preset_takes_the_preset_values():
    s = cfg.for_preset("rosenbrock")
    assert cfg.STEPS_RANGE[0] <= s.steps <= PRESETS["rosenbrock"].steps == 5000
    assert s.lr == 0.001 and s.log_color is None and cfg.chosen_log_color(s) is True
    assert s.domain == ((-2.0, 2.0), (-1.0, 3.0)) and s.starts == ((-1.5, 2.0), (1.5, -0.5))
    assert s.optimizers == cfg.DEFAULT_OPTIMIZERS and s.schedule == "constant"
    assert cfg.for_preset("goldstein_price").lr == 5e-5
    assert cfg.for_preset("bowl", steps=7).steps == 7


def test_defaults_are_left_out_of_the_query():
    q = to_query(DEFAULT)
    # the colour scale is automatic (for a preset: its own choice) until the person sets it;
    # the rates are always written (a link keeps them if the defaults change): gd and momentum
    # share lr = 0.01, Adam's is the domain's width over 100, 10 / 100
    assert set(q) == DEFAULT_KEYS | {"p", "lr.adam"}
    assert q["p"] == cfg.DEFAULT_PRESET
    assert (q["lr"], q["lr.adam"]) == ("0.01", "0.1")
    assert to_query(replace(DEFAULT, log_color=True))["logc"] == "1"
    assert to_query(replace(DEFAULT, log_color=False))["logc"] == "0"
    custom = Settings(expression="x^2", preset=None, domain=((-1.0, 1.0),), starts=((0.5,),))
    assert set(to_query(custom)) == DEFAULT_KEYS
    # each non-default value adds exactly its own key
    for change, key in [({"warmup": 5}, "wu"), ({"seed": 3}, "seed"), ({"resolution": 120}, "res"),
                        ({"speed": 200}, "spd"), ({"log_loss": True}, "logy"),
                        ({"log_color": True}, "logc"), ({"log_color": False}, "logc"),
                        ({"schedule": "cosine"}, "sch"),
                        ({"lr_overrides": (("adam", 0.1),)}, "lr.adam"),
                        ({"hyper": (("adam", "beta1", 0.8),)}, "h.adam.beta1"),
                        ({"schedule": "step", "schedule_params": (("every", 10),)}, "sp.every")]:
        extra = set(to_query(replace(custom, **change))) - DEFAULT_KEYS
        assert extra == {key} | ({"sch"} if "schedule" in change else set()), change


def test_query_encoding_is_short_and_readable():
    s = Settings(expression="x^2 + y^2", preset=None, domain=((-2.0, 2.0), (-1.0, 3.5)),
                 starts=((1.5, 1.0), (-0.25, 0.0)), optimizers=("gd", "adam"), lr=0.035,
                 lr_overrides=(("adam", 0.1),), hyper=(("adam", "amsgrad", True),
                                                       ("adam", "beta1", 0.8)),
                 schedule="step", schedule_params=(("every", 10),), steps=300)
    q = to_query(s)
    assert q["d"] == "-2,2;-1,3.5" and q["s"] == "1.5,1;-0.25,0"
    assert q["o"] == "gd,adam" and q["lr"] == "0.035" and q["n"] == "300"
    assert q["lr.adam"] == "0.1" and q["h.adam.amsgrad"] == "1" and q["h.adam.beta1"] == "0.8"
    assert q["sch"] == "step" and q["sp.every"] == "10"


# ---------------------------------------------------------------------------------- round trip

def _six(x: float) -> float:
    """A float that survives the query's 6-significant-digit encoding unchanged."""
    return float(f"{x:.6g}")


_coord = st.floats(-cfg.DOMAIN_LIMIT, cfg.DOMAIN_LIMIT, allow_nan=False).map(_six)
_range = st.tuples(_coord, _coord).filter(lambda r: r[0] != r[1]).map(lambda r: tuple(sorted(r)))


def _param_values(p):
    if p.kind == "bool":
        return st.booleans()
    if p.kind == "int":
        return st.integers(int(p.low), int(min(p.high, 10**6)))
    return st.floats(p.low, p.high, allow_nan=False).map(_six).filter(
        lambda v: p.low <= v <= p.high)


@st.composite
def valid_settings(draw):
    preset = draw(st.none() | st.sampled_from(list(PRESETS)))
    if preset:
        expression = PRESETS[preset].expression
    else:
        expression = draw(st.sampled_from(["x^2 + y^2", "w^4 - 3*w^3 + 2", "sin(x)*cos(y)", ""])
                          | st.text(max_size=MAX_LENGTH))
    n = draw(st.sampled_from([1, 2]))
    domain = tuple(draw(st.lists(_range, min_size=n, max_size=n)))
    starts = tuple(draw(st.lists(st.tuples(*[_coord] * n), min_size=1,
                                 max_size=cfg.MAX_STARTS)))
    optimizers = tuple(draw(st.permutations(list(OPTIMIZERS)))[:draw(
        st.integers(0, len(OPTIMIZERS)))])
    overrides = tuple((o, draw(st.sampled_from(LR_GRID)))
                      for o in draw(st.lists(st.sampled_from(list(OPTIMIZERS)), unique=True,
                                             max_size=3)))
    hyper = []
    for o in draw(st.lists(st.sampled_from(list(OPTIMIZERS)), unique=True, max_size=3)):
        params = OPTIMIZERS[o].params
        for p in draw(st.lists(st.sampled_from(params), unique=True, min_size=1,
                               max_size=len(params))):
            hyper.append((o, p.name, draw(_param_values(p))))
    schedule = draw(st.sampled_from(list(SCHEDULES)))
    sparams = SCHEDULES[schedule].params
    schedule_params = tuple((p.name, draw(_param_values(p))) for p in draw(
        st.lists(st.sampled_from(sparams), unique=True, max_size=len(sparams)))) if sparams else ()
    return Settings(
        expression=expression, preset=preset, domain=domain, starts=starts,
        optimizers=optimizers, lr=draw(st.sampled_from(LR_GRID)), lr_overrides=overrides,
        hyper=tuple(hyper), schedule=schedule, schedule_params=schedule_params,
        warmup=draw(st.integers(0, 10000)), steps=draw(st.integers(*cfg.STEPS_RANGE)),
        seed=draw(st.integers(*cfg.SEED_RANGE)),
        resolution=draw(st.integers(*cfg.RESOLUTION_RANGE)),
        log_color=draw(st.sampled_from([None, False, True])), log_loss=draw(st.booleans()),
        speed=draw(st.integers(*cfg.SPEED_RANGE)))


def _canonical(s: Settings) -> Settings:
    """The same settings with the mapping-like tuples in one order (see the order test below)."""
    return replace(s, lr_overrides=tuple(sorted(s.lr_overrides)), hyper=tuple(sorted(
        s.hyper, key=lambda h: h[:2])), schedule_params=tuple(sorted(s.schedule_params)))


@hyp_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_settings())
def test_round_trip_through_the_query(s):
    back, problems = from_query(to_query(s))
    assert problems == []
    assert _canonical(back) == _canonical(s)
    # the query is plain text a URL can carry
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in to_query(s).items())


@hyp_settings(max_examples=100, deadline=None)
@given(valid_settings())
def test_query_values_are_idempotent(s):
    """Encoding what was decoded gives the same query (the URL the page writes back is stable)."""
    q = to_query(s)
    assert to_query(from_query(q)[0]) == q


@pytest.mark.parametrize("key", list(PRESETS))
def test_every_preset_round_trips(key):
    s = cfg.for_preset(key, optimizers=("gd", "adam"), lr_overrides=(("adam", 0.05),))
    assert from_query(to_query(s)) == (s, [])


def test_round_trip_of_the_settings_the_page_makes():
    # what app._settings_from_widgets builds for a typical session, in widget order
    s = replace(DEFAULT, optimizers=("gd", "momentum", "adam"), lr=0.02,
                lr_overrides=(("gd", 0.1),), hyper=(("momentum", "momentum", 0.5),),
                schedule="exponential", schedule_params=(("k", 0.05),), warmup=10, steps=321,
                seed=7, resolution=150, speed=300, log_loss=True,
                starts=((0.025, -1.5), (3.0, 2.0)))
    assert from_query(to_query(s)) == (s, [])


def test_round_trip_keeps_log_color_off_on_a_log_preset():
    s = replace(DEFAULT, log_color=False)             # himmelblau suggests log colours
    assert from_query(to_query(s))[0].log_color is False


def test_log_colour_is_automatic_unless_the_link_sets_it():
    """logc=0 / logc=1 (also in links written before the automatic scale) are the person's
    choice; without logc the scale is automatic: None, which chosen_log_color resolves to the
    shown preset's own choice, or to None (decide from the landscape) for a typed loss."""
    for query, log_color, chosen in [
            ({}, None, True),                                     # himmelblau: log
            ({"p": "bowl"}, None, False),
            ({"p": "himmelblau", "logc": "0"}, False, False),
            ({"p": "bowl", "logc": "1"}, True, True),
            ({"f": "x^2 + 10*y^2"}, None, None),                   # typed: from its grid
            ({"p": "rosenbrock", "f": "x^2"}, None, None),         # the preset's text replaced
            ({"f": "x^2 + 10*y^2", "logc": "1"}, True, True),
            ({"f": "x^2 + 10*y^2", "logc": "0"}, False, False)]:
        s, problems = from_query(query)
        assert problems == [] and s.log_color is log_color, query
        assert cfg.chosen_log_color(s) is chosen, query


def test_round_trip_keeps_log_color_off_on_a_custom_loss():
    s = Settings(expression="x^2 + y^2", preset=None, domain=((-1.0, 1.0), (-1.0, 1.0)),
                 starts=((0.5, 0.5),))
    assert from_query(to_query(s)) == (s, [])


def test_round_trip_keeps_the_order_of_parameters():
    s = replace(DEFAULT, lr_overrides=(("gd", 0.1), ("adam", 0.05)),
                hyper=(("adam", "beta1", 0.8), ("adam", "amsgrad", True)),
                schedule="step", schedule_params=(("factor", 0.25), ("every", 10)))
    assert from_query(to_query(s)) == (s, [])


def test_round_trip_is_exact_for_any_float():
    s = replace(DEFAULT, starts=((0.1234567, 1 / 3),))
    assert from_query(to_query(s))[0].starts == s.starts


# ------------------------------------------------------------------------------- from_query

def test_a_full_query_is_decoded():
    q = {"f": "x^2 + 3*y^2", "d": "-3,3;-2,2", "s": "1,1;-2,1.5", "o": "gd,adam",
         "lr": "0.05", "n": "40", "sch": "exponential", "sp.k": "0.05",
         "h.adam.beta1": "0.8", "h.adam.amsgrad": "1", "lr.adam": "0.1", "logc": "1",
         "logy": "1", "wu": "3", "seed": "9", "res": "100", "spd": "250"}
    s, problems = from_query(q)
    assert problems == []
    assert s == Settings(
        expression="x^2 + 3*y^2", preset=None, domain=((-3.0, 3.0), (-2.0, 2.0)),
        starts=((1.0, 1.0), (-2.0, 1.5)), optimizers=("gd", "adam"), lr=0.05,
        lr_overrides=(("adam", 0.1),), hyper=(("adam", "beta1", 0.8), ("adam", "amsgrad", True)),
        schedule="exponential", schedule_params=(("k", 0.05),), warmup=3, steps=40, seed=9,
        resolution=100, log_color=True, log_loss=True, speed=250)
    assert s.lr_for("adam") == 0.1 and s.lr_for("gd") == 0.05
    assert s.options() == {"adam": {"amsgrad": True, "beta1": 0.8}}
    # parameters keep the link's order (the page's widget order), so a round trip is exact


def test_a_preset_fills_what_the_query_leaves_out():
    s, problems = from_query({"p": "rosenbrock", "o": "gd"})
    assert problems == []
    assert s == cfg.for_preset("rosenbrock", optimizers=("gd",))


def test_a_preset_with_another_expression_becomes_custom():
    s, problems = from_query({"p": "bowl", "f": "x^2 + 2*y^2"})
    assert problems == []
    assert s.preset is None and s.expression == "x^2 + 2*y^2"
    assert s.domain == PRESETS["bowl"].domain          # the rest still comes from the preset
    s, _ = from_query({"p": "bowl", "f": PRESETS["bowl"].expression})
    assert s.preset == "bowl"


def test_base_settings_fill_missing_parameters():
    base = cfg.for_preset("quartic", steps=12)
    assert base.lr_overrides != ()                  # Adam has its own rate on the quartic
    s, problems = from_query({"lr": "0.2"}, base=base)
    # lr= sets the rate of every chosen optimizer the link gives no lr.<name>: all three here
    assert problems == [] and s == replace(base, lr=0.2, lr_overrides=())
    assert [s.lr_for(o) for o in s.optimizers] == [0.2, 0.2, 0.2]
    s, problems = from_query({"n": "40"}, base=base)
    assert problems == [] and s == replace(base, steps=40)      # no lr=: the rates stay


def test_query_lr_is_kept_exactly():
    s, problems = from_query({"lr": "0.013", "lr.adam": "0.0031", "o": "gd,adam"})
    assert problems == []
    assert s.lr == 0.013 and s.lr_overrides == (("adam", 0.0031),)


def test_empty_optimizer_list_is_allowed():
    s, problems = from_query({"o": ""})
    assert problems == [] and s.optimizers == ()


def test_duplicate_optimizers_are_merged():
    s, problems = from_query({"o": "adam,gd,adam"})
    assert problems == [] and s.optimizers == ("adam", "gd")


BAD = [   # (query, the Settings field it must leave at the default)
    ({"lr": "abc"}, "lr"), ({"lr": "0"}, "lr"), ({"lr": "100"}, "lr"), ({"lr": "nan"}, "lr"),
    ({"lr": "inf"}, "lr"), ({"lr": "1e-9"}, "lr"),
    ({"n": "0"}, "steps"), ({"n": "5001"}, "steps"), ({"n": "2.5"}, "steps"),
    ({"n": "1e999"}, "steps"), ({"n": "9" * 400}, "steps"), ({"n": ""}, "steps"),
    ({"seed": "-1"}, "seed"), ({"seed": str(2**31)}, "seed"), ({"res": "10"}, "resolution"),
    ({"res": "301"}, "resolution"), ({"spd": "5"}, "speed"), ({"wu": "10001"}, "warmup"),
    ({"wu": "-1"}, "warmup"),
    ({"logc": "yes"}, "log_color"), ({"logy": "2"}, "log_loss"),
    ({"o": "gd,bogus"}, "optimizers"), ({"o": "GD"}, "optimizers"),
    ({"sch": "bogus"}, "schedule"), ({"p": "bogus"}, "preset"),
    ({"f": "x" * (MAX_LENGTH + 1)}, "expression"),
    ({"d": "1,0;0,1"}, "domain"), ({"d": "0,0"}, "domain"), ({"d": "a,b"}, "domain"),
    ({"d": "0,1,2"}, "domain"), ({"d": "0,1;0,1;0,1"}, "domain"), ({"d": "-2e6,0"}, "domain"),
    ({"d": "nan,1"}, "domain"), ({"d": "0,1" + ";0,1" * 2000}, "domain"), ({"d": "1"}, "domain"),
    ({"s": "1,2,3"}, "starts"), ({"s": "1"}, "starts"), ({"s": ";".join(["0,0"] * 9)}, "starts"),
    ({"s": ""}, "starts"), ({"s": "0,inf"}, "starts"), ({"s": "0,1e7"}, "starts"),
    ({"lr.adam": "abc"}, "lr_overrides"), ({"lr.adam": "20"}, "lr_overrides"),
    ({"h.adam.beta1": "2"}, "hyper"), ({"h.adam.beta1": "nan"}, "hyper"),
    ({"h.adam.amsgrad": "2"}, "hyper"), ({"h.momentum.momentum": "abc"}, "hyper"),
    ({"h.adam.nope": "1"}, "hyper"), ({"h.nope.beta1": "1"}, "hyper"),
    ({"lr.nope": "0.1"}, "lr_overrides"), ({"sp.factor": "0.25"}, "schedule_params"),
    ({"sch": "step", "sp.every": "0"}, "schedule_params"),
    ({"sch": "step", "sp.every": "2.5"}, "schedule_params"),
    ({"sch": "step", "sp.factor": "0"}, "schedule_params"),
    ({"sch": "step", "sp.nope": "1"}, "schedule_params"),
]


@pytest.mark.parametrize("query, field", BAD, ids=lambda v: str(v)[:40])
def test_a_bad_parameter_gives_one_message_and_is_dropped(query, field):
    s, problems = from_query(query)
    assert len(problems) == 1, problems
    assert getattr(s, field) == getattr(DEFAULT, field)
    # the message says which parameter (and is short: long values are tested below)
    if max(map(len, query.values())) <= 100:
        assert len(problems[0]) < 300
    bad_key = [k for k in query if not (k == "sch" and query[k] in SCHEDULES)][0]
    assert bad_key in problems[0] or {"d": "domain", "s": "starts"}.get(bad_key, "?") \
        in problems[0]
    # the good parameters next to it still apply
    if "sch" in query and query["sch"] in SCHEDULES:
        assert s.schedule == query["sch"]


@pytest.mark.parametrize("key", ["lr", "n", "seed", "lr.adam", "h.adam.beta1", "d"])
def test_a_huge_bad_value_gives_a_short_message(key):
    s, problems = from_query({key: "9" * 1500 if key != "d" else "a" * 1500})
    assert len(problems) == 1
    assert len(problems[0]) < 300, len(problems[0])


def test_every_bad_parameter_is_reported_once_and_the_good_ones_apply():
    q = {"lr": "abc", "n": "0", "o": "gd,bogus", "d": "1,0;0,1", "h.adam.beta1": "2",
         "seed": "5", "res": "120", "lr.gd": "0.1"}
    s, problems = from_query(q)
    assert len(problems) == 5, problems
    assert (s.seed, s.resolution, s.lr_for("gd")) == (5, 120, 0.1)
    # the bad lr= is ignored: the other optimizers keep the rates they had (0.01, 0.1)
    assert [s.lr_for(o) for o in ("momentum", "adam")] == [0.01, 0.1] == \
        [DEFAULT.lr_for(o) for o in ("momentum", "adam")]
    assert (s.steps, s.optimizers, s.domain, s.hyper) == \
        (DEFAULT.steps, DEFAULT.optimizers, DEFAULT.domain, ())


def test_any_text_never_raises():
    for q in [{"f": "__import__('os')"}, {"d": ";;;"}, {"s": ",,,"}, {"o": ",,,"},
              {"h.adam": "1"}, {"h..": "1"}, {"lr.": "1"}, {"sp.": "1"}, {"...": "x"},
              {"d": "-1e6,1e6", "s": "1e6"}, {"n": "0x10"}, {"lr": "1e-5"}, {"lr": "10"}]:
        s, problems = from_query(q)
        assert isinstance(s, Settings) and all(isinstance(p, str) for p in problems)


@given(st.dictionaries(st.sampled_from(["f", "d", "s", "o", "lr", "n", "p", "sch", "sp.k",
                                        "sp.every", "h.adam.beta1", "h.rmsprop.centered",
                                        "lr.adam", "seed", "res", "spd", "wu", "logc", "logy"]),
                       st.text(max_size=30)))
def test_random_query_values_never_raise_and_give_valid_settings(q):
    s, problems = from_query(q)
    assert len(problems) <= len(q) + 1
    assert 1 <= len(s.domain) <= 2 and all(lo < hi for lo, hi in s.domain)
    assert 1 <= len(s.starts) <= cfg.MAX_STARTS
    assert all(len(p) == s.n for p in s.starts)
    assert s.lr in LR_GRID and all(lr in LR_GRID for _, lr in s.lr_overrides)
    assert set(s.optimizers) <= set(OPTIMIZERS) and s.schedule in SCHEDULES
    assert cfg.STEPS_RANGE[0] <= s.steps <= cfg.STEPS_RANGE[1]
    for o, name, value in s.hyper:
        OPTIMIZERS[o].resolve({name: value})       # raises if out of the published range
    schedules.make(s.schedule, lr=s.lr, warmup=s.warmup, **dict(s.schedule_params))


# --------------------------------------------------------------------- dimensions, unknown keys

def test_a_1d_domain_without_starts_gets_a_start_in_its_middle():
    s, problems = from_query({"f": "w^2", "d": "-1,3"})
    assert s.domain == ((-1.0, 3.0),) and s.starts == ((1.0,),)
    assert len(problems) == 1 and "starts" in problems[0]


def test_starts_of_the_wrong_dimension_are_dropped():
    s, problems = from_query({"d": "-1,1;-1,1", "s": "0.5"})
    assert s.domain == ((-1.0, 1.0), (-1.0, 1.0)) and s.starts == DEFAULT.starts
    assert len(problems) == 1 and "s=" in problems[0]
    s, problems = from_query({"s": "1,2;3"})            # mixed dimensions
    assert s.starts == DEFAULT.starts and len(problems) == 1


def test_matching_1d_domain_and_starts():
    s, problems = from_query({"f": "w^2", "d": "-2,4", "s": "-1.5;3.5"})
    assert problems == [] and s.starts == ((-1.5,), (3.5,)) and s.n == 1


def test_mismatched_starts_give_one_message():
    s, problems = from_query({"d": "-1,1", "s": "0.5,0.5"})
    assert s.starts == ((0.0,),)
    assert len(problems) == 1, problems


def test_unknown_dotted_keys_are_reported():
    for key in ("lr.nope", "h.nope.x", "h.adam.nope", "sp.nope", "h.adam.beta1.x", "lr.a.b"):
        s, problems = from_query({key: "1"})
        assert len(problems) == 1 and key in problems[0], (key, problems)
        assert s == DEFAULT


def test_unknown_plain_keys_are_reported():
    for key in ("zzz", "steps", "lrate"):
        s, problems = from_query({key: "1"})
        assert len(problems) == 1 and key in problems[0], (key, problems)


def test_settings_fields_all_have_a_query_key():
    """Every field of Settings is carried by the query (no field silently lost in a link)."""
    s = Settings(expression="x^2", preset=None, domain=((-1.0, 2.0),), starts=((0.5,),),
                 optimizers=("adam",), lr=0.2, lr_overrides=(("adam", 0.3),),
                 hyper=(("adam", "beta2", 0.9),), schedule="cosine",
                 schedule_params=(("total", 50),), warmup=4, steps=77, seed=3, resolution=40,
                 log_color=True, log_loss=True, speed=500)
    back, problems = from_query(to_query(s))
    assert problems == []
    for f in fields(Settings):
        assert getattr(back, f.name) == getattr(s, f.name), f.name
