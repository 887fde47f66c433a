"""Critical points and the gradient check, against literature values and independent solves."""
from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

from landscapes import analysis, compile_loss
from landscapes.analysis import KINDS, critical_points, gradient_check

HIMMELBLAU = "(x^2 + y - 11)^2 + (x + y^2 - 7)^2"
BOX5 = [(-5, 5), (-5, 5)]


def by_kind(points, kind):
    return [c for c in points if c.kind == kind]


def near(points, target, tol):
    return [c for c in points if np.max(np.abs(c.point - np.asarray(target))) <= tol]


# --- Himmelblau --------------------------------------------------------------------------------

def test_himmelblau_four_minima_from_the_literature():
    # Himmelblau 1972; Surjanovic & Bingham: f = 0 at these four points
    cps = critical_points(compile_loss(HIMMELBLAU), BOX5)
    minima = by_kind(cps, "minimum")
    assert len(minima) == 4
    for target in [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                   (3.584428, -1.848126)]:
        (m,) = near(minima, target, 1e-6)
        assert m.value == pytest.approx(0.0, abs=1e-12)
        assert np.all(m.eigenvalues > 0)


def test_himmelblau_maximum_from_the_literature():
    # Wikipedia, "Himmelblau's function": local maximum at (-0.270845, -0.923039), f = 181.617
    cps = critical_points(compile_loss(HIMMELBLAU), BOX5)
    (m,) = by_kind(cps, "maximum")
    assert np.allclose(m.point, (-0.270845, -0.923039), atol=1e-6)
    assert m.value == pytest.approx(181.617, abs=5e-4)
    assert np.all(m.eigenvalues < 0)


def independent_critical_points(text, seeds):
    """mpmath's Newton (findroot) at 30 digits on SymPy's gradient from each seed; distinct
    roots, each classified by the sign of SymPy's Hessian determinant and trace."""
    x, y = sp.symbols("x y", real=True)
    f = sp.sympify(text.replace("^", "**"), locals={"x": x, "y": y})
    grad = [sp.lambdify((x, y), sp.diff(f, s), "mpmath") for s in (x, y)]
    hess = sp.hessian(f, (x, y))
    roots = []
    with mpmath.workdps(30):
        for seed in seeds:
            try:
                r = mpmath.findroot(lambda a, b: [grad[0](a, b), grad[1](a, b)],
                                    [mpmath.mpf(seed[0]), mpmath.mpf(seed[1])])
            except (ValueError, ZeroDivisionError):
                continue
            point = (float(r[0]), float(r[1]))
            if all(max(abs(point[0] - q[0]), abs(point[1] - q[1])) > 1e-8 for q, _ in roots):
                h = hess.subs({x: r[0], y: r[1]})
                det, tr = float(h.det()), float(h.trace())
                kind = "saddle" if det < 0 else ("minimum" if tr > 0 else "maximum")
                roots.append((point, kind))
    return roots


def test_himmelblau_saddles_match_an_independent_solve():
    seeds = list(itertools.product(np.arange(-4.5, 5, 1.0), repeat=2))
    independent = independent_critical_points(HIMMELBLAU, seeds)
    inside = [(p, k) for p, k in independent if all(-5 <= c <= 5 for c in p)]
    assert sorted(k for _, k in inside) == ["maximum"] + ["minimum"] * 4 + ["saddle"] * 4
    cps = critical_points(compile_loss(HIMMELBLAU), BOX5)
    assert len(cps) == 9
    saddles = by_kind(cps, "saddle")
    assert len(saddles) == 4
    for point, kind in inside:
        (c,) = near(cps, point, 1e-8)
        assert c.kind == kind
    for s in saddles:
        assert s.eigenvalues[0] < 0 < s.eigenvalues[1]


def test_only_points_inside_the_domain_are_reported():
    cps = critical_points(compile_loss(HIMMELBLAU), [(0, 5), (0, 5)])
    assert sorted(c.kind for c in cps) == ["minimum", "saddle", "saddle"]
    assert all(np.all(c.point >= 0) and np.all(c.point <= 5) for c in cps)


def test_sorted_by_kind_then_value():
    cps = critical_points(compile_loss("20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)"),
                          [(-5.12, 5.12), (-5.12, 5.12)])
    keys = [(KINDS.index(c.kind), c.value) for c in cps]
    assert keys == sorted(keys)
    # 11 x 11 minima, 11 x 10 x 2 saddles, 10 x 10 maxima (separable: products of 1-D points)
    assert [len(by_kind(cps, k)) for k in ("minimum", "saddle", "maximum")] == [121, 220, 100]
    assert cps[0].value == pytest.approx(0, abs=1e-12)


# --- simple shapes -----------------------------------------------------------------------------

def test_saddle_at_the_origin():
    (c,) = critical_points(compile_loss("x^2 - y^2"), [(-2, 2), (-2, 2)])
    assert c.kind == "saddle" and np.allclose(c.point, 0) and c.value == 0
    assert np.allclose(c.eigenvalues, [-2, 2])


@pytest.mark.parametrize("exact", [True, False])
def test_quartic_minimum_at_nine_quarters_and_inflection_at_zero(exact):
    cps = critical_points(compile_loss("w^4 - 3*w^3 + 2"), [(-2, 4)], exact=exact)
    assert [c.kind for c in cps] == ["minimum", "degenerate"]
    m, d = cps
    assert m.point[0] == pytest.approx(9 / 4, abs=1e-12)
    assert m.value == pytest.approx(-1675 / 256, abs=1e-12)
    assert d.point[0] == pytest.approx(0, abs=1e-7) and d.value == pytest.approx(2)
    assert not any(c.exact for c in cps)            # Newton (seeded with the roots of f')


@pytest.mark.parametrize("text, kind", [("x^2 - y^2", "saddle"), ("(x - 1)^2 + 0.5*x*y + y^2",
                                                                  "minimum"),
                                        ("3 - (w - 0.25)^2", "maximum")])
def test_quadratics_are_solved_exactly(text, kind):
    (c,) = critical_points(compile_loss(text), [(-2, 2)] * compile_loss(text).n)
    assert c.exact and c.kind == kind
    assert np.allclose(compile_loss(text).gradient(c.point), 0, atol=1e-15)


def test_quartic_bowl_is_degenerate_at_the_origin():
    """x^4 + y^4 has a zero Hessian at its minimum: reported as "degenerate" (no higher-order
    test is attempted: the second-derivative test cannot tell, and that is what is reported)."""
    (c,) = critical_points(compile_loss("x^4 + y^4"), [(-1, 1), (-1, 1)])
    assert c.kind == "degenerate" and np.allclose(c.point, 0, atol=1e-6)


def test_monkey_saddle_is_degenerate():
    (c,) = critical_points(compile_loss("x^3 - 3*x*y^2"), [(-1, 1), (-1, 1)])
    assert c.kind == "degenerate" and np.allclose(c.point, 0, atol=1e-6)


def test_maximum_of_a_cap():
    (c,) = critical_points(compile_loss("-(x^2 + 2*y^2) + 1"), [(-1, 1), (-1, 1)])
    assert c.kind == "maximum" and np.allclose(c.point, 0) and c.value == 1


def test_sine_in_one_dimension():
    cps = critical_points(compile_loss("sin(w)"), [(0, 10)])
    got = sorted((round(c.point[0], 9), c.kind) for c in cps)
    assert got == [(round(math.pi / 2, 9), "maximum"), (round(3 * math.pi / 2, 9), "minimum"),
                   (round(5 * math.pi / 2, 9), "maximum")]


def test_domain_errors_are_ignored_quietly():
    # x log x + y^2: NaN for x < 0; minimum at (1/e, 0) with value -1/e
    (c,) = critical_points(compile_loss("x*log(x) + y^2"), [(-1, 2), (-1, 1)])
    assert c.kind == "minimum"
    assert np.allclose(c.point, [1 / math.e, 0], atol=1e-10)
    assert c.value == pytest.approx(-1 / math.e)


def test_no_critical_point():
    assert critical_points(compile_loss("x + 2*y"), [(-1, 1), (-1, 1)]) == []
    assert critical_points(compile_loss("exp(w)"), [(-1, 1)]) == []


def test_a_line_of_minima_is_sampled_and_degenerate():
    cps = critical_points(compile_loss("(x - y)^2"), [(-1, 1), (-1, 1)])
    assert len(cps) > 1
    for c in cps:
        assert c.kind == "degenerate"
        assert abs(c.point[0] - c.point[1]) < 1e-8


@pytest.mark.parametrize("text, expected", [
    ("(w - 1/3)^12", [(1 / 3, "degenerate")]),
    ("(w^2 - 2)^6",
     [(-math.sqrt(2), "degenerate"), (0.0, "maximum"), (math.sqrt(2), "degenerate")]),
    ("(w - 1)^3*(w + 1)^2", [(-1.0, "maximum"), (-0.2, "minimum"), (1.0, "degenerate")]),
])
def test_roots_of_high_multiplicity_are_reported_once(text, expected):
    cps = critical_points(compile_loss(text), [(-3, 3)])
    got = sorted((c.point[0], c.kind) for c in cps)
    assert [k for _, k in got] == [k for _, k in expected]
    assert [p for p, _ in got] == pytest.approx([p for p, _ in expected], abs=1e-4)


@pytest.mark.timeout(20)
def test_polynomial_with_coefficients_over_many_decades_is_complete():
    """SymPy's exact root isolation took 2-16 s on such an f'; the seeds from NumPy's companion
    matrix do not depend on the coefficients' size. (The time is bench/'s business; the timeout
    mark only guards against a hang.)"""
    rng = np.random.default_rng(0)
    coeffs = rng.normal(size=13) * 10.0 ** rng.integers(-8, 8, size=13)
    text = " + ".join(f"{c:.12g}*w^{i}" for i, c in enumerate(coeffs))
    loss = compile_loss(text)
    cps = critical_points(loss, [(-3, 3)])
    d = np.polyder(np.array([float(f"{c:.12g}") for c in coeffs])[::-1])
    roots = np.roots(d)
    real = np.sort(roots.real[(np.abs(roots.imag) < 1e-9) & (np.abs(roots.real) <= 3)])
    assert np.sort([c.point[0] for c in cps]) == pytest.approx(real, rel=1e-9, abs=1e-12)


def test_domain_must_match_the_variables():
    loss = compile_loss(HIMMELBLAU)
    with pytest.raises(ValueError):
        critical_points(loss, [(-5, 5)])
    with pytest.raises(ValueError):
        critical_points(loss, [(5, -5), (-5, 5)])


class ClockedLoss:
    """A compiled loss whose every gradient evaluation costs one tick of a fake clock, and the
    clock read by ``landscapes.analysis`` (so a budget is counted in evaluations, not seconds)."""

    def __init__(self, loss):
        self.loss = loss
        self.ticks = 0
        self.gradient_calls = 0

    def __getattr__(self, name):
        return getattr(self.loss, name)

    def gradient(self, points):
        self.gradient_calls += 1
        self.ticks += 1
        return self.loss.gradient(points)

    def perf_counter(self):
        return float(self.ticks)


@pytest.fixture
def clocked(monkeypatch):
    def make(text):
        loss = ClockedLoss(compile_loss(text))
        monkeypatch.setattr(analysis.time, "perf_counter", loss.perf_counter)
        return loss
    return make


def assert_valid_critical_points(loss, cps, atol):
    assert all(c.kind in KINDS for c in cps)
    for c in cps:
        assert np.max(np.abs(loss.gradient(c.point))) <= atol


@pytest.mark.timeout(60)
@pytest.mark.parametrize("budget", [0, 6, 12])
def test_the_budget_bounds_the_newton_iterations(clocked, budget):
    """Newton evaluates the gradient once on the seeds, then once per iteration, and reads the
    clock before each: with a budget of ``budget`` ticks it makes ``budget`` iterations however
    many seeds there are, and what it returns are critical points all the same."""
    loss = clocked(HIMMELBLAU)
    cps = critical_points(loss, BOX5, grid=256, timeout=budget)     # 65536 seeds
    assert loss.gradient_calls == 1 + budget
    assert_valid_critical_points(loss.loss, cps, atol=1e-6)
    if budget == 0:
        assert cps == []                    # no iteration at all: no seed is a critical point


def test_without_a_budget_the_newton_iterations_run_on(clocked):
    loss = clocked(HIMMELBLAU)
    cps = critical_points(loss, BOX5, timeout=1e9)
    assert loss.gradient_calls > 20
    assert len(cps) == 9


@pytest.mark.parametrize("text", ["x^2 - y^2", "w^4 - 3*w^3 + 2"])
def test_no_exact_path_once_the_budget_is_spent(text):
    loss = compile_loss(text)
    cps = critical_points(loss, [(-2, 4)] * loss.n, timeout=0)
    assert not any(c.exact for c in cps)
    assert_valid_critical_points(loss, cps, atol=1e-9)


# --- inputs whose constants SymPy would expand without bound -----------------------------------

@pytest.mark.timeout(20)
@pytest.mark.parametrize("text, expected", [
    # the root, -(pi + e + sqrt(2) + sqrt(3)) = -9.006..., is outside [-3, 3]
    ("(x+pi+e+sqrt(2)+sqrt(3))^25", []),
    ("(sqrt(2)+sqrt(3)+sqrt(5)+sqrt(7))^64*x", []),
    ("(sqrt(2)+sqrt(3)+sqrt(5)+sqrt(7)+sqrt(11))^64*x^2", [(0.0, "minimum")]),
])
def test_powers_of_irrational_constants_are_not_expanded(text, expected):
    """SymPy's Poly expanded these exactly: 15-20 s, 6 s, and > 100 s with memory growing.
    They go to Newton now (floats), and the answers are still right."""
    loss = compile_loss(text)
    cps = critical_points(loss, [(-3, 3)])
    assert [c.kind for c in cps] == [k for _, k in expected]
    assert [c.point[0] for c in cps] == pytest.approx([p for p, _ in expected], abs=1e-9)
    assert not any(c.exact for c in cps)


@pytest.mark.timeout(20)
def test_quadratic_with_irrational_constants_goes_to_newton():
    loss = compile_loss("(x - pi)^2 + 2*(y - sqrt(2))^2 + e")
    (c,) = critical_points(loss, BOX5)
    assert c.kind == "minimum" and not c.exact
    assert np.allclose(c.point, [math.pi, math.sqrt(2)], atol=1e-12)
    assert c.value == pytest.approx(math.e)


# --- properties: the exact path and Newton agree with closed forms -----------------------------

coefficient = st.integers(-5, 5)


@settings(max_examples=25, deadline=None)
@given(a=coefficient, b=coefficient, c=coefficient, d=coefficient, e=coefficient)
def test_quadratics_match_the_closed_form(a, b, c, d, e):
    """f = a x^2 + b x y + c y^2 + d x + e y: one critical point where H p = -(d, e) when
    det H != 0, classified by det H and trace H."""
    h = np.array([[2 * a, b], [b, 2 * c]], dtype=float)
    det = np.linalg.det(h)
    if abs(det) < 1e-9:
        return                                      # a line or no critical point
    p = np.linalg.solve(h, [-d, -e])
    if np.any(np.abs(p) > 10):
        return
    kind = "saddle" if det < 0 else ("minimum" if a > 0 else "maximum")
    loss = compile_loss(f"{a}*x^2 + {b}*x*y + {c}*y^2 + {d}*x + {e}*y")
    for exact in (True, False):
        cps = critical_points(loss, [(-10, 10), (-10, 10)], exact=exact)
        assert [c.kind for c in cps] == [kind]
        assert np.allclose(cps[0].point, p, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(roots=st.lists(st.integers(-8, 8), min_size=1, max_size=3, unique=True),
       scale=st.sampled_from([1, -1, 3]))
def test_1d_polynomials_exact_and_newton_agree(roots, scale):
    """f' = scale * prod (w - r/4): simple roots, alternating minima and maxima."""
    w = sp.Symbol("w", real=True)
    derivative = scale * sp.prod([w - sp.Rational(r, 4) for r in roots])
    f = sp.integrate(sp.expand(derivative), w)
    loss = compile_loss(str(f).replace("**", "^"))
    exact = critical_points(loss, [(-3, 3)])
    newton = critical_points(loss, [(-3, 3)], exact=False)
    expected = sorted(r / 4 for r in roots)
    assert sorted(c.point[0] for c in exact) == pytest.approx(expected, abs=1e-12)
    assert sorted(c.point[0] for c in newton) == pytest.approx(expected, abs=1e-9)
    for c in exact:
        # second derivative = derivative of f' at the root
        root = sp.Rational(c.point[0]).limit_denominator(4)
        curvature = float(sp.diff(derivative, w).subs(w, root))
        assert c.kind == ("minimum" if curvature > 0 else "maximum")
    assert [c.kind for c in exact] == [c.kind for c in newton]


# --- gradient check ----------------------------------------------------------------------------

SMOOTH = {
    "himmelblau": (HIMMELBLAU, BOX5),
    "rosenbrock": ("(1 - x)^2 + 100*(y - x^2)^2", [(-2, 2), (-1, 3)]),
    "rastrigin": ("20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)", [(-5, 5), (-5, 5)]),
    "goldstein_price": ("(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))"
                        "*(30 + (2*x - 3*y)^2*(18 - 32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
                        [(-2, 2), (-2, 2)]),
    "ackley_away_from_0": ("-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + "
                           "cos(2*pi*y))) + e + 20", [(0.1, 5), (0.1, 5)]),
    "mixed": ("sigmoid(x)*tanh(y) + softplus(x - y) + log(1 + x^2)", [(-4, 4), (-4, 4)]),
}


@pytest.mark.parametrize("name", SMOOTH)
@settings(max_examples=20, deadline=None)
@given(u=st.floats(0, 1), v=st.floats(0, 1))
def test_gradient_check_agrees_on_smooth_functions(name, u, v):
    text, ((x0, x1), (y0, y1)) = SMOOTH[name]
    loss = compile_loss(text)
    point = (x0 + u * (x1 - x0), y0 + v * (y1 - y0))
    result = gradient_check(loss, point)
    assert result.ok, result
    assert np.allclose(result.symbolic, loss.gradient(point))


def test_gradient_check_in_one_dimension_and_far_from_the_origin():
    assert gradient_check(compile_loss("w^4 - 3*w^3 + 2"), [-1.5]).ok
    far = gradient_check(compile_loss(HIMMELBLAU), [1e4, -3e4])   # h scales with |p|
    assert far.ok and far.h[1] > far.h[0] > 1e-2


class WrongGradient:
    """x^2 + y^2 with a deliberately wrong gradient (d/dy off by ``error``)."""

    n = 2
    variables = ("x", "y")

    def __init__(self, error):
        self.error = error

    def value(self, points):
        p = np.asarray(points, dtype=float)
        return p[..., 0] ** 2 + p[..., 1] ** 2

    def gradient(self, points):
        p = np.asarray(points, dtype=float)
        return np.stack([2 * p[..., 0], 2 * p[..., 1] * (1 + self.error)], axis=-1)


@pytest.mark.parametrize("error", [1.0, 1e-2, 1e-3])
def test_gradient_check_flags_a_wrong_gradient(error):
    result = gradient_check(WrongGradient(error), [0.7, -1.3])
    assert not result.ok
    assert result.abs_error == pytest.approx(2 * 1.3 * error, rel=1e-4)
    assert result.rel_error > 0.5 * error / (1 + error)
    assert gradient_check(WrongGradient(0.0), [0.7, -1.3]).ok


@pytest.mark.parametrize("error, ok", [(3e-5, False), (1.5e-5, False), (3e-6, True), (0.0, True)])
def test_gradient_check_budget_is_one_part_in_1e5(error, ok):
    # At (0.7, -1.3) the gradient of x^2 + y^2 is (1.4, -2.6); d/dy is off by 2.6 * error. Central
    # differences of a quadratic are exact up to rounding (about 64 eps * 2.2 / 6e-6 = 5e-9 here),
    # so the budget is 1e-5 * 2.6 (1 + error) = 2.6e-5: an error of 3e-5 (7.8e-5) or 1.5e-5 (3.9e-5)
    # is flagged, one of 3e-6 (7.8e-6) passes.
    result = gradient_check(WrongGradient(error), [0.7, -1.3])
    assert result.tolerance == pytest.approx(2.6e-5 * (1 + error), rel=1e-3)
    assert result.abs_error == pytest.approx(2.6 * error, rel=1e-3, abs=1e-8)
    assert result.ok is ok


def test_gradient_check_where_the_gradient_does_not_exist():
    loss = compile_loss("-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + "
                        "cos(2*pi*y))) + e + 20")
    result = gradient_check(loss, [0.0, 0.0])
    assert not result.ok and math.isnan(result.abs_error)


def test_gradient_check_step():
    loss = compile_loss(HIMMELBLAU)
    result = gradient_check(loss, [1.0, 2.0], h=1e-4)
    assert result.ok and np.allclose(result.h, 1e-4)
    with pytest.raises(ValueError):
        gradient_check(loss, [1.0, 2.0], h=0)
