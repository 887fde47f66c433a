"""Speed of the landscapes layer for every preset (printed, never asserted).

* compile: ``compile_loss(expression)`` once, cold (parse, symbolic gradient and Hessian, three
  lambdifications; each preset's text is compiled for the first time here);
* surface: ``loss.value`` on the 300 x 300 grid the app draws (a 300-point curve in 1-D),
  median of 7 (target: under 10 ms for every preset), and ``loss.gradient`` on the same grid;
* critical points: ``analysis.critical_points(loss, domain)`` with its defaults, median of 3.
"""
from __future__ import annotations

import statistics
import time

import numpy as np

from landscapes import PRESETS, compile_loss
from landscapes.loss import _compile_normalised
from landscapes.analysis import critical_points

SURFACE = 300
TARGET_MS = 10.0


def _ms(func, repeat):
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def _grid(domain):
    axes = [np.linspace(lo, hi, SURFACE) for lo, hi in domain]
    return np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1)


def main():
    header = (f"{'preset':18s} {'compile':>9s} {'surface':>9s} {'gradient':>9s} "
              f"{'critical':>9s}  points (min/saddle/degen/max)")
    print(f"ms per call; surface = value on {SURFACE}x{SURFACE} points (1-D: {SURFACE} points), "
          f"target < {TARGET_MS:g} ms")
    print(header)
    print("-" * len(header))
    worst = 0.0
    for key, preset in PRESETS.items():
        _compile_normalised.cache_clear()   # cold: not served by compile_loss's cache
        started = time.perf_counter()
        loss = compile_loss(preset.expression)
        compile_ms = 1000 * (time.perf_counter() - started)
        grid = _grid(preset.domain)
        surface_ms = _ms(lambda: loss.value(grid), 7)
        gradient_ms = _ms(lambda: loss.gradient(grid), 7)
        critical_ms = _ms(lambda: critical_points(loss, preset.domain), 3)
        found = critical_points(loss, preset.domain)
        counts = "/".join(str(sum(c.kind == k for c in found))
                          for k in ("minimum", "saddle", "degenerate", "maximum"))
        flag = "" if surface_ms < TARGET_MS else "  (over target)"
        print(f"{key:18s} {compile_ms:9.1f} {surface_ms:9.2f} {gradient_ms:9.2f} "
              f"{critical_ms:9.1f}  {counts}{flag}")
        worst = max(worst, surface_ms)
    print(f"slowest surface: {worst:.2f} ms (target < {TARGET_MS:g} ms)")


if __name__ == "__main__":
    main()
