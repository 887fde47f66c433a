"""Speed of the whole page on the server (printed, never asserted).

Through Streamlit's ``AppTest`` (the script run as a browser session would run it, without the
browser): the first run (cold caches), a rerun after a learning-rate change (new paths, same
landscape), and a rerun in which nothing changed (target: about 55 ms, the closest Streamlit
peer's page measured the same way). Also the size of the player's message, everything the page
sends for its figures (target: under 1 MB for every reachable configuration; the largest one is
all 10 optimizers x 8 starts x 5000 steps at grid resolution 300). Two views of the data mode at
100,000 rows (least squares, logistic regression) show what a rerun costs there.
"""
from __future__ import annotations

import statistics
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ALL = "gd,sgd,momentum,nesterov,adagrad,rmsprop,adam,adamw,adadelta,lion"
EIGHT_STARTS = "-1.5,2;-1,-0.5;0,2.5;1.5,1;-1.8,0;0.5,-0.8;1.8,2.8;-0.5,1"
VIEWS = {
    "default view": {},
    "Rosenbrock, 10 optimizers x 8 starts x 5000 steps, res 300":
        {"p": "rosenbrock", "o": ALL, "s": EIGHT_STARTS, "n": "5000", "res": "300"},
    "least squares, 100,000 rows, gd + sgd batch 32, 500 steps":
        {"data": "linear", "rows": "100000", "o": "gd,sgd", "b.sgd": "32", "n": "500"},
    "logistic, 100,000 rows, gd + sgd batch 32, 500 steps":
        {"data": "classes", "rows": "100000", "o": "gd,sgd", "b.sgd": "32", "n": "500"},
}


def _message_bytes(at: AppTest) -> int:
    (player,) = at.get("bidi_component")
    return len(player.proto.bytes)


def _timed(at: AppTest) -> float:
    start = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - start
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].value}")
    return elapsed


def main() -> None:
    print(f"{'view':62s} {'first':>7s} {'lr move':>8s} {'no change':>10s} {'message':>9s}")
    for name, query in VIEWS.items():
        at = AppTest.from_file(APP, default_timeout=300)
        for key, value in query.items():
            at.query_params[key] = value
        first = _timed(at)
        moves = []
        for lr in (0.002, 0.003, 0.002, 0.003):
            at.select_slider(key="lr_gd").set_value(lr)     # gradient descent's own rate
            moves.append(_timed(at))
        same = [_timed(at) for _ in range(10)]
        size = _message_bytes(at)
        print(f"{name:62s} {first:6.2f}s {statistics.median(moves) * 1e3:6.0f}ms "
              f"{statistics.median(same) * 1e3:8.0f}ms {size / 1e6:7.3f}MB")
    print("targets: no-change rerun about 55 ms (closest peer); message under 1 MB")


if __name__ == "__main__":
    main()
