"""The engine: closed forms, divergence, randomness, mini-batches, shapes, states and validation."""
import math
import re

import numpy as np
import pytest

from _sympy_loss import DatasetLoss, make_loss
from optimizers import DEFAULT_BOUND, OPTIMIZERS, schedules, simulate

ROSENBROCK = make_loss("(1-x)**2 + 100*(y-x**2)**2", "x y")
QUARTIC = make_loss("w**4 - 3*w**3 + 2", "w")


def quadratic(a):
    return make_loss(f"{a}*x**2", "x")


# --- closed forms ---------------------------------------------------------------------------

def test_worked_example_one_gd_step():
    run = simulate(QUARTIC, ["gd"], [[-1.5]], 1, lr=0.001)
    assert run.gradients[0, 0, 0, 0] == -33.75            # 4*(-1.5)^3 - 9*(-1.5)^2
    assert run.points[0, 0, 1, 0] == pytest.approx(-1.46625, abs=1e-15)
    assert run.values[0, 0, 0] == pytest.approx(1.5 ** 4 + 3 * 1.5 ** 3 + 2)


def test_gd_on_a_parabola_is_geometric():
    a, lr, x0 = 1.5, 0.1, 2.0
    run = simulate(quadratic(a), ["gd"], [[x0]], 60, lr=lr)
    expected = x0 * (1 - 2 * a * lr) ** np.arange(61)
    np.testing.assert_allclose(run.points[0, 0, :, 0], expected, rtol=1e-12, atol=1e-300)
    np.testing.assert_allclose(run.values[0, 0], a * expected ** 2, rtol=1e-12)
    np.testing.assert_allclose(run.states["gd"]["effective_lr"][0, :, 0], lr, rtol=1e-9)


@pytest.mark.parametrize("lr, diverges", [(0.49, False), (0.5, False), (0.51, True), (0.6, True)])
def test_gd_on_a_parabola_diverges_exactly_when_lr_exceeds_one_over_a(lr, diverges):
    a, x0, steps = 2.0, 1.0, 400
    run = simulate(quadratic(a), ["gd"], [[x0]], steps, lr=lr)
    factor = 1 - 2 * a * lr
    # independent count of the first step whose position leaves [-1e6, 1e6]
    x, first = x0, -1
    for t in range(steps + 1):
        if abs(x) > DEFAULT_BOUND:
            first = t
            break
        x *= factor
    assert (first >= 0) == diverges
    assert run.diverged_at[0, 0] == first
    if diverges:
        assert np.isnan(run.points[0, 0, first:]).all() and np.isnan(run.values[0, 0, first:]).all()
        assert np.isfinite(run.points[0, 0, :first]).all()
        np.testing.assert_allclose(run.points[0, 0, :first, 0], x0 * factor ** np.arange(first), rtol=1e-11)


def test_divergence_step_for_a_given_bound():
    # factor 1 - 2*2*0.6 = -1.4: |x_t| = 1.4^t first exceeds 100 at t = 14 (1.4^13 = 79.4, 1.4^14 = 111.1)
    run = simulate(quadratic(2.0), ["gd"], [[1.0]], 50, lr=0.6, bound=100)
    assert run.diverged_at[0, 0] == 14
    assert np.isnan(run.points[0, 0, 14:]).all() and np.isnan(run.gradients[0, 0, 14:]).all()
    assert abs(run.points[0, 0, 13, 0]) == pytest.approx(1.4 ** 13)
    # from a domain: (-2, 2) gives the box [-42, 42]; 1.4^12 = 56.7 > 42 > 1.4^11 = 40.5
    run = simulate(quadratic(2.0), ["gd"], [[1.0]], 50, lr=0.6, domain=[(-2, 2)])
    assert run.box.tolist() == [[-42.0, 42.0]]
    assert run.diverged_at[0, 0] == 12


def test_heavy_ball_momentum_follows_its_closed_recurrence():
    # b_t = mu b_{t-1} + g_t, x_t = x_{t-1} - lr b_t on a x^2 gives
    # x_{t+1} = (1 + mu - 2 a lr) x_t - mu x_{t-1}, with x_1 = (1 - 2 a lr) x_0
    a, lr, mu, x0 = 1.0, 0.05, 0.9, 3.0
    run = simulate(quadratic(a), ["momentum"], [[x0]], 200, lr=lr, options={"momentum": {"momentum": mu}})
    x = [x0, (1 - 2 * a * lr) * x0]
    for _ in range(199):
        x.append((1 + mu - 2 * a * lr) * x[-1] - mu * x[-2])
    np.testing.assert_allclose(run.points[0, 0, :, 0], x, rtol=1e-9, atol=1e-12)
    # and its characteristic roots: |r| = sqrt(mu) < 1 here, so the error decays like 0.9^(t/2)
    assert abs(run.points[0, 0, -1, 0]) < 10 * x0 * math.sqrt(mu) ** 200
    # the first velocity is the first gradient (torch: buffer = g on the first step)
    assert run.states["momentum"]["velocity"][0, 1, 0] == pytest.approx(2 * a * x0)


def test_first_steps_of_the_adaptive_rules():
    loss = make_loss("3*x**2 - 0.5*y**3 + y", "x y")
    start = np.array([[1.0, -2.0]])
    g = loss.gradient(start)[0]                          # (6, -5)
    lr = 0.01
    run = simulate(loss, ["adam", "adamw", "adagrad", "rmsprop", "lion", "adadelta"], start, 1, lr=lr,
                   options={"adamw": {"weight_decay": 0.0}})
    step = run.points[:, 0, 1] - run.points[:, 0, 0]
    np.testing.assert_allclose(step[0], -lr * np.sign(g), rtol=1e-8)           # Adam: size lr
    np.testing.assert_allclose(step[1], -lr * np.sign(g), rtol=1e-8)           # AdamW without decay
    np.testing.assert_allclose(step[2], -lr * np.sign(g), rtol=1e-8)           # Adagrad: lr g/|g|
    np.testing.assert_allclose(step[3], -10 * lr * np.sign(g), rtol=1e-6)      # RMSprop: g/sqrt(0.01 g^2)
    np.testing.assert_allclose(step[4], -lr * np.sign(g), rtol=1e-12)          # Lion
    # Adadelta: sqrt(eps) / sqrt(0.1 g^2 + eps) * g
    eps = 1e-6
    np.testing.assert_allclose(step[5], -lr * math.sqrt(eps) * g / np.sqrt(0.1 * g * g + eps), rtol=1e-9)


def test_lion_moves_every_coordinate_by_exactly_lr():
    run = simulate(ROSENBROCK, ["lion"], [[-1.2, 1.0], [0.5, 0.5]], 300, lr=0.003)
    moves = np.abs(np.diff(run.points[0], axis=1))
    np.testing.assert_allclose(moves, 0.003, rtol=1e-9)


def test_adamw_decays_weights_even_with_zero_gradient():
    flat = make_loss("0*x + 0*y", "x y")
    run = simulate(flat, ["adamw", "adam"], [[2.0, -1.0]], 10, lr=0.1,
                   options={"adamw": {"weight_decay": 0.5}, "adam": {"weight_decay": 0.5}})
    np.testing.assert_allclose(run.points[0, 0, -1], np.array([2.0, -1.0]) * 0.95 ** 10, rtol=1e-12)
    assert run.hyper["adamw"]["weight_decay"] == 0.5
    # Adam's L2 decay goes through the moments instead: the first step has size lr, towards 0
    np.testing.assert_allclose(run.points[1, 0, 1], [1.9, -0.9], rtol=1e-7)


# --- sgd, seeds, mini-batches ----------------------------------------------------------------

def test_sgd_without_noise_is_exactly_gd():
    a = simulate(ROSENBROCK, ["gd", "sgd"], [[-1.5, 2.0], [0.3, 0.1]], 200, lr=1e-3, noise=0.0)
    np.testing.assert_array_equal(a.points[1], a.points[0])
    b = simulate(ROSENBROCK, ["sgd"], [[-1.5, 2.0], [0.3, 0.1]], 200, lr=1e-3,
                 options={"sgd": {"noise": 0}}, seed=123)
    np.testing.assert_array_equal(b.points[0], a.points[0])


def test_sgd_is_reproducible_from_its_seed_and_only_from_it():
    def path(seed, names=("sgd",), steps=100):
        run = simulate(ROSENBROCK, list(names), [[-1.5, 2.0], [1.0, -1.0]], steps, lr=1e-4, seed=seed)
        return run.points[list(names).index("sgd")]
    np.testing.assert_array_equal(path(7), path(7))
    assert not np.allclose(path(7), path(8))
    assert not np.allclose(path(None), path(None))
    # the noise an sgd run sees does not depend on the other optimizers or on the number of steps
    np.testing.assert_array_equal(path(7), path(7, ("adam", "sgd", "lion")))
    np.testing.assert_array_equal(path(7, steps=40), path(7)[:, :41])


def test_sgd_noise_has_the_requested_scale_and_drives_the_step():
    loss = make_loss("x + 2*y", "x y")                   # constant gradient (1, 2)
    run = simulate(loss, ["sgd"], [[0.0, 0.0]] * 4, 2000, lr=0.01, noise=0.5, seed=3)
    estimate = run.states["sgd"]["gradient_estimate"]    # (4, 2000, 2)
    z = (estimate - np.array([1.0, 2.0])) / 0.5
    assert abs(z.mean()) < 0.03 and abs(z.std() - 1) < 0.03
    assert abs(np.corrcoef(z[..., 0].ravel(), z[..., 1].ravel())[0, 1]) < 0.03
    np.testing.assert_allclose(np.diff(run.points[0], axis=1), -0.01 * estimate, rtol=1e-9, atol=1e-15)
    np.testing.assert_array_equal(run.gradients[0, 0, :, 0], 1.0)    # exact gradients are recorded


def test_each_sgd_start_draws_its_own_noise():
    # Three identical starts on a loss of constant gradient (1, 2): a step is -lr * ((1, 2) + noise),
    # so each start's noise can be read back from its positions alone. Independent starts must see
    # independent noise: different paths, and no correlation between the noise of two starts.
    loss = make_loss("x + 2*y", "x y")
    lr, sigma, steps = 0.01, 0.5, 2000
    run = simulate(loss, ["sgd"], [[0.0, 0.0]] * 3, steps, lr=lr, noise=sigma, seed=3)
    z = (-np.diff(run.points[0], axis=1) / lr - np.array([1.0, 2.0])) / sigma     # (3, steps, 2)
    for a, b in [(0, 1), (0, 2), (1, 2)]:
        assert not np.allclose(run.points[0, a], run.points[0, b])
        # 4000 pairs of independent N(0, 1): the sample correlation has standard deviation 1/63;
        # shared noise would give exactly 1
        assert abs(np.corrcoef(z[a].ravel(), z[b].ravel())[0, 1]) < 0.1, (a, b)
    # each start on its own is standard normal noise of scale sigma
    for s in range(3):
        assert abs(z[s].mean()) < 0.1 and abs(z[s].std() - 1) < 0.1, s


def test_sgd_effective_lr_comes_from_the_noisy_gradient_it_used():
    # sgd's rule is x <- x - lr_t * g~ with g~ the noisy estimate, so |dx| / |g~| is lr_t exactly,
    # per coordinate, whatever the noise (the exact gradient would give lr_t |g~| / |g| instead)
    loss = make_loss("x**2 + 3*y**2", "x y")
    sched = schedules.make("inverse_time", lr=0.05, k=0.1)
    expected = 0.05 / (1 + 0.1 * np.arange(40))                    # the schedule, by hand
    run = simulate(loss, ["sgd", "gd"], [[1.0, -1.0], [0.5, 2.0]], 40, lr=sched, noise=2.0, seed=5)
    effective = run.states["sgd"]["effective_lr"]                   # (2, 40, 2)
    np.testing.assert_allclose(effective, np.broadcast_to(expected[None, :, None], effective.shape),
                               rtol=1e-9)
    np.testing.assert_allclose(run.states["gd"]["effective_lr"],
                               np.broadcast_to(expected[None, :, None], effective.shape), rtol=1e-9)
    # step == -effective_lr * used gradient, the used gradient being exact gradient + noise, where the
    # exact gradient (2x, 6y) is computed here from the recorded positions
    x = run.points[0]
    exact = np.stack([2 * x[..., 0], 6 * x[..., 1]], axis=-1)[:, :-1]
    used = run.states["sgd"]["gradient_estimate"]
    assert np.abs(used - exact).min() > 0                          # the noise did change every coordinate
    np.testing.assert_allclose(np.diff(x, axis=1), -effective * used, rtol=1e-9, atol=1e-15)
    # the same for mini-batches: the batch gradient the rule used, not the full one
    data = make_dataset()
    run = simulate(data, ["sgd"], [[0.0, 0.0], [1.0, 1.0]], 30, lr=0.1, batch_size=2, seed=4)
    full = data.gradient(run.points[0, :, :-1])
    assert np.abs(run.states["sgd"]["gradient_estimate"] - full).max() > 1e-3
    np.testing.assert_allclose(run.states["sgd"]["effective_lr"], 0.1, rtol=1e-9)


def make_dataset(rows=20, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, rows)
    return DatasetLoss(x, 3 * x - 0.5 + 0.1 * rng.standard_normal(rows))


def test_minibatch_sgd_uses_real_batches():
    data = make_dataset()
    run = simulate(data, ["sgd", "gd"], [[0.0, 0.0], [1.0, 1.0]], 60, lr=0.1, batch_size=1, seed=4)
    estimate = run.states["sgd"]["gradient_estimate"]
    points = run.points[0]
    for s in range(2):
        for t in range(60):
            singles = data.batch_gradient(points[s, t], np.arange(data.n_rows)[:, None])   # one row each
            assert np.isclose(singles, estimate[s, t], rtol=1e-12, atol=1e-14).all(-1).any()
    # both starts see the same rows at each step
    rows_seen = [[int(np.argmin(np.abs(data.batch_gradient(points[s, t], np.arange(20)[:, None])
                                        - estimate[s, t]).sum(-1))) for t in range(60)] for s in range(2)]
    assert rows_seen[0] == rows_seen[1] and len(set(rows_seen[0])) > 10
    # gd steps on the same mini-batches (issue 10: every optimizer is batched): with no Gaussian
    # noise on a dataset loss, sgd's rule is gd's, so the two paths are the same, and not full-batch gd
    full = simulate(data, ["gd"], [[0.0, 0.0], [1.0, 1.0]], 60, lr=0.1)
    np.testing.assert_array_equal(run.points[1], run.points[0])
    assert np.abs(run.points[1] - full.points[0]).max() > 0.1
    # reproducible, seed-dependent, and the full batch gives gradient descent
    again = simulate(data, ["sgd", "gd"], [[0.0, 0.0], [1.0, 1.0]], 60, lr=0.1, batch_size=1, seed=4)
    np.testing.assert_array_equal(again.points, run.points)
    other = simulate(data, ["sgd"], [[0.0, 0.0], [1.0, 1.0]], 60, lr=0.1, batch_size=1, seed=5)
    assert not np.allclose(other.points[0], run.points[0])
    whole = simulate(data, ["sgd"], [[0.0, 0.0], [1.0, 1.0]], 60, lr=0.1, batch_size=20, seed=4)
    np.testing.assert_allclose(whole.points[0], full.points[0], rtol=1e-12, atol=1e-14)


def test_minibatch_sgd_reaches_the_least_squares_fit():
    data = make_dataset(rows=200, seed=1)
    design = np.stack([np.ones(200), data.x], axis=1)
    best = np.linalg.lstsq(design, data.y, rcond=None)[0]                 # (b, w)
    sched = schedules.make("inverse_time", lr=0.3, k=0.01)
    run = simulate(data, ["sgd"], [[0.0, 0.0]], 3000, lr=sched, batch_size=16, seed=0)
    assert np.linalg.norm(run.points[0, 0, -1] - best) < 0.05


# --- divergence ------------------------------------------------------------------------------

def test_non_finite_values_and_gradients_mark_divergence_without_raising():
    loss = make_loss("log(x)", "x")                       # gd from 1 with lr 2 jumps to -1
    run = simulate(loss, ["gd", "adam"], [[1.0], [5.0]], 20, lr=2.0)
    assert run.diverged_at[0, 0] == 1
    assert np.isnan(run.points[0, 0, 1:]).all() and np.isnan(run.values[0, 0, 1:]).all()
    assert run.points[0, 0, 0, 0] == 1.0

    class Cliff:
        """Finite value, but an infinite gradient beyond x = 3."""
        variables = ("x",)

        def value(self, p):
            return p[..., 0] ** 2

        def gradient(self, p):
            return np.where(p > 3, np.inf, 2 * p)

    # gd from 1: 1, -2, 4 (bad at step 2); from -1: -1, 2, -4, 8 (bad at step 3)
    run = simulate(Cliff(), ["gd", "lion"], [[1.0], [-1.0]], 10, lr=1.5)
    assert run.diverged_at[0].tolist() == [2, 3]
    assert np.isnan(run.gradients[0, 0, 2:]).all() and np.isfinite(run.gradients[0, 0, :2]).all()
    assert np.isfinite(run.values[0, 1, :3]).all() and np.isnan(run.values[0, 1, 3:]).all()
    assert run.diverged_at[1].tolist() == [-1, -1]


def test_every_run_diverging_early_stops_the_loop_and_blanks_everything_after():
    names = ["gd", "sgd", "momentum", "nesterov"]                 # all blow up at lr = 5
    run = simulate(ROSENBROCK, names, [[-1.5, 2.0], [2.0, 2.0]], 100_000, lr=5.0, noise=1.0)
    assert run.points.shape == (4, 2, 100_001, 2)
    first = run.diverged_at
    assert (first >= 1).all() and (first < 10).all()
    for o in range(4):
        for s in range(2):
            assert np.isnan(run.points[o, s, first[o, s]:]).all()
            assert np.isnan(run.values[o, s, first[o, s]:]).all()
            assert np.isfinite(run.points[o, s, :first[o, s]]).all()
            for key, values in run.states[run.optimizers[o]].items():
                assert np.isnan(values[s, first[o, s]:]).all(), key


def test_the_step_into_divergence_has_no_effective_lr():
    # gd on 2x^2 with lr 0.6: x_t = (-1.4)^t, finite, and first outside the bound 100 at t = 14
    # (1.4^13 = 79.4, 1.4^14 = 111.1). The step from x_13 to x_14 leads out of the box: it is not a
    # step of the run any more, so its effective learning rate is blank like everything after it
    # (x_14 itself is finite: only the blanking makes that rate NaN). The second start, 0.01, leaves
    # the box later: 0.01 * 1.4^t first exceeds 100 at t = 28 (1.4^27 = 8820, 1.4^28 = 12348).
    run = simulate(quadratic(2.0), ["gd"], [[1.0], [0.01]], 50, lr=0.6, bound=100)
    assert run.diverged_at[0].tolist() == [14, 28]
    effective = run.states["gd"]["effective_lr"][..., 0]             # (2, 50)
    np.testing.assert_allclose(effective[0, :13], 0.6, rtol=1e-12)    # steps 0..12 end inside
    assert np.isnan(effective[0, 13:]).all()
    np.testing.assert_allclose(effective[1, :27], 0.6, rtol=1e-12)
    assert np.isnan(effective[1, 27:]).all()


def test_positions_are_never_clipped():
    run = simulate(quadratic(1.0), ["gd"], [[1.0]], 30, lr=1.2, bound=1e3)    # factor -1.4
    finite = run.points[0, 0, :, 0][np.isfinite(run.points[0, 0, :, 0])]
    np.testing.assert_allclose(finite, (-1.4) ** np.arange(len(finite)), rtol=1e-12)
    assert np.abs(finite).max() <= 1e3 < 1.4 ** len(finite)


# --- shapes, states, order, learning rates -----------------------------------------------------

def test_shapes_states_and_lr_table():
    sched = schedules.make("step", lr=0.01, every=10)
    names = list(OPTIMIZERS)
    run = simulate(ROSENBROCK, names, [[-1.5, 2.0], [1.0, -1.0], [0.0, 0.0]], 50,
                   lr={name: sched if name != "adadelta" else 1.0 for name in names},
                   options={"adagrad": {"lr_decay": 0.5}, "rmsprop": {"centered": True, "momentum": 0.5},
                            "adam": {"amsgrad": True}})
    O, S, T, n = 10, 3, 50, 2
    assert run.optimizers == tuple(names) and run.labels[names.index("adam")] == "Adam"
    assert run.starts.shape == (S, n)
    assert run.points.shape == (O, S, T + 1, n) and run.gradients.shape == (O, S, T + 1, n)
    assert run.values.shape == (O, S, T + 1) and run.diverged_at.shape == (O, S)
    assert run.diverged_at.dtype.kind == "i"
    assert run.lr.shape == (O, T)
    np.testing.assert_array_equal(run.lr[0], sched(np.arange(T)))
    np.testing.assert_array_equal(run.lr[names.index("adadelta")], 1.0)
    np.testing.assert_allclose(run.lr[names.index("adagrad")], sched(np.arange(T)) / (1 + 0.5 * np.arange(T)))
    expected = {"gd": set(), "sgd": {"gradient_estimate"}, "momentum": {"velocity"}, "nesterov": {"velocity"},
                "adagrad": {"sum_sq"}, "rmsprop": {"square_avg", "grad_avg", "momentum_buffer"},
                "adam": {"m", "v", "v_max"}, "adamw": {"m", "v"}, "adadelta": {"square_avg", "acc_delta"},
                "lion": {"m"}}
    for name in names:
        states = run.states[name]
        assert set(states) == expected[name] | {"effective_lr"}, name
        for key, values in states.items():
            per_step = key in ("effective_lr", "gradient_estimate")
            assert values.shape == (S, T if per_step else T + 1, n), (name, key)
    v = run.states["adam"]["v"]
    assert (run.states["adam"]["v_max"] >= v - 1e-300)[np.isfinite(v)].all()
    assert (run.states["adagrad"]["sum_sq"][:, 0] == 0).all()


def test_states_of_default_runs_leave_out_unused_buffers():
    run = simulate(ROSENBROCK, ["rmsprop", "adam"], [[0.0, 0.0]], 5, lr=0.01)
    assert set(run.states["rmsprop"]) == {"square_avg", "effective_lr"}
    assert set(run.states["adam"]) == {"m", "v", "effective_lr"}


def test_values_gradients_and_effective_lr_are_consistent():
    run = simulate(ROSENBROCK, ["gd", "adam", "adadelta"], [[-1.5, 2.0], [0.5, 0.5]], 40, lr=1e-3)
    np.testing.assert_allclose(run.values, ROSENBROCK.value(run.points), rtol=1e-13)
    np.testing.assert_allclose(run.gradients, ROSENBROCK.gradient(run.points), rtol=1e-13)
    step = np.abs(np.diff(run.points, axis=2))
    for o, name in enumerate(run.optimizers):
        np.testing.assert_allclose(run.states[name]["effective_lr"] * np.abs(run.gradients[o, :, :-1]),
                                   step[o], rtol=1e-9)


def test_effective_lr_is_nan_where_the_gradient_is_zero():
    loss = make_loss("x**2 + 0*y", "x y")
    run = simulate(loss, ["gd", "momentum"], [[1.0, 1.0]], 5, lr=0.1)
    assert np.isnan(run.states["gd"]["effective_lr"][..., 1]).all()
    np.testing.assert_allclose(run.states["gd"]["effective_lr"][..., 0], 0.1, rtol=1e-12)


def test_lr_per_optimizer_and_schedules():
    fast, slow = 0.02, schedules.make("exponential", lr=0.001, k=0.01)
    run = simulate(ROSENBROCK, ["gd", "adam"], [[-1.5, 2.0]], 30, lr={"gd": 1e-4, "adam": fast})
    alone = simulate(ROSENBROCK, ["adam"], [[-1.5, 2.0]], 30, lr=fast)
    np.testing.assert_array_equal(run.points[1], alone.points[0])
    run = simulate(ROSENBROCK, ["gd"], [[-1.5, 2.0]], 30, lr=slow)
    x, lrs = np.array([-1.5, 2.0]), slow(np.arange(30))
    for t in range(30):
        x = x - lrs[t] * ROSENBROCK.gradient(x)
    np.testing.assert_allclose(run.points[0, 0, -1], x, rtol=1e-12)
    # any callable of the step array works as a schedule; so does lr = 0
    run = simulate(ROSENBROCK, ["momentum"], [[-1.5, 2.0]], 10, lr=lambda t: 1e-4 * (t < 5))
    assert (run.points[0, 0, 6:] == run.points[0, 0, 6]).all()
    assert (simulate(ROSENBROCK, ["adam"], [[0.5, 0.5]], 10, lr=0.0).points == 0.5).all()


def test_zero_steps_and_no_optimizers():
    run = simulate(ROSENBROCK, ["adam", "lion"], [[1.0, 2.0]], 0)
    assert run.points.shape == (2, 1, 1, 2) and run.lr.shape == (2, 0)
    assert run.values[0, 0, 0] == pytest.approx(100.0)
    empty = simulate(ROSENBROCK, [], [[1.0, 2.0]], 10)
    assert empty.points.shape == (0, 1, 11, 2) and empty.diverged_at.shape == (0, 1)


def test_starts_in_several_spellings():
    assert simulate(QUARTIC, "gd", [0.5, 1.0, 2.0], 3).points.shape == (1, 3, 4, 1)
    assert simulate(QUARTIC, ["gd"], 0.5, 3).points.shape == (1, 1, 4, 1)
    assert simulate(ROSENBROCK, ["gd"], [0.5, 1.0], 3).points.shape == (1, 1, 4, 2)
    assert simulate(ROSENBROCK, ["gd"], np.zeros((4, 2)), 3).points.shape == (1, 4, 4, 2)


def test_constant_losses_broadcast():
    run = simulate(make_loss("0*x + 7", "x"), ["gd", "adam"], [[1.0], [2.0]], 3, lr=0.1)
    assert (run.values == 7).all() and (run.points[:, :, -1, 0] == [[1.0, 2.0]] * 2).all()


# --- validation ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, fragment", [
    (dict(optimizers=["adam", "sdg"]), "'sdg'"),
    (dict(optimizers=["adam", "adam"]), "'adam'"),
    (dict(options={"adamm": {}}), "'adamm'"),
    (dict(options={"adam": {"beta3": 0.5}}), "'beta3'"),
    (dict(options={"adam": {"beta1": 1.5}}), "beta1=1.5"),
    (dict(options={"adam": {"betas": (0.9,)}}), "betas=(0.9,)"),
    (dict(options={"adam": {"betas": (0.9, 0.99), "beta1": 0.8}}), "beta1"),
    (dict(options={"adam": {"eps": 0.0}}), "eps=0.0"),
    (dict(options={"adam": {"amsgrad": 0.5}}), "amsgrad=0.5"),
    (dict(options={"momentum": {"momentum": -0.1}}), "momentum=-0.1"),
    (dict(options={"sgd": {"noise": float("nan")}}), "noise=nan"),
    (dict(options={"gd": {"weight_decay": "a lot"}}), "weight_decay='a lot'"),
    (dict(options={"sgd": {"noise": 1.0}}, noise=2.0), "noise"),
    (dict(noise=-1.0), "noise=-1.0"),
    (dict(lr=-0.1), "lr=-0.1"),
    (dict(lr=float("inf")), "lr=inf"),
    (dict(lr={"adam": 0.1}), "'gd'"),
    (dict(lr={"gd": 0.1, "adam": 0.1, "lion": 0.1}), "'lion'"),
    (dict(lr=lambda t: 0.1 - 0.01 * t), "step 11"),
    (dict(steps=-1), "steps=-1"),
    (dict(steps=2.5), "steps=2.5"),
    (dict(starts=[[1.0, 2.0, 3.0]]), "(1, 3)"),
    (dict(starts=[[np.nan, 1.0]]), "non-finite"),
    (dict(bound=-5), "bound=-5"),
    (dict(domain=[(2, 1), (0, 1)]), "domain="),
    (dict(batch_size=4), "batch_size=4"),
])
def test_bad_arguments_raise_value_errors_naming_the_value(kwargs, fragment):
    args = dict(optimizers=["gd", "adam"], starts=[[0.0, 0.0]], steps=20, lr=0.01)
    args.update(kwargs)
    with pytest.raises(ValueError, match=re.escape(fragment)):
        simulate(ROSENBROCK, **args)


def test_batch_size_checks_the_dataset():
    with pytest.raises(ValueError, match="batch_size=50"):
        simulate(make_dataset(), ["sgd"], [[0.0, 0.0]], 5, batch_size=50)
    with pytest.raises(ValueError, match="batch_size=0"):
        simulate(make_dataset(), ["sgd"], [[0.0, 0.0]], 5, batch_size=0)


def test_options_for_unselected_optimizers_are_checked_but_allowed():
    run = simulate(ROSENBROCK, ["gd"], [[0.0, 0.0]], 3, options={"adam": {"beta1": 0.5}})
    assert run.optimizers == ("gd",)
    with pytest.raises(ValueError, match="beta1=2"):
        simulate(ROSENBROCK, ["gd"], [[0.0, 0.0]], 3, options={"adam": {"beta1": 2}})


def test_resolve_accepts_scalar_and_tuple_spellings():
    adam = OPTIMIZERS["adam"]
    assert adam.resolve({"betas": (0.8, 0.9)}) == adam.resolve({"beta1": 0.8, "beta2": 0.9})
    assert adam.resolve()["beta2"] == 0.999 and adam.resolve({"amsgrad": 1})["amsgrad"] is True
