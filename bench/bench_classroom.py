"""A class at once (printed, never asserted): time until every one of 10 and 20 simultaneous
browser sessions shows its figures, with one streamlit process and with two behind nginx
(``deploy/serve.sh``), and the servers' memory (RSS) afterwards.

Each session is a headless Chromium context opening a 1-D lesson (the Quartic preset, gradient
descent and Adam, 2000 steps: the curve and the loss per step) with its own learning rate, as
students who each moved the slider: every session computes its own run and figures (a shared
link would hit the caches after the first student). Chromium runs on the same 2 cores as the
servers; the 1-D view keeps its share small. (The default 2-D view, whose 3-D surface Chromium
draws in software, is dominated by the browsers: 10 such sessions took 284 s with one process on
the shared machine, load average ~19.) A fresh server is started for every measurement (cold
caches, SymPy warm-up included). ``DESCENT_BENCH_VIEW=2d`` measures the default view instead.
"""
from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from _server import (_healthy, _stop, free_port, launch_chromium,  # noqa: E402
                     page_problems, wait_for_figures)

SESSIONS = (10, 20)
LRS = ("0.0001", "0.00012", "0.00015", "0.0002", "0.00025", "0.0003", "0.00035", "0.0004",
       "0.00045", "0.0005", "0.0006", "0.0007", "0.0008", "0.0009", "0.001", "0.0012", "0.0015",
       "0.002", "0.0025", "0.003")
TARGET = "a class of 20 sees its figures within a minute or so; memory well under the 24 GB"
VIEW_2D = os.environ.get("DESCENT_BENCH_VIEW") == "2d"
LINK = "/?lr={lr}" if VIEW_2D else "/?p=quartic&o=gd,adam&lr={lr}"
FIGURES = 3 if VIEW_2D else 2


@contextlib.contextmanager
def _one_process():
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        _wait_healthy([f"http://127.0.0.1:{port}"], proc)
        yield f"http://127.0.0.1:{port}", [port]
    finally:
        _stop(proc)
        log.close()


@contextlib.contextmanager
def _behind_nginx(workers: int):
    port, base = free_port(), free_port()
    with tempfile.TemporaryDirectory() as run:
        proc = subprocess.Popen(
            ["bash", str(ROOT / "deploy" / "serve.sh"), "-n", str(workers), "-p", str(port),
             "-b", str(base), "-d", run, "-a", "127.0.0.1"],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)
        ports = list(range(base, base + workers))
        try:
            _wait_healthy([f"http://127.0.0.1:{p}" for p in [port, *ports]], proc)
            yield f"http://127.0.0.1:{port}", ports
        finally:
            _stop(proc)


def _wait_healthy(urls, proc) -> None:
    for _ in range(480):
        if all(_healthy(u) for u in urls):
            return
        if proc.poll() is not None:
            raise RuntimeError("the server exited")
        time.sleep(0.25)
    raise RuntimeError("the server did not become healthy")


def _rss_mb(ports) -> float:
    """Resident memory of the streamlit processes serving ``ports`` (from /proc), in MB."""
    total = 0
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"streamlit" not in b" ".join(cmd):
                continue
            if not any(str(port).encode() in cmd for port in ports):
                continue
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _class(url: str, n: int, browser) -> tuple[float, int]:
    """Open ``n`` sessions at once; seconds until all show their figures, and failures."""
    contexts = [browser.new_context(viewport={"width": 1100, "height": 800}) for _ in range(n)]
    pages = [c.new_page() for c in contexts]
    start = time.perf_counter()
    for i, page in enumerate(pages):
        page.goto(url + LINK.format(lr=LRS[i % len(LRS)]), wait_until="commit")
    failed = 0
    for page in pages:
        try:
            wait_for_figures(page, FIGURES, timeout_ms=600_000)
        except Exception:  # noqa: BLE001 - counted, printed
            failed += 1
            continue
        failed += bool(page_problems(page))
    elapsed = time.perf_counter() - start
    for c in contexts:
        c.close()
    return elapsed, failed


def main() -> None:
    from playwright.sync_api import sync_playwright

    print(f"{'setup':28s} {'sessions':>8s} {'all drawn':>10s} {'failed':>7s} {'server RSS':>11s}")
    setups = (("1 process", _one_process), ("2 processes behind nginx",
                                            lambda: _behind_nginx(2)))
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            for name, start in setups:
                for n in SESSIONS:
                    with start() as (url, ports):
                        elapsed, failed = _class(url, n, browser)
                        rss = _rss_mb(ports)
                    print(f"{name:28s} {n:8d} {elapsed:9.1f}s {failed:7d} {rss:9.0f} MB",
                          flush=True)
        finally:
            browser.close()
    print(f"target: {TARGET}")


if __name__ == "__main__":
    main()
