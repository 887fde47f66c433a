"""compile_dataset_loss at 100,000 rows: merged rows against plain NumPy means over every row.

Every reference here is a NumPy loop over the parameter points, each a mean over all rows of the
per-sample formula written out by hand (the logistic loss, its gradient and Hessian in closed
form; the sine fit and its derivative). The stated tolerance is ``TOLERANCE`` relative to
``max(1, |exact|)``; mini-batches must stay exact (to rounding) over the real rows.
"""
import inspect

import numpy as np
import pytest

from landscapes import compile_dataset_loss, datasets
from landscapes.dataset_loss import EXACT_ROWS, TOLERANCE, Compression, DatasetLoss
from optimizers import simulate
from _server import peak_bytes

LOGISTIC = "log(1 + exp(-y*(w*x + b)))"
SINE = "(sin(w*x) - y)^2"
ROWS = 100_000


def logistic_exact(data, points):
    """Mean over rows of the logistic loss, its gradient (b, w) and Hessian, point by point."""
    x, y = data["x"], data["y"]
    values, gradients, hessians = [], [], []
    for b, w in points:
        z = y * (w * x + b)
        with np.errstate(over="ignore"):              # exp(-z) = inf: the loss is inf (NaN)
            loss = np.log(1 + np.exp(-z))
            s = 1 / (1 + np.exp(z))                   # sigmoid(-z) = -dl/dz
        c = s * (1 - s)                               # d^2 l / dz^2, and y^2 = 1
        values.append(loss.mean())
        gradients.append([np.mean(-y * s), np.mean(-y * x * s)])
        hessians.append([[c.mean(), np.mean(c * x)], [np.mean(c * x), np.mean(c * x * x)]])
    return np.array(values), np.array(gradients), np.array(hessians)


def sine_exact(data, ws):
    x, y = data["x"], data["y"]
    values, gradients = [], []
    for w in ws:
        r = np.sin(w * x) - y
        values.append(np.mean(r * r))
        gradients.append([np.mean(2 * r * np.cos(w * x) * x)])
    return np.array(values), np.array(gradients)


def relative(approx, exact):
    """``|approx - exact| / max(1, |exact|)`` elementwise (the tolerance's measure)."""
    return np.abs(approx - exact) / np.maximum(1.0, np.abs(exact))


def domain_points(key, count, seed):
    rng = np.random.default_rng(seed)
    domain = datasets.GENERATORS[key].domain
    return np.stack([rng.uniform(lo, hi, count) for lo, hi in domain], axis=1)


@pytest.fixture(scope="module")
def classes():
    data = datasets.make("classes", n=ROWS, seed=0)
    return data, compile_dataset_loss(LOGISTIC, data)


@pytest.fixture(scope="module")
def sine():
    data = datasets.make("sine", n=ROWS, seed=0)
    return data, compile_dataset_loss(SINE, data)


# --- the full-data means from merged rows, against every row --------------------------------------

@pytest.mark.parametrize("seed", [0, 1, 2])
def test_merged_logistic_value_and_gradient_are_within_the_tolerance(seed):
    data = datasets.make("classes", n=ROWS, seed=seed)
    loss = compile_dataset_loss(LOGISTIC, data)
    info = loss.compression
    assert isinstance(info, Compression) and info.rows == ROWS
    assert info.binned == ("x",) and info.by_value == ("y",) and info.carried == ()
    assert info.nodes == len(loss._nodes[1]) < ROWS / 100        # far fewer points than rows
    points = domain_points("classes", 60, seed + 10)
    value, gradient, hessian = logistic_exact(data, points)
    merged_value, merged_gradient = loss.value(points), loss.gradient(points)
    assert relative(merged_value, value).max() <= TOLERANCE
    assert relative(merged_gradient, gradient).max() <= TOLERANCE
    assert relative(loss.hessian(points), hessian).max() <= TOLERANCE
    # the points are not the rows: the merged mean is close to, not equal to, the exact one
    assert np.abs(merged_value - value).max() > 0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_merged_sine_fit_value_and_gradient_are_within_the_tolerance(seed):
    data = datasets.make("sine", n=ROWS, seed=seed)
    loss = compile_dataset_loss(SINE, data)
    info = loss.compression
    assert info.binned == ("x",) and info.carried == ("y",) and info.by_value == ()
    assert info.nodes < ROWS / 100
    ws = domain_points("sine", 80, seed + 20)[:, 0]
    value, gradient = sine_exact(data, ws)
    merged_value, merged_gradient = loss.value(ws[:, None]), loss.gradient(ws[:, None])
    assert relative(merged_value, value).max() <= TOLERANCE
    assert relative(merged_gradient, gradient).max() <= TOLERANCE
    assert np.abs(merged_value - value).max() > 0


@pytest.mark.parametrize("make_x", [
    lambda rng, n: rng.lognormal(0.0, 1.0, n),                           # skewed
    lambda rng, n: np.r_[rng.normal(0.0, 1.0, n - 3), [30.0, -25.0, 40.0]],   # outliers
    lambda rng, n: rng.integers(0, 100, n).astype(float),               # 100 distinct values
    lambda rng, n: rng.uniform(-200.0, 200.0, n),                       # wide
], ids=["lognormal", "outliers", "integers", "wide"])
def test_merged_logistic_on_random_data_is_within_the_tolerance(make_x):
    rng = np.random.default_rng(5)
    n = 40_000
    data = {"x": make_x(rng, n), "y": np.where(rng.random(n) < 0.3, 1.0, -1.0)}
    loss = compile_dataset_loss(LOGISTIC, data)
    assert loss.compression is not None and loss.compression.nodes <= n / 4
    points = rng.uniform(-4, 4, (40, 2))
    value, gradient, _ = logistic_exact(data, points)
    finite = np.isfinite(value) & np.isfinite(gradient).all(axis=1)
    assert finite.sum() >= 10
    np.testing.assert_array_equal(np.isnan(loss.value(points)), ~np.isfinite(value))
    assert relative(loss.value(points)[finite], value[finite]).max() <= TOLERANCE
    assert relative(loss.gradient(points)[finite], gradient[finite]).max() <= TOLERANCE


def test_merged_sine_fit_on_other_random_data_is_within_the_tolerance():
    rng = np.random.default_rng(6)
    x = rng.uniform(-5.0, 5.0, 50_000)
    data = {"x": x, "y": np.sin(1.3 * x) + 0.3 * rng.standard_t(3, 50_000)}
    loss = compile_dataset_loss(SINE, data)
    assert loss.compression is not None
    ws = rng.uniform(-1.0, 5.0, 60)
    value, gradient = sine_exact(data, ws)
    assert relative(loss.value(ws[:, None]), value).max() <= TOLERANCE
    assert relative(loss.gradient(ws[:, None]), gradient).max() <= TOLERANCE


def test_logistic_error_is_within_the_derived_gauss_bound(classes):
    # module docstring: |error| <= R sup|d^6 f / dx^6| / 6! for f = l and f = dl/dtheta_j, with
    # R = compression.remainder. For l = softplus(u), u = -y (w x + b), y = +-1:
    #   d^6 l/dx^6 = w^6 sigma^(5)(u)              |sigma^(5)| <= 1/4
    #   d^6/dx^6 (dl/db) = -y w^6 sigma^(6)(u)      |sigma^(6)| <= 0.4084
    #   d^6/dx^6 (dl/dw) = x * (that) + 6 * (-y) (-y w)^5 sigma^(5)(u)   (Leibniz)
    # plus rounding (1e-13). |w| up to 10, beyond the suggested domain, where the bound bites.
    data, loss = classes
    R = loss.compression.remainder
    assert 0 < R < 1e-6
    u = np.linspace(-30, 30, 600001)
    s = 1 / (1 + np.exp(-u))
    d5 = s * (1 - s) * (1 - 30 * s + 150 * s**2 - 240 * s**3 + 120 * s**4)   # sigma^(5)
    d6 = s * (1 - s) * (1 - 2 * s) * (1 - 60 * s + 360 * s**2 - 600 * s**3 + 300 * s**4)  # ^(6)
    assert abs(np.abs(d5).max() - 0.25) < 1e-6 and np.abs(d6).max() < 0.4084
    rng = np.random.default_rng(7)
    points = np.stack([rng.uniform(-4, 4, 80), rng.uniform(-10, 10, 80)], axis=1)
    value, gradient, _ = logistic_exact(data, points)
    x_max = np.abs(data["x"]).max()
    w = np.abs(points[:, 1])
    bound_value = R * 0.25 * w**6 / 720
    bound_b = R * 0.4084 * w**6 / 720
    bound_w = R * (x_max * 0.4084 * w**6 + 6 * 0.25 * w**5) / 720
    rounding = 1e-13 * np.maximum(1.0, np.abs(value))
    errors = [np.abs(loss.value(points) - value), *np.abs(loss.gradient(points) - gradient).T]
    for error, bound in zip(errors, [bound_value, bound_b, bound_w]):
        assert (error <= bound + rounding).all()
    # and the bound is not vacuous: at |w| near 10 the error is within a factor 1000 of it
    far = w > 9
    assert (errors[0][far] > 1e-3 * bound_value[far]).any()


def test_check_points_agreement_is_what_the_page_is_told(classes, sine):
    for data, loss in (classes, sine):
        info = loss.compression
        assert 0 <= info.error <= TOLERANCE / 10 and info.checked >= 9
        text = loss.evaluation
        assert text.startswith(f"full-data loss from {ROWS:,} rows merged into {info.nodes:,} "
                               f"weighted points (x in {info.levels} bins, 3 Gauss points per bin")
        assert f"by at most {info.error:.0e}" in text


# --- mini-batches stay exact over the real rows ---------------------------------------------------

def test_batch_gradient_of_a_merged_loss_is_the_exact_mean_over_its_rows(classes):
    data, loss = classes
    x, y = data["x"], data["y"]
    rng = np.random.default_rng(8)
    points = domain_points("classes", 6, 9)
    for size in (1, 32, 5000):
        rows = rng.choice(ROWS, size, replace=False)
        expected = []
        for b, w in points:
            z = y[rows] * (w * x[rows] + b)
            s = 1 / (1 + np.exp(z))
            expected.append([np.mean(-y[rows] * s), np.mean(-y[rows] * x[rows] * s)])
        np.testing.assert_allclose(loss.batch_gradient(points, rows), expected, rtol=1e-12,
                                   atol=1e-15)
    # over every row the batch mean is the exact mean, which the merged gradient only approaches
    value, gradient, _ = logistic_exact(data, points)
    every = np.arange(ROWS)
    np.testing.assert_allclose(loss.batch_gradient(points, every), gradient, rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(loss.batch_value(points, every), value, rtol=1e-12)
    assert not np.array_equal(loss.gradient(points), loss.batch_gradient(points, every))


def test_a_run_steps_on_exact_batches_and_records_merged_full_data_numbers(sine):
    data, loss = sine
    starts = [[0.5], [3.5]]
    run = simulate(loss, ["gd", "adam"], starts, 120, lr=0.05, batch_size=32, seed=1)
    # the gradients the rules used: exact means over 32 real rows (checked at one step here)
    x, y = data["x"], data["y"]
    stream = np.random.SeedSequence(1).spawn(32 + 1)[32]        # the stream of batch size 32
    order = np.random.default_rng(stream).permutation(ROWS)     # the engine's first epoch
    rows = order[5 * 32:6 * 32]
    used = run.states["adam"]["gradient_estimate"][:, 5, 0]
    w = run.points[1, :, 5, 0]
    r = np.sin(w[:, None] * x[rows]) - y[rows]
    expected = np.mean(2 * r * np.cos(w[:, None] * x[rows]) * x[rows], axis=1)
    np.testing.assert_allclose(used, expected, rtol=1e-12, atol=1e-15)
    # the recorded full-data values and gradients: within the tolerance of every row's mean
    recorded = run.points[:, :, ::10, 0].ravel()
    value, gradient = sine_exact(data, recorded)
    assert relative(run.values[:, :, ::10].ravel(), value).max() <= TOLERANCE
    assert relative(run.gradients[:, :, ::10, 0].ravel(), gradient[:, 0]).max() <= TOLERANCE


# --- few rows: the exact path, as before ----------------------------------------------------------

@pytest.mark.parametrize("text, key", [(LOGISTIC, "classes"), (SINE, "sine"),
                                       ("abs(w*x + b - y)", "linear")])
def test_up_to_exact_rows_the_means_are_over_the_rows_themselves(text, key):
    assert EXACT_ROWS == 20_000                                 # as documented
    data = datasets.make(key, n=EXACT_ROWS, seed=4)
    loss = compile_dataset_loss(text, data)
    assert loss.compression is None and loss._nodes is None
    assert loss.evaluation == f"full-data loss over all {EXACT_ROWS:,} rows, exact"
    points = domain_points(key, 9, 5)
    every = np.arange(EXACT_ROWS)
    # bit for bit the row-by-row mean (the path every loss took before rows were merged)
    np.testing.assert_array_equal(loss.value(points), loss.batch_value(points, every))
    np.testing.assert_array_equal(loss.gradient(points), loss.batch_gradient(points, every))
    if key == "classes":
        value, gradient, _ = logistic_exact(data, points)
        np.testing.assert_allclose(loss.value(points), value, rtol=1e-12)
        np.testing.assert_allclose(loss.gradient(points), gradient, rtol=1e-10, atol=1e-15)
    # one row more and the same loss merges its rows (abs of two binned columns cannot: below)
    more = compile_dataset_loss(text, datasets.make(key, n=EXACT_ROWS + 1, seed=4))
    assert (more.compression is not None) == (key != "linear")


def test_polynomial_losses_keep_the_exact_moment_form_at_any_size():
    data = datasets.make("linear", n=ROWS, seed=0)
    loss = compile_dataset_loss("(w*x + b - y)^2", data)
    assert loss.uses_moments and loss.compression is None
    assert loss.evaluation == ("full-data loss from the data's moments (a polynomial in the "
                               f"parameters), exact over all {ROWS:,} rows")
    X = np.stack([np.ones(ROWS), data["x"]], axis=1)
    for p in domain_points("linear", 4, 1):
        np.testing.assert_allclose(loss.value(p), np.mean((X @ p - data["y"]) ** 2), rtol=1e-9)


def test_when_merging_is_not_accurate_enough_the_rows_are_used_and_the_page_is_told():
    # abs(.) of two continuous columns: merged points cannot reach the tolerance (a kink in both
    # x and y), so the full-data means stay over the rows, bit for bit
    data = datasets.make("linear", n=EXACT_ROWS + 5000, seed=2)
    loss = compile_dataset_loss("abs(w*x + b - y)", data)
    assert loss.compression is None and loss._nodes is None
    assert loss.evaluation.startswith(f"full-data loss over all {EXACT_ROWS + 5000:,} rows, exact "
                                      f"(merging the rows into at most 4,096 points was not "
                                      f"accurate to 1e-07")
    points = domain_points("linear", 5, 3)
    np.testing.assert_array_equal(loss.value(points),
                                  loss.batch_value(points, np.arange(EXACT_ROWS + 5000)))
    # a loss undefined at every check point cannot be checked: rows, and the reason
    undefined = compile_dataset_loss("sqrt(w - 10)*x + y", data)
    assert undefined.compression is None
    assert "undefined at every check point" in undefined.evaluation


def test_a_loss_undefined_on_some_rows_is_undefined_on_the_merged_points_too():
    # log(w x) with x > 0: NaN exactly where w <= 0, merged or not
    rng = np.random.default_rng(11)
    data = {"x": rng.lognormal(0.0, 0.5, 30_000), "y": rng.normal(size=30_000)}
    loss = compile_dataset_loss("(log(w*x) - y)^2", data)
    assert loss.compression is not None and loss.compression.carried == ("y",)
    ws = np.linspace(-3, 3, 61)
    expected = np.array([np.mean((np.log(w * data["x"]) - data["y"]) ** 2) if w > 0 else np.nan
                         for w in ws])
    merged = loss.value(ws[:, None])
    np.testing.assert_array_equal(np.isnan(merged), np.isnan(expected))
    assert relative(merged[ws > 0], expected[ws > 0]).max() <= TOLERANCE


# --- the public API (design.md) is unchanged ------------------------------------------------------

def test_the_public_api_is_unchanged_for_merged_losses(classes):
    data, loss = classes
    assert list(inspect.signature(compile_dataset_loss).parameters) == ["text", "data"]
    assert isinstance(loss, DatasetLoss)
    assert loss.variables == ("b", "w") and loss.columns == ("x", "y") and loss.n_rows == ROWS
    assert loss.n == 2 and set(loss.data) == {"x", "y"}
    assert loss.data["x"] is not data["x"] and np.array_equal(loss.data["x"], data["x"])
    grid = domain_points("classes", 21, 2).reshape(7, 3, 2)
    assert loss.value(grid).shape == (7, 3) and loss.gradient(grid).shape == (7, 3, 2)
    assert loss.hessian(grid).shape == (7, 3, 2, 2) and loss.value([0.0, 1.0]).shape == ()
    np.testing.assert_array_equal(loss.value(grid)[2], loss.value(grid[2]))
    assert loss.batch_gradient(grid, np.arange(10)).shape == (7, 3, 2)
    assert "\\sum_{i=1}^{n}" in loss.latex and loss.gradient_latex.startswith("\\nabla L")
    with pytest.raises(ValueError, match="shape"):
        loss.value(np.zeros((3, 3)))
    run = simulate(loss, ["sgd", "gd"], [[0.0, 0.0]], 30, lr=0.05, batch_size=32, seed=0)
    assert run.points.shape == (2, 1, 31, 2) and run.values.shape == (2, 1, 31)
    assert run.batch_size == 32 and run.steps_per_epoch == -(-ROWS // 32)


# --- memory ---------------------------------------------------------------------------------------



def test_a_run_and_a_grid_over_merged_rows_stay_in_bounded_memory(classes):
    # steps x rows would be 500 x 4 x 100,000 floats (1.6 GB), the grid x rows 18 GB
    data, loss = classes
    grid = np.stack(np.meshgrid(np.linspace(-4, 4, 150), np.linspace(-2, 6, 150)), axis=-1)

    def work():
        simulate(loss, ["gd", "sgd", "momentum", "adam"], [[3.0, -1.5]], 500, lr=0.05,
                 batch_size=32, seed=0)
        loss.value(grid)
        loss.gradient(grid)

    assert peak_bytes(work) < 50e6
