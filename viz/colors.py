"""Colours, labels, dashes and marker symbols shared by every figure.

Optimizer colours come from the Okabe-Ito palette (Okabe & Ito, "Color Universal Design", 2008),
which stays distinguishable under the common forms of colour blindness, plus two extra colours
(Paul Tol's "wine" and a neutral grey) so that all ten optimizers get distinct colours. Each known
optimizer keeps the same colour in every figure and on every rerun; a second run of the same
optimizer (or an unknown name) takes the next colour not used yet.

Starts are told apart by line dash and marker symbol, never by colour.
"""
from __future__ import annotations

from collections.abc import Sequence

OKABE_ITO: tuple[str, ...] = (
    "#000000",  # black
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#009E73",  # bluish green
    "#F0E442",  # yellow
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#CC79A7",  # reddish purple
)
EXTRA_COLORS: tuple[str, ...] = ("#882255", "#999999")  # Tol's wine, neutral grey
PALETTE: tuple[str, ...] = OKABE_ITO + EXTRA_COLORS

# The yellow is the hardest to see on a light background: it goes to the least common optimizer.
OPTIMIZER_COLORS: dict[str, str] = {
    "gd": "#0072B2",
    "sgd": "#56B4E9",
    "momentum": "#D55E00",
    "nesterov": "#E69F00",
    "adagrad": "#009E73",
    "rmsprop": "#CC79A7",
    "adam": "#000000",
    "adamw": "#882255",
    "adadelta": "#999999",
    "lion": "#F0E442",
}

OPTIMIZER_LABELS: dict[str, str] = {
    "gd": "GD",
    "sgd": "SGD",
    "momentum": "Momentum",
    "nesterov": "Nesterov",
    "adagrad": "Adagrad",
    "rmsprop": "RMSprop",
    "adam": "Adam",
    "adamw": "AdamW",
    "adadelta": "Adadelta",
    "lion": "Lion",
}

# Per start index (cycled). scatter3d accepts fewer dashes and symbols than 2-D scatter.
START_DASHES: tuple[str, ...] = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")
START_SYMBOLS: tuple[str, ...] = ("circle", "square", "diamond", "triangle-up", "pentagon",
                                  "hexagon", "star-triangle-up", "hourglass")
START_SYMBOLS_3D: tuple[str, ...] = ("circle", "square", "diamond", "cross", "x",
                                     "circle-open", "square-open", "diamond-open")

# Markers for known minima and critical points, by kind: (symbol, glyph, legend label). One
# symbol that both 2-D and 3-D Plotly markers have, so every view marks a kind the same way; the
# glyph names it in the player's legend.
POINT_KINDS: dict[str, tuple[str, str, str]] = {
    "known minimum": ("diamond", "◆", "known minimum"),
    "minimum": ("circle-open", "○", "minimum (critical point)"),
    "maximum": ("square-open", "□", "maximum (critical point)"),
    "saddle": ("cross", "+", "saddle point"),
    "degenerate": ("diamond-open", "◇", "degenerate critical point"),
    "critical point": ("circle", "●", "critical point"),
}
POINT_COLOR = "#222222"

# Light, neutral colour scale for surfaces and contour maps, so that every optimizer colour
# (including black) stays visible on top of it. Low loss is light.
LANDSCAPE_COLORSCALE: tuple[tuple[float, str], ...] = (
    (0.0, "#ffffff"),
    (0.25, "#e6e9ee"),
    (0.5, "#c9cfd8"),
    (0.75, "#a3acb9"),
    (1.0, "#76808f"),
)


def optimizer_colors(names: Sequence[str]) -> list[str]:
    """One colour per entry of `names`, all distinct while there are at most len(PALETTE) entries.

    A known optimizer gets its fixed colour the first time it appears; a repeated or unknown name
    gets the first palette colour not used yet (the palette is cycled past ten entries).
    """
    fixed = [OPTIMIZER_COLORS.get(str(name).lower()) for name in names]
    used: set[str] = set()
    colors: list[str | None] = [None] * len(names)
    for i, color in enumerate(fixed):
        if color is not None and color not in used:
            colors[i] = color
            used.add(color)
    spare = [c for c in PALETTE if c not in used]
    k = 0
    for i, color in enumerate(colors):
        if color is None:
            colors[i] = spare[k] if k < len(spare) else PALETTE[(k - len(spare)) % len(PALETTE)]
            k += 1
    return [c for c in colors if c is not None]


def optimizer_label(name: str) -> str:
    """Display name of an optimizer ("adam" -> "Adam"); unknown names are returned unchanged."""
    return OPTIMIZER_LABELS.get(str(name).lower(), str(name))


def start_dash(index: int) -> str:
    """Line dash of the start with this 0-based index (cycled)."""
    return START_DASHES[index % len(START_DASHES)]


def start_symbol(index: int, *, three_d: bool = False) -> str:
    """Marker symbol of the start with this 0-based index (cycled); `three_d` for scatter3d."""
    symbols = START_SYMBOLS_3D if three_d else START_SYMBOLS
    return symbols[index % len(symbols)]
