"""Shared by the browser test and docs/make_screenshot.py: run the app, drive headless Chromium.

`streamlit_app()` starts ``streamlit run app.py`` headless on a free port from the repository
root, waits for ``/_stcore/health`` and always stops the whole process group afterwards.
`launch_chromium()` opens Debian's /usr/bin/chromium through playwright (no browser download:
``playwright install`` is never called) with the flags that work in this headless, GPU-less
container (`../shared/design.md`, Pitfalls). `wait_for_figures()` waits until plotly.js has drawn
the page's figures (SVG layers, and a WebGL canvas for the 3-D surface).
"""
from __future__ import annotations

import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("DESCENT_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic", "--no-first-run",
]
HEALTH_TIMEOUT = 60.0


def free_port() -> int:
    """A TCP port that was free a moment ago (bound to port 0, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200 and response.read().strip() == b"ok"
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server and anything it started: SIGTERM to its process group, then SIGKILL."""
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@contextlib.contextmanager
def streamlit_app(root: Path = ROOT, timeout: float = HEALTH_TIMEOUT, extra_args=()):
    """Run ``streamlit run app.py`` from `root`; yield its base URL ``http://127.0.0.1:PORT``.

    `extra_args`: more ``--section.option value`` arguments for ``streamlit run``.

    The server's own output goes to a temporary log file (not a pipe that could fill up and
    block it); it is quoted in the error when the server dies or never becomes healthy.
    """
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1",
           "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
           *extra_args]
    with tempfile.TemporaryFile(mode="w+b") as log:
        proc = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while not _healthy(url):
                if proc.poll() is not None:
                    raise RuntimeError(f"streamlit exited with code {proc.returncode} before "
                                       f"it was healthy:\n{_tail(log)}")
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit was not healthy at {url} after {timeout:.0f} "
                                       f"s:\n{_tail(log)}")
                time.sleep(0.25)
            yield url
        finally:
            _stop(proc)


def _tail(log, limit: int = 4000) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-limit:]


def launch_chromium(playwright):
    """Headless Debian Chromium through playwright; a clear error when it is not installed."""
    if not CHROMIUM.is_file() or not os.access(CHROMIUM, os.X_OK):
        raise RuntimeError(f"{CHROMIUM} is missing: install Debian's chromium "
                           "(`apt-get install -y chromium`, as `make deps` and .ci/run do); "
                           "this test never downloads a browser")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                      args=CHROMIUM_ARGS)


# The page's figures, as plotly.js leaves them once drawn: every `.js-plotly-plot` has its SVG
# layers; a 3-D scene additionally has its WebGL canvas inside `.gl-container`.
_FIGURES_DRAWN = """(expected) => {
    const plots = [...document.querySelectorAll('.js-plotly-plot')];
    if (plots.length < expected) return false;
    return plots.every(gd => gd.querySelector('.main-svg') && gd._fullLayout
        && Array.isArray(gd.data) && gd.data.length > 0
        && (!gd._fullLayout._has('gl3d') || gd.querySelector('.gl-container canvas')));
}"""


def figures_drawn(page, count: int) -> bool:
    """Whether at least `count` Plotly figures are on the page, all of them drawn."""
    return bool(page.evaluate(_FIGURES_DRAWN, count))


def wait_for_figures(page, count: int, timeout_ms: float = 90_000) -> None:
    """Wait until at least `count` Plotly figures are on the page and all of them are drawn."""
    page.wait_for_function(_FIGURES_DRAWN, arg=count, timeout=timeout_ms, polling=250)


def page_problems(page) -> list[str]:
    """What must never be on the page: plotly.js's WebGL failure text, a Streamlit exception."""
    problems = []
    if "WebGL is not supported" in page.locator("body").inner_text():
        problems.append("plotly.js says: WebGL is not supported")
    exceptions = page.locator('[data-testid="stException"]')
    for i in range(exceptions.count()):
        problems.append(f"exception shown on the page:\n{exceptions.nth(i).inner_text()}")
    return problems


def rendered_fraction(locator) -> float:
    """Fraction of an element's pixels that are not (near) white, in a real screenshot of it:
    a WebGL canvas left blank (no context, nothing drawn) scores about 0."""
    from PIL import Image   # Pillow: a dependency of streamlit

    image = Image.open(io.BytesIO(locator.screenshot())).convert("L")
    histogram = image.histogram()
    return sum(histogram[:235]) / max(1, sum(histogram))


# ----------------------------------------------------------- fixtures of the browser test files

@pytest.fixture(scope="module")
def app_url():
    """One Streamlit server of the app for a test module (imported by the browser test files)."""
    with streamlit_app() as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium for a test module; its absence fails (never skips)."""
    from playwright.sync_api import sync_playwright
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


def peak_bytes(function) -> int:
    """The peak of Python's traced allocations while ``function()`` runs (tracemalloc)."""
    import tracemalloc
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
