"""What to tell someone whose runs diverged, or ended away from every minimum: pure functions, no
page code.

A loss is *quadratic* when it is a polynomial of degree at most 2 in its variables,
f(θ) = c + bᵀθ + ½ θᵀHθ with a constant Hessian H. Then:

* f is bounded below iff H is positive semi-definite and b lies in the range of H; otherwise it
  decreases without bound and no learning rate makes a run find a minimum.
* Gradient descent, θ ← θ − η∇f, multiplies the component along an eigenvector of eigenvalue λ
  by (1 − ηλ) each step: it is stable iff η < 2/λ_max.
* Heavy-ball momentum (torch's SGD with momentum μ, dampening 0: b ← μb + ∇f, θ ← θ − ηb, which is
  θ' = θ − η∇f + μ(θ − θ_prev)) has per eigenvalue the characteristic polynomial
  r² − (1 + μ − ηλ) r + μ; both roots lie inside the unit circle iff |μ| < 1 and
  0 < ηλ < 2(1 + μ) (Polyak 1964, "Some methods of speeding up the convergence of iteration
  methods"): stable iff η < 2(1 + μ)/λ_max.

For the other optimizers (Nesterov, the adaptive ones) no such bound is stated here.

A run that neither diverged nor reached a known minimum gets one reason (:func:`why_not_reached`):
it ended outside the shown domain; it is at or near a point where the gradient vanishes that is not
a known minimum (a saddle, a maximum, a flat inflection); its loss was still falling when its steps
ran out; it keeps circling a minimum without settling (its steps stay too large, or SGD's noise); or
it stopped on a flat stretch away from every known minimum.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .engine import base_name
from .numbers import number, point

__all__ = ["Quadratic", "quadratic_of", "stability_bound", "falling", "Diverged",
           "divergence_message", "UNBOUNDED", "why_not_reached", "Unreached", "no_minimum",
           "unreached_message", "NEAR", "STOPPED"]

UNBOUNDED = "decreases without bound: no minimum to reach"


@dataclass(frozen=True)
class Quadratic:
    """A quadratic loss: its constant Hessian's eigenvalues and whether it is bounded below."""
    eigenvalues: tuple[float, ...]      # ascending
    bounded_below: bool

    @property
    def lambda_max(self) -> float:
        return self.eigenvalues[-1]


def quadratic_of(loss) -> Quadratic | None:
    """The :class:`Quadratic` of ``loss`` (a ``Loss`` or ``DatasetLoss``) if it is a polynomial of
    degree at most 2 in its variables (its Hessian has no variable in it), else None."""
    symbols = set(loss.symbols)
    try:
        if not loss.expr.is_polynomial(*loss.symbols):
            return None
    except Exception:                       # noqa: BLE001 - SymPy's own failures: not quadratic
        return None
    if any(h.free_symbols & symbols for row in loss.hessian_exprs for h in row):
        return None
    origin = np.zeros((1, loss.n))
    hessian = np.asarray(loss.hessian(origin), dtype=float)[0]
    b = np.asarray(loss.gradient(origin), dtype=float)[0]       # ∇f(0) = b
    if not (np.isfinite(hessian).all() and np.isfinite(b).all()):
        return None
    hessian = (hessian + hessian.T) / 2
    eigenvalues, vectors = np.linalg.eigh(hessian)
    tol = 1e-9 * max(1.0, float(np.abs(eigenvalues).max()))
    bounded = bool(eigenvalues[0] >= -tol)
    if bounded:                             # b must have no part along a flat direction
        flat = vectors[:, np.abs(eigenvalues) <= tol]
        bounded = bool(np.all(np.abs(flat.T @ b) <= 1e-9 * max(1.0, float(np.abs(b).max()))))
    return Quadratic(tuple(float(v) for v in eigenvalues), bounded)


def stability_bound(optimizer: str, lambda_max: float, options: dict | None = None):
    """``(bound, formula, qualifier)``: the largest stable learning rate of ``optimizer`` on a quadratic whose
    Hessian's largest eigenvalue is ``lambda_max`` (stable iff lr < bound), and how it is written;
    None where no bound is derived here (other optimizers, weight decay, dampening, Nesterov,
    λ_max ≤ 0). ``qualifier`` names the hyper-parameter the formula uses (" (μ = 0.9)") or is ""."""
    options = options or {}
    if not lambda_max > 0 or options.get("weight_decay", 0):
        return None
    if optimizer == "gd":
        return 2 / lambda_max, "2/λ_max", ""
    if optimizer == "momentum":
        mu = float(options.get("momentum", 0.9))
        if options.get("dampening", 0) or options.get("nesterov", False) or not 0 <= mu < 1:
            return None
        if mu == 0:
            return 2 / lambda_max, "2/λ_max", " (μ = 0)"
        return 2 * (1 + mu) / lambda_max, "2(1+μ)/λ_max", f" (μ = {number(mu)})"
    return None


def falling(values: Sequence[float], last: int, window: int = 3) -> bool:
    """Whether a run's loss was still falling when it stopped: ``values[:last + 1]`` are its
    finite losses; the last ``window`` steps each lowered the loss and it ended below its start."""
    v = np.asarray(values[: last + 1], dtype=float)
    if last < window or not np.isfinite(v).all():
        return False
    return bool(np.all(np.diff(v[-window - 1:]) < 0) and v[-1] < v[0])


@dataclass(frozen=True)
class Diverged:
    """One diverged run: its optimizer key and label, its start (numbered from 1), the step of its
    first bad point, the largest learning rate it used, whether that rate was constant, and whether
    its loss was still falling when it stopped (:func:`falling`)."""
    optimizer: str
    label: str
    start: int
    step: int
    lr: float
    constant_lr: bool = True
    falling: bool = False


def _and(items: Sequence[str]) -> str:
    items = list(items)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _groups(runs: Sequence[Diverged]) -> dict[str, list[Diverged]]:
    out: dict[str, list[Diverged]] = {}
    for r in runs:
        out.setdefault(r.label, []).append(r)
    return out


def _who(runs: Sequence[Diverged], steps: bool = True) -> str:
    parts = []
    for label, group in _groups(runs).items():
        starts = "start" + ("s" if len(group) > 1 else "") + " " + _and([str(r.start) for r in group])
        text = f"{label} from {starts}"
        if steps:
            text += (" at step" + ("s" if len(group) > 1 else "") + " "
                     + _and([str(r.step) for r in group]))
        parts.append(text)
    return ", ".join(parts)


def divergence_message(runs: Sequence[Diverged], quadratic: Quadratic | None = None,
                       options: dict | None = None) -> str | None:
    """One plain-text message for every diverged run (None if there is none): which runs diverged
    where, then advice that fits each: an unbounded loss is said to have no minimum (not told to
    lower its rate); on a bounded quadratic, gradient descent and momentum get their stability
    bound; the rest the general advice. ``options``: hyper-parameters per optimizer key."""
    runs = list(runs)
    if not runs:
        return None
    options = options or {}
    n = len(runs)
    lines = [f"{n} run{'s' if n > 1 else ''} diverged: {_who(runs)}."]
    unbounded, bounded, other = [], {}, []
    for r in runs:
        bound = None
        if quadratic is not None and quadratic.bounded_below:
            bound = stability_bound(base_name(r.optimizer), quadratic.lambda_max,
                                    options.get(r.optimizer))
        if (quadratic is not None and not quadratic.bounded_below) or \
                (quadratic is None and r.falling):
            unbounded.append(r)
        elif bound is not None and r.lr >= bound[0]:
            bounded.setdefault(r.label, []).append((r, bound))
        else:
            other.append(r)
    if unbounded:
        if quadratic is not None:
            lines.append(f"This loss {UNBOUNDED}; the runs leave the box around the domain "
                         "whatever the learning rate.")
        else:
            lines.append(f"The loss {UNBOUNDED} ({_who(unbounded, steps=False)}: the loss kept "
                         "falling until the run left the box around the domain).")
    for label, pairs in bounded.items():
        r, (bound, formula, qualifier) = pairs[0]
        rates = sorted({p[0].lr for p in pairs})
        used = _and([number(v) for v in rates])
        used = f"lr = {used}" if all(p[0].constant_lr for p in pairs) \
            else f"its schedule's largest lr = {used}"
        lines.append(f"{label}{qualifier} diverges on this quadratic when lr ≥ {formula} = {number(bound)} "
                     f"(λ_max = {number(quadratic.lambda_max)}, the Hessian's largest "
                     f"eigenvalue); {used}.")
    if other:
        lines.append(f"{_who(other, steps=False)}: the position or loss stopped being finite or "
                     "left the box ten domain-widths around the domain. A smaller learning rate "
                     "usually helps.")
    return "\n".join(lines)


# ------------------------------------------------------------------- runs that reached no minimum

NEAR = 0.05        # "near" a point: within this share of the domain's widest side
STOPPED = 1e-3     # a gradient norm at most this: the run has stopped (as the results table says)
_KINDS = {"saddle": ("saddle point", "it is not a minimum"),
          "maximum": ("maximum", "it is not a minimum"),
          "degenerate": ("flat point", "it is not a known minimum")}


def why_not_reached(final_point, values, last: int, steps: int, gradient_norm: float, minima,
                    critical, domain, noisy: bool = False) -> str:
    """Why a run that neither diverged nor reached a known minimum ended where it did: a phrase
    that follows "Gradient descent from start 1 ...".

    ``final_point`` is its last valid point (index ``last`` of ``values``, its losses), after
    ``steps`` steps; ``gradient_norm`` the gradient's norm there; ``minima`` the known minima;
    ``critical`` (point, kind) pairs of points where the gradient vanishes that are not minima
    (kind ``saddle``, ``maximum`` or ``degenerate``); ``domain`` (lo, hi) per coordinate; ``noisy``
    whether its gradient was noisy (SGD). The first reason that applies, in this order: outside the
    domain; near (``NEAR``) a critical point that is not a minimum and nearer to it than to any known
    minimum; loss still falling (:func:`falling`); near a known minimum (circling it); else a flat
    stretch (``STOPPED``) or still moving.
    """
    p = np.asarray(final_point, dtype=float)
    width = max(hi - lo for lo, hi in domain)
    going = falling(values, last)
    if any(not lo <= c <= hi for c, (lo, hi) in zip(p, domain)):
        return (f"ended outside the shown domain, at {point(p)}"
                + (", still going downhill" if going else ""))
    minima = [np.asarray(m, dtype=float) for m in (minima or ())]
    nearest_min = min((float(np.linalg.norm(p - m)) for m in minima), default=np.inf)
    flat = [(float(np.linalg.norm(p - np.asarray(c, dtype=float))), tuple(c), kind)
            for c, kind in critical if kind in _KINDS]
    if flat:
        gap, c, kind = min(flat)
        if gap <= NEAR * width and gap < nearest_min:
            verb = "stopped at" if gradient_norm <= STOPPED else "is creeping towards"
            name, tail = _KINDS[kind]
            return f"{verb} the {name} at {point(c)}, where the gradient vanishes; {tail}"
    if going:
        return f"was still going downhill when its {steps} steps ran out"
    if nearest_min <= NEAR * width:
        if noisy:
            return (f"keeps jittering {number(nearest_min)} from a minimum: the gradient's noise "
                    "moves it at every step (a decaying learning-rate schedule settles it)")
        return (f"keeps circling a minimum {number(nearest_min)} away without settling: its steps "
                "stay too large (a smaller learning rate or a decaying schedule settles it)")
    if gradient_norm <= STOPPED:
        return "stopped on a flat stretch, away from every known minimum"
    return f"was still moving when its {steps} steps ran out, away from every known minimum"


def no_minimum(preset: bool, quadratic: Quadratic | None) -> str:
    """The sentence for a loss with no known minimum in the shown domain: a preset lists every
    minimum in its domain, a typed loss has the analysis' minima (which can miss some)."""
    first = ("This landscape has no minimum in the shown domain" if preset else
             "No minimum of this loss was found in the shown domain")
    if quadratic is not None and not quadratic.bounded_below:
        return f"{first}: it decreases without bound, so no run can reach one."
    return f"{first}, so no run can be said to reach one."


@dataclass(frozen=True)
class Unreached:
    """A run that neither diverged nor reached a known minimum: its optimizer's label, its start
    (numbered from 1) and the reason (:func:`why_not_reached`)."""
    label: str
    start: int
    why: str


def unreached_message(runs: Sequence[Unreached], first: str | None = None) -> str | None:
    """One plain-text message: ``first`` (e.g. :func:`no_minimum`), then one line per optimizer and
    reason ("Momentum from starts 1 and 2 keeps circling ..."); None if there is nothing to say."""
    lines = [first] if first else []
    groups: dict[tuple[str, str], list[int]] = {}
    for r in runs:
        groups.setdefault((r.label, r.why), []).append(r.start)
    for (label, why), starts in groups.items():
        plural = "s" if len(starts) > 1 else ""
        lines.append(f"{label} from start{plural} {_and([str(k) for k in starts])} {why}.")
    return "\n".join(lines) or None
