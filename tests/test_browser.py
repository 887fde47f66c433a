"""End to end in a real browser: ``streamlit run app.py`` opened in Debian's headless Chromium.

What a user does, checked on what the browser actually drew: the default page draws the player's
three views (the 3-D surface through WebGL, the contour map, the loss per step) with gradient
descent's marker where gradient descent written out here puts it; a new loss redraws the
landscape; an invalid loss shows its message while the last good figures stay; the step buttons
and arrow keys move every view by exactly one step; Play moves every view through the same steps
while the contour stays drawn in every sampled frame; dragging a start and clicking the map
change the starts (sidebar sliders, results table, share link); the 1-D Quartic from -1.5 at
learning rate 0.001 shows the worked example's numbers in the step inspector; no exception box or
console error appears on the way. A screenshot is left in ``artifacts/browser.png``.

Needs /usr/bin/chromium (``make deps`` / .ci/run install Debian's package); without it the tests
fail, they do not skip. No browser is ever downloaded. Run alone with
``python -m pytest tests/test_browser.py -q`` (60-100 s on 2 busy cores).
"""
from __future__ import annotations

import contextlib
import time
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from _server import (ROOT, app_url, browser, figures_drawn, page_problems,  # noqa: F401
                     rendered_fraction,
                     streamlit_app)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts"
VIEWPORT = {"width": 1600, "height": 1000}
EXPRESSION_LABEL = "Loss f"          # the text input "Loss f (use ^ or ** for powers)"
NEW_EXPRESSION = "x^2 + 10*y^2"      # a bowl: minimum at the origin, gradient (2x, 20y)
BAD_EXPRESSION = "x^2 + sn(y)"
SLOW_S = 90                          # first draw / rerun with software WebGL on 2 cores


# ------------------------------------------------------------------------------------ fixtures

# app_url and browser: one server and one Chromium for the module (tests/_server.py)


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

    def wait_for_player(self, count: int = 3) -> None:
        """Wait until the player has drawn its `count` plotly.js views and its paths."""
        self.wait_until(lambda: figures_drawn(self.page, count)
                        and self.page.evaluate(PLAYER_READY_JS, count), timeout=SLOW_S,
                        what=f"the player's {count} views drawn", interval=0.25)

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
def opened_at(browser, app_url: str, link: str, failure_shot: str):
    """A session in a context of its own, opened at `link` (a query string), closed afterwards;
    a screenshot of the page is kept when the test fails."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    session = Session(page)            # listening before the page loads
    try:
        with screenshot_on_failure(page, failure_shot):
            page.goto(app_url + "/" + link, wait_until="domcontentloaded")
            yield session
    finally:
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

PLAYER_READY_JS = """(count) => {
    const P = window.__descentPlayer;
    return !!(P && P.paths && P.land && document.querySelectorAll('.js-plotly-plot').length >= count
              && P.mapBox && P.mapBox.dataset.step !== undefined);
}"""


def view_steps(page) -> dict:
    """The step each view last drew (the views set it after drawing) and the player's label."""
    return page.evaluate("""() => {
        const q = (sel) => { const e = document.querySelector(sel);
                             return e && e.dataset.step !== undefined ? Number(e.dataset.step) : null; };
        const label = document.querySelector('.dp-label');
        return {map: q('.dp-map'), surface: q('.dp-surface'), loss: q('.dp-loss'),
                label: label ? label.textContent : null};
    }""")


def player_keys(page) -> dict:
    return page.evaluate("() => { const P = window.__descentPlayer;"
                         " return P ? {land: P.landKey, paths: P.pathsKey, runs: P.paths ? "
                         "P.paths.runs.length : 0, T: P.T} : {}; }")


def map_pixel(page, x: float, y: float) -> dict:
    """Where data point (x, y) is on the map (contour or curve) by plotly.js's own axes, and the
    overlay canvas's RGBA there (the player draws paths and markers on that canvas)."""
    return page.evaluate("""([x, y]) => {
        const gd = document.querySelector('.dp-map .js-plotly-plot');
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        const canvas = document.querySelector('.dp-map canvas.dp-overlay');
        const px = xa.c2p(x), py = ya.c2p(y), dpr = canvas.width / canvas.clientWidth;
        const d = canvas.getContext('2d').getImageData(Math.round(px * dpr), Math.round(py * dpr), 1, 1).data;
        const r = canvas.getBoundingClientRect();
        return {px, py, page_x: r.left + px, page_y: r.top + py, rgba: Array.from(d)};
    }""", [x, y])


def annotation_and_projection(page, x: float, y: float, z: float):
    """Where the player projects 3-D point (x, y, z), and where plotly.js draws an annotation
    placed at that point of the scene (page pixels, centre of the annotation's text box)."""
    return page.evaluate("""async ([x, y, z]) => {
        const P = window.__descentPlayer, gd = P.surfaceDiv;
        await Plotly.relayout(gd, {'scene.annotations': [{x, y, z, text: 'o', showarrow: false,
                                                          xanchor: 'center', yanchor: 'middle'}]});
        await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
        const r = gd.querySelector('.annotation-text-g').getBoundingClientRect();
        const theirs = [r.left + r.width / 2, r.top + r.height / 2];
        const ours = P.project3d(x, y, z);
        await Plotly.relayout(gd, {'scene.annotations': []});
        return [ours, theirs];
    }""", [x, y, z])


def contour_drawn(page) -> int:
    """How many contour paths plotly.js has in the contour map's SVG (0 when it is blank)."""
    return page.evaluate("() => document.querySelectorAll('.dp-map .contourlayer path').length")


def hex_rgb(color: str) -> tuple[int, int, int]:
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))


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


def click_map(session, x: float, y: float) -> None:
    """Click the map (contour or curve) at data point (x, y), as a user does."""
    session.page.locator(".dp-map").scroll_into_view_if_needed()
    at = map_pixel(session.page, x, y)
    session.page.mouse.click(at["page_x"], at["page_y"])


def drag_on_map(session, start: tuple, to: tuple) -> None:
    """Press the mouse on the map at data point `start`, move it to `to` and release."""
    page = session.page
    page.locator(".dp-map").scroll_into_view_if_needed()
    a, b = map_pixel(page, *start), map_pixel(page, *to)
    page.mouse.move(a["page_x"], a["page_y"])
    page.mouse.down()
    for f in (0.25, 0.5, 0.75, 1.0):
        page.mouse.move(a["page_x"] + f * (b["page_x"] - a["page_x"]),
                        a["page_y"] + f * (b["page_y"] - a["page_y"]))
    page.mouse.up()


def player_button(page, title_start: str):
    return page.locator(f'.dp-bar button[title^="{title_start}"]')


def wait_paths_change(session, before: str, what: str) -> dict:
    return session.wait_until(
        lambda: (k := player_keys(session.page)) and k.get("paths") not in (None, before) and k,
        timeout=SLOW_S, what=what)


def gd_path(grad, start, lr: float, steps: int) -> np.ndarray:
    """Plain gradient descent written out here (the engine is not used to check the page)."""
    x = np.array(start, dtype=float)
    out = [x.copy()]
    for _ in range(steps):
        x = x - lr * grad(x)
        out.append(x.copy())
    return np.array(out)


def himmelblau_grad(p):
    x, y = p
    return np.array([4 * x * (x * x + y - 11) + 2 * (x + y * y - 7),
                     2 * (x * x + y - 11) + 4 * y * (x + y * y - 7)])


# ------------------------------------------------------------------------------------ the tests

def test_page_draws_updates_plays_and_survives_a_bad_loss(session):
    page = session.page
    with screenshot_on_failure(page, "browser-failure.png"):
        # 1. The default page (Himmelblau): 3-D surface, contour map and loss per step.
        session.wait_for_player(3)
        session.assert_clean()
        canvas = page.locator(".dp-surface .gl-container canvas").first
        assert rendered_fraction(canvas) > 0.05, "the 3-D surface's WebGL canvas is blank"
        assert contour_drawn(page) > 0
        assert any("11" in tex for tex in latex_sources(page))     # (x^2 + y - 11)^2 + ...
        steps = view_steps(page)
        assert steps["map"] == steps["surface"] == steps["loss"] == 200, steps
        assert steps["label"] == "step 200 of 200"
        # GD from start 1 (0, 0), lr 0.01: its marker is drawn at the point written out here
        # (Adam, black, ends at the same minimum on top of it: hidden by its legend chip first)
        x, y = gd_path(himmelblau_grad, (0.0, 0.0), 0.01, 200)[-1]
        adam = page.locator(".dp-chip", has_text="Adam")
        adam.click()
        pixel = map_pixel(page, x, y)
        assert pixel["rgba"][3] > 200 and \
            np.abs(np.array(pixel["rgba"][:3]) - hex_rgb("#0072B2")).max() < 40, pixel
        adam.click()
        # The 3-D paths are projected onto a canvas over the scene: where plotly.js itself puts a
        # point of the scene (annotations at (3, 2) on the floor and at (0, 0) at its loss,
        # (0 + 0 - 11)^2 + (0 + 0 - 7)^2 = 170).
        for point in ((3.0, 2.0, 0.0), (0.0, 0.0, 170.0), (-4.0, 4.0, 500.0)):
            ours, theirs = annotation_and_projection(page, *point)
            assert abs(ours[0] - theirs[0]) < 2 and abs(ours[1] - theirs[1]) < 2, \
                (point, ours, theirs)

        # 2. A new loss: its LaTeX, a new landscape (a bowl) and new paths.
        keys = player_keys(page)
        box = page.get_by_role("textbox", name=EXPRESSION_LABEL)
        box.fill(NEW_EXPRESSION)
        box.press("Enter")
        page.wait_for_function(
            "() => [...document.querySelectorAll('annotation')]"
            ".some(a => a.textContent.replace(/\\s+/g, '').includes('x^{2}+10y^{2}'))",
            timeout=SLOW_S * 1000)
        rendered = latex_rendered(page)     # the loss and its gradient on one line
        assert any(r.startswith("f(x,y)=x2+10y2∇f=") and "2x" in r and "20y" in r
                   for r in rendered), rendered
        after = session.wait_until(
            lambda: (k := player_keys(page)) and k["land"] != keys["land"]
            and k["paths"] != keys["paths"] and k, timeout=SLOW_S, what="the bowl's landscape")
        session.wait_for_player(3)
        assert contour_drawn(page) > 0
        session.assert_clean()

        # 3. An invalid loss: its message; the last good LaTeX and figures stay; no exception.
        box.fill(BAD_EXPRESSION)
        box.press("Enter")
        error = page.locator('[data-testid="stAlert"]', has_text="did you mean 'sin'")
        error.wait_for(timeout=SLOW_S * 1000)
        assert "Cannot use this loss" in error.inner_text()
        assert "position" in error.inner_text()
        assert page.locator('[data-testid="stCode"]', has_text="sn(y)").count() == 1  # caret
        assert page.locator('[data-testid="stException"]').count() == 0
        session.wait_for_player(3)
        assert player_keys(page)["land"] == after["land"]
        assert any(r.startswith("f(x,y)=x2+10y2") for r in latex_rendered(page))
        session.assert_clean()
        ARTIFACTS.mkdir(exist_ok=True)
        shot = ARTIFACTS / "browser.png"
        page.screenshot(path=str(shot))
        assert shot.stat().st_size > 50_000, f"{shot} is suspiciously small"


def test_one_player_moves_every_view_and_the_landscape_stays(session):
    page = session.page
    with screenshot_on_failure(page, "browser-play-failure.png"):
        session.wait_for_player(3)
        # Step buttons and keys move every view by exactly one step.
        player_button(page, "to the start").click()
        session.wait_until(lambda: view_steps(page)["map"] == 0, timeout=10, what="step 0")
        player_button(page, "one step forward").click()
        steps = session.wait_until(lambda: (v := view_steps(page))["map"] == 1 and v,
                                   timeout=10, what="step 1")
        assert steps == {"map": 1, "surface": 1, "loss": 1, "label": "step 1 of 200"}, steps
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert view_steps(page) == {"map": 3, "surface": 3, "loss": 3, "label": "step 3 of 200"}
        player_button(page, "one step back").click()
        assert view_steps(page)["map"] == view_steps(page)["loss"] == 2
        # At step 2, GD's marker sits where gradient descent written out here is after 2 steps.
        x, y = gd_path(himmelblau_grad, (0.0, 0.0), 0.01, 2)[-1]
        pixel = map_pixel(page, x, y)
        assert pixel["rgba"][3] > 200, pixel

        # Play: every view advances through the same steps; the contour stays drawn in every
        # sampled frame (plotly.js is never asked to redraw it).
        contour_box = page.locator(".dp-map")
        player_button(page, "play").click()
        samples = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            v = view_steps(page)
            samples.append((v, contour_drawn(page)))
            if len(samples) % 5 == 0:
                assert rendered_fraction(contour_box) > 0.3, "the contour map went blank"
            if v["label"] == "step 200 of 200" and v["map"] == 200:
                break
            time.sleep(0.05)
        maps = [v["map"] for v, _ in samples]
        assert len(set(maps)) >= 5, f"the map showed only steps {sorted(set(maps))}"
        assert maps == sorted(maps), "the map's steps went backwards while playing"
        assert all(n > 0 for _, n in samples), "the contour map had no contour paths in a frame"
        final = session.wait_until(lambda: (v := view_steps(page))["surface"] == 200 and v,
                                   timeout=20, what="every view at the last step")
        assert final == {"map": 200, "surface": 200, "loss": 200, "label": "step 200 of 200"}
        session.assert_clean("after Play")


def test_a_drag_moves_a_start_and_a_click_adds_one(session):
    page = session.page
    with screenshot_on_failure(page, "browser-drag-failure.png"):
        session.wait_for_player(3)
        table = session.wait_until(lambda: results_starts(page), timeout=30,
                                   what="the results table")
        rows = len(table)
        per_start = table.count(start_cell(1, (0, 0)))
        assert per_start and rows == 3 * per_start, table
        page.locator(".dp-map").scroll_into_view_if_needed()
        keys = player_keys(page)
        # Drag start 1 from (0, 0) to (2, -1).
        drag_on_map(session, (0.0, 0.0), (2.0, -1.0))
        session.wait_until(lambda: (v := slider_value(page, "start 1: x")) is not None
                           and abs(v - 2.0) < 0.05, timeout=SLOW_S,
                           what="start 1's x slider to follow the drag")
        moved = slider_value(page, "start 1: x"), slider_value(page, "start 1: y")
        assert moved[1] == pytest.approx(-1.0, abs=0.05), moved
        wait_paths_change(session, keys["paths"], "new paths after the drag")
        table = session.wait_until(
            lambda: (t := results_starts(page)) and t.count(start_cell(1, moved)) == per_start
            and t, timeout=SLOW_S, what="the results table to show the dragged start")
        assert len(table) == rows
        # A click on an empty part of the map adds a start there.
        keys = player_keys(page)
        click_map(session, -4.0, 4.0)
        session.wait_until(lambda: slider_value(page, "start 4: y") is not None,
                           timeout=SLOW_S, what="a 4th start in the sidebar after the click")
        new = slider_value(page, "start 4: x"), slider_value(page, "start 4: y")
        assert new == pytest.approx((-4.0, 4.0), abs=0.05), new
        done = wait_paths_change(session, keys["paths"], "new paths after the click")
        session.wait_until(lambda: player_keys(page)["runs"] == rows + per_start,
                           timeout=SLOW_S, what="the new start's paths")
        starts = session.wait_until(lambda: (s := link_starts(page)) and len(s) == 4 and s,
                                    timeout=SLOW_S, what="the new start in the share link")
        assert starts[3] == pytest.approx(new, abs=1e-9)
        assert done
        session.assert_clean("after the drag and the click")


QUARTIC_LINK = "?p=quartic&o=gd&lr=0.001&s=-1.5"


def test_the_1d_curve_plays_and_the_inspector_shows_the_worked_example(browser, app_url):
    with opened_at(browser, app_url, QUARTIC_LINK, "browser-1d-failure.png") as session:
        page = session.page
        session.wait_for_player(2)
        assert not page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                                 ".some(gd => gd._fullLayout._has('gl3d'))")
        sources = latex_sources(page)
        assert any(src.startswith("f(w) = w^{4} - 3 w^{3} + 2")
                   and src.endswith("{f'(w) = 4 w^{3} - 9 w^{2}}")   # braced: kept whole
                   for src in sources), sources
        # The inspector at step 0: f'(-1.5) = 4(-3.375) - 9(2.25) = -33.75, and
        # w1 = -1.5 - 0.001 * (-33.75) = -1.46625 (the worked example).
        player_button(page, "to the start").click()
        session.wait_until(lambda: view_steps(page)["map"] == 0, timeout=10, what="step 0")
        text = page.locator(".dp-inspector").inner_text()
        assert "−33.75" in text, text
        assert "−1.5 − 0.001 × (−33.75) = −1.46625" in text, text
        assert "(recorded: −1.46625)" in text, text
        player_button(page, "one step forward").click()
        text = page.locator(".dp-inspector").inner_text()
        # step 1: f'(-1.46625) = 4 w^3 - 9 w^2 by hand
        w = -1.46625
        g = 4 * w**3 - 9 * w**2
        assert f"−{abs(float(f'{g:.6g}')):g}" in text, (g, text)
        # Play slides the marker along the curve: the map's step grows
        player_button(page, "play").click()
        session.wait_until(lambda: view_steps(page)["map"] >= 20, timeout=30,
                           what="the curve's marker to move")
        player_button(page, "play").click()     # pause
        # A click on the curve adds a start there
        keys = player_keys(page)
        click_map(session, 3.0, 3.0**4 - 3 * 3.0**3 + 2)
        session.wait_until(lambda: slider_value(page, "start 2: w") is not None,
                           timeout=SLOW_S, what="a 2nd start after the click on the curve")
        assert slider_value(page, "start 2: w") == pytest.approx(3.0, abs=0.03)
        wait_paths_change(session, keys["paths"], "the new start's path")
        session.assert_clean("on the 1-D page")


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
    session.wait_for_player(3)
    session.assert_clean()
    clipped = page.evaluate(_CLIPPED_BUTTONS_JS)
    if clipped:
        raise ClippedLabels("buttons whose label is clipped:\n" + "\n".join(clipped))


CONE_LINK = "?f=sqrt(x%5E2%20%2B%20y%5E2)&d=-5,5;-5,5&s=0,0;1,1&o=gd&lr=0.01&n=50"


def test_a_run_that_fails_at_its_start_is_drawn_with_its_marker(browser, app_url):
    """The cone sqrt(x^2 + y^2) has no gradient at its tip (0, 0): the run from there fails at
    step 0 and has no finite point, yet the map shows an ✕ in its colour on its start."""
    with opened_at(browser, app_url, CONE_LINK, "browser-step0-failure.png") as session:
        page = session.page
        session.wait_for_player(3)
        assert page.get_by_text("cannot start at").count() >= 1     # the table says so
        page.locator(".dp-map").scroll_into_view_if_needed()
        hit = map_pixel(page, 0.0, 0.0)              # the ✕ is drawn through its centre
        assert hit["rgba"][3] > 200, hit
        session.assert_clean("with a run that failed at its start")


DATA_LINK = "?data=linear&o=gd,gd%232&lr=0.05&lr.gd%232=0.01&n=60&b=16&ep=1"


def test_the_data_view_draws_the_rows_and_each_runs_line_moving_with_the_player(browser,
                                                                               app_url):
    with opened_at(browser, app_url, DATA_LINK, "browser-data-failure.png") as session:
        page = session.page
        session.wait_for_player(4)                 # surface, contour, loss and data plots
        session.wait_until(lambda: page.evaluate(
            "() => document.querySelector('.dp-data') && document.querySelector('.dp-data')"
            ".dataset.step !== undefined"), timeout=30, what="the data view")
        # the scatter holds the 200 generated rows
        assert page.evaluate("() => document.querySelector('.dp-data .js-plotly-plot')"
                             ".data[0].x.length") == 200
        # each run's line is w*x + b at the run's point of the shown step, in the run's colour
        for step in (13, 60):        # (at step 0 both runs are at the start: one line hides the other)
            page.evaluate(f"() => window.__descentPlayer.go({step})")
            got = page.evaluate("""(k) => {
                const P = window.__descentPlayer, p = P.paths, xs = [-2, 0, 2];
                const gd = document.querySelector('.dp-data .js-plotly-plot');
                const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
                const canvas = document.querySelector('.dp-data canvas.dp-overlay');
                const dpr = canvas.width / canvas.clientWidth, ctx = canvas.getContext('2d');
                return p.runs.map((run, i) => {
                    const params = p.coords.map((c) => c[i * p.t1 + k]);
                    const ys = Array.from(P.modelAt(i, k, xs));
                    const px = xa.c2p(0), py = ya.c2p(ys[1]);
                    let hit = false;        // the run's colour within 2 px of the line at x = 0
                    for (let dy = -2; dy <= 2 && !hit; dy++) {
                        const d = ctx.getImageData(Math.round(px * dpr), Math.round((py + dy) * dpr), 1, 1).data;
                        hit = d[3] > 0 && `#${[d[0], d[1], d[2]].map((v) => v.toString(16).padStart(2, '0')).join('')}`.toUpperCase() === run.color.toUpperCase();
                    }
                    return {params, ys, hit, label: run.label, per: run.per_epoch};
                });
            }""", step)
            assert [r["label"] for r in got] == ["GD lr 0.05", "GD lr 0.01"]
            for r in got:
                b, w = r["params"]
                np.testing.assert_allclose(r["ys"], [-2 * w + b, b, 2 * w + b], rtol=1e-12)
                assert r["hit"], (step, r)
                assert r["per"] == 13                       # ceil(200 / 16) steps per epoch
        # the loss plot counts epochs: 60 steps are 60/13 epochs
        x_range = page.evaluate("() => document.querySelector('.dp-loss .js-plotly-plot')"
                                "._fullLayout.xaxis.range")
        assert x_range[1] == pytest.approx(60 / 13, rel=1e-6)
        assert "epoch 4.62" in view_steps(page)["label"]


def test_the_loss_axis_follows_the_new_paths_after_a_view_with_a_diverged_run(browser, app_url):
    # the default view (autorange), a lesson with a diverged run (a fixed range), then a lesson
    # without one: its curves must be in view (a kept range had shown [-1, 4], cutting them off)
    with opened_at(browser, app_url, "", "browser-loss-axis-failure.png") as session:
        page = session.page
        session.wait_for_player(3)
        for name in ("Three learning rates side by side", "Momentum"):
            key = player_keys(page)["paths"]
            page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').first.click()
            page.get_by_role("option", name=name, exact=True).click()
            wait_paths_change(session, key, f"the paths of the lesson {name!r}")
            time.sleep(1.0)
        # the momentum lesson starts at (-1.8, 0.5): f = 1.8^2 + 25 * 0.5^2 = 9.49, in view
        top = page.evaluate("() => document.querySelector('.dp-loss .js-plotly-plot')"
                            "._fullLayout.yaxis.range[1]")
        assert top >= 1.8**2 + 25 * 0.5**2, top
