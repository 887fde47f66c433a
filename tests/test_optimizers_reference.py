"""Every rule against a plain, scalar transcription of its published pseudo-code.

The ``ref_*`` functions below are written from the torch.optim documentation's pseudo-code (and
Lion's paper, Algorithm 2) one coordinate at a time with Python floats, without looking at the
package's code. Both the rules' own ``update`` functions and the engine (which steps most rules
through a fused form) must reproduce them, with non-default hyper-parameters and every schedule.
"""
import math

import numpy as np
import pytest

from _sympy_loss import make_loss
from optimizers import OPTIMIZERS, schedules, simulate

LOSS = make_loss("x**2/2 + 2*y**2 + x*y/2 + sin(x) - cos(y)/3", "x y")
STARTS = [[1.5, -1.0], [-0.7, 0.4], [0.2, 2.2]]
STEPS = 25


def grad(theta):
    return LOSS.gradient(np.array(theta, dtype=float)).tolist()


# --- transcriptions (t counts from 1, as in the pseudo-code) ----------------------------------

def ref_sgd(theta, lrs, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    theta = list(theta)
    n = len(theta)
    b = [0.0] * n
    path, buffers = [list(theta)], [list(b)]
    for t in range(1, len(lrs) + 1):
        lr = lrs[t - 1]
        g = grad(theta)
        for i in range(n):
            g[i] = g[i] + weight_decay * theta[i]
        if momentum != 0:
            for i in range(n):
                if t > 1:
                    b[i] = momentum * b[i] + (1 - dampening) * g[i]
                else:
                    b[i] = g[i]
                if nesterov:
                    g[i] = g[i] + momentum * b[i]
                else:
                    g[i] = b[i]
        for i in range(n):
            theta[i] = theta[i] - lr * g[i]
        path.append(list(theta))
        buffers.append(list(b))
    return path, {"velocity": buffers}


def ref_adagrad(theta, lrs, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10):
    theta = list(theta)
    n = len(theta)
    state_sum = [initial_accumulator_value] * n
    path, sums = [list(theta)], [list(state_sum)]
    for t in range(1, len(lrs) + 1):
        g = grad(theta)
        clr = lrs[t - 1] / (1 + (t - 1) * lr_decay)
        for i in range(n):
            g[i] = g[i] + weight_decay * theta[i]
            state_sum[i] = state_sum[i] + g[i] * g[i]
            theta[i] = theta[i] - clr * g[i] / (math.sqrt(state_sum[i]) + eps)
        path.append(list(theta))
        sums.append(list(state_sum))
    return path, {"sum_sq": sums}


def ref_rmsprop(theta, lrs, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False):
    theta = list(theta)
    n = len(theta)
    v, b, g_ave = [0.0] * n, [0.0] * n, [0.0] * n
    path, vs, bs, gs = [list(theta)], [list(v)], [list(b)], [list(g_ave)]
    for t in range(1, len(lrs) + 1):
        lr = lrs[t - 1]
        g = grad(theta)
        for i in range(n):
            g[i] = g[i] + weight_decay * theta[i]
            v[i] = alpha * v[i] + (1 - alpha) * g[i] ** 2
            v_tilde = v[i]
            if centered:
                g_ave[i] = g_ave[i] * alpha + (1 - alpha) * g[i]
                v_tilde = v_tilde - g_ave[i] ** 2
            if momentum > 0:
                b[i] = momentum * b[i] + g[i] / (math.sqrt(v_tilde) + eps)
                theta[i] = theta[i] - lr * b[i]
            else:
                theta[i] = theta[i] - lr * g[i] / (math.sqrt(v_tilde) + eps)
        path.append(list(theta))
        vs.append(list(v))
        bs.append(list(b))
        gs.append(list(g_ave))
    return path, {"square_avg": vs, "momentum_buffer": bs, "grad_avg": gs}


def ref_adam(theta, lrs, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0, amsgrad=False,
             decoupled=False):
    """Adam; with ``decoupled`` it is AdamW: theta <- theta - lr*wd*theta, then Adam without L2."""
    theta = list(theta)
    n = len(theta)
    m, v, v_max = [0.0] * n, [0.0] * n, [0.0] * n
    path, ms, vs, vmaxs = [list(theta)], [list(m)], [list(v)], [list(v_max)]
    for t in range(1, len(lrs) + 1):
        lr = lrs[t - 1]
        g = grad(theta)
        for i in range(n):
            if decoupled:
                theta[i] = theta[i] - lr * weight_decay * theta[i]
            else:
                g[i] = g[i] + weight_decay * theta[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g[i]
            v[i] = beta2 * v[i] + (1 - beta2) * g[i] ** 2
            m_hat = m[i] / (1 - beta1 ** t)
            if amsgrad:
                v_max[i] = max(v_max[i], v[i])
                v_hat = v_max[i] / (1 - beta2 ** t)
            else:
                v_hat = v[i] / (1 - beta2 ** t)
            theta[i] = theta[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        path.append(list(theta))
        ms.append(list(m))
        vs.append(list(v))
        vmaxs.append(list(v_max))
    return path, {"m": ms, "v": vs, "v_max": vmaxs}


def ref_adadelta(theta, lrs, rho=0.9, eps=1e-6, weight_decay=0.0):
    theta = list(theta)
    n = len(theta)
    v, u = [0.0] * n, [0.0] * n
    path, vs, us = [list(theta)], [list(v)], [list(u)]
    for t in range(1, len(lrs) + 1):
        g = grad(theta)
        for i in range(n):
            g[i] = g[i] + weight_decay * theta[i]
            v[i] = v[i] * rho + g[i] ** 2 * (1 - rho)
            delta = math.sqrt(u[i] + eps) / math.sqrt(v[i] + eps) * g[i]
            u[i] = u[i] * rho + delta ** 2 * (1 - rho)
            theta[i] = theta[i] - lrs[t - 1] * delta
        path.append(list(theta))
        vs.append(list(v))
        us.append(list(u))
    return path, {"square_avg": vs, "acc_delta": us}


def ref_lion(theta, lrs, beta1=0.9, beta2=0.99, weight_decay=0.0):
    theta = list(theta)
    n = len(theta)
    m = [0.0] * n
    path, ms = [list(theta)], [list(m)]
    for t in range(1, len(lrs) + 1):
        lr = lrs[t - 1]
        g = grad(theta)
        for i in range(n):
            c = beta1 * m[i] + (1 - beta1) * g[i]
            sign = (c > 0) - (c < 0)
            theta[i] = theta[i] - lr * (sign + weight_decay * theta[i])
            m[i] = beta2 * m[i] + (1 - beta2) * g[i]
        path.append(list(theta))
        ms.append(list(m))
    return path, {"m": ms}


# name -> (transcription, its keyword arguments, our options, base lr)
CASES = {
    "gd": (ref_sgd, dict(weight_decay=0.1), dict(weight_decay=0.1), 0.05),
    "sgd": (ref_sgd, dict(weight_decay=0.05), dict(noise=0.0, weight_decay=0.05), 0.05),
    "momentum": (ref_sgd, dict(momentum=0.8, dampening=0.3, weight_decay=0.05),
                 dict(momentum=0.8, dampening=0.3, weight_decay=0.05), 0.05),
    "nesterov": (ref_sgd, dict(momentum=0.7, nesterov=True, weight_decay=0.02),
                 dict(momentum=0.7, weight_decay=0.02), 0.05),
    "adagrad": (ref_adagrad, dict(lr_decay=0.1, initial_accumulator_value=0.5, eps=1e-6, weight_decay=0.01),
                dict(lr_decay=0.1, initial_accumulator_value=0.5, eps=1e-6, weight_decay=0.01), 0.2),
    "rmsprop": (ref_rmsprop, dict(alpha=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.01),
                dict(alpha=0.9, eps=1e-6, momentum=0.5, centered=True, weight_decay=0.01), 0.01),
    "adam": (ref_adam, dict(beta1=0.8, beta2=0.95, eps=1e-6, weight_decay=0.05, amsgrad=True),
             dict(betas=(0.8, 0.95), eps=1e-6, weight_decay=0.05, amsgrad=True), 0.05),
    "adamw": (ref_adam, dict(beta1=0.85, beta2=0.99, eps=1e-7, weight_decay=0.1, decoupled=True),
              dict(beta1=0.85, beta2=0.99, eps=1e-7, weight_decay=0.1), 0.05),
    "adadelta": (ref_adadelta, dict(rho=0.8, eps=1e-4, weight_decay=0.02),
                 dict(rho=0.8, eps=1e-4, weight_decay=0.02), 1.0),
    "lion": (ref_lion, dict(beta1=0.8, beta2=0.95, weight_decay=0.05),
             dict(betas=(0.8, 0.95), weight_decay=0.05), 0.01),
}
# defaults, and the variants the fused engine treats differently
DEFAULT_CASES = {
    "gd": (ref_sgd, {}, {}, 0.05), "momentum": (ref_sgd, dict(momentum=0.9), {}, 0.02),
    "nesterov": (ref_sgd, dict(momentum=0.9, nesterov=True), {}, 0.02),
    "adagrad": (ref_adagrad, {}, {}, 0.1), "rmsprop": (ref_rmsprop, {}, {}, 0.01),
    "rmsprop_plain_momentum": (ref_rmsprop, dict(momentum=0.9), dict(momentum=0.9), 0.01),
    "adam": (ref_adam, {}, {}, 0.05), "adamw": (ref_adam, dict(weight_decay=0.01, decoupled=True), {}, 0.05),
    "adadelta": (ref_adadelta, {}, {}, 1.0), "lion": (ref_lion, {}, {}, 0.01),
}


def schedule_cases(base):
    return {
        "constant": schedules.make("constant", lr=base),
        "step": schedules.make("step", lr=base, factor=0.7, every=4),
        "exponential": schedules.make("exponential", lr=base, k=0.1),
        "inverse_time": schedules.make("inverse_time", lr=base, k=0.2),
        "cosine": schedules.make("cosine", lr=base, total=15, min_lr=base / 5),
        "warmup_cosine": schedules.make("cosine", lr=base, total=20, warmup=3),
    }


def reference_paths(transcription, kwargs, lrs):
    results = [transcription(start, lrs, **kwargs) for start in STARTS]
    paths = np.array([path for path, _ in results])                        # (S, T + 1, n)
    states = {key: np.array([s[key] for _, s in results]) for key in results[0][1]}
    return paths, states


def rule_paths(name, options, lrs):
    """The rule's own pure init/update, all starts as one (k, n) array."""
    spec = OPTIMIZERS[name]
    hyper = spec.resolve(options)
    x = np.array(STARTS, dtype=float)
    state = spec.init(x, **hyper)
    path = [x]
    for t, lr in enumerate(lrs):
        step, state = spec.update(LOSS.gradient(x), state, lr, t, x, **hyper)
        x = x + step
        path.append(x)
    return np.stack(path, axis=1)


@pytest.mark.parametrize("schedule", list(schedule_cases(1.0)))
@pytest.mark.parametrize("name", list(CASES))
def test_rule_and_engine_follow_the_pseudo_code(name, schedule):
    transcription, kwargs, options, base = CASES[name]
    sched = schedule_cases(base)[schedule]
    lrs = sched(np.arange(STEPS)).tolist()
    expected, expected_states = reference_paths(transcription, kwargs, lrs)

    own = rule_paths(name, options, lrs)
    np.testing.assert_allclose(own, expected, rtol=1e-11, atol=1e-13)

    run = simulate(LOSS, [name], STARTS, STEPS, lr=sched, options={name: options})
    assert (run.diverged_at == -1).all()
    np.testing.assert_allclose(run.points[0], expected, rtol=1e-11, atol=1e-13)
    for key, values in run.states[name].items():
        if key in expected_states:
            np.testing.assert_allclose(values, expected_states[key], rtol=1e-10, atol=1e-13,
                                       err_msg=f"{name} state {key}")


@pytest.mark.parametrize("name", list(DEFAULT_CASES))
def test_defaults_follow_the_pseudo_code(name):
    transcription, kwargs, options, base = DEFAULT_CASES[name]
    optimizer = name.split("_")[0]
    lrs = [base] * STEPS
    expected, _ = reference_paths(transcription, kwargs, lrs)
    np.testing.assert_allclose(rule_paths(optimizer, options, lrs), expected, rtol=1e-11, atol=1e-13)
    run = simulate(LOSS, [optimizer], STARTS, STEPS, lr=base, options={optimizer: options})
    np.testing.assert_allclose(run.points[0], expected, rtol=1e-11, atol=1e-13)


def test_all_rules_stepped_together_match_their_transcriptions():
    """One simulate call with every optimizer, in an order that interleaves fused and own rules,
    each with its own hyper-parameters and schedule: runs must not leak into each other."""
    names = ["lion", "adam", "gd", "rmsprop", "adadelta", "momentum", "adamw", "nesterov",
             "adagrad", "sgd"]
    kinds = list(schedule_cases(1.0))
    lr = {name: schedule_cases(CASES[name][3])[kinds[i % len(kinds)]] for i, name in enumerate(names)}
    run = simulate(LOSS, names, STARTS, STEPS, lr=lr, options={name: CASES[name][2] for name in names})
    assert run.optimizers == tuple(names)
    for o, name in enumerate(names):
        transcription, kwargs, _, _ = CASES[name]
        expected, expected_states = reference_paths(transcription, kwargs, lr[name](np.arange(STEPS)).tolist())
        np.testing.assert_allclose(run.points[o], expected, rtol=1e-11, atol=1e-13, err_msg=name)
        for key, values in run.states[name].items():
            if key in expected_states:
                np.testing.assert_allclose(values, expected_states[key], rtol=1e-10, atol=1e-13,
                                           err_msg=f"{name} state {key}")


def test_mixed_variants_of_the_same_fused_step_do_not_interfere():
    """amsgrad, centered, momentum-after-scaling, L2 and decoupled decay all on at once."""
    names = ["rmsprop", "adam", "adamw", "gd", "momentum"]
    options = {"rmsprop": dict(momentum=0.3, centered=True), "adam": dict(amsgrad=True),
               "adamw": dict(weight_decay=0.2), "gd": dict(weight_decay=0.3),
               "momentum": dict(dampening=0.5)}
    run = simulate(LOSS, names, STARTS, STEPS, lr=0.02, options=options)
    lrs = [0.02] * STEPS
    refs = {"rmsprop": ref_rmsprop(STARTS[0], lrs, momentum=0.3, centered=True)[0],
            "adam": ref_adam(STARTS[0], lrs, amsgrad=True)[0],
            "adamw": ref_adam(STARTS[0], lrs, weight_decay=0.2, decoupled=True)[0],
            "gd": ref_sgd(STARTS[0], lrs, weight_decay=0.3)[0],
            "momentum": ref_sgd(STARTS[0], lrs, momentum=0.9, dampening=0.5)[0]}
    for o, name in enumerate(names):
        np.testing.assert_allclose(run.points[o, 0], refs[name], rtol=1e-11, atol=1e-13, err_msg=name)


def test_one_dimensional_rules_follow_the_pseudo_code():
    global LOSS
    saved = LOSS
    LOSS = make_loss("w**4 - 3*w**3 + 2", "w")
    try:
        starts = [[-0.5], [1.0], [2.5]]
        for name in ["gd", "momentum", "adam", "rmsprop", "lion"]:
            transcription, kwargs, options, _ = CASES[name]
            lrs = [0.01] * 30
            expected = np.array([transcription(s, lrs, **kwargs)[0] for s in starts])
            run = simulate(LOSS, [name], [-0.5, 1.0, 2.5], 30, lr=0.01, options={name: options})
            assert run.points.shape == (1, 3, 31, 1)
            np.testing.assert_allclose(run.points[0], expected, rtol=1e-11, atol=1e-13, err_msg=name)
    finally:
        LOSS = saved


@pytest.mark.parametrize("momentum", [0.0, 0.9])
def test_momentum_dampening_follows_torch_with_and_without_a_buffer(momentum):
    """torch.optim.SGD only keeps a momentum buffer when momentum != 0 (ref_sgd transcribes that):
    with momentum 0 dampening has no effect and the path is gradient descent's."""
    options = dict(momentum=momentum, dampening=0.5, weight_decay=0.05)
    sched = schedule_cases(0.05)["step"]
    lrs = sched(np.arange(STEPS)).tolist()
    expected, expected_states = reference_paths(ref_sgd, options, lrs)
    np.testing.assert_allclose(rule_paths("momentum", options, lrs), expected, rtol=1e-11, atol=1e-13)
    # fused, alone and stacked with other fused rules (one of them undamped momentum)
    for names in (["momentum"], ["adam", "momentum", "nesterov", "gd"]):
        run = simulate(LOSS, names, STARTS, STEPS, lr=sched, options={"momentum": options})
        o = names.index("momentum")
        np.testing.assert_allclose(run.points[o], expected, rtol=1e-11, atol=1e-13, err_msg=str(names))
        if momentum:
            np.testing.assert_allclose(run.states["momentum"]["velocity"], expected_states["velocity"],
                                       rtol=1e-10, atol=1e-13)
    if momentum == 0:
        gd = simulate(LOSS, ["gd"], STARTS, STEPS, lr=sched, options={"gd": {"weight_decay": 0.05}})
        np.testing.assert_allclose(run.points[o], gd.points[0], rtol=1e-13, atol=1e-15)
