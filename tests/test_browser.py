"""End to end in a real browser: ``streamlit run app.py`` opened in Debian's headless Chromium.

What a user does, checked on what the browser actually drew: the default page draws its three
Plotly figures (the 3-D surface through WebGL), typing a new loss changes the LaTeX and the
figures, Play animates the trajectories from step 0 back to the last step, an invalid loss shows
its message while the last good figures stay, and no exception box or browser console error
appears on the way; a click on the contour map adds a start (sidebar sliders, results table and
share link follow); a 1-D loss (the Quartic preset) shows its curve, f(w) and f'(w), and animates.
A screenshot is left in ``artifacts/browser.png``.

Needs /usr/bin/chromium (``make deps`` / .ci/run install Debian's package); without it the tests
fail, they do not skip. No browser is ever downloaded. Run alone with
``python -m pytest tests/test_browser.py -q`` (60-100 s on 2 busy cores).
"""
from __future__ import annotations

import contextlib
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import sync_playwright

from _server import (ROOT, figures_drawn, launch_chromium, page_problems, rendered_fraction,
                     streamlit_app)
from viz import CLICK_CURVE_GROUP, CLICK_GRID_GROUP

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts"
VIEWPORT = {"width": 1600, "height": 1000}
EXPRESSION_LABEL = "Loss f"          # the text input "Loss f (use ^ or ** for powers)"
NEW_EXPRESSION = "x^2 + 10*y^2"      # a bowl: minimum at the origin, gradient (2x, 20y)
BAD_EXPRESSION = "x^2 + sn(y)"
SLOW_S = 90                          # first draw / rerun with software WebGL on 2 cores
QUARTIC_OPTION = "Quartic w^4 - 3w^3 + 2"   # the "Preset landscape" option (landscapes.presets)
CLICK_GRID_CELLS = 40                # viz.create_contour_figure's click grid: 41 x 41 points


# ------------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def app_url():
    with streamlit_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        missing = None
        try:
            chromium = launch_chromium(p)
        except RuntimeError as exc:   # no /usr/bin/chromium: a failure with the reason, no skip
            missing = str(exc)
        if missing:
            pytest.fail(missing, pytrace=False)
        yield chromium
        chromium.close()


class Session:
    """A page on the app plus every console error and uncaught page error it produced."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        page.on("console", self._on_console)
        page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))

    def _on_console(self, message) -> None:
        # Only errors: Chromium's software WebGL logs performance *warnings* ("GPU stall due to
        # ReadPixels", "willReadFrequently"), which say nothing about the app. No error is
        # filtered out: none is expected (the app loads no favicon or resource from outside).
        if message.type == "error":
            where = message.location or {}
            self.errors.append(f"console error: {message.text} ({where.get('url', '?')}:"
                               f"{where.get('lineNumber', '?')})")

    def wait_until(self, predicate, timeout: float, what: str, interval: float = 0.1):
        """Poll `predicate()` until it returns something truthy and return that; fail after
        `timeout` seconds, or at once when the page shows an exception or logs an error."""
        deadline = time.monotonic() + timeout
        next_check = 0.0
        while True:
            value = predicate()
            if value:
                return value
            now = time.monotonic()
            if now >= next_check:           # the page's health, about once a second
                self.assert_clean(f"while waiting for {what}")
                next_check = now + 1.0
            if now > deadline:
                pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")
            time.sleep(interval)

    def wait_for_figures(self, count: int = 3) -> None:
        self.wait_until(lambda: figures_drawn(self.page, count), timeout=SLOW_S,
                        what=f"{count} drawn Plotly figures", interval=0.25)

    def wait_for_kinds(self, *kinds: str) -> None:
        """Wait until the page's figures are exactly `kinds` (any order), all of them drawn: the
        figures of the last run are gone, those of the new run are there."""
        want = sorted(kinds)
        self.wait_until(lambda: sorted(figure_kinds(self.page)) == want
                        and figures_drawn(self.page, len(want)), timeout=SLOW_S,
                        what=f"the figures {want} (and no other) drawn", interval=0.25)

    def select_preset(self, option: str) -> None:
        """Pick `option` in the "Preset landscape" selectbox (a combobox and its listbox)."""
        self.page.get_by_role("combobox", name="Preset landscape").click()
        self.page.get_by_role("option", name=option, exact=True).click()

    def open_quartic(self) -> None:
        """From the default page, pick the 1-D Quartic preset and wait until the rerun is done:
        curve and loss figures drawn, and the sidebar's two 1-D start sliders (it may still show
        the 2-D ones while the rerun finishes)."""
        self.wait_for_kinds("surface", "contour", "loss")
        self.select_preset(QUARTIC_OPTION)
        self.wait_for_kinds("curve", "loss")
        self.wait_until(lambda: start_sliders(self.page) == ["start 1: w", "start 2: w"],
                        timeout=30, what="the quartic's two start sliders (rerun finished)")

    def assert_clean(self, when: str = "") -> None:
        """No WebGL failure, no exception box, no console or page error so far."""
        problems = page_problems(self.page)
        if self.errors:
            problems.append("browser console errors:\n" + "\n".join(self.errors))
        assert not problems, (f"{when}: " if when else "") + "\n".join(problems)


@pytest.fixture
def session(browser, app_url):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    session = Session(page)            # listening before the page loads
    page.goto(app_url, wait_until="domcontentloaded")
    yield session
    context.close()


@contextlib.contextmanager
def screenshot_on_failure(page, name: str):
    """Keep what the browser showed when a step fails (artifacts/ is git-ignored)."""
    try:
        yield
    except BaseException:
        with contextlib.suppress(Exception):
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / name))
        raise


# --------------------------------------------------------------------------- reading the page

# The Plotly figure whose layout.meta.kind is `kind` ("surface", "contour", "loss"), as plotly.js
# holds it: gd.data (what Streamlit sent), gd._fullData (decoded, with defaults), frames.
_FIGURE_JS = "(kind) => [...document.querySelectorAll('.js-plotly-plot')]" \
             ".find(gd => gd.layout && gd.layout.meta && gd.layout.meta.kind === kind)"


def figure_kinds(page) -> list:
    """The layout.meta.kind of every Plotly figure on the page, in page order."""
    return page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                         ".map(gd => (gd.layout && gd.layout.meta && gd.layout.meta.kind) || '')")


def figure_index(page, kind: str) -> int:
    kinds = figure_kinds(page)
    assert kind in kinds, f"no {kind} figure on the page, only {kinds}"
    return kinds.index(kind)


def figure_locator(page, kind: str):
    return page.locator(".js-plotly-plot").nth(figure_index(page, kind))


def contour_state(page) -> dict:
    """The contour grid's fingerprint and where its lowest value lies."""
    return page.evaluate(f"""() => {{
        const gd = ({_FIGURE_JS})('contour');
        if (!gd || !gd._fullData) return null;
        const t = gd._fullData[0], z = t.z;
        let sum = 0, best = Infinity, at = null;
        for (let i = 0; i < z.length; i++) for (let j = 0; j < z[i].length; j++) {{
            const v = z[i][j];
            if (v === null || !isFinite(v)) continue;
            sum += v * (1 + ((i * 31 + j) % 7));
            if (v < best) {{ best = v; at = [t.x[j], t.y[i]]; }}
        }}
        const step = [t.x[1] - t.x[0], t.y[1] - t.y[0]];
        return {{type: t.type, rows: z.length, fingerprint: sum, argmin: at, step: step}};
    }}""")


def animation_state(page, kind: str = "contour") -> dict:
    """An animated figure's frame count, slider position, current-marker and path sizes."""
    return page.evaluate(f"""(kind) => {{
        const gd = ({_FIGURE_JS})(kind);
        if (!gd || !gd._fullData || !gd._transitionData) return null;
        const frames = gd._transitionData._frames || [];
        const moving = frames.length ? frames[0].traces : [];
        const half = moving.length / 2;
        const markers = moving.slice(half).map(i => gd._fullData[i]);
        const paths = moving.slice(0, half).map(i => gd._fullData[i]);
        return {{
            frames: frames.length,
            slider: gd._fullLayout.sliders && gd._fullLayout.sliders.length
                    ? gd._fullLayout.sliders[0].active : null,
            playing: !!gd._transitionData._animationRaf,
            markers: markers.map(t => [t.x[0], t.y[0]]),
            path_points: paths.map(t => t.x.length),
        }};
    }}""", kind)


def latex_sources(page) -> list[str]:
    """The TeX source of every formula KaTeX rendered (its MathML annotation)."""
    return page.evaluate("() => [...document.querySelectorAll("
                         "'annotation[encoding=\"application/x-tex\"]')].map(a => a.textContent)")


def latex_rendered(page) -> list[str]:
    """What KaTeX drew (its HTML layer), whitespace removed."""
    return page.evaluate("() => [...document.querySelectorAll('.katex-html')]"
                         ".map(e => e.innerText.replace(/\\s+/g, ''))")


def start_sliders(page) -> list[str]:
    """The labels of the sidebar's start sliders ("start 1: x", "start 1: y", ...)."""
    return page.evaluate("() => [...document.querySelectorAll("
                         "'[data-testid=\"stSidebar\"] input[type=range]')]"
                         ".map(e => e.getAttribute('aria-label'))"
                         ".filter(label => label && label.startsWith('start '))")


def slider_value(page, label: str) -> float | None:
    """The value of the slider labelled `label`, None while there is no such slider."""
    # By aria-label: the accessible name also takes the group's label (aria-labelledby).
    slider = page.locator(f'[data-testid="stSidebar"] input[type=range][aria-label="{label}"]')
    return float(slider.input_value()) if slider.count() == 1 else None


def results_starts(page) -> list[str] | None:
    """The "start" cell of every row of the results table (st.dataframe), from the data grid's
    accessible table, which it builds only once it is scrolled into view."""
    frame = page.locator('[data-testid="stDataFrame"]')
    if frame.count() != 1:
        return None
    frame.scroll_into_view_if_needed()
    return page.evaluate("""() => {
        const rows = [...document.querySelectorAll('[data-testid="stDataFrame"] table tr')]
            .map(r => [...r.querySelectorAll('th, td')].map(c => c.innerText.trim()));
        if (!rows.length) return null;
        const col = rows[0].indexOf('start');
        return col < 0 ? null : rows.slice(1).map(r => r[col]);
    }""")


def start_cell(i: int, point) -> str:
    """How the results table names start `i` (1-based) at `point`: "4 (1.25, -3.5)"."""
    return f"{i} (" + ", ".join(f"{c:.4g}" for c in point) + ")"


def link_starts(page) -> list[tuple[float, ...]] | None:
    """The starts in the share link (the st.code box under "Share this exact view")."""
    code = page.locator('[data-testid="stCode"]', has_text="?f=")
    if code.count() != 1:
        return None
    query = parse_qs(urlsplit("".join(code.inner_text().split())).query)
    return [tuple(map(float, p.split(","))) for p in query["s"][0].split(";") if p]


# Listen for the next plotly_selected event of figure `kind` and give the plot-area pixel of the
# data point (x, y) (relative to the drag layer `.nsewdrag`, which spans exactly the plot area).
_ARM_CLICK_JS = f"""([kind, x, y]) => {{
    const gd = ({_FIGURE_JS})(kind);
    window.__descentSelected = undefined;
    gd.once('plotly_selected', e => {{
        window.__descentSelected = (e && e.points ? e.points : []).map(p => ({{
            curve: p.curveNumber, x: p.x, y: p.y,
            group: p.fullData ? p.fullData.legendgroup : null}}));
    }});
    const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
    return {{x: xa.l2p(x), y: ya.l2p(y)}};
}}"""


def click_data_point(session, kind: str, x: float, y: float) -> list[dict]:
    """Click figure `kind` at data coordinates (x, y), as a user does; return the points that
    plotly.js selected for it (what Streamlit sends to the app: curve, x, y, legendgroup)."""
    page = session.page
    target = page.evaluate(_ARM_CLICK_JS, [kind, x, y])
    area = figure_locator(page, kind).locator(".nsewdrag").first
    box = area.bounding_box()
    assert box and 0 < target["x"] < box["width"] and 0 < target["y"] < box["height"], \
        f"({x}, {y}) is outside the {kind} figure's plot area: {target}, {box}"
    area.click(position={"x": target["x"], "y": target["y"]})
    selected = session.wait_until(
        lambda: (v := page.evaluate("() => window.__descentSelected ?? null")) is not None
        and [v], timeout=15, what=f"plotly.js to report what the click on the {kind} selected")
    return selected[0]


def play_animates(session, kind: str) -> None:
    """Press Play on figure `kind`: the animation restarts from step 0, the markers move along x,
    early frames draw shorter paths, and it ends on the last step, which is the final state."""
    page = session.page
    session.wait_until(lambda: (animation_state(page, kind) or {}).get("frames", 0) >= 3,
                       timeout=30, what=f"the {kind} figure's animation frames")
    final = animation_state(page, kind)
    last = final["frames"] - 1
    assert final["slider"] == last and not final["playing"], final
    play = figure_locator(page, kind).locator(".updatemenu-button", has_text="Play")
    assert play.count() == 1
    play.click()
    seen = []

    def early():
        return [s for s in seen if s["slider"] is not None and s["slider"] < last // 2]

    def moved():
        state = animation_state(page, kind)
        if not state:
            return None
        seen.append(state)
        xs = {tuple(m[0] for m in s["markers"]) for s in seen}
        return len(xs) >= 3 and early() and state

    session.wait_until(moved, timeout=30, interval=0.05,
                       what=f"the {kind} figure's markers to move after Play")
    early = early()[0]
    assert sum(early["path_points"]) < sum(final["path_points"]), \
        "an early frame should draw shorter paths than the final state"
    done = session.wait_until(
        lambda: (s := animation_state(page, kind)) and s["slider"] == last and not s["playing"]
        and s, timeout=60, what=f"the {kind} animation to reach its last frame")
    assert done["markers"] == final["markers"], "the last frame is not the final state"
    session.assert_clean(f"after playing the {kind} animation")


# ------------------------------------------------------------------------------------ the tests

def test_page_draws_updates_animates_and_survives_a_bad_loss(session):
    page = session.page
    with screenshot_on_failure(page, "browser-failure.png"):
        # 1. The default page (Himmelblau): surface, contour map and loss-per-step chart drawn.
        session.wait_for_figures()
        kinds = figure_kinds(page)
        assert sorted(kinds) == ["contour", "loss", "surface"], kinds
        session.assert_clean()
        surface = figure_locator(page, "surface")
        canvas = surface.locator(".gl-container canvas").first
        assert rendered_fraction(canvas) > 0.05, "the 3-D surface's WebGL canvas is blank"
        contour_plot = figure_locator(page, "contour")
        assert contour_plot.locator(".contourlayer path").count() > 0
        assert contour_plot.locator(".scatterlayer .trace").count() > 0
        before = contour_state(page)
        assert before["type"] == "contour"
        assert any("11" in tex for tex in latex_sources(page))     # (x^2 + y - 11)^2 + ...

        # 2. A new loss: its LaTeX, and a contour map of a bowl centred on the origin.
        box = page.get_by_role("textbox", name=EXPRESSION_LABEL)
        box.fill(NEW_EXPRESSION)
        box.press("Enter")
        page.wait_for_function(
            "() => [...document.querySelectorAll('annotation')]"
            ".some(a => a.textContent.replace(/\\s+/g, '').includes('x^{2}+10y^{2}'))",
            timeout=SLOW_S * 1000)
        rendered = latex_rendered(page)
        assert "f(x,y)=x2+10y2" in rendered, rendered
        assert any(r.startswith("∇f=") and "2x" in r and "20y" in r for r in rendered), rendered
        after = session.wait_until(
            lambda: (s := contour_state(page)) and s["fingerprint"] != before["fingerprint"]
            and s, timeout=SLOW_S, what="the contour map of the new loss")
        session.wait_for_figures()
        (mx, my), (dx, dy) = after["argmin"], after["step"]
        assert abs(mx) <= abs(dx) and abs(my) <= abs(dy), \
            f"the new contour's lowest point is at {after['argmin']}, not at the origin"
        session.assert_clean()

        # 3. Play: the animation restarts from step 0, the markers move, it ends on the last step.
        play_animates(session, "contour")

        # 4. An invalid loss: its message, the last good LaTeX and figures stay, no exception.
        box.fill(BAD_EXPRESSION)
        box.press("Enter")
        error = page.locator('[data-testid="stAlert"]', has_text="did you mean 'sin'")
        error.wait_for(timeout=SLOW_S * 1000)
        assert "Cannot use this loss" in error.inner_text()
        assert "position" in error.inner_text()
        assert page.locator('[data-testid="stCode"]', has_text="sn(y)").count() == 1  # caret
        assert page.locator('[data-testid="stException"]').count() == 0
        session.wait_for_figures()
        assert contour_state(page)["fingerprint"] == after["fingerprint"]
        assert "f(x,y)=x2+10y2" in latex_rendered(page)
        session.assert_clean()

        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "browser.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 50_000, f"{shot} is suspiciously small"


def axis_ranges(page, kind: str) -> list[list[float]]:
    """[[x_lo, x_hi], [y_lo, y_hi]] of figure `kind` as plotly.js laid it out."""
    return page.evaluate(f"(kind) => {{ const l = ({_FIGURE_JS})(kind)._fullLayout;"
                         f" return [l.xaxis.range, l.yaxis.range]; }}", kind)


# Where the tests click: away from every trajectory, minimum and critical point of the default
# page (Himmelblau, starts (0, 0), (-1, 0.5), (-0.5, -1.5)) and between click-grid nodes, so the
# new start is the nearest node, (1.25, -3.5).
CONTOUR_CLICK = (1.3, -3.6)
# On the quartic's curve, left of every trajectory (they start at -1.5 and 3.5 and move inwards).
CURVE_CLICK_W = -1.8


def test_click_on_the_contour_map_adds_a_start(session):
    page = session.page
    with screenshot_on_failure(page, "browser-click-failure.png"):
        # The default page: three starts in the sidebar, the table and the link.
        session.wait_for_kinds("surface", "contour", "loss")
        assert start_sliders(page) == [f"start {i}: {v}" for i in (1, 2, 3) for v in "xy"]
        before = session.wait_until(lambda: link_starts(page), timeout=30,
                                    what="the share link")   # the page's last element
        assert len(before) == 3, before
        table = session.wait_until(lambda: results_starts(page), timeout=30,
                                   what="the results table")
        rows = len(table)
        per_start = table.count(start_cell(1, before[0]))       # one row per optimizer
        assert per_start and rows == 3 * per_start, table
        paths = len(animation_state(page)["path_points"])
        assert paths == rows, f"{paths} paths on the contour map, {rows} result rows"
        session.assert_clean()

        # The click: plotly.js selects the click grid's node nearest to the clicked point.
        x, y = CONTOUR_CLICK
        (x_lo, x_hi), (y_lo, y_hi) = axis_ranges(page, "contour")
        cell = ((x_hi - x_lo) / CLICK_GRID_CELLS, (y_hi - y_lo) / CLICK_GRID_CELLS)
        selected = click_data_point(session, "contour", x, y)
        grid = [p for p in selected if p["group"] == CLICK_GRID_GROUP]
        assert grid, f"the click at ({x}, {y}) selected no click-grid point: {selected}"
        assert abs(grid[-1]["x"] - x) <= cell[0] and abs(grid[-1]["y"] - y) <= cell[1], grid

        # The rerun: a 4th start near the clicked point, a row per optimizer for it, its path on
        # the map, and the share link with the three old starts and the new one.
        session.wait_until(lambda: slider_value(page, "start 4: y") is not None,
                           timeout=SLOW_S, what="a 4th start in the sidebar after the click")
        new = slider_value(page, "start 4: x"), slider_value(page, "start 4: y")
        assert abs(new[0] - x) <= cell[0] and abs(new[1] - y) <= cell[1], \
            f"start 4 is {new}, the click was at ({x}, {y}) (grid cell {cell})"
        assert start_sliders(page) == [f"start {i}: {v}" for i in (1, 2, 3, 4) for v in "xy"]
        table = session.wait_until(
            lambda: (t := results_starts(page)) and len(t) == rows + per_start and t,
            timeout=SLOW_S, what=f"{rows + per_start} rows in the results table")
        assert table.count(start_cell(4, new)) == per_start, table
        starts = session.wait_until(lambda: (s := link_starts(page)) and len(s) == 4 and s,
                                    timeout=SLOW_S, what="the new start in the share link")
        assert starts[:3] == before, f"the link's old starts changed: {starts}"
        assert starts[3] == pytest.approx(new, abs=1e-9), f"link {starts[3]}, sliders {new}"
        session.wait_until(
            lambda: len((animation_state(page) or {}).get("path_points", ())) == rows + per_start,
            timeout=SLOW_S, what="the new start's paths on the contour map")
        session.wait_for_kinds("surface", "contour", "loss")
        session.assert_clean("after the click")


def test_a_1d_loss_shows_its_curve_and_animates(session):
    page = session.page
    with screenshot_on_failure(page, "browser-1d-failure.png"):
        session.open_quartic()
        # The curve and the loss per step; no 3-D surface (no WebGL scene), no contour map.
        assert not page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                                 ".some(gd => gd._fullLayout._has('gl3d'))")
        assert page.get_by_role("textbox", name=EXPRESSION_LABEL).input_value() \
            == "w^4 - 3*w^3 + 2"
        session.wait_until(lambda: "f(w)=w4−3w3+2" in latex_rendered(page), timeout=30,
                           what="the quartic's LaTeX")
        sources = latex_sources(page)
        assert "f(w) = w^{4} - 3 w^{3} + 2" in sources, sources
        assert "f'(w) = 4 w^{3} - 9 w^{2}" in sources, sources
        assert "f′(w)=4w3−9w2" in latex_rendered(page), latex_rendered(page)
        session.assert_clean("after picking the Quartic preset")
        # Play: the markers slide along the curve (their w changes) and end on the last step.
        play_animates(session, "curve")


class NoCurvePointSelected(AssertionError):
    """A click on the 1-D curve selected none of its points."""


def test_click_on_the_1d_curve_adds_a_start(session):
    page = session.page
    with screenshot_on_failure(page, "browser-curve-click-failure.png"):
        session.open_quartic()
        w = CURVE_CLICK_W
        selected = click_data_point(session, "curve", w, w**4 - 3 * w**3 + 2)
        if not any(p["group"] == CLICK_CURVE_GROUP for p in selected):
            raise NoCurvePointSelected(f"the click on the curve at w = {w} selected {selected}")
        session.wait_until(lambda: slider_value(page, "start 3: w") is not None,
                           timeout=SLOW_S, what="a 3rd start in the sidebar after the click")
        (lo, hi), _ = axis_ranges(page, "curve")
        assert abs(slider_value(page, "start 3: w") - w) <= 2 * (hi - lo) / 400
        session.wait_for_kinds("curve", "loss")
        session.assert_clean("after the click on the curve")


# Every button's label (text or icon) must be readable, not clipped by a too narrow button.
_CLIPPED_BUTTONS_JS = """() => {
    const clipped = [];
    for (const button of document.querySelectorAll('button')) {
        const r = button.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;             // not displayed
        for (const leaf of button.querySelectorAll('p, svg, [data-testid="stIconMaterial"]')) {
            const own = leaf.getBoundingClientRect();
            if (own.width === 0) continue;
            let left = own.left, right = own.right;
            for (let el = leaf.parentElement; el && el !== button.parentElement;
                 el = el.parentElement) {
                if (getComputedStyle(el).overflowX === 'visible') continue;
                const box = el.getBoundingClientRect();
                left = Math.max(left, box.left);
                right = Math.min(right, box.right);
            }
            if (right - left < 0.9 * own.width)
                clipped.push(`${JSON.stringify(button.innerText)} (${button.getAttribute('title')
                    || button.getAttribute('aria-label') || button.dataset.testid}): `
                    + `${Math.max(0, right - left).toFixed(0)} of `
                    + `${own.width.toFixed(0)} px shown`);
        }
    }
    return clipped;
}"""


class ClippedLabels(AssertionError):
    """Buttons whose label is clipped."""


def test_every_button_label_is_visible(session):
    page = session.page
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Add a start").wait_for(timeout=SLOW_S * 1000)
    session.wait_for_figures()
    session.assert_clean()
    clipped = page.evaluate(_CLIPPED_BUTTONS_JS)
    if clipped:
        raise ClippedLabels("buttons whose label is clipped:\n" + "\n".join(clipped))
