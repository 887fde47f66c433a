"""Huge exact constants evaluate to their floating-point values; constants stay in float range.

SymPy keeps ``2^70``, ``atan(2^64)`` and ``3^1000 x^1000`` (its form of ``(3x)^1000``) as exact
integers; handed to NumPy as Python ints they made object arrays and NaN. Each value here is
compared with an independent computation: mpmath at 50 digits, or Python's float arithmetic.
"""
import math
import warnings

import mpmath
import numpy as np
import pytest

from landscapes import InvalidExpression, compile_loss
from landscapes.analysis import critical_points
from landscapes.parse import parse

mpmath.mp.dps = 50


def test_sine_of_a_huge_integer_is_its_float_value():
    loss = compile_loss("sin(2^70) + x")
    expected = float(mpmath.sin(mpmath.mpf(2) ** 70)) + 0.5   # 2^70 is exact in binary
    assert loss.value([[0.5]])[0] == pytest.approx(expected, rel=1e-12)
    assert np.isfinite(loss.value([[0.5]])[0])
    assert loss.gradient([[0.5]])[0].tolist() == [1.0]


def test_arctangent_of_a_huge_integer_is_pi_over_two():
    loss = compile_loss("atan(2^64)*x")
    expected = float(mpmath.atan(mpmath.mpf(2) ** 64))
    assert loss.value([[2.0]])[0] == pytest.approx(2 * expected, rel=1e-15)
    assert loss.gradient([[2.0]])[0, 0] == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("x", [0.5, -0.3, 0.1])
def test_a_power_whose_coefficient_is_beyond_floats_is_finite(x):
    loss = compile_loss("(3x)^1000")
    value = mpmath.mpf(3 * x) ** 1000                      # finite in floating point
    slope = 3000 * mpmath.mpf(3 * x) ** 999
    curvature = 3 * 3 * 1000 * 999 * mpmath.mpf(3 * x) ** 998
    assert loss.value([[x]])[0] == pytest.approx(float(value), rel=1e-10)
    assert loss.gradient([[x]])[0, 0] == pytest.approx(float(slope), rel=1e-10)
    assert loss.hessian([[x]])[0, 0, 0] == pytest.approx(float(curvature), rel=1e-10)


def test_a_power_that_really_overflows_is_nan_not_inf():
    loss = compile_loss("(3x)^1000")
    assert np.isnan(loss.value([[1.0]])[0])                   # 3^1000 > 1.8e308


def test_two_variable_powers_keep_their_coefficient():
    loss = compile_loss("(3*x*y)^400 + x")
    x, y = 0.7, 0.4
    expected = (3 * x * y) ** 400 + x
    assert loss.value([[x, y]])[0] == pytest.approx(expected, rel=1e-10)


def test_numbers_up_to_the_float_limit_are_accepted():
    for text, constant in [("x + 1e308", 1e308), ("x + 1.7e308", 1.7e308),
                           ("x - 179769313486231570000e288", -1.7976931348623157e308)]:
        loss = compile_loss(text)
        assert loss.value([[0.0]])[0] == constant
    with pytest.raises(InvalidExpression, match="too large for floating point"):
        compile_loss("x + 1.8e308")
    with pytest.raises(InvalidExpression, match="too large for floating point"):
        compile_loss("x + 2^1024")


def test_no_runtime_warning_escapes_the_critical_point_analysis():
    loss = compile_loss("exp(exp(exp(x)))")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        points = critical_points(loss, [(-3.0, 3.0)])
    assert points == []      # f' = exp(exp(exp(x)) + exp(x) + x) never vanishes


@pytest.mark.timeout(30)
def test_a_tower_of_constant_exponentials_is_refused_quickly_in_process():
    # SymPy's sign() asked for the sign of sin(exp(exp(exp(exp(3))))), evaluating the tower
    # to hundreds of millions of digits: minutes in-process. exp(exp(exp(3))) is already beyond
    # floating point (about 10^(2.3e8)): refused there, before anything evaluates it.
    with pytest.raises(InvalidExpression, match="too large for floating point") as info:
        parse("sign(sin(exp(exp(exp(exp(3)))))) + x")
    assert info.value.snippet == "exp(...)"
    for text in ("cosh(cosh(cosh(cosh(3)))) + x", "exp(exp(800)) + x", "sinh(1000) * x"):
        with pytest.raises(InvalidExpression, match="too large for floating point"):
            parse(text)


def test_constants_inside_the_float_range_still_work():
    loss = compile_loss("x + exp(exp(3)) + sign(sin(exp(exp(2))))")
    expected = math.exp(math.exp(3)) + math.copysign(1, math.sin(math.exp(math.exp(2))))
    assert loss.value([[0.0]])[0] == pytest.approx(expected, rel=1e-12)
