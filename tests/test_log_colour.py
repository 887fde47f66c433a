"""The page's colour scale: chosen for each loss unless the person sets it (issue 9 item 1).

AppTest: the "Log colour scale" checkbox shows the scale in effect and the landscape is drawn with
it; ticking or unticking it is the person's choice for that loss (kept across reruns, written to
the link as logc), and a newly typed loss or a picked preset starts automatic again. The expected
scales come from the rule's measured ratios (98th percentile of f - min over its median, on the
default domain [-5, 5]^2): x^2 + 10y^2 3.5 and sin(x)cos(y) 1.9 (linear), Rosenbrock's text 15
and x^6 + y^2 54 (log); the presets keep their own choice (tests/test_viz_grid.py).
"""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from _apptest import APP
from viz.figures import LOG_COLOR_TITLE
from viz.pack import unpack

BOWL = "x^2 + 10y^2"
ROSENBROCK = "(1-x)^2 + 100(y-x^2)^2"


def open_page() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    ok(at)
    return at


def ok(at: AppTest) -> None:
    assert not at.exception, [e.message for e in at.exception]


def scale(at: AppTest) -> tuple[bool, str, str]:
    """(the checkbox, the contour's and the surface's colour titles as drawn by the player)."""
    (player,) = at.get("bidi_component")
    land = unpack(player.proto.bytes)["landscape"]
    contour, surface = land["contour"]["data"][0], land["surface"]["data"][0]
    return (at.checkbox(key="logc").value, contour["colorbar"]["title"]["text"],
            surface["colorbar"]["title"]["text"])


LOG = (True, LOG_COLOR_TITLE, LOG_COLOR_TITLE)
LINEAR = (False, "loss", "loss")


def type_loss(at: AppTest, text: str) -> None:
    at.text_input(key="expr").set_value(text).run()
    ok(at)
    assert at.text_input(key="expr").value == text and not at.error


def test_each_typed_loss_gets_its_own_scale_and_a_choice_stays_with_its_loss():
    at = open_page()
    assert scale(at) == LOG                       # Himmelblau: the preset's own choice
    assert "logc" not in at.query_params
    type_loss(at, BOWL)
    assert scale(at) == LINEAR
    type_loss(at, ROSENBROCK)
    assert scale(at) == LOG
    assert "logc" not in at.query_params          # automatic: not in the link
    # the person unticks it: theirs for this loss, across reruns that change something else
    at.checkbox(key="logc").uncheck().run()
    ok(at)
    assert scale(at) == LINEAR and at.query_params["logc"] == "0"
    at.number_input(key="steps").set_value(150).run()
    ok(at)
    assert scale(at) == LINEAR and at.query_params["logc"] == "0"
    # ... but not for the next typed loss, whose own scale is log
    type_loss(at, "x^6 + y^2")
    assert scale(at) == LOG and "logc" not in at.query_params
    # nor for the same text typed again: a new loss, automatic (not the unticked choice)
    type_loss(at, ROSENBROCK)
    assert scale(at) == LOG
    # the other way round: log ticked on the bowl does not stick to sin(x)cos(y)
    type_loss(at, BOWL)
    assert scale(at) == LINEAR
    at.checkbox(key="logc").check().run()
    ok(at)
    assert scale(at) == LOG and at.query_params["logc"] == "1"
    at.number_input(key="steps").set_value(120).run()
    ok(at)
    assert scale(at) == LOG
    type_loss(at, "sin(x)*cos(y)")
    assert scale(at) == LINEAR and "logc" not in at.query_params

def test_a_picked_preset_starts_with_its_own_scale():
    at = open_page()
    at.checkbox(key="logc").uncheck().run()        # the person's choice on Himmelblau
    ok(at)
    assert scale(at) == LINEAR
    at.selectbox(key="preset").set_value("rosenbrock").run()
    ok(at)
    assert scale(at) == LOG and "logc" not in at.query_params
    at.checkbox(key="logc").uncheck().run()
    ok(at)
    at.selectbox(key="preset").set_value("bowl").run()
    ok(at)
    assert scale(at) == LINEAR
    at.checkbox(key="logc").check().run()
    ok(at)
    at.selectbox(key="preset").set_value("himmelblau").run()
    ok(at)
    assert scale(at) == LOG
