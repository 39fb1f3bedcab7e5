"""Model tests run on real (tiny) mlwright models: each kind passes where it should and fails
where it should, with the measured value in its detail."""

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

import mlwright
from mlwright._types import Task
from mlwright.errors import ConfigError, SchemaError
from mlwright.evaluate.model_tests import TestResult, default_test_suite, load_test_suite, run_model_tests

# a fixed number of trials and a budget that never binds: the same model however busy the machine
TINY = dict(time_limit=120, max_trials=3, families=("lightgbm",), progress=False)


def binary_frame(rows: int, seed: int) -> pd.DataFrame:
    """`x` drives the label, `grp` shifts it, `noise` is pure noise, `row_id` is dropped as an identifier."""
    rng = np.random.default_rng(seed)
    x, grp = rng.normal(size=rows), rng.choice(["a", "b", "c"], size=rows)
    logit = 3 * x + (grp == "a") * 1.0
    y = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame({"row_id": np.arange(rows), "x": x, "noise": rng.normal(size=rows), "grp": grp,
                         "age": rng.integers(18, 80, rows), "y": y})


def regression_frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=rows)
    return pd.DataFrame({"a": a, "b": rng.normal(size=rows), "y": 3 * a + rng.normal(scale=1.0, size=rows)})


def multiclass_frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=rows), rng.normal(size=rows)
    label = np.select([a + b > 0.7, a - b > 0.5], ["alpha", "beta"], default="gamma")
    return pd.DataFrame({"a": a, "b": b, "label": label})


@pytest.fixture(scope="module")
def binary():
    return mlwright.train(binary_frame(600, 0), "y", **TINY), binary_frame(400, 1)


@pytest.fixture(scope="module")
def regressor():
    return mlwright.train(regression_frame(500, 0), "y", **TINY), regression_frame(300, 1)


@pytest.fixture(scope="module")
def multiclass():
    return mlwright.train(multiclass_frame(450, 0), "label", **TINY), multiclass_frame(300, 1)


def run(tmp_path, model, data, spec: str) -> list[TestResult]:
    path = tmp_path / "checks.yml"
    path.write_text("tests:\n" + spec)
    return run_model_tests(model, data, load_test_suite(path))


def test_minimum_passes_below_and_fails_above_the_measured_value(binary, tmp_path):
    model, data = binary
    auc = skm.roc_auc_score(data["y"] == "yes", model.predict_proba(data)["yes"])
    low, high = run(tmp_path, model, data, f"  - minimum: {{metric: roc_auc, value: {auc - 0.01:.4f}}}\n"
                                           f"  - minimum: {{metric: roc_auc, value: {auc + 0.005:.4f}}}\n")
    assert low.passed and not high.passed
    asked = float(f"{auc + 0.005:.4f}")  # as written in the spec; the detail prints it as given
    assert f"roc_auc = {auc:.4f} on 400 rows" in high.detail and f"minimum {asked:g}" in high.detail


def test_label_metrics_score_model_predict_and_maximum_bounds_losses(binary, tmp_path):
    model, data = binary
    accuracy = float(np.mean(model.predict(data) == data["y"]))
    loss = skm.log_loss(data["y"] == "yes", model.predict_proba(data)["yes"])
    results = run(tmp_path, model, data, f"  - minimum: {{metric: accuracy, value: {accuracy:.6f}}}\n"
                                         f"  - maximum: {{metric: log_loss, value: {loss + 0.01:.4f}}}\n"
                                         f"  - maximum: {{metric: log_loss, value: {loss - 0.01:.4f}}}\n")
    assert [r.passed for r in results] == [True, True, False]
    assert f"accuracy = {accuracy:.4f}" in results[0].detail and f"log_loss = {loss:.4f}" in results[2].detail


def test_a_slice_measures_its_rows_only(binary, tmp_path):
    model, data = binary
    rows = data["grp"] == "a"
    recall = skm.recall_score(data["y"][rows], model.predict(data)[rows], pos_label="yes")
    results = run(tmp_path, model, data,
                  f"  - minimum: {{metric: recall, value: {recall - 0.01:.4f}, slice: {{column: grp, equals: a}}}}\n"
                  f"  - minimum: {{metric: recall, value: {recall + 0.01:.4f}, slice: {{column: grp, equals: a}}}}\n"
                  "  - minimum: {metric: accuracy, value: 0.5, slice: {column: grp, in: [b, c]}}\n"
                  "  - minimum: {metric: accuracy, value: 0.5, slice: {column: age, between: [30, 40]}}\n"
                  "  - minimum: {metric: accuracy, value: 0.5, slice: {column: grp, equals: zzz}}\n")
    assert [r.passed for r in results] == [True, False, True, True, False]
    assert f"recall = {recall:.4f} on {rows.sum()} rows where grp = a" in results[1].detail
    assert f"on {(~rows).sum()} rows where grp in [b, c]" in results[2].detail
    assert f"on {data['age'].between(30, 40).sum()} rows where age between 30 and 40" in results[3].detail
    assert results[4].detail.startswith("not measured: no row has grp = zzz (seen: ")


def test_beats_baseline_passes_for_a_real_model_and_fails_on_inverted_labels(binary):
    model, data = binary
    passed = run_model_tests(model, data, default_test_suite(model))
    assert all(r.passed for r in passed), passed
    assert "vs 0.5000 predicting the class shares of DATA, on 400 rows" in passed[1].detail
    inverted = data.assign(y=np.where(data["y"] == "yes", "no", "yes"))
    assert not run_model_tests(model, inverted, default_test_suite(model))[1].passed


def test_invariance_fails_on_a_column_the_model_uses_and_passes_on_ones_it_ignores(binary, tmp_path):
    model, data = binary
    data = data.assign(comment=np.where(data["x"] > 0, "left", "right"))  # a column the model never saw
    x, row_id, comment, grp = run(tmp_path, model, data,
                                  "  - invariance: {column: x, max_change: 0.05}\n"
                                  "  - invariance: {column: row_id, max_change: 0}\n"
                                  "  - invariance: {column: comment, max_change: 0}\n"
                                  "  - invariance: {column: grp, max_change: 0.01, values: [a, b]}\n")
    assert not x.passed and "largest change" in x.detail and "over 20 values x 400 rows; allowed 0.05" in x.detail
    assert float(x.detail.split()[2]) > 0.5, "moving the signal moves the probability a lot"
    assert row_id.passed and row_id.detail == "no prediction changed over 20 values x 400 rows; allowed 0"
    assert comment.passed and "over 2 values" in comment.detail
    assert not grp.passed and "over 2 values x 400 rows" in grp.detail


def test_directional_holds_on_a_monotone_relation_and_fails_against_it(regressor, tmp_path):
    model, data = regressor
    up, down = run(tmp_path, model, data, "  - directional: {column: a, direction: increasing, by: 1, tolerance: 0.2}\n"
                                          "  - directional: {column: a, direction: decreasing, by: 1}\n")
    assert up.passed, up.detail
    assert not down.passed
    moved_against = int(down.detail.split()[0])
    assert moved_against > 200 and "of 300 rows moved against 'decreasing' by more than 0" in down.detail


class _Formula:
    """A regressor that is a known formula of `a`, to check the directional arithmetic exactly."""

    def __init__(self, formula):
        self.formula = formula
        self.target = SimpleNamespace(name="y")
        self.task = Task.REGRESSION

    def predict(self, frame):
        return pd.Series(self.formula(frame["a"].astype(float)), index=frame.index, name="y")


def test_directional_counts_exactly_the_rows_that_move_the_wrong_way(tmp_path):
    data = pd.DataFrame({"a": np.linspace(-2, 2, 41), "y": 0.0})
    linear, square = _Formula(lambda a: 3 * a), _Formula(lambda a: a ** 2)
    spec = "  - directional: {column: a, direction: increasing, by: 1}\n"
    assert run(tmp_path, linear, data, spec)[0].detail == "no prediction moved against 'increasing' on 41 rows"
    result, = run(tmp_path, square, data, spec)
    assert not result.passed, "(a + 1)² < a² exactly where a < -0.5"
    assert result.detail.startswith(f"{int((data['a'] < -0.5).sum())} of 41 rows moved against 'increasing'")
    assert "worst 3 (row 0: a -2 -> -1)" in result.detail
    # a factor moves negative values down: 3a then falls there, which is still 'increasing'
    up, down = run(tmp_path, linear, data, "  - directional: {column: a, direction: increasing, factor: 1.5}\n"
                                           "  - directional: {column: a, direction: decreasing, factor: 1.5}\n")
    assert up.passed and up.detail.endswith("on 40 rows"), "a = 0 does not move"
    assert down.detail.startswith("40 of 40 rows moved against 'decreasing'")
    nothing, = run(tmp_path, linear, data, "  - directional: {column: a, direction: increasing, factor: 1}\n")
    assert not nothing.passed and "moves no value of 'a'" in nothing.detail


def test_directional_on_a_binary_probability(binary, tmp_path):
    model, data = binary
    up, down = run(tmp_path, model, data,
                   "  - directional: {column: x, direction: increasing, by: 1, tolerance: 0.05}\n"
                   "  - directional: {column: x, direction: decreasing, by: 1}\n")
    assert up.passed and not down.passed


def test_multiclass_directional_needs_a_class_and_invariance_reads_every_class(multiclass, tmp_path):
    model, data = multiclass
    with pytest.raises(ConfigError, match=r"tests\[0\]\.directional\.class: a multiclass model"):
        run(tmp_path, model, data, "  - directional: {column: a, direction: increasing, by: 1}\n")
    alpha, every, ignored = run(tmp_path, model, data,
                                "  - directional: {column: a, direction: increasing, by: 1, class: alpha, "
                                "tolerance: 0.05}\n"
                                "  - invariance: {column: a, max_change: 0.05}\n"
                                "  - invariance: {column: a, max_change: 0.05, values: [0.1], class: beta}\n")
    assert alpha.passed, alpha.detail
    assert not every.passed and not ignored.passed
    with pytest.raises(ConfigError, match="has no class 'delta'.*alpha, beta, gamma"):
        run(tmp_path, model, data, "  - invariance: {column: a, max_change: 0.05, class: delta}\n")


def test_refuses_unscorable_passes_for_a_real_model(binary, tmp_path):
    model, data = binary
    lenient, strict = run(tmp_path, model, data, "  - refuses_unscorable: {}\n  - refuses_unscorable: {strict: true}\n")
    assert lenient.passed, lenient.detail
    assert "without 'x': refused (SchemaError)" in lenient.detail
    assert "text in 'x': refused (SchemaError)" in lenient.detail
    assert "empty table: empty (0 predictions)" in lenient.detail
    assert not strict.passed, "mlwright answers an empty table with no predictions; strict wants a refusal"


class _Silent:
    """A model that scores anything without a word, or crashes inside a library."""

    def __init__(self, real, crash: bool = False):
        self.schema, self.target, self.task, self.crash = real.schema, real.target, real.task, crash

    def predict(self, frame):
        if self.crash:
            raise KeyError("feature_3")
        return pd.Series(np.zeros(len(frame)), index=frame.index)


@pytest.mark.parametrize("crash, outcome", [(False, "predicted (20 predictions, no warning)"),
                                            (True, "crashed (KeyError: 'feature_3')")])
def test_refuses_unscorable_fails_for_silent_or_crashing_models(binary, tmp_path, crash, outcome):
    model, data = binary
    result, = run(tmp_path, _Silent(model, crash), data, "  - refuses_unscorable: {}\n")
    assert not result.passed and f"without 'x': {outcome}" in result.detail


@pytest.mark.parametrize("spec, needles", [
    ("  - invariance: {column: gpr, max_change: 0.1}\n", ["tests[0].invariance.column", "no column 'gpr'",
                                                          "Did you mean 'grp'?"]),
    ("  - minimum: {metric: r2, value: 0.5}\n", ["tests[0].minimum.metric", "r2 does not apply to this binary model"]),
    ("  - minimum: {metric: f1, value: 0.5, slice: {column: sexx, equals: F}}\n", ["slice.column", "no column 'sexx'"]),
    ("  - minimum: {metric: f1, value: 0.5, slice: {column: x, equals: high}}\n", ["slice", "holds numbers"]),
    ("  - directional: {column: grp, direction: increasing, by: 1}\n", ["directional.column", "holds no numbers"]),
    ("  - beats_baseline: {metric: mae}\n", ["beats_baseline.metric", "does not apply"]),
])
def test_spec_mistakes_about_the_model_or_data_fail_before_any_test(binary, tmp_path, spec, needles):
    model, data = binary
    with pytest.raises(ConfigError) as caught:
        run(tmp_path, model, data, spec)
    message = caught.value.message
    assert "\n" not in message and "checks.yml:2" in message
    for needle in needles:
        assert needle in message, message


def test_without_labels_metric_tests_fail_and_the_others_run(binary, tmp_path):
    model, data = binary
    results = run(tmp_path, model, data.drop(columns="y"), "  - minimum: {metric: roc_auc, value: 0.5}\n"
                                                           "  - beats_baseline: {}\n"
                                                           "  - invariance: {column: row_id, max_change: 0}\n"
                                                           "  - refuses_unscorable: {}\n")
    assert [r.passed for r in results] == [False, False, True, True]
    assert results[0].detail == "not measured: DATA has no 'y' column (the target): this test needs labels."


def test_labels_the_model_never_saw_are_not_measured(binary, tmp_path):
    model, data = binary
    result, = run(tmp_path, model, data.assign(y="maybe"), "  - minimum: {metric: accuracy, value: 0.5}\n")
    assert not result.passed and "labels the model never saw (maybe)" in result.detail


def test_data_the_model_cannot_score_is_an_error_not_a_failed_test(binary):
    model, data = binary
    with pytest.raises(SchemaError, match="missing columns the model needs: x"):
        run_model_tests(model, data.drop(columns="x"), default_test_suite(model))


def test_regression_metrics_and_baseline(regressor, tmp_path):
    model, data = regressor
    rmse = float(np.sqrt(np.mean((model.predict(data) - data["y"]) ** 2)))
    results = run(tmp_path, model, data, f"  - maximum: {{metric: rmse, value: {rmse + 0.01:.4f}}}\n"
                                         f"  - maximum: {{metric: rmse, value: {rmse - 0.01:.4f}}}\n"
                                         "  - minimum: {metric: r2, value: 0.7}\n  - beats_baseline: {}\n")
    assert [r.passed for r in results] == [True, False, True, True]
    assert "predicting the mean of DATA" in results[3].detail


def test_results_are_plain_json():
    result = TestResult("n", "minimum", np.bool_(False), "d")
    assert json.loads(json.dumps(result.to_dict())) == {"name": "n", "kind": "minimum", "passed": False, "detail": "d"}
    assert SimpleNamespace(**result.to_dict()).passed is False
