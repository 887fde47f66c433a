"""The lessons menu (issue 9, item 4): every lesson loads the view its link query says, and the
numbers its text quotes are what the page shows. Expected numbers are worked out here by hand
(on x^2 + 25 y^2 gradient descent multiplies x by 1 - 2 lr and y by 1 - 50 lr per step), or by
reference update rules written in this file, never read back from the engine."""
from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

import settings as cfg
from landscapes import PRESETS
from lessons import LESSONS, MARKERS
from optimizers import OPTIMIZERS

APP = str(Path(__file__).resolve().parents[1] / "app.py")
START = (-1.8, 0.5)          # the ill-conditioned bowl's start
BOX = 2 + 10 * 4             # domain [-2, 2]: a run leaves the box ten widths around it
TOL = 1e-3 * 4               # the page's "reached a minimum": within 1/1000 of the width


def pick(key: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.selectbox(key="lesson").set_value(key).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def rows(at: AppTest) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def row(at: AppTest, optimizer: str, start: int = 1) -> dict:
    label = OPTIMIZERS[optimizer].label
    (r,) = [r for r in rows(at) if r["optimizer"] == label
            and r["start"].startswith(f"{start} ")]
    return r


def shown_query(at: AppTest) -> dict[str, str]:
    """The query of the page's share link (the first code box)."""
    return dict(parse_qsl(urlsplit(at.code[0].value).query, keep_blank_values=True))


def says(key: str) -> str:
    """What lesson ``key`` tells the class."""
    return LESSONS[key].look + " " + LESSONS[key].try_


def fmt(p) -> str:
    return "(" + ", ".join(f"{c:.4g}" for c in p) + ")"


def reached_at(points, minimum=(0.0, 0.0), tol=TOL) -> int | None:
    """First index from which every point stays within tol of the minimum."""
    close = [np.linalg.norm(np.subtract(p, minimum)) <= tol for p in points]
    if not close[-1]:
        return None
    i = len(close) - 1
    while i > 0 and close[i - 1]:
        i -= 1
    return i


def bowl_gd(lrs):
    """Gradient descent on x^2 + 25 y^2 from START with the rates lrs (closed form per step)."""
    pts = [START]
    for lr in lrs:
        x, y = pts[-1]
        pts.append((x * (1 - 2 * lr), y * (1 - 50 * lr)))
    return pts


def bowl_grad(p):
    return np.array([2 * p[0], 50 * p[1]])


# ------------------------------------------------------------------------------ every lesson

@pytest.mark.parametrize("key", list(LESSONS))
def test_each_lesson_loads_the_view_its_query_says(key):
    lesson = LESSONS[key]
    expected, problems = cfg.from_query(lesson.query)
    assert problems == []
    assert cfg.fit_widgets(expected) == (expected, [])     # nothing moved by the page either
    at = pick(key)
    query = shown_query(at)
    assert {k: query.get(k) for k in lesson.query} == lesson.query
    assert cfg.from_query(query)[0] == expected
    assert len(at.dataframe) == 1 and len(rows(at)) == len(expected.optimizers) * len(
        expected.starts)
    box = [m.value for m in at.markdown]
    assert f"**Lesson: {lesson.title}**" in box
    assert any(lesson.look in m for m in box) and any(lesson.try_ in m for m in box)
    assert MARKERS in box


def test_no_lesson_no_box_and_the_menu_starts_empty():
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert at.selectbox(key="lesson").value == "—"
    assert not any(m.value.startswith("**Lesson:") for m in at.markdown)


def test_a_lesson_replaces_the_links_view_and_its_problems():
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params = {"p": "rosenbrock", "bogus": "1"}
    at.run()
    assert any(t.value.startswith("Ignored the link") for t in at.text)
    at.selectbox(key="lesson").set_value("lr_too_large").run()
    assert not any(t.value.startswith("Ignored the link") for t in at.text)
    assert shown_query(at)["p"] == "ill_conditioned"


# ------------------------------------------------------------------- what the lessons claim

def test_learning_rate_lesson_reaches_the_minimum_at_step_85():
    assert "step 85" in says("learning_rate") and "step 20" in says("learning_rate")
    at = pick("learning_rate")
    assert reached_at(bowl_gd([0.035] * 100)) == 85                      # the text's number
    assert row(at, "gd")["status"] == "reached a minimum at step 85"


def test_too_small_a_rate_is_still_moving_at_minus_0_24():
    assert "-0.24" in says("lr_too_small") and "still moving" in says("lr_too_small")
    at = pick("lr_too_small")
    final = bowl_gd([0.01] * 100)[-1]
    assert round(final[0], 2) == -0.24
    r = row(at, "gd")
    assert r["final point"] == fmt(final) and r["status"] == "still moving"


def test_too_large_a_rate_diverges_at_step_20():
    assert "step 20" in says("lr_too_large") and "-1.25" in says("lr_too_large")
    at = pick("lr_too_large")
    ys = [abs(p[1]) for p in bowl_gd([0.045] * 100)]
    first_out = next(t for t, y in enumerate(ys) if y > BOX)
    assert first_out == 20
    assert row(at, "gd")["status"] == "diverged at step 20"


def test_each_himmelblau_start_reaches_a_different_minimum():
    at = pick("start_decides")
    known = {fmt(m) for m in PRESETS["himmelblau"].minima}
    reached = [r["minimum reached"] for r in rows(at)]
    assert len(reached) == 3 and set(reached) <= known and len(set(reached)) == 3


def test_double_well_starts_end_in_the_shallow_and_the_deep_well():
    assert all(n in says("local_minima") for n in ("-1.04", "-0.31", "0.96", "0.29"))
    at = pick("local_minima")
    f = lambda w: (w * w - 1) ** 2 + 0.3 * w                          # noqa: E731
    shallow, deep = 0.9601495555, -1.0355787141                        # roots of 4w^3-4w+0.3
    for w in (shallow, deep):
        assert abs(4 * w ** 3 - 4 * w + 0.3) < 1e-8
    assert round(f(shallow), 2) == 0.29 and round(f(deep), 2) == -0.31
    assert row(at, "gd", 1)["minimum reached"] == fmt((shallow,))       # from w = 0.5
    assert row(at, "gd", 2)["minimum reached"] == fmt((deep,))          # from w = -0.5


def test_quartic_stalls_at_the_flat_point_from_the_left_and_reaches_9_4_from_the_right():
    assert "w ≈ -0.05" in says("stationary_point")
    at = pick("stationary_point")
    left, right = row(at, "gd", 1), row(at, "gd", 2)
    (w,) = [float(c) for c in left["final point"].strip("()").split(",") if c]
    assert round(w, 2) == -0.05 and left["minimum reached"] == "—"
    assert right["minimum reached"] == fmt((2.25,))


def test_momentum_reaches_the_minimum_at_step_116_while_gd_crawls():
    assert "-0.087" in says("momentum") and "step 116" in says("momentum")
    at = pick("momentum")
    gd = bowl_gd([0.01] * 150)
    assert round(gd[-1][0], 3) == -0.087
    assert row(at, "gd")["final point"] == fmt(gd[-1])
    xs, b = [np.array(START)], None                    # torch.optim.SGD, momentum 0.9
    for _ in range(150):
        g = bowl_grad(xs[-1])
        b = g if b is None else 0.9 * b + g
        xs.append(xs[-1] - 0.01 * b)
    assert reached_at(xs) == 116
    assert row(at, "momentum")["status"] == "reached a minimum at step 116"


def test_rosenbrock_lesson_ends_where_its_text_says():
    assert all(p in says("rosenbrock")
               for p in ("(-0.66, 0.44)", "(0.99, 0.98)", "(0.995, 0.99)", "(0.98, 0.96)"))
    at = pick("rosenbrock")

    def final(label, digits=2):
        return tuple(round(float(c), digits) for c in row(at, label)["final point"]
                     .strip("()").split(","))
    assert final("gd") == (-0.66, 0.44)
    assert np.allclose(final("momentum", 4), (0.99, 0.98), atol=5e-3)
    assert np.allclose(final("nesterov", 4), (0.995, 0.99), atol=5e-3)
    assert final("adam") == (0.98, 0.96)


def test_adaptive_lesson_gd_diverges_at_step_4_and_adam_reaches_at_step_97():
    assert all(p in says("adaptive")
               for p in ("step 4", "(-1.7, 0.4)", "step 97", "-0.41"))
    at = pick("adaptive")
    ys = [abs(p[1]) for p in bowl_gd([0.1] * 10)]
    assert next(t for t, y in enumerate(ys) if y > BOX) == 4
    assert row(at, "gd")["status"] == "diverged at step 4"
    # torch.optim.Adam: betas 0.9 / 0.999, eps 1e-8, bias-corrected
    x, m, v, pts = np.array(START), np.zeros(2), np.zeros(2), [np.array(START)]
    for t in range(1, 101):
        g = bowl_grad(x)
        m, v = 0.9 * m + 0.1 * g, 0.999 * v + 0.001 * g * g
        x = x - 0.1 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        pts.append(x)
    assert np.allclose(pts[1], (-1.7, 0.4))                 # the first step: 0.1 per coordinate
    assert reached_at(pts) == 97
    assert row(at, "adam")["status"] == "reached a minimum at step 97"
    # torch.optim.Adagrad: sum of squares, eps 1e-10
    x, s = np.array(START), np.zeros(2)
    for t in range(100):
        g = bowl_grad(x)
        s = s + g * g
        x = x - 0.1 * g / (np.sqrt(s) + 1e-10)
        if t == 0:
            assert np.allclose(x, (-1.7, 0.4))
    assert round(x[0], 2) == -0.41
    assert row(at, "adagrad")["final point"] == fmt(x)


@pytest.mark.parametrize("key, rate, x_end", [
    ("schedule_step", lambda t: 0.045 * 0.5 ** (t // 10), -0.28),
    ("schedule_exponential", lambda t: 0.045 * math.exp(-0.05 * t), -0.27),
    ("schedule_inverse_time", lambda t: 0.045 / (1 + 0.1 * t), -0.075),
])
def test_a_schedule_tames_the_diverging_rate_and_x_ends_where_the_text_says(key, rate, x_end):
    assert f"{x_end}" in says(key)
    at = pick(key)
    pts = bowl_gd([rate(t) for t in range(300)])
    assert max(abs(p[1]) for p in pts) < BOX                       # never leaves the box
    assert round(pts[-1][0], len(str(x_end)) - 3) == x_end
    r = row(at, "gd")
    assert r["final point"] == fmt(pts[-1]) and r["status"] == "still moving"


def test_the_rate_sums_the_schedule_lessons_quote():
    assert "0.9," in says("schedule_step") and "±4.7" in says("schedule_step")
    assert "0.92" in says("schedule_exponential")
    assert math.isclose(sum(0.045 * 0.5 ** (t // 10) for t in range(10_000)), 0.9)
    assert round(0.045 / (1 - math.exp(-0.05)), 2) == 0.92
    assert round(0.5 * 1.25 ** 10, 1) == 4.7              # y after 10 steps at factor -1.25


def test_the_readmes_lesson_table_links_are_the_lessons_queries():
    readme = (Path(APP).parent / "README.md").read_text()
    section = readme.split("### The lessons menu", 1)[1].split("\n## ", 1)[0]
    links = re.findall(r"^\| ([^|]+) \| `\?([^`]+)` \|", section, flags=re.M)
    assert len(links) == 9          # the rows that spell their whole link
    queries = [lesson.query for lesson in LESSONS.values()]
    for title, link in links:
        assert dict(parse_qsl(link)) in queries, title


# ------------------------------------------------------------- runs compared, training data

def test_three_rates_side_by_side_crawl_reach_at_85_and_diverge_at_20():
    text = says("lr_side_by_side")
    assert all(n in text for n in ("-0.24", "step 85", "step 20"))
    at = pick("lr_side_by_side")
    statuses = {r["optimizer"]: r["status"] for r in rows(at)}
    assert round(bowl_gd([0.01] * 100)[-1][0], 2) == -0.24
    assert reached_at(bowl_gd([0.035] * 100)) == 85
    assert statuses == {"Gradient descent lr 0.01": "still moving",
                        "Gradient descent lr 0.035": "reached a minimum at step 85",
                        "Gradient descent lr 0.045": "diverged at step 20"}


def _least_squares_sgd(batch: int, lr: float, steps: int, seed: int = 0):
    """Plain mini-batch SGD on mean (w x + b - y)^2 over the lesson's data, with the batches of
    the engine's documented stream (a generator per batch size, from SeedSequence(seed)); full
    batch is plain gradient descent. Returns the points (b, w) and the mean losses."""
    from landscapes import datasets
    data = datasets.make("linear", n=200, seed=0)
    X = np.stack([np.ones(200), data["x"]], axis=1)
    y = data["y"]
    theta = np.array([3.0, -1.0])
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(batch + 1)[batch])
    points, order = [theta.copy()], None
    per_epoch = -(-200 // batch)
    for t in range(steps):
        if batch >= 200:
            rows_ = np.arange(200)
        else:
            j = t % per_epoch
            if j == 0:
                order = rng.permutation(200)
            rows_ = order[j * batch:(j + 1) * batch]
        Xb, yb = X[rows_], y[rows_]
        theta = theta - lr * 2 / len(rows_) * Xb.T @ (Xb @ theta - yb)
        points.append(theta.copy())
    points = np.array(points)
    losses = ((points @ X.T - y) ** 2).mean(axis=1)
    return points, losses, X, y


def test_batch_noise_lesson_numbers_from_a_plain_sgd_loop():
    text = says("batch_noise")
    assert all(n in text for n in ("0.0015", "52 of the 200", "95", "about 0.1", "15 times"))
    at = pick("batch_noise")
    shown = [r["optimizer"] for r in rows(at)]
    assert shown == ["SGD batch 1", "SGD batch 16", "SGD full batch"]   # no "(noisy)" with data
    _, _, X, y = _least_squares_sgd(200, 0.02, 0)
    fit = np.linalg.lstsq(X, y, rcond=None)[0]
    rises, ends = {}, {}
    for batch in (1, 16, 200):
        points, losses, _, _ = _least_squares_sgd(batch, 0.02, 200)
        rises[batch] = int((np.diff(losses) > 0).sum())
        ends[batch] = float(np.linalg.norm(points[-1] - fit))
    assert rises == {1: 95, 16: 52, 200: 0}
    assert round(ends[200], 4) == 0.0015 and 0.05 < ends[1] < 0.15
    assert round(200 / math.ceil(200 / 16), 1) == 15.4      # epochs of batch 16 in 200 steps
    final = {r["optimizer"]: r["final point"] for r in rows(at)}
    for batch, label in ((1, "batch 1"), (16, "batch 16"), (200, "full batch")):
        points, _, _, _ = _least_squares_sgd(batch, 0.02, 200)
        assert final[f"SGD {label}"] == fmt(points[-1])


def test_scaling_rule_lesson_numbers_from_a_plain_sgd_loop():
    text = says("batch_lr_rule")
    assert all(n in text for n in ("0.59", "0.34", "12.3", "0.08"))
    at = pick("batch_lr_rule")
    assert [r["lr"] for r in rows(at)] == ["0.01", "0.08"]
    after = {}
    for batch, lr in ((8, 0.01), (64, 0.08), (64, 0.01)):
        _, losses, _, _ = _least_squares_sgd(batch, lr, 400)
        after[(batch, lr)] = losses[4 * math.ceil(200 / batch)]    # after 4 epochs
    assert round(after[(8, 0.01)], 2) == 0.59 and round(after[(64, 0.08)], 2) == 0.34
    assert round(after[(64, 0.01)], 1) == 12.3
