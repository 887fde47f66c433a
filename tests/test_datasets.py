"""Built-in datasets and the reading of uploaded CSV files (one message per kind of bad file)."""
import re

import numpy as np
import pytest

from landscapes import InvalidDataset, datasets


# --- generators -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(datasets.GENERATORS))
def test_generators_make_float_columns_of_the_requested_length_from_their_seed(name):
    info = datasets.GENERATORS[name]
    data = datasets.make(name, n=57, seed=3)
    assert tuple(data) == info.columns
    for column in data.values():
        assert column.dtype == np.float64 and column.shape == (57,) and np.isfinite(column).all()
    again, other = datasets.make(name, n=57, seed=3), datasets.make(name, n=57, seed=4)
    for key in data:
        np.testing.assert_array_equal(again[key], data[key])
    assert any(not np.array_equal(other[key], data[key]) for key in data)
    # the suggestions fit the suggested loss: one (lo, hi) and one coordinate per parameter
    assert len(info.domain) == len(info.parameters) and all(lo < hi for lo, hi in info.domain)
    for start in info.starts:
        assert len(start) == len(info.parameters)
        assert all(lo <= v <= hi for v, (lo, hi) in zip(start, info.domain))


def test_linear_data_follows_its_documented_line():
    data = datasets.make("linear", n=20000, seed=1)
    design = np.stack([data["x"], np.ones(20000)], axis=1)
    (w, b), residual = np.linalg.lstsq(design, data["y"], rcond=None)[:2]
    truth = datasets.GENERATORS["linear"].truth
    assert abs(w - truth["w"]) < 0.02 and abs(b - truth["b"]) < 0.02
    assert abs(np.sqrt(residual[0] / 20000) - truth["noise"]) < 0.01


def test_classes_are_balanced_labels_around_their_means():
    data = datasets.make("classes", n=10001, seed=2)
    y, x = data["y"], data["x"]
    assert set(np.unique(y)) == {-1.0, 1.0}
    assert (y == 1).sum() == 5001 and (y == -1).sum() == 5000
    assert abs(x[y == 1].mean() - 1.0) < 0.05 and abs(x[y == -1].mean() + 1.0) < 0.05
    assert abs(x[y == 1].std() - 1.0) < 0.05
    assert 0 < np.abs(np.diff(y)).sum()          # shuffled, not one class then the other


def test_sine_data_and_its_several_minima():
    data = datasets.make("sine", n=400, seed=0)
    x, y = data["x"], data["y"]
    assert np.sqrt(np.mean((y - np.sin(2.0 * x)) ** 2)) == pytest.approx(0.1, abs=0.015)
    w = np.linspace(-1.0, 5.0, 3001)
    loss = np.mean((np.sin(w[:, None] * x) - y) ** 2, axis=1)
    minima = w[1:-1][(loss[1:-1] < loss[:-2]) & (loss[1:-1] < loss[2:])]
    assert len(minima) >= 3 and np.abs(minima - 2.0).min() < 0.02


@pytest.mark.parametrize("n", [1, 0, 2.5, True, datasets.MAX_GENERATED + 1])
def test_make_refuses_bad_sizes(n):
    with pytest.raises(ValueError, match=re.escape(f"n={n!r}")):
        datasets.make("linear", n=n)


def test_make_refuses_unknown_names():
    with pytest.raises(ValueError, match="unknown dataset 'iris'"):
        datasets.make("iris")


# --- CSV --------------------------------------------------------------------------------------

def test_a_good_file_is_read_exactly():
    text = "\ufeff x , y_2 \r\n1,-2.5\r\n\r\n.5, +3e-2\r\n-7,  1E3\n"
    data = datasets.read_csv(text.encode("utf-8"))
    assert list(data) == ["x", "y_2"]
    np.testing.assert_array_equal(data["x"], [1.0, 0.5, -7.0])
    np.testing.assert_array_equal(data["y_2"], [-2.5, 0.03, 1000.0])
    assert data["x"].dtype == np.float64


BAD_FILES = [
    (b"", {}, "the file is empty"),
    (b" \n\n  \r\n", {}, "the file is empty"),
    (b"x,y\n" + b"1,2\n" * 20, {"max_bytes": 50}, "the file is too large (84 bytes; at most 50 bytes)"),
    ("x,y\n1,2\n3,4\n".encode("utf-16"), {}, "the file is not UTF-8 text (byte 1 cannot be read)"),
    ("x,y\n1,2\ncaf\u00e9,4\n".encode("latin-1"), {}, "the file is not UTF-8 text (byte 12 cannot be read)"),
    (b"x,y\n1,\x002\n3,4\n", {}, "the file is not text (it contains NUL bytes)"),
    (b"1,2\n3,4\n", {}, "line 1, the first line, holds numbers: the first line must name the columns"),
    (b"x,x\n1,2\n3,4\n", {}, "the column name 'x' appears twice in the header (line 1)"),
    (b"x,\n1,2\n3,4\n", {}, "a column has no name (header, line 1)"),
    (b"x;y\n1;2\n3;4\n", {}, "the column name 'x;y' is not a valid name: use letters, digits and '_', "
                             "starting with a letter (columns must be separated by commas)"),
    (b"height m,y\n1,2\n3,4\n", {}, "the column name 'height m' is not a valid name"),
    (b"2x,y\n1,2\n3,4\n", {}, "the column name '2x' is not a valid name"),
    (b"sin,y\n1,2\n3,4\n", {}, "the column name 'sin' is a function in a loss: rename the column"),
    (b"x,exp\n1,2\n3,4\n", {}, "the column name 'exp' is a function in a loss"),
    (b"e,y\n1,2\n3,4\n", {}, "the column name 'e' is a constant in a loss"),
    (b"pi,y\n1,2\n3,4\n", {}, "the column name 'pi' is a constant in a loss"),
    (b"sum,y\n1,2\n3,4\n", {}, "the column name 'sum' is a reserved name in a loss"),
    (b"lambda,y\n1,2\n3,4\n", {}, "the column name 'lambda' is a Python keyword"),
    (b"_x,y\n1,2\n3,4\n", {}, "the column name '_x' may not start with '_'"),
    (b"x,y\n1,2\n3\n4,5\n", {}, "line 3 has 1 value; the header has 2 columns (x, y)"),
    (b"x,y\n1,2\n3,4,5\n", {}, "line 3 has 3 values; the header has 2 columns (x, y)"),
    (b"x,y\n1,2\n3,abc\n", {}, "column 'y', line 3 holds 'abc', which is not a number"),
    (b"x,y\n1,2\n\n1.5.2,3\n", {}, "column 'x', line 4 holds '1.5.2', which is not a number"),
    (b"x,y\n1,1_000\n3,4\n", {}, "column 'y', line 2 holds '1_000', which is not a number"),
    (b"x,y\n1,\n3,4\n", {}, "column 'y', line 2 is empty"),
    (b"x,y\n1,2\nnan,4\n", {}, "column 'x', line 3 holds 'nan': values must be finite numbers"),
    (b"x,y\n1,-inf\n3,4\n", {}, "column 'y', line 2 holds '-inf': values must be finite numbers"),
    (b"x,y\n1,2\n3,1e999\n", {}, "the value '1e999' in column 'y', line 3 is too large for floating point"),
    (b"x,y\n1,2\n", {}, "the file has 1 data row; at least 2 are needed"),
    (b"x,y\n", {}, "the file has 0 data rows; at least 2 are needed"),
    (b"x,y\n1,2\n3,4\n5,6\n7,8\n", {"max_rows": 3}, "the file has too many rows (more than 3)"),
    (",".join(f"c{i}" for i in range(21)).encode() + b"\n" + b"1," * 20 + b"1\n", {},
     "the file has 21 columns; at most 20"),
]


@pytest.mark.parametrize("data, limits, message", BAD_FILES,
                         ids=[m[:40] for _, _, m in BAD_FILES])
def test_each_bad_file_gets_its_message(data, limits, message):
    with pytest.raises(InvalidDataset) as info:
        datasets.read_csv(data, **limits)
    assert message in str(info.value)
    assert isinstance(info.value, ValueError)


def test_limits_are_exact():
    rows = b"x,y\n1,2\n3,4\n5,6\n"
    assert len(datasets.read_csv(rows, max_rows=3)["x"]) == 3
    assert len(datasets.read_csv(rows, max_bytes=len(rows))["y"]) == 3
    with pytest.raises(InvalidDataset, match="too large"):
        datasets.read_csv(rows, max_bytes=len(rows) - 1)


def test_reading_never_evaluates_a_field():
    # a field that Python would evaluate (or float() would accept) stays text and is refused
    for field in ("__import__('os')", "1+1", "0x10", "1_0", "\u0661"):
        data = f"x,y\n1,2\n3,{field}\n".encode()
        with pytest.raises(InvalidDataset, match="which is not a number"):
            datasets.read_csv(data)
