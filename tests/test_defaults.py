"""Sensible defaults (issue 9 item 3): plain-words labels for the optimizers' parameters, a suited
learning rate per optimizer, every preset's default view reaching its minima (or the page saying
why not), and Reset to defaults. Driven headless through AppTest; expected numbers are worked out
here from the rule's definition and the presets' tables, not read back from the page."""
from __future__ import annotations

import pytest

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
