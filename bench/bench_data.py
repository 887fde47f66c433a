"""Speed and memory of training-data losses at 100,000 rows (printed, never asserted).

For each built-in dataset's suggested loss at 100,000 rows -- least squares on ``linear`` (a
polynomial in the parameters: the data's moments), logistic regression on ``classes`` and the
non-convex sine fit on ``sine`` (both from merged rows, see ``landscapes.dataset_loss``):

* compile: the first call (parse, derivatives, lambdify, and the data's part: the moments, or the
  merged rows with their check against all rows), and again (SymPy's part is cached: the data's
  part alone, what a new upload costs);
* a 500-step run of gd, sgd, momentum and adam from the dataset's first suggested start at batch
  size 32, with the full-data values and gradients the run records after its loop;
* the full-data loss on the 150 x 150 grid over the suggested domain (for the one-parameter sine
  fit: 22,500 points along its axis, as many as that grid; the page draws at most 1,000);
* run + grid beside the target of 1 s, and the peak memory of run + grid (tracemalloc), beside
  the 18 GB of a points x rows table;
* the per point-row cost of the exact row-by-row path (the one without merging) and how much
  longer run + grid would take on it, from a sample of 20 points.

Timings are the best of a few runs (the machine is shared: compare ratios, not milliseconds).
"""
from __future__ import annotations

import time
import tracemalloc

import numpy as np

from landscapes import compile_dataset_loss, datasets
from optimizers import simulate

ROWS = 100_000
FOUR = ["gd", "sgd", "momentum", "adam"]
STEPS, BATCH, SIDE = 500, 32, 150
TARGET = 1.0                    # seconds for run + grid
REPEAT = 5


def _grid(domain):
    if len(domain) == 1:
        (lo, hi), = domain
        return np.linspace(lo, hi, SIDE * SIDE)[:, None]
    (b0, b1), (w0, w1) = domain
    return np.stack(np.meshgrid(np.linspace(b0, b1, SIDE), np.linspace(w0, w1, SIDE)), axis=-1)


def _best(function, repeat=REPEAT):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _peak(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _case(key: str) -> None:
    info = datasets.GENERATORS[key]
    data = datasets.make(key, n=ROWS, seed=0)
    start = time.perf_counter()
    loss = compile_dataset_loss(info.loss, data)              # SymPy's part is cached after this
    t_first = time.perf_counter() - start
    t_compile = _best(lambda: compile_dataset_loss(info.loss, data), 3)
    starts = [list(info.starts[0])]

    def run():
        return simulate(loss, FOUR, starts, STEPS, lr=0.05, batch_size=BATCH, seed=0)

    grid = _grid(info.domain)
    t_run = _best(run)
    t_grid = _best(lambda: loss.value(grid))
    total = t_run + t_grid
    peak = _peak(lambda: (run(), loss.value(grid)))
    shape = (" x ".join(str(s) for s in grid.shape[:-1]) + " points" if grid.ndim == 3
             else f"{len(grid):,} points along {loss.variables[0]}")

    print(f"{info.label}: {loss.text!r}")
    print(f"  {loss.evaluation}")
    print(f"  compile: first (SymPy + data) {t_first * 1e3:6.1f} ms; again (data only)"
          f"  {t_compile * 1e3:8.1f} ms")
    print(f"  run: {STEPS} steps of {len(FOUR)} optimizers at batch {BATCH}           "
          f"{t_run * 1e3:8.1f} ms")
    print(f"  full-data loss on the grid ({shape}){' ' * (26 - len(shape))}"
          f"{t_grid * 1e3:8.1f} ms")
    print(f"  run + grid                                            {total * 1e3:8.1f} ms"
          f"   target < {TARGET * 1e3:.0f} ms: {'met' if total < TARGET else 'MISSED'}")
    print(f"  peak memory of run + grid (tracemalloc)               {peak / 1e6:8.1f} MB"
          f"   (a points x rows table: {grid[..., 0].size * ROWS * 8 / 1e9:.0f} GB)")
    if loss.compression is not None:
        sample = grid.reshape(-1, grid.shape[-1])[:: grid[..., 0].size // 20][:20]
        rows = np.arange(ROWS)
        t_exact = _best(lambda: loss.batch_value(sample, rows), 2)
        per = t_exact / (len(sample) * ROWS)
        points = grid[..., 0].size + 2 * STEPS * len(FOUR)      # grid + values and gradients
        print(f"  row by row instead: {per * 1e9:4.1f} ns per point-row, so about "
              f"{per * points * ROWS:5.0f} s for run + grid ({loss.compression.nodes:,} points "
              f"instead of {ROWS:,} rows)")


def main() -> None:
    print(f"{ROWS:,} rows; a run = {STEPS} steps of {', '.join(FOUR)} from 1 start at batch size "
          f"{BATCH}, with the full-data value and gradient at every recorded point")
    for key in ("linear", "classes", "sine"):
        _case(key)


if __name__ == "__main__":
    main()
