"""viz figure factories, built on small stand-in losses and runs (the real packages are only
needed by the last test, which skips without them)."""
import json
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import plotly.graph_objects as go
import pytest

from viz import (CLICK_CURVE_GROUP, CLICK_GRID_GROUP, array_of, color_range,
                 create_contour_figure, create_curve_figure, create_loss_figure,
                 create_surface_figure, figure_json_size, log_values, surface_grid)

EIGHT = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]


@dataclass
class Loss:
    """Stand-in for landscapes' Loss: value and gradient over points (..., n)."""

    fn: Callable
    grad: Callable
    variables: tuple
    latex: str = "f"

    @property
    def n(self):
        return len(self.variables)

    def value(self, points):
        with np.errstate(all="ignore"):
            return self.fn(*np.moveaxis(np.asarray(points, dtype=float), -1, 0))

    def gradient(self, points):
        with np.errstate(all="ignore"):
            g = self.grad(*np.moveaxis(np.asarray(points, dtype=float), -1, 0))
        return np.stack(np.broadcast_arrays(*g), axis=-1)


BOWL = Loss(lambda x, y: x**2 + 3 * y**2, lambda x, y: (2 * x, 6 * y), ("x", "y"))
ROSEN = Loss(lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
             lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)), ("x", "y"))
CURVE = Loss(lambda w: w**2 + 0.3 * np.sin(5 * w), lambda w: (2 * w + 1.5 * np.cos(5 * w),),
             ("w",))
BOX = ((-2.0, 2.0), (-2.0, 2.0))


def simulate(loss, optimizers, starts, steps, lrs, bound=1e6):
    """Heavy-ball descent with one learning rate per optimizer; like optimizers.simulate, points
    are NaN from the first bad point on and diverged_at is that point's index."""
    starts = np.asarray(starts, dtype=float)
    lrs = np.asarray(lrs, dtype=float)[:, None, None]
    x = np.broadcast_to(starts, (len(optimizers),) + starts.shape).copy()
    v = np.zeros_like(x)
    pts = [x.copy()]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            v = 0.5 * v + loss.gradient(x)
            x = x - lrs * v
            pts.append(x.copy())
    points = np.stack(pts, axis=2)                                   # (O, S, T+1, n)
    with np.errstate(all="ignore"):
        bad = ~np.isfinite(points).all(-1) | (np.abs(points).max(-1) > bound)
    hit = bad.any(-1)
    diverged = np.where(hit, bad.argmax(-1), -1)
    after = np.arange(steps + 1) >= np.where(hit, diverged, steps + 1)[..., None]
    points[after] = np.nan
    values = np.where(after, np.nan, loss.value(points))
    return types.SimpleNamespace(optimizers=tuple(optimizers), starts=starts, points=points,
                                 values=values, diverged_at=diverged)


@pytest.fixture(scope="module")
def bowl_run():
    # momentum's learning rate is far too large: it diverges; two starts
    return simulate(BOWL, ["gd", "momentum", "adam"], [[-1.5, 1.0], [1.8, -1.2]], 200,
                    [0.05, 0.8, 0.02])


@pytest.fixture(scope="module")
def contour(bowl_run):
    return create_contour_figure(BOWL, BOX, bowl_run, minima=[(0.0, 0.0)],
                                 critical_points=[((0.5, 0.5), "saddle")], max_frames=25)


@pytest.fixture(scope="module")
def surface(bowl_run):
    return create_surface_figure(BOWL, BOX, bowl_run, minima=[(0.0, 0.0)], max_frames=25)


def _moving(fig):
    """Indices of the trajectory traces: those named in the frames."""
    return fig.frames[0].traces


def _path_xy(trace_or_frame_data):
    return array_of(trace_or_frame_data["x"]), array_of(trace_or_frame_data["y"])


# --------------------------------------------------------------------------------- structure

def test_run_is_what_the_tests_expect(bowl_run):
    d = bowl_run.diverged_at
    assert d[0].tolist() == d[2].tolist() == [-1, -1]       # gd and adam converge
    assert (d[1] > 5).all() and (d[1] < 150).all()           # momentum diverges, both starts


@pytest.mark.parametrize("name", ["contour", "surface"])
def test_trace_order_and_names(name, request, bowl_run):
    fig = request.getfixturevalue(name)
    types_ = [t.type for t in fig.data]
    if name == "contour":
        assert types_[:2] == ["contour", "scattergl"]
        assert fig.data[1].legendgroup == CLICK_GRID_GROUP
        assert [t.name for t in fig.data[2:4]] == ["known minimum", "saddle point"]
        first = 4
    else:
        assert types_[0] == "surface"
        assert fig.data[1].name == "known minimum"
        first = 2
    n_paths = 6
    assert len(fig.data) == first + 2 * n_paths
    assert list(_moving(fig)) == list(range(first, first + 2 * n_paths))
    paths, markers = fig.data[first:first + n_paths], fig.data[first + n_paths:]
    assert [t.legendgroup for t in paths] == ["GD", "GD", "Momentum", "Momentum", "Adam", "Adam"]
    assert [t.showlegend for t in paths] == [True, False] * 3
    assert all(t.mode == "lines" for t in paths) and all(t.mode == "markers" for t in markers)
    assert paths[0].line.dash != paths[1].line.dash                    # starts told apart
    assert markers[0].marker.symbol != markers[1].marker.symbol
    assert len({t.line.color for t in paths}) == 3                     # one colour per optimizer


@pytest.mark.parametrize("name", ["contour", "surface"])
def test_frames_update_only_the_trajectories(name, request):
    fig = request.getfixturevalue(name)
    moving = list(_moving(fig))
    static = [i for i in range(len(fig.data)) if i not in moving]
    assert 0 in static                                   # the surface / contour
    for frame in fig.frames:
        assert list(frame.traces) == moving
        assert len(frame.data) == len(moving)
        assert [d.type for d in frame.data] == [fig.data[i].type for i in moving]
        assert not set(frame.traces) & set(static)


def test_frames_are_capped_and_include_first_and_last_step(contour):
    steps = [int(f.name) for f in contour.frames]
    assert len(steps) <= 25 and steps[0] == 0 and steps[-1] == 200
    assert steps == sorted(set(steps))
    slider = contour.layout.sliders[0]
    assert [s.args[0][0] for s in slider.steps] == [f.name for f in contour.frames]
    assert slider.active == len(contour.frames) - 1        # starts on the final state


def test_short_runs_get_one_frame_per_step():
    run = simulate(BOWL, ["gd"], [[1.0, 1.0]], 5, [0.1])
    fig = create_contour_figure(BOWL, BOX, run)
    assert [f.name for f in fig.frames] == ["0", "1", "2", "3", "4", "5"]


def test_play_pause_and_redraw(contour, surface):
    for fig in (contour, surface):
        play, pause = fig.layout.updatemenus[0].buttons
        assert play.method == pause.method == "animate"
        assert play.args[0] is None and play.args[1]["frame"]["redraw"] is True
        assert list(pause.args[0]) == [None] and pause.args[1]["mode"] == "immediate"
        assert all(s.args[1]["frame"]["redraw"] for s in fig.layout.sliders[0].steps)


def test_frame_duration_is_the_speed(bowl_run):
    fig = create_contour_figure(BOWL, BOX, bowl_run, frame_duration=250, max_frames=3)
    assert fig.layout.updatemenus[0].buttons[0].args[1]["frame"]["duration"] == 250


def test_camera_and_zoom_survive_reruns(contour, surface):
    assert contour.layout.uirevision == "descent"
    assert surface.layout.uirevision == surface.layout.scene.uirevision == "descent"
    fig = create_surface_figure(BOWL, BOX, None, uirevision="bowl|-2,2")
    assert fig.layout.scene.uirevision == "bowl|-2,2"


# ------------------------------------------------------------------------------------- data

def _expected(run, o, s, axis):
    return run.points[o, s, :, axis].astype(np.float32)


def test_final_state_and_last_frame_hold_the_whole_run(contour, bowl_run):
    first = _moving(contour)[0]
    last = contour.frames[-1]
    for k, (o, s) in enumerate((o, s) for o in range(3) for s in range(2)):
        for data in (contour.data[first + k], last.data[k]):
            x, y = _path_xy(data)
            np.testing.assert_array_equal(x, _expected(bowl_run, o, s, 0))   # NaN == NaN here
            np.testing.assert_array_equal(y, _expected(bowl_run, o, s, 1))
            steps_loss = array_of(data["customdata"])
            np.testing.assert_array_equal(steps_loss[:, 0], np.arange(201))
            np.testing.assert_array_equal(steps_loss[:, 1],
                                          bowl_run.values[o, s].astype(np.float32))
    d = bowl_run.diverged_at[1, 0]
    x, _ = _path_xy(last.data[2])
    assert np.isfinite(x[:d]).all() and np.isnan(x[d:]).all()


def test_an_intermediate_frame_shows_the_path_up_to_its_step(contour, bowl_run):
    frame = contour.frames[len(contour.frames) // 2]
    k = int(frame.name)
    n_paths = 6
    for i, (o, s) in enumerate((o, s) for o in range(3) for s in range(2)):
        x, y = _path_xy(frame.data[i])
        full = bowl_run.points[o, s, :k + 1].astype(np.float32)
        # every drawn point is a point of the run at a step <= k, in order, starting at step 0
        steps = [int(np.flatnonzero((full[:, 0] == a) & (full[:, 1] == b))[0])
                 for a, b in zip(x, y) if np.isfinite(a)]
        assert steps[0] == 0 and steps == sorted(steps)
        last_ok = np.flatnonzero(np.isfinite(full[:, 0]))[-1]
        assert steps[-1] == last_ok                                   # the path reaches step k
        mx, my = _path_xy(frame.data[n_paths + i])
        assert np.float32(mx[0]) == full[last_ok, 0] and np.float32(my[0]) == full[last_ok, 1]
        assert frame.data[i].hoverinfo == "skip"          # passing pictures: no stale hover
    assert contour.frames[-1].data[0].hovertemplate                  # the last frame hovers


def test_a_diverged_marker_stays_at_its_last_point_and_says_so(contour, bowl_run):
    d = int(bowl_run.diverged_at[1, 0])
    marker = contour.frames[-1].data[6 + 2]                         # momentum, start 1
    assert marker.text == (f"diverged at step {d}",)
    x, y = _path_xy(marker)
    np.testing.assert_array_equal(np.float32([x[0], y[0]]),
                                  bowl_run.points[1, 0, d - 1].astype(np.float32))
    before = [f for f in contour.frames if int(f.name) < d]
    assert all(f.data[8].text == ("",) for f in before)


def test_long_runs_are_thinned_in_the_frames_but_not_at_the_end():
    run = simulate(ROSEN, EIGHT, [[-1.5, 2.0]], 1000, np.linspace(2e-4, 1.5e-3, 8))
    fig = create_contour_figure(ROSEN, ((-2, 2), (-1, 3)), run, max_frames=40)
    assert len(fig.frames) <= 40
    assert all(len(array_of(d["x"])) < 300 for f in fig.frames[:-1] for d in f.data[:8])
    assert len(array_of(fig.frames[-1].data[0]["x"])) == 1001


def test_max_points_thins_the_final_state_but_keeps_the_ends(bowl_run):
    fig = create_contour_figure(BOWL, BOX, bowl_run, max_points=300, max_frames=3)
    first = _moving(fig)[0]
    steps = array_of(fig.data[first]["customdata"])[:, 0]
    assert len(steps) < 60 and steps[0] == 0 and steps[-1] == 200
    d = bowl_run.diverged_at[1, 0]
    momentum_steps = array_of(fig.data[first + 2]["customdata"])[:, 0]
    assert d - 1 in momentum_steps                      # where the diverged path ends


def test_surface_masks_nan_and_lifts_paths_above_it(bowl_run):
    holed = Loss(lambda x, y: np.where(x**2 + y**2 < 0.25, np.nan, x**2 + 3 * y**2),
                 BOWL.grad, ("x", "y"))
    fig = create_surface_figure(holed, BOX, bowl_run, resolution=40, max_frames=3)
    xs, ys, Z = surface_grid(holed, BOX, 40)
    z = array_of(fig.data[0].z)
    np.testing.assert_array_equal(np.isnan(z), np.isnan(Z))
    assert (fig.data[0].cmin, fig.data[0].cmax) == pytest.approx(color_range(Z))
    path = fig.data[_moving(fig)[0]]
    lift = array_of(path.z) - array_of(path.customdata)[:, 1]
    assert np.nanmin(lift) > 0 and np.nanmax(lift) == pytest.approx(np.nanmin(lift), rel=1e-3)


def test_contour_colour_range_ignores_one_huge_value():
    spiky = Loss(lambda x, y: x**2 + 3 * y**2 + 1e12 * ((np.abs(x - 1) < 0.03)
                                                       & (np.abs(y - 1) < 0.03)),
                 BOWL.grad, ("x", "y"))
    fig = create_contour_figure(spiky, BOX, resolution=101)
    _, _, Z = surface_grid(spiky, BOX, 101)
    assert Z.max() >= 1e12
    finite = Z[np.isfinite(Z)]
    expected = np.percentile(finite.astype(np.float32), [2, 98])
    assert (fig.data[0].zmin, fig.data[0].zmax) == pytest.approx(tuple(expected), rel=1e-6)
    assert fig.data[0].zmax < 20


def test_log_colour_contour():
    fig = create_contour_figure(ROSEN, ((-2, 2), (-1, 3)), log_color=True, resolution=50)
    _, _, Z = surface_grid(ROSEN, ((-2, 2), (-1, 3)), 50)
    np.testing.assert_allclose(array_of(fig.data[0].z), log_values(Z), rtol=1e-6)
    np.testing.assert_allclose(array_of(fig.data[0].customdata), Z, rtol=1e-6)  # hover: loss
    assert "log10" in fig.data[0].colorbar.title.text


def test_click_grid_covers_the_domain_and_is_invisible():
    domain = ((-3.0, 1.0), (-1.0, 2.0))
    fig = create_contour_figure(BOWL, domain, click_resolution=21)
    grid = fig.data[1]
    x, y = array_of(grid.x), array_of(grid.y)
    assert len(x) == 21 * 21
    corners = {(a, b) for a in domain[0] for b in domain[1]}
    assert corners <= set(zip(x.tolist(), y.tolist()))
    assert (x.min(), x.max(), y.min(), y.max()) == (-3, 1, -1, 2)
    assert grid.marker.opacity == 0 and grid.unselected.marker.opacity == 0
    assert grid.type == "scattergl" and grid.legendgroup == CLICK_GRID_GROUP
    assert create_contour_figure(BOWL, domain, click_grid=False).data[1:] == ()


def test_axis_ranges_are_the_domain(contour):
    assert tuple(contour.layout.xaxis.range) == BOX[0]
    assert tuple(contour.layout.yaxis.range) == BOX[1]


def test_figures_without_a_run_have_no_frames():
    for fig in (create_contour_figure(BOWL, BOX), create_surface_figure(BOWL, BOX)):
        assert fig.frames == () and fig.layout.updatemenus == ()


def test_critical_points_accept_several_forms():
    cp = types.SimpleNamespace(point=np.array([0.5, -0.5]), kind="maximum")
    points = [cp, {"point": (0, 1), "kind": "minimum"}, ((1, 1), "degenerate")]
    fig = create_contour_figure(BOWL, BOX, critical_points=points, click_grid=False)
    names = [t.name for t in fig.data[1:]]
    assert names == ["minimum (critical point)", "maximum (critical point)",
                     "degenerate critical point"]
    assert array_of(fig.data[2].x).tolist() == [0.5]


# --------------------------------------------------------------------------------- 1-D curve

def test_curve_figure_slides_points_along_the_curve():
    run = simulate(CURVE, ["gd", "momentum"], [[1.8], [-1.5]], 60, [0.9, 0.1])
    fig = create_curve_figure(CURVE, ((-2, 2),), run, minima=[(-0.28,)])
    assert fig.data[0].legendgroup == CLICK_CURVE_GROUP and fig.data[1].name == "known minimum"
    moving = list(_moving(fig))
    assert moving == list(range(2, 10))
    path = fig.data[2]
    np.testing.assert_array_equal(array_of(path.x), run.points[0, 0, :, 0].astype(np.float32))
    np.testing.assert_allclose(array_of(path.y), run.values[0, 0], rtol=1e-6)   # on the curve
    assert path.mode == "lines+markers"
    for frame in fig.frames:
        assert list(frame.traces) == moving
    assert fig.layout.updatemenus[0].buttons[0].args[1]["frame"]["redraw"] is False


def test_curve_y_range_ignores_a_pole():
    pole = Loss(lambda w: 1 / np.abs(w) + w**2, lambda w: (w,), ("w",))
    fig = create_curve_figure(pole, ((-2, 2),), resolution=401)          # w = 0 on the grid
    assert fig.layout.yaxis.range[1] < 1e3


def test_figures_check_the_number_of_variables(bowl_run):
    with pytest.raises(ValueError, match="create_curve_figure"):
        create_contour_figure(CURVE, ((-2, 2),))
    with pytest.raises(ValueError, match="1 variable"):
        create_curve_figure(BOWL, BOX)
    run_1d = simulate(CURVE, ["gd"], [[1.0]], 5, [0.1])
    with pytest.raises(ValueError, match="run.points"):
        create_contour_figure(BOWL, BOX, run_1d)


@pytest.mark.parametrize("kwargs", [dict(max_frames=1), dict(max_frames=2.5),
                                    dict(frame_duration=-1), dict(frame_points=-5),
                                    dict(labels=["a"]), dict(levels=1), dict(height=10),
                                    dict(click_resolution=1000)])
def test_bad_arguments_are_rejected(kwargs, bowl_run):
    with pytest.raises(ValueError):
        create_contour_figure(BOWL, BOX, bowl_run, **kwargs)


def test_labels_name_the_legend(bowl_run):
    fig = create_contour_figure(BOWL, BOX, bowl_run, labels=["GD lr=0.05", "M", "A"],
                                max_frames=2, click_grid=False)
    assert fig.data[1].name == "GD lr=0.05"


# ----------------------------------------------------------------------------- loss per step

def test_loss_figure_lines_and_divergence_markers(bowl_run):
    fig = create_loss_figure(bowl_run)
    lines, div = fig.data[:6], fig.data[6]
    assert len(fig.data) == 7 and fig.frames == ()
    for k, (o, s) in enumerate((o, s) for o in range(3) for s in range(2)):
        np.testing.assert_array_equal(array_of(lines[k].y), bowl_run.values[o, s])
        assert lines[k].x0 == 0 and lines[k].dx == 1
    d = bowl_run.diverged_at[1]
    assert list(div.x) == d.tolist() and div.marker.symbol == "x"
    assert list(div.text) == [f"diverged at step {k}" for k in d]
    last = [bowl_run.values[1, s, d[s] - 1] for s in range(2)]
    top = fig.layout.yaxis.range[1] if fig.layout.yaxis.range else np.inf
    np.testing.assert_allclose(div.y, np.minimum(last, top))
    assert all(f"{v:.4g}" in h for v, h in zip(last, div.hovertext))


def test_loss_figure_y_range_is_not_squashed_by_a_blow_up(bowl_run):
    fig = create_loss_figure(bowl_run)
    initial = np.nanmax(bowl_run.values[..., 0])
    assert np.nanmax(bowl_run.values) > 100 * initial                 # momentum blew up first
    assert initial <= fig.layout.yaxis.range[1] < 2 * initial


def test_loss_figure_log_scale():
    run = simulate(BOWL, ["gd"], [[1.0, 1.0]], 20, [0.1])
    fig = create_loss_figure(run, log_y=True)
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis.title.text == "loss"
    shifted = types.SimpleNamespace(**{**vars(run), "values": run.values - 5.0})
    fig = create_loss_figure(shifted, log_y=True)
    y = array_of(fig.data[0].y)
    assert (y > 0).all() and "min" in fig.layout.yaxis.title.text


# -------------------------------------------------------------------------------------- size

def test_figures_stay_small():
    run = simulate(ROSEN, EIGHT, [[-1.5, 2.0]], 1000, np.linspace(2e-4, 1.5e-3, 8))
    domain = ((-2, 2), (-1, 3))
    for fig in (create_surface_figure(ROSEN, domain, run, minima=[(1, 1)], resolution=100),
                create_contour_figure(ROSEN, domain, run, minima=[(1, 1)], resolution=100,
                                      log_color=True),
                create_loss_figure(run)):
        assert figure_json_size(fig) < 2_000_000
    bowl = simulate(BOWL, EIGHT, [[-1.5, 1.0]], 500, np.linspace(0.01, 0.3, 8))
    assert figure_json_size(create_contour_figure(BOWL, BOX, bowl)) < 1_000_000
    assert figure_json_size(create_surface_figure(BOWL, BOX, bowl)) < 1_000_000


def test_json_is_valid_and_streamlit_free(contour):
    json.loads(contour.to_json())
    root = Path(__file__).resolve().parents[1] / "viz"
    for path in root.glob("*.py"):
        assert "streamlit" not in path.read_text().replace("Streamlit", ""), path


# ------------------------------------------------------------------------ with the real packages

def test_with_the_real_landscapes_and_optimizers():
    landscapes = pytest.importorskip("landscapes")
    optimizers = pytest.importorskip("optimizers")
    try:
        preset = landscapes.PRESETS["rosenbrock"]
        loss = landscapes.compile_loss(preset.expression)
        run = optimizers.simulate(loss, EIGHT, starts=[preset.starts[0]], steps=1000, lr=1e-3,
                                  seed=0)
    except (AttributeError, KeyError, TypeError) as exc:
        pytest.skip(f"the real packages do not offer the documented API yet: {exc}")
    contour = create_contour_figure(loss, preset.domain, run, minima=preset.minima)
    surface = create_surface_figure(loss, preset.domain, run, minima=preset.minima)
    assert figure_json_size(contour) < 2_000_000 and figure_json_size(surface) < 2_000_000
    x = array_of(contour.frames[-1].data[0]["x"])
    np.testing.assert_array_equal(x, np.asarray(run.points[0, 0, :, 0], dtype=np.float32))
    assert isinstance(create_loss_figure(run), go.Figure)
