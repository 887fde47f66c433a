"""Serving a class: ``deploy/serve.sh`` runs two app processes behind nginx on this machine.

The script is run as it would be for a class (with its own run directory, free ports and
127.0.0.1 only; nginx in the foreground with its own config, pid and temp paths, never the
system service). Sessions are real Chromium contexts (each its own cookie jar, as different
students' browsers) opened through nginx. Checked: every session draws its figures with no
exception; both processes served sessions (nginx's ``X-Descent-Backend`` header on each page);
and each session's WebSocket, where Streamlit keeps the session, went to the same process as
its page (nginx's access log, keyed by the sticky cookie).

Needs /usr/bin/chromium and nginx (Debian packages; serve.sh installs nginx when missing and run
as root).
"""
from __future__ import annotations

import contextlib
import re
import subprocess
import time
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from _server import (ROOT, _healthy, _stop, free_port, launch_chromium, page_problems,
                     wait_for_figures)

pytestmark = pytest.mark.browser

SERVE = ROOT / "deploy" / "serve.sh"
LINK = "/?p=quartic&o=gd,adam"        # 1-D: two figures, no WebGL, light on 2 cores
BATCH = 4                             # sessions opened at once
MAX_SESSIONS = 16                     # random stickiness: all on one of 2 backends ~ 2^-15
SLOW_MS = 180_000


@contextlib.contextmanager
def serve(tmp_path: Path, workers: int = 2):
    port, base = free_port(), free_port()
    while any(not _port_free(p) for p in range(base, base + workers)):
        base = free_port()
    run = tmp_path / "run"
    log = open(tmp_path / "serve.log", "w+b")
    proc = subprocess.Popen(["bash", str(SERVE), "-n", str(workers), "-p", str(port), "-b",
                             str(base), "-d", str(run), "-a", "127.0.0.1"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(480):
            if _healthy(url) and all(_healthy(f"http://127.0.0.1:{p}")
                                     for p in range(base, base + workers)):
                break
            if proc.poll() is not None:
                break
            time.sleep(0.25)
        else:
            raise RuntimeError(f"serve.sh did not become healthy:\n{_read(log)}")
        if proc.poll() is not None:
            raise RuntimeError(f"serve.sh exited with {proc.returncode}:\n{_read(log)}")
        yield url, run, [f"127.0.0.1:{p}" for p in range(base, base + workers)]
    finally:
        _stop(proc)          # SIGTERM to serve.sh's group: it stops nginx and the backends
        log.close()


def _port_free(port: int) -> bool:
    import socket
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _read(log) -> str:
    log.flush()
    log.seek(0)
    return log.read().decode("utf-8", "replace")[-4000:]


def _stream_lines(access_log: Path) -> list[tuple[str, str]]:
    """(backend, sticky key) of every WebSocket request that nginx logged."""
    out = []
    for line in access_log.read_text().splitlines():
        if "/_stcore/stream" in line:
            m = re.search(r" (\d+) (\S+) sticky=(\S+)$", line)
            if m:
                out.append((m.group(2), m.group(3)))
    return out


@pytest.mark.timeout(600)
def test_two_processes_behind_nginx_share_the_sessions_and_keep_each_one(tmp_path):
    with serve(tmp_path) as (url, run, backends), sync_playwright() as p:
        browser = launch_chromium(p)
        sessions = []          # (context, page, backend of its page, its sticky key)
        try:
            while len(sessions) < MAX_SESSIONS:
                batch = []
                for _ in range(BATCH):
                    context = browser.new_context(viewport={"width": 1000, "height": 700})
                    page = context.new_page()
                    response = page.goto(url + LINK, wait_until="commit")
                    batch.append((context, page, response.headers.get("x-descent-backend")))
                for context, page, backend in batch:
                    wait_for_figures(page, 2, timeout_ms=SLOW_MS)
                    problems = page_problems(page)
                    assert not problems, f"a session through nginx ({backend}) failed: {problems}"
                    (key,) = [c["value"] for c in context.cookies() if c["name"] == "descent_sticky"]
                    sessions.append((context, page, backend, key))
                if len({b for _, _, b, _ in sessions}) == len(backends):
                    break
            assert {b for _, _, b, _ in sessions} == set(backends), \
                f"sessions did not spread over the backends: {[s[2] for s in sessions]}"
        finally:
            for context, *_ in sessions:
                context.close()      # closes the WebSockets: nginx logs them now
            browser.close()
        access = run / "access.log"
        expected = {key: backend for _, _, backend, key in sessions}
        for _ in range(100):
            logged = _stream_lines(access)
            if {k for _, k in logged} >= set(expected):
                break
            time.sleep(0.1)
        assert {k for _, k in logged} >= set(expected), "a session's WebSocket was not logged"
        for backend, key in logged:
            if key in expected:
                assert backend == expected[key], \
                    f"session {key}: page from {expected[key]}, WebSocket to {backend}"
