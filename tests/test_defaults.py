"""Sensible defaults (issue 9 item 3): plain-words labels for the optimizers' parameters, a suited
learning rate per optimizer, every preset's default view reaching its minima (or the page saying
why not), and Reset to defaults. Driven headless through AppTest; expected numbers are worked out
here from the rule's definition and the presets' tables, not read back from the page."""
from __future__ import annotations

from _apptest import new_app
from optimizers import OPTIMIZERS


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
