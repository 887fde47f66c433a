"""The results table's number format: 4 significant digits, scientific notation when tiny or huge,
a dash for a missing value. Expected strings are written by hand."""
import math

import pytest

from optimizers.numbers import MISSING, number, point


@pytest.mark.parametrize("x, shown", [
    (6.3108e-30, "6.311e-30"),          # tiny: scientific, never 0.000...0006
    (123456.0, "1.235e+05"),            # huge: scientific
    (12345.0, "1.234e+04"),             # 5 digits do not fit in 4 significant ones (half-even)
    (1234.4, "1234"),
    (12.3456, "12.35"),
    (0.00012344, "0.0001234"),          # down to 1e-4 positional
    (0.000012344, "1.234e-05"),
    (-2.5, "-2.5"),                     # no trailing zeros
    (9.99996, "10"),                    # rounding carries into the next decade
    (1.0, "1"),
    (0.0, "0"), (-0.0, "0"),
    (math.inf, "inf"), (-math.inf, "-inf"),
    (3, "3"),                           # ints too
])
def test_four_significant_digits(x, shown):
    assert number(x) == shown


@pytest.mark.parametrize("missing", [None, math.nan, float("nan")])
def test_missing_is_a_dash(missing):
    assert number(missing) == MISSING == "—"


def test_a_shown_number_reads_back_within_half_a_unit_of_its_fourth_digit():
    for x in (6.3108e-30, 123456.0, 0.012345678, -98765.4321, 3.14159):
        unit = 10 ** (math.floor(math.log10(abs(x))) - 3)
        assert abs(float(number(x)) - x) <= unit / 2


def test_points():
    assert point((1.5, -2.0)) == "(1.5, -2)"
    assert point((6.3108e-30, 123456.0)) == "(6.311e-30, 1.235e+05)"
    assert point((math.nan,)) == "(—)"
