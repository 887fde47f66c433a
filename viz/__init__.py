"""How it is shown: pure functions that turn a loss and a run into what the player draws.

    from viz import create_surface_figure, create_contour_figure, create_curve_figure
    from viz import player

    landscape = player.landscape_part(loss, domain, minima=preset.minima)   # static views
    paths = player.paths_part(run, domain)                  # every step of every run, compact
    inspect = player.inspect_part(run, 0, 0)                # one run's exact numbers
    data = player.message(landscape, paths, inspect)        # bytes for the player component

The figure factories build the landscape views (Plotly figures without paths); `viz.player`
and `viz.pack` turn them and a run into the player's message. Nothing here imports Streamlit.
"""
from . import pack, player
from .colors import (OKABE_ITO, OPTIMIZER_COLORS, OPTIMIZER_LABELS, PALETTE, optimizer_colors,
                     optimizer_label, start_dash, start_symbol)
from .encode import array_of
from .figures import create_contour_figure, create_curve_figure, create_surface_figure
from .grid import color_range, curve_grid, log_values, mask_outliers, surface_grid

__all__ = [
    "create_surface_figure", "create_contour_figure", "create_curve_figure", "player", "pack",
    "array_of", "surface_grid", "curve_grid", "color_range", "log_values", "mask_outliers",
    "OKABE_ITO", "PALETTE", "OPTIMIZER_COLORS", "OPTIMIZER_LABELS", "optimizer_colors",
    "optimizer_label", "start_dash", "start_symbol",
]
