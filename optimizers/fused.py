r"""The fused "moment form" that lets the engine step eight optimizers with one set of numpy calls.

gd, sgd, momentum, nesterov, adagrad, rmsprop, adam and adamw are all instances of one update, with
per-rule coefficients (floats, or arrays over the 0-based step ``t`` where marked ``_t``):

.. math::
    \hat g &= g + \lambda\,\theta \\
    m &\leftarrow a\,m + c_t\,\hat g \qquad v \leftarrow b\,v + d\,\hat g^2 \qquad
        v^{max} \leftarrow \max(k\,v^{max}, v) \\
    u &= \frac{p_t\,m + q_t\,\hat g}{\sqrt{r_t\,\tilde v - s\,m^2} + \epsilon}
        \qquad (\tilde v = v^{max} \text{ if } k = 1 \text{ else } v) \\
    buf &\leftarrow \mu\,buf + u \quad (buf = u \text{ when } \mu = 0) \\
    \theta &\leftarrow \theta\,(1 - \gamma_t\,\omega) - \gamma_t\,buf

The ``*_moments`` functions below map each rule's hyper-parameters to these coefficients; they are
the only place where the fused path knows about a rule, and the tests check the engine against
plain transcriptions of each rule's pseudo-code. :class:`Fused` stacks them over runs and folds
them for speed: the learning rate, ``p``, ``q`` and Adam's bias corrections become a few tables of
the stack's full shape (built a block of steps at a time), so that every numpy call in the step
loop works on equal-shape contiguous arrays.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import numpy as np

__all__ = ["Moments", "gd_moments", "momentum_moments", "nesterov_moments", "adagrad_moments",
           "rmsprop_moments", "adam_moments", "adamw_moments", "decoupled_weight_decay", "Fused"]


class Moments(NamedTuple):
    """A rule in moment form (see the module docstring). ``lr``, ``c``, ``p``, ``q``, ``r`` are
    arrays over steps; the others are floats. ``v0`` is the initial value of ``v``."""

    lr: Any
    c: Any
    p: Any
    q: Any
    r: Any
    a: float = 0.0
    b: float = 0.0
    d: float = 0.0
    v0: float = 0.0
    s: float = 0.0
    k: float = 0.0
    eps: float = 1.0
    mu: float = 0.0
    omega: float = 0.0
    l2: float = 0.0


def _full(t, value) -> np.ndarray:
    return np.full(np.shape(t), float(value))


def gd_moments(t, lr, *, weight_decay: float = 0.0, **_unused) -> Moments:
    """gd and sgd: :math:`u = \\hat g`."""
    return Moments(np.asarray(lr, float), _full(t, 0), _full(t, 0), _full(t, 1), _full(t, 0),
                   l2=weight_decay)


def momentum_moments(t, lr, *, momentum: float = 0.9, dampening: float = 0.0,
                     weight_decay: float = 0.0, nesterov: bool = False, **_unused) -> Moments:
    """SGD momentum: :math:`m = b` with :math:`c_1 = 1`, later :math:`1 - \\tau`; :math:`u = b`
    (Nesterov: :math:`u = \\hat g + \\mu b`). With :math:`\\mu = 0` torch keeps no buffer, so
    dampening does not apply: :math:`c = 1` throughout and :math:`m = \\hat g`."""
    t = np.asarray(t)
    c = np.where((t == 0) | (momentum == 0), 1.0, 1.0 - dampening)
    p, q = (_full(t, momentum), _full(t, 1)) if nesterov else (_full(t, 1), _full(t, 0))
    return Moments(np.asarray(lr, float), c, p, q, _full(t, 0), a=momentum, l2=weight_decay)


def nesterov_moments(t, lr, *, momentum: float = 0.9, weight_decay: float = 0.0, **_unused) -> Moments:
    return momentum_moments(t, lr, momentum=momentum, weight_decay=weight_decay, nesterov=True)


def adagrad_moments(t, lr, *, lr_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                    eps: float = 1e-10, weight_decay: float = 0.0, **_unused) -> Moments:
    """Adagrad: :math:`v` is the sum of squares (:math:`b = d = 1`), :math:`\\gamma_t = \\gamma/(1 + t\\eta)`."""
    decayed = np.asarray(lr, float) / (1.0 + np.asarray(t) * lr_decay)
    return Moments(decayed, _full(t, 0), _full(t, 0), _full(t, 1), _full(t, 1), b=1.0, d=1.0,
                   v0=initial_accumulator_value, eps=eps, l2=weight_decay)


def rmsprop_moments(t, lr, *, alpha: float = 0.99, eps: float = 1e-8, momentum: float = 0.0,
                    centered: bool = False, weight_decay: float = 0.0, **_unused) -> Moments:
    """RMSprop: :math:`v` the square average; centered keeps the gradient average in :math:`m`."""
    c = _full(t, 1.0 - alpha if centered else 0.0)
    return Moments(np.asarray(lr, float), c, _full(t, 0), _full(t, 1), _full(t, 1),
                   a=alpha if centered else 0.0, b=alpha, d=1.0 - alpha, s=float(centered),
                   eps=eps, mu=momentum, l2=weight_decay)


def adam_moments(t, lr, *, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, **_unused) -> Moments:
    """Adam: :math:`p_t = 1/(1-\\beta_1^t)`, :math:`r_t = 1/(1-\\beta_2^t)` (bias corrections)."""
    count = np.asarray(t) + 1.0
    return Moments(np.asarray(lr, float), _full(t, 1.0 - beta1), 1.0 / (1.0 - np.power(beta1, count)),
                   _full(t, 0), 1.0 / (1.0 - np.power(beta2, count)), a=beta1, b=beta2, d=1.0 - beta2,
                   k=float(amsgrad), eps=eps, l2=weight_decay)


def decoupled_weight_decay(moments: Callable) -> Callable:
    """The same rule without L2 decay, plus :math:`\\theta \\leftarrow \\theta(1 - \\gamma\\lambda)`."""
    def decayed(t, lr, *, weight_decay: float = 0.0, **hyper) -> Moments:
        return moments(t, lr, weight_decay=0.0, **hyper)._replace(omega=float(weight_decay))
    decayed.__name__ = f"decoupled_{moments.__name__}"
    return decayed


adamw_moments = decoupled_weight_decay(adam_moments)


class Flags(NamedTuple):
    """Optional terms used by at least one run (the step loop skips the others)."""

    l2: bool
    amsgrad: bool
    centered: bool
    buf: bool
    decoupled: bool


class Fused:
    """Moment-form coefficients of several optimizers stacked over ``rows = len(rules) * count`` runs.

    Folding (exact in real arithmetic): with :math:`\\sigma_t = \\sqrt{r_t}` (1 where :math:`r_t = 0`,
    where :math:`v` stays 0) the step is :math:`(P_t m + Q_t \\hat g) / (\\sqrt{\\tilde v - s' m^2} +
    E_t)` with :math:`P_t = -\\gamma_t p_t / \\sigma_t`, :math:`Q_t = -\\gamma_t q_t / \\sigma_t`,
    :math:`E_t = \\epsilon / \\sigma_t`, :math:`s' = s / r_t` (centered RMSprop has :math:`r = 1`). With
    momentum after the preconditioner (:math:`\\mu > 0`) :math:`\\gamma_t` is applied to ``buf``
    instead (``B_t = -\\gamma_t``; 1 for the other rows).
    """

    def __init__(self, moments: list[Moments], count: int, n: int):
        self.count, self.n = count, n
        self.rows = len(moments) * count
        self.moments = moments
        for m in moments:
            if m.s and not np.all(np.asarray(m.r) == 1.0):
                raise ValueError("centered second moments need r = 1")
        self.flags = Flags(any(m.l2 for m in moments), any(m.k for m in moments),
                           any(m.s for m in moments), any(m.mu for m in moments),
                           any(m.omega for m in moments))
        column = self.column
        # coefficient stack for [m, v, g, g^2]: [a, b, c, d]; c at t = 0 may differ (SGD's b_1 = g_1)
        first = np.array([[m.a, m.b, m.c[0] if len(m.c) else 0.0, m.d] for m in moments]).T
        later = np.array([[m.a, m.b, m.c[1] if len(m.c) > 1 else 0.0, m.d] for m in moments]).T
        for m in moments:
            if len(m.c) > 2 and not np.all(m.c[1:] == m.c[1]):
                raise ValueError("c may only change after the first step")
        self.coef_first = np.stack([column(row) for row in first])
        self.coef = np.stack([column(row) for row in later])
        self.v0 = column([m.v0 for m in moments])
        self.l2 = column([m.l2 for m in moments])
        self.k = column([m.k for m in moments])
        self.s = column([m.s for m in moments])
        self.mu = column([m.mu for m in moments])
        self.buffered = np.array([m.mu != 0 for m in moments])
        # per-optimizer tables over all steps (small: steps x optimizers)
        r = np.stack([np.asarray(m.r, float) for m in moments], axis=1)
        sigma = np.where(r > 0, np.sqrt(r), 1.0)
        lr = np.stack([np.asarray(m.lr, float) for m in moments], axis=1)
        scale = np.where(self.buffered, 1.0, -lr)
        self._p = scale * np.stack([np.asarray(m.p, float) for m in moments], axis=1) / sigma
        self._q = scale * np.stack([np.asarray(m.q, float) for m in moments], axis=1) / sigma
        self._e = np.array([m.eps for m in moments]) / sigma
        self._w = 1.0 - lr * np.array([m.omega for m in moments])
        self._b = np.where(self.buffered, -lr, 1.0)

    def column(self, per_rule) -> np.ndarray:
        """Per-rule values -> a (rows, n) array (each value repeated over its runs and coordinates)."""
        values = np.asarray(per_rule, dtype=float)
        return np.ascontiguousarray(np.broadcast_to(values[:, None, None], (len(values), self.count, self.n))
                                    .reshape(self.rows, self.n))

    def _expand(self, table: np.ndarray) -> np.ndarray:
        steps, rules = table.shape
        return np.broadcast_to(table[:, :, None, None], (steps, rules, self.count, self.n)) \
            .reshape(steps, self.rows, self.n)

    def tables(self, start: int, stop: int):
        """Full-shape tables for steps ``start..stop-1``: PQ (steps, 2, rows, n), E, W, B (steps, rows, n)."""
        pq = np.stack([self._expand(self._p[start:stop]), self._expand(self._q[start:stop])], axis=1)
        e = self._expand(self._e[start:stop])
        w = self._expand(self._w[start:stop]) if self.flags.decoupled else None
        b = self._expand(self._b[start:stop]) if self.flags.buf else None
        return pq, e, w, b
