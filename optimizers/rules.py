r"""Update rules: one optimizer = a pair of pure functions over arrays of shape ``(k, n)``.

Conventions (shared by every rule, stated once):

* ``init(x, **hyper) -> state``: ``x`` is the ``(k, n)`` array of starting points (``k`` runs of an
  ``n``-dimensional problem); ``state`` is a small NamedTuple of arrays shaped like ``x``. ``hyper``
  is the rule's full hyper-parameter dict (``OPTIMIZERS[name].resolve(...)``); a rule ignores what it
  does not use.
* ``update(g, state, lr, t, x, **hyper) -> (step, state)``: ``g`` is the gradient (estimate) at the
  current points ``x``, ``lr`` the learning rate of this step, ``t`` the 0-based step index (the
  reference pseudo-code counts from 1: its :math:`t` is our ``t + 1``). The new points are
  ``x + step``; ``x`` is passed so that weight decay can act on the parameters. Nothing is mutated.

The reference for every rule but Lion is the pseudo-code of the ``torch.optim`` documentation
(``SGD``, ``Adagrad``, ``RMSprop``, ``Adam``, ``AdamW``, ``Adadelta``) with its default
hyper-parameters; the functions below transcribe it. Symbols: :math:`\theta` parameters (``x``),
:math:`g_t` gradient, :math:`\gamma` learning rate (``lr``), :math:`\lambda` weight decay.

These functions are the readable reference. ``simulate`` steps eight of them (all but Lion and
Adadelta) through the fused moment form of :mod:`optimizers.fused` instead, and the tests check both
against plain scalar transcriptions of the pseudo-code.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, NamedTuple

import numpy as np

from . import fused
from .params import Param, resolve

__all__ = [
    "NoState", "MomentumState", "AdagradState", "RMSpropState", "AdamState", "AdadeltaState",
    "LionState", "gd_update", "momentum_update", "nesterov_update", "adagrad_update",
    "rmsprop_update", "adam_update", "adamw_update", "adadelta_update", "lion_update",
    "with_decoupled_weight_decay", "StateInfo", "Optimizer", "OPTIMIZERS",
]


def _zeros(x) -> np.ndarray:
    return np.zeros(np.shape(x))


def _l2(g, x, weight_decay: float):
    """torch's ``weight_decay`` for SGD, Adagrad, RMSprop, Adam, Adadelta: :math:`g + \\lambda\\theta`."""
    return g + weight_decay * x if weight_decay else g


# --- gradient descent ------------------------------------------------------------------------

class NoState(NamedTuple):
    """Gradient descent keeps no state."""


def gd_init(x, **_unused) -> NoState:
    return NoState()


def gd_update(g, state: NoState, lr, t, x, *, weight_decay: float = 0.0, **_unused):
    r"""Gradient descent: torch.optim.SGD with ``momentum=0``.

    .. math:: g_t \leftarrow g_t + \lambda\theta_{t-1}, \qquad \theta_t = \theta_{t-1} - \gamma\, g_t

    ``sgd`` is this same update; its randomness is in ``g`` (the engine passes the gradient plus
    Gaussian noise of scale ``noise``, or a mini-batch gradient).
    """
    return -lr * _l2(g, x, weight_decay), state


# --- SGD with momentum -----------------------------------------------------------------------

class MomentumState(NamedTuple):
    """The momentum buffer :math:`b` (torch's ``momentum_buffer``)."""

    velocity: np.ndarray


def momentum_init(x, **_unused) -> MomentumState:
    return MomentumState(_zeros(x))


def momentum_update(g, state: MomentumState, lr, t, x, *, momentum: float = 0.9,
                    dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                    **_unused):
    r"""SGD with momentum, as torch.optim.SGD documents it.

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        b_t &= \begin{cases} g_t & t = 1 \\ \mu\, b_{t-1} + (1-\tau)\, g_t & t > 1 \end{cases} \\
        \theta_t &= \theta_{t-1} - \gamma\, b_t
            \qquad(\text{Nesterov: } \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu\, b_t))

    :math:`\mu` = ``momentum`` (0.9 here), :math:`\tau` = ``dampening`` (0). torch scales by
    :math:`\gamma` when stepping, not inside the buffer (unlike Sutskever et al., 2013). With
    :math:`\mu = 0` torch uses no buffer at all, so dampening has no effect: :math:`b_t = g_t`
    (recorded as the velocity) and the step is :math:`-\gamma\, g_t`, as for gradient descent.
    """
    g = _l2(g, x, weight_decay)
    # torch only keeps a buffer when momentum != 0: with mu = 0 the step is plain -lr*g, undampened
    b = g if t == 0 or momentum == 0 else momentum * state.velocity + (1.0 - dampening) * g
    direction = g + momentum * b if nesterov else b
    return -lr * direction, MomentumState(b)


def nesterov_update(g, state: MomentumState, lr, t, x, *, momentum: float = 0.9,
                    weight_decay: float = 0.0, **_unused):
    r"""SGD with Nesterov momentum: torch.optim.SGD(``nesterov=True``, ``dampening=0``).

    .. math:: b_t = \mu\, b_{t-1} + g_t \;(b_1 = g_1), \qquad
              \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu\, b_t)
    """
    return momentum_update(g, state, lr, t, x, momentum=momentum, dampening=0.0,
                           weight_decay=weight_decay, nesterov=True)


# --- Adagrad ---------------------------------------------------------------------------------

class AdagradState(NamedTuple):
    """The running sum of squared gradients (torch's ``state_sum``)."""

    sum_sq: np.ndarray


def adagrad_init(x, *, initial_accumulator_value: float = 0.0, **_unused) -> AdagradState:
    return AdagradState(np.full(np.shape(x), float(initial_accumulator_value)))


def adagrad_update(g, state: AdagradState, lr, t, x, *, lr_decay: float = 0.0, eps: float = 1e-10,
                   weight_decay: float = 0.0, **_unused):
    r"""Adagrad, torch.optim.Adagrad (Duchi, Hazan & Singer, 2011).

    .. math::
        \tilde\gamma = \frac{\gamma}{1 + (t-1)\,\eta}, \quad
        state\_sum_t = state\_sum_{t-1} + g_t^2, \quad
        \theta_t = \theta_{t-1} - \tilde\gamma\, \frac{g_t}{\sqrt{state\_sum_t} + \epsilon}

    :math:`\eta` = ``lr_decay`` (0), :math:`state\_sum_0` = ``initial_accumulator_value`` (0),
    :math:`\epsilon` = ``eps`` (1e-10), :math:`\lambda` = ``weight_decay`` (0, L2).
    """
    g = _l2(g, x, weight_decay)
    clr = lr / (1.0 + t * lr_decay)
    total = state.sum_sq + g * g
    return -clr * g / (np.sqrt(total) + eps), AdagradState(total)


# --- RMSprop ---------------------------------------------------------------------------------

class RMSpropState(NamedTuple):
    """Square average :math:`v`, gradient average (centered) and momentum buffer :math:`b`."""

    square_avg: np.ndarray
    grad_avg: np.ndarray
    momentum_buffer: np.ndarray


def rmsprop_init(x, **_unused) -> RMSpropState:
    return RMSpropState(_zeros(x), _zeros(x), _zeros(x))


def rmsprop_update(g, state: RMSpropState, lr, t, x, *, alpha: float = 0.99, eps: float = 1e-8,
                   momentum: float = 0.0, centered: bool = False, weight_decay: float = 0.0,
                   **_unused):
    r"""RMSprop, torch.optim.RMSprop (Hinton, lecture 6e of Neural Networks for ML, 2012).

    .. math::
        v_t &= \alpha v_{t-1} + (1-\alpha)\, g_t^2, \qquad \tilde v_t = v_t \\
        \text{centered: } g^{ave}_t &= \alpha g^{ave}_{t-1} + (1-\alpha)\, g_t,
            \quad \tilde v_t = v_t - (g^{ave}_t)^2 \\
        \mu > 0:\ b_t &= \mu b_{t-1} + g_t / (\sqrt{\tilde v_t} + \epsilon),
            \quad \theta_t = \theta_{t-1} - \gamma\, b_t \\
        \text{else: } \theta_t &= \theta_{t-1} - \gamma\, g_t / (\sqrt{\tilde v_t} + \epsilon)

    torch's defaults: ``alpha`` 0.99, ``eps`` 1e-8, ``momentum`` 0, ``centered`` False (Keras and
    others use other defaults, e.g. rho 0.9, eps 1e-7).
    """
    g = _l2(g, x, weight_decay)
    square_avg = alpha * state.square_avg + (1.0 - alpha) * (g * g)
    grad_avg = state.grad_avg
    if centered:
        grad_avg = alpha * grad_avg + (1.0 - alpha) * g
        avg = np.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = np.sqrt(square_avg) + eps
    buffer = state.momentum_buffer
    if momentum > 0:
        buffer = momentum * buffer + g / avg
        step = -lr * buffer
    else:
        step = -lr * g / avg
    return step, RMSpropState(square_avg, grad_avg, buffer)


# --- Adam and AdamW --------------------------------------------------------------------------

class AdamState(NamedTuple):
    """First and second moments, and the running maximum of the second (AMSGrad)."""

    m: np.ndarray
    v: np.ndarray
    v_max: np.ndarray


def adam_init(x, **_unused) -> AdamState:
    return AdamState(_zeros(x), _zeros(x), _zeros(x))


def adam_update(g, state: AdamState, lr, t, x, *, beta1: float = 0.9, beta2: float = 0.999,
                eps: float = 1e-8, weight_decay: float = 0.0, amsgrad: bool = False, **_unused):
    r"""Adam, torch.optim.Adam (Kingma & Ba, 2015).

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        m_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t, \qquad v_t = \beta_2 v_{t-1} + (1-\beta_2)\, g_t^2 \\
        \hat m_t &= \frac{m_t}{1-\beta_1^t}, \qquad
            \hat v_t = \frac{v_t}{1-\beta_2^t}
            \quad\left(\text{AMSGrad: } v^{max}_t = \max(v^{max}_{t-1}, v_t),\ \hat v_t = \frac{v^{max}_t}{1-\beta_2^t}\right) \\
        \theta_t &= \theta_{t-1} - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}

    Defaults ``beta1`` 0.9, ``beta2`` 0.999, ``eps`` 1e-8, ``weight_decay`` 0 (L2: added to the
    gradient, unlike AdamW), ``amsgrad`` False. The first step moves each coordinate by almost
    exactly :math:`\gamma` (:math:`\hat m_1 / \sqrt{\hat v_1} = \operatorname{sign}(g_1)`).
    """
    g = _l2(g, x, weight_decay)
    count = t + 1
    m = beta1 * state.m + (1.0 - beta1) * g
    v = beta2 * state.v + (1.0 - beta2) * (g * g)
    bias1 = 1.0 - beta1 ** count
    bias2 = 1.0 - beta2 ** count
    v_max = np.maximum(state.v_max, v) if amsgrad else state.v_max
    denom = np.sqrt(v_max if amsgrad else v) / np.sqrt(bias2) + eps
    return -(lr / bias1) * m / denom, AdamState(m, v, v_max)


def with_decoupled_weight_decay(update: Callable, default: float) -> Callable:
    r"""Add decoupled weight decay (Loshchilov & Hutter, 2019) to a rule, as optax's ``chain`` would:
    the inner rule runs without its own (L2) decay, and :math:`\theta \leftarrow \theta -
    \gamma\lambda\theta` is applied as well (torch.optim.AdamW shrinks the parameters first, then
    takes the Adam step computed at the same point, so the two simply add)."""
    def decayed(g, state, lr, t, x, *, weight_decay: float = default, **hyper):
        step, state = update(g, state, lr, t, x, weight_decay=0.0, **hyper)
        return step - (lr * weight_decay) * x, state
    decayed.__name__ = f"decoupled_{update.__name__}"
    return decayed


adamw_update = with_decoupled_weight_decay(adam_update, 0.01)
adamw_update.__doc__ = r"""AdamW, torch.optim.AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

.. math::
    \theta_{t-1} \leftarrow \theta_{t-1} - \gamma\lambda\theta_{t-1}, \text{ then Adam's step (no L2 term)}

``weight_decay`` :math:`\lambda` = 0.01 (torch's default); built as
``with_decoupled_weight_decay(adam_update, 0.01)``.
"""


# --- Adadelta --------------------------------------------------------------------------------

class AdadeltaState(NamedTuple):
    """Square average :math:`v` and accumulated squared updates :math:`u`."""

    square_avg: np.ndarray
    acc_delta: np.ndarray


def adadelta_init(x, **_unused) -> AdadeltaState:
    return AdadeltaState(_zeros(x), _zeros(x))


def adadelta_update(g, state: AdadeltaState, lr, t, x, *, rho: float = 0.9, eps: float = 1e-6,
                    weight_decay: float = 0.0, **_unused):
    r"""Adadelta, torch.optim.Adadelta (Zeiler, 2012).

    .. math::
        g_t &\leftarrow g_t + \lambda\theta_{t-1} \\
        v_t &= \rho\, v_{t-1} + (1-\rho)\, g_t^2 \\
        \Delta x_t &= \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\, g_t \\
        u_t &= \rho\, u_{t-1} + (1-\rho)\, \Delta x_t^2 \\
        \theta_t &= \theta_{t-1} - \gamma\, \Delta x_t

    Defaults ``rho`` 0.9, ``eps`` 1e-6. :math:`\gamma` only scales an update whose size already comes
    from the ratio of the two running averages; torch's default ``lr`` is 1.0 (the paper has none).
    """
    g = _l2(g, x, weight_decay)
    square_avg = rho * state.square_avg + (1.0 - rho) * (g * g)
    delta = np.sqrt(state.acc_delta + eps) / np.sqrt(square_avg + eps) * g
    acc_delta = rho * state.acc_delta + (1.0 - rho) * (delta * delta)
    return -lr * delta, AdadeltaState(square_avg, acc_delta)


# --- Lion ------------------------------------------------------------------------------------

class LionState(NamedTuple):
    """Lion's momentum :math:`m`."""

    m: np.ndarray


def lion_init(x, **_unused) -> LionState:
    return LionState(_zeros(x))


def lion_update(g, state: LionState, lr, t, x, *, beta1: float = 0.9, beta2: float = 0.99,
                weight_decay: float = 0.0, **_unused):
    r"""Lion, "EvoLved Sign Momentum" (Chen et al., 2023, Algorithm 2).

    .. math::
        c_t &= \beta_1 m_{t-1} + (1-\beta_1)\, g_t \\
        \theta_t &= \theta_{t-1} - \gamma\,(\operatorname{sign}(c_t) + \lambda\,\theta_{t-1}) \\
        m_t &= \beta_2 m_{t-1} + (1-\beta_2)\, g_t

    Defaults ``beta1`` 0.9, ``beta2`` 0.99, ``weight_decay`` 0 (decoupled). With
    :math:`\lambda = 0` every coordinate moves by exactly :math:`\pm\gamma` (0 where :math:`c_t = 0`).
    The paper recommends a learning rate 3-10x smaller than AdamW's.
    """
    c = beta1 * state.m + (1.0 - beta1) * g
    step = -lr * np.sign(c)
    if weight_decay:
        step = step - (lr * weight_decay) * x
    return step, LionState(beta2 * state.m + (1.0 - beta2) * g)


# --- The table the engine and the UI read ----------------------------------------------------

class StateInfo(NamedTuple):
    """A state array ``simulate`` records (in ``run.states[optimizer][name]``).

    ``slot`` is where the fused engine keeps it (``"m"``, ``"v"``, ``"v_max"``, ``"buf"``; None for
    rules stepped by their own update, whose state field has this name); it is recorded only when
    hyper-parameter ``when`` is truthy (None: always).
    """

    name: str
    help: str
    slot: str | None = None
    when: str | None = None


@dataclass(frozen=True)
class Optimizer:
    """An optimizer as the UI and the engine see it.

    Attributes:
        name: key in OPTIMIZERS and in ``simulate``'s arguments.
        label: display name ("Adam").
        init, update: the pure rule (see the module docstring for the conventions).
        params: hyper-parameters (:class:`~optimizers.params.Param`), in display order.
        equations: LaTeX of the update rule, for display.
        reference: where the equations and defaults come from.
        default_lr: the reference implementation's default learning rate (a suggestion for the UI;
            ``simulate`` uses the ``lr`` it is given).
        states: the state arrays ``simulate`` records (besides ``effective_lr``, recorded for all).
        aliases: tuple-valued option names and the params they expand to (``betas``).
        moments: the rule in the fused moment form (:mod:`optimizers.fused`), or None when the
            engine steps it with its own ``update``.
        description: one line for a tooltip.
    """

    name: str
    label: str
    init: Callable
    update: Callable
    params: tuple[Param, ...]
    equations: str
    reference: str
    default_lr: float
    states: tuple[StateInfo, ...] = ()
    aliases: dict = field(default_factory=dict)
    moments: Callable | None = None
    description: str = ""

    def resolve(self, options: dict | None = None) -> dict[str, Any]:
        """Hyper-parameters: defaults overridden by ``options`` (aliases expanded), each checked
        against its range; unknown names and out-of-range values raise ValueError naming them."""
        options = dict(options or {})
        for alias, names in self.aliases.items():
            if alias in options:
                value = options.pop(alias)
                try:
                    values = tuple(value)
                except TypeError:
                    raise ValueError(f"{self.name}: {alias}={value!r} is not a pair of numbers") from None
                if len(values) != len(names):
                    raise ValueError(f"{self.name}: {alias}={value!r} must have {len(names)} values")
                for name, item in zip(names, values):
                    if name in options:
                        raise ValueError(f"{self.name}: give either {alias} or {name}, not both")
                    options[name] = item
        return resolve(self.params, options, self.name)


def _weight_decay(default: float = 0.0, *, decoupled: bool = False) -> Param:
    how = ("decoupled: theta -= lr*wd*theta each step" if decoupled
           else "L2: wd*theta is added to the gradient")
    return Param("weight_decay", default, 0.0, 1.0, False,
                 f"weight decay lambda, pulls the parameters towards 0 ({how})",
                 label="Weight decay λ (pull towards 0)")


def _eps(default: float) -> Param:
    return Param("eps", default, 1e-12, 1.0, True,
                 "epsilon: added to the denominator so that a zero gradient never divides by zero",
                 label="Epsilon ε: keeps the division safe")


_BETA1 = Param("beta1", 0.9, 0.0, 0.9999, False,
               "beta1: decay rate of the first moment m (running mean of gradients); near 1 = long memory",
               label="β₁: memory of the average gradient m")
_BETA2 = Param("beta2", 0.999, 0.0, 0.99999, False,
               "beta2: decay rate of the second moment v (running mean of squared gradients); near 1 = long memory",
               label="β₂: memory of the average squared gradient v")
_AMSGRAD = Param("amsgrad", False, 0, 1, False,
                 "AMSGrad: divide by the running maximum of v instead of v, so the step size never grows "
                 "again once v has been large", "bool", label="AMSGrad: never let the step size grow")
_MOMENTUM = Param("momentum", 0.9, 0.0, 0.999, False,
                  "momentum mu: fraction of the velocity b kept each step (0 = plain gradient descent)",
                  label="Momentum μ: share of the velocity kept each step")
_VELOCITY = StateInfo("velocity", "momentum buffer b", "m")
_ADAM_STATES = (StateInfo("m", "first moment m (running mean of gradients)", "m"),
                StateInfo("v", "second moment v (running mean of squared gradients)", "v"),
                StateInfo("v_max", "running maximum of v (amsgrad)", "v_max", "amsgrad"))
_ADAM_STEPS = (r"m_t &= \beta_1 m_{t-1} + (1-\beta_1)\,g_t\\"
               r"v_t &= \beta_2 v_{t-1} + (1-\beta_2)\,g_t^2\\"
               r"\hat m_t &= \frac{m_t}{1-\beta_1^t},\quad \hat v_t = \frac{v_t}{1-\beta_2^t}\\"
               r"\theta_t &= \theta_{t-1} - \gamma\,\frac{\hat m_t}{\sqrt{\hat v_t}+\epsilon}")

OPTIMIZERS: dict[str, Optimizer] = {spec.name: spec for spec in (
    Optimizer(
        "gd", "Gradient descent", gd_init, gd_update, (_weight_decay(),),
        r"\theta_t = \theta_{t-1} - \gamma\,\nabla f(\theta_{t-1})",
        "torch.optim.SGD documentation (momentum=0; Cauchy, 1847)", 1e-3,
        moments=fused.gd_moments, description="steps against the gradient, scaled by the learning rate"),
    Optimizer(
        "sgd", "SGD (noisy)", gd_init, gd_update,
        (Param("noise", 1.0, 0.0, 100.0, False,
               "standard deviation sigma of the Gaussian noise added to each gradient coordinate "
               "(stands in for mini-batch noise; 0 = gradient descent)",
               label="Noise σ added to the gradient (like mini-batches)"),
         _weight_decay()),
        r"\theta_t = \theta_{t-1} - \gamma\,\big(\nabla f(\theta_{t-1}) + \sigma z_t\big),"
        r"\quad z_t \sim \mathcal N(0, I)",
        "torch.optim.SGD documentation (momentum=0) on a noisy or mini-batch gradient (Robbins & Monro, 1951)",
        1e-3, (StateInfo("gradient_estimate", "the noisy or mini-batch gradient each step used"),),
        moments=fused.gd_moments, description="gradient descent on a noisy gradient, as with mini-batches"),
    Optimizer(
        "momentum", "Momentum", momentum_init, momentum_update,
        (_MOMENTUM,
         Param("dampening", 0.0, 0.0, 1.0, False,
               "dampening tau: each new gradient enters the velocity as (1 - tau) g (0 = all of it)",
               label="Dampening τ: share of the new gradient left out of momentum"),
         _weight_decay()),
        r"\begin{aligned}b_t &= \mu\, b_{t-1} + (1-\tau)\,g_t \quad (b_1 = g_1)\\"
        r"\theta_t &= \theta_{t-1} - \gamma\, b_t\end{aligned}",
        "torch.optim.SGD documentation (momentum=0.9; Polyak, 1964)", 1e-3, (_VELOCITY,),
        moments=fused.momentum_moments, description="heavy ball: a velocity that accumulates past gradients"),
    Optimizer(
        "nesterov", "Nesterov", momentum_init, nesterov_update, (_MOMENTUM, _weight_decay()),
        r"\begin{aligned}b_t &= \mu\, b_{t-1} + g_t \quad (b_1 = g_1)\\"
        r"\theta_t &= \theta_{t-1} - \gamma\,(g_t + \mu\, b_t)\end{aligned}",
        "torch.optim.SGD documentation (momentum=0.9, nesterov=True; Sutskever et al., 2013)", 1e-3,
        (_VELOCITY,), moments=fused.nesterov_moments, description="momentum that looks one step ahead"),
    Optimizer(
        "adagrad", "Adagrad", adagrad_init, adagrad_update,
        (Param("lr_decay", 0.0, 0.0, 1.0, False, "learning-rate decay eta: lr / (1 + (t-1) eta)",
               label="Rate decay η: shrink the learning rate over the steps"),
         Param("initial_accumulator_value", 0.0, 0.0, 10.0, False,
               "starting value of the sum of squared gradients s (larger = smaller first steps)",
               label="Starting sum of squared gradients s₀"),
         _eps(1e-10), _weight_decay()),
        r"\begin{aligned}s_t &= s_{t-1} + g_t^2\\"
        r"\theta_t &= \theta_{t-1} - \frac{\gamma}{1+(t-1)\eta}\,\frac{g_t}{\sqrt{s_t}+\epsilon}\end{aligned}",
        "torch.optim.Adagrad documentation (Duchi, Hazan & Singer, 2011)", 1e-2,
        (StateInfo("sum_sq", "sum of squared gradients s", "v"),), moments=fused.adagrad_moments,
        description="per-coordinate steps that shrink with the sum of past squared gradients"),
    Optimizer(
        "rmsprop", "RMSprop", rmsprop_init, rmsprop_update,
        (Param("alpha", 0.99, 0.0, 0.9999, False,
               "alpha: smoothing constant of the squared-gradient average v; near 1 = long memory",
               label="α: memory of the average squared gradient v"),
         _eps(1e-8),
         Param("momentum", 0.0, 0.0, 0.999, False, "momentum on the scaled step (0 = none)",
               label="Momentum on the step (0 = none)"),
         Param("centered", False, 0, 1, False,
               "divide by an estimate of the gradient's variance (v minus the squared mean gradient) "
               "instead of v", "bool", label="Centered: divide by the gradient's variance"),
         _weight_decay()),
        r"\begin{aligned}v_t &= \alpha v_{t-1} + (1-\alpha)\,g_t^2\\"
        r"\theta_t &= \theta_{t-1} - \gamma\,\frac{g_t}{\sqrt{v_t}+\epsilon}\end{aligned}",
        "torch.optim.RMSprop documentation (Hinton, Neural Networks for Machine Learning, lecture 6e, 2012)", 1e-2,
        (StateInfo("square_avg", "running average of squared gradients v", "v"),
         StateInfo("grad_avg", "running average of gradients (centered)", "m", "centered"),
         StateInfo("momentum_buffer", "momentum buffer b (momentum > 0)", "buf", "momentum")),
        moments=fused.rmsprop_moments, description="divides each coordinate by a running RMS of its gradients"),
    Optimizer(
        "adam", "Adam", adam_init, adam_update,
        (_BETA1, _BETA2, _eps(1e-8), _weight_decay(), _AMSGRAD),
        r"\begin{aligned}g_t &= \nabla f(\theta_{t-1}) + \lambda\theta_{t-1}\\" + _ADAM_STEPS + r"\end{aligned}",
        "torch.optim.Adam documentation (Kingma & Ba, 2015)", 1e-3, _ADAM_STATES,
        aliases={"betas": ("beta1", "beta2")}, moments=fused.adam_moments,
        description="momentum plus per-coordinate RMS scaling, bias-corrected"),
    Optimizer(
        "adamw", "AdamW", adam_init, adamw_update,
        (_BETA1, _BETA2, _eps(1e-8), _weight_decay(0.01, decoupled=True), _AMSGRAD),
        r"\begin{aligned}\theta_{t-1} &\leftarrow \theta_{t-1} - \gamma\lambda\,\theta_{t-1}\\"
        r"g_t &= \nabla f(\theta_{t-1})\\" + _ADAM_STEPS + r"\end{aligned}",
        "torch.optim.AdamW documentation (Loshchilov & Hutter, 2019)", 1e-3, _ADAM_STATES,
        aliases={"betas": ("beta1", "beta2")}, moments=fused.adamw_moments,
        description="Adam with weight decay applied to the parameters, not the gradient"),
    Optimizer(
        "adadelta", "Adadelta", adadelta_init, adadelta_update,
        (Param("rho", 0.9, 0.0, 0.9999, False,
               "rho: decay rate of both running averages v and u; near 1 = long memory",
               label="ρ: memory of both running averages"),
         _eps(1e-6), _weight_decay()),
        r"\begin{aligned}v_t &= \rho v_{t-1} + (1-\rho)\,g_t^2\\"
        r"\Delta_t &= \frac{\sqrt{u_{t-1}+\epsilon}}{\sqrt{v_t+\epsilon}}\,g_t\\"
        r"u_t &= \rho u_{t-1} + (1-\rho)\,\Delta_t^2\\"
        r"\theta_t &= \theta_{t-1} - \gamma\,\Delta_t\end{aligned}",
        "torch.optim.Adadelta documentation (Zeiler, 2012); lr only scales the update (torch's default 1.0)",
        1.0, (StateInfo("square_avg", "running average of squared gradients v"),
              StateInfo("acc_delta", "running average of squared updates u")),
        description="step sizes from the ratio of RMS update to RMS gradient"),
    Optimizer(
        "lion", "Lion", lion_init, lion_update,
        (Param("beta1", 0.9, 0.0, 0.9999, False,
               "beta1: c = beta1 m + (1 - beta1) g, the blend of momentum and gradient whose sign is the step",
               label="β₁: momentum's share in the step's direction"),
         Param("beta2", 0.99, 0.0, 0.99999, False, "beta2: decay rate of the momentum m; near 1 = long memory",
               label="β₂: memory of the momentum m"),
         _weight_decay(decoupled=True)),
        r"\begin{aligned}c_t &= \beta_1 m_{t-1} + (1-\beta_1)\,g_t\\"
        r"\theta_t &= \theta_{t-1} - \gamma\,\big(\operatorname{sign}(c_t) + \lambda\theta_{t-1}\big)\\"
        r"m_t &= \beta_2 m_{t-1} + (1-\beta_2)\,g_t\end{aligned}",
        "Chen et al., Symbolic Discovery of Optimization Algorithms, 2023 (Algorithm 2)", 1e-4,
        (StateInfo("m", "momentum m"),), aliases={"betas": ("beta1", "beta2")},
        description="moves every coordinate by exactly lr, in the sign of a momentum blend"),
)}
