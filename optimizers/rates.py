r"""A starting learning rate for each optimizer, suited to the landscape: a pure rule.

    suited_lr("adam", domain=((-5, 5), (-5, 5)), plain_lr=0.01)    # -> 0.1 (= width / 100)

The page gives every optimizer it adds, and every optimizer of a preset's default view, the rate
this rule gives (``settings`` snaps it to the slider's grid). The rule, and why:

* **Gradient descent, SGD, momentum**: ``plain_lr``, the preset's ``lr`` (chosen so that plain
  gradient descent does not diverge from any of its starts); for a typed loss the page's 0.01.
  PyTorch's SGD has no default rate. Momentum is stable on a quadratic up to
  :math:`2(1+\mu)/\lambda_{max}`, 1.9 times gradient descent's bound (``optimizers.advice``), so
  the same rate is safe for it there.
* **Nesterov**: half of ``plain_lr``. Its bound on a quadratic is
  :math:`2(1+\mu)/((1+2\mu)\lambda_{max})`, 0.68 times gradient descent's (with μ = 0.9), and the
  presets' rates sit close to gradient descent's bound (the ill-conditioned bowl's 0.035 against
  0.04: Nesterov diverges there at step 8).
* **Adam, AdamW, RMSprop, Adagrad, Lion** take steps whose size does not depend on the size of the
  gradient: Adam moves each coordinate by about ``lr`` a step, Lion by exactly ``lr``, Adagrad by
  exactly ``lr`` in its first step and less after, RMSprop by 10 ``lr`` in its first step (its
  average of squared gradients starts at 0 and is not bias-corrected: :math:`v_1 = 0.01 g_1^2`).
  So their rate is a length, a fraction of the domain's width ``w`` (its widest side):
  Adam and AdamW ``w / 100``, RMSprop ``w / 1000`` (a first step of ``w / 100`` as Adam's), Adagrad
  ``w / 10`` (its steps shrink as the squared gradients add up), Lion ``w / 300`` (Chen et al.
  recommend 3 to 10 times less than AdamW's). Never less than the documented ``torch.optim``
  default (adam/adamw 1e-3, rmsprop 1e-2, adagrad 1e-2, lion 1e-4), which is kept where the
  domain is small enough for it (RMSprop's 0.01 on every domain up to 10 wide). Elsewhere the
  default is too small for the presets' steps: Adam at 1e-3 moves at most 0.2 in Himmelblau's
  200 steps, across a domain 10 wide, and reaches a minimum from every start on only 3 of the 16
  presets with minima, late (Ackley at step 484 of 500, Levi N.13 at 422 of 500,
  Goldstein-Price at 2145 of 3000), where ``w / 100`` takes 53 to 111 steps; Adagrad's 0.01
  reaches on one (Levi N.13, at step 349), Lion's 1e-4 on none.
* **Adadelta**: PyTorch's default 1.0. Its rate only scales an update whose size comes from the
  ratio of two running averages; its first steps are about :math:`\sqrt{\epsilon/(1-\rho)}`
  = 0.003 whatever the landscape, and no single rate reached a minimum on more than 4 presets.
* ``measured``: a preset's own rates (``Preset.rates``) for the optimizers the rule fails for,
  measured there; AdamW takes Adam's.

How the divisors were chosen (``python -m bench.bench_rates --grid`` repeats it): every optimizer
from every start of every preset, at every rate of the slider's grid (1e-5 to 10), for the preset's
steps; a run reaches a minimum when it ends, and stays, within 1/1000 of the domain's width of one
(``summarize``'s ``tol``, as on the page). ``w / 100`` got Adam to a minimum from every start on 12
of the 16 presets with minima, with the straightest paths of the divisors tried (30, 50, 70, 100;
``w / 30`` reaches on 15 but with paths up to 18 times longer than the distance covered, and at the
very last step on Goldstein-Price); the four others (Quartic, Rosenbrock, Beale, Matyas: a flat
valley or plateau next to steep walls, where Adam's average of squared gradients still holds the
steep part and shrinks its steps) list a measured rate. Adagrad at ``w / 10`` reaches on 11
(``w / 3`` on 14, but its first step then jumps a third of the domain), RMSprop at ``w / 1000``
on 5 and Lion at ``w / 300`` on none (``w / 1000`` on 3, crawling): with a constant rate they keep
circling a minimum at about their step size (a decaying schedule settles them).

With these rates and the presets' own (``python -m bench.bench_rates``), from every start of the
16 presets with minima: momentum and Adam reach a minimum on all 16, Nesterov on 15, gradient
descent and AdamW on 14, Adagrad on 11, RMSprop on 5, Adadelta and Lion on none. Gradient descent
misses on purpose on the Quartic (from -1.5 it creeps to the flat point at 0) and cannot follow
Rosenbrock's valley to the end within the 5000 steps the page allows.
"""
from __future__ import annotations

from typing import Iterable, Mapping

from .rules import OPTIMIZERS

__all__ = ["suited_lr", "TYPED_LR", "WIDTH_DIVISOR"]

#: gradient descent's rate for a typed loss (no preset): the page's long-standing default
TYPED_LR = 0.01
#: the step-size-like optimizers' rate is the domain's width divided by this
WIDTH_DIVISOR = {"adam": 100, "adamw": 100, "rmsprop": 1000, "adagrad": 10, "lion": 300}


def suited_lr(name: str, domain, plain_lr: float,
              measured: Mapping[str, float] | Iterable[tuple[str, float]] = ()) -> float:
    """The starting learning rate of optimizer ``name`` on a landscape shown on ``domain``
    ((lo, hi) per variable) whose plain gradient-descent rate is ``plain_lr``; ``measured`` rates
    (optimizer -> lr) come first. Not snapped to a grid. See the module docstring for the rule."""
    if name not in OPTIMIZERS:
        raise ValueError(f"no optimizer {name!r}")
    measured = dict(measured)
    if name in measured:
        return float(measured[name])
    if name == "adamw" and "adam" in measured:
        return float(measured["adam"])
    if name in ("gd", "sgd", "momentum"):
        return float(plain_lr)
    if name == "nesterov":
        return float(plain_lr) / 2
    default = OPTIMIZERS[name].default_lr
    if name not in WIDTH_DIVISOR:          # adadelta
        return default
    width = max(hi - lo for lo, hi in domain)
    return max(default, width / WIDTH_DIVISOR[name])
