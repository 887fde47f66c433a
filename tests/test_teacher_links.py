"""Teacher links (issue 9, item 5): a title and an instruction shown as plain text, controls
hidden or locked by name, presentation mode, and the share box's maker of such links. The new
query keys are untrusted like every other: length-limited, checked, reported."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

import settings as cfg

from _apptest import APP, new_app
MD_LINK = "[click](http://host/x)"
HTML = "<b>bold</b><img src=http://host/y>"

# Each control group and a widget it draws: (element kind, key).
WIDGET = {
    "lessons": ("selectbox", "lesson"),
    "loss": ("text_input", "expr"),
    "domain": ("number_input", "d0lo"),
    "starts": ("slider", "st_0_0"),
    "opts": ("multiselect", "opts"),
    "lr": ("select_slider", "lr_gd"),
    "hyper": ("number_input", "hp_gd_weight_decay"),
    "schedule": ("selectbox", "sched"),
    "steps": ("number_input", "steps"),
    "seed": ("number_input", "seed"),
    "view": ("checkbox", "logy"),
    "data": ("selectbox", "dataset"),          # these two in the data mode
    "batch": ("number_input", "batch"),
}
DATA_MODE = {"data", "batch"}




def widget(at: AppTest, kind: str, key: str):
    found = [w for w in getattr(at, kind) if w.key == key]
    return found[0] if found else None


def markdown_like(at: AppTest) -> list[str]:
    return [e.value for kind in ("markdown", "warning", "error", "info", "caption", "success")
            for e in getattr(at, kind)]


def shown_query(at: AppTest, box: int = 0) -> dict[str, str]:
    return dict(parse_qsl(urlsplit(at.code[box].value).query, keep_blank_values=True))


def problems(at: AppTest) -> list[str]:
    return [t.value for t in at.text if t.value.startswith("Ignored the link")]


# ------------------------------------------------------------------------------ settings.py

def test_teacher_keys_round_trip_through_the_query():
    t = cfg.Teacher(title="Lesson 1 " + MD_LINK, note="Line one\nline two " + HTML,
                    hide=("lr", "opts"), lock=("steps", "starts"), present=True)
    s = cfg.for_preset("bowl", teacher=t)
    q = cfg.to_query(s)
    assert (q["title"], q["note"], q["hide"], q["lock"], q["present"]) == (
        t.title, t.note, "lr,opts", "steps,starts", "1")
    back, problems_ = cfg.from_query(q)
    assert problems_ == [] and back == s
    assert cfg.to_query(back) == q


def test_no_teacher_keys_without_a_teacher():
    q = cfg.to_query(cfg.for_preset("bowl"))
    assert not {"title", "note", "hide", "lock", "present"} & set(q)


def test_texts_at_their_limits_are_kept_and_one_more_character_is_refused():
    ok, p = cfg.from_query({"title": "t" * cfg.MAX_TITLE, "note": "n" * cfg.MAX_NOTE})
    assert p == [] and len(ok.teacher.title) == 80 and len(ok.teacher.note) == 400
    bad, p = cfg.from_query({"title": "t" * 81, "note": "n" * 401})
    assert bad.teacher == cfg.Teacher()
    assert len(p) == 2 and "longer than 80" in p[0] and "longer than 400" in p[1]


@pytest.mark.parametrize("query, words", [
    ({"hide": "lr,nonsense"}, "no control 'nonsense'"),
    ({"lock": "steps,,LR"}, "no control 'LR'"),
    ({"present": "yes"}, "is not 0 or 1"),
    ({"title": "bell\x07"}, "control characters"),
    ({"note": "a\x1b[31mred"}, "control characters"),
])
def test_bad_teacher_values_are_reported_and_ignored(query, words):
    s, p = cfg.from_query(query)
    assert s.teacher == cfg.Teacher()
    (message,) = p
    assert message.startswith(f"Ignored the link's {next(iter(query))}=") and words in message


def test_every_control_name_is_accepted():
    s, p = cfg.from_query({"hide": ",".join(cfg.CONTROLS), "lock": "lr, steps"})
    assert p == [] and s.teacher.hide == tuple(cfg.CONTROLS)
    assert s.teacher.lock == ("lr", "steps")
    assert set(WIDGET) == set(cfg.CONTROLS)       # the table below covers every control


# ---------------------------------------------------------------------------------- the page

@pytest.mark.parametrize("name", list(WIDGET))
def test_hide_removes_the_control_and_lock_disables_it(name):
    kind, key = WIDGET[name]
    base = ({"data": "linear", "o": "gd", "n": "20"} if name in DATA_MODE
            else {"p": "bowl", "o": "gd", "n": "20"})
    plain = new_app(base)
    assert widget(plain, kind, key) is not None and not widget(plain, kind, key).disabled
    hidden = new_app(base | {"hide": name})
    assert widget(hidden, kind, key) is None
    locked = new_app(base | {"lock": name})
    assert widget(locked, kind, key) is not None and widget(locked, kind, key).disabled


def test_hidden_controls_keep_the_links_values_across_reruns():
    query = {"p": "ill_conditioned", "o": "gd,adam", "lr": "0.039", "n": "37",
             "sch": "exponential", "sp.k": "0.02", "lr.adam": "0.05",
             "hide": "lr,opts,steps,schedule,hyper,starts,loss,domain"}
    at = new_app(query)
    for _ in range(2):
        at.run()
        assert not at.exception
        shown = shown_query(at)
        assert {k: shown.get(k) for k in query} == query
        assert cfg.from_query(shown)[0] == cfg.from_query(query)[0]


def test_locked_starts_cannot_be_added_or_removed():
    at = new_app({"p": "himmelblau", "o": "gd", "n": "5", "lock": "starts"})
    add = [b for b in at.button if b.label == "Add a start"]
    assert add and add[0].disabled
    assert all(b.disabled for b in at.button if b.key and b.key.startswith("rm_"))


def test_title_and_note_are_plain_text_never_markdown():
    at = new_app({"o": "gd", "n": "5", "title": "Watch " + MD_LINK, "note": "Do " + HTML})
    texts = [t.value for t in at.text]
    assert "Watch " + MD_LINK in texts and "Do " + HTML in texts
    assert not any("host/" in m for m in markdown_like(at)), markdown_like(at)
    assert problems(at) == []


def test_presentation_mode_adds_the_css_block_and_nothing_from_the_link():
    plain = new_app({"o": "gd", "n": "5", "title": "<style>x</style>"})
    assert not any("<style>" in m for m in markdown_like(plain))
    at = new_app({"o": "gd", "n": "5", "present": "1", "title": "<style>x</style>"})
    styles = [m for m in markdown_like(at) if "<style>" in m]
    assert len(styles) == 1 and "x</style>" not in styles[0] and "font-size" in styles[0]
    assert "<style>x</style>" in [t.value for t in at.text]
    assert shown_query(at)["present"] == "1"


def test_the_share_box_makes_a_teacher_link_of_the_current_view():
    at = new_app({"p": "ill_conditioned", "o": "gd", "lr": "0.045", "n": "100"})
    assert len(at.code) == 1        # nothing filled in: no second copy of the share link
    at.text_input(key="tl_title").set_value("Lesson: " + MD_LINK)
    at.text_area(key="tl_note").set_value("Lower the rate.\n" + HTML)
    at.multiselect(key="tl_hide").set_value(["opts", "loss"])
    at.multiselect(key="tl_lock").set_value(["steps"])
    at.checkbox(key="tl_present").check()
    at.run()
    assert not at.exception
    made = shown_query(at, 1)
    s, p = cfg.from_query(made)
    assert p == []
    assert s.teacher == cfg.Teacher(title="Lesson: " + MD_LINK, note="Lower the rate.\n" + HTML,
                                    hide=("opts", "loss"), lock=("steps",), present=True)
    assert s == replace(cfg.from_query(shown_query(at, 0))[0], teacher=s.teacher)
    student = new_app(made)           # the link opens with those controls hidden and locked
    assert widget(student, "multiselect", "opts") is None
    assert widget(student, "text_input", "expr") is None
    assert widget(student, "number_input", "steps").disabled
    assert "Lesson: " + MD_LINK in [t.value for t in student.text]


def test_bad_teacher_values_in_a_link_are_reported_on_the_page():
    at = new_app({"o": "gd", "n": "5", "hide": "lr,bogus", "title": "t" * 81})
    shown = problems(at)
    assert any("hide=" in m and "no control 'bogus'" in m for m in shown), shown
    assert any("title=" in m and "longer than 80" in m for m in shown), shown
    assert widget(at, "select_slider", "lr_gd") is not None    # the bad hide= hides nothing


def test_the_readmes_teacher_links_are_valid():
    readme = (Path(APP).parent / "README.md").read_text()
    section = readme.split("## Teacher links", 1)[1].split("\n## ", 1)[0]
    links = re.findall(r"^\?(\S+)$|`\?([^`]+)`", section, flags=re.M)
    links = [a or b for a, b in links]
    assert len(links) == 2
    for link in links:
        s, p = cfg.from_query(dict(parse_qsl(link)))
        assert p == [] and s.teacher.title and s.teacher.note and s.teacher.lock
