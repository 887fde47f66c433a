"""Runs to compare (issue 10 item 4): variant names ("gd#2") and a batch size per run.

The references are independent of the multi-run code: a variant must be the same optimizer run
alone with its settings (the single-optimizer engine run, bit for bit), plain loops of the
torch.optim update equations, and batches rebuilt here from the documented seed derivation
(``np.random.SeedSequence(seed).spawn(b + 1)[b]`` for batch size ``b``).
"""
import re

import numpy as np
import pytest

from _sympy_loss import make_loss
from landscapes import compile_dataset_loss, datasets
from optimizers import OPTIMIZERS, base_name, schedules, simulate, summarize

LOSS = make_loss("x**2/2 + 2*y**2 + x*y/2 + sin(x) - cos(y)/3", "x y")
STARTS = [[1.5, -1.0], [-0.7, 0.4], [0.2, 2.2]]

# Per optimizer: settings of a second run that differ from the defaults in what the fused path
# switches on (L2, AMSGrad, centred, momentum buffer, decoupled decay), and a third run's lr.
SECOND = {
    "gd": {"weight_decay": 0.1},
    "sgd": {"noise": 0.3},
    "momentum": {"momentum": 0.5, "dampening": 0.2},
    "nesterov": {"momentum": 0.7, "weight_decay": 0.05},
    "adagrad": {"lr_decay": 0.1, "initial_accumulator_value": 0.5},
    "rmsprop": {"centered": True, "momentum": 0.5},
    "adam": {"amsgrad": True, "betas": (0.8, 0.99)},
    "adamw": {"weight_decay": 0.1, "amsgrad": True},
    "adadelta": {"rho": 0.5},
    "lion": {"beta1": 0.5, "weight_decay": 0.1},
}


def linear(n=48, seed=0):
    return compile_dataset_loss("(w*x + b - y)^2", datasets.make("linear", n=n, seed=seed))


def assert_same_run(run, name, alone, alone_name):
    """Everything ``run`` recorded for ``name`` equals what ``alone`` recorded for ``alone_name``."""
    o, a = run.optimizers.index(name), alone.optimizers.index(alone_name)
    for field in ("points", "values", "gradients", "diverged_at", "lr"):
        np.testing.assert_array_equal(getattr(run, field)[o], getattr(alone, field)[a],
                                      err_msg=f"{name} {field}")
    assert set(run.states[name]) == set(alone.states[alone_name]), name
    for key, values in alone.states[alone_name].items():
        np.testing.assert_array_equal(run.states[name][key], values, err_msg=f"{name} {key}")
    assert run.hyper[name] == alone.hyper[alone_name]


def batches(seed, size, n_rows, steps):
    """The rows of each step for batch size ``size``, rebuilt from the documented derivation."""
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(size + 1)[size])
    per_epoch = -(-n_rows // size)
    rows = []
    for t in range(steps):
        j = t % per_epoch
        if j == 0:
            order = rng.permutation(n_rows)
        rows.append(order[j * size:(j + 1) * size])
    return rows


# --- names ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, base", [("gd", "gd"), ("gd#2", "gd"), ("adam#10", "adam"),
                                        ("lion#123", "lion"), ("sgd#9", "sgd")])
def test_base_name_of_good_names(name, base):
    assert base_name(name) == base


@pytest.mark.parametrize("name, fragment", [
    ("gd#1", "'gd#1'"), ("gd#0", "'gd#0'"), ("gd#02", "'gd#02'"), ("gd#", "'gd#'"),
    ("gd#-2", "'gd#-2'"), ("gd#2.0", "'gd#2.0'"), ("gd# 2", "'gd# 2'"), ("gd#x", "'gd#x'"),
    ("gd#2#3", "'gd#2#3'"), ("gd#٢", "'gd#٢'"),
    ("gdd#2", "unknown optimizer 'gdd' in 'gdd#2'"), ("#2", "unknown optimizer ''"),
    ("Adam", "unknown optimizer 'Adam'"), ("gd ", "unknown optimizer 'gd '"),
    (3, "3 is not a string"), (None, "None is not a string"),
])
def test_base_name_rejects_bad_names_saying_why(name, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        base_name(name)


def test_a_bad_suffix_says_what_is_expected():
    with pytest.raises(ValueError, match=re.escape("whole number >= 2")):
        base_name("momentum#1")


# --- a variant is the run it stands for ----------------------------------------------------------

@pytest.mark.parametrize("base", list(OPTIMIZERS))
def test_each_variant_equals_its_optimizer_run_alone(base):
    lr = 1.0 if base == "adadelta" else 0.05
    sched = schedules.make("step", lr=lr * 2, every=7)
    names = [base, f"{base}#2", f"{base}#3"]
    rates = {base: lr, f"{base}#2": lr / 2, f"{base}#3": sched}
    options = {f"{base}#2": SECOND[base]}
    run = simulate(LOSS, names, STARTS, 40, lr=rates, options=options, seed=3)
    assert run.optimizers == tuple(names)
    assert set(run.states) == set(run.hyper) == set(names)
    assert run.points.shape == (3, 3, 41, 2)
    alone = {
        base: simulate(LOSS, [base], STARTS, 40, lr=lr, seed=3),
        f"{base}#2": simulate(LOSS, [base], STARTS, 40, lr=lr / 2, options={base: SECOND[base]}, seed=3),
        f"{base}#3": simulate(LOSS, [base], STARTS, 40, lr=sched, seed=3),
    }
    for name in names:
        assert_same_run(run, name, alone[name], base)
    # the settings really differ: three different paths
    for i in range(3):
        for j in range(i):
            assert np.nanmax(np.abs(run.points[i] - run.points[j])) > 1e-6, (names[i], names[j])


def test_variants_mixed_with_other_optimizers_in_any_order_and_some_diverging():
    # own-update rules (lion, adadelta) listed before fused ones: the engine reorders its rows
    names = ["lion#2", "adam", "gd#3", "adadelta", "gd", "adam#2", "lion", "rmsprop#4", "gd#2"]
    rates = {"lion#2": 0.01, "adam": 0.05, "gd#3": 0.9, "adadelta": 1.0, "gd": 0.01, "adam#2": 0.2,
             "lion": 0.05, "rmsprop#4": 0.01, "gd#2": 0.1}
    options = {"lion#2": {"beta2": 0.9}, "adam#2": {"amsgrad": True}, "rmsprop#4": {"alpha": 0.9},
               "adam": {"weight_decay": 0.01}}
    bowl = make_loss("x**2 + 3*y**2", "x y")
    run = simulate(bowl, names, STARTS, 30, lr=rates, options=options, seed=1, bound=1e3)
    # gd on 3 y^2 diverges for lr > 1/3 (factor |1 - 6 lr| > 1): gd#3 does, the others do not
    assert (run.diverged_at[names.index("gd#3")] >= 0).all()
    assert (run.diverged_at[names.index("gd")] == -1).all()
    for name in names:
        base = base_name(name)
        alone = simulate(bowl, [base], STARTS, 30, lr=rates[name],
                         options={base: options.get(name, {})}, seed=1, bound=1e3)
        assert_same_run(run, name, alone, base)


def test_gd_learning_rates_compared_follow_the_closed_form():
    # "GD lr 0.01 / 0.035 / 0.045" on a x^2: x_t = x_0 (1 - 2 a lr)^t, one run each
    a, x0 = 3.0, 2.0
    lrs = {"gd": 0.01, "gd#2": 0.035, "gd#3": 0.045}
    run = simulate(make_loss(f"{a}*x**2", "x"), list(lrs), [[x0]], 50, lr=lrs)
    for o, (name, lr) in enumerate(lrs.items()):
        expected = x0 * (1 - 2 * a * lr) ** np.arange(51)
        np.testing.assert_allclose(run.points[o, 0, :, 0], expected, rtol=1e-12, err_msg=name)
        np.testing.assert_array_equal(run.lr[o], lr)
    assert run.labels == ("Gradient descent", "Gradient descent #2", "Gradient descent #3")


def test_momentum_variants_follow_the_torch_sgd_equations():
    # a plain loop of torch.optim.SGD's pseudo-code (b_1 = g_1; b_t = mu b + (1 - tau) g)
    settings = {"momentum": (0.9, 0.0, 0.02), "momentum#2": (0.5, 0.0, 0.02),
                "momentum#3": (0.8, 0.3, 0.05)}
    run = simulate(LOSS, list(settings), STARTS, 30,
                   lr={name: lr for name, (_, _, lr) in settings.items()},
                   options={name: {"momentum": mu, "dampening": tau}
                            for name, (mu, tau, _) in settings.items()})
    for o, (name, (mu, tau, lr)) in enumerate(settings.items()):
        for s, start in enumerate(STARTS):
            theta, b = list(start), [0.0, 0.0]
            for t in range(30):
                g = LOSS.gradient(np.array(theta)).tolist()
                for i in range(2):
                    b[i] = g[i] if t == 0 else mu * b[i] + (1 - tau) * g[i]
                    theta[i] -= lr * b[i]
                np.testing.assert_allclose(run.points[o, s, t + 1], theta, rtol=1e-13, atol=1e-15)
                np.testing.assert_allclose(run.states[name]["velocity"][s, t + 1], b, rtol=1e-13,
                                           atol=1e-15)


def test_sgd_variants_scale_the_same_normal_draws_by_their_own_noise():
    names = ["sgd", "sgd#2", "sgd#3", "gd"]
    noise = {"sgd": 1.0, "sgd#2": 0.25, "sgd#3": 0.0}
    run = simulate(LOSS, names, STARTS, 20, lr=0.05, seed=9,
                   options={name: {"noise": value} for name, value in noise.items()})
    for name, value in noise.items():
        alone = simulate(LOSS, ["sgd"], STARTS, 20, lr=0.05, seed=9, noise=value)
        assert_same_run(run, name, alone, "sgd")
    # sgd#3 has no noise: it is gradient descent
    np.testing.assert_array_equal(run.points[2], run.points[3])
    # each estimate is gradient + noise * z, with one z for all: (estimate - gradient) / noise agree
    z = {name: (run.states[name]["gradient_estimate"] - run.gradients[o, :, :-1]) / noise[name]
         for o, name in enumerate(names[:2])}
    assert np.abs(z["sgd"]).max() > 0.1
    np.testing.assert_allclose(z["sgd#2"], z["sgd"], rtol=1e-9, atol=1e-12)


def test_run_fields_are_keyed_by_the_full_names():
    run = simulate(LOSS, ["adam", "adam#2", "momentum#5"], STARTS, 5,
                   lr={"adam": 0.1, "adam#2": 0.01, "momentum#5": 0.02},
                   options={"adam#2": {"betas": (0.5, 0.9)}, "momentum#5": {"momentum": 0.3}})
    assert run.labels == ("Adam", "Adam #2", "Momentum #5")
    assert run.hyper["adam"]["beta1"] == 0.9 and run.hyper["adam#2"]["beta1"] == 0.5
    assert run.hyper["adam#2"]["beta2"] == 0.9 and run.hyper["momentum#5"]["momentum"] == 0.3
    assert set(run.states["adam#2"]) == {"m", "v", "effective_lr"}
    assert set(run.states["momentum#5"]) == {"velocity", "effective_lr"}
    np.testing.assert_array_equal(run.lr[:, 0], [0.1, 0.01, 0.02])
    rows = summarize(run)
    assert [r.optimizer for r in rows] == ["adam"] * 3 + ["adam#2"] * 3 + ["momentum#5"] * 3


# --- a batch size per run -----------------------------------------------------------------------

def test_sgd_batch_sizes_one_sixteen_and_full_against_plain_loops():
    loss = linear(n=48)
    starts = [[0.0, 0.0], [1.0, -2.0]]
    names = ["sgd", "sgd#2", "sgd#3"]
    sizes = {"sgd": 1, "sgd#2": 16, "sgd#3": None}
    steps, lr = 60, 0.05
    run = simulate(loss, names, starts, steps, lr=lr, batch_size=sizes, seed=11)
    # the full-batch one is full-batch gradient descent, exactly
    gd = simulate(loss, ["gd"], starts, steps, lr=lr, seed=11)
    for field in ("points", "values", "gradients", "diverged_at"):
        np.testing.assert_array_equal(getattr(run, field)[2], getattr(gd, field)[0], err_msg=field)
    x = np.array(starts)
    for t in range(steps):
        x = x - lr * loss.gradient(x)
    np.testing.assert_array_equal(run.points[2, :, -1], x)
    np.testing.assert_array_equal(run.states["sgd#3"]["gradient_estimate"], gd.gradients[0, :, :-1])
    # the mini-batch ones: gradient descent on the batches of their own seeded stream
    for o, size in ((0, 1), (1, 16)):
        rows = batches(11, size, 48, steps)
        x = np.array(starts)
        for t in range(steps):
            g = loss.batch_gradient(x, rows[t])
            np.testing.assert_array_equal(run.states[names[o]]["gradient_estimate"][:, t], g)
            x = x - lr * g
            np.testing.assert_array_equal(run.points[o, :, t + 1], x)
        np.testing.assert_allclose(run.gradients[o], loss.gradient(run.points[o]), rtol=1e-12, atol=1e-15)
    assert run.batch_sizes == (1, 16, 48) and run.steps_per_epoch_of == (48, 3, 1)
    np.testing.assert_array_equal(run.epoch_of, np.arange(steps)[None] // np.array([[48], [3], [1]]))
    assert run.batch_size is None and run.steps_per_epoch is None and run.epoch is None


def test_a_batch_size_gets_the_same_batches_whichever_other_runs_are_present():
    loss = linear(n=40, seed=2)
    starts = [[0.5, 0.5]]
    few = simulate(loss, ["sgd"], starts, 50, lr=0.05, batch_size={"sgd": 16}, seed=4)
    many = simulate(loss, ["adam", "gd#2", "sgd", "gd", "lion", "sgd#2"], starts, 50,
                    lr={"adam": 0.05, "gd#2": 0.05, "sgd": 0.05, "gd": 0.05, "lion": 0.01, "sgd#2": 0.05},
                    batch_size={"adam": 16, "gd#2": 1, "sgd": 16, "gd": None, "lion": 7, "sgd#2": 5},
                    seed=4)
    assert_same_run(many, "sgd", few, "sgd")
    # the scalar spelling of one batch size for all is the same run
    scalar = simulate(loss, ["sgd"], starts, 50, lr=0.05, batch_size=16, seed=4)
    assert_same_run(scalar, "sgd", few, "sgd")
    # and every run of `many` is the run alone with its batch size
    sizes = dict(zip(many.optimizers, many.batch_sizes))
    for name in many.optimizers:
        base = base_name(name)
        lr = 0.01 if base == "lion" else 0.05
        alone = simulate(loss, [base], starts, 50, lr=lr, batch_size=sizes[name], seed=4)
        assert_same_run(many, name, alone, base)
    # runs with the same batch size share each step's batch: adam, like sgd, stepped at 16 on the
    # rows of the size-16 stream (its batch gradients at its own points are means over those rows)
    rows = batches(4, 16, 40, 50)
    adam = many.points[0, 0]
    used = np.stack([loss.batch_gradient(adam[t], rows[t]) for t in range(50)])
    np.testing.assert_array_equal(many.states["adam"]["gradient_estimate"][0], used)
    assert many.batch_sizes == (16, 1, 16, 40, 7, 5)
    assert many.steps_per_epoch_of == (3, 40, 3, 1, 6, 8)


def test_different_batch_sizes_draw_different_permutations():
    loss = linear(n=30)
    rows = {size: np.concatenate(batches(6, size, 30, -(-30 // size))) for size in (1, 2, 3)}
    assert not np.array_equal(rows[1], rows[2]) and not np.array_equal(rows[1], rows[3])
    # and the engine uses them: batch size 1 visits the rows of its first epoch in that order
    run = simulate(loss, ["gd"], [[0.0, 0.0]], 30, lr=0.0, batch_size={"gd": 1}, seed=6)
    singles = np.stack([loss.batch_gradient(np.zeros(2), [r]) for r in range(30)])   # one row each
    np.testing.assert_array_equal(run.states["gd"]["gradient_estimate"][0], singles[rows[1]])


@pytest.mark.parametrize("size", [1, 7, 16, 47])
def test_batch_gradients_of_one_epoch_average_to_the_full_gradient(size):
    # lr 0: every step's batch gradient is taken at the start, so one epoch's batches, weighted by
    # their sizes (the last one is smaller when size does not divide 48), average to the full one
    loss = linear(n=48, seed=3)
    starts = [[0.3, -0.4], [2.0, 1.0]]
    others = {"gd": 5, "sgd": None}                       # other runs present, other sizes
    sizes = {"adam": size, **others}
    per_epoch = -(-48 // size)
    run = simulate(loss, list(sizes), starts, 2 * per_epoch, lr=0.0, batch_size=sizes, seed=2)
    weights = np.full(per_epoch, float(size))
    weights[-1] = 48 - size * (per_epoch - 1)
    estimate = run.states["adam"]["gradient_estimate"]    # (S, T, n)
    for epoch in range(2):
        part = estimate[:, epoch * per_epoch:(epoch + 1) * per_epoch]
        mean = (part * weights[None, :, None]).sum(1) / 48
        np.testing.assert_allclose(mean, loss.gradient(np.array(starts)), rtol=1e-12, atol=1e-14)
    assert np.abs(estimate[:, 0] - loss.gradient(np.array(starts))).max() > 1e-3   # batches differ
    assert run.steps_per_epoch_of[0] == per_epoch


def test_one_batch_size_for_all_keeps_the_scalar_fields():
    loss = linear(n=50)
    names = ["gd", "gd#2", "adam"]
    run = simulate(loss, names, [[0.0, 0.0]], 20, lr=0.01, batch_size=dict.fromkeys(names, 8), seed=1)
    scalar = simulate(loss, names, [[0.0, 0.0]], 20, lr=0.01, batch_size=8, seed=1)
    for name in names:
        assert_same_run(run, name, scalar, name)
    for r in (run, scalar):
        assert r.batch_size == 8 and r.steps_per_epoch == 7
        np.testing.assert_array_equal(r.epoch, np.arange(20) // 7)
        assert r.batch_sizes == (8, 8, 8) and r.steps_per_epoch_of == (7, 7, 7)
        np.testing.assert_array_equal(r.epoch_of, np.tile(np.arange(20) // 7, (3, 1)))
    full = simulate(loss, names, [[0.0, 0.0]], 20, lr=0.01, batch_size=dict.fromkeys(names), seed=1)
    assert full.batch_size == 50 and full.steps_per_epoch == 1 and full.batch_sizes == (50, 50, 50)
    np.testing.assert_array_equal(full.epoch, np.arange(20))


def test_losses_without_data_have_no_batch_sizes():
    run = simulate(LOSS, ["gd", "gd#2"], STARTS, 5, batch_size={"gd": None, "gd#2": None})
    assert run.batch_sizes == (None, None) and run.steps_per_epoch_of == (None, None)
    assert run.epoch_of is None and run.batch_size is None and run.epoch is None


# --- validation ------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, fragment", [
    (dict(optimizers=["gd", "gd#2", "gd#2"]), "optimizer 'gd#2' is listed twice"),
    (dict(optimizers=["gd", "gd#1"]), "'gd#1'"),
    (dict(optimizers=["gd", "gdx#2"]), "unknown optimizer 'gdx' in 'gdx#2'"),
    (dict(options={"gd#0": {}}), "options for 'gd#0'"),
    (dict(options={"adamm#2": {}}), "'adamm'"),
    (dict(options={"adam#2": {"beta1": 2.0}}), "adam#2: beta1=2.0"),
    (dict(options={"adam#2": {"beta3": 0.5}}), "adam#2: unknown parameter 'beta3'"),
    (dict(options={"adam#2": 0.5}), "options['adam#2']=0.5"),
    (dict(lr={"gd": 0.1}), "lr has no entry for optimizer 'gd#2'"),
    (dict(lr={"gd": 0.1, "gd#2": 0.1, "gd#3": 0.1}), "'gd#3'"),
    (dict(lr={"gd": 0.1, "gd#2": -1.0}), "lr for gd#2=-1.0"),
    (dict(batch_size={"gd": 4, "gd#2": 4}), "batch_size['gd']=4 needs a dataset loss"),
])
def test_bad_variant_arguments_raise_naming_the_value(kwargs, fragment):
    args = dict(optimizers=["gd", "gd#2"], starts=[[0.0, 0.0]], steps=5, lr=0.01)
    args.update(kwargs)
    with pytest.raises(ValueError, match=re.escape(fragment)):
        simulate(LOSS, **args)


@pytest.mark.parametrize("batch_size, fragment", [
    ({"sgd": 4}, "batch_size has no entry for optimizer 'sgd#2'"),
    ({"sgd": 4, "sgd#2": 4, "adam": 4}, "batch_size given for 'adam', which is not among"),
    ({"sgd": 4, "sgd#2": 0}, "batch_size['sgd#2']=0 must be a whole number >= 1"),
    ({"sgd": 4, "sgd#2": 2.5}, "batch_size['sgd#2']=2.5"),
    ({"sgd": True, "sgd#2": 4}, "batch_size['sgd']=True"),
    ({"sgd": 4, "sgd#2": 21}, "batch_size['sgd#2']=21 is larger than the dataset (20 rows)"),
    (21, "batch_size=21 is larger than the dataset (20 rows)"),
])
def test_bad_batch_sizes_raise_naming_the_value(batch_size, fragment):
    with pytest.raises(ValueError, match=re.escape(fragment)):
        simulate(linear(n=20), ["sgd", "sgd#2"], [[0.0, 0.0]], 5, batch_size=batch_size)


def test_the_noise_shorthand_is_for_the_run_named_sgd():
    run = simulate(LOSS, ["sgd", "sgd#2"], STARTS, 5, noise=0.5, options={"sgd#2": {"noise": 2.0}})
    assert run.hyper["sgd"]["noise"] == 0.5 and run.hyper["sgd#2"]["noise"] == 2.0
    data = simulate(linear(n=20), ["sgd", "sgd#2"], [[0.0, 0.0]], 5, noise=0.5,
                    options={"sgd#2": {"noise": 2.0}}, batch_size={"sgd": 4, "sgd#2": None})
    assert data.hyper["sgd"]["noise"] == 0.0 and data.hyper["sgd#2"]["noise"] == 0.0
