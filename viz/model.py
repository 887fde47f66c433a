"""The model a per-sample loss fits, as data the player can draw over a scatter of the data.

A per-sample loss compares a model's prediction with a target column: ``(w*x + b - y)^2`` fits
the line ``w*x + b`` to ``y``; ``log(1 + exp(-y*(w*x + b)))`` is logistic regression of labels
``y = ±1`` on the score ``w*x + b``. `data_model` recognises these forms in the SymPy expression
(the parser's own tree, never text) and returns the prediction as a small postfix `program` that
the player evaluates in the browser for every run at every step, over a range of the feature:

* squared or absolute error: ``(M - y)^k`` (k even), ``|M - y|``, and the same with ``y - M``:
  the curve is ``M(x)``;
* logistic loss ``log(1 + exp(-y*M))`` with labels ±1: the curve is the model's expected label
  ``E[y | x] = 2 sigmoid(M) - 1 = tanh(M / 2)``;
* either of them plus a penalty on the parameters alone (``+ 0.1*w^2``).

The model must depend on exactly one other column (the feature drawn on the horizontal axis).
Anything else has no curve: the page then shows the data alone and says why.

Program tokens (JSON lists): ``["c", value]`` a number, ``["p", j]`` parameter ``j`` (in the
loss's variable order), ``["x"]`` the feature, ``["f", name, k]`` apply ``name`` to the top
``k`` values (``add`` and ``mul`` take any k >= 2, ``pow`` two, the functions in `FUNCTIONS`
one). Evaluated with a stack, left to right.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy

__all__ = ["DataModel", "data_model", "program", "FUNCTIONS"]

# SymPy function -> the player's name for it (Math.<name> in JavaScript, except the last ones,
# which the player defines).
FUNCTIONS = {sympy.sin: "sin", sympy.cos: "cos", sympy.tan: "tan", sympy.exp: "exp",
             sympy.log: "log", sympy.tanh: "tanh", sympy.sinh: "sinh", sympy.cosh: "cosh",
             sympy.atan: "atan", sympy.asin: "asin", sympy.acos: "acos", sympy.Abs: "abs",
             sympy.sign: "sign", sympy.Max: "max", sympy.Min: "min"}
MAX_TOKENS = 400
MAX_OPS = 120         # longer losses are not read (each step below is linear in their size)


@dataclass(frozen=True)
class DataModel:
    """What to draw over the data: ``curve`` (a `program`) of ``feature``, against ``target``."""
    feature: str
    target: str
    kind: str            # "fit" (the curve predicts the target) or "labels" (E[y|x] for y = ±1)
    curve: list          # postfix program
    latex: str           # the curve as a formula, e.g. "\hat y = b + w x"


def data_model(expr, params, columns) -> DataModel | str:
    """The model in per-sample loss ``expr`` (parameters ``params``, data columns ``columns``:
    SymPy symbols), or a sentence saying why there is none."""
    if expr.count_ops() > MAX_OPS:           # reading it stays cheap: no SymPy simplification
        return "the model is not drawn over the data: the loss is too long to read a model from"
    data_terms = [t for t in sympy.Add.make_args(expr) if t.free_symbols & set(columns)]
    if len(data_terms) == 1:   # a penalty on the parameters alone (+ 0.1 w^2) is no model
        expr = data_terms[0]
    found = _squared_error(expr, columns) or _logistic(expr, columns)
    if found is None:
        return ("the model is not drawn over the data: the loss is not of the form (model − y)², "
                "|model − y| or log(1 + exp(−y·model))")
    model, target, kind = found
    others = sorted((model.free_symbols & set(columns)) - {target}, key=lambda s: s.name)
    if len(others) != 1:
        return (f"the model is not drawn over the data: it uses {len(others)} data columns "
                "besides the target (it can be drawn against exactly one)")
    feature = others[0]
    if kind == "labels":
        model = sympy.tanh(model / 2)
    tokens = program(model, {**{p: ["p", j] for j, p in enumerate(params)}, feature: ["x"]})
    if tokens is None:
        return "the model is not drawn over the data: it uses a function the player cannot draw"
    hat = r"\mathbb{E}[y \mid x]" if kind == "labels" else r"\hat{" + target.name + "}"
    return DataModel(feature=feature.name, target=target.name, kind=kind, curve=tokens,
                     latex=f"{hat} = {sympy.latex(model)}")


def _squared_error(expr, columns):
    """(model, target, "fit") when ``expr`` is (M - y)^even, |M - y| (or y - M), else None."""
    if isinstance(expr, sympy.Pow) and expr.exp.is_Integer and int(expr.exp) % 2 == 0:
        inner = expr.base
    elif isinstance(expr, sympy.Abs):
        inner = expr.args[0]
    else:
        return None
    for term in sympy.Add.make_args(inner):
        coefficient, rest = term.as_coeff_Mul()
        if rest in columns and abs(coefficient) == 1:
            model = (rest - inner) if coefficient > 0 else (inner + rest)   # SymPy cancels ±y
            if rest not in model.free_symbols:
                return model, rest, "fit"
    return None


def _logistic(expr, columns):
    """(M, y, "labels") when ``expr`` is log(1 + exp(-y*M)) with y a column, else None."""
    if not isinstance(expr, sympy.log):
        return None
    inside = expr.args[0]
    ones = [a for a in sympy.Add.make_args(inside) if a == 1]
    exps = [a for a in sympy.Add.make_args(inside) if isinstance(a, sympy.exp)]
    if len(ones) != 1 or len(exps) != 1 or len(sympy.Add.make_args(inside)) != 2:
        return None
    argument = exps[0].args[0]
    for y in columns:
        model = -argument / y                  # a factor y of the product cancels by itself
        if y not in model.free_symbols and model.free_symbols:
            return model, y, "labels"
    return None


def program(expr, symbols: dict) -> list | None:
    """Postfix tokens computing ``expr`` from ``symbols`` (SymPy symbol -> token), or None when it
    holds something else (another symbol, a function not in FUNCTIONS, too many tokens)."""
    out: list = []

    def walk(e) -> bool:
        if len(out) > MAX_TOKENS:
            return False
        if e in symbols:
            out.append(list(symbols[e]))
            return True
        if e.is_Number or e in (sympy.pi, sympy.E):
            value = float(e)
            out.append(["c", value])
            return value == value and abs(value) != float("inf")
        if isinstance(e, (sympy.Add, sympy.Mul)):
            if not all(walk(a) for a in e.args):
                return False
            out.append(["f", "add" if isinstance(e, sympy.Add) else "mul", len(e.args)])
            return True
        if isinstance(e, sympy.Pow):
            if not (walk(e.base) and walk(e.exp)):
                return False
            out.append(["f", "pow", 2])
            return True
        name = FUNCTIONS.get(e.func)
        if name is not None and len(e.args) >= 1:
            if not all(walk(a) for a in e.args):
                return False
            out.append(["f", name, len(e.args)])
            return True
        return False

    return out if walk(expr) and len(out) <= MAX_TOKENS else None
