"""Speed of ``optimizers.simulate`` (printed, never asserted).

* 8 optimizers x 16 starts x 1000 steps on Rosenbrock, with a lambdified gradient, against
  - the same work done one optimizer and one start at a time in a plain Python loop (each rule's
    own ``init``/``update`` on a (1, 2) array, one gradient call per step), and
  - the floor: a bare loop that only evaluates the lambdified gradient on all 128 points and
    subtracts it, 1000 times (target: simulate within 3x of it);
* the app's default run: 8 optimizers x 1 start x 500 steps (target: under 5 ms), with its own floor.

Timings are the best of several runs, measured in alternation.
"""
from __future__ import annotations

import time

import numpy as np
import sympy as sp

from optimizers import OPTIMIZERS, simulate

EIGHT = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
LR = {"gd": 1e-4, "sgd": 1e-4, "momentum": 1e-4, "nesterov": 1e-4, "adagrad": 0.1, "rmsprop": 1e-3,
      "adam": 1e-2, "adamw": 1e-2}


class Rosenbrock:
    """(1-x)^2 + 100 (y-x^2)^2 with a SymPy-lambdified value and gradient, vectorized over (..., 2)."""

    variables = ("x", "y")

    def __init__(self):
        x, y = sp.symbols("x y", real=True)
        f = (1 - x) ** 2 + 100 * (y - x ** 2) ** 2
        self._value = sp.lambdify((x, y), f, modules="numpy")
        self._gradient = sp.lambdify((x, y), [sp.diff(f, x), sp.diff(f, y)], modules="numpy")

    def value(self, points):
        return np.asarray(self._value(points[..., 0], points[..., 1]), dtype=float)

    def gradient(self, points):
        dx, dy = self._gradient(points[..., 0], points[..., 1])
        out = np.empty(points.shape)
        out[..., 0] = dx
        out[..., 1] = dy
        return out


def _best(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def _starts(count: int) -> np.ndarray:
    return np.random.default_rng(1).uniform([-2.0, -1.0], [2.0, 3.0], size=(count, 2))


def floor(loss, points: np.ndarray, steps: int, lr: float = 1e-4) -> np.ndarray:
    x = points.copy()
    for _ in range(steps):
        x = x - lr * loss.gradient(x)
    return x


def one_at_a_time(loss, names, starts, steps) -> None:
    """The same work as simulate, one optimizer and one start at a time, in a plain Python loop."""
    rng = np.random.default_rng(0)
    for name in names:
        spec = OPTIMIZERS[name]
        hyper = spec.resolve()
        for start in starts:
            x = start[None, :].copy()
            state = spec.init(x, **hyper)
            with np.errstate(all="ignore"):
                for t in range(steps):
                    g = loss.gradient(x)
                    if name == "sgd":
                        g = g + hyper["noise"] * rng.standard_normal(g.shape)
                    step, state = spec.update(g, state, LR[name], t, x, **hyper)
                    x = x + step


def _interleaved(functions: dict, repeat: int) -> dict:
    """Best time of each function, measured in alternation (fair on a busy machine)."""
    best = {name: float("inf") for name in functions}
    for _ in range(repeat):
        for name, function in functions.items():
            start = time.perf_counter()
            function()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def main() -> None:
    loss = Rosenbrock()
    starts = _starts(16)
    steps = 1000
    points = np.tile(starts, (len(EIGHT), 1))              # the same 128 points
    app_start = [[-1.5, 2.0]]
    times = _interleaved({
        "floor": lambda: floor(loss, points, steps),
        "simulate": lambda: simulate(loss, EIGHT, starts, steps, lr=LR, seed=0),
        "app_floor": lambda: floor(loss, points[:8], 500),
        "app": lambda: simulate(loss, EIGHT, app_start, 500, lr=1e-3, seed=0),
    }, repeat=15)
    t_loop = _best(lambda: one_at_a_time(loss, EIGHT, starts, steps), 1)
    t_sim, t_floor = times["simulate"], times["floor"]
    print(f"8 optimizers x 16 starts x {steps} steps on Rosenbrock (lambdified gradient), best of 15")
    print(f"  simulate                                         {t_sim * 1e3:8.1f} ms")
    print(f"  floor: gradient on 128 points + subtract, {steps}x  {t_floor * 1e3:8.1f} ms"
          f"   simulate / floor = {t_sim / t_floor:4.2f}  (target <= 3)")
    print(f"  one optimizer and one start at a time, plain loop {t_loop * 1e3:7.0f} ms"
          f"   plain loop / simulate = {t_loop / t_sim:4.0f}x")
    print(f"app default, 8 optimizers x 1 start x 500 steps:    {times['app'] * 1e3:8.2f} ms  (target < 5 ms)")
    print(f"  its floor (gradient on 8 points + subtract, 500x) {times['app_floor'] * 1e3:8.2f} ms")
    ten = list(OPTIMIZERS)
    t_ten = _best(lambda: simulate(loss, ten, starts, steps, lr=1e-3, seed=0), 7)
    print(f"all {len(ten)} optimizers (+ lion, adadelta: own update each) x 16 x {steps}: {t_ten * 1e3:6.1f} ms")


if __name__ == "__main__":
    main()
