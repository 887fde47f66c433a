"""The preset catalogue against the literature and against independent computations.

Every preset's text compiles through the real parser; every listed minimum is a stationary point
with a positive definite Hessian, has the value the literature gives (values below, with their
citation, written here and not read back from the presets), and the list is complete: it matches
both the minima that ``critical_points`` finds and the discrete local minima of a fine grid.
"""
from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

from landscapes import PRESETS, compile_loss
from landscapes.analysis import critical_points
from landscapes.presets import Preset

SFU = "Surjanovic & Bingham, Virtual Library of Simulation Experiments"

# key -> [(point, value, point tolerance, value tolerance)], with the citation in the comment.
LITERATURE = {
    # f'(w) = w^2 (4w - 9): minimum at 9/4, f(9/4) = 6561/256 - 8748/256 + 512/256 = -1675/256
    "quartic": [((2.25,), -1675 / 256, 1e-12, 1e-12)],
    # convex quadratics: the minimum of a positive definite quadratic form at its centre
    "bowl": [((0.0, 0.0), 0.0, 1e-12, 1e-12)],
    "ill_conditioned": [((0.0, 0.0), 0.0, 1e-12, 1e-12)],
    # Rosenbrock 1960
    "rosenbrock": [((1.0, 1.0), 0.0, 1e-12, 1e-12)],
    # Himmelblau 1972; SFU (coordinates to 6 decimals)
    "himmelblau": [((3.0, 2.0), 0.0, 1e-12, 1e-12),
                   ((-2.805118, 3.131312), 0.0, 1e-6, 1e-12),
                   ((-3.779310, -3.283186), 0.0, 1e-6, 1e-12),
                   ((3.584428, -1.848126), 0.0, 1e-6, 1e-12)],
    # Beale 1958; SFU; Jamil & Yang 2013
    "beale": [((3.0, 0.5), 0.0, 1e-12, 1e-12)],
    # Jamil & Yang 2013; SFU
    "booth": [((1.0, 3.0), 0.0, 1e-12, 1e-12)],
    "matyas": [((0.0, 0.0), 0.0, 1e-12, 1e-12)],
    "three_hump_camel": [((0.0, 0.0), 0.0, 1e-12, 1e-12)],
    # Dixon & Szego 1978; SFU: f* = -1.0316 at (0.0898, -0.7126) and (-0.0898, 0.7126)
    "six_hump_camel": [((0.0898, -0.7126), -1.0316, 1e-4, 1e-4),
                       ((-0.0898, 0.7126), -1.0316, 1e-4, 1e-4)],
    # Rastrigin 1974; SFU
    "rastrigin": [((0.0, 0.0), 0.0, 1e-12, 1e-12)],
    # Ackley 1987; SFU
    "ackley": [((0.0, 0.0), 0.0, 1e-12, 1e-12)],
    # Goldstein & Price 1971; SFU
    "goldstein_price": [((0.0, -1.0), 3.0, 1e-12, 1e-9)],
    # Styblinski & Tang 1990; SFU: f* = -39.16599 d at x_i = -2.903534 (d = 2). SFU's constant
    # is rounded: the exact value is -39.166166 d, so the tolerance is 1e-3.
    "styblinski_tang": [((-2.903534, -2.903534), -78.33198, 1e-6, 1e-3)],
    # SFU: Levi N.13, f* = 0 at (1, 1)
    "levi13": [((1.0, 1.0), 0.0, 1e-12, 1e-12)],
}

REQUIRED = {"quartic", "double_well", "bowl", "ill_conditioned", "saddle", "rosenbrock",
            "himmelblau", "beale", "booth", "matyas", "three_hump_camel", "six_hump_camel",
            "rastrigin", "ackley", "goldstein_price", "styblinski_tang", "levi13"}

KEYS = list(PRESETS)


def smooth_minima(p: Preset):
    return [(m, v) for m, v in zip(p.minima, p.minimum_values) if m not in p.kinks]


def gd(loss, starts, lr, steps):
    """Plain gradient descent from every start at once; returns the whole path."""
    x = np.array(starts, dtype=float)
    path = [x]
    for _ in range(steps):
        x = x - lr * loss.gradient(x)
        path.append(x)
    return np.array(path)


# --- the catalogue -----------------------------------------------------------------------------

def test_catalogue_has_the_required_landscapes():
    assert len(PRESETS) >= 15
    assert REQUIRED <= set(PRESETS)
    assert all(k == p.key for k, p in PRESETS.items())


@pytest.mark.parametrize("key", KEYS)
def test_fields_are_filled_in(key):
    p = PRESETS[key]
    assert p.name and p.source and p.teaches and p.expression
    assert p.teaches.endswith(".")
    assert 1 <= len(p.starts) <= 3
    assert p.lr > 0 and p.steps > 0
    assert isinstance(p.log_color, bool)
    assert len(p.minima) == len(p.minimum_values)
    # listed lowest first
    assert list(p.minimum_values) == sorted(p.minimum_values)


@pytest.mark.parametrize("key", KEYS)
def test_expression_compiles_and_matches_variables_and_domain(key):
    p = PRESETS[key]
    loss = compile_loss(p.expression)
    assert loss.variables == p.variables
    assert len(p.domain) == loss.n == p.n
    assert p.compile() is loss or p.compile().variables == loss.variables
    for point in p.starts + p.minima:
        assert len(point) == loss.n
        assert all(lo <= c <= hi for c, (lo, hi) in zip(point, p.domain)), point
    # the 300 x 300 surface the app draws is finite everywhere on the domain
    axes = [np.linspace(lo, hi, 300) for lo, hi in p.domain]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    assert np.all(np.isfinite(loss.value(grid)))


@pytest.mark.parametrize("key", KEYS)
def test_every_minimum_is_stationary_with_positive_definite_hessian(key):
    p = PRESETS[key]
    loss = compile_loss(p.expression)
    for m, v in smooth_minima(p):
        g, h = loss.gradient(m), loss.hessian(m)
        eig = np.linalg.eigvalsh(h)
        # positions are given to 10 decimals: |g| <= |H| * 1e-10 * sqrt(n), with margin
        assert np.linalg.norm(g) <= 1e-8 * (1 + np.max(np.abs(eig))), (m, g)
        assert eig[0] > 0, (m, eig)
        assert loss.value(m) == pytest.approx(v, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("key", [k for k in KEYS if PRESETS[k].kinks])
def test_kinks_are_strict_minima_without_a_gradient(key):
    p = PRESETS[key]
    loss = compile_loss(p.expression)
    for k in p.kinks:
        center = loss.value(k)
        assert not np.all(np.isfinite(loss.gradient(k)))
        for r in (1e-6, 1e-3, 1e-1):
            angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
            ring = np.array(k) + r * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
            assert np.all(loss.value(ring) > center)


@pytest.mark.parametrize("key", sorted(LITERATURE))
def test_minima_and_values_match_the_literature(key):
    p = PRESETS[key]
    loss = compile_loss(p.expression)
    for point, value, ptol, vtol in LITERATURE[key]:
        distances = [max(abs(a - b) for a, b in zip(m, point)) for m in p.minima]
        i = int(np.argmin(distances))
        assert distances[i] <= ptol, (point, p.minima[i])
        assert p.minimum_values[i] == pytest.approx(value, abs=vtol)
        assert loss.value(p.minima[i]) == pytest.approx(value, abs=vtol)
        assert p.is_global[i]
    assert p.global_value == pytest.approx(LITERATURE[key][0][1], abs=LITERATURE[key][0][3])


def test_known_counts_of_minima():
    counts = {k: len(p.minima) for k, p in PRESETS.items()}
    assert counts["saddle"] == 0
    assert counts["himmelblau"] == 4 and len(PRESETS["himmelblau"].global_minima) == 4
    assert counts["three_hump_camel"] == 3 and len(PRESETS["three_hump_camel"].global_minima) == 1
    assert counts["six_hump_camel"] == 6 and len(PRESETS["six_hump_camel"].global_minima) == 2
    assert counts["styblinski_tang"] == 4
    assert counts["goldstein_price"] == 4
    assert counts["rastrigin"] == 11 * 11            # separable: 11 minima per axis
    assert counts["ackley"] == 11 * 11               # one near each integer point + the origin
    assert counts["levi13"] == 147
    assert PRESETS["ackley"].kinks == ((0.0, 0.0),)


def test_quartic_is_the_classic_worked_example():
    p = PRESETS["quartic"]
    assert p.expression.replace(" ", "") == "w^4-3*w^3+2"
    assert p.starts[0] == (-1.5,)
    assert p.lr == 0.001
    assert p.minima == ((2.25,),)
    assert p.minimum_values[0] == Fraction(-1675, 256)


def test_double_well_minima_are_the_roots_of_its_cubic():
    # f = (w^2 - 1)^2 + 0.3 w: f' = 4w^3 - 4w + 0.3, f'' = 12 w^2 - 4
    roots = np.sort(np.real(np.roots([4, 0, -4, 0.3])))
    minima = [r for r in roots if 12 * r * r - 4 > 0]
    assert len(minima) == 2
    p = PRESETS["double_well"]
    assert np.allclose(sorted(m[0] for m in p.minima), minima, atol=1e-9)
    values = [(r * r - 1) ** 2 + 0.3 * r for r in minima]
    assert np.allclose(sorted(p.minimum_values), sorted(values), atol=1e-9)


def test_goldstein_price_local_minima_are_exactly_rational():
    x, y = sp.symbols("x y", real=True)
    f = ((1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2))
         * (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y
                                          + 27 * y ** 2)))
    q = sp.Rational
    exact = {(0, -1): 3, (q(-3, 5), q(-2, 5)): 30, (q(9, 5), q(1, 5)): 84, (q(6, 5), q(4, 5)): 840}
    p = PRESETS["goldstein_price"]
    for (a, b), value in exact.items():
        at = {x: a, y: b}
        assert [sp.diff(f, s).subs(at) for s in (x, y)] == [0, 0]
        assert f.subs(at) == value
        assert sp.hessian(f, (x, y)).subs(at).is_positive_definite
        i = p.minima.index((float(a), float(b)))
        assert p.minimum_values[i] == value


@pytest.mark.parametrize("key", ["three_hump_camel", "six_hump_camel", "styblinski_tang"])
def test_computed_minima_agree_with_an_independent_high_precision_solve(key):
    """mpmath's findroot at 30 digits on SymPy's own gradient, seeded 1e-3 away."""
    p = PRESETS[key]
    x, y = sp.symbols("x y", real=True)
    text = p.expression.replace("^", "**")
    f = sp.sympify(text, locals={"x": x, "y": y})
    grad = [sp.lambdify((x, y), sp.diff(f, s), "mpmath") for s in (x, y)]
    value = sp.lambdify((x, y), f, "mpmath")
    with mpmath.workdps(30):
        for m, v in zip(p.minima, p.minimum_values):
            root = mpmath.findroot(lambda a, b: [grad[0](a, b), grad[1](a, b)],
                                   [mpmath.mpf(m[0]) + 1e-3, mpmath.mpf(m[1]) - 1e-3])
            assert max(abs(float(root[0]) - m[0]), abs(float(root[1]) - m[1])) < 1e-9
            assert abs(float(value(root[0], root[1])) - v) < 1e-9


def test_rastrigin_and_styblinski_tang_are_sums_of_1d_minima():
    # Rastrigin: g(t) = 10 + t^2 - 10 cos(2 pi t); g'(t) = 2t + 20 pi sin(2 pi t)
    def g(t):
        return 10 + t * t - 10 * math.cos(2 * math.pi * t)
    ts = []
    for k in range(-5, 6):
        t = 0.995 * k
        for _ in range(50):
            t -= (2 * t + 20 * math.pi * math.sin(2 * math.pi * t)) / (
                2 + 40 * math.pi ** 2 * math.cos(2 * math.pi * t))
        ts.append(t)
    p = PRESETS["rastrigin"]
    expected = sorted((round(a, 8), round(b, 8)) for a in ts for b in ts)
    assert sorted((round(a, 8), round(b, 8)) for a, b in p.minima) == expected
    for (a, b), v in zip(p.minima, p.minimum_values):
        assert v == pytest.approx(g(a) + g(b), abs=1e-9)


# --- completeness ------------------------------------------------------------------------------

def discrete_minima(loss, domain, per_axis):
    """Interior grid points strictly lower than all their neighbours (8 in 2-D, 2 in 1-D)."""
    axes = [np.linspace(lo, hi, per_axis) for lo, hi in domain]
    grid = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)
    v = loss.value(grid)
    inner = tuple(slice(1, -1) for _ in domain)
    core = v[inner]
    is_min = np.ones(core.shape, dtype=bool)
    for shift in np.ndindex(*(3,) * len(domain)):
        if all(s == 1 for s in shift):
            continue
        window = tuple(slice(s, s + per_axis - 2) for s in shift)
        is_min &= core < v[window]
    return grid[inner][is_min]


def pattern_search(loss, x, step, lo, hi, tol):
    """Derivative-free descent inside the box from every row of ``x`` at once.

    Tries the 5^n - 1 moves of a 5-point stencil scaled by each point's step; moves to the best
    if it is lower (and doubles the step), else halves the step; stops below ``tol``.
    """
    x = np.array(x, dtype=float)
    n = x.shape[-1]
    moves = np.array([d for d in np.ndindex(*(5,) * n) if any(c != 2 for c in d)], float) - 2
    s = np.full(len(x), float(step))
    f = loss.value(x)
    for _ in range(5000):
        active = np.flatnonzero(s > tol)
        if not active.size:
            break
        trial = x[active, None, :] + s[active, None, None] * moves
        ft = loss.value(trial)
        ft[np.any((trial < lo) | (trial > hi), axis=-1)] = np.inf
        best = np.argmin(ft, axis=1)
        fb = ft[np.arange(len(active)), best]
        better = fb < f[active]
        moved = active[better]
        x[moved], f[moved] = trial[better, best[better]], fb[better]
        s[moved] = np.minimum(2 * s[moved], 16 * step)
        s[active[~better]] *= 0.5
    return x


def has_lower_point_nearby(loss, point, radius, directions=3600):
    angles = np.linspace(0, 2 * np.pi, directions, endpoint=False)
    if len(point) == 1:
        ring = np.array([[point[0] - radius], [point[0] + radius]])
    else:
        ring = np.asarray(point) + radius * np.stack([np.cos(angles), np.sin(angles)], axis=-1)
    return bool(np.any(loss.value(ring) < loss.value(point)))


@pytest.mark.parametrize("key", KEYS)
def test_fine_grid_has_exactly_the_listed_minima(key):
    """Independent of Newton and of derivatives: the discrete local minima of a fine grid, refined
    by a derivative-free pattern search inside the box, are exactly the listed minima.

    Grid minima can be artefacts of a narrow valley (Rosenbrock gives 198 of them) or lie on a
    valley floor leading out of the box (Beale): the search slides the former to a true minimum
    and the latter onto the boundary, where they are minima of the box, not of the landscape.
    """
    p = PRESETS[key]
    loss = compile_loss(p.expression)
    per_axis = 20001 if p.n == 1 else 1201
    lo, hi = np.array(p.domain).T
    size = float(np.max(hi - lo))
    found = discrete_minima(loss, p.domain, per_axis)
    ends = pattern_search(loss, found, size / (per_axis - 1), lo, hi, 1e-10 * size)
    interior = np.all((ends > lo + 1e-6 * size) & (ends < hi - 1e-6 * size), axis=-1)
    ends = ends[interior]
    listed = np.array(p.minima, dtype=float).reshape(-1, p.n)
    if not len(listed):
        assert not len(ends)
        return
    distance = np.max(np.abs(ends[:, None, :] - listed[None, :, :]), axis=-1)
    at_listed = np.min(distance, axis=1) < 1e-6
    assert set(np.argmin(distance[at_listed], axis=1)) == set(range(len(listed)))
    # a pattern search can stall on a saddle whose descent directions are too narrow for its
    # stencil (Goldstein-Price's (1.2, -0.2): eigenvalues -138 and 30882): each other end point
    # must have a lower point on a small circle around it, so it is not a minimum
    for q in ends[~at_listed]:
        assert has_lower_point_nearby(loss, q, 1e-4 * size), q
    for m in listed:                                 # and the check does tell minima apart
        assert not has_lower_point_nearby(loss, m, 1e-4 * size), m


@pytest.mark.parametrize("key", KEYS)
def test_analysis_finds_exactly_the_listed_minima(key):
    p = PRESETS[key]
    loss = compile_loss(p.expression)
    found = np.array([c.point for c in critical_points(loss, p.domain) if c.kind == "minimum"])
    listed = np.array([m for m, _ in smooth_minima(p)], dtype=float).reshape(-1, p.n)
    assert len(found) == len(listed)
    for m in listed:
        assert np.min(np.max(np.abs(found - m), axis=-1)) < 1e-7, m


# --- suggested starts and learning rate --------------------------------------------------------

@pytest.mark.parametrize("key", KEYS)
def test_plain_gradient_descent_from_the_starts_does_not_diverge(key):
    p = PRESETS[key]
    loss = compile_loss(p.expression)
    path = gd(loss, p.starts, p.lr, p.steps)
    values = loss.value(path)
    assert np.all(np.isfinite(path)) and np.all(np.isfinite(values))
    assert np.all(values[-1] < values[0])


def test_the_suggested_runs_show_what_the_presets_teach():
    def end(key):
        p = PRESETS[key]
        return gd(compile_loss(p.expression), p.starts, p.lr, p.steps)[-1]
    q = end("quartic")
    assert -0.1 < q[0, 0] < 0 and q[1, 0] == pytest.approx(2.25)    # stalls at 0 / reaches 9/4
    s = end("saddle")
    assert np.allclose(s[0], 0, atol=1e-2) and abs(s[1, 1]) > 2      # on the ridge / escapes
    h = end("himmelblau")
    assert len({tuple(np.round(r, 3)) for r in h}) == 3               # three starts, three minima
    r = end("rastrigin")
    assert np.allclose(r[-1], 0, atol=1e-6) and np.all(np.abs(r[0]) > 3)
