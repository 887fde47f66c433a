"""Each optimizer's starting learning rate (optimizers.rates.suited_lr, settings.suited_lrs) and how
settings and links carry one rate per optimizer. Expected rates are worked out here from the rule
in optimizers/rates.py's docstring (a fraction of the domain's widest side, the preset's plain rate,
the documented torch.optim defaults), not read back from the function."""
from __future__ import annotations

from dataclasses import replace

import pytest

import settings as cfg
from landscapes import PRESETS
from optimizers import OPTIMIZERS
from optimizers.rates import suited_lr

SQUARE = ((-5.0, 5.0), (-5.0, 5.0))          # widest side 10
TORCH = {"adam": 1e-3, "adamw": 1e-3, "rmsprop": 1e-2, "adagrad": 1e-2, "adadelta": 1.0,
         "lion": 1e-4}                        # the torch.optim / Lion paper defaults


def test_the_documented_defaults_are_the_ones_the_rule_falls_back_to():
    assert {o: OPTIMIZERS[o].default_lr for o in TORCH} == TORCH


@pytest.mark.parametrize("name, expected", [
    ("gd", 0.02), ("sgd", 0.02), ("momentum", 0.02),   # the plain rate
    ("nesterov", 0.01),                                 # half of it
    ("adam", 0.1), ("adamw", 0.1),                      # width / 100
    ("rmsprop", 0.01),                                  # width / 1000 = 0.01, the default too
    ("adagrad", 1.0),                                   # width / 10
    ("lion", 10 / 300),                                 # width / 300
    ("adadelta", 1.0),                                  # torch's default, whatever the domain
])
def test_the_rule_on_a_square_of_side_10(name, expected):
    assert suited_lr(name, SQUARE, plain_lr=0.02) == pytest.approx(expected, rel=1e-12)


def test_the_widest_side_sets_the_step_size_like_rates():
    domain = ((-1.0, 1.0), (0.0, 40.0))                # widest side 40
    assert suited_lr("adam", domain, 0.01) == pytest.approx(0.4)
    assert suited_lr("rmsprop", domain, 0.01) == pytest.approx(0.04)
    assert suited_lr("adagrad", domain, 0.01) == pytest.approx(4.0)


def test_on_a_small_domain_the_documented_default_is_kept():
    tiny = ((-0.01, 0.01),)                           # width / 100 = 2e-4 < 1e-3
    for name, default in TORCH.items():
        assert suited_lr(name, tiny, 0.01) == default


def test_measured_rates_come_first_and_adamw_takes_adams():
    measured = (("adam", 0.4), ("momentum", 0.001))
    assert suited_lr("adam", SQUARE, 0.005, measured) == 0.4
    assert suited_lr("adamw", SQUARE, 0.005, measured) == 0.4
    assert suited_lr("momentum", SQUARE, 0.005, measured) == 0.001
    assert suited_lr("gd", SQUARE, 0.005, measured) == 0.005
    with pytest.raises(ValueError, match="bogus"):
        suited_lr("bogus", SQUARE, 0.01)


def test_every_measured_rate_names_an_optimizer_and_is_on_the_sliders_grid():
    listed = [(k, o, lr) for k, p in PRESETS.items() for o, lr in p.rates]
    assert listed, "some presets list measured rates"
    for key, o, lr in listed:
        assert o in OPTIMIZERS and lr in cfg.LR_GRID, (key, o, lr)


def test_suited_lrs_of_the_default_preset_snapped_to_the_grid():
    rates = cfg.suited_lrs(list(OPTIMIZERS), "himmelblau", None)
    # Himmelblau: lr 0.01 on [-5, 5]^2; lion's 10/300 = 0.0333 is nearest 0.035 on a log scale
    # (log(0.035/0.0333) = 0.049 < log(0.0333/0.03) = 0.105)
    assert rates == {"gd": 0.01, "sgd": 0.01, "momentum": 0.01, "nesterov": 0.005,
                     "adagrad": 1.0, "rmsprop": 0.01, "adam": 0.1, "adamw": 0.1,
                     "adadelta": 1.0, "lion": 0.035}


def test_a_typed_loss_gets_the_rule_for_its_domain_and_the_plain_rate_0_01():
    rates = cfg.suited_lrs(["gd", "nesterov", "adam", "adagrad"], None, ((-3.0, 3.0),))
    assert rates == {"gd": 0.01, "nesterov": 0.005, "adam": 0.06, "adagrad": 0.6}


def test_a_presets_default_view_gives_each_optimizer_its_rate():
    s = cfg.for_preset("rosenbrock")                   # measured: momentum 0.0005, Adam 0.05
    assert [s.lr_for(o) for o in s.optimizers] == [0.001, 0.0005, 0.05]
    s = cfg.for_preset("quartic", optimizers=("gd", "adamw", "nesterov"))
    assert [s.lr_for(o) for o in s.optimizers] == [0.001, 0.1, 0.0005]   # adamw takes Adam's
    s = cfg.for_preset("bowl", lr=0.3)                 # a given rate is kept as it is
    assert [s.lr_for(o) for o in s.optimizers] == [0.3, 0.3, 0.3]


def test_with_rates_writes_the_most_common_rate_as_lr():
    s = replace(cfg.default_settings(), optimizers=("gd", "adam", "adagrad"))
    t = cfg.with_rates(s, {"gd": 0.01, "adam": 0.1, "adagrad": 0.1})
    assert (t.lr, t.lr_overrides) == (0.1, (("gd", 0.01),))
    t = cfg.with_rates(s, {"gd": 0.02, "adam": 0.1, "adagrad": 1.0})    # a tie: the first one's
    assert (t.lr, t.lr_overrides) == (0.02, (("adam", 0.1), ("adagrad", 1.0)))
    t = cfg.with_rates(replace(s, optimizers=()), {})
    assert (t.lr, t.lr_overrides) == (s.lr, ())


def test_a_link_without_lr_gives_each_optimizer_its_suited_rate():
    s, problems = cfg.from_query({"p": "beale", "o": "gd,momentum,adam,nesterov"})
    assert problems == []
    # Beale: plain 0.005, measured momentum 0.001 and Adam 0.4; Nesterov half the plain rate
    assert [s.lr_for(o) for o in s.optimizers] == [0.005, 0.001, 0.4, 0.0025]
    s, _ = cfg.from_query({"f": "x^2 + y^2", "d": "-4,4;-1,1", "s": "1,0.5", "o": "gd,adam"})
    assert [s.lr_for(o) for o in s.optimizers] == [0.01, 0.08]      # typed: 8 / 100


def test_a_links_lr_sets_every_optimizer_it_gives_no_own_rate():
    s, problems = cfg.from_query({"p": "himmelblau", "o": "gd,adam,lion", "lr": "0.02",
                                  "lr.lion": "0.001"})
    assert problems == []
    assert [s.lr_for(o) for o in s.optimizers] == [0.02, 0.02, 0.001]


def test_old_links_and_the_lessons_keep_their_rates():
    # before per-optimizer rates every link carried lr= (and lr.<name> for own rates)
    s, _ = cfg.from_query({"p": "rosenbrock", "o": "gd,momentum,nesterov,adam", "lr": "0.001",
                           "lr.adam": "0.05", "n": "1000"})
    assert [s.lr_for(o) for o in s.optimizers] == [0.001, 0.001, 0.001, 0.05]
    s, _ = cfg.from_query({"p": "ill_conditioned", "o": "gd,adam,adagrad", "lr": "0.1"})
    assert [s.lr_for(o) for o in s.optimizers] == [0.1, 0.1, 0.1]


def test_a_link_adding_an_optimizer_keeps_the_others_rates():
    base = cfg.for_preset("himmelblau", optimizers=("gd", "adam"), lr=0.03,
                          lr_overrides=(("adam", 0.2),))
    s, problems = cfg.from_query({"o": "gd,adam,adagrad"}, base=base)
    assert problems == []
    assert [s.lr_for(o) for o in s.optimizers] == [0.03, 0.2, 1.0]     # Adagrad: 10 / 10


def test_reset_puts_rates_parameters_schedule_and_steps_back():
    s = cfg.for_preset("matyas", optimizers=("gd", "adam", "lion"), lr=0.2,
                       hyper=(("adam", "beta1", 0.5),), schedule="step",
                       schedule_params=(("every", 10),), warmup=5, steps=17, seed=4,
                       starts=((1.0, 2.0),))
    r = cfg.reset(s)
    # Matyas: plain 1.0, Adam measured 0.7, Lion 20 / 300 = 0.0667 -> 0.07 on the grid
    assert [r.lr_for(o) for o in r.optimizers] == [1.0, 0.7, 0.07]
    assert (r.hyper, r.schedule, r.schedule_params, r.warmup, r.steps) == \
        ((), "constant", (), 0, 300)
    assert (r.seed, r.starts, r.optimizers) == (4, ((1.0, 2.0),), ("gd", "adam", "lion"))
    typed = replace(s, preset=None, expression="x^2 + y^2", domain=((-1.0, 1.0), (-1.0, 1.0)))
    r = cfg.reset(typed)
    # typed: plain 0.01, Adam 2 / 100, Lion 2 / 300 = 0.00667 -> 0.007; the page's 200 steps
    assert [r.lr_for(o) for o in r.optimizers] == [0.01, 0.02, 0.007] and r.steps == 200
