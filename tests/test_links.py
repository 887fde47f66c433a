"""Links are untrusted: what a link says is echoed as plain text, briefly, and what the page
changes of it is reported or kept exactly (issue 7). Through AppTest, as tests/test_app.py."""
from __future__ import annotations


import numpy as np
from streamlit.testing.v1 import AppTest

import settings as cfg
from landscapes import PRESETS
from viz.pack import unpack

from _apptest import new_app




def player_draws(at: AppTest) -> bool:
    """The player got a message with a landscape and paths to draw."""
    (player,) = at.get("bidi_component")
    data = unpack(player.proto.bytes)
    return data["landscape"]["n"] in (1, 2) and data["paths"]["values"].size > 0


def markdown_like(at: AppTest) -> list[str]:
    """Text of every element that Streamlit renders as Markdown."""
    return [e.value for kind in ("markdown", "warning", "error", "info", "caption", "success")
            for e in getattr(at, kind)]


def problems_shown(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def test_a_links_markdown_is_shown_as_plain_text():
    link = "h.adam.[text](http://host/x)"
    image = "![t](http://host/y)"
    at = new_app({link: "1", image: "2", "o": "gd"})
    assert not any("host/" in text for text in markdown_like(at)), markdown_like(at)
    shown = problems_shown(at)
    assert any(link in text for text in shown), shown
    assert any(image in text for text in shown), shown
    assert len(at.warning) == 1         # one box saying the link had problems, in fixed words


def test_a_link_with_many_problems_shows_a_few_short_ones():
    query = {f"bad{k}" + "x" * 500: "1" for k in range(40)} | {"o": "gd"}
    at = new_app(query)
    shown = problems_shown(at)
    assert len(shown) == cfg.MAX_SHOWN_PROBLEMS
    assert all(len(text) <= cfg.MAX_PROBLEM_CHARS for text in shown)
    assert "36 more" in shown[-1]       # 40 problems: 4 shown, then the count of the rest


def test_a_domain_too_narrow_for_the_sliders_is_refused_with_a_message():
    at = new_app({"d": "0,1e-322;0,1", "o": "gd", "n": "10"})
    assert any("domain" in t and "too narrow" in t for t in problems_shown(at))
    assert (at.number_input(key="d0lo").value, at.number_input(key="d0hi").value) == (-3.0, 3.0)
    at.run()                              # and the next rerun is fine as well
    assert not at.exception and player_draws(at)


def test_a_links_learning_rate_is_kept_exactly():
    # x^2 + 25 y^2 under gradient descent: y is multiplied by 1 - 50 lr per step. At the grid's
    # 0.04 it flips sign forever; the link's 0.039 (factor -0.95) converges.
    at = new_app({"p": "ill_conditioned", "o": "gd", "lr": "0.039", "n": "100"})
    assert at.select_slider(key="lr_gd").value == 0.039
    (row,) = [r for r in at.dataframe[0].value.to_dict("records") if r["start"].startswith("1 ")]
    assert row["lr"] == "0.039"
    x0, y0 = PRESETS["ill_conditioned"].starts[0]
    final = (x0 * (1 - 2 * 0.039) ** 100, y0 * (1 - 50 * 0.039) ** 100)
    assert row["final point"] == "(" + ", ".join(f"{c:.4g}" for c in final) + ")"
    assert "lr=0.039" in at.code[-1].value          # the share link keeps it too


def test_an_own_learning_rate_from_a_link_is_kept_exactly():
    at = new_app({"o": "gd,adam", "lr.adam": "0.0031", "n": "5"})
    assert at.select_slider(key="lr_adam").value == 0.0031
    assert "lr.adam=0.0031" in at.code[-1].value


def test_a_start_outside_the_domain_is_moved_in_and_reported():
    at = new_app({"p": "himmelblau", "s": "9,0;1,1", "o": "gd", "n": "5"})
    shown = problems_shown(at)
    assert any("start 1 (9, 0)" in t and "(5, 0)" in t for t in shown), shown
    starts = [r["start"] for r in at.dataframe[0].value.to_dict("records")]
    assert starts == ["1 (5, 0)", "2 (1, 1)"]
    assert np.isclose(at.slider(key="st_0_0").value, 5.0)
