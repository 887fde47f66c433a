"""Sensible defaults (issue 9 item 3): plain-words labels for the optimizers' parameters, a suited
learning rate per optimizer, every preset's default view reaching its minima (or the page saying
why not), and Reset to defaults. Driven headless through AppTest; expected numbers are worked out
here from the rule's definition and the presets' tables, not read back from the page."""
from __future__ import annotations

import re

import numpy as np
import pytest

import settings as cfg
from _apptest import new_app
from landscapes import PRESETS
from optimizers import OPTIMIZERS, simulate


def test_parameter_widgets_show_the_plain_words_label_and_explain_the_name():
    at = new_app({"p": "bowl", "o": "momentum,adam", "n": "5"})
    for o in ("momentum", "adam"):
        for p in OPTIMIZERS[o].params:
            widget = at.get("checkbox" if p.kind == "bool" else "number_input")
            (w,) = [w for w in widget if w.key == f"hp_{o}_{p.name}"]
            assert w.label == p.label != p.name
            assert f"`{p.name}`" in w.help and p.help.rstrip(".")[1:] in w.help
    (damp,) = [w for w in at.number_input if w.key == "hp_momentum_dampening"]
    assert damp.label == "Dampening τ: share of the new gradient left out of momentum"
    assert damp.help.endswith("Name: `dampening`, default 0.")
    (ams,) = [w for w in at.checkbox if w.key == "hp_adam_amsgrad"]
    assert ams.label == "AMSGrad: never let the step size grow" and "default off" in ams.help


# --------------------------------------------------- every preset's default view reaches its minima

def plain(body: str) -> str:
    """A message as shown: the page escapes ASCII punctuation and puts each line in a paragraph."""
    return re.sub(r"\\(.)", r"\1", body.replace("\n\n", "\n"))


# The default views' runs that reach no minimum, on purpose (their presets teach it), and the
# reason the page gives. Every other run of every preset's default view reaches a minimum.
NOT_REACHED = {
    ("quartic", "gd", 1): "is creeping towards the flat point at (0), where the gradient "
                          "vanishes; it is not a known minimum",
    ("rosenbrock", "gd", 1): "was still going downhill when its 5000 steps ran out",
    ("rosenbrock", "gd", 2): "was still going downhill when its 5000 steps ran out",
    # x^2 - y^2: the start on the ridge y = 0 goes to the saddle; the other escapes along y
    ("saddle", "gd", 1): "is creeping towards the saddle point at (0, 0), where the gradient "
                         "vanishes; it is not a minimum",
    ("saddle", "gd", 2): "ended outside the shown domain",
    ("saddle", "momentum", 1): "is creeping towards the saddle point at (0, 0)",
    ("saddle", "momentum", 2): "diverged",
    ("saddle", "adam", 1): "was still going downhill when its 30 steps ran out",
    ("saddle", "adam", 2): "was still going downhill when its 30 steps ran out",
}


def _reasons(message: str) -> dict[tuple[str, int], str]:
    """(optimizer label, start) -> the reason, from the lines "Adam from starts 1 and 2 ...."."""
    out = {}
    for line in message.split("\n"):
        m = re.match(r"(.+?) from starts? ((?:\d+(?:, | and )?)+) (.*)\.$", line)
        if m:
            for k in re.findall(r"\d+", m.group(2)):
                out[(m.group(1), int(k))] = m.group(3)
    return out


@pytest.mark.parametrize("key", list(PRESETS))
def test_each_default_optimizer_reaches_a_minimum_or_the_page_says_why(key):
    p, s = PRESETS[key], cfg.for_preset(key)
    at = new_app({"p": key})
    assert [at.select_slider(key=f"lr_{o}").value for o in s.optimizers] == \
        [s.lr_for(o) for o in s.optimizers]
    table = at.dataframe[0].value.to_dict("records")
    info = [plain(i.value) for i in at.info]
    reasons = _reasons("\n".join(info))
    # the same runs as the page, and "reached" worked out here: the last finite point within
    # 1/1000 of the domain's width of a minimum the preset lists (presets.py), no divergence
    run = simulate(p.compile(), list(s.optimizers), starts=[list(x) for x in p.starts],
                   steps=s.steps, lr={o: s.lr_for(o) for o in s.optimizers}, domain=p.domain)
    tol = 1e-3 * max(hi - lo for lo, hi in p.domain)
    missed = set()
    for i, o in enumerate(s.optimizers):
        for j in range(len(p.starts)):
            row = table[i * len(p.starts) + j]
            label = OPTIMIZERS[o].label
            assert row["optimizer"] == label and row["lr"] == f"{s.lr_for(o):g}"
            finite = np.isfinite(run.points[i, j]).all(axis=-1)
            diverged = not finite.all()
            last = run.points[i, j][finite][-1]
            assert row["final point"] == "(" + ", ".join(f"{c:.4g}" for c in last) + ")"
            gap = min((np.linalg.norm(last - np.asarray(m)) for m in p.minima), default=np.inf)
            reached = not diverged and gap <= tol
            assert row["status"].startswith("reached a minimum at step ") == reached, row
            if reached:
                continue
            missed.add((key, o, j + 1))
            if diverged:
                assert row["status"].startswith("diverged at step ")
                assert any(f"{label} from start {j + 1}" in w for w in map(plain, (
                    w.value for w in at.warning)))
            else:
                assert reasons[(label, j + 1)].startswith(NOT_REACHED[(key, o, j + 1)])
    assert missed == {k for k in NOT_REACHED if k[0] == key}
    if not p.minima:
        assert info[0].split("\n")[0] == ("This landscape has no minimum in the shown domain: "
                                         "it decreases without bound, so no run can reach one.")
    elif not missed:
        assert info == []


# ------------------------------------------------------------------------------ the rate sliders

def test_every_chosen_optimizer_has_its_rate_slider_and_the_lr_control_hides_or_locks_them_all():
    query = {"p": "bowl", "o": "gd,adam,lion", "n": "5"}
    at = new_app(query)
    sliders = {s.key: s for s in at.select_slider}
    # the bowl [-2, 2]^2: GD its 0.1, Adam 4 / 100, Lion 4 / 300 = 0.0133 -> 0.012 on the grid
    assert {k: (s.label, s.value) for k, s in sliders.items()} == {
        "lr_gd": ("Gradient descent", 0.1), "lr_adam": ("Adam", 0.04), "lr_lion": ("Lion", 0.012)}
    assert not any(s.disabled for s in sliders.values())
    assert at.expander and not any(e.select_slider for e in at.expander)   # none in an expander
    assert new_app(query | {"hide": "lr"}).select_slider.len == 0
    assert all(s.disabled for s in new_app(query | {"lock": "lr"}).select_slider)


# ----------------------------------------------------------------------------- Reset to defaults

def _reset(at):
    (button,) = [b for b in at.button if b.key == "reset"]
    assert button.label == "Reset to defaults"
    return button


def test_reset_puts_rates_parameters_schedule_and_steps_back_to_the_presets():
    at = new_app({"p": "matyas", "o": "gd,adam", "seed": "3"})
    default_table = at.dataframe[0].value
    at.select_slider(key="lr_gd").set_value(0.5)
    at.select_slider(key="lr_adam").set_value(0.01)
    at.number_input(key="hp_adam_beta1").set_value(0.5)
    at.number_input(key="hp_gd_weight_decay").set_value(0.1)
    at.selectbox(key="sched").set_value("step")
    at.number_input(key="warmup").set_value(10)
    at.number_input(key="steps").set_value(40)
    at.slider(key="st_0_0").set_value(5.0)
    at.run()
    at.number_input(key="sp_step_every").set_value(7).run()
    assert not at.exception
    assert {"lr", "lr.adam", "h.adam.beta1", "h.gd.weight_decay", "sch", "sp.every", "wu"} <= \
        set(at.query_params) and at.query_params["n"] == "40"
    _reset(at).click().run()
    assert not at.exception
    # Matyas: gradient descent its lr 1.0, Adam its measured 0.7 (presets.py), 300 steps
    assert (at.select_slider(key="lr_gd").value, at.select_slider(key="lr_adam").value) == \
        (1.0, 0.7)
    assert at.number_input(key="hp_adam_beta1").value == 0.9
    assert at.number_input(key="hp_gd_weight_decay").value == 0.0
    assert at.selectbox(key="sched").value == "constant" and at.number_input(key="warmup").value == 0
    assert at.number_input(key="steps").value == 300
    # what Reset leaves alone: the seed, the starts
    assert at.number_input(key="seed").value == 3 and at.slider(key="st_0_0").value == 5.0
    q = at.query_params
    assert (q["lr"], q["lr.adam"], q["n"]) == ("1", "0.7", "300")
    assert not {"h.adam.beta1", "h.gd.weight_decay", "sch", "sp.every", "wu"} & set(q)
    at.slider(key="st_0_0").set_value(8.0).run()             # the preset's start again
    assert at.dataframe[0].value.equals(default_table)


def test_reset_on_a_typed_loss_uses_its_domain_and_the_pages_200_steps():
    at = new_app({"f": "x^2 + 4*y^2", "d": "-4,4;-1,1", "s": "3,0.5", "o": "gd,adagrad",
                  "lr": "0.2", "n": "35"})
    _reset(at).click().run()
    assert not at.exception
    # typed: GD 0.01, Adagrad the widest side 8 / 10 = 0.8
    assert [at.select_slider(key=f"lr_{o}").value for o in ("gd", "adagrad")] == [0.01, 0.8]
    assert at.number_input(key="steps").value == 200


def test_reset_leaves_what_a_teacher_link_locks_or_hides():
    query = {"p": "bowl", "o": "gd,adam", "lr": "0.3", "n": "20", "sch": "exponential"}
    at = new_app(query | {"lock": "lr", "hide": "schedule"})
    _reset(at).click().run()
    assert [s.value for s in at.select_slider] == [0.3, 0.3]      # locked: kept
    assert at.number_input(key="steps").value == 150              # the bowl's steps
    assert at.query_params["sch"] == "exponential"                # hidden: kept
    nothing = new_app(query | {"hide": "lr,hyper,schedule,steps"})
    assert _reset(nothing).disabled
