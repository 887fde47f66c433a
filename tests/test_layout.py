"""The page's layout in a real browser at a projector's 1280x720, a large screen's 1920x1080 and a
390x844 phone (issue 9 item 1).

On the default page at each size, and on a lesson picked from the Lesson menu at 1280x720:
- the main figure (the 3-D surface, or the map of a 1-D loss) starts on the first screen; on the
  default page at 1280x720 and 1920x1080 the surface and the contour map are whole on the first
  screen and at least half of it high;
- no two controls overlap: the player's buttons, step slider, step label and speed menu, the
  legend's chips and notes, the views (surface, map, loss plot, step inspector), every plot's
  axis titles, tick labels and colour-bar texts among themselves, and each plot's toolbar
  (plotly.js's mode bar) or a Streamlit element toolbar over any of those or over the legend;
- no clipped text: every plot text inside its plot's SVG (which clips), no text element of the
  page (formulas, headings, captions, the player's labels and chips, the inspector, widget
  labels) wider or taller than its box, the page no wider than the screen, and nothing drawn on
  the outermost pixels of the 3-D scene's canvas (its axis labels are WebGL, not SVG);
- the default 3-D camera shows every path (each point the player projects lies in the scene's
  box) and uses its box: the scene spans at least 80% of its width or 70% of its height;
- on the phone, the results table fits the screen and scrolls sideways inside itself.

Boxes are compared as the browser reports them (getBoundingClientRect), gathered in one
page.evaluate per check. A screenshot of each first screen is left in artifacts/.
Run alone: ``python -m pytest -q tests/test_layout.py``.
"""
from __future__ import annotations

import io
import itertools

import numpy as np
import pytest

from _server import ROOT, app_url, browser, page_problems  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts"
SLOW_S = 90                           # first draw with software WebGL on 2 busy cores
SIZES = {"projector": (1280, 720), "large": (1920, 1080), "phone": (390, 844)}
LESSON = "Momentum and adaptive methods in a curved valley (tour lesson 3)"
TOL = 0.5                             # px: boxes that only touch do not overlap


# ------------------------------------------------------------------------------------ fixtures

# app_url and browser: one server and one Chromium for the module (tests/_server.py)


PLAYER_READY_JS = """() => {
    const P = window.__descentPlayer;
    return !!(P && P.paths && P.land && P.mapBox && P.mapBox.dataset.step !== undefined
              && P.lossBox.dataset.step !== undefined
              && (P.land.n === 1 || (P.surfaceDiv && P.surfaceBox.dataset.step !== undefined)));
}"""


def open_page(browser, app_url: str, size: str):
    """A fresh context at `size` (the phone as a touch device), on the default page, once the
    player has drawn every view; returns (context, page, console errors)."""
    width, height = SIZES[size]
    phone = size == "phone"
    context = browser.new_context(viewport={"width": width, "height": height},
                                  is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(app_url, wait_until="domcontentloaded")
    wait_for_player(page)
    return context, page, errors


def wait_for_player(page) -> None:
    page.wait_for_function(PLAYER_READY_JS, timeout=SLOW_S * 1000, polling=250)
    page.wait_for_timeout(300)   # plotly.js's resize after the views settle (no assertion on it)


# --------------------------------------------------------------------------- reading the page

BOXES_JS = r"""() => {
    const R = (e) => { const r = e.getBoundingClientRect();
                       return {l: r.left, t: r.top, r: r.right, b: r.bottom}; };
    const shown = (e) => { const r = e.getBoundingClientRect();
                           return r.width > 0 && r.height > 0
                               && getComputedStyle(e).visibility !== 'hidden'; };
    const text = (e) => (e.textContent || '').trim().slice(0, 40);
    const item = (e, name) => ({name, ...R(e)});
    const out = {controls: [], legend: [], views: [], plots: [], toolbars: []};
    for (const e of document.querySelectorAll('.dp-bar > *')) if (shown(e))
        out.controls.push(item(e, 'player ' + (e.getAttribute('aria-label') || e.className)));
    for (const e of document.querySelectorAll('.dp-legend > *')) if (shown(e))
        out.legend.push(item(e, `legend "${text(e)}"`));
    for (const e of document.querySelectorAll('.dp-view, .dp-inspector')) if (shown(e))
        out.views.push(item(e, e.className));
    for (const e of document.querySelectorAll('[data-testid="stElementToolbar"]')) if (shown(e))
        out.toolbars.push(item(e, 'Streamlit element toolbar'));
    for (const gd of document.querySelectorAll('.dp-view .js-plotly-plot')) {
        const view = gd.closest('.dp-view').className.replace('dp-view ', '');
        const labels = [];
        const sel = '.g-xtitle text, .g-ytitle text, .xtick text, .ytick text, .colorbar text';
        for (const t of gd.querySelectorAll(sel)) if (shown(t) && text(t))
            labels.push(item(t, `${view} ${t.closest('g[class]').getAttribute('class')} `
                                + `"${text(t)}"`));
        const bar = gd.querySelector('.modebar');
        out.plots.push({view, svg: item(gd.querySelector('.main-svg'), view + ' svg'), labels,
                        toolbar: bar && shown(bar) ? item(bar, view + ' plot toolbar') : null});
    }
    return out;
}"""

CLIPPED_TEXT_JS = r"""() => {
    const clipped = [];
    const sel = ['.dp-label', '.dp-chip', '.dp-start', '.dp-note', '.dp-ins-title',
                 '.dp-ins-line', '.dp-ins-eq', '.dp-key', '.katex-display',
                 '[data-testid="stHeading"]', '[data-testid="stCaptionContainer"]',
                 '[data-testid="stMarkdownContainer"]', '[data-testid="stAlert"]',
                 '[data-testid="stText"]', '[data-testid="stWidgetLabel"]'].join(', ');
    for (const e of document.querySelectorAll(sel)) {
        const r = e.getBoundingClientRect();
        if (r.width === 0 || r.height === 0 || e.closest('details:not([open])')
            || e.closest('[data-testid="stSidebar"][data-collapsed="true"]')
            || getComputedStyle(e).visibility === 'hidden') continue;   // not shown
        if (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)
            clipped.push(`${e.dataset.testid || e.className} "${e.textContent.trim().slice(0, 50)}"`
                         + `: ${e.scrollWidth}x${e.scrollHeight} px of text in a `
                         + `${e.clientWidth}x${e.clientHeight} px box`);
    }
    const main = document.querySelector('[data-testid="stMain"]');
    if (main.scrollWidth > main.clientWidth + 1)
        clipped.push(`the page is wider than the screen: ${main.scrollWidth} px > `
                     + `${main.clientWidth} px`);
    return clipped;
}"""

# Every point of every run the player draws on the 3-D view (its projection, page pixels) that
# falls outside the scene's box; and how many it drew.
PATHS_OFF_3D_JS = r"""() => {
    const P = window.__descentPlayer, p = P.paths, box = P.surfaceDiv.getBoundingClientRect();
    const [[x0, x1], [y0, y1]] = P.land.domain;
    const off = [];
    let drawn = 0;
    p.runs.forEach((run, i) => {
        for (let t = 0; t <= run.last; t++) {
            const idx = i * p.t1 + t, x = p.coords[0][idx], y = p.coords[1][idx];
            if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue;   // not over the landscape
            const q = P.project3d(x, y, p.valuesArr[idx] + (P.land.lift || 0));
            drawn++;
            if (!q || q[0] < box.left || q[0] > box.right || q[1] < box.top || q[1] > box.bottom)
                off.push(`${run.label} from start ${run.start + 1}, step ${t}: ${q}`);
        }
    });
    return {drawn, off};
}"""

FIRST_SCREEN_JS = r"""() => {
    const box = (sel) => { const e = document.querySelector(sel);
                           if (!e) return null;
                           const r = e.getBoundingClientRect();
                           return {t: r.top, b: r.bottom, h: r.height}; };
    return {height: innerHeight, main: box('.dp-views > .dp-view'), surface: box('.dp-surface'),
            map: box('.dp-map')};
}"""

TABLE_JS = r"""() => {
    const d = document.querySelector('[data-testid="stDataFrame"]');
    const s = d && d.querySelector('.dvn-scroller');
    if (!s) return null;
    const r = d.getBoundingClientRect();
    return {left: r.left, right: r.right, width: innerWidth,
            scroll: s.scrollWidth, shown: s.clientWidth};
}"""


def overlap(a: dict, b: dict) -> bool:
    return (min(a["r"], b["r"]) - max(a["l"], b["l"]) > TOL
            and min(a["b"], b["b"]) - max(a["t"], b["t"]) > TOL)


def inside(a: dict, box: dict) -> bool:
    return (a["l"] >= box["l"] - TOL and a["r"] <= box["r"] + TOL
            and a["t"] >= box["t"] - TOL and a["b"] <= box["b"] + TOL)


def overlaps(boxes: dict) -> list[str]:
    """Every pair of boxes that should be disjoint and is not."""
    found = []
    ui = boxes["controls"] + boxes["legend"]

    def check(a, b):
        if overlap(a, b):
            found.append(f"{a['name']} overlaps {b['name']}")

    # player controls, legend items and views, each pair
    for a, b in itertools.combinations(ui + boxes["views"], 2):
        check(a, b)
    for plot in boxes["plots"]:
        # a plot's texts among themselves (titles, tick labels, colour bar)
        for a, b in itertools.combinations(plot["labels"], 2):
            check(a, b)
        # its toolbar over its texts or over the player's controls and legend
        if plot["toolbar"]:
            for b in plot["labels"] + ui:
                check(plot["toolbar"], b)
    for bar in boxes["toolbars"]:   # Streamlit's toolbars (the table's) over the player
        for b in ui + [label for plot in boxes["plots"] for label in plot["labels"]]:
            check(bar, b)
    return found


def clipped_plot_texts(boxes: dict) -> list[str]:
    """Plot texts not wholly inside their plot's SVG (which clips what lies outside it)."""
    return [f"{label['name']} at {fmt_box(label)} outside {fmt_box(plot['svg'])}"
            for plot in boxes["plots"] for label in plot["labels"]
            if not inside(label, plot["svg"])]


def fmt_box(b: dict) -> str:
    return f"[{b['l']:.0f}..{b['r']:.0f}] x [{b['t']:.0f}..{b['b']:.0f}]"


def scene_pixels(page) -> np.ndarray:
    """The 3-D scene's WebGL canvas as the browser shows it, True where it is not (near) white
    (the mode bar, which sits over the scene, hidden for the picture)."""
    from PIL import Image   # Pillow: a dependency of streamlit

    canvas = page.locator(".dp-surface .gl-container canvas").first
    png = canvas.screenshot(style=".modebar-container { display: none !important; }")
    return np.asarray(Image.open(io.BytesIO(png)).convert("L")) < 235


def pick_lesson(page, title: str) -> None:
    """Pick a lesson from the sidebar's Lesson menu and wait for its view."""
    before = page.evaluate("() => window.__descentPlayer.pathsKey")
    page.locator('[data-testid="stSidebar"]').get_by_role("combobox", name="Lesson").click()
    page.get_by_role("option", name=title).click()
    page.wait_for_function("(before) => { const P = window.__descentPlayer;"
                           " return P && P.pathsKey && P.pathsKey !== before; }", arg=before,
                           timeout=SLOW_S * 1000, polling=250)
    wait_for_player(page)


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"layout-{name}.png"))


# ------------------------------------------------------------------------------------ the checks

def check_layout(page, errors: list[str], name: str, *, whole: bool) -> None:
    """Every check of the module docstring on the page as it is now. `whole`: the surface and
    the map must be whole on the first screen and at least half of it high."""
    page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]').scrollTo(0, 0)")
    screenshot(page, name)
    problems = page_problems(page) + [f"browser console: {e}" for e in errors]
    assert not problems, "\n".join(problems)

    first = page.evaluate(FIRST_SCREEN_JS)
    main = first["main"]
    assert main and 0 <= main["t"] < first["height"], \
        f"{name}: the main figure starts at y = {main and main['t']:.0f}, " \
        f"below the first screen ({first['height']} px)"
    if whole:
        for view in ("surface", "map"):
            box = first[view]
            assert box["t"] >= 0 and box["b"] <= first["height"] + TOL, \
                f"{name}: the {view} spans y = {box['t']:.0f}..{box['b']:.0f}, not all of it " \
                f"on the first screen ({first['height']} px)"
            assert box["h"] >= first["height"] / 2, \
                f"{name}: the {view} is {box['h']:.0f} px high, less than half the screen"

    boxes = page.evaluate(BOXES_JS)
    assert len(boxes["plots"]) == 3 and len(boxes["controls"]) == 8 and boxes["legend"], boxes
    assert all(plot["labels"] for plot in boxes["plots"] if plot["view"] != "dp-surface")
    found = overlaps(boxes)
    assert not found, f"{name}: overlapping:\n" + "\n".join(found)
    clipped = clipped_plot_texts(boxes) + page.evaluate(CLIPPED_TEXT_JS)
    assert not clipped, f"{name}: clipped text:\n" + "\n".join(clipped)

    # the 3-D scene: nothing cut at its canvas's edges, every path inside, and large
    scene = scene_pixels(page)
    edges = {"top": scene[:2], "bottom": scene[-2:], "left": scene[:, :2],
             "right": scene[:, -2:]}
    cut = {side: int(strip.sum()) for side, strip in edges.items() if strip.any()}
    assert not cut, f"{name}: the 3-D scene is cut at its canvas's edges (pixels): {cut}"
    ys, xs = np.nonzero(scene)
    height, width = scene.shape
    spans = (xs.max() - xs.min() + 1) / width, (ys.max() - ys.min() + 1) / height
    assert spans[0] >= 0.8 or spans[1] >= 0.7, \
        f"{name}: the 3-D scene spans only {spans[0]:.0%} of its box's width and " \
        f"{spans[1]:.0%} of its height"
    paths = page.evaluate(PATHS_OFF_3D_JS)
    assert paths["drawn"] > 0 and not paths["off"], \
        f"{name}: path points outside the 3-D view:\n" + "\n".join(paths["off"][:10])


# ------------------------------------------------------------------------------------ the tests

@pytest.mark.parametrize("size", list(SIZES))
def test_the_default_page_fits_each_screen(browser, app_url, size):
    context, page, errors = open_page(browser, app_url, size)
    try:
        check_layout(page, errors, size, whole=size != "phone")
        if size == "phone":   # the results table: on the screen, scrolling sideways inside
            page.locator('[data-testid="stDataFrame"]').scroll_into_view_if_needed()
            table = page.evaluate(TABLE_JS)
            assert table and table["left"] >= 0 and table["right"] <= table["width"], table
            assert table["scroll"] > table["shown"], table   # its columns are reachable
            found = overlaps(page.evaluate(BOXES_JS))   # with the table's toolbar shown
            assert not found, "phone, scrolled to the table:\n" + "\n".join(found)
    except BaseException:
        screenshot(page, f"{size}-failure")
        raise
    finally:
        context.close()


def test_a_lesson_fits_the_projector(browser, app_url):
    context, page, errors = open_page(browser, app_url, "projector")
    try:
        pick_lesson(page, LESSON)
        assert page.get_by_text(f"Lesson: {LESSON}").count() == 1
        check_layout(page, errors, "projector-lesson", whole=False)
    except BaseException:
        screenshot(page, "projector-lesson-failure")
        raise
    finally:
        context.close()
