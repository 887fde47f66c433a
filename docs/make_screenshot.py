"""Take the README's screenshot from the real app: ``python docs/make_screenshot.py``.

Starts ``streamlit run app.py`` headless (the same helper as tests/test_browser.py), opens the
default page in Debian's headless Chromium at a 1280x720 viewport, waits until the three Plotly
figures are drawn (the 3-D surface through WebGL), checks that the page shows no exception and
the browser logged no error, and writes docs/screenshot.png (the viewport: the top of the page).

``--query`` opens a link instead (e.g. a lesson's), ``--scroll-to`` a CSS selector scrolls the page
so that element is in the middle of the screen (``.dp-lower``: the loss plot and the data view).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _server import (launch_chromium, page_problems, rendered_fraction,  # noqa: E402
                     streamlit_app, wait_for_figures)

VIEWPORT = {"width": 1280, "height": 720}    # what a projector shows
MAX_BYTES = 1_000_000


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--query", default="", help="a link's query, e.g. '?data=linear'")
    parser.add_argument("--scroll-to", default="", help="a CSS selector to scroll to the middle")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    # toolbarMode "viewer": no developer "Deploy" button in the picture.
    with streamlit_app(extra_args=["--client.toolbarMode", "viewer"]) as url, \
            sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            errors: list[str] = []
            page.on("console", lambda m: m.type == "error" and errors.append(m.text))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url + "/" + args.query, wait_until="domcontentloaded")
            wait_for_figures(page, 3, timeout_ms=90_000)
            page.wait_for_function("() => window.__descentPlayer"
                                   " && window.__descentPlayer.stats.drawnAt", timeout=90_000)
            surface = page.locator(".js-plotly-plot .gl-container canvas").first
            problems = page_problems(page) + errors
            if rendered_fraction(surface) < 0.05:
                problems.append("the 3-D surface's WebGL canvas is blank")
            if problems:
                print("not saving a screenshot of a broken page:\n" + "\n".join(problems),
                      file=sys.stderr)
                return 1
            page.mouse.move(1590, 600)         # right margin: no hover label, no sidebar button
            page.evaluate("() => document.querySelector('[data-testid=\"stMain\"]')"
                          ".scrollTo(0, 0)")   # the element screenshot above may have scrolled
            if args.scroll_to:
                page.locator(args.scroll_to).first.evaluate(
                    "e => e.scrollIntoView({block: 'center'})")
            page.wait_for_timeout(500)
            args.output.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(args.output))
        finally:
            browser.close()
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({size / 1000:.0f} kB)")
    if size > MAX_BYTES:
        print(f"{args.output} is over {MAX_BYTES / 1e6:.0f} MB", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
