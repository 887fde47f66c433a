"""Lessons: views of the page with a few lines on what to look at and what to try.

Pure data. Each lesson's ``query`` is a link query (the keys of ``settings.to_query``); the page
loads it through ``settings.from_query`` when the lesson is picked in its "Lesson" menu. Every
number quoted in a lesson's text is checked against the engine, and where possible against a
closed form, in ``tests/test_lessons.py``. The texts are ours (not from a link): Markdown is fine.

On ``x^2 + 25*y^2`` plain gradient descent multiplies x by ``1 - 2*lr`` and y by ``1 - 50*lr``
per step; several lessons below use that bowl because every claim about it can be worked out by
hand.
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Lesson", "LESSONS", "MARKERS"]


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    query: dict           # link parameters (``settings.to_query`` keys) -> text values
    look: str             # what to look at (Markdown)
    try_: str             # what to try (Markdown)


_L = [
    Lesson(
        "learning_rate", "The learning rate (tour lesson 1)",
        {"p": "ill_conditioned", "o": "gd", "lr": "0.035", "n": "100"},
        "The bowl `x^2 + 25*y^2`: each step multiplies x by `1 - 2*lr` and y by `1 - 50*lr`. "
        "At `lr = 0.035` y is multiplied by -0.75: the path zig-zags across the narrow valley, "
        "yet reaches the minimum at step 85 (the table's status).",
        "Move gradient descent's learning-rate slider: at 0.04 = 1/25 y flips between +0.5 "
        "and -0.5 forever; at 0.045 the run diverges at step 20 (an ✕ on the loss plot); at "
        "0.01 it crawls."),
    Lesson(
        "lr_too_small", "Learning rate too small",
        {"p": "ill_conditioned", "o": "gd", "lr": "0.01", "n": "100"},
        "At `lr = 0.01` x shrinks by only 2 % a step: after 100 steps it is still at "
        "-1.8 · 0.98^100 ≈ -0.24, and the status says \"still moving\". The loss curve is "
        "still going down at the last step.",
        "Raise the steps to 300 (x ≈ -0.004) or raise the learning rate to 0.035: the same "
        "minimum, reached at step 85."),
    Lesson(
        "lr_too_large", "Learning rate too large",
        {"p": "ill_conditioned", "o": "gd", "lr": "0.045", "n": "100"},
        "At `lr = 0.045` y is multiplied by 1 - 50 · 0.045 = -1.25 each step: it flips sign and "
        "grows, and the run is stopped as diverged at step 20 (it left the box ten "
        "domain-widths around the domain). x alone would have converged.",
        "Lower the learning rate one notch at a time: 0.04 is the edge (|1 - 50 lr| = 1), "
        "anything below it converges. The stability bound of gradient descent on a quadratic "
        "is 2 / (largest curvature) = 2 / 50."),
    Lesson(
        "start_decides", "The start decides the minimum (tour lesson 2)",
        {"p": "himmelblau", "o": "gd"},
        "Himmelblau's function has four equally deep minima. Gradient descent from each of the "
        "three starts ends in the minimum of the basin it starts in: see the table's "
        "\"minimum reached\" column.",
        "Click the contour map to add starts and map the basins; drag a start across a "
        "ridge and watch its path switch minimum."),
    Lesson(
        "local_minima", "Local minima: the shallower well",
        {"p": "double_well", "o": "gd"},
        "The tilted double well `(w^2 - 1)^2 + 0.3 w` has a deep well near w = -1.04 "
        "(f ≈ -0.31) and a shallow one near w = 0.96 (f ≈ 0.29). From w = 0.5 gradient "
        "descent settles in the shallow well; from w = -0.5 in the deep one.",
        "Move start 1 to the left until it crosses the hump (the maximum between the wells). "
        "Try momentum with a large learning rate: can it carry a run over the hump?"),
    Lesson(
        "stationary_point", "A flat spot is not a minimum",
        {"p": "quartic", "o": "gd"},
        "`w^4 - 3w^3 + 2` has f'(w) = w^2 (4w - 9): a flat inflection point at w = 0 and the "
        "minimum at w = 9/4. From -1.5 gradient descent creeps towards the flat point, where "
        "the slope goes to 0, ever more slowly: after 2000 steps it is still at w ≈ -0.05; "
        "from 3.5 it reaches 9/4.",
        "Turn on the log scale for the loss per step, then add momentum: does it get past "
        "w = 0?"),
    Lesson(
        "momentum", "Momentum",
        {"p": "ill_conditioned", "o": "gd,momentum", "lr": "0.01", "n": "150"},
        "Same bowl, same learning rate 0.01 for both. Gradient descent crawls along x (still at "
        "-1.8 · 0.98^150 ≈ -0.087 after 150 steps). Momentum adds up past steps (β = 0.9) and "
        "reaches the minimum at step 116; its path overshoots and swings back.",
        "Open Momentum's settings and change its momentum to 0.5 or 0.99; add Nesterov."),
    Lesson(
        "rosenbrock", "Momentum and adaptive methods in a curved valley (tour lesson 3)",
        {"p": "rosenbrock", "o": "gd,momentum,nesterov,adam", "lr": "0.001", "n": "1000",
         "s": "-1.5,2", "lr.adam": "0.05"},
        "In Rosenbrock's curved valley gradient descent crawls: 1000 steps reach only about "
        "(-0.66, 0.44). Momentum and Nesterov ride the valley to about (0.99, 0.98) and "
        "(0.995, 0.99). Adam, with "
        "its own learning rate 0.05, ends near (0.98, 0.96).",
        "Give gradient descent the rate 0.05 too (its learning-rate slider): it diverges at "
        "step 2. Open \"Update rules\" to compare the equations."),
    Lesson(
        "adaptive", "Adaptive methods: a step per coordinate",
        {"p": "ill_conditioned", "o": "gd,adam,adagrad", "lr": "0.1", "n": "100"},
        "At `lr = 0.1` gradient descent diverges at step 4 (y is multiplied by -4 each step). "
        "Adam and Adagrad divide each coordinate's step by the size of its gradient: their first "
        "step moves x and y by exactly 0.1 each, from (-1.8, 0.5) to (-1.7, 0.4), whatever the "
        "curvature. Adam reaches the minimum at step 97; Adagrad's steps keep shrinking (x is "
        "still near -0.41 at the end).",
        "Give Adagrad a larger learning rate (its slider), or add RMSprop."),
    Lesson(
        "schedule_step", "Schedules: step decay",
        {"p": "ill_conditioned", "o": "gd", "lr": "0.045", "n": "300", "sch": "step",
         "sp.every": "10"},
        "The learning rate 0.045 diverges when it stays constant (step 20). Halved every 10 "
        "steps, it grows y for only 10 steps (to about ±4.7), then y shrinks to 0. But the "
        "rates add up to only 0.9, so x stops near -0.28, short of the minimum: the table "
        "says \"still moving\" because the gradient there is not small; it is the learning "
        "rate that has run out.",
        "Set the factor to 0.9: more steps at a large rate. Compare with the inverse-time "
        "lesson."),
    Lesson(
        "schedule_exponential", "Schedules: exponential decay",
        {"p": "ill_conditioned", "o": "gd", "lr": "0.045", "n": "300", "sch": "exponential",
         "sp.k": "0.05"},
        "`lr_t = 0.045 · e^(-0.05 t)`: the early large rates still blow y up briefly, then y "
        "shrinks to 0. The rates add up to 0.045 / (1 - e^-0.05) ≈ 0.92, so x freezes near "
        "-0.27, far from the minimum.",
        "Lower k to 0.01 and watch x get further; the loss plot's log scale shows the plateau."),
    Lesson(
        "schedule_inverse_time", "Schedules: inverse-time decay",
        {"p": "ill_conditioned", "o": "gd", "lr": "0.045", "n": "300", "sch": "inverse_time",
         "sp.k": "0.1"},
        "`lr_t = 0.045 / (1 + 0.1 t)` decays slowly enough that the rates add up without bound "
        "(the Robbins-Monro condition): after 300 steps x is at about -0.075 and still moving, "
        "while y was tamed early.",
        "Increase the steps: x keeps approaching 0. Switch the optimizer to SGD (noisy "
        "gradients): a decaying rate also damps the noise."),
    Lesson(
        "lr_side_by_side", "Three learning rates side by side",
        {"p": "ill_conditioned", "o": "gd,gd#2,gd#3", "lr": "0.01", "lr.gd#2": "0.035",
         "lr.gd#3": "0.045", "n": "100"},
        "The same gradient descent three times on `x^2 + 25*y^2`, each run with its own "
        "learning rate: at 0.01 it crawls (x still at -0.24 after 100 steps), at 0.035 it "
        "zig-zags and reaches the minimum at step 85, at 0.045 it diverges at step 20. The loss "
        "plot shows the first two curves against the same steps and an ✕ where the third "
        "diverged.",
        "Open a run's settings and move its learning rate; add a fourth run with \"Compare: "
        "another run of\" and \"Add run\"."),
    Lesson(
        "batch_noise", "Full batch, mini-batch, single sample",
        {"data": "linear", "rows": "200", "dseed": "0", "o": "sgd,sgd#2,sgd#3", "b": "1",
         "b.sgd#2": "16", "b.sgd#3": "200", "lr": "0.02", "n": "200"},
        "Least squares on 200 noisy points, three runs of SGD that differ only in the rows per "
        "step. Full batch (200 rows) is gradient descent on the mean loss: its loss never "
        "rises, and it ends 0.0015 from the least-squares fit. Batch 16 estimates the gradient "
        "from 16 rows: its loss rises at 52 of the 200 steps. Batch 1 (plain SGD) rises at 95 "
        "steps and ends about 0.1 away, wandering around the fit. In the same 200 steps the "
        "full-batch run read every row 200 times, batch 16 about 15 times, batch 1 once.",
        "Turn on \"Loss plot in epochs\" (View) to compare them per pass over the data; raise "
        "the batch of the noisiest run, or lower the learning rate, and watch the wandering "
        "shrink."),
    Lesson(
        "batch_lr_rule", "Batch size and the learning rate: the linear scaling rule",
        {"data": "linear", "rows": "200", "dseed": "0", "o": "sgd,sgd#2", "b": "8",
         "b.sgd#2": "64", "lr": "0.01", "lrb": "8", "ep": "1", "n": "400"},
        "Two runs of SGD, batch 8 and batch 64, with the rule \"learning rate ∝ batch size\" "
        "(base batch 8: the batch-64 run steps at 0.08). Per epoch (the loss plot's axis) they "
        "keep pace: after 4 epochs the loss is 0.59 with batch 8 and 0.34 with batch 64, "
        "though the large batch took 16 steps where the small one took 100.",
        "Untick \"Scale the learning rate with the batch size\": both runs step at 0.01, and "
        "after 4 epochs the batch-64 run is still at a loss of 12.3."),
]

LESSONS: dict[str, Lesson] = {lesson.key: lesson for lesson in _L}

# What the figures' marks mean (shown with the lessons).
MARKERS = (
    "- ★ a known minimum (from the literature, for a preset)\n"
    "- ○ a minimum found on the shown domain, △ a maximum, ✕ a saddle point\n"
    "- ✕ at the end of a path or loss curve: the step where that run diverged\n"
    "- colour: the optimizer; line dash (solid, dashed, dotted, ...) and marker shape: the "
    "start (start 1 solid, start 2 dashed, start 3 dotted)"
)
