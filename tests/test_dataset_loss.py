"""compile_dataset_loss: means over rows against NumPy closed forms, batches, names, memory."""

import numpy as np
import pytest

from landscapes import InvalidDataset, InvalidExpression, compile_dataset_loss, datasets
from _server import peak_bytes


def random_regression(rows=300, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0.5, 2.0, rows)
    return {"x": x, "y": 1.7 * x - 0.3 + rng.normal(0, 0.8, rows)}


def random_points(count=7, seed=1):
    return np.random.default_rng(seed).uniform(-3, 3, (count, 2))


def test_least_squares_gradient_is_two_over_n_xt_residual():
    data = random_regression()
    loss = compile_dataset_loss("(w*x + b - y)^2", data)
    assert loss.variables == ("b", "w") and loss.columns == ("x", "y") and loss.n_rows == 300
    X = np.stack([np.ones(300), data["x"]], axis=1)           # columns in (b, w) order
    theta = random_points()
    for t in theta:
        residual = X @ t - data["y"]
        expected = 2 / 300 * X.T @ residual
        np.testing.assert_allclose(loss.gradient(t), expected, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(loss.value(t), np.mean(residual ** 2), rtol=1e-9)
        np.testing.assert_allclose(loss.hessian(t), 2 / 300 * X.T @ X, rtol=1e-9)
        # the batch of every row is the same mean, evaluated row by row
        np.testing.assert_allclose(loss.batch_gradient(t, np.arange(300)), expected, rtol=1e-9,
                                   atol=1e-12)
    # vectorized over any leading shape
    grid = theta.reshape(7, 1, 2) + np.zeros((1, 3, 1))
    assert loss.gradient(grid).shape == (7, 3, 2) and loss.value(grid).shape == (7, 3)
    np.testing.assert_allclose(loss.gradient(grid)[:, 1], loss.gradient(theta), rtol=1e-12)


def test_two_features_without_intercept():
    rng = np.random.default_rng(5)
    data = {"x1": rng.normal(size=200), "x2": rng.normal(size=200), "y": rng.normal(size=200)}
    loss = compile_dataset_loss("(u*x1 + v*x2 - y)^2", data)
    assert loss.variables == ("u", "v")
    X = np.stack([data["x1"], data["x2"]], axis=1)
    for t in random_points(seed=6):
        np.testing.assert_allclose(loss.gradient(t), 2 / 200 * X.T @ (X @ t - data["y"]),
                                   rtol=1e-9, atol=1e-12)


def test_logistic_loss_gradient_against_numpy():
    data = datasets.make("classes", n=500, seed=3)
    x, y = data["x"], data["y"]
    loss = compile_dataset_loss("log(1 + exp(-y*(w*x + b)))", data)
    assert not loss.uses_moments                             # evaluated row by row
    for b, w in random_points(seed=2):
        z = y * (w * x + b)
        s = 1 / (1 + np.exp(z))                              # sigmoid(-z)
        expected = np.array([np.mean(-y * s), np.mean(-y * x * s)])
        np.testing.assert_allclose(loss.gradient([b, w]), expected, rtol=1e-9, atol=1e-14)
        np.testing.assert_allclose(loss.value([b, w]), np.mean(np.log1p(np.exp(-z))), rtol=1e-9)


def test_one_parameter_sine_fit():
    data = datasets.make("sine", n=250, seed=4)
    x, y = data["x"], data["y"]
    loss = compile_dataset_loss("(sin(w*x) - y)^2", data)
    assert loss.variables == ("w",) and loss.n == 1
    w = np.linspace(-1, 5, 11)[:, None]
    r = np.sin(w * x) - y
    np.testing.assert_allclose(loss.value(w), np.mean(r ** 2, axis=1), rtol=1e-9)
    np.testing.assert_allclose(loss.gradient(w)[:, 0], np.mean(2 * r * np.cos(w * x) * x, axis=1),
                               rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("text", ["(w*x + b - y)^2", "log(1 + exp(-y*(w*x + b)))",
                                  "abs(w*x + b - y) + 0.1*w^2"])
def test_mean_of_batch_gradients_over_a_partition_is_the_full_gradient(text):
    data = datasets.make("classes" if "log" in text else "linear", n=120, seed=7)
    loss = compile_dataset_loss(text, data)
    batches = np.random.default_rng(8).permutation(120).reshape(15, 8)
    points = random_points(seed=9)
    mean = np.mean([loss.batch_gradient(points, rows) for rows in batches], axis=0)
    np.testing.assert_allclose(mean, loss.gradient(points), rtol=1e-10, atol=1e-13)
    # a single batch is the mean over its own rows, computed here with a dataset of those rows
    alone = compile_dataset_loss(text, {k: v[batches[3]] for k, v in data.items()})
    np.testing.assert_allclose(loss.batch_gradient(points, batches[3]), alone.gradient(points),
                               rtol=1e-10, atol=1e-13)
    assert np.abs(loss.batch_gradient(points, batches[3]) - loss.gradient(points)).max() > 1e-3


def test_moment_form_and_row_by_row_agree_on_polynomials():
    data = random_regression(rows=2000, seed=11)
    for text in ["(w*x + b - y)^2", "(w*x^2 + b*x - y)^2 + 0.5*(w - 1)^4", "w^2*x*y - b*y^3"]:
        loss = compile_dataset_loss(text, data)
        assert loss.uses_moments, text
        p = random_points(seed=12)
        rows = np.arange(2000)
        np.testing.assert_allclose(loss.value(p), loss.batch_value(p, rows), rtol=1e-9)
        np.testing.assert_allclose(loss.gradient(p), loss.batch_gradient(p, rows), rtol=1e-9,
                                   atol=1e-9)


def test_values_stay_accurate_for_data_far_from_zero():
    # the moment form adds terms of size 1e12 whose sum is about 0.25 near the minimum: such values
    # must come out as the mean itself, not as the rounding of the moments (5e-3 off here)
    rng = np.random.default_rng(13)
    x = 1e6 + rng.normal(size=1000)
    y = 2 * x - 1 + 0.5 * rng.normal(size=1000)
    loss = compile_dataset_loss("(w*x + b - y)^2", {"x": x, "y": y})
    assert loss.uses_moments
    X = np.stack([np.ones(1000), x], axis=1)
    best = np.linalg.lstsq(X, y, rcond=None)[0]
    for shift in [0.0, 0.1, -0.3]:
        p = best + np.array([shift, 0.0])
        assert loss.value(p) == pytest.approx(np.mean((X @ p - y) ** 2), rel=1e-7)
        assert loss.value(p[None, None])[0, 0] == loss.value(p)


def test_undefined_samples_make_the_mean_undefined():
    data = {"x": np.array([1.0, 2.0, -1.0]), "y": np.zeros(3)}
    loss = compile_dataset_loss("(log(w*x) - y)^2", data)
    assert np.isnan(loss.value([1.0])) and np.isnan(loss.gradient([1.0])).all()
    assert np.isfinite(loss.batch_value([1.0], np.array([0, 1])))


# --- names --------------------------------------------------------------------------------------

XY = {"x": np.arange(4.0), "y": np.arange(4.0) ** 2}


@pytest.mark.parametrize("text, message", [
    ("(w*x + b - z)^2", "the loss has 3 names that are not data columns (b, w, z); at most two can "
                        "be parameters (a missing column? the data has x, y) (at position 12: 'z')"),
    ("(w - 3)^2 + b", "the loss uses no data column: write it with the columns (x, y)"),
    ("(x - y)^2", "the loss has no parameter: every name in it is a data column"),
    ("(a*x^2 + w*x + b - y)^2", "at most two can be parameters"),
    ("(w*x + b - y)^2 +", "the expression ends too early"),
    ("eval(x)", "unknown function 'eval'"),
])
def test_loss_text_problems_are_invalid_expressions(text, message):
    with pytest.raises(InvalidExpression) as info:
        compile_dataset_loss(text, XY)
    assert message in str(info.value)


@pytest.mark.parametrize("data, message", [
    ({"exp": np.ones(3), "y": np.ones(3)}, "the column name 'exp' is a function in a loss"),
    ({"x": np.ones(3), "e": np.ones(3)}, "the column name 'e' is a constant in a loss"),
    ({"x": np.ones(3), "pi": np.ones(3)}, "the column name 'pi' is a constant in a loss"),
    ({"x": np.ones(3), "sum": np.ones(3)}, "the column name 'sum' is a reserved name"),
    ({"x y": np.ones(3)}, "the column name 'x y' is not a valid name"),
    ({"__class__": np.ones(3)}, "the column name '__class__' may not start with '_'"),
    ({"x": np.ones(3), "y": np.ones(4)}, "columns have different lengths ('y' has 4 rows"),
    ({"x": np.array([1.0, np.inf]), "y": np.ones(2)}, "column 'x' holds a non-finite value (row 2)"),
    ({"x": np.ones((2, 2)), "y": np.ones(2)}, "column 'x' must be 1-D"),
    ({"x": ["a", "b"], "y": np.ones(2)}, "column 'x' is not numeric"),
    ({"x": np.ones(0), "y": np.ones(0)}, "the data has no rows"),
    ({}, "the data must be a dict of named columns"),
])
def test_bad_data_is_refused_with_its_message(data, message):
    with pytest.raises(InvalidDataset) as info:
        compile_dataset_loss("(w*x + b - y)^2", data)
    assert message in str(info.value)


def test_a_column_named_like_a_parameter_is_data():
    data = {"w": np.arange(5.0), "y": np.ones(5)}
    loss = compile_dataset_loss("(a*w - y)^2", data)
    assert loss.variables == ("a",) and loss.columns == ("w", "y")
    np.testing.assert_allclose(loss.value([2.0]), np.mean((2 * np.arange(5.0) - 1) ** 2))


def test_batch_rows_are_checked():
    loss = compile_dataset_loss("(w*x + b - y)^2", XY)
    for rows in [np.array([0, 4]), np.zeros((2, 2), int), np.array([0.5]), np.array([], int)]:
        with pytest.raises(ValueError, match="row"):
            loss.batch_gradient([0.0, 0.0], rows)


# --- memory -----------------------------------------------------------------------------------

GRID = np.stack(np.meshgrid(np.linspace(-4, 4, 150), np.linspace(-2, 6, 150)), axis=-1)




def test_a_grid_over_100000_rows_stays_in_bounded_memory():
    # the whole table would be 150*150*100000 floats = 18 GB; least squares uses the data's moments
    data = datasets.make("linear", n=100_000, seed=0)
    loss = compile_dataset_loss("(w*x + b - y)^2", data)
    peak = peak_bytes(lambda: (loss.value(GRID), loss.gradient(GRID)))
    assert peak < 100e6, peak


def test_row_by_row_evaluation_is_chunked():
    # a loss that is not a polynomial is evaluated row by row: 150 x 150 points over 10,000 rows
    # would be 1.8 GB as one table; in chunks the peak stays under 100 MB
    data = datasets.make("linear", n=10_000, seed=0)
    loss = compile_dataset_loss("abs(w*x + b - y)", data)
    assert not loss.uses_moments
    peak = peak_bytes(lambda: loss.value(GRID))
    assert peak < 100e6, peak
    # and the chunked means are the means (a few grid points checked directly)
    values = loss.value(GRID)
    for i, j in [(0, 0), (75, 20), (149, 149)]:
        b, w = GRID[i, j]
        assert values[i, j] == pytest.approx(np.mean(np.abs(w * data["x"] + b - data["y"])), rel=1e-10)
