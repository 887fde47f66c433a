"""End to end in a real browser: ``streamlit run app.py`` opened in Debian's headless Chromium.

What a user does, checked on what the browser actually drew: the default page draws its three
Plotly figures (the 3-D surface through WebGL), typing a new loss changes the LaTeX and the
figures, Play animates the trajectories from step 0 back to the last step, an invalid loss shows
its message while the last good figures stay, and no exception box or browser console error
appears on the way. A screenshot is left in ``artifacts/browser.png``.

Needs /usr/bin/chromium (``make deps`` / .ci/run install Debian's package); without it the tests
fail, they do not skip. No browser is ever downloaded. Run alone with
``python -m pytest tests/test_browser.py -q`` (30-55 s on 2 busy cores).
"""
from __future__ import annotations

import contextlib
import time

import pytest
from playwright.sync_api import sync_playwright

from _server import (ROOT, figures_drawn, launch_chromium, page_problems, rendered_fraction,
                     streamlit_app)

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "artifacts"
VIEWPORT = {"width": 1600, "height": 1000}
EXPRESSION_LABEL = "Loss f"          # the text input "Loss f (use ^ or ** for powers)"
NEW_EXPRESSION = "x^2 + 10*y^2"      # a bowl: minimum at the origin, gradient (2x, 20y)
BAD_EXPRESSION = "x^2 + sn(y)"
SLOW_S = 90                          # first draw / rerun with software WebGL on 2 cores


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


def figure_index(page, kind: str) -> int:
    kinds = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                          ".map(gd => gd.layout && gd.layout.meta && gd.layout.meta.kind)")
    assert kind in kinds, f"no {kind} figure on the page, only {kinds}"
    return kinds.index(kind)


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


def animation_state(page) -> dict:
    """Contour animation: frame count, slider position, current-marker and path sizes."""
    return page.evaluate(f"""() => {{
        const gd = ({_FIGURE_JS})('contour');
        if (!gd || !gd._fullData) return null;
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
    }}""")


def latex_sources(page) -> list[str]:
    """The TeX source of every formula KaTeX rendered (its MathML annotation)."""
    return page.evaluate("() => [...document.querySelectorAll("
                         "'annotation[encoding=\"application/x-tex\"]')].map(a => a.textContent)")


def latex_rendered(page) -> list[str]:
    """What KaTeX drew (its HTML layer), whitespace removed."""
    return page.evaluate("() => [...document.querySelectorAll('.katex-html')]"
                         ".map(e => e.innerText.replace(/\\s+/g, ''))")


# ------------------------------------------------------------------------------------- the test

def test_page_draws_updates_animates_and_survives_a_bad_loss(session):
    page = session.page
    with screenshot_on_failure(page, "browser-failure.png"):
        # 1. The default page (Himmelblau): surface, contour map and loss-per-step chart drawn.
        session.wait_for_figures()
        kinds = page.evaluate("() => [...document.querySelectorAll('.js-plotly-plot')]"
                              ".map(gd => gd.layout.meta && gd.layout.meta.kind)")
        assert sorted(kinds) == ["contour", "loss", "surface"], kinds
        session.assert_clean()
        surface = page.locator(".js-plotly-plot").nth(figure_index(page, "surface"))
        canvas = surface.locator(".gl-container canvas").first
        assert rendered_fraction(canvas) > 0.05, "the 3-D surface's WebGL canvas is blank"
        contour_plot = page.locator(".js-plotly-plot").nth(figure_index(page, "contour"))
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
        session.wait_until(lambda: (animation_state(page) or {}).get("frames", 0) >= 3,
                           timeout=30, what="the new contour figure's animation frames")
        final = animation_state(page)
        last = final["frames"] - 1
        assert final["slider"] == last and not final["playing"], final
        play = contour_plot.locator(".updatemenu-button", has_text="Play")
        assert play.count() == 1
        play.click()
        seen = []

        def moved():
            state = animation_state(page)
            if not state:
                return None
            seen.append(state)
            positions = {tuple(map(tuple, s["markers"])) for s in seen}
            early = [s for s in seen if s["slider"] is not None and s["slider"] < last // 2]
            return len(positions) >= 3 and early and state

        session.wait_until(moved, timeout=30, interval=0.05,
                           what="the trajectories to move after Play")
        early = [s for s in seen if s["slider"] < last // 2][0]
        assert sum(early["path_points"]) < sum(final["path_points"]), \
            "an early frame should draw shorter paths than the final state"
        done = session.wait_until(
            lambda: (s := animation_state(page)) and s["slider"] == last and not s["playing"]
            and s, timeout=60, what="the animation to reach its last frame")
        assert done["markers"] == final["markers"], "the last frame is not the final state"
        session.assert_clean()

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
    """Buttons whose label is clipped (only this failure is the expected one below)."""


def test_every_button_label_is_visible(session):
    page = session.page
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Add a start").wait_for(timeout=SLOW_S * 1000)
    session.wait_for_figures()
    session.assert_clean()
    clipped = page.evaluate(_CLIPPED_BUTTONS_JS)
    if clipped:
        raise ClippedLabels("buttons whose label is clipped:\n" + "\n".join(clipped))
