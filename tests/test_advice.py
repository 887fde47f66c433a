"""Advice for diverged runs: quadratic detection, the stability bounds of gradient descent and
heavy-ball momentum, unbounded losses; and why a run reached no minimum. Expected values by hand
or from the closed forms."""
import numpy as np
import pytest

from landscapes import compile_dataset_loss, compile_loss
from optimizers import simulate
from optimizers.advice import (UNBOUNDED, Diverged, Quadratic, Unreached, divergence_message,
                               falling, no_minimum, quadratic_of, stability_bound,
                               unreached_message, why_not_reached)


def test_the_ill_conditioned_bowl_is_a_quadratic_with_lambda_max_50():
    q = quadratic_of(compile_loss("x^2 + 25*y^2"))       # Hessian diag(2, 50) by hand
    assert q.eigenvalues == pytest.approx((2.0, 50.0))
    assert q.bounded_below and q.lambda_max == pytest.approx(50.0)
    bound, formula, _ = stability_bound("gd", q.lambda_max)
    assert bound == pytest.approx(2 / 50) and formula == "2/λ_max"


def test_a_rotated_quadratic_gets_the_eigenvalues_of_its_hessian():
    # x^2 + 3xy + 4y^2: Hessian [[2, 3], [3, 8]], eigenvalues 5 -+ sqrt(18)
    q = quadratic_of(compile_loss("x^2 + 3*x*y + 4*y^2 - x + 7"))
    assert q.eigenvalues == pytest.approx((5 - 18 ** 0.5, 5 + 18 ** 0.5))
    assert q.bounded_below


@pytest.mark.parametrize("text, bounded", [
    ("x + y", False),                   # H = 0, b != 0
    ("-x^2 - y^2", False),              # negative definite
    ("x^2 - y^2", False),               # a saddle
    ("x^2 + 3*x*y + y^2", False),       # eigenvalues -1 and 5
    ("(x + y)^2 + x", False),           # flat along (1, -1), and b has a part along it
    ("(x + y)^2 + x + y", True),        # flat along (1, -1), b = (1, 1) is not
    ("(x + y)^2", True),
    ("w^2 - 4*w", True),
    ("-w", False),
])
def test_bounded_below_or_not(text, bounded):
    assert quadratic_of(compile_loss(text)).bounded_below is bounded


@pytest.mark.parametrize("text", ["(1-x)^2 + 100*(y-x^2)^2", "abs(x) + y^2", "relu(x) + y^2",
                                  "x^2 + y^2 + x^3", "exp(x) + y^2", "w^4 - 3*w^3 + 2",
                                  "x*y*x + y^2"])
def test_what_is_not_a_quadratic(text):
    assert quadratic_of(compile_loss(text)) is None


def test_a_least_squares_loss_over_data_is_a_quadratic_in_its_parameters():
    x = np.array([0.0, 1.0, 2.0, 4.0])
    y = np.array([1.0, 2.0, 2.5, 5.0])
    loss = compile_dataset_loss("(w*x + b - y)^2", {"x": x, "y": y})
    # mean of (w x + b - y)^2 over n rows: Hessian (b, w) = 2/n [[n, sum x], [sum x, sum x^2]]
    n = len(x)
    H = 2 / n * np.array([[n, x.sum()], [x.sum(), (x * x).sum()]])
    q = quadratic_of(loss)
    assert q.eigenvalues == pytest.approx(tuple(np.linalg.eigvalsh(H)))
    assert q.bounded_below


def test_momentum_bound_is_two_one_plus_mu_over_lambda_max():
    assert stability_bound("momentum", 50.0)[:2] == (pytest.approx(2 * 1.9 / 50), "2(1+μ)/λ_max")
    assert stability_bound("momentum", 50.0, {"momentum": 0.5})[0] == pytest.approx(3 / 50)
    assert stability_bound("momentum", 50.0, {"momentum": 0.0})[0] == pytest.approx(2 / 50)


@pytest.mark.parametrize("name, options", [
    ("adam", {}), ("nesterov", {}), ("rmsprop", {}), ("sgd", {}),
    ("momentum", {"nesterov": True}), ("momentum", {"dampening": 0.5}),
    ("gd", {"weight_decay": 0.1}),
])
def test_no_bound_where_none_is_derived(name, options):
    assert stability_bound(name, 50.0, options) is None


def test_no_bound_without_a_positive_curvature():
    assert stability_bound("gd", 0.0) is None and stability_bound("gd", -2.0) is None


@pytest.mark.parametrize("name, options", [("gd", {}), ("momentum", {}),
                                           ("momentum", {"momentum": 0.5})])
def test_the_engine_is_stable_just_under_the_bound_and_diverges_just_over_it(name, options):
    loss = compile_loss("x^2 + 25*y^2")
    bound = stability_bound(name, 50.0, options)[0]
    for factor, diverges in ((0.97, False), (1.03, True)):
        run = simulate(loss, [name], starts=[[-1.8, 0.5]], steps=3000, lr=bound * factor,
                       options={name: options}, domain=((-2, 2), (-2, 2)))
        assert bool(run.diverged_at[0, 0] >= 0) is diverges, (factor, run.diverged_at)


def test_readme_lesson_one_diverges_at_step_20():
    # y_t = 0.5 (1 - 50 * 0.045)^t = 0.5 (-1.25)^t leaves [-42, 42] when 1.25^t > 84: t = 20
    run = simulate(compile_loss("x^2 + 25*y^2"), ["gd"], starts=[[-1.8, 0.5]], steps=100,
                   lr=0.045, domain=((-2, 2), (-2, 2)))
    assert run.diverged_at[0, 0] == 20


def test_falling():
    assert falling([5, 4, 3, 2, 1, np.nan], last=4)
    assert not falling([5, 4, 3, 2, 1], last=2)                 # too few steps to tell
    assert not falling([1, 2, 4, 8, 16], last=4)                # a bowl's divergence: rising
    assert not falling([0, 3, 2, 1, 0.5], last=4)               # falling, but above its start
    assert not falling([5, 4, 3, 3, 1], last=4)                 # a pause among the last steps


BOWL = Quadratic((2.0, 50.0), True)


def test_one_message_names_every_diverged_run_and_the_bounds():
    runs = [Diverged("gd", "GD", 1, 20, 0.045), Diverged("gd", "GD", 2, 22, 0.045),
            Diverged("momentum", "Momentum", 3, 5, 0.1)]
    lines = divergence_message(runs, BOWL).split("\n")
    assert lines[0] == ("3 runs diverged: GD from starts 1 and 2 at steps 20 and 22, "
                        "Momentum from start 3 at step 5.")
    assert lines[1].startswith("GD diverges on this quadratic when lr ≥ 2/λ_max = 0.04 ")
    assert lines[1].endswith("; lr = 0.045.")
    assert lines[2].startswith("Momentum (μ = 0.9) diverges on this quadratic when "
                               "lr ≥ 2(1+μ)/λ_max = 0.076 ")
    assert lines[2].endswith("; lr = 0.1.")
    assert len(lines) == 3 and "smaller learning rate" not in "\n".join(lines)


def test_optimizers_without_a_bound_get_the_general_advice():
    text = divergence_message([Diverged("adam", "Adam", 2, 7, 1.0)], BOWL)
    assert text.split("\n")[0] == "1 run diverged: Adam from start 2 at step 7."
    assert "A smaller learning rate usually helps" in text and "λ" not in text


def test_a_rate_under_the_bound_is_not_blamed_on_it():
    text = divergence_message([Diverged("gd", "GD", 1, 9, 0.039)], BOWL)
    assert "λ_max" not in text and "A smaller learning rate usually helps" in text


def test_a_schedule_shows_its_largest_rate():
    text = divergence_message([Diverged("gd", "GD", 1, 9, 0.05, constant_lr=False)], BOWL)
    assert text.endswith("; its schedule's largest lr = 0.05.")


def test_an_unbounded_loss_is_not_told_to_lower_its_learning_rate():
    runs = [Diverged("gd", "GD", 1, 30, 0.01), Diverged("adam", "Adam", 1, 12, 0.1)]
    for quadratic, falls in ((Quadratic((-2.0, -2.0), False), False),   # -x^2 - y^2
                             (None, True)):                            # not quadratic, falling
        runs_ = [Diverged(r.optimizer, r.label, r.start, r.step, r.lr, falling=falls)
                 for r in runs]
        text = divergence_message(runs_, quadratic)
        assert UNBOUNDED == "decreases without bound: no minimum to reach"
        assert UNBOUNDED in text
        assert "learning rate usually helps" not in text and "λ_max" not in text


def test_a_non_quadratic_run_that_was_not_falling_gets_the_general_advice():
    text = divergence_message([Diverged("gd", "GD", 1, 30, 0.01, falling=False)], None)
    assert UNBOUNDED not in text and "A smaller learning rate usually helps" in text


def test_no_divergence_no_message():
    assert divergence_message([], BOWL) is None


# ------------------------------------------------------ why a run reached no minimum (by hand)

SQUARE = ((-2.0, 2.0), (-2.0, 2.0))          # widest side 4: "near" is within 0.05 * 4 = 0.2
FALLING = [5.0, 4.0, 3.0, 2.0, 1.0]          # each of the last 3 steps lowers the loss
WOBBLING = [5.0, 1.0, 2.0, 1.0, 2.0]         # not falling at the end


def why(final, values=WOBBLING, gradient=0.5, minima=((0.0, 0.0),), critical=(),
        domain=SQUARE, noisy=False):
    return why_not_reached(final, values, len(values) - 1, 50, gradient, minima, critical,
                           domain, noisy)


def test_a_run_outside_the_domain_is_told_so_first():
    assert why((3.0, 0.0)) == "ended outside the shown domain, at (3, 0)"
    assert why((0.0, -2.5), FALLING) == \
        "ended outside the shown domain, at (0, -2.5), still going downhill"


def test_a_run_at_a_point_that_is_not_a_minimum_is_told_which():
    flat = [((0.0,), "degenerate")]
    creeping = why((-0.05,), FALLING, 0.023, ((2.25,),), flat, ((-2.0, 4.0),))
    assert creeping == ("is creeping towards the flat point at (0), where the gradient "
                        "vanishes; it is not a known minimum")
    assert why((1.0, 0.9), gradient=1e-4, critical=[((1.0, 1.0), "saddle")]).startswith(
        "stopped at the saddle point at (1, 1), where the gradient vanishes; it is not a minimum")
    # 0.21 from the maximum (just over 0.2) or nearer to a minimum: not blamed on it
    assert "maximum" not in why((1.0, 1.21), critical=[((1.0, 1.0), "maximum")])
    assert "saddle" not in why((0.1, 0.0), critical=[((0.2, 0.0), "saddle")])
    assert "maximum" in why((1.0, 1.19), critical=[((1.0, 1.0), "maximum")])


def test_a_run_still_falling_ran_out_of_steps():
    assert why((1.0, 1.0), FALLING) == "was still going downhill when its 50 steps ran out"


def test_a_run_near_a_minimum_keeps_circling_it_or_jitters_with_noise():
    assert why((0.12, 0.16)).startswith("keeps circling a minimum 0.2 away without settling")
    assert why((0.12, 0.16), noisy=True).startswith("keeps jittering 0.2 from a minimum")
    assert not why((0.12, 0.17)).startswith("keeps circling")          # 0.208 > 0.2


def test_elsewhere_a_run_stopped_on_a_flat_stretch_or_was_still_moving():
    assert why((1.0, 1.0), gradient=1e-3) == \
        "stopped on a flat stretch, away from every known minimum"
    assert why((1.0, 1.0), gradient=2e-3) == \
        "was still moving when its 50 steps ran out, away from every known minimum"
    assert why((1.0, 1.0), minima=()) == \
        "was still moving when its 50 steps ran out, away from every known minimum"


def test_no_minimum_says_whether_the_loss_is_unbounded():
    saddle = quadratic_of(compile_loss("x^2 - y^2"))
    assert no_minimum(True, saddle) == ("This landscape has no minimum in the shown domain: it "
                                        "decreases without bound, so no run can reach one.")
    assert no_minimum(False, None) == ("No minimum of this loss was found in the shown domain, "
                                       "so no run can be said to reach one.")


def test_one_line_per_optimizer_and_reason():
    runs = [Unreached("Adam", 1, "keeps circling"), Unreached("Adam", 3, "keeps circling"),
            Unreached("Adam", 2, "stopped"), Unreached("Lion", 1, "keeps circling")]
    assert unreached_message(runs, "First.") == (
        "First.\nAdam from starts 1 and 3 keeps circling.\nAdam from start 2 stopped.\n"
        "Lion from start 1 keeps circling.")
    assert unreached_message([]) is None
