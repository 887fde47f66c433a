"""Speed and memory of training-data losses at 100,000 rows (printed, never asserted).

* least squares ``(w*x + b - y)^2`` on ``datasets.make("linear", n=100_000)``: compile, a 500-step
  run of gd, sgd, momentum and adam at batch size 32 (with the full-data values and gradients the
  run records), and the full-data loss on a 150 x 150 grid: target under 1 s together;
* peak memory of that run + grid (tracemalloc), against the 18 GB of a points x rows table;
* a loss that is not a polynomial in its parameters (logistic regression on two classes) is
  evaluated row by row: its cost per point-row pair, the same run, and the 150 x 150 grid
  extrapolated from a 30 x 30 one.

Timings are the best of a few runs.
"""
from __future__ import annotations

import time
import tracemalloc

import numpy as np

from landscapes import compile_dataset_loss, datasets
from optimizers import simulate

ROWS = 100_000
FOUR = ["gd", "sgd", "momentum", "adam"]


def _grid(domain, size):
    (b0, b1), (w0, w1) = domain
    return np.stack(np.meshgrid(np.linspace(b0, b1, size), np.linspace(w0, w1, size)), axis=-1)


def _best(function, repeat):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def _case(key, repeat, grid_size):
    info = datasets.GENERATORS[key]
    data = datasets.make(key, n=ROWS, seed=0)
    start = time.perf_counter()
    loss = compile_dataset_loss(info.loss, data)
    t_compile = time.perf_counter() - start
    starts = [list(info.starts[0])]

    def run():
        return simulate(loss, FOUR, starts, 500, lr=0.05, batch_size=32, seed=0)

    grid = _grid(info.domain, grid_size)
    t_run = _best(run, repeat)
    t_grid = _best(lambda: loss.value(grid), repeat)
    return loss, t_compile, t_run, t_grid, run, grid


def _peak(function):
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    print(f"{ROWS:,} rows; a run = 500 steps of {', '.join(FOUR)} from 1 start at batch size 32")
    loss, t_compile, t_run, t_grid, run, grid = _case("linear", 5, 150)
    print(f"least squares {loss.text!r} (moment form: {loss.uses_moments})")
    print(f"  compile (parse, derivatives, lambdify, data moments)  {t_compile * 1e3:8.1f} ms")
    print(f"  run (batches + full-data values/gradients per step)   {t_run * 1e3:8.1f} ms")
    print(f"  full-data loss on the 150 x 150 grid                  {t_grid * 1e3:8.1f} ms")
    print(f"  run + grid                                            {(t_run + t_grid) * 1e3:8.1f} ms"
          f"   (target < 1000 ms)")
    peak = _peak(lambda: (run(), loss.value(grid)))
    print(f"  peak memory of run + grid (tracemalloc)               {peak / 1e6:8.1f} MB"
          f"   (a 150 x 150 x {ROWS:,} table: {150 * 150 * ROWS * 8 / 1e9:.0f} GB)")

    loss, t_compile, t_run, t_grid, run, grid = _case("classes", 1, 30)
    pairs = 30 * 30 * ROWS
    print(f"logistic {loss.text!r} (row by row: moment form {loss.uses_moments})")
    print(f"  compile                                               {t_compile * 1e3:8.1f} ms")
    print(f"  run (full-data values/gradients: 2004 points x rows)  {t_run * 1e3:8.1f} ms")
    print(f"  30 x 30 grid: {t_grid * 1e3:8.1f} ms = {t_grid / pairs * 1e9:5.1f} ns per point-row;"
          f" 150 x 150 extrapolated: {t_grid * 25:6.1f} s")
    peak = _peak(lambda: loss.value(grid))
    print(f"  peak memory of the 30 x 30 grid                       {peak / 1e6:8.1f} MB")


if __name__ == "__main__":
    main()
