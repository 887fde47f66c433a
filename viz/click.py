"""Reading a click on the contour map (or the 1-D curve) back from a chart selection.

Streamlit's `st.plotly_chart(fig, on_select="rerun", selection_mode="points")` reports selected
points of 2-D scatter traces only, never of contour or 3-D traces. The contour figure therefore
carries an invisible but selectable scatter grid over the whole domain, and the 1-D curve figure
makes its curve selectable. Both are marked by their `legendgroup`, which Streamlit copies into
every selected point, so the page does not depend on trace order.
"""
from __future__ import annotations

from collections.abc import Mapping

CLICK_GRID_GROUP = "click-grid"     # legendgroup of the contour map's invisible grid
CLICK_CURVE_GROUP = "click-curve"   # legendgroup of the 1-D loss curve


def click_point(selection) -> tuple[float, ...] | None:
    """The point clicked on a contour map ((x, y)) or a 1-D curve ((w,)), or None.

    Args:
        selection: the selection state of the chart event (`event.selection` from
            `st.plotly_chart(..., on_select="rerun")`), or the whole event; a mapping with a
            "points" list whose entries carry "x", "y" and "legendgroup".

    Returns:
        The coordinates of the last point selected on the click grid or the curve, or None when
        the selection holds no such point (an empty selection, or a click on a trajectory).
    """
    if selection is None:
        return None
    if isinstance(selection, Mapping) and "selection" in selection and "points" not in selection:
        selection = selection["selection"]
    try:
        points = selection["points"]
    except (KeyError, TypeError, IndexError):
        points = getattr(selection, "points", None)
    for point in reversed(list(points or [])):
        if not isinstance(point, Mapping):
            continue
        group = point.get("legendgroup")
        try:
            if group == CLICK_GRID_GROUP:
                return float(point["x"]), float(point["y"])
            if group == CLICK_CURVE_GROUP:
                return (float(point["x"]),)
        except (KeyError, TypeError, ValueError):
            continue
    return None
