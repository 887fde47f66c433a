"""optax-style table test: each optimizer, with fair settings, reaches the known minimum of a
parabola and of Rosenbrock's function, or (where it is not expected to) at least makes progress."""
import numpy as np
import pytest

from _sympy_loss import make_loss
from optimizers import OPTIMIZERS, schedules, simulate

PARABOLA = make_loss("(x - 1)**2 + 3*(y + 0.5)**2", "x y")
ROSENBROCK = make_loss("(1 - x)**2 + 100*(y - x**2)**2", "x y")
STARTS = [[-1.5, 2.0], [-1.2, 1.0], [1.5, 1.5]]


def cosine(lr, total):
    return schedules.make("cosine", lr=lr, total=total)


# optimizer -> (lr, options, tolerance on the distance to the minimum)
PARABOLA_SETTINGS = {
    "gd": (0.1, {}, 1e-9),
    "sgd": (schedules.make("inverse_time", lr=0.05, k=0.05), {"noise": 1.0}, 0.1),   # noise stays
    "momentum": (0.05, {}, 1e-9),
    "nesterov": (0.05, {}, 1e-9),
    "adagrad": (0.5, {}, 1e-9),
    "rmsprop": (cosine(0.01, 2000), {}, 1e-9),      # a constant lr leaves an oscillation of size ~lr
    "adam": (cosine(0.05, 2000), {}, 1e-9),
    "adamw": (cosine(0.05, 2000), {}, 5e-3),        # decoupled decay 0.01 pulls it towards 0
    "adadelta": (1.0, {}, 1e-9),                    # torch's default lr
    "lion": (cosine(0.01, 2000), {}, 1e-5),         # +-lr steps: needs the lr annealed
}

ROSENBROCK_SETTINGS = {
    "gd": (2e-3, {}, 1e-3),
    "momentum": (5e-4, {}, 1e-6),
    "nesterov": (5e-4, {}, 1e-6),
    "adagrad": (1.0, {}, 1e-2),
    "rmsprop": (cosine(3e-3, 10_000), {}, 1e-4),
    "adam": (cosine(0.02, 10_000), {}, 1e-6),
    "adamw": (cosine(0.02, 10_000), {"weight_decay": 0.0}, 1e-6),
    "lion": (cosine(3e-3, 10_000), {}, 1e-3),
}


def test_settings_cover_every_optimizer():
    assert set(PARABOLA_SETTINGS) == set(OPTIMIZERS)


def run_table(loss, settings, steps):
    names = list(settings)
    return simulate(loss, names, STARTS, steps, lr={name: settings[name][0] for name in names},
                    options={name: settings[name][1] for name in names}, seed=0)


def test_every_optimizer_reaches_the_minimum_of_a_parabola():
    run = run_table(PARABOLA, PARABOLA_SETTINGS, 2000)
    assert (run.diverged_at == -1).all()
    for o, name in enumerate(run.optimizers):
        distance = np.linalg.norm(run.points[o, :, -1] - [1.0, -0.5], axis=-1)
        assert (distance < PARABOLA_SETTINGS[name][2]).all(), (name, distance)


@pytest.fixture(scope="module")
def rosenbrock_run():
    return run_table(ROSENBROCK, ROSENBROCK_SETTINGS, 10_000)


@pytest.mark.parametrize("name", list(ROSENBROCK_SETTINGS))
def test_rosenbrock_minimum_is_reached_where_expected(rosenbrock_run, name):
    o = rosenbrock_run.optimizers.index(name)
    assert (rosenbrock_run.diverged_at[o] == -1).all()
    distance = np.linalg.norm(rosenbrock_run.points[o, :, -1] - [1.0, 1.0], axis=-1)
    assert (distance < ROSENBROCK_SETTINGS[name][2]).all(), distance


def test_rosenbrock_where_the_minimum_is_not_expected_in_10000_steps():
    run = simulate(ROSENBROCK, ["sgd", "adadelta", "adamw"], STARTS, 10_000, seed=0,
                   lr={"sgd": schedules.make("inverse_time", lr=2e-3, k=1e-3), "adadelta": 1.0,
                       "adamw": cosine(0.02, 10_000)}, options={"sgd": {"noise": 0.1}})
    assert (run.diverged_at == -1).all()
    start_values = run.values[:, :, 0]
    final = run.points[:, :, -1]
    # sgd: the noise keeps it wandering along the flat valley floor, near but not at (1, 1)
    assert (np.linalg.norm(final[0] - 1.0, axis=-1) < 0.25).all()
    assert (run.values[0, :, -1] < 1e-2 * start_values[0]).all()
    # Adadelta with torch's lr = 1: its steps start at sqrt(eps) and grow slowly; it gets into the
    # valley but not to the minimum
    assert (run.values[1, :, -1] < 0.1 * start_values[1]).all()
    assert (np.linalg.norm(final[1] - 1.0, axis=-1) > 0.1).all()
    # AdamW with its default decoupled decay (0.01) settles near (1, 1), pulled towards the origin
    distance = np.linalg.norm(final[2] - 1.0, axis=-1)
    assert (distance < 1e-2).all() and (distance > 1e-4).all()
    assert (np.linalg.norm(final[2], axis=-1) < np.sqrt(2)).all()
