"""Hyper-parameter descriptions shared by the update rules and the schedules.

A :class:`Param` says what a hyper-parameter means, its default, and the closed range
``[low, high]`` it may take. The UI builds its controls from these tuples (a slider on a log
scale when ``log`` is true, a checkbox when ``kind == "bool"``), and :func:`resolve` checks
user values against the very same ranges, so what the UI offers is what the engine accepts.
A control shows ``label`` (plain words, with the symbol the update equations use) and ``help``;
``name`` stays the keyword and the link's key.
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Mapping, NamedTuple

__all__ = ["Param", "resolve"]


class Param(NamedTuple):
    """One scalar hyper-parameter.

    Attributes:
        name: keyword used in ``options`` (e.g. ``"beta1"``).
        default: value used when the caller gives none (the reference's default).
        low, high: the accepted closed interval (also the UI slider's range).
        log: whether a slider should move on a log scale (then ``low > 0``).
        help: one line saying what it does.
        kind: ``"float"``, ``"int"`` (integral values) or ``"bool"`` (``low=0, high=1``).
        label: what a control shows: plain words, and the symbol of the update equations where
            there is one ("Dampening τ: share of the new gradient left out of momentum").
    """

    name: str
    default: Any
    low: float
    high: float
    log: bool
    help: str
    kind: str = "float"
    label: str = ""

    def check(self, value: Any, owner: str) -> Any:
        """Return ``value`` converted to this parameter's kind, or raise ValueError naming it."""
        where = f"{owner}: {self.name}={value!r}"
        if self.kind == "bool":
            if isinstance(value, (bool,)) or (isinstance(value, numbers.Integral) and value in (0, 1)):
                return bool(value)
            raise ValueError(f"{where} is not a boolean (True or False)")
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"{where} is not a number")
        number = float(value)
        if not math.isfinite(number):
            raise ValueError(f"{where} is not finite")
        if self.kind == "int":
            if number != int(number):
                raise ValueError(f"{where} is not a whole number")
            number = int(number)
        if not self.low <= number <= self.high:
            raise ValueError(f"{where} is out of range [{self.low:g}, {self.high:g}]")
        return number


def resolve(params: tuple[Param, ...], values: Mapping[str, Any] | None, owner: str) -> dict[str, Any]:
    """Defaults of ``params`` overridden by ``values``, each checked; unknown names raise ValueError."""
    table = {p.name: p for p in params}
    values = dict(values or {})
    unknown = sorted(set(values) - set(table))
    if unknown:
        known = ", ".join(table) or "none"
        raise ValueError(f"{owner}: unknown parameter {unknown[0]!r} (known: {known})")
    return {name: p.check(values[name], owner) if name in values else p.default
            for name, p in table.items()}
