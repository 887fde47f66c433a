"""Every place on the page that compiles a loss turns a refusal into a message (issue 7).

Under load a compiled loss can be evicted from the caches and refused when it is compiled again
(the fork server is busy, the wall cap is reached). Simulated here: the caches are cleared and
the guard refuses every text from then on; the next rerun must show a message, never a
traceback, and still draw a loss (the default one).
"""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

import settings as cfg
from landscapes import guard
from landscapes.loss import _compile_normalised
from viz.pack import unpack

APP = str(Path(__file__).resolve().parents[1] / "app.py")
BUSY = ("the server is too busy to compile this expression now; try again in a moment", None, "")


def test_a_typed_loss_refused_after_eviction_is_a_message(monkeypatch):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = {"f": "x^2 + 7*y^2", "o": "gd", "n": "20"}
    at.run()
    assert not at.exception and at.text_input(key="expr").value == "x^2 + 7*y^2"

    st.cache_resource.clear()            # evicted from the page's caches ...
    st.cache_data.clear()
    _compile_normalised.cache_clear()
    guard.forget_outcomes()              # ... and from the guard's memory
    monkeypatch.setattr(guard, "_compile_in_child", lambda text, columns, seconds: (BUSY, False))
    at.number_input(key="steps").set_value(30).run()

    assert not at.exception, [e.message for e in at.exception]
    assert any("too busy" in e.value for e in at.error), [e.value for e in at.error]
    (player,) = at.get("bidi_component")            # the default loss is drawn instead
    drawn = unpack(player.proto.bytes)
    assert drawn["landscape"]["n"] == 2 and drawn["paths"]["T"] == 30
    assert at.text_input(key="expr").value == "x^2 + 7*y^2"   # what was typed stays
    assert "11" in at.latex[0].value      # Himmelblau, (x^2 + y - 11)^2 + ...: the default
    assert cfg.DEFAULT_PRESET == "himmelblau"
