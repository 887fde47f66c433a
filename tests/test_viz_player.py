"""viz.player: the data the player component receives (issue 8: "sizes bounded, every step
present"), built from the real engine (`landscapes.compile_loss`, `optimizers.simulate`).

Expected values are computed here: grids from the formula written in NumPy, the q16 error bounds
from the codec's definition (half of one of 65 534 levels of the range), the inspector's worked
example by hand.
"""
import copy

import numpy as np
import pytest

from landscapes import PRESETS, compile_loss
from optimizers import OPTIMIZERS, simulate
from viz.pack import pack, unpack
from viz.player import (SURFACE_MAX_RESOLUTION, inspect_part, landscape_part, message,
                        paths_part, run_order)

LEVELS = 65534
BUDGET = 1_000_000      # issue 8: the whole payload under 1 MB for every reachable configuration


def unpack_part(part):
    return unpack(pack(part.header, part.blobs))


def half_level(lo, hi):
    return (hi - lo) / LEVELS / 2


# A bowl where gd at lr 0.4 diverges along y (factor 1 - 0.4 * 6 = -1.4 a step) while adam and
# momentum stay: NaN after divergence, a blow-up on the loss plot.
BOWL = "x^2 + 3*y^2"
BOWL_DOMAIN = ((-2.0, 2.0), (-2.0, 2.0))
BOWL_STARTS = [[1.0, 1.0], [-1.5, 0.5], [0.3, -1.8]]


def bowl(x, y):
    return x**2 + 3 * y**2


@pytest.fixture(scope="module")
def bowl_run():
    loss = compile_loss(BOWL)
    return simulate(loss, ["gd", "momentum", "adam"], starts=BOWL_STARTS, steps=60, lr=0.4,
                    seed=0, domain=BOWL_DOMAIN)


# ------------------------------------------------------------------------------------ paths

def test_every_step_of_every_run_is_present_in_optimizer_major_order(bowl_run):
    run = bowl_run
    O, S, T1, n = run.points.shape
    assert (run.diverged_at >= 0).any() and (run.diverged_at < 0).any()   # the input matters
    part = unpack_part(paths_part(run, BOWL_DOMAIN))
    assert part["T"] == T1 - 1 and part["n"] == n == 2
    assert run_order(run) == [(o, s) for o in range(O) for s in range(S)]
    assert [(r["optimizer"], r["start"]) for r in part["runs"]] == \
        [(run.optimizers[o], s) for o in range(O) for s in range(S)]
    for j in range(n):
        coord = part["points"][j]
        assert coord.shape == (O * S, T1)
        expected = run.points[..., j].reshape(O * S, T1)
        # the codec's range covers the domain and every finite point (all inside the box)
        finite = expected[np.isfinite(expected)]
        lo, hi = min(finite.min(), BOWL_DOMAIN[j][0]), max(finite.max(), BOWL_DOMAIN[j][1])
        assert np.array_equal(np.isnan(coord), np.isnan(expected))
        ok = ~np.isnan(expected)
        assert np.abs(coord[ok] - expected[ok]).max() <= half_level(lo, hi) * (1 + 1e-9)
        for r, (o, s) in enumerate(run_order(run)):   # row r is run (o, s), step by step
            assert np.allclose(coord[r], run.points[o, s, :, j], atol=2 * half_level(lo, hi),
                               rtol=0, equal_nan=True)


def test_losses_within_the_q16_log_bound_and_nan_after_divergence(bowl_run):
    run = bowl_run
    O, S, T1 = run.values.shape
    values = unpack_part(paths_part(run, BOWL_DOMAIN))["values"]
    expected = run.values.reshape(O * S, T1)
    assert values.shape == (O * S, T1)
    assert np.array_equal(np.isnan(values), np.isnan(expected))
    for r, (o, s) in enumerate(run_order(run)):
        d = run.diverged_at[o, s]
        if d >= 0:
            assert np.isnan(values[r, d:]).all() and np.isfinite(values[r, :d]).all()
    ok = np.isfinite(expected)
    v = expected[ok]
    if v.min() > 0:           # positive losses: log10(v) quantised, error relative to v
        u, base = np.log10(v), v
    else:                     # some loss is 0: log10(v - min + eps), eps as grid.log_offset says
        vmin = v.min()
        eps = max(1e-6 * (np.percentile(v, 98) - vmin), 1e-12 * max(1.0, abs(vmin)), 1e-300)
        u, base = np.log10(v - vmin + eps), v - vmin + eps
    delta = half_level(u.min(), u.max())
    rel = np.abs(values[ok] - v) / base
    assert rel.max() <= (10.0 ** delta - 1) * (1 + 1e-6) + 1e-12


def test_losses_of_a_loss_below_zero_keep_their_bound():
    # unbounded below: every run walks off to -infinity and diverges at the box
    loss = compile_loss("-x^2 - y^2")
    domain = ((-2.0, 2.0), (-2.0, 2.0))
    run = simulate(loss, ["gd", "adam"], starts=[[0.5, 0.1], [-1.0, 1.0]], steps=80, lr=0.1,
                   seed=0, domain=domain)
    part = unpack_part(paths_part(run, domain, log_loss=True))
    O, S, T1 = run.values.shape
    expected = run.values.reshape(O * S, T1)
    ok = np.isfinite(expected)
    v = expected[ok]
    assert v.min() < 0
    vmin = v.min()
    eps = max(1e-6 * (np.percentile(v, 98) - vmin), 1e-12 * max(1.0, abs(vmin)), 1e-300)
    u = np.log10(v - vmin + eps)
    delta = half_level(u.min(), u.max())
    got = part["values"]
    assert np.array_equal(np.isnan(got), ~ok)
    assert (np.abs(got[ok] - v) / (v - vmin + eps)).max() <= (10.0 ** delta - 1) * (1 + 1e-6)
    axis = part["loss_axis"]
    assert axis["type"] == "log"
    assert axis["offset"] == pytest.approx(vmin - eps, rel=1e-12)
    assert "min" in axis["title"]


def test_diverged_at_and_last_step_per_run(bowl_run):
    run = bowl_run
    T = run.points.shape[2] - 1
    runs = unpack_part(paths_part(run, BOWL_DOMAIN))["runs"]
    for r, (o, s) in enumerate(run_order(run)):
        d = int(run.diverged_at[o, s])
        assert runs[r]["diverged_at"] == d
        assert runs[r]["last"] == (d - 1 if d >= 0 else T)


def test_labels_colours_and_styles_tell_runs_apart():
    loss = compile_loss(BOWL)
    names = list(OPTIMIZERS)
    starts = [[-1.5 + 0.4 * i, 1.0 - 0.25 * i] for i in range(8)]
    run = simulate(loss, names, starts=starts, steps=3, lr=0.01, seed=0, domain=BOWL_DOMAIN)
    runs = unpack_part(paths_part(run, BOWL_DOMAIN, labels={"adam": "My Adam"},
                                  lr_labels={"gd": "0.01"}))["runs"]
    assert len(runs) == len(names) * 8
    by_opt = {}
    for r in runs:
        by_opt.setdefault(r["optimizer"], []).append(r)
    assert list(by_opt) == names
    colours = [rs[0]["color"] for rs in by_opt.values()]
    assert len(set(colours)) == len(names)                     # one colour per optimizer
    labels = [rs[0]["label"] for rs in by_opt.values()]
    assert len(set(labels)) == len(names) and by_opt["adam"][0]["label"] == "My Adam"
    assert by_opt["gd"][0]["lr"] == "0.01" and by_opt["adam"][0]["lr"] is None
    for name, rs in by_opt.items():
        assert {r["color"] for r in rs} == {rs[0]["color"]}    # an optimizer keeps its colour
        assert [r["start"] for r in rs] == list(range(8))
        # every start of an optimizer looks different: in 2-D and in 3-D
        assert len({(r["dash"], r["symbol"]) for r in rs}) == 8
        assert len({(r["dash"], r["symbol3d"]) for r in rs}) == 8
        assert len({r["symbol"] for r in rs}) == 8
        assert len({r["dash"] for r in rs[:6]}) == 6             # distinct dashes up to six


def test_linear_loss_axis_is_not_squashed_by_a_blow_up(bowl_run):
    run = bowl_run
    axis = unpack_part(paths_part(run, BOWL_DOMAIN))["loss_axis"]
    assert axis["type"] == "linear" and axis["offset"] == 0.0
    values = run.values
    kept = values[run.diverged_at < 0]
    top_needed = max(np.nanmax(kept), np.nanmax(values[..., 0]))   # every kept run, every start
    blow_up = np.nanmax(values)
    assert blow_up > 50 * top_needed                   # the input has a real blow-up
    assert "range" in axis, "no linear range: the blow-up squashes the other runs"
    lo, hi = axis["range"]
    assert hi >= top_needed and lo <= np.nanmin(values)
    assert hi < blow_up / 10


def test_linear_loss_axis_without_a_blow_up_has_no_forced_range():
    loss = compile_loss(BOWL)
    run = simulate(loss, ["gd", "adam"], starts=BOWL_STARTS, steps=30, lr=0.05, seed=0,
                   domain=BOWL_DOMAIN)
    assert (run.diverged_at < 0).all()
    axis = unpack_part(paths_part(run, BOWL_DOMAIN))["loss_axis"]
    # autorange (no range) or a range that covers every value
    if "range" in axis:
        assert axis["range"][0] <= np.nanmin(run.values) and axis["range"][1] >= np.nanmax(
            run.values)


def test_paths_key_follows_the_paths(bowl_run):
    k = paths_part(bowl_run, BOWL_DOMAIN).header["key"]
    assert paths_part(bowl_run, BOWL_DOMAIN).header["key"] == k
    assert paths_part(bowl_run, BOWL_DOMAIN, log_loss=True).header["key"] != k
    other = simulate(compile_loss(BOWL), ["gd", "momentum", "adam"], starts=BOWL_STARTS,
                     steps=60, lr=0.3, seed=0, domain=BOWL_DOMAIN)
    assert paths_part(other, BOWL_DOMAIN).header["key"] != k


# ------------------------------------------------------------------------------------ inspector

def test_inspector_arrays_are_the_runs_exact_numbers():
    loss = compile_loss("(1-x)^2 + 100*(y-x^2)^2")
    names = ["gd", "sgd", "adam", "adadelta"]
    starts = [[-1.5, 2.0], [1.5, -0.5], [0.0, 0.0]]
    rates = {"gd": 0.001, "sgd": 0.0005, "adam": 0.01, "adadelta": 1.0}
    run = simulate(loss, names, starts=starts, steps=40, lr=rates, seed=0,
                   domain=((-2.0, 2.0), (-1.0, 3.0)))
    for o, s in [(2, 1), (1, 2), (3, 0), (0, 0)]:
        part = unpack_part(inspect_part(run, o, s))
        name = names[o]
        assert part["optimizer"] == name and part["run"] == o * len(starts) + s
        for key, ref in (("x", run.points[o, s]), ("g", run.gradients[o, s]),
                         ("value", run.values[o, s]), ("lr", run.lr[o])):
            assert key != "lr" or (ref == rates[name]).all()
            assert part[key].dtype == np.float64
            assert np.array_equal(part[key], ref, equal_nan=True), key
        assert set(part["states"]) == set(run.states[name]) and part["states"]
        for key, ref in run.states[name].items():
            assert np.array_equal(part["states"][key], np.asarray(ref)[s], equal_nan=True), key
        assert set(part["hyper"]) == set(run.hyper[name])


def test_inspector_worked_example_quartic():
    # f(w) = w^4 - 3 w^3 + 2, f'(w) = 4 w^3 - 9 w^2; from w = -1.5:
    # f'(-1.5) = 4 (-3.375) - 9 (2.25) = -13.5 - 20.25 = -33.75
    # w_1 = -1.5 - 0.001 (-33.75) = -1.46625
    p = PRESETS["quartic"]
    assert p.expression.replace(" ", "") == "w^4-3*w^3+2"
    run = simulate(compile_loss(p.expression), ["gd"], starts=[[-1.5]], steps=5, lr=0.001,
                   seed=0, domain=p.domain)
    part = unpack_part(inspect_part(run, 0, 0))
    assert part["g"][0, 0] == -33.75
    assert part["x"][0, 0] == -1.5
    assert part["x"][1, 0] == pytest.approx(-1.46625, abs=1e-15)
    assert part["value"][0] == pytest.approx((-1.5) ** 4 - 3 * (-1.5) ** 3 + 2, abs=1e-15)
    assert part["lr"][0] == 0.001


# ------------------------------------------------------------------------------------ landscape

ROSEN_DOMAIN = ((-2.0, 2.0), (-1.0, 3.0))


def rosen(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def my_grid(f, domain, res):
    (x0, x1), (y0, y1) = domain
    xs, ys = np.linspace(x0, x1, res), np.linspace(y0, y1, res)
    X, Y = np.meshgrid(xs, ys)                      # row = y, column = x (Plotly's z[j][i])
    return xs, ys, f(X, Y)


def f32_close(got, expected, rtol=1e-6, atol=0.0):
    np.testing.assert_allclose(np.asarray(got, dtype=float), expected.astype(np.float32),
                               rtol=rtol, atol=atol)


def grid_close(got, want):
    """A landscape grid sent as 16-bit codes of l = log10(v - min + eps) (viz.player._grid_blob,
    eps as viz.grid.log_offset documents): within half a code of l, i.e. a relative error of
    10**(half a code) - 1 on v - min + eps, plus float32 rounding of the grid."""
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    vmin = want.min()
    eps = max(1e-6 * (np.percentile(want, 98) - vmin), 1e-12 * max(1.0, abs(vmin)), 1e-300)
    level = np.log10(want - vmin + eps)
    half = (level.max() - level.min()) / 65534 / 2
    tol = (want - vmin + eps) * (10 ** (half * 1.01) - 1) + 1e-7 * np.abs(want) + 1e-9
    assert got.shape == want.shape
    worst = np.argmax(np.abs(got - want) - tol)
    assert np.all(np.abs(got - want) <= tol), (got.flat[worst], want.flat[worst], tol.flat[worst])


def trace(fig, kind):
    (t,) = [t for t in fig["data"] if t.get("type") == kind]
    return t


@pytest.mark.parametrize("resolution", [60, 150])
def test_surface_and_contour_grids_match_the_loss(resolution):
    loss = compile_loss("(1-x)^2 + 100*(y-x^2)^2")
    part = unpack_part(landscape_part(loss, ROSEN_DOMAIN, resolution=resolution))
    assert part["n"] == 2 and part["variables"] == ["x", "y"]
    assert part["domain"] == [list(d) for d in ROSEN_DOMAIN]
    assert "curve" not in part
    surf_res = min(resolution, 100)                 # 3-D grid capped at 100 per axis
    assert SURFACE_MAX_RESOLUTION == 100
    for view, kind, res in (("surface", "surface", surf_res), ("contour", "contour", resolution)):
        t = trace(part[view], kind)
        xs, ys, Z = my_grid(rosen, ROSEN_DOMAIN, res)
        assert np.isfinite(Z).all()
        assert np.shape(t["z"]) == (res, res), view
        f32_close(t["x"], xs, atol=1e-6)
        f32_close(t["y"], ys, atol=1e-6)
        grid_close(t["z"], Z)


def test_log_color_surface_is_coloured_by_log_of_loss_minus_min():
    loss = compile_loss("(1-x)^2 + 100*(y-x^2)^2")
    part = unpack_part(landscape_part(loss, ROSEN_DOMAIN, resolution=80, log_color=True))
    _, _, Z = my_grid(rosen, ROSEN_DOMAIN, 80)
    zmin = Z.min()
    eps = max(1e-6 * (np.percentile(Z, 98) - zmin), 1e-12 * max(1.0, abs(zmin)), 1e-300)
    expected = np.log10(Z - zmin + eps)
    surface = trace(part["surface"], "surface")
    grid_close(surface["z"], Z)        # heights stay the loss
    assert surface.get("surfacecolor") is not None, "the 3-D surface ignores log_color"
    grid_close(surface["surfacecolor"], expected)
    contour = trace(part["contour"], "contour")
    grid_close(contour["z"], expected)
    grid_close(contour["customdata"], Z)      # the hover shows the loss
    # and without log_color the surface has no separate colour (colour = height)
    plain_part = unpack_part(landscape_part(loss, ROSEN_DOMAIN, resolution=80))
    assert trace(plain_part["surface"], "surface").get("surfacecolor") is None
    grid_close(trace(plain_part["contour"], "contour")["z"], Z)


def test_one_variable_loss_gets_a_curve():
    p = PRESETS["quartic"]
    loss = compile_loss(p.expression)
    part = unpack_part(landscape_part(loss, p.domain, minima=p.minima))
    assert part["n"] == 1 and part["variables"] == ["w"]
    assert "curve" in part and "surface" not in part and "contour" not in part
    curve = part["curve"]["data"][0]
    w = np.asarray(curve["x"], dtype=float)
    assert w[0] == p.domain[0][0] and w[-1] == p.domain[0][1] and np.all(np.diff(w) > 0)
    ws = np.linspace(p.domain[0][0], p.domain[0][1], len(w))
    f32_close(curve["x"], ws, atol=1e-6)
    f32_close(curve["y"], ws**4 - 3 * ws**3 + 2, rtol=2e-6, atol=1e-5)
    # the known minimum is drawn: a marker at w = 9/4
    xs = [x for t in part["curve"]["data"][1:] for x in np.atleast_1d(t.get("x", []))]
    assert any(abs(float(x) - 2.25) < 1e-9 for x in xs)


def test_landscape_key_changes_exactly_with_its_inputs():
    base = dict(resolution=80, log_color=False)
    text = "(1-x)^2 + 100*(y-x^2)^2"

    def key(text=text, domain=ROSEN_DOMAIN, **kw):
        return landscape_part(compile_loss(text), domain, **{**base, **kw}).header["key"]

    k = key()
    assert key() == k                                       # same inputs again
    same = copy.deepcopy(compile_loss(text))                # an equal loss, another object
    assert landscape_part(same, ROSEN_DOMAIN, **base).header["key"] == k
    changed = [key(text="(1-x)^2 + 90*(y-x^2)^2"), key(domain=((-2.0, 2.0), (-1.0, 2.5))),
               key(resolution=90), key(log_color=True)]
    assert k not in changed and len(set(changed)) == 4
    assert landscape_part(compile_loss(text), ROSEN_DOMAIN, key="a").header["key"] == \
        landscape_part(compile_loss(text), ((0.0, 1.0), (0.0, 1.0)), key="a").header["key"]


# ------------------------------------------------------------------------------------ message

def assert_same(a, b, where="$"):
    if isinstance(a, np.ndarray):
        assert isinstance(b, np.ndarray) and a.shape == b.shape, where
        assert np.array_equal(a, b, equal_nan=True), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and set(a) == set(b), where
        for k in a:
            assert_same(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_same(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def test_message_renumbers_each_parts_blobs(bowl_run):
    L = landscape_part(compile_loss(BOWL), BOWL_DOMAIN, resolution=70, log_color=True)
    P = paths_part(bowl_run, BOWL_DOMAIN)
    I = inspect_part(bowl_run, 2, 1)
    assert L.blobs and P.blobs and I.blobs
    player = {"plotly_url": "/app/static/plotly.min.js", "speed": 12.5, "ε": [1, None]}
    msg = unpack(message(L, P, I, player=player))
    assert msg["player"] == player
    assert_same(msg["landscape"], unpack_part(L), "landscape")
    assert_same(msg["paths"], unpack_part(P), "paths")
    assert_same(msg["inspect"], unpack_part(I), "inspect")
    # parts left out are absent, and the others still line up
    msg = unpack(message(L, None, I))
    assert "paths" not in msg and msg["player"] == {}
    assert_same(msg["inspect"], unpack_part(I), "inspect")


# ------------------------------------------------------------------------------------ size budget

def _starts(domain, count, seed):
    """Starts a user could click: anywhere in the domain, rounded to 1/1000 of its width."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        out.append([round(rng.uniform(lo, hi) / ((hi - lo) / 1000)) * ((hi - lo) / 1000)
                    for lo, hi in domain])
    return out


def _budget_case(preset, options=None, seed=1):
    p = PRESETS[preset]
    loss = compile_loss(p.expression)
    names = list(OPTIMIZERS)
    run = simulate(loss, names, starts=_starts(p.domain, 8, seed), steps=5000, lr=p.lr,
                   options=options, seed=0, domain=p.domain)
    land = landscape_part(loss, p.domain, resolution=300, log_color=True, minima=p.minima)
    paths = paths_part(run, p.domain, log_loss=True)
    # the inspector of the run whose numbers weigh most (the optimizers with most state)
    inspectors = [inspect_part(run, names.index(o), s)
                  for o in ("adam", "adamw", "adadelta", "rmsprop", "sgd") for s in range(8)]
    heaviest = max(inspectors, key=lambda part: sum(len(b.data) for b in part.blobs))
    msg = message(land, paths, heaviest, player={"plotly_url": "/app/static/plotly.min.js"})
    sizes = {name: sum(len(b.data) for b in part.blobs)
             for name, part in (("landscape", land), ("paths", paths), ("inspect", heaviest))}
    print(f"\n{preset} {options or ''}: message {len(msg):,} bytes "
          f"(landscape {sizes['landscape']:,}, paths {sizes['paths']:,}, "
          f"inspector {heaviest.header['optimizer']} {sizes['inspect']:,})")
    # the message is what it claims: every step of all 80 runs
    out = unpack(msg)
    assert out["paths"]["points"][0].shape == (80, 5001)
    assert out["paths"]["values"].shape == (80, 5001)
    return len(msg)


def test_payload_under_budget_rosenbrock():
    assert _budget_case("rosenbrock") < BUDGET


def test_payload_under_budget_himmelblau():
    assert _budget_case("himmelblau") < BUDGET


def test_payload_under_budget_sgd_heavy():
    # sgd's noisy gradients (noise 1.0, the default) do not compress: its paths and inspector
    assert _budget_case("himmelblau", options={"sgd": {"noise": 1.0}}, seed=2) < BUDGET


def test_the_legend_names_each_kind_of_marked_point_once_with_its_glyph():
    loss = compile_loss("(x^2 + y - 11)^2 + (x + y^2 - 7)^2")
    part = landscape_part(loss, ((-5, 5), (-5, 5)), resolution=30, minima=[(3, 2), (-2.805118, 3.131312)],
                          critical_points=[((-0.270845, -0.923039), "maximum"),
                                           ((0.086678, 2.884255), "saddle")])
    assert part.header["points"] == [{"glyph": "◆", "label": "known minimum"},
                                     {"glyph": "□", "label": "maximum (critical point)"},
                                     {"glyph": "+", "label": "saddle point"}]
    bare = landscape_part(loss, ((-5, 5), (-5, 5)), resolution=30)
    assert bare.header["points"] == []
