"""Shared by the AppTest files that open the page from a link."""
from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def new_app(query: dict) -> AppTest:
    """The page opened from a link with these query parameters, run once, with no exception."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = dict(query)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at
