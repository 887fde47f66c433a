"""What a person feels, measured in headless Debian Chromium (software WebGL) on this machine.

Printed beside the player issue's targets, never asserted:
- first figure: navigation to the first view (the contour map) drawn with its paths, and to every
  view (a fresh browser profile, so plotly.js is downloaded; then a reload, with plotly.js from
  the browser cache): target 2.5 s;
- control change to new paths on screen: the learning-rate slider moved with the keyboard, until
  the player has drawn the new paths (median of several moves): target 400 ms;
- playing: view updates per second of the 2-D views (contour map, loss) and of the 3-D surface
  while Play runs at 60 steps/s, and whether the contour had its paths in every sampled frame:
  targets 20 and 10;
- bytes: the player's message and plotly.js as transferred (gzip) on first load and on reload.
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _server import launch_chromium, streamlit_app  # noqa: E402

READY = """() => { const P = window.__descentPlayer;
    return !!(P && P.paths && P.stats.drawnAt && document.querySelectorAll('.js-plotly-plot').length >= 3); }"""


def _first_figure(context, url: str) -> tuple[float, float, int]:
    """Seconds from navigation to the first view (the contour map with its paths) and to every
    view drawn (the browser's own clock, performance.now(), counts from navigation), and the
    bytes of plotly.js transferred."""
    page = context.new_page()
    page.goto(url, wait_until="commit")
    page.wait_for_function(READY, timeout=120_000, polling=50)
    first, every = page.evaluate("() => [window.__descentPlayer.stats.t_first_view,"
                                 " window.__descentPlayer.stats.drawnAt]")
    plotly = page.evaluate("() => performance.getEntriesByType('resource')"
                           ".filter(e => e.name.includes('plotly'))"
                           ".map(e => e.transferSize).reduce((a, b) => a + b, 0)")
    page.close()
    return first / 1e3, every / 1e3, plotly


def _latency(page, moves: int = 7) -> list[float]:
    slider = page.get_by_role("slider", name="Gradient descent")     # GD's own rate
    out = []
    for i in range(moves):
        key = page.evaluate("() => window.__descentPlayer.pathsKey")
        slider.focus()
        page.evaluate("() => { window.__t0 = performance.now(); }")
        page.keyboard.press("ArrowLeft" if i % 2 else "ArrowRight")
        page.wait_for_function("(k) => window.__descentPlayer.pathsKey !== k", arg=key,
                               timeout=60_000, polling=20)
        out.append(page.evaluate("() => window.__descentPlayer.stats.drawnAt - window.__t0"))
        time.sleep(0.3)
    return out


def _playing(page, seconds: float = 6.0) -> dict:
    page.evaluate("""() => { const P = window.__descentPlayer; P.pause(); P.go(0);
        P.speedSel.value = '50'; P.speed = 50; }""")
    page.locator(".dp-map").scroll_into_view_if_needed()
    before = page.evaluate("() => ({...window.__descentPlayer.stats})")
    page.evaluate("() => window.__descentPlayer.play()")
    samples, t0 = [], time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        samples.append(page.evaluate(
            "() => document.querySelectorAll('.dp-map .contourlayer path').length"))
        time.sleep(0.1)
    after = page.evaluate("() => ({...window.__descentPlayer.stats})")
    elapsed = time.perf_counter() - t0
    page.evaluate("() => window.__descentPlayer.pause()")
    return {view: (after[view] - before[view]) / elapsed for view in ("map", "loss", "surface")} \
        | {"contour_in_every_sample": all(n > 0 for n in samples), "samples": len(samples)}


def main() -> None:
    from playwright.sync_api import sync_playwright

    with streamlit_app() as url, sync_playwright() as p:
        browser = launch_chromium(p)
        context = browser.new_context(viewport={"width": 1600, "height": 1000})
        cold, cold_all, plotly_cold = _first_figure(context, url)
        warm, warm_all, plotly_warm = _first_figure(context, url)
        page = context.new_page()
        page.goto(url)
        page.wait_for_function(READY, timeout=120_000)
        message = page.evaluate("() => window.__descentPlayer.stats.bytes")
        moves = _latency(page)
        play = _playing(page)
        browser.close()
    print(f"{'first figure, fresh profile':44s} {cold:7.2f} s    target 2.5 s   "
          f"(every view: {cold_all:.2f} s)")
    print(f"{'first figure, reload (plotly.js cached)':44s} {warm:7.2f} s    target 2.5 s   "
          f"(every view: {warm_all:.2f} s)")
    print(f"{'lr change -> new paths drawn (median)':44s} {statistics.median(moves):7.0f} ms   "
          f"target 400 ms   (all: {', '.join(f'{m:.0f}' for m in moves)})")
    print(f"{'contour map updates per second (playing)':44s} {play['map']:7.1f}      target 20")
    print(f"{'loss plot updates per second (playing)':44s} {play['loss']:7.1f}      target 20")
    print(f"{'3-D surface updates per second (playing)':44s} {play['surface']:7.1f}      target 10")
    print(f"{'contour drawn in every sampled frame':44s} {str(play['contour_in_every_sample']):>7s}"
          f"      ({play['samples']} samples)")
    print(f"{'player message (default view)':44s} {message / 1e3:7.0f} kB   target < 1 MB")
    print(f"{'plotly.js transferred: first load / reload':44s} {plotly_cold / 1e6:7.2f} MB / "
          f"{plotly_warm / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
