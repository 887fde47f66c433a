"""viz figure factories: the landscape views of real compiled losses (landscapes.compile_loss),
checked against grids and formulas written out here with NumPy."""
import json
import types
from pathlib import Path

import numpy as np
import pytest

from landscapes import compile_loss
from viz import array_of, create_contour_figure, create_curve_figure, create_surface_figure

BOX = ((-2.0, 2.0), (-2.0, 2.0))
BOWL = compile_loss("x^2 + 3*y^2")
ROSEN = compile_loss("(1 - x)^2 + 100*(y - x^2)^2")
CURVE = compile_loss("w^2 + 0.3*sin(5*w)")


def grid(f, domain, n):
    """(xs, ys, Z) with Z[j, i] = f(xs[i], ys[j]), written out here."""
    xs = np.linspace(*domain[0], n)
    ys = np.linspace(*domain[1], n)
    X, Y = np.meshgrid(xs, ys)
    with np.errstate(all="ignore"):
        Z = f(X, Y)
    return xs, ys, np.where(np.isfinite(Z), Z, np.nan)


def percentiles(Z, lo=2, hi=98):
    finite = Z[np.isfinite(Z)]
    return tuple(np.percentile(finite, [lo, hi]))


def test_surface_samples_the_loss_and_marks_the_minima():
    fig = create_surface_figure(BOWL, BOX, resolution=41, minima=[(0.0, 0.0)],
                                critical_points=[((0.5, 0.5), "saddle")])
    xs, ys, Z = grid(lambda x, y: x**2 + 3 * y**2, BOX, 41)
    s = fig.data[0]
    assert s.type == "surface"
    np.testing.assert_array_equal(array_of(s.x), xs)
    np.testing.assert_allclose(array_of(s.z), Z.astype(np.float32), rtol=1e-6)
    assert (s.cmin, s.cmax) == pytest.approx(percentiles(Z), rel=1e-5)
    assert [t.name for t in fig.data[1:]] == ["known minimum", "saddle point"]
    # points sit at loss + lift, lift = 1.5% of the surface's height (0 .. 16 here)
    lift = 0.015 * (Z.max() - Z.min())
    assert fig.layout.meta["lift"] == pytest.approx(lift)
    assert array_of(fig.data[1].z)[0] == pytest.approx(0 + lift)
    assert array_of(fig.data[2].z)[0] == pytest.approx(0.25 + 3 * 0.25 + lift)
    assert tuple(fig.layout.scene.xaxis.range) == BOX[0]


def test_surface_log_colour_keeps_heights_and_colours_by_log10_of_loss_minus_min():
    domain = ((-2.0, 2.0), (-1.0, 3.0))
    fig = create_surface_figure(ROSEN, domain, resolution=50, log_color=True)
    _, _, Z = grid(lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2, domain, 50)
    s = fig.data[0]
    np.testing.assert_allclose(array_of(s.z), Z, rtol=1e-6)                 # heights: the loss
    vmin = Z.min()
    eps = max(1e-6 * (np.percentile(Z, 98) - vmin), 1e-12 * max(1.0, abs(vmin)), 1e-300)
    np.testing.assert_allclose(array_of(s.surfacecolor), np.log10(Z - vmin + eps), rtol=1e-5,
                               atol=1e-5)
    assert "log10" in s.colorbar.title.text
    plain = create_surface_figure(ROSEN, domain, resolution=50).data[0]
    assert plain.surfacecolor is None and plain.colorbar.title.text == "loss"


def test_surface_holes_where_the_loss_is_undefined():
    holed = compile_loss("sqrt(x^2 + y^2 - 0.25)")         # undefined inside the circle r = 1/2
    fig = create_surface_figure(holed, BOX, resolution=41)
    _, _, Z = grid(lambda x, y: np.sqrt(x**2 + y**2 - 0.25), BOX, 41)
    z = array_of(fig.data[0].z)
    assert np.isnan(Z).sum() > 0
    np.testing.assert_array_equal(np.isnan(z), np.isnan(Z))


def test_contour_colour_range_ignores_one_huge_value():
    spiky = compile_loss("x^2 + 3*y^2 + 1e12*exp(-10000*((x - 1)^2 + (y - 1)^2))")
    fig = create_contour_figure(spiky, BOX, resolution=101)                 # (1, 1) on the grid
    _, _, Z = grid(lambda x, y: x**2 + 3 * y**2 + 1e12 * np.exp(-1e4 * ((x - 1)**2 + (y - 1)**2)),
                   BOX, 101)
    assert Z.max() >= 1e12
    assert (fig.data[0].zmin, fig.data[0].zmax) == pytest.approx(percentiles(Z), rel=1e-5)
    assert fig.data[0].zmax < 20


def test_log_colour_contour_shows_the_loss_on_hover():
    domain = ((-2.0, 2.0), (-1.0, 3.0))
    fig = create_contour_figure(ROSEN, domain, log_color=True, resolution=50)
    _, _, Z = grid(lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2, domain, 50)
    vmin = Z.min()
    eps = max(1e-6 * (np.percentile(Z, 98) - vmin), 1e-12, 1e-300)
    np.testing.assert_allclose(array_of(fig.data[0].z), np.log10(Z - vmin + eps), rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(array_of(fig.data[0].customdata), Z, rtol=1e-6)
    assert "log10" in fig.data[0].colorbar.title.text


def test_contour_axes_are_the_domain_and_levels_span_the_colour_range():
    fig = create_contour_figure(BOWL, ((-3.0, 1.0), (-1.0, 2.0)), levels=10, resolution=30)
    assert tuple(fig.layout.xaxis.range) == (-3.0, 1.0)
    assert tuple(fig.layout.yaxis.range) == (-1.0, 2.0)
    c = fig.data[0].contours
    assert c.start == fig.data[0].zmin and c.end == fig.data[0].zmax
    assert c.size == pytest.approx((c.end - c.start) / 10)


def test_critical_points_accept_several_forms():
    cp = types.SimpleNamespace(point=np.array([0.5, -0.5]), kind="maximum")
    points = [cp, {"point": (0, 1), "kind": "minimum"}, ((1, 1), "degenerate")]
    fig = create_contour_figure(BOWL, BOX, critical_points=points)
    names = [t.name for t in fig.data[1:]]
    assert names == ["minimum (critical point)", "maximum (critical point)",
                     "degenerate critical point"]
    assert array_of(fig.data[2].x).tolist() == [0.5]
    assert array_of(fig.data[2].y).tolist() == [-0.5]


def test_curve_samples_the_loss_and_marks_its_minima():
    fig = create_curve_figure(CURVE, ((-2.0, 2.0),), resolution=201, minima=[(-0.28,)])
    ws = np.linspace(-2, 2, 201)
    np.testing.assert_allclose(array_of(fig.data[0].x), ws, rtol=1e-6)
    np.testing.assert_allclose(array_of(fig.data[0].y), ws**2 + 0.3 * np.sin(5 * ws), rtol=1e-5,
                               atol=1e-6)
    assert fig.data[1].name == "known minimum"
    assert array_of(fig.data[1].y)[0] == pytest.approx(0.28**2 + 0.3 * np.sin(-1.4))


def test_curve_y_range_ignores_a_pole():
    pole = compile_loss("1/abs(w) + w^2")
    fig = create_curve_figure(pole, ((-2.0, 2.0),), resolution=401)           # w = 0 on the grid
    assert fig.layout.yaxis.range[1] < 1e3


def test_figures_check_the_number_of_variables():
    with pytest.raises(ValueError, match="create_curve_figure"):
        create_contour_figure(CURVE, ((-2, 2),))
    with pytest.raises(ValueError, match="1 variable"):
        create_curve_figure(BOWL, BOX)
    with pytest.raises(ValueError, match="domain"):
        create_surface_figure(BOWL, ((-2, 2),))


@pytest.mark.parametrize("kwargs", [dict(levels=1), dict(levels=2.5), dict(height=10),
                                    dict(resolution=1), dict(resolution=5000)])
def test_bad_arguments_are_rejected(kwargs):
    with pytest.raises(ValueError):
        create_contour_figure(BOWL, BOX, **kwargs)


def test_json_is_valid_and_viz_is_streamlit_free():
    json.loads(create_contour_figure(BOWL, BOX).to_json())
    root = Path(__file__).resolve().parents[1] / "viz"
    for path in root.glob("*.py"):
        assert "streamlit" not in path.read_text().replace("Streamlit", ""), path
