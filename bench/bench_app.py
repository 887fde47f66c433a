"""Speed of the whole page (printed, never asserted).

Through Streamlit's ``AppTest`` (the script run as a browser session would run it, without the
browser): the first run of the default view (cold caches), a rerun after a slider move (a new
learning rate: simulation and figures are recomputed, the compiled loss is cached), and the same
for Rosenbrock with 8 optimizers x 1000 steps. Also the size of the figure JSON the page sends to
the browser (target: under 2 MB) and, for reference, the time to build the figures alone.
"""
from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
EIGHT = "gd,sgd,momentum,nesterov,adagrad,rmsprop,adam,adamw"
VIEWS = {
    "default view": {},
    "Rosenbrock, 8 optimizers x 1000 steps": {"p": "rosenbrock", "o": EIGHT, "n": "1000"},
}


def _figure_bytes(at: AppTest) -> int:
    return sum(len(chart.proto.spec) for chart in at.get("plotly_chart"))


def _timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].value}")
    return elapsed


def main() -> None:
    print(f"{'view':40s} {'first run':>10s} {'rerun (lr)':>11s} {'rerun (lr)':>11s} "
          f"{'figure JSON':>12s}")
    for name, query in VIEWS.items():
        at = AppTest.from_file(APP, default_timeout=120)
        for key, value in query.items():
            at.query_params[key] = value
        first = _timed(at)
        reruns = []
        for lr in (0.002, 0.003):
            at.select_slider(key="lr").set_value(lr)
            reruns.append(_timed(at))
        size = _figure_bytes(at)
        print(f"{name:40s} {first:9.2f}s {reruns[0]:10.2f}s {reruns[1]:10.2f}s "
              f"{size / 1e6:10.2f} MB")
    print("target: a slider move re-renders in well under a second; figure JSON under 2 MB")


if __name__ == "__main__":
    main()
