r"""Learning-rate schedules: functions of the 0-based step index ``t``.

A schedule is a callable ``t -> lr`` that accepts an int or an array of steps, so plotting one is
``sched(np.arange(T))``. Build them with :func:`make`; :data:`SCHEDULES` describes each kind (its
parameters with defaults and ranges, and a LaTeX formula) for the UI.

Definitions (:math:`\eta` = ``lr``, :math:`t = 0, 1, 2, \dots` the step index):

* ``constant``: :math:`\eta_t = \eta`
* ``step``: :math:`\eta_t = \eta\,\gamma^{\lfloor t / s \rfloor}` (``factor`` :math:`\gamma`, ``every`` :math:`s`)
* ``exponential``: :math:`\eta_t = \eta\,e^{-k t}`
* ``inverse_time``: :math:`\eta_t = \eta / (1 + k t)`
* ``cosine``: :math:`\eta_t = \eta_{min} + \tfrac12(\eta - \eta_{min})(1 + \cos(\pi \min(t, T)/T))`,
  so :math:`\eta_0 = \eta`, :math:`\eta_T = \eta_{min}` and it stays there (``total`` :math:`T`).

Linear warm-up (``warmup`` :math:`W > 0`) multiplies any of them by :math:`\min(1, (t+1)/W)`:
the first step uses :math:`\eta_0 / W`, step :math:`W-1` and later the plain schedule.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from .params import Param, resolve

__all__ = ["Schedule", "ScheduleKind", "SCHEDULES", "WARMUP", "LR", "make"]

LR = Param("lr", 0.01, 0.0, 10.0, False, "base learning rate (its value at t = 0)",
           label="Learning rate η at the start")
WARMUP = Param("warmup", 0, 0, 1_000_000, False,
               "linear warm-up: multiply by min(1, (t+1)/W) during the first W steps (0 = none)", "int",
               label="Warm-up steps W (0 = none)")


@dataclass(frozen=True)
class ScheduleKind:
    """One kind of schedule: its parameters (besides ``lr`` and ``warmup``) and formula."""

    name: str
    label: str
    params: tuple[Param, ...]
    latex: str
    help: str
    function: Callable = field(repr=False)


def _constant(t, lr):
    return np.full(np.shape(t), lr, dtype=float)


def _step(t, lr, factor, every):
    return lr * np.power(factor, np.floor_divide(t, every))


def _exponential(t, lr, k):
    return lr * np.exp(-k * t)


def _inverse_time(t, lr, k):
    return lr / (1.0 + k * t)


def _cosine(t, lr, total, min_lr):
    fraction = np.minimum(t, total) / total
    return min_lr + 0.5 * (lr - min_lr) * (1.0 + np.cos(np.pi * fraction))


_K = "decay rate k per step"
_K_LABEL = "Decay k per step"
SCHEDULES: dict[str, ScheduleKind] = {
    kind.name: kind for kind in (
        ScheduleKind("constant", "Constant", (), r"\eta_t = \eta", "the same learning rate at every step",
                     _constant),
        ScheduleKind("step", "Step decay",
                     (Param("factor", 0.5, 1e-3, 1.0, False, "multiply the learning rate by this factor...",
                            label="Factor γ: multiply the rate by"),
                      Param("every", 100, 1, 1_000_000, False, "...every this many steps", "int",
                            label="Every s steps")),
                     r"\eta_t = \eta\,\gamma^{\lfloor t/s \rfloor}",
                     "multiply by a factor every few steps (\"halve it every s epochs\")", _step),
        ScheduleKind("exponential", "Exponential decay",
                     (Param("k", 0.01, 1e-6, 1.0, True, _K, label=_K_LABEL),),
                     r"\eta_t = \eta\,e^{-k t}", "smooth exponential decay", _exponential),
        ScheduleKind("inverse_time", "Inverse-time decay",
                     (Param("k", 0.01, 1e-6, 1.0, True, _K, label=_K_LABEL),),
                     r"\eta_t = \frac{\eta}{1 + k\,t}", "decay like 1/t (Robbins-Monro conditions)",
                     _inverse_time),
        ScheduleKind("cosine", "Cosine annealing",
                     (Param("total", 500, 1, 1_000_000, False, "steps over which to anneal (then stay at min_lr)", "int",
                            label="Over T steps"),
                      Param("min_lr", 0.0, 0.0, 10.0, False, "learning rate reached at step total",
                            label="Down to the rate η_min")),
                     r"\eta_t = \eta_{\min} + \tfrac{1}{2}(\eta - \eta_{\min})"
                     r"\left(1 + \cos\frac{\pi \min(t, T)}{T}\right)",
                     "half a cosine from lr down to min_lr over total steps (Loshchilov & Hutter, 2017)",
                     _cosine),
    )
}

_WARMUP_LATEX = r"\eta'_t = \eta_t \cdot \min\left(1, \frac{t+1}{W}\right)"


@dataclass(frozen=True)
class Schedule:
    """A learning-rate schedule: call it with a step index (int or int array, 0-based)."""

    name: str
    lr: float
    params: dict
    warmup: int = 0

    def __call__(self, t):
        steps = np.asarray(t)
        if steps.dtype.kind not in "iuf":
            raise ValueError(f"schedule {self.name}: step t={t!r} is not a number")
        if np.any(steps < 0) or not np.all(np.isfinite(steps)):
            raise ValueError(f"schedule {self.name}: step t={t!r} must be >= 0")
        steps = steps.astype(float)
        rate = SCHEDULES[self.name].function(steps, self.lr, **self.params)
        if self.warmup:
            rate = rate * np.minimum(1.0, (steps + 1.0) / self.warmup)
        return float(rate) if np.ndim(t) == 0 else rate

    @property
    def latex(self) -> str:
        """The formula (with warm-up when there is one)."""
        formula = SCHEDULES[self.name].latex
        return formula + (r",\quad " + _WARMUP_LATEX if self.warmup else "")

    def describe(self) -> str:
        """A short text such as ``exponential(lr=0.1, k=0.01, warmup=10)``."""
        parts = [f"lr={self.lr:g}"] + [f"{key}={value:g}" for key, value in self.params.items()]
        if self.warmup:
            parts.append(f"warmup={self.warmup}")
        return f"{self.name}({', '.join(parts)})"

    def __hash__(self) -> int:
        return hash((self.name, self.lr, tuple(sorted(self.params.items())), self.warmup))


def make(name: str = "constant", lr: float = 0.01, warmup: int = 0, **params: Any) -> Schedule:
    """Build a schedule.

    Args:
        name: one of :data:`SCHEDULES` (``constant``, ``step``, ``exponential``, ``inverse_time``, ``cosine``).
        lr: base learning rate :math:`\\eta` (in ``[0, 10]``).
        warmup: linear warm-up steps :math:`W` (0 = none): the rate is multiplied by ``min(1, (t+1)/W)``.
        **params: the kind's parameters (see ``SCHEDULES[name].params``); defaults fill the rest.

    Raises:
        ValueError: unknown schedule or parameter, or a value out of range (the message names it).
    """
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r} (known: {', '.join(SCHEDULES)})")
    lr = LR.check(lr, f"schedule {name}")
    warmup = WARMUP.check(warmup, f"schedule {name}")
    values = resolve(SCHEDULES[name].params, params, f"schedule {name}")
    return Schedule(name, lr, values, warmup)
