"""viz.grid, viz.colors and viz.encode: sampling, masking, colour ranges, palettes."""
from dataclasses import dataclass
from typing import Callable

import numpy as np
import plotly.graph_objects as go
import pytest

from viz import (OKABE_ITO, PALETTE, array_of, color_range, curve_grid, log_values,
                 mask_outliers, optimizer_colors, optimizer_label, start_dash, start_symbol,
                 surface_grid)
from viz.colors import POINT_KINDS, START_DASHES, START_SYMBOLS, START_SYMBOLS_3D
from viz.grid import auto_log_color, check_domain, evaluate, wants_log_color

ALL_OPTIMIZERS = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw",
                  "adadelta", "lion"]


@dataclass
class Loss:
    """Stand-in for landscapes' Loss: value(points (..., n)) -> (...)."""

    fn: Callable
    variables: tuple

    @property
    def n(self):
        return len(self.variables)

    def value(self, points):
        points = np.asarray(points, dtype=float)
        return self.fn(*np.moveaxis(points, -1, 0))


BOWL = Loss(lambda x, y: x**2 + 3 * y**2, ("x", "y"))


# ------------------------------------------------------------------------------------ grid

def test_surface_grid_follows_plotly_row_is_y_convention():
    xs, ys, Z = surface_grid(BOWL, ((-2, 2), (-1, 3)), (5, 7))
    assert xs.shape == (5,) and ys.shape == (7,) and Z.shape == (7, 5)
    assert (xs[0], xs[-1], ys[0], ys[-1]) == (-2, 2, -1, 3)
    assert Z[6, 0] == pytest.approx((-2) ** 2 + 3 * 3**2)     # Z[j, i] = f(xs[i], ys[j])
    assert Z[0, 4] == pytest.approx(2**2 + 3 * (-1) ** 2)


def test_non_finite_values_are_nan_and_no_warning_escapes():
    # log of a negative number (NaN), division by zero (inf), overflow (inf): all silent, all NaN
    loss = Loss(lambda x, y: np.log(x) + 1.0 / y + np.exp(1000 * (x > 1.5)), ("x", "y"))
    xs, ys, Z = surface_grid(loss, ((-1, 2), (-1, 1)), (31, 21))   # y = 0 is on the grid
    X, Y = np.meshgrid(xs, ys)
    expected_bad = (X <= 0) | (Y == 0) | (X > 1.5)
    assert np.isnan(Z[expected_bad]).all()
    assert np.isfinite(Z[~expected_bad]).all()


def test_constant_loss_is_broadcast():
    const = Loss(lambda x, y: 3.0, ("x", "y"))
    _, _, Z = surface_grid(const, ((0, 1), (0, 1)), 4)
    assert Z.shape == (4, 4) and (Z == 3.0).all()


def test_curve_grid_for_one_variable():
    ws, vals = curve_grid(Loss(lambda w: (w - 1) ** 2, ("w",)), ((-1, 3),), 9)
    assert ws[0] == -1 and ws[-1] == 3 and vals[4] == pytest.approx(0.0)


@pytest.mark.parametrize("domain", [((1, 0), (0, 1)), ((0, 1),), ((0, np.inf), (0, 1)), "ab"])
def test_bad_domains_are_rejected(domain):
    with pytest.raises(ValueError):
        check_domain(domain, 2)


@pytest.mark.parametrize("resolution", [1, 0, 2.5, 5000, (10,), True])
def test_bad_resolutions_are_rejected(resolution):
    with pytest.raises(ValueError):
        surface_grid(BOWL, ((0, 1), (0, 1)), resolution)


def test_surface_grid_rejects_a_one_variable_loss():
    with pytest.raises(ValueError, match="2 variables"):
        surface_grid(Loss(lambda w: w, ("w",)), ((0, 1),), 10)


def test_color_range_ignores_one_huge_value():
    _, _, Z = surface_grid(BOWL, ((-2, 2), (-2, 2)), 60)
    Z[10, 10] = 1e12
    Z[20, 20] = np.nan
    lo, hi = color_range(Z)
    finite = Z[np.isfinite(Z)]
    assert (lo, hi) == tuple(np.percentile(finite, [2, 98]))
    assert hi < 20          # the bowl's own maximum is 16: the spike changed nothing visible
    assert color_range(Z, (0, 100))[1] == 1e12


def test_color_range_degenerate_inputs():
    assert color_range(np.full((3, 3), np.nan)) == (0.0, 1.0)
    lo, hi = color_range(np.full(5, 7.0))
    assert lo < 7.0 < hi
    with pytest.raises(ValueError):
        color_range(np.ones(3), (50, 10))


def test_log_values_spread_the_valley_floor():
    Z = np.array([0.0, 1e-4, 1.0, 100.0, np.nan, np.inf])
    L = log_values(Z)
    assert np.isnan(L[4:]).all()
    assert np.all(np.diff(L[:4]) > 0)
    assert L[3] == pytest.approx(2.0, abs=1e-4)     # log10(100 - 0 + eps)
    eps = 1e-6 * np.percentile(Z[:4], 98)            # 1e-6 of the spread above the minimum
    assert L[0] == pytest.approx(np.log10(eps))      # the minimum maps to log10(eps)
    assert L[1] == pytest.approx(np.log10(1e-4 + eps))


def test_mask_outliers_removes_a_spike_but_not_a_smooth_wall():
    rosen = Loss(lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2, ("x", "y"))
    _, _, Z = surface_grid(rosen, ((-2, 2), (-1, 3)), 80)
    assert not np.isnan(mask_outliers(Z)).any()      # every value of Rosenbrock stays
    Z[40, 40] = 1e9
    Z[0, 0] = np.inf
    masked = mask_outliers(Z)
    assert np.isnan(masked[40, 40]) and np.isnan(masked[0, 0])
    assert np.isnan(masked).sum() == 2


def test_mask_outliers_cuts_at_four_ranges_beyond_the_colour_range():
    # 50 zeros, 50 ones and four far values: sorted, indices 2-51 are 0 and 52-101 are 1, so the
    # 2nd percentile (position 0.02 * 103 = 2.06) is 0 and the 98th (100.94) is 1: the colour range
    # is (0, 1) and the values kept are those within 4 ranges of it, [-4, 5]
    values = np.array([0.0] * 50 + [1.0] * 50 + [-4.5, -3.9, 4.9, 5.5])
    rng = np.random.default_rng(0)
    order = rng.permutation(values.size)
    grid = values[order].reshape(8, 13)
    masked = mask_outliers(grid)
    expected = values.copy()
    expected[[100, 103]] = np.nan                     # -4.5 and 5.5 are out; -3.9 and 4.9 stay
    np.testing.assert_array_equal(masked, expected[order].reshape(8, 13))
    # the factor is a parameter: with 1 the margin is [-1, 2]
    expected[[101, 102]] = np.nan
    np.testing.assert_array_equal(mask_outliers(grid, factor=1.0), expected[order].reshape(8, 13))


def test_evaluate_accepts_points_of_any_leading_shape():
    pts = np.zeros((2, 3, 4, 2))
    assert evaluate(BOWL, pts).shape == (2, 3, 4)


# ---------------------------------------------------------------------------------- colours

def test_ten_optimizers_get_ten_distinct_palette_colours():
    colors = optimizer_colors(ALL_OPTIMIZERS)
    assert len(set(colors)) == 10
    assert set(colors) <= set(PALETTE)
    assert set(OKABE_ITO) <= set(colors)


def test_an_optimizer_keeps_its_colour_whatever_else_is_shown():
    alone = optimizer_colors(["adam"])[0]
    assert optimizer_colors(["gd", "lion", "adam"])[2] == alone
    assert optimizer_colors(list(reversed(ALL_OPTIMIZERS)))[3] == optimizer_colors(
        ALL_OPTIMIZERS)[6]


def test_repeated_and_unknown_names_still_get_distinct_colours():
    colors = optimizer_colors(["gd", "gd", "mystery", "adam"])
    assert len(set(colors)) == 4
    assert len(optimizer_colors(["x"] * 12)) == 12          # cycles past the palette


def test_labels():
    assert optimizer_label("adamw") == "AdamW" and optimizer_label("custom") == "custom"


def test_start_styles_cycle_and_are_valid_plotly_values():
    assert start_dash(0) == "solid" and start_dash(len(START_DASHES)) == "solid"
    assert start_dash(1) != start_dash(0) and start_symbol(1) != start_symbol(0)
    # plotly validates enumerated values: an invalid symbol or dash raises here
    for s in START_SYMBOLS:
        go.Scatter(marker_symbol=s)
    for s in START_SYMBOLS_3D:
        go.Scatter3d(marker_symbol=s)
    for d in START_DASHES:
        go.Scatter(line_dash=d)
        go.Scatter3d(line_dash=d)
    for symbol, _, _ in POINT_KINDS.values():     # one symbol for a kind in every view
        go.Scatter(marker_symbol=symbol)
        go.Scatter3d(marker_symbol=symbol)
    assert len({v[0] for v in POINT_KINDS.values()}) == len(POINT_KINDS)
    assert len({v[1] for v in POINT_KINDS.values()}) == len(POINT_KINDS)


# ----------------------------------------------------------------------------- click, encode

def test_array_of_reads_plotly_arrays_back():
    np.testing.assert_array_equal(array_of([1, None, 2]), [1, np.nan, 2])
    a = np.array([[1.5, np.nan], [3.0, -2.25]], dtype=np.float32)
    fig_json = go.Figure(go.Heatmap(z=a)).to_plotly_json()   # plotly.py's typed-array form
    np.testing.assert_array_equal(array_of(fig_json["data"][0]["z"]), a)
    # plotly.py's own encoding of an ndarray reads back the same way
    fig_json = go.Figure(go.Scatter(x=np.arange(3, dtype=np.float64))).to_plotly_json()
    assert array_of(fig_json["data"][0]["x"]).tolist() == [0, 1, 2]


# ------------------------------------------------------------------- automatic colour scale

def _landscape(floor: float, median: float, high: float, extra=()) -> np.ndarray:
    """102 values, shuffled into a grid: `floor` (the minimum) and 101 values above it whose
    percentiles of f - floor are array elements (numpy's linear rule: the q-th percentile of
    101 sorted values is element q): elements 49-51 = `median`, elements 98-100 = `high`.
    `extra`: more values, as offsets from `floor`."""
    d = np.concatenate([np.linspace(0.01, median, 49, endpoint=False), [median] * 3,
                        np.linspace(median, high, 47, endpoint=False)[1:], [high] * 3])
    assert d.size == 101 and d[50] == median and d[98] == high
    values = np.concatenate([[0.0], d, list(extra)]) + floor
    return np.random.default_rng(0).permutation(values).reshape(-1, 1 if len(extra) else 17)


@pytest.mark.parametrize("floor", [0.0, 1000.0, -50.0])
def test_log_colour_when_the_98th_percentile_of_f_minus_min_passes_four_medians(floor):
    # median of f - min = 1, 98th percentile 4.04 or 3.96: ratios 4.04 and 3.96 around 4
    assert wants_log_color(_landscape(floor, 1.0, 4.04)) is True
    assert wants_log_color(_landscape(floor, 1.0, 3.96)) is False
    # the same shape scaled: only the ratio counts
    assert wants_log_color(_landscape(floor, 250.0, 1010.0)) is True     # 4.04
    assert wants_log_color(_landscape(floor, 250.0, 990.0)) is False     # 3.96


def test_a_flat_floor_at_the_minimum_and_non_finite_values_do_not_count():
    # 400 more values at the minimum would make the median of f - min zero (and any wall
    # "infinitely" high): values equal to the minimum are left out, so the ratio stays 3.96
    assert wants_log_color(_landscape(7.0, 1.0, 3.96, extra=np.zeros(400))) is False
    # +inf, -inf and NaN are not values of the landscape (an unfiltered inf would be the
    # 98th percentile, an unfiltered -inf the minimum)
    odd = [np.inf, np.inf, np.inf, -np.inf, np.nan]
    assert wants_log_color(_landscape(7.0, 1.0, 3.96, extra=odd)) is False
    assert wants_log_color(_landscape(7.0, 1.0, 4.04, extra=odd)) is True


def test_a_square_wall_is_linear_and_a_cubic_one_log():
    i = np.arange(101.0)
    # f = i^2, i = 0..100: f - min > 0 for i = 1..100 (100 values, element k is (k+1)^2);
    # median: element 49.5 -> (50^2 + 51^2)/2 = 2550.5; 98th: element 97.02 -> 98^2 +
    # 0.02 (99^2 - 98^2) = 9607.94; ratio 3.77 < 4
    assert wants_log_color(i**2) is False
    # f = i^3: median (125000 + 132651)/2 = 128825.5, 98th 941192 + 0.02 (970299 - 941192)
    # = 941774.14; ratio 7.31 > 4
    assert wants_log_color(i**3) is True


def test_nothing_to_colour_is_linear():
    assert wants_log_color(np.full((5, 5), 3.0)) is False
    assert wants_log_color(np.full((5, 5), np.nan)) is False
    assert wants_log_color(np.array([])) is False


def test_automatic_colour_scale_of_typed_losses_and_presets():
    from landscapes import PRESETS, compile_loss

    box = ((-5.0, 5.0), (-5.0, 5.0))                # the default page's domain
    assert auto_log_color(compile_loss("x^2 + 10*y^2"), box) is False      # ratio 3.5
    assert auto_log_color(compile_loss("sin(x)*cos(y)"), box) is False     # 1.9
    assert auto_log_color(compile_loss("(1-x)^2 + 100*(y-x^2)^2"), box) is True   # 15
    assert auto_log_color(compile_loss("w^4 - 3*w^3 + 2"), ((-2.0, 4.0),)) is False  # 1-D
    # the presets' own (hand-picked) choices agree, except two quadratic bowls that the
    # presets keep linear although their corners rise 7.5-8 medians high
    differ = {k for k, p in PRESETS.items() if len(p.domain) == 2
              and auto_log_color(compile_loss(p.expression), p.domain) != p.log_color}
    assert differ == {"booth", "matyas"}
