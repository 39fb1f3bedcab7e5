"""The report's metrics and their bootstrap intervals: equal weights give scikit-learn's values,
intervals bracket the value and narrow with more rows."""

import numpy as np
import pytest
from sklearn import metrics as skm

from mlwright._types import Task
from mlwright.evaluate.bootstrap import bootstrap_intervals, weighted_classification, weighted_regression
from mlwright.evaluate.held_out import HeldOutSet, baseline_prediction, evaluate_set
from mlwright.evaluate.scores import CLASSIFICATION_METRICS, REGRESSION_METRICS, metric_value


def _classification(n, k, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, k, n)
    proba = np.round(rng.dirichlet(np.ones(k), n), 2) + 1e-3  # rounding makes ties, as real models do
    proba[np.arange(n), y] += 0.3
    return y, proba / proba.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("k", [2, 3])
def test_equal_weights_give_scikit_learn_values(k):
    y, proba = _classification(400, k)
    weighted = weighted_classification(np.ones((1, len(y))), y, proba, None, CLASSIFICATION_METRICS)
    for name in CLASSIFICATION_METRICS:
        assert weighted[name][0] == pytest.approx(metric_value(name, Task(["binary", "multiclass"][k - 2]), y, proba),
                                                  abs=1e-3 if k > 2 and name == "roc_auc" else 1e-9), name


def test_binary_values_match_scikit_learn_directly():
    y, proba = _classification(300, 2, seed=1)
    labels = proba.argmax(axis=1)
    assert metric_value("roc_auc", Task.BINARY, y, proba) == pytest.approx(skm.roc_auc_score(y, proba[:, 1]))
    assert metric_value("pr_auc", Task.BINARY, y, proba) == pytest.approx(skm.average_precision_score(y, proba[:, 1]))
    assert metric_value("f1", Task.BINARY, y, proba) == pytest.approx(skm.f1_score(y, labels))
    assert metric_value("brier", Task.BINARY, y, proba) == pytest.approx(skm.brier_score_loss(y, proba[:, 1]))


def test_regression_weighted_values_and_undefined_mape():
    rng = np.random.default_rng(2)
    y = rng.normal(10, 2, 200)
    values = y + rng.normal(0, 1, 200)
    weighted = weighted_regression(np.ones((1, 200)), y, values, REGRESSION_METRICS)
    assert weighted["rmse"][0] == pytest.approx(np.sqrt(skm.mean_squared_error(y, values)))
    assert weighted["r2"][0] == pytest.approx(skm.r2_score(y, values))
    assert weighted["mape"][0] == pytest.approx(skm.mean_absolute_percentage_error(y, values))
    y[0] = 0.0
    assert metric_value("mape", Task.REGRESSION, y, values) is None


def test_intervals_bracket_the_value_and_narrow_with_more_rows():
    widths = []
    for n in (200, 5000):
        y, proba = _classification(n, 2, seed=3)
        intervals = bootstrap_intervals(Task.BINARY, y, proba, ("roc_auc", "accuracy"), resamples=200)
        for name, (low, high) in intervals.items():
            assert low <= metric_value(name, Task.BINARY, y, proba) <= high
        widths.append(intervals["roc_auc"][1] - intervals["roc_auc"][0])
    assert widths[1] < widths[0] / 3


def test_evaluate_set_reports_lift_over_the_majority_baseline():
    y, proba = _classification(500, 2, seed=4)
    held = HeldOutSet("holdout", "test rows", np.arange(500), y, proba)
    record = evaluate_set(held, Task.BINARY, ["no", "yes"], baseline_prediction(Task.BINARY, y, 500, 2))
    metrics = {m["name"]: m for m in record["metrics"]}
    assert metrics["roc_auc"]["baseline"] == pytest.approx(0.5)
    assert metrics["roc_auc"]["value"] > metrics["roc_auc"]["baseline"] + 0.2
    assert record["confusion"]["matrix"][0][0] + record["confusion"]["matrix"][1][1] == \
        round(metrics["accuracy"]["value"] * 500)
    assert record["curves"]["roc"]["fpr"][0] == 0.0 and record["curves"]["roc"]["tpr"][-1] == 1.0
    assert sum(record["curves"]["calibration"]["count"]) == 500
