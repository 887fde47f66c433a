"""simulate on a dataset loss: per-epoch mini-batches for every optimizer, full batch, seeds, lstsq."""
import numpy as np
import pytest

from _sympy_loss import make_loss
from landscapes import compile_dataset_loss, datasets
from optimizers import OPTIMIZERS, simulate

ALL = list(OPTIMIZERS)


class Spy:
    """A dataset loss that records the rows and the points of every ``batch_gradient`` call."""

    def __init__(self, loss):
        self.loss, self.variables, self.n_rows = loss, loss.variables, loss.n_rows
        self.calls = []

    def value(self, points):
        return self.loss.value(points)

    def gradient(self, points):
        return self.loss.gradient(points)

    def batch_gradient(self, points, rows):
        self.calls.append((np.array(rows), np.array(points)))
        return self.loss.batch_gradient(points, rows)


def linear(n=50, seed=0, text="(w*x + b - y)^2"):
    return compile_dataset_loss(text, datasets.make("linear", n=n, seed=seed))


def test_every_epoch_is_a_random_partition_of_the_rows_with_a_smaller_last_batch():
    spy = Spy(linear(n=50))
    run = simulate(spy, ["gd", "adam", "lion"], [[0.0, 0.0], [1.0, 2.0]], 30, lr=0.01,
                   batch_size=8, seed=1)
    assert len(spy.calls) == 30                             # one call per step for all 6 runs
    assert all(points.shape == (6, 2) for _, points in spy.calls)
    sizes = [len(rows) for rows, _ in spy.calls]
    assert sizes == ([8] * 6 + [2]) * 4 + [8, 8]            # ceil(50 / 8) = 7 steps per epoch
    epochs = [np.concatenate([rows for rows, _ in spy.calls[e * 7:(e + 1) * 7]]) for e in range(4)]
    for rows in epochs:
        np.testing.assert_array_equal(np.sort(rows), np.arange(50))   # each row once per epoch
    assert not np.array_equal(epochs[0], epochs[1]) and not np.array_equal(epochs[0], np.arange(50))
    assert run.steps_per_epoch == 7 and run.batch_size == 8
    np.testing.assert_array_equal(run.epoch, np.arange(30) // 7)


def test_every_optimizer_steps_on_the_shared_batch_and_records_it():
    loss = linear(n=40, seed=2)
    spy = Spy(loss)
    starts = [[0.5, -1.0], [2.0, 3.0]]
    run = simulate(spy, ALL, starts, 25, lr=0.02, batch_size=6, seed=3)
    rows = [r for r, _ in spy.calls]
    for o, name in enumerate(ALL):
        points = run.points[o]                                          # (2, 26, 2)
        used = np.stack([loss.batch_gradient(points[:, t], rows[t]) for t in range(25)], axis=1)
        np.testing.assert_allclose(run.states[name]["gradient_estimate"], used, rtol=1e-12,
                                   atol=1e-15, err_msg=name)
        # the recorded gradients are the full-data ones, which differ from the batch ones
        np.testing.assert_allclose(run.gradients[o], loss.gradient(points), rtol=1e-12, atol=1e-15)
        assert np.abs(used - run.gradients[o, :, :-1]).max() > 1e-2, name
        # effective lr = |step| / |gradient the rule used|
        step = np.abs(np.diff(points, axis=1))
        np.testing.assert_allclose(run.states[name]["effective_lr"], step / np.abs(used),
                                   rtol=1e-9, err_msg=name)
        np.testing.assert_allclose(run.values[o], loss.value(points), rtol=1e-12)
    # gradient descent on the batches, by hand
    x = np.array(starts, dtype=float)
    for t in range(25):
        x = x - 0.02 * loss.batch_gradient(x, rows[t])
        np.testing.assert_allclose(run.points[ALL.index("gd"), :, t + 1], x, rtol=1e-12)
    np.testing.assert_allclose(run.states["gd"]["effective_lr"], 0.02, rtol=1e-9)


@pytest.mark.parametrize("text", ["(w*x + b - y)^2", "abs(w*x + b - y)"])
def test_batch_size_n_is_exactly_the_full_batch_run(text):
    loss = linear(n=30, text=text)
    starts = [[0.0, 0.0], [1.0, -1.0]]
    full = simulate(loss, ALL, starts, 40, lr=0.03, seed=5)
    whole = simulate(loss, ALL, starts, 40, lr=0.03, seed=5, batch_size=30)
    for field in ("points", "values", "gradients"):
        np.testing.assert_array_equal(getattr(whole, field), getattr(full, field))
    # and full batch is plain gradient descent with the full gradient, by hand
    x = np.array(starts)
    for t in range(40):
        x = x - 0.03 * loss.gradient(x)
    np.testing.assert_array_equal(full.points[0, :, -1], x)
    assert full.batch_size == 30 and full.steps_per_epoch == 1
    np.testing.assert_array_equal(full.epoch, np.arange(40))
    smaller = simulate(loss, ALL, starts, 40, lr=0.03, seed=5, batch_size=29)
    assert np.abs(smaller.points - full.points).max() > 1e-6


def test_the_seed_reproduces_batches_and_another_seed_changes_them():
    loss = linear(n=60)

    def path(seed, names=("gd",), steps=50):
        run = simulate(loss, list(names), [[0.0, 0.0]], steps, lr=0.05, batch_size=4, seed=seed)
        return run.points[list(names).index("gd")]
    np.testing.assert_array_equal(path(7), path(7))
    assert np.abs(path(7) - path(8)).max() > 1e-3
    assert np.abs(path(None) - path(None)).max() > 1e-3
    # the batches depend on the seed only: not on the other optimizers, nor on the number of steps
    np.testing.assert_array_equal(path(7, ("adam", "gd", "lion")), path(7))
    np.testing.assert_array_equal(path(7, steps=20), path(7)[:, :21])


def test_gd_reaches_the_least_squares_solution_of_numpy():
    data = datasets.make("linear", n=200, seed=4)
    loss = compile_dataset_loss("(w*x + b - y)^2", data)
    design = np.stack([np.ones(200), data["x"]], axis=1)                  # (b, w) order
    best = np.linalg.lstsq(design, data["y"], rcond=None)[0]
    run = simulate(loss, ["gd"], [[3.0, -1.0]], 400, lr=0.1)
    np.testing.assert_allclose(run.points[0, 0, -1], best, rtol=1e-10, atol=1e-12)
    # mini-batches with a decaying rate get near it, not onto it
    run = simulate(loss, ["sgd"], [[3.0, -1.0]], 2000, lr=lambda t: 0.1 / (1 + 0.01 * t),
                   batch_size=10, seed=0)
    error = np.linalg.norm(run.points[0, 0, -1] - best)
    assert 1e-6 < error < 0.05


def test_sgd_on_a_dataset_loss_has_no_gaussian_noise():
    loss = linear(n=20)
    run = simulate(loss, ["gd", "sgd"], [[0.0, 0.0]], 30, lr=0.05, batch_size=3, seed=2, noise=2.0)
    np.testing.assert_array_equal(run.points[1], run.points[0])
    assert run.hyper["sgd"]["noise"] == 0.0
    full = simulate(loss, ["gd", "sgd"], [[0.0, 0.0]], 30, lr=0.05, seed=2)
    np.testing.assert_array_equal(full.points[1], full.points[0])


def test_losses_without_data_keep_their_noise_and_have_no_epochs():
    loss = make_loss("x**2 + y**2", "x y")
    run = simulate(loss, ["gd", "sgd"], [[1.0, 1.0]], 10, lr=0.1, seed=0)
    assert run.epoch is None and run.steps_per_epoch is None and run.batch_size is None
    assert np.abs(run.points[1] - run.points[0]).max() > 1e-3
