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


def test_nearest_minimum_and_never_reached():
    run = simulate(DOUBLE_WELL, ["gd", "adam"], [[-2.0], [0.3]], 200, lr=0.01)
    rows = summarize(run, minima=[[-1.0], [1.0]], tol=1e-6)
    assert [(r.optimizer, r.start_index) for r in rows] == [("gd", 0), ("gd", 1), ("adam", 0), ("adam", 1)]
    assert [r.nearest_minimum for r in rows[:2]] == [0, 1]
    adam = rows[2]
    assert adam.steps_to_minimum is None or adam.distance_to_minimum <= 1e-6
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
