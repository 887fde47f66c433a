"""A classroom at once: many real browser sessions on ONE ``streamlit run`` server (issue 7).

Each session runs the script in its own thread of the same process, sharing the caches, so what
AppTest (one session) cannot see shows up here: a cached value whose class was defined by another
session's run of the script failed to pickle (``UnserializableReturnValueError``), and typed
losses are compiled in forked children at the same moment. Round 1 opens eight different links at
once (presets, typed losses, 1-D and 2-D, other optimizers); round 2 types a new loss in every
session at once. Every session must draw its figures and show no exception.

Needs /usr/bin/chromium (``make deps``); the sessions are browser contexts of one Chromium.
"""
from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import sync_playwright

from _server import launch_chromium, page_problems, streamlit_app, wait_for_figures

pytestmark = pytest.mark.browser

SLOW_MS = 240_000                   # eight sessions drawing through software WebGL on 2 cores
VIEWPORT = {"width": 1100, "height": 800}
LINKS = [                           # different presets, typed losses (through the guard), 1-D
    {},
    {"p": "rosenbrock", "o": "gd,momentum,adam", "n": "300"},
    {"p": "quartic", "o": "gd,adam"},
    {"f": "x^2 + 10*y^2", "o": "gd,nesterov", "lr": "0.03"},
    {"f": "sin(x)*cos(y) + 0.1*(x^2 + y^2)", "o": "adam,rmsprop,adagrad", "n": "150"},
    {"p": "double_well", "o": "momentum,lion", "n": "120"},
    {"f": "w^4 - 2*w^2 + 0.3*w", "o": "sgd,adamw"},
    {"p": "himmelblau", "o": "adadelta,adam", "res": "60", "sch": "cosine"},
]
NEW_LOSSES = [f"x^2 + {k + 2}*y^2 + {k}*x*y/10" for k in range(len(LINKS))]   # round 2
EXPRESSION_LABEL = "Loss f"


_DONE_OR_FAILED = """() => document.querySelector('[data-testid="stException"]')
    || [...document.querySelectorAll('[data-testid="stCode"]')].some(e => e.innerText.includes('?f='))"""


def _link_loss(page) -> str | None:
    return page.evaluate("() => new URLSearchParams(location.search).get('f')")


def _settled(page, expected_loss: str | None = None) -> None:
    """The script run finished (the share link, the page's last element, is there; the URL
    carries ``expected_loss`` if given) and every figure on the page is drawn."""
    page.wait_for_function(_DONE_OR_FAILED, timeout=SLOW_MS, polling=250)
    if page.locator('[data-testid="stException"]').count():
        return                           # reported by _assert_clean
    if expected_loss is not None:
        page.wait_for_function(
            "(f) => new URLSearchParams(location.search).get('f') === f", arg=expected_loss,
            timeout=SLOW_MS, polling=250)
    wait_for_figures(page, 2, timeout_ms=SLOW_MS)   # 1-D: curve + loss; 2-D: one more


def _assert_clean(pages, errors, when: str) -> None:
    failures = []
    for i, page in enumerate(pages):
        problems = page_problems(page) + errors[i]
        if problems:
            failures.append(f"session {i} ({LINKS[i] or 'default'}) {when}: " + "\n".join(problems))
    assert not failures, "\n\n".join(failures)


@pytest.mark.timeout(600)
def test_eight_sessions_open_and_change_settings_at_the_same_moment():
    with streamlit_app() as url, sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            pages, errors = [], []
            for i in range(len(LINKS)):
                page = browser.new_context(viewport=VIEWPORT).new_page()
                errors.append([])
                page.on("pageerror", lambda exc, i=i: errors[i].append(f"page error: {exc}"))
                pages.append(page)
            # Round 1: every link requested before any page has run its script.
            for page, link in zip(pages, LINKS):
                page.goto(f"{url}/?{urlencode(link)}", wait_until="commit")
            for page in pages:
                _settled(page)
            _assert_clean(pages, errors, "after opening")
            for page, link in zip(pages, LINKS):
                if "f" in link:
                    assert _link_loss(page) == link["f"], "a typed loss of the link was lost"

            # Round 2: every session types a new loss, then all press Enter together.
            boxes = [page.get_by_role("textbox", name=EXPRESSION_LABEL) for page in pages]
            for box, loss in zip(boxes, NEW_LOSSES):
                box.fill(loss)
            for box in boxes:
                box.press("Enter", no_wait_after=True)
            for page, loss in zip(pages, NEW_LOSSES):
                _settled(page, expected_loss=loss)
            _assert_clean(pages, errors, "after the simultaneous change")
        finally:
            browser.close()
