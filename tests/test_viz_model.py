"""viz.model: the model read from a per-sample loss, and its postfix program, checked against
SymPy's own evaluation of the model written by hand."""
from __future__ import annotations

import numpy as np
import pytest
import sympy

from landscapes import compile_dataset_loss, datasets
from test_data_page import _evaluate
from viz.model import MAX_OPS, DataModel, data_model, program

DATA = datasets.make("linear", n=20, seed=1)
w, b, x = sympy.symbols("w b x", real=True)

CASES = [   # per-sample loss, the model it fits (by hand), kind
    ("(w*x + b - y)^2", w * x + b, "fit"),
    ("(y - w*x - b)^2", w * x + b, "fit"),
    ("abs(w*x - y)", w * x, "fit"),
    ("(w*x + b - y)^4", w * x + b, "fit"),
    ("(sin(w*x) - y)^2", sympy.sin(w * x), "fit"),
    ("(exp(-w*x^2) + b - y)^2", sympy.exp(-w * x**2) + b, "fit"),
    ("(w*x - y)^2 + 0.1*w^2", w * x, "fit"),
    ("log(1 + exp(-y*(w*x + b)))", sympy.tanh((w * x + b) / 2), "labels"),
]


def _model(text):
    loss = compile_dataset_loss(text, DATA)
    columns = [s for s in loss.expr.free_symbols if s.name in loss.columns]
    return loss, data_model(loss.expr, loss.symbols, columns)


@pytest.mark.parametrize("text,model,kind", CASES, ids=[c[0] for c in CASES])
def test_the_model_and_its_program_match_the_hand_written_model(text, model, kind):
    loss, found = _model(text)
    assert isinstance(found, DataModel), found
    assert (found.feature, found.target, found.kind) == ("x", "y", kind)
    rng = np.random.default_rng(0)
    params = rng.uniform(-2, 2, loss.n)
    xs = np.linspace(-3, 3, 11)
    values = dict(zip(loss.variables, params))
    expected = sympy.lambdify(x, model.subs({sympy.Symbol(k, real=True): v
                                             for k, v in values.items()}), "numpy")(xs)
    np.testing.assert_allclose(_evaluate(found.curve, params, xs),
                               np.broadcast_to(expected, xs.shape), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("text", ["w*x*y + b^2", "(w - y)^2 + b^2", "(w*x - y)^3",
                                  "(w*x + b - y)^2 * (w - 1)^2"])
def test_losses_of_another_form_have_no_model_and_say_why(text):
    _, found = _model(text)
    assert isinstance(found, str) and found.startswith("the model is not drawn")


def test_a_program_refuses_symbols_and_functions_it_does_not_know():
    z = sympy.Symbol("z")
    assert program(w * x + z, {w: ["p", 0], x: ["x"]}) is None
    assert program(sympy.gamma(x), {x: ["x"]}) is None
    assert program(sympy.cos(x) ** 2, {x: ["x"]}) == [["x"], ["f", "cos", 1], ["c", 2.0],
                                                      ["f", "pow", 2]]


def test_a_loss_too_long_to_read_has_no_model():
    long = "+".join(f"sin({k}*w*x)" for k in range(1, 40))         # under 500 characters
    loss = compile_dataset_loss(f"({long} - y)^2", DATA)
    assert loss.expr.count_ops() > MAX_OPS
    columns = [s for s in loss.expr.free_symbols if s.name in loss.columns]
    found = data_model(loss.expr, loss.symbols, columns)
    assert isinstance(found, str) and "too long" in found
