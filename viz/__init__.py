"""How it is shown: pure functions that turn a loss and a run into plotly Figures.

    from viz import (create_surface_figure, create_contour_figure, create_curve_figure,
                     create_loss_figure, click_point)

    fig = create_contour_figure(loss, domain, run, minima=preset.minima)
    event = st.plotly_chart(fig, key="contour", on_select="rerun", selection_mode="points")
    clicked = click_point(event.selection)      # (x, y) or None

Animated figures (surface, contour, curve) hold their static traces first, then one path trace
per (optimizer, start), then one current-point marker per (optimizer, start), optimizer-major.
Frames update only those path and marker traces; the figure as returned shows the full paths.
Nothing here imports Streamlit.
"""
from .click import CLICK_CURVE_GROUP, CLICK_GRID_GROUP, click_point
from .colors import (OKABE_ITO, OPTIMIZER_COLORS, OPTIMIZER_LABELS, PALETTE, optimizer_colors,
                     optimizer_label, start_dash, start_symbol)
from .encode import array_of, figure_json_size, typed_array
from .figures import (create_contour_figure, create_curve_figure, create_loss_figure,
                      create_surface_figure)
from .grid import color_range, curve_grid, log_values, mask_outliers, surface_grid

__all__ = [
    "create_surface_figure", "create_contour_figure", "create_curve_figure",
    "create_loss_figure", "figure_json_size", "array_of", "typed_array", "click_point",
    "CLICK_GRID_GROUP", "CLICK_CURVE_GROUP", "surface_grid", "curve_grid", "color_range",
    "log_values", "mask_outliers", "OKABE_ITO", "PALETTE", "OPTIMIZER_COLORS", "OPTIMIZER_LABELS",
    "optimizer_colors", "optimizer_label", "start_dash", "start_symbol",
]
