"""The page's data mode (issue 10): datasets, uploads, batch sizes, the scaling rule, epochs, the
model drawn over the data, and runs compared side by side. Values are checked against NumPy
computations written here (least squares by lstsq, gradient descent by its closed form), not
against what the page printed before."""
from __future__ import annotations

import math

import numpy as np
import pytest

from _apptest import new_app
from landscapes import datasets
from test_app import player_data


def _run(at, label_start: str) -> tuple[int, dict]:
    """Index and header entry of the first player run whose label starts with ``label_start``."""
    runs = player_data(at)["paths"]["runs"]
    for i, run in enumerate(runs):
        if run["label"].startswith(label_start):
            return i, run
    raise AssertionError([r["label"] for r in runs])


def _path(at, i: int) -> np.ndarray:
    paths = player_data(at)["paths"]
    return np.stack([c[i] for c in paths["points"]], axis=-1)


def _evaluate(program, params, x):
    """A plain reading of viz.model's postfix programs (the oracle for the player's one)."""
    stack = []
    functions = {"sin": np.sin, "cos": np.cos, "exp": np.exp, "log": np.log, "tanh": np.tanh}
    for token in program:
        if token[0] == "c":
            stack.append(np.full_like(x, token[1]))
        elif token[0] == "p":
            stack.append(np.full_like(x, params[token[1]]))
        elif token[0] == "x":
            stack.append(x.copy())
        else:
            _, name, k = token
            args, stack = stack[-k:], stack[:-k]
            if name == "add":
                stack.append(sum(args))
            elif name == "mul":
                stack.append(math.prod(args))
            elif name == "pow":
                stack.append(args[0] ** args[1])
            else:
                stack.append(functions[name](args[0]))
    (out,) = stack
    return out


def test_a_data_link_draws_the_rows_and_the_model_that_gd_fits_reaches_lstsq():
    at = new_app({"data": "linear", "rows": "300", "dseed": "4", "o": "gd", "lr": "0.1",
                  "n": "400"})
    data = player_data(at)["data"]
    rows = datasets.make("linear", n=300, seed=4)
    assert data["rows"] == 300 and data["shown"] == 300
    np.testing.assert_allclose(data["x"], rows["x"].astype(np.float32))
    np.testing.assert_allclose(data["y"], rows["y"].astype(np.float32))
    # gd's last point is the least-squares fit (b, w): NumPy's lstsq on [1, x]
    (b, w), *_ = np.linalg.lstsq(np.stack([np.ones(300), rows["x"]], axis=1), rows["y"],
                                 rcond=None)
    i, _ = _run(at, "GD")
    last = _path(at, i)[-1]
    np.testing.assert_allclose(last, [b, w], atol=2e-3)   # q16 codes of the paths' range
    # the model curve the player draws is w*x + b at that point
    x = np.linspace(-3, 3, 7)
    np.testing.assert_allclose(_evaluate(data["curve"], last, x), last[1] * x + last[0],
                               rtol=1e-12)
    assert data["kind"] == "fit" and data["feature"] == "x" and data["target"] == "y"


def test_logistic_loss_draws_the_expected_label_and_sine_a_one_parameter_curve():
    at = new_app({"data": "classes"})
    data = player_data(at)["data"]
    assert data["kind"] == "labels"
    b, w = 0.3, 1.7
    x = np.linspace(-2, 2, 5)
    expected = 2 / (1 + np.exp(-(w * x + b))) - 1          # E[y | x] for labels ±1
    np.testing.assert_allclose(_evaluate(data["curve"], [b, w], x), expected, rtol=1e-12)
    at = new_app({"data": "sine"})
    data = player_data(at)["data"]
    assert player_data(at)["landscape"]["n"] == 1
    np.testing.assert_allclose(_evaluate(data["curve"], [2.0], x), np.sin(2.0 * x), rtol=1e-12)


def test_a_loss_without_a_model_form_says_so_and_still_runs():
    at = new_app({"data": "linear", "f": "w*x*y + b^2 + w^2"})
    data = player_data(at)["data"]
    assert data["curve"] is None and "not drawn" in data["note"]
    assert player_data(at)["paths"]["T"] == 200


def test_batch_size_n_is_full_batch_and_epochs_are_counted():
    full = new_app({"data": "linear", "o": "gd", "n": "30"})
    same = new_app({"data": "linear", "o": "gd", "n": "30", "b": "200"})
    np.testing.assert_array_equal(_path(full, 0), _path(same, 0))
    assert player_data(same)["paths"]["per_epoch"] == 1
    mini = new_app({"data": "linear", "o": "gd", "n": "30", "b": "16", "ep": "1"})
    paths = player_data(mini)["paths"]
    assert paths["per_epoch"] == math.ceil(200 / 16) and paths["epochs"] is True
    assert not np.array_equal(_path(mini, 0), _path(full, 0))   # the batches move it elsewhere


def test_the_linear_scaling_rule_multiplies_the_rate_by_batch_over_base_batch():
    at = new_app({"data": "linear", "o": "gd", "lr": "0.08", "b": "8", "lrb": "32", "n": "20"})
    lr = player_data(at)["inspect"]["lr"]
    np.testing.assert_allclose(lr, 0.08 * 8 / 32)
    caption = " ".join(c.value for c in at.sidebar.caption)
    assert "γ used = γ × 8 / 32: each rate × 0.25" in caption
    table = at.dataframe[0].value
    assert list(table["lr"]) == ["0.02"] and list(table["batch"]) == ["8"]
    assert list(table["epochs"]) == ["0.8"]            # 20 steps of ceil(200 / 8) = 25 a pass


def test_compare_runs_of_gd_at_three_rates_each_follow_the_closed_form():
    # x^2 + 10 y^2: gd multiplies x by (1 - 2 lr) and y by (1 - 20 lr) per step
    at = new_app({"f": "x^2 + 10*y^2", "d": "-2,2;-2,2", "s": "1.5,1", "o": "gd,gd#2,gd#3",
                  "lr": "0.01", "lr.gd#2": "0.035", "lr.gd#3": "0.045", "n": "25"})
    runs = player_data(at)["paths"]["runs"]
    assert [r["label"] for r in runs] == ["GD lr 0.01", "GD lr 0.035", "GD lr 0.045"]
    assert len({r["color"] for r in runs}) == 3
    for i, lr in enumerate((0.01, 0.035, 0.045)):
        k = np.arange(26)
        expected = np.stack([1.5 * (1 - 2 * lr) ** k, 1.0 * (1 - 20 * lr) ** k], axis=1)
        np.testing.assert_allclose(_path(at, i), expected, atol=1e-4)
    table = at.dataframe[0].value
    assert list(table["optimizer"]) == ["Gradient descent lr 0.01", "Gradient descent lr 0.035",
                                        "Gradient descent lr 0.045"]
    # the inspector of the second run: gd's rule (its equations), the run's own rate
    at.selectbox(key="inspect").set_value((1, 0)).run()
    inspect = player_data(at)["inspect"]
    assert (inspect["optimizer"], inspect["name"]) == ("gd", "gd#2")
    np.testing.assert_allclose(inspect["lr"], 0.035)


def test_sgd_at_batch_sizes_1_16_and_full_and_the_link_keeps_them():
    query = {"data": "linear", "o": "sgd,sgd#2,sgd#3", "b": "1", "b.sgd#2": "16",
             "b.sgd#3": "200", "lr": "0.02", "n": "40"}
    at = new_app(query)
    labels = [r["label"] for r in player_data(at)["paths"]["runs"]]
    assert labels == ["SGD batch 1", "SGD batch 16", "SGD full batch"]
    assert {k: v for k, v in at.query_params.items() if k.startswith("b")} == {
        "b": "1", "b.sgd#2": "16", "b.sgd#3": "200"}
    # the full-batch run is gradient descent on the mean loss: the same path as gd alone
    gd = new_app({"data": "linear", "o": "gd", "lr": "0.02", "n": "40"})
    np.testing.assert_array_equal(_path(at, 2), _path(gd, 0))


def test_add_run_puts_a_second_run_of_the_chosen_optimizer_with_its_own_settings():
    at = new_app({"data": "linear", "o": "sgd", "b": "4", "n": "20"})
    at.selectbox(key="add_run").set_value("sgd").run()
    at.button[[b.label for b in at.button].index("Add run")].click().run()
    assert not at.exception
    assert at.multiselect(key="opts").value == ["sgd", "sgd#2"]
    at.number_input(key="b_sgd#2").set_value(50).run()
    labels = [r["label"] for r in player_data(at)["paths"]["runs"]]
    assert labels == ["SGD batch 4", "SGD batch 50"]
    assert at.query_params["b.sgd#2"] == "50"


BAD_FILES = [
    ("empty.csv", b"", "the file is empty"),
    ("missing.csv", b"x,y\n1,2\n3\n", "line 3 has 1 value"),
    ("text.csv", b"x,y\n1,2\n3,abc\n", "column 'y', line 3 holds 'abc'"),
    ("latin1.csv", "x,y\n1,2\n3,4\n\xe9,5\n".encode("latin-1"), "not UTF-8"),
    ("header.csv", b"x,exp\n1,2\n3,4\n", "the column name 'exp' is a function"),
]


@pytest.mark.parametrize("name,content,message", BAD_FILES, ids=[f[0] for f in BAD_FILES])
def test_a_bad_upload_gets_its_message_and_the_page_keeps_its_data(name, content, message):
    at = new_app({"data": "linear", "n": "20"})
    before = player_data(at)["data"]["key"]
    at.selectbox(key="dataset").set_value("upload").run()
    at.file_uploader[0].set_value((name, content, "text/csv")).run()
    assert not at.exception, [e.message for e in at.exception]
    errors = [e.value for e in at.sidebar.error]
    assert len(errors) == 1 and message.replace("'", "") in errors[0].replace("\\", "").replace(
        "'", ""), errors
    assert player_data(at)["data"]["key"] == before      # the generated data is still shown


def test_a_good_upload_becomes_the_data_and_a_loss_with_other_columns_is_refused():
    at = new_app({"data": "linear", "n": "20"})
    at.selectbox(key="dataset").set_value("upload").run()
    rows = "\n".join(f"{i / 10},{3 * i / 10 + 1}" for i in range(50))
    at.file_uploader[0].set_value(("fit.csv", f"x,y\n{rows}\n".encode(), "text/csv")).run()
    assert not at.exception and not at.sidebar.error
    data = player_data(at)["data"]
    assert data["rows"] == 50
    np.testing.assert_allclose(data["x"], np.arange(50) / 10, rtol=1e-6)
    assert "data" not in at.query_params and "upload" not in str(dict(at.query_params))
    at.text_input(key="expr").set_value("(w*t + b - y)^2").run()       # no column t
    assert not at.exception and any("t" in e.value for e in at.error)
    assert player_data(at)["data"]["rows"] == 50                       # the last good loss


def test_switching_to_data_mode_and_back_survives_reruns_and_adding_an_optimizer():
    at = new_app({})
    at.segmented_control(key="mode").set_value("data").run()
    for _ in range(2):
        at.run()
        assert not at.exception, [e.message for e in at.exception]
    at.multiselect(key="opts").set_value(["gd", "momentum", "adam"]).run()
    assert not at.exception, [e.message for e in at.exception]
    assert player_data(at)["data"]["rows"] == 200
    at.segmented_control(key="mode").set_value("formula").run()
    at.run()
    assert not at.exception and "data" not in player_data(at)
    assert at.selectbox(key="preset").value == "himmelblau"


def test_a_scaled_rate_is_capped_at_the_schedules_limit():
    at = new_app({"data": "linear", "rows": "1000", "lrb": "1", "o": "gd", "n": "5"})
    assert list(at.dataframe[0].value["lr"]) == ["10"]          # 0.05 x 1000 / 1, at most 10
    np.testing.assert_allclose(player_data(at)["inspect"]["lr"], 10.0)


def test_full_batch_stays_full_when_the_rows_change():
    at = new_app({"data": "linear", "o": "gd,sgd", "b.sgd": "16", "n": "10"})
    at.number_input(key="rows").set_value(1000).run()
    assert not at.exception
    runs = player_data(at)["paths"]["runs"]
    assert [r["per_epoch"] for r in runs] == [1, math.ceil(1000 / 16)]
    assert "b" not in at.query_params and at.query_params["b.sgd"] == "16"


def test_a_links_batch_for_a_run_it_does_not_choose_is_reported():
    at = new_app({"data": "linear", "o": "sgd", "b.sgd#2": "16", "n": "5"})
    assert any("b.sgd#2" in t.value and "not among" in t.value for t in at.text)


def test_runs_batch_sizes_follow_the_batch_control_of_a_teacher_link():
    locked = new_app({"data": "linear", "o": "sgd", "n": "5", "lock": "batch"})
    assert locked.number_input(key="b_sgd").disabled
    no_params = new_app({"data": "linear", "o": "sgd", "n": "5", "hide": "hyper"})
    assert no_params.number_input(key="b_sgd") is not None
    assert not [w for w in no_params.number_input if w.key and w.key.startswith("hp_")]


def test_identical_runs_are_numbered_by_their_names():
    at = new_app({"f": "x^2 + 10*y^2", "o": "gd,gd#3", "n": "5", "s": "1,1"})
    assert [r["label"] for r in player_data(at)["paths"]["runs"]] == ["GD #1", "GD #3"]


def test_an_upload_that_does_not_fit_the_loss_gets_a_loss_over_its_columns():
    at = new_app({"data": "linear", "n": "20"})
    at.selectbox(key="dataset").set_value("upload").run()
    rows = "\n".join(f"{i},{2 * i + 1}" for i in range(30))
    at.file_uploader[0].set_value(("ac.csv", f"a,c\n{rows}\n".encode(), "text/csv")).run()
    assert not at.exception and not at.sidebar.error
    assert at.text_input(key="expr").value == "(w*a + b - c)^2"
    data = player_data(at)["data"]
    assert (data["rows"], data["feature"], data["target"]) == (30, "a", "c")


def test_reset_puts_the_batch_settings_back_and_sgd_has_no_noise_control_with_data():
    at = new_app({"data": "linear", "o": "gd,sgd", "b": "4", "lrb": "8", "b.sgd": "50",
                  "n": "10"})
    keys = [w.key for w in at.number_input]
    assert "hp_sgd_noise" not in keys and "b_sgd" in keys       # its noise is the batches
    at.button(key="reset").click().run()
    assert not at.exception
    assert at.number_input(key="batch").value == 16             # the dataset's default
    assert not at.checkbox(key="lrscale").value
    assert "lrb" not in at.query_params and "b.sgd" not in at.query_params
    formula = new_app({"p": "bowl", "o": "sgd", "n": "5"})
    assert "hp_sgd_noise" in [w.key for w in formula.number_input]


def test_the_share_box_says_an_upload_is_not_in_the_link():
    at = new_app({"data": "linear", "n": "10"})
    at.selectbox(key="dataset").set_value("upload").run()
    rows = "\n".join(f"{i},{i % 3}" for i in range(20))
    at.file_uploader[0].set_value(("d.csv", f"x,y\n{rows}\n".encode(), "text/csv")).run()
    assert any("not in the link" in w.value for w in at.warning)
