"""Property tests: random formulas from a grammar, random text.

The grammar strategy builds, next to each formula's text, an independent NumPy evaluation of it
and a first-order bound on that evaluation's rounding error (so that "the same value" means
something precise), and the tests check that

* every formula compiles or is refused with InvalidExpression, never another exception;
* the compiled value equals the NumPy evaluation wherever that is finite and well-conditioned;
* the symbolic gradient equals central finite differences wherever the function is finite and
  smooth nearby (two step sizes must agree first: points near kinks and singularities are
  skipped, the tolerance is not loosened for them);
* random text is refused with InvalidExpression or compiles, and nothing else happens.
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from landscapes import InvalidExpression, compile_loss

EPS = np.finfo(float).eps
K = 256                      # slack on the first-order error bound (several ulps per operation)


@dataclass(frozen=True)
class Formula:
    """``text`` and its NumPy evaluation ``ev(x, y) -> (value, error bound, at a kink)``.

    The error bound is first order: each operation adds its rounding and propagates its
    operands' errors through its derivative; it is infinite where that bound means nothing
    (next to a pole or a jump). "At a kink" marks points where some max, min, abs, relu or
    sign is at (or within rounding of) the place where it is not differentiable: there the
    symbolic derivative takes a convention (Heaviside(0) = 1/2) that finite differences need
    not see.
    """
    text: str
    ev: Callable
    names: frozenset


def _safe(v, e, kink):
    v, e = np.asarray(v, dtype=float), np.asarray(e, dtype=float)
    bad = ~np.isfinite(v) | ~np.isfinite(e)
    return np.where(bad, np.nan, v), np.where(bad, np.inf, e), np.asarray(kink, dtype=bool)


def leaf_var(name):
    return Formula(name, lambda x, y: ((x if name == "x" else y), np.zeros_like(x),
                                       np.zeros(x.shape, bool)), frozenset({name}))


def leaf_num(text, value):
    return Formula(text, lambda x, y: (np.full_like(x, value), np.full_like(x, EPS * abs(value)),
                                       np.zeros(x.shape, bool)), frozenset())


NUMBERS = [("2", 2.0), ("3", 3.0), ("1", 1.0), ("0.5", 0.5), ("1.5", 1.5), (".25", 0.25),
           ("2.5e-1", 0.25), ("1e1", 10.0), ("7", 7.0), ("pi", math.pi), ("e", math.e)]

leaves = st.one_of(
    st.sampled_from(["x", "y"]).map(leaf_var),
    st.sampled_from(NUMBERS).map(lambda t: leaf_num(*t)),
)


def sig(z):
    return 1 / (1 + np.exp(-z))


def near(u, eu, where):
    """Where u is within its own error (times K) of ``where``."""
    return np.abs(u - where) <= K * eu


FUNCTIONS = {
    "sin": (np.sin, np.cos),
    "cos": (np.cos, np.sin),
    "tan": (np.tan, lambda u: 1 / np.cos(u) ** 2),
    "exp": (np.exp, np.exp),
    "log": (np.log, lambda u: 1 / u),
    "ln": (np.log, lambda u: 1 / u),
    "log10": (np.log10, lambda u: 1 / (u * math.log(10))),
    "log2": (np.log2, lambda u: 1 / (u * math.log(2))),
    "sqrt": (np.sqrt, lambda u: 0.5 / np.sqrt(u)),
    "abs": (np.abs, lambda u: np.ones_like(u)),
    "tanh": (np.tanh, lambda u: 1 - np.tanh(u) ** 2),
    "sinh": (np.sinh, np.cosh),
    "cosh": (np.cosh, np.sinh),
    "asin": (np.arcsin, lambda u: 1 / np.sqrt(1 - u ** 2)),
    "acos": (np.arccos, lambda u: 1 / np.sqrt(1 - u ** 2)),
    "atan": (np.arctan, lambda u: 1 / (1 + u ** 2)),
    "sigmoid": (sig, lambda u: sig(u) * (1 - sig(u))),
    "relu": (lambda u: np.maximum(u, 0), lambda u: np.ones_like(u)),
    "softplus": (lambda u: np.log(1 + np.exp(u)), sig),
}
# where the first-order bound is not enough: singular or not differentiable (log, sqrt at 0;
# asin, acos at +-1), and the kinks of abs and relu at 0
SINGULAR = {"log": [0.0], "ln": [0.0], "log10": [0.0], "log2": [0.0], "sqrt": [0.0],
            "asin": [-1.0, 1.0], "acos": [-1.0, 1.0]}
KINKS = {"abs": [0.0], "relu": [0.0]}


def function(name):
    f, df = FUNCTIONS[name]

    def make(a: Formula):
        def ev(x, y):
            u, eu, ku = a.ev(x, y)
            with np.errstate(all="ignore"):
                v = f(u)
                e = np.abs(df(u)) * eu + 4 * EPS * (np.abs(v) + 1e-300)
            for where in SINGULAR.get(name, []):
                e = np.where(near(u, eu, where), np.inf, e)
            for where in KINKS.get(name, []):
                ku = ku | near(u, eu, where)
            return _safe(v, e, ku)
        return Formula(f"{name}({a.text})", ev, a.names)
    return make


def sign_of(a):
    def ev(x, y):
        u, eu, ku = a.ev(x, y)
        jump = near(u, eu, 0.0)
        return _safe(np.sign(u), np.where(jump, np.inf, 0.0), ku | jump)
    return Formula(f"sign({a.text})", ev, a.names)


def binary(op, a, b, style):
    def ev(x, y):
        u, eu, ku = a.ev(x, y)
        w, ew, kw = b.ev(x, y)
        kink = ku | kw
        with np.errstate(all="ignore"):
            if op == "+":
                v, e = u + w, eu + ew + EPS * (np.abs(u) + np.abs(w))
            elif op == "-":
                v, e = u - w, eu + ew + EPS * (np.abs(u) + np.abs(w))
            elif op == "*":
                v = u * w
                e = np.abs(u) * ew + np.abs(w) * eu + eu * ew + EPS * np.abs(v)
            elif op == "/":
                v = u / w
                e = (eu + np.abs(v) * ew) / np.abs(w) + EPS * np.abs(v)
                e = np.where(near(w, ew, 0.0), np.inf, e)
            else:
                v = np.maximum(u, w) if op == "max" else np.minimum(u, w)
                e = np.maximum(eu, ew)
                kink = kink | (np.abs(u - w) <= K * (eu + ew + EPS * np.abs(u)))
        return _safe(v, e, kink)
    A, B = a.text, b.text
    if op in ("max", "min"):
        text = f"{op}({A}, {B})"
    elif op == "*":
        text = [f"({A})*({B})", f"({A}) * ({B})", f"({A})({B})", f"({A}) ({B})",
                f"({A})·({B})"][style % 5]
    elif op == "-":
        text = [f"({A}) - ({B})", f"({A})\u2212({B})"][style % 2]
    else:
        text = f"({A}) {op} ({B})"
    return Formula(text, ev, a.names | b.names)


def power(a, k, style):
    """a^k for a small whole or half exponent k."""
    def ev(x, y):
        u, eu, ku = a.ev(x, y)
        with np.errstate(all="ignore"):
            v = u ** float(k)
            e = abs(k) * np.abs(u) ** (k - 1) * eu + 4 * EPS * np.abs(v) * (1 + abs(k))
        if k < 0 or k != int(k):
            e = np.where(near(u, eu, 0.0), np.inf, e)
        return _safe(v, e, ku)
    op = ["^", "**", " ^ "][style % 3]
    exponent = f"({k})" if k < 0 or k != int(k) else str(k)
    return Formula(f"({a.text}){op}{exponent}", ev, a.names)


def negate(a):
    def ev(x, y):
        v, e, k = a.ev(x, y)
        return -v, e, k
    return Formula(f"-({a.text})", ev, a.names)


@st.composite
def formulas(draw, depth=4):
    """A random formula: leaves (x, y, numbers, pi, e) under up to ``depth`` levels of
    + - * / max min, whitelisted functions, small powers, unary minus and sign."""
    if depth == 0 or draw(st.integers(0, 9)) < 2:
        return draw(leaves)
    sub = formulas(depth - 1)
    kind = draw(st.sampled_from(["binary"] * 4 + ["function"] * 3 + ["power", "negate",
                                                                        "sign"]))
    if kind == "binary":
        op = draw(st.sampled_from(["+", "-", "*", "/", "+", "*", "max", "min"]))
        return binary(op, draw(sub), draw(sub), draw(st.integers(0, 10)))
    if kind == "function":
        return function(draw(st.sampled_from(sorted(FUNCTIONS))))(draw(sub))
    if kind == "power":
        return power(draw(sub), draw(st.sampled_from([2, 3, 4, -1, -2, 0.5, 1.5])),
                     draw(st.integers(0, 10)))
    return negate(draw(sub)) if kind == "negate" else sign_of(draw(sub))


# coordinates in [-3, 3], and no tiny nonzero ones: SymPy may rearrange (y^2/x)^2 into y^4/x^2,
# which underflows to 0/0 at x = 1e-270 (floating point, not a wrong formula)
coordinate = st.floats(-3, 3).map(lambda v: 0.0 if abs(v) < 1e-6 else v)
points = st.lists(st.tuples(coordinate, coordinate), min_size=6, max_size=6)


def compile_or_refuse(text):
    """compile_loss, where the only acceptable failure is InvalidExpression saying what is wrong.

    The parser's and the compiler's safety nets for SymPy's own exceptions ("SymPy could not
    handle / compile this expression") are not such a reason: one of them refusing an input
    generated here is a failure, not a refusal.
    """
    try:
        return compile_loss(text)
    except InvalidExpression as err:
        assert str(err)
        assert "SymPy could not handle" not in str(err), (text, repr(err.__cause__))
        assert "SymPy could not compile" not in str(err), (text, repr(err.__cause__))
        return None


def columns(loss, pts):
    idx = {"x": 0, "y": 1}
    return pts[:, [idx[v] for v in loss.variables]]


@pytest.mark.timeout(300)
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(formula=formulas(), pts=points)
def test_random_formulas_compile_to_their_value(formula, pts):
    loss = compile_or_refuse(formula.text)
    if loss is None:
        return
    assert set(loss.variables) == formula.names
    pts = np.array(pts)
    want, err, _ = formula.ev(pts[:, 0], pts[:, 1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = loss.value(columns(loss, pts))
    ok = np.isfinite(want) & np.isfinite(err) & (np.abs(want) < 1e100) & (err < 1e-3 *
                                                                        (1 + np.abs(want)))
    assert np.all(np.isfinite(got[ok])), (formula.text, pts[ok], got[ok], want[ok])
    assert np.all(np.abs(got[ok] - want[ok]) <= K * err[ok] + 1e-300), (
        formula.text, pts[ok], got[ok], want[ok], err[ok])


def along(loss, formula, xy, i, h):
    """f(p + h e_i), f(p - h e_i) (e_i: the i-th variable's axis) and bounds on their rounding
    errors (the NumPy evaluation's own bound times K, plus a few ulps)."""
    e = np.zeros(2)
    e["xy".index(loss.variables[i])] = h
    out = []
    for q in (xy + e, xy - e):
        v = loss.value(columns(loss, q))
        _, err, _ = formula.ev(q[:, 0], q[:, 1])
        with np.errstate(all="ignore"):
            out.append((v, K * err + 8 * EPS * np.abs(v)))
    return out


def differences(loss, formula, xy, i, h):
    """Central first and second differences along variable i at step h, with rounding bounds."""
    f0 = loss.value(columns(loss, xy))
    _, e0, _ = formula.ev(xy[:, 0], xy[:, 1])
    (fp, ep), (fm, em) = along(loss, formula, xy, i, h)
    with np.errstate(all="ignore"):
        r0 = K * e0 + 8 * EPS * np.abs(f0)
        return ((fp - fm) / (2 * h), (ep + em) / (2 * h),
                (fp - 2 * f0 + fm) / h ** 2, (ep + em + 2 * r0) / h ** 2)


@pytest.mark.timeout(300)
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(formula=formulas(), pts=points)
def test_gradient_matches_central_differences_where_smooth(formula, pts):
    loss = compile_or_refuse(formula.text)
    if loss is None:
        return
    xy = np.array(pts)
    p = columns(loss, xy)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f0 = loss.value(p)
        g = loss.gradient(p)
        _, _, kink = formula.ev(xy[:, 0], xy[:, 1])
        for i in range(loss.n):
            h = 1e-4 * max(1.0, float(np.max(np.abs(p[:, i]))))
            d, r1, s, r2 = {}, {}, {}, {}
            for k in (1, 2, 4):
                d[k], r1[k], s[k], r2[k] = differences(loss, formula, xy, i, k * h)
            with np.errstate(all="ignore"):
                # smooth nearby: everything finite, and three step sizes agree to O(h^2) in
                # both the first and the second difference (a kink, a jump or a pole within 4h
                # breaks that; such points are skipped, the tolerance is not widened for them)
                smooth = np.isfinite(f0) & np.isfinite(g[:, i]) & ~kink
                for k in (1, 2, 4):
                    smooth &= np.isfinite(d[k]) & np.isfinite(s[k]) & np.isfinite(r2[k])
                for a, b in ((1, 2), (2, 4)):
                    smooth &= np.abs(d[a] - d[b]) <= 1e-4 * (np.abs(d[a]) + 1) + r1[a] + r1[b]
                    smooth &= np.abs(s[a] - s[b]) <= 1e-2 * (np.abs(s[a]) + 1) + r2[a] + r2[b]
            # and the partial derivative is continuous across the other variable: a kink line
            # through p along e_i (a tie in max(x, y + |x|) at y = 0) leaves f smooth along e_i
            # while the symbolic a.e. derivative takes the convention for the tie
            for j in range(loss.n):
                if j != i:
                    delta = 1e-3 * max(1.0, float(np.max(np.abs(p[:, j]))))
                    e = np.zeros(2)
                    e["xy".index(loss.variables[j])] = delta
                    dp, rp, _, _ = differences(loss, formula, xy + e, i, h)
                    dm, rm, _, _ = differences(loss, formula, xy - e, i, h)
                    with np.errstate(all="ignore"):
                        smooth &= (np.abs(dp + dm - 2 * d[1])
                                   <= 1e-3 * (np.abs(d[1]) + 1) + rp + rm + 2 * r1[1])
            with np.errstate(all="ignore"):
                # Richardson: d[1] is off by about (d[2] - d[1])/3; allow that, the rounding,
                # and a relative 1e-7
                tol = np.abs(d[2] - d[1]) + 2 * r1[1] + 1e-7 * np.abs(g[:, i]) + 1e-9
                good = smooth & (np.abs(g[:, i] - d[1]) <= tol)
            assert np.array_equal(good, smooth), (
                formula.text, loss.variables[i], p[smooth & ~good], g[smooth & ~good, i],
                d[1][smooth & ~good])


TOKENS = ["x", "y", "w", "theta", "2", "3.5", "1e-3", ".5", "10", "pi", "e", "+", "-", "*", "/",
          "^", "**", "(", ")", "(", ")", ",", " ", "sin", "cos", "exp", "log", "ln", "sqrt",
          "abs", "max", "min", "relu", "sigmoid", "softplus", "sign", "tanh", "asin", "log10",
          "\u2212", "\u00d7", ".", "_", "__", "=", "[", "]", "'", "lambda", "import", "x1",
          "eval", "open", "\x00", "\u00b2", "9^9^9", "1/0", "0^-1"]


@pytest.mark.timeout(300)
@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_token_soup_is_compiled_or_refused(text):
    loss = compile_or_refuse(text)
    if loss is not None:
        assert 1 <= len(loss.variables) <= 2
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            v = loss.value(np.full((3, loss.n), 0.5))
            g = loss.gradient(np.full((3, loss.n), 0.5))
        assert v.shape == (3,) and g.shape == (3, loss.n)


@pytest.mark.timeout(300)
@settings(max_examples=200, deadline=None)
@given(st.text(max_size=60) | st.text(alphabet="xy0123456789.+-*/^()e, sincoaqrtbmlgpu_!=[]'",
                                       max_size=40))
def test_random_text_is_compiled_or_refused(text):
    loss = compile_or_refuse(text)
    if loss is not None:
        assert 1 <= len(loss.variables) <= 2
