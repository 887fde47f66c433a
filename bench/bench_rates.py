"""Which optimizer reaches a minimum at its suited learning rate, on every preset (printed, never
asserted; the page's defaults are asserted in tests/test_defaults.py).

``python -m bench.bench_rates``: every optimizer from every start of every preset at its suited rate
(``settings.suited_lrs``) for the preset's steps; per start the step from which it stays within
1/1000 of the domain's width of a minimum (the page's "reached a minimum at step k"), ``D<k>`` if
it diverged at step k, ``-`` if it did neither. Then, per optimizer, on how many of the presets
with minima it reached one from every start.

``python -m bench.bench_rates --grid``: the measurement the rule in ``optimizers/rates.py`` comes
from: every rate of the slider's grid (1e-5 to 10), and how many presets each candidate rule
reaches (several minutes).
"""
from __future__ import annotations

import sys

from landscapes import PRESETS
from optimizers import OPTIMIZERS, simulate, summarize
import settings as cfg

NAMES = [o for o in OPTIMIZERS if o != "sgd"]      # sgd's noise keeps it from settling


def _width(p) -> float:
    return max(hi - lo for lo, hi in p.domain)


def _outcomes(key: str, rates: dict[str, float]) -> dict[str, list[str]]:
    """Per optimizer, one mark per start: the step it reached a minimum at, D<k>, or -."""
    p = PRESETS[key]
    run = simulate(p.compile(), list(rates), starts=[list(s) for s in p.starts], steps=p.steps,
                   lr=dict(rates), domain=p.domain, seed=0)
    out: dict[str, list[str]] = {}
    for r in summarize(run, minima=p.minima or None, tol=1e-3 * _width(p)):
        mark = (str(r.steps_to_minimum) if r.steps_to_minimum is not None
                else f"D{r.diverged_at}" if r.diverged_at is not None else "-")
        out.setdefault(r.optimizer, []).append(mark)
    return out


def _reached(marks: list[str]) -> bool:
    return all(m.isdigit() for m in marks)


def table() -> None:
    counts = dict.fromkeys(NAMES, 0)
    with_minima = [k for k, p in PRESETS.items() if p.minima]
    print(f"{'preset':17s} {'steps':>5s}  optimizer: rate reached-at per start")
    for key, p in PRESETS.items():
        rates = cfg.suited_lrs(NAMES, key, None)
        outcomes = _outcomes(key, rates)
        cells = [f"{o} {rates[o]:g}: {'/'.join(outcomes[o])}" for o in NAMES]
        print(f"{key:17s} {p.steps:5d}  " + "  ".join(cells), flush=True)
        for o in NAMES:
            counts[o] += key in with_minima and _reached(outcomes[o])
    print(f"reached a minimum from every start, of {len(with_minima)} presets with minima: "
          + ", ".join(f"{o} {n}" for o, n in counts.items()))


def grid() -> None:
    """Every grid rate on every preset: which rates reach from every start, and each candidate
    rule's count."""
    reached: dict[tuple[str, str], set[float]] = {}
    for key, p in PRESETS.items():
        if not p.minima:
            continue
        for lr in cfg.LR_GRID:
            for o, marks in _outcomes(key, dict.fromkeys(NAMES, lr)).items():
                if _reached(marks):
                    reached.setdefault((key, o), set()).add(lr)
        print(f"{key:17s} " + "  ".join(
            f"{o} [{min(r):g}..{max(r):g}]" if (r := reached.get((key, o))) else f"{o} none"
            for o in NAMES), flush=True)
    keys = [k for k, p in PRESETS.items() if p.minima]
    candidates = {
        "adam": {f"w/{d}": (lambda p, d=d: _width(p) / d) for d in (30, 50, 70, 100)},
        "adamw": {"w/100": lambda p: _width(p) / 100},
        "rmsprop": {f"max(0.01, w/{d})": (lambda p, d=d: max(0.01, _width(p) / d))
                    for d in (300, 1000)},
        "adagrad": {f"w/{d}": (lambda p, d=d: _width(p) / d) for d in (3, 10, 30)},
        "lion": {f"w/{d}": (lambda p, d=d: _width(p) / d) for d in (100, 300, 1000)},
        "nesterov": {"plain": lambda p: p.lr, "plain/2": lambda p: p.lr / 2},
        "momentum": {"plain": lambda p: p.lr},
        "gd": {"plain": lambda p: p.lr},
        "adadelta": {"1.0": lambda p: 1.0},
    }
    for o, rules in candidates.items():
        for name, rule in rules.items():
            good = [k for k in keys if cfg.snap_lr(rule(PRESETS[k])) in reached.get((k, o), ())]
            missing = [k for k in keys if k not in good]
            print(f"{o:9s} {name:17s} {len(good):2d}/{len(keys)}  missing: {', '.join(missing)}")


def main() -> None:
    table()


if __name__ == "__main__":
    grid() if "--grid" in sys.argv[1:] else main()
