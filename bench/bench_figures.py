"""Time to build each figure and the size of its JSON (printed, never asserted).

* the default view: a 2-D bowl, 8 optimizers x 1 start x 500 steps, grid resolution 100;
* Rosenbrock, 8 optimizers x 1 start x 1000 steps (and 4 starts, the heavier case);
* build: the `viz.create_*` call; json: `fig.to_json()`, what Streamlit serialises (its length is
  about the bytes the browser receives; target: under 2 MB).

Uses the real `landscapes` and `optimizers` packages when they import, else NumPy stand-ins with
the same attributes. Run with `python -m bench.bench_figures`.
"""
from __future__ import annotations

import time
import types

import numpy as np

import viz

EIGHT = ["gd", "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"]
LR = {"gd": 1e-3, "sgd": 1e-3, "momentum": 5e-4, "nesterov": 5e-4, "adagrad": 0.1,
      "rmsprop": 1e-3, "adam": 1e-2, "adamw": 1e-2}
ROSENBROCK = "(1-x)^2 + 100*(y-x^2)^2"


class _StandIn:
    """A loss over NumPy lambdas with value and gradient (when `landscapes` is missing)."""

    def __init__(self, fn, grad, variables=("x", "y")):
        self.fn, self.grad, self.variables, self.n, self.latex = fn, grad, variables, 2, "f"

    def value(self, points):
        with np.errstate(all="ignore"):
            return self.fn(points[..., 0], points[..., 1])

    def gradient(self, points):
        with np.errstate(all="ignore"):
            return np.stack(self.grad(points[..., 0], points[..., 1]), axis=-1)


def _standin_simulate(loss, optimizers, starts, steps, lr):
    """Gradient descent with one learning rate per optimizer; NaN from a diverged point on."""
    starts = np.asarray(starts, dtype=float)
    lrs = np.array([lr[o] if isinstance(lr, dict) else lr for o in optimizers])[:, None, None]
    x = np.broadcast_to(starts, (len(optimizers),) + starts.shape).copy()
    pts = [x]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            x = x - lrs * loss.gradient(x)
            pts.append(x)
    points = np.stack(pts, axis=2)
    bad = ~(np.abs(points) < 1e6).all(-1)
    hit = bad.any(-1)
    first = np.where(hit, bad.argmax(-1), -1)
    points[np.arange(steps + 1) >= np.where(hit, first, steps + 1)[..., None]] = np.nan
    values = loss.value(points)
    return types.SimpleNamespace(optimizers=tuple(optimizers), starts=starts, points=points,
                                 values=np.where(np.isfinite(values), values, np.nan),
                                 diverged_at=first)


def _cases():
    """(title, loss, domain, minima, run) for the benchmarked views."""
    try:
        from landscapes import PRESETS, compile_loss
        from optimizers import simulate

        bowl = PRESETS["bowl"]
        rosen = PRESETS["rosenbrock"]
        bowl_loss, rosen_loss = compile_loss(bowl.expression), compile_loss(rosen.expression)
        bowl_dom, rosen_dom = bowl.domain, rosen.domain
        bowl_min, rosen_min = bowl.minima, rosen.minima
        rosen_starts = list(rosen.starts) + [(0.0, 2.5), (-1.0, -0.5)]
        source = "real landscapes + optimizers"

        def run(loss, starts, steps, lr):
            return simulate(loss, EIGHT, starts=starts, steps=steps, lr=lr, seed=0)
    except ImportError:
        bowl_loss = _StandIn(lambda x, y: x**2 + y**2, lambda x, y: (2 * x, 2 * y))
        rosen_loss = _StandIn(lambda x, y: (1 - x) ** 2 + 100 * (y - x**2) ** 2,
                              lambda x, y: (-2 * (1 - x) - 400 * x * (y - x**2),
                                            200 * (y - x**2)))
        bowl_dom, rosen_dom = ((-2.0, 2.0), (-2.0, 2.0)), ((-2.0, 2.0), (-1.0, 3.0))
        bowl_min, rosen_min = [(0.0, 0.0)], [(1.0, 1.0)]
        rosen_starts = [(-1.5, 2.0), (1.5, -0.5), (0.0, 2.5), (-1.0, -0.5)]
        source = "NumPy stand-ins (landscapes/optimizers not importable)"

        def run(loss, starts, steps, lr):
            return _standin_simulate(loss, EIGHT, starts, steps, lr)
    print(f"losses and runs from: {source}")
    yield ("default: bowl, 8 opt x 1 start x 500 steps", bowl_loss, bowl_dom, bowl_min,
           run(bowl_loss, [(1.5, 1.0)], 500, 0.1))
    yield ("Rosenbrock, 8 opt x 1 start x 1000 steps", rosen_loss, rosen_dom, rosen_min,
           run(rosen_loss, rosen_starts[:1], 1000, LR))
    yield ("Rosenbrock, 8 opt x 4 starts x 1000 steps", rosen_loss, rosen_dom, rosen_min,
           run(rosen_loss, rosen_starts, 1000, LR))


def _measure(build, repeats: int = 3):
    """(best build seconds, best to_json seconds, JSON characters, frames)."""
    builds, dumps = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fig = build()
        t1 = time.perf_counter()
        text = fig.to_json()
        t2 = time.perf_counter()
        builds.append(t1 - t0)
        dumps.append(t2 - t1)
    return min(builds), min(dumps), len(text), len(fig.frames)


def main() -> None:
    print(f"{'figure':<28} {'build ms':>9} {'to_json ms':>11} {'JSON MB':>8} {'frames':>7}")
    for title, loss, domain, minima, run in _cases():
        print(f"-- {title} (diverged runs: {int((run.diverged_at >= 0).sum())})")
        figures = {
            "surface": lambda: viz.create_surface_figure(loss, domain, run, minima=minima,
                                                         resolution=100),
            "surface, log colour": lambda: viz.create_surface_figure(
                loss, domain, run, minima=minima, resolution=100, log_color=True),
            "contour + click grid": lambda: viz.create_contour_figure(
                loss, domain, run, minima=minima, resolution=100),
            "contour, log colour": lambda: viz.create_contour_figure(
                loss, domain, run, minima=minima, resolution=100, log_color=True),
            "loss per step": lambda: viz.create_loss_figure(run),
        }
        total = 0
        for name, build in figures.items():
            b, d, size, frames = _measure(build)
            if "log" not in name:
                total += size
            print(f"{name:<28} {1e3 * b:9.1f} {1e3 * d:11.1f} {size / 1e6:8.3f} {frames:7d}")
        print(f"{'page (surface+contour+loss)':<28} {'':>9} {'':>11} {total / 1e6:8.3f}")


if __name__ == "__main__":
    main()
