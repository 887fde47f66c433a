"""The OPTIMIZERS table the UI builds its controls from, and the pure rules themselves."""
import numpy as np
import pytest

from optimizers import OPTIMIZERS, Param
from optimizers.rules import adam_update, adamw_update, with_decoupled_weight_decay

TORCH_DEFAULTS = {
    "momentum": {"momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0},
    "nesterov": {"momentum": 0.9, "weight_decay": 0.0},
    "adagrad": {"lr_decay": 0.0, "initial_accumulator_value": 0.0, "eps": 1e-10, "weight_decay": 0.0},
    "rmsprop": {"alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "centered": False, "weight_decay": 0.0},
    "adam": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0, "amsgrad": False},
    "adamw": {"beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01, "amsgrad": False},
    "adadelta": {"rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
    "lion": {"beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0},
    "gd": {"weight_decay": 0.0},
    "sgd": {"noise": 1.0, "weight_decay": 0.0},
}


def test_the_table_lists_the_optimizers_in_order():
    assert list(OPTIMIZERS) == ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
                                "adamw", "adadelta", "lion"]


@pytest.mark.parametrize("name", list(OPTIMIZERS))
def test_each_entry_is_complete(name):
    spec = OPTIMIZERS[name]
    assert spec.name == name and spec.label and spec.description
    assert callable(spec.init) and callable(spec.update)
    assert spec.update.__doc__ and "math" in spec.update.__doc__
    assert spec.equations.count("{") == spec.equations.count("}") and "theta" in spec.equations
    assert "torch.optim" in spec.reference or "Chen et al." in spec.reference
    assert spec.default_lr > 0
    assert spec.resolve() == TORCH_DEFAULTS[name]
    for p in spec.params:
        assert isinstance(p, Param) and p.help
        assert p.low <= p.default <= p.high
        assert not p.log or p.low > 0
        assert p.kind in ("float", "int", "bool")
        assert p.check(p.default, name) == p.default
        if p.kind != "bool":
            with pytest.raises(ValueError, match=f"{p.name}="):
                p.check(p.high * 2 + 1, name)


def test_tuple_valued_options_are_exposed_as_scalars():
    for name in ("adam", "adamw", "lion"):
        names = [p.name for p in OPTIMIZERS[name].params]
        assert "beta1" in names and "beta2" in names and "betas" not in names
        assert OPTIMIZERS[name].aliases == {"betas": ("beta1", "beta2")}


def test_rules_are_pure():
    x = np.array([[1.0, -2.0], [0.5, 0.5]])
    g = np.array([[0.3, -0.1], [2.0, 0.0]])
    for name, spec in OPTIMIZERS.items():
        hyper = spec.resolve()
        state = spec.init(x, **hyper)
        before = [np.array(a) for a in state]
        x_copy, g_copy = x.copy(), g.copy()
        step, new = spec.update(g, state, 0.1, 0, x, **hyper)
        step2, new2 = spec.update(g, state, 0.1, 0, x, **hyper)
        assert step.shape == x.shape and type(new) is type(state)
        np.testing.assert_array_equal(step, step2)
        np.testing.assert_array_equal(x, x_copy)
        np.testing.assert_array_equal(g, g_copy)
        for a, b in zip(state, before):
            np.testing.assert_array_equal(a, b)


def test_adamw_is_adam_composed_with_decoupled_decay():
    x = np.array([[1.0, -2.0]])
    g = np.array([[0.3, -0.1]])
    state = OPTIMIZERS["adam"].init(x)
    adam_step, adam_state = adam_update(g, state, 0.1, 0, x)
    adamw_step, adamw_state = adamw_update(g, state, 0.1, 0, x, weight_decay=0.2)
    np.testing.assert_allclose(adamw_step, adam_step - 0.1 * 0.2 * x, rtol=1e-15)
    for a, b in zip(adam_state, adamw_state):
        np.testing.assert_array_equal(a, b)
    # the same transform works on any rule
    decayed_gd = with_decoupled_weight_decay(OPTIMIZERS["gd"].update, 0.5)
    step, _ = decayed_gd(g, (), 0.1, 0, x)
    np.testing.assert_allclose(step, -0.1 * g - 0.05 * x)


def _every_param():
    from optimizers import SCHEDULES
    from optimizers.schedules import LR, WARMUP
    return ([(name, p) for name, spec in OPTIMIZERS.items() for p in spec.params]
            + [(name, p) for name, kind in SCHEDULES.items() for p in kind.params]
            + [("schedule", LR), ("schedule", WARMUP)])


@pytest.mark.parametrize("owner, param", _every_param(), ids=lambda v: getattr(v, "name", v))
def test_every_parameter_has_a_plain_words_label_besides_its_name(owner, param):
    label = param.label
    assert label.strip() == label and len(label) >= 8, (owner, param.name, label)
    assert label.lower() != param.name.lower() and " " in label    # words, not the keyword
    assert param.help and param.help != label


def test_the_issues_three_parameters_say_what_they_do():
    labels = {p.name: p.label for p in OPTIMIZERS["momentum"].params + OPTIMIZERS["adam"].params}
    assert labels["dampening"] == "Dampening τ: share of the new gradient left out of momentum"
    assert labels["weight_decay"] == "Weight decay λ (pull towards 0)"
    assert labels["amsgrad"] == "AMSGrad: never let the step size grow"
