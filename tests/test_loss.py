"""Accepted syntax compiles to the right function, and the compiled Loss behaves as documented:
vectorized over (..., n), constants broadcast, domain errors are quiet NaN, symbolic derivatives
agree with finite differences, LaTeX, cache.

Every expected value is a NumPy formula written here by hand, never read back from SymPy.
"""
from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import landscapes.loss
from landscapes import InvalidExpression, Loss, compile_loss

X1 = np.array([0.3, 0.7, 1.6, -0.4, -1.3, 2.2])                    # 1-D points
X2 = np.array([[0.3, 0.8], [0.7, -0.45], [1.6, 1.1], [-0.4, 0.25], [-1.3, -2.1], [2.2, 0.6]])


def expected(f, *columns):
    """f on the columns, with non-finite values as NaN, broadcast to the columns' shape."""
    with np.errstate(all="ignore"):
        v = np.asarray(f(*columns), dtype=float) + np.zeros_like(columns[0])
    v[~np.isfinite(v)] = np.nan
    return v


def check(text, variables, f, rtol=1e-12):
    loss = compile_loss(text)
    assert loss.variables == variables
    points = X1[:, None] if len(variables) == 1 else X2
    got = loss.value(points)
    want = expected(f, *(points[:, i] for i in range(len(variables))))
    np.testing.assert_allclose(got, want, rtol=rtol, atol=1e-14, equal_nan=True)
    assert np.isfinite(want).sum() >= 2, "the check must compare some finite values"
    return loss


def sig(z):
    return 1 / (1 + np.exp(-z))


ONE_VARIABLE = [
    # powers: '^' and '**', right-associative, binding tighter than unary minus
    ("2^3^2*x", lambda x: 512 * x),
    ("2**3**2*x", lambda x: 512 * x),
    ("(2^3)^2*x", lambda x: 64 * x),
    ("-x^2", lambda x: -(x ** 2)),
    ("-x**2 + 1", lambda x: 1 - x ** 2),
    ("-2^2 + x", lambda x: x - 4),
    ("2^-2^2*x", lambda x: x / 16),
    ("x^-2", lambda x: x ** -2.0),
    ("x^2^-1", lambda x: np.sqrt(x)),
    ("x**0.5", lambda x: np.sqrt(x)),
    ("x^(1/3)", lambda x: np.where(x >= 0, np.abs(x) ** (1 / 3), np.nan)),
    # implicit multiplication
    ("2x", lambda x: 2 * x),
    ("2 x", lambda x: 2 * x),
    ("3 sin(x)", lambda x: 3 * np.sin(x)),
    ("2(x+1)", lambda x: 2 * (x + 1)),
    ("(x+1)(x-1)", lambda x: x ** 2 - 1),
    ("2 pi x", lambda x: 2 * np.pi * x),
    ("2x^2", lambda x: 2 * x ** 2),
    ("sin(x)cos(x)", lambda x: np.sin(x) * np.cos(x)),
    ("x/2/x^2", lambda x: 0.5 / x),
    ("x - 1 - 2", lambda x: x - 3),
    ("x/4*2", lambda x: x / 2),
    # constants and numbers
    ("e^x", np.exp),
    ("e*x", lambda x: math.e * x),
    ("pi*x^2", lambda x: np.pi * x ** 2),
    ("1e-3x", lambda x: 1e-3 * x),
    ("2.5E2 x", lambda x: 250 * x),
    (".5x", lambda x: 0.5 * x),
    ("1.5e+2*x", lambda x: 150 * x),
    ("3.x", lambda x: 3 * x),
    ("0.1x + 0.2", lambda x: 0.1 * x + 0.2),
    # functions
    ("ln(x)", np.log),
    ("log(x)", np.log),
    ("log10(x)", np.log10),
    ("log2(x)", np.log2),
    ("sqrt(x)", np.sqrt),
    ("abs(x)", np.abs),
    ("tanh(x)", np.tanh),
    ("sinh(x)", np.sinh),
    ("cosh(x)", np.cosh),
    ("asin(x/3)", lambda x: np.arcsin(x / 3)),
    ("acos(x/3)", lambda x: np.arccos(x / 3)),
    ("atan(x)", np.arctan),
    ("arcsin(x/3) + arccos(x/4) + arctan(x)",
     lambda x: np.arcsin(x / 3) + np.arccos(x / 4) + np.arctan(x)),
    ("sin(x) + cos(x) + tan(x)", lambda x: np.sin(x) + np.cos(x) + np.tan(x)),
    ("exp(-x^2)", lambda x: np.exp(-x ** 2)),
    ("sigmoid(x)", sig),
    ("relu(x)", lambda x: np.maximum(x, 0)),
    ("softplus(x)", lambda x: np.log1p(np.exp(x))),
    ("sign(x)", np.sign),
    ("max(x, 1 - x)", lambda x: np.maximum(x, 1 - x)),
    ("min(x^2, 1)", lambda x: np.minimum(x ** 2, 1)),
    ("abs(log(x))", lambda x: np.abs(np.log(x))),
    # unicode operators people paste
    ("2\u2212x", lambda x: 2 - x),
    ("2 \u2013 x", lambda x: 2 - x),
    ("3 \u00d7 x", lambda x: 3 * x),
    ("3\u00b7x", lambda x: 3 * x),
    ("3 \u22c5 x", lambda x: 3 * x),
    ("  x\t+\n1  ", lambda x: x + 1),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("text, f", ONE_VARIABLE, ids=[t for t, _ in ONE_VARIABLE])
def test_one_variable_syntax(text, f):
    check(text, ("x",), f)


TWO_VARIABLES = [
    ("x y", lambda x, y: x * y),
    ("3x y", lambda x, y: 3 * x * y),
    ("x^2y", lambda x, y: x ** 2 * y),
    ("x**2 + 3*x*y - y**3", lambda x, y: x ** 2 + 3 * x * y - y ** 3),
    ("abs(x - 1) + (x + y) ** 2", lambda x, y: np.abs(x - 1) + (x + y) ** 2),
    ("(1-x)^2 + 100*(y-x^2)^2", lambda x, y: (1 - x) ** 2 + 100 * (y - x ** 2) ** 2),
    ("max(x, y)", np.maximum),
    ("min(x, y^2)", lambda x, y: np.minimum(x, y ** 2)),
    ("x \u2212 y", lambda x, y: x - y),
    ("e^(x*y)", lambda x, y: np.exp(x * y)),
    ("sigmoid(x) relu(y)", lambda x, y: sig(x) * np.maximum(y, 0)),
    ("x/y/2", lambda x, y: x / y / 2),
    ("2(x)(y)", lambda x, y: 2 * x * y),
    ("log(x) + sqrt(y)", lambda x, y: np.log(x) + np.sqrt(y)),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("text, f", TWO_VARIABLES, ids=[t for t, _ in TWO_VARIABLES])
def test_two_variable_syntax(text, f):
    check(text, ("x", "y"), f)


@pytest.mark.parametrize("text, variables", [
    ("w^4 - 3*w^3 + 2", ("w",)),
    ("theta^2 + x1", ("theta", "x1")),
    ("y + x", ("x", "y")),
    ("b*a", ("a", "b")),
    ("w1 - w0", ("w0", "w1")),
    ("Alpha + beta", ("Alpha", "beta")),
    ("x - x + 3", ("x",)),
    ("x + y - y", ("x", "y")),
    ("lr2 * z_1", ("lr2", "z_1")),
])
def test_variables_are_the_free_names_sorted(text, variables):
    assert compile_loss(text).variables == variables


def test_named_variables_compute_the_right_function():
    loss = check("(1 - w)^2 + 100 (theta - w^2)^2", ("theta", "w"),
                 lambda theta, w: (1 - w) ** 2 + 100 * (theta - w ** 2) ** 2)
    # variables are sorted: column 0 is theta, column 1 is w
    np.testing.assert_allclose(loss.gradient([2.0, 1.0]), [200 * (2 - 1), -400 * 1 * (2 - 1)])


# --- vectorization and broadcasting ------------------------------------------------------------

def test_shapes_for_scalar_list_and_grid_points():
    loss = compile_loss("x^2 + 3y + x*y")
    f = lambda x, y: x ** 2 + 3 * y + x * y
    g = lambda x, y: np.stack([2 * x + y, 3 + x], axis=-1)
    for shape in [(2,), (5, 2), (4, 3, 2), (2, 3, 4, 2), (0, 2)]:
        pts = np.random.default_rng(0).uniform(-2, 2, size=shape)
        x, y = pts[..., 0], pts[..., 1]
        assert loss.value(pts).shape == shape[:-1]
        assert loss.gradient(pts).shape == shape
        assert loss.hessian(pts).shape == shape + (2,)
        np.testing.assert_allclose(loss.value(pts), f(x, y), rtol=1e-13)
        np.testing.assert_allclose(loss.gradient(pts), g(x, y), rtol=1e-13)
        np.testing.assert_array_equal(loss.hessian(pts),
                                      np.broadcast_to([[2.0, 1.0], [1.0, 0.0]], shape + (2,)))
    assert loss.value([1.0, 2.0]) == pytest.approx(1 + 6 + 2)     # a plain list is a point
    assert loss.gradient([[1.0, 2.0]]).tolist() == [[4.0, 4.0]]


def test_one_variable_shapes():
    loss = compile_loss("w^4 - 3*w^3 + 2")
    assert loss.value([2.0]).shape == ()
    assert loss.value([2.0]) == pytest.approx(16 - 24 + 2)
    grid = np.linspace(-1, 3, 12).reshape(3, 4, 1)
    w = grid[..., 0]
    np.testing.assert_allclose(loss.value(grid), w ** 4 - 3 * w ** 3 + 2, rtol=1e-13)
    np.testing.assert_allclose(loss.gradient(grid)[..., 0], 4 * w ** 3 - 9 * w ** 2, rtol=1e-13,
                               atol=1e-13)
    np.testing.assert_allclose(loss.hessian(grid)[..., 0, 0], 12 * w ** 2 - 18 * w, rtol=1e-13,
                               atol=1e-13)
    assert loss.gradient(grid).shape == (3, 4, 1) and loss.hessian(grid).shape == (3, 4, 1, 1)


def test_constant_loss_and_constant_partials_broadcast():
    grid = np.random.default_rng(1).uniform(-3, 3, size=(4, 3, 1))
    loss = compile_loss("x - x + 3")
    assert loss.variables == ("x",)
    np.testing.assert_array_equal(loss.value(grid), np.full((4, 3), 3.0))
    np.testing.assert_array_equal(loss.gradient(grid), np.zeros((4, 3, 1)))
    np.testing.assert_array_equal(loss.hessian(grid), np.zeros((4, 3, 1, 1)))

    grid2 = np.random.default_rng(2).uniform(-3, 3, size=(4, 3, 2))
    loss = compile_loss("x + y^2")
    g = loss.gradient(grid2)
    np.testing.assert_array_equal(g[..., 0], np.ones((4, 3)))
    np.testing.assert_allclose(g[..., 1], 2 * grid2[..., 1], rtol=1e-15)
    np.testing.assert_array_equal(loss.hessian(grid2),
                                  np.broadcast_to([[0.0, 0.0], [0.0, 2.0]], (4, 3, 2, 2)))
    loss = compile_loss("2x - 3y + 1")
    np.testing.assert_array_equal(loss.gradient(grid2), np.broadcast_to([2.0, -3.0], (4, 3, 2)))


@pytest.mark.parametrize("bad", [np.zeros(3), np.zeros((4, 3)), np.zeros((4, 1)), 1.0,
                                 np.zeros((2, 2, 5)), np.zeros(0)])
def test_wrong_point_shapes_raise_value_error(bad):
    loss = compile_loss("x*y + 1")
    for method in (loss.value, loss.gradient, loss.hessian):
        with pytest.raises(ValueError, match=r"shape \(\.\.\., 2\)"):
            method(bad)


@pytest.mark.parametrize("bad", [np.zeros((4, 2)), 0.5, np.zeros((3, 0))])
def test_wrong_point_shapes_for_one_variable(bad):
    loss = compile_loss("x^2")
    for method in (loss.value, loss.gradient, loss.hessian):
        with pytest.raises(ValueError, match=r"shape \(\.\.\., 1\)"):
            method(bad)


# --- domain errors are quiet NaN ----------------------------------------------------------------

@pytest.mark.parametrize("text, bad, good, good_value", [
    ("log(x)", [-1.0], [math.e], 1.0),
    ("log(x) + y", [-1.0, 2.0], [1.0, 2.0], 2.0),
    ("1/x", [0.0], [4.0], 0.25),
    ("1/(x - y)", [1.5, 1.5], [2.0, 1.5], 2.0),
    ("sqrt(x)", [-1.0], [9.0], 3.0),
    ("x^0.5", [-2.0], [4.0], 2.0),
    ("asin(x)", [2.0], [0.0], 0.0),
    ("acos(x) + y", [-1.5, 0.0], [0.5, 0.0], math.pi / 3),
    ("exp(x)", [1000.0], [0.0], 1.0),
    ("exp(x)*y", [800.0, 1.0], [0.0, 3.0], 3.0),
    ("x^x", [-0.5], [2.0], 4.0),
    ("log2(x)^2", [-4.0], [8.0], 9.0),
    ("1/(1 - cos(x))", [0.0], [np.pi], 0.5),
])
def test_domain_errors_give_nan_quietly(text, bad, good, good_value):
    loss = compile_loss(text)
    pts = np.array([bad, good])
    with warnings.catch_warnings():
        warnings.simplefilter("error")             # any warning fails the test
        v, g, h = loss.value(pts), loss.gradient(pts), loss.hessian(pts)
    assert math.isnan(v[0])
    assert v[1] == pytest.approx(good_value, rel=1e-12, abs=1e-12)
    assert np.all(np.isnan(g[0]) | np.isfinite(g[0]))
    assert np.all(np.isfinite(g[1])) and np.all(np.isfinite(h[1]))
    assert not np.any(np.isinf(g)) and not np.any(np.isinf(h))


def test_huge_constant_in_a_derivative_is_nan_not_an_exception():
    """The Hessian of x^2*2^1023 is the constant 2^1024, beyond floating point."""
    loss = compile_loss("x^2*2^1023")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        h = loss.hessian([[0.5], [1.0]])
        v = loss.value([[0.5]])
    assert np.isnan(h).all()
    assert v[0] == pytest.approx(2.0 ** 1021)


def test_overflow_in_the_middle_of_a_grid_leaves_the_rest():
    loss = compile_loss("exp(x) + y")
    pts = np.array([[1.0, 1.0], [710.0, 0.0], [0.0, -1.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        v = loss.value(pts)
    np.testing.assert_allclose(v[[0, 2]], [math.e + 1, 0.0], rtol=1e-14)
    assert math.isnan(v[1])


# --- derivatives --------------------------------------------------------------------------------

def central_gradient(loss, p, h):
    p = np.asarray(p, dtype=float)
    g = np.empty(p.shape)
    for i in range(p.shape[-1]):
        e = np.zeros(p.shape[-1])
        e[i] = h
        g[..., i] = (loss.value(p + e) - loss.value(p - e)) / (2 * h)
    return g


def central_hessian(loss, p, h):
    p = np.asarray(p, dtype=float)
    n = p.shape[-1]
    H = np.empty(p.shape + (n,))
    for j in range(n):
        e = np.zeros(n)
        e[j] = h
        H[..., :, j] = (loss.gradient(p + e) - loss.gradient(p - e)) / (2 * h)
    return H


SMOOTH = [
    ("(1-x)^2 + 100*(y-x^2)^2", [[-1.2, 1.0], [0.5, 0.3], [1.5, 2.0]]),
    ("sin(x)*exp(y)", [[0.3, -0.2], [2.0, 0.5], [-1.0, 1.0]]),
    ("x^3*y^2 + log(1 + x^2 + y^2)", [[0.3, -0.2], [1.1, 0.7], [-0.6, 1.3]]),
    ("sigmoid(x*y) + softplus(x - y)", [[0.3, -0.2], [1.1, 0.7], [-2.0, 1.5]]),
    ("atan(x/y) + sqrt(x^2 + y^2)", [[0.3, -0.2], [1.1, 0.7], [-2.0, 1.5]]),
    ("(x^2 + y - 11)^2 + (x + y^2 - 7)^2", [[3.0, 2.0], [-1.0, 0.5], [0.2, -3.0]]),
    ("tanh(x)cosh(y) + x^y", [[0.3, 1.2], [1.1, 0.7], [2.0, -1.5]]),
    ("w^4 - 3*w^3 + 2", [[-1.5], [0.3], [2.25]]),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("text, points", SMOOTH, ids=[t for t, _ in SMOOTH])
def test_gradient_and_hessian_match_finite_differences(text, points):
    loss = compile_loss(text)
    p = np.array(points)
    g, H = loss.gradient(p), loss.hessian(p)
    np.testing.assert_allclose(g, central_gradient(loss, p, 1e-6), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(H, central_hessian(loss, p, 1e-6), rtol=1e-6, atol=1e-5)
    np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))        # symmetric, exactly


def test_hessian_is_the_hand_derived_one():
    loss = compile_loss("(1-x)^2 + 100*(y-x^2)^2")
    x, y = 0.7, -0.3
    want = [[2 - 400 * (y - x ** 2) + 800 * x ** 2, -400 * x], [-400 * x, 200]]
    np.testing.assert_allclose(loss.hessian([x, y]), want, rtol=1e-13)


def no_distributions(loss):
    exprs = list(loss.gradient_exprs) + [h for row in loss.hessian_exprs for h in row]
    import sympy
    return not any(e.has(sympy.DiracDelta) or e.has(sympy.Derivative) for e in exprs)


@pytest.mark.parametrize("text, f, df", [
    ("relu(x)", lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(float)),
    ("abs(x)", np.abs, np.sign),
    ("sign(x)", np.sign, np.zeros_like),
    ("abs(x - 1)^3", lambda x: np.abs(x - 1) ** 3, lambda x: 3 * (x - 1) * np.abs(x - 1)),
    ("abs(log(x))", lambda x: np.abs(np.log(x)), lambda x: np.sign(np.log(x)) / x),
    ("abs(sqrt(x) - 1)", lambda x: np.abs(np.sqrt(x) - 1),
     lambda x: np.sign(np.sqrt(x) - 1) / (2 * np.sqrt(x))),
    ("sign(log(x)) + x", lambda x: np.sign(np.log(x)) + x, np.ones_like),
    ("max(x, 1 - x)", lambda x: np.maximum(x, 1 - x), lambda x: np.where(x > 0.5, 1.0, -1.0)),
    ("min(x^2, 1)", lambda x: np.minimum(x ** 2, 1), lambda x: np.where(x ** 2 < 1, 2 * x, 0.0)),
])
def test_kinks_get_almost_everywhere_derivatives(text, f, df):
    loss = compile_loss(text)
    assert no_distributions(loss)
    x = np.array([0.3, 0.7, 1.6, 2.9, -0.4, -1.3])             # no kink exactly here
    got_v, got_g = loss.value(x[:, None]), loss.gradient(x[:, None])[:, 0]
    np.testing.assert_allclose(got_v, expected(f, x), rtol=1e-13, equal_nan=True)
    np.testing.assert_allclose(got_g, expected(df, x), rtol=1e-12, atol=1e-15, equal_nan=True)


def test_two_variable_kinks():
    loss = compile_loss("max(x, y) + min(x, y)^2 + relu(x - y)")
    assert no_distributions(loss)
    p = np.array([[2.0, 1.0], [-1.0, 0.5]])
    # (2, 1): max = x, min = y, relu = x - y;  (-1, 0.5): max = y, min = x, relu = 0
    np.testing.assert_allclose(loss.gradient(p), [[1 + 1, 2 * 1.0 - 1], [2 * -1.0, 1]])
    np.testing.assert_allclose(loss.hessian(p), [[[0, 0], [0, 2]], [[2, 0], [0, 0]]])


@pytest.mark.parametrize("text, point, gradient", [
    # exactly on a kink the derivative is the mean of the two one-sided derivatives (the README's
    # convention; SymPy's Heaviside(0) = 1/2): relu'(0) = (0 + 1)/2, abs'(0) = (-1 + 1)/2
    ("relu(x)", [0.0], [0.5]),
    ("relu(x - 1)", [1.0], [0.5]),
    ("3*relu(-x)", [0.0], [-1.5]),                     # one-sided: -3 and 0
    ("abs(x)", [0.0], [0.0]),
    ("min(x^2, 1)", [1.0], [1.0]),                     # one-sided: 2 and 0
    ("max(x, 2*x)", [0.0], [1.5]),                     # one-sided: 1 and 2
    ("max(x, y)", [1.0, 1.0], [0.5, 0.5]),
    ("min(x, 3*y)", [3.0, 1.0], [0.5, 1.5]),           # one-sided: (1, 0) and (0, 3)
])
def test_derivative_exactly_at_a_kink_is_the_mean_of_the_one_sided_ones(text, point, gradient):
    loss = compile_loss(text)
    np.testing.assert_allclose(loss.gradient(np.array([point])), [gradient], rtol=1e-15, atol=0)


# --- LaTeX --------------------------------------------------------------------------------------

def test_latex_two_variables():
    loss = compile_loss("x^2 + 3 y^2")
    assert "x^{2}" in loss.latex and "3 y^{2}" in loss.latex
    assert loss.gradient_latex.startswith(r"\nabla f")
    assert r"\begin{pmatrix}" in loss.gradient_latex and r"\end{pmatrix}" in loss.gradient_latex
    assert "2 x" in loss.gradient_latex and "6 y" in loss.gradient_latex
    assert loss.partial_latex == ("2 x", "6 y")


def test_latex_one_variable():
    loss = compile_loss("w^4 - 3*w^3 + 2")
    assert loss.gradient_latex.startswith("f'(w) = ")
    assert "4 w^{3}" in loss.gradient_latex and "9 w^{2}" in loss.gradient_latex
    assert "w^{4}" in loss.latex


def test_latex_of_names_and_functions():
    loss = compile_loss("theta^2 + sqrt(x) + abs(x)")
    assert r"\theta^{2}" in loss.latex and r"\sqrt{x}" in loss.latex
    assert r"\left|{x}\right|" in loss.latex
    assert r"\operatorname{sign}" in loss.gradient_latex
    assert r"\frac{1}{2 \sqrt{x}}" in loss.gradient_latex


@pytest.mark.timeout(30)
def test_latex_of_nested_functions_is_quick():
    """SymPy's LaTeX printer took minutes on the gradient of 6 nested sigmoids (real symbols)."""
    loss = compile_loss("sigmoid(" * 6 + "x" + ")" * 6)
    assert "e^{" in loss.gradient_latex and loss.gradient_latex.startswith("f'(x)")
    x = np.array([[0.3], [-1.2]])
    f = x[:, 0]
    for _ in range(6):
        f = sig(f)
    np.testing.assert_allclose(loss.value(x), f, rtol=1e-13)


# --- compile cache ------------------------------------------------------------------------------

def test_same_text_is_compiled_once(monkeypatch):
    text = "x^2 + 0.918273 y"
    first = compile_loss(text)
    assert isinstance(first, Loss)

    def no_parsing(*args, **kwargs):
        raise AssertionError("parsed again")
    monkeypatch.setattr(landscapes.loss, "parse", no_parsing)
    assert compile_loss(text) is first
    assert compile_loss(text + "  \n") is first          # trailing space is not a new loss


def test_invalid_text_is_refused_every_time():
    for _ in range(2):
        with pytest.raises(InvalidExpression, match="unknown function 'sn'"):
            compile_loss("sn(x)")


# --- regressions: inputs that used to hang or fail ----------------------------------------------

@pytest.mark.timeout(20)
@pytest.mark.parametrize("text", [
    "abs((sqrt(x)+y)^1000)",
    "abs(max(x^x, y)^1000)",
    "relu(y^4095)",
    "x^x^x^x^x^x^x^x^x^x^x^x^x^x^x^x^x^x^x^x^x",
    "tan(tan(tan(tan(tan(tan(tan(tan(tan(tan(x*y))))))))))",
])
def test_inputs_that_used_to_hang_compile(text):
    loss = compile_loss(text)
    assert loss.gradient_latex and loss.latex
