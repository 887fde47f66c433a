"""summarize(): per-run rows computed from closed forms."""
import math

import numpy as np
import pytest

from _sympy_loss import make_loss
from optimizers import simulate, summarize

PARABOLA = make_loss("2*x**2", "x")
DOUBLE_WELL = make_loss("x**4 - 2*x**2", "x")        # minima at -1 and 1


def test_summary_of_gd_on_a_parabola_matches_the_geometric_sequence():
    lr, x0, steps, tol = 0.1, 1.0, 100, 1e-3
    run = simulate(PARABOLA, ["gd"], [[x0]], steps, lr=lr)
    (row,) = summarize(run, minima=[[0.0]], tol=tol)
    factor = 1 - 4 * lr                                      # 0.6
    assert row.optimizer == "gd" and row.start_index == 0 and row.start == (1.0,)
    assert row.final_step == steps and row.diverged_at is None
    assert row.final_point[0] == pytest.approx(factor ** steps, rel=1e-9)
    assert row.final_value == pytest.approx(2 * factor ** (2 * steps), rel=1e-9)
    assert row.best_value == row.final_value and row.best_step == steps
    assert row.nearest_minimum == 0 and row.distance_to_minimum == pytest.approx(factor ** steps, rel=1e-9)
    assert row.steps_to_minimum == math.ceil(math.log(tol) / math.log(factor))      # 14
    assert row.final_gradient_norm == pytest.approx(4 * factor ** steps, rel=1e-9)
    assert row.path_length == pytest.approx(x0 - factor ** steps, rel=1e-12)     # monotone path
    assert set(row.as_dict()) >= {"optimizer", "final_point", "steps_to_minimum", "path_length"}


def double_well_path(x, lr, steps, rule):
    """Plain-Python gd or Adam (torch's equations and defaults) on x^4 - 2x^2: the points x_0..x_T."""
    m = v = 0.0
    path = [x]
    for t in range(1, steps + 1):
        g = 4 * x ** 3 - 4 * x
        if rule == "gd":
            x -= lr * g
        else:
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            x -= lr * (m / (1 - 0.9 ** t)) / (math.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        path.append(x)
    return path


def test_nearest_minimum_and_never_reached():
    run = simulate(DOUBLE_WELL, ["gd", "adam"], [[-2.0], [0.3]], 200, lr=0.01)
    rows = summarize(run, minima=[[-1.0], [1.0]], tol=1e-6)
    assert [(r.optimizer, r.start_index) for r in rows] == [("gd", 0), ("gd", 1), ("adam", 0), ("adam", 1)]
    for row, (rule, x0, minimum) in zip(rows, [("gd", -2.0, -1.0), ("gd", 0.3, 1.0),
                                               ("adam", -2.0, -1.0), ("adam", 0.3, 1.0)]):
        path = double_well_path(x0, 0.01, 200, rule)
        assert row.nearest_minimum == (0 if minimum < 0 else 1)
        assert row.distance_to_minimum == pytest.approx(abs(path[-1] - minimum), rel=1e-6, abs=1e-12)
        # the first index from which every later point is within tol, or None
        inside = [abs(x - minimum) <= 1e-6 for x in path]
        expected = next((t for t in range(len(path)) if all(inside[t:])), None)
        assert row.steps_to_minimum == expected, (rule, x0)
    # gd settles within 1e-6 of both minima; Adam's normalised steps of about lr keep it further
    # away than that after 200 steps from both starts: "never reached"
    assert rows[0].steps_to_minimum is not None and rows[1].steps_to_minimum is not None
    for adam in rows[2:]:
        assert adam.steps_to_minimum is None and adam.distance_to_minimum > 1e-6
        assert adam.nearest_minimum is not None
    assert summarize(run)[0].nearest_minimum is None and summarize(run)[0].steps_to_minimum is None


def test_oscillating_path_length():
    run = simulate(PARABOLA, ["gd"], [[1.0]], 10, lr=0.4)           # factor -0.6
    (row,) = summarize(run)
    x = (-0.6) ** np.arange(11)
    assert row.path_length == pytest.approx(np.abs(np.diff(x)).sum(), rel=1e-12)
    assert row.best_step == 10


def test_diverged_runs_report_their_last_valid_point():
    run = simulate(PARABOLA, ["gd", "momentum"], [[1.0]], 50, lr=0.6, bound=100)   # factor -1.4
    rows = summarize(run, minima=[[0.0]])
    gd = rows[0]
    assert gd.diverged_at == 14 and gd.final_step == 13
    assert gd.final_point[0] == pytest.approx((-1.4) ** 13)
    assert gd.best_value == pytest.approx(2.0) and gd.best_step == 0
    assert np.isfinite(gd.path_length)
    assert gd.steps_to_minimum is None


def test_bad_tolerance():
    run = simulate(PARABOLA, ["gd"], [[1.0]], 3)
    with pytest.raises(ValueError, match="tol=-1"):
        summarize(run, tol=-1)


SQUARE = make_loss("x**2", "x")                       # f(w) = w^2, f'(w) = 2w, minimum at 0


def heavy_ball(w0, lr, mu, steps):
    """torch.optim.SGD's momentum on f(w) = w^2, written out: b_1 = g_1, b_t = mu b_{t-1} + g_t."""
    w, b, path = w0, 0.0, [w0]
    for t in range(1, steps + 1):
        g = 2.0 * w
        b = g if t == 1 else mu * b + g
        w = w - lr * b
        path.append(w)
    return path


def test_steps_to_minimum_counts_from_the_return_after_an_overshoot():
    mu, lr, w0, steps, tol = 0.5, 0.3, 1.0, 40, 0.05
    path = heavy_ball(w0, lr, mu, steps)
    # by hand: 1, 0.4, -0.14, -0.326, -0.2234, -0.0381 (within), 0.0774, 0.0887 (out again),
    # 0.0411 (within) and within from there on
    assert abs(path[5]) <= tol < min(abs(path[6]), abs(path[7]))
    assert all(abs(w) <= tol for w in path[8:]) and abs(path[4]) > tol
    inside = [abs(w) <= tol for w in path]
    stays = len(path)
    while stays > 0 and inside[stays - 1]:
        stays -= 1
    assert (inside.index(True), stays) == (5, 8)

    run = simulate(SQUARE, ["momentum"], [[w0]], steps, lr=lr, options={"momentum": {"momentum": mu}})
    np.testing.assert_allclose(run.points[0, 0, :, 0], path, rtol=1e-12, atol=1e-15)
    (row,) = summarize(run, minima=[[0.0]], tol=tol)
    assert row.steps_to_minimum == 8
    # 0.15: in at step 2 (-0.14), out at 3 and 4, in for good from 5; 0.35: in for good from 2
    (row,) = summarize(run, minima=[[0.0]], tol=0.15)
    assert row.steps_to_minimum == 5
    (row,) = summarize(run, minima=[[0.0]], tol=0.35)
    assert row.steps_to_minimum == 2
    (row,) = summarize(run, minima=[[0.0]], tol=2.0)                 # the start is already within
    assert row.steps_to_minimum == 0


def test_a_run_that_passes_through_the_minimum_and_leaves_has_not_reached_it():
    mu, lr, w0, steps, tol = 0.95, 0.5, 1.7, 30, 0.004
    path = heavy_ball(w0, lr, mu, steps)
    assert path[1] == 0.0 and abs(path[-1]) > 0.5                    # through 0 at step 1, then away
    run = simulate(SQUARE, ["momentum"], [[w0]], steps, lr=lr, options={"momentum": {"momentum": mu}})
    np.testing.assert_allclose(run.points[0, 0, :, 0], path, rtol=1e-12, atol=1e-15)
    (row,) = summarize(run, minima=[[0.0]], tol=tol)
    assert row.nearest_minimum == 0 and row.distance_to_minimum == pytest.approx(abs(path[-1]))
    assert row.steps_to_minimum is None


def test_a_diverged_run_has_not_reached_a_minimum_even_if_its_last_valid_point_is_close():
    # gd on 2w^2 with lr 0.2 (factor 0.2) for 10 steps, then one huge step out of the bound
    run = simulate(PARABOLA, ["gd"], [[1.0]], 15, lr=lambda t: np.where(t < 10, 0.2, 1e12), bound=100)
    (row,) = summarize(run, minima=[[0.0]], tol=1e-3)
    assert row.diverged_at == 11 and row.final_step == 10
    assert row.final_point[0] == pytest.approx(0.2 ** 10) and row.distance_to_minimum < 1e-3
    assert row.steps_to_minimum is None
