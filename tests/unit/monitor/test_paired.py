"""The paired comparison of two models on the same rows: direction, significance, symmetry, and
every kind of metric (probabilities of two or more classes, values)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from mlwright._types import Task
from mlwright.errors import DataError
from mlwright.evaluate.metrics import get_metric
from mlwright.monitor.paired import compare_paired


def _binary(rows: int = 600, seed: int = 0):
    """Labels, a model that knows the signal, and one that sees it through heavy noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=rows)
    y = (rng.random(rows) < 1 / (1 + np.exp(-2 * x))).astype(int)
    good = 1 / (1 + np.exp(-2 * x))
    poor = 1 / (1 + np.exp(-2 * (x + rng.normal(scale=1.5, size=rows))))
    return y, np.column_stack([1 - poor, poor]), np.column_stack([1 - good, good])


def _multiclass(rows: int = 600, seed: int = 1):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, rows)
    sharp = np.full((rows, 3), 0.1) + rng.uniform(0, 0.1, size=(rows, 3))
    sharp[np.arange(rows), y] = 0.8
    sharp = sharp / sharp.sum(axis=1, keepdims=True)
    vague = np.full((rows, 3), 1 / 3) + rng.normal(scale=0.02, size=(rows, 3))
    vague = np.clip(vague, 0.01, None)
    return y, vague / vague.sum(axis=1, keepdims=True), sharp


def _regression(rows: int = 600, seed: int = 2):
    rng = np.random.default_rng(seed)
    truth = rng.normal(size=rows) * 3
    y = truth + rng.normal(size=rows)
    return y, truth + rng.normal(scale=2.0, size=rows), truth


CASES = {
    "binary roc_auc": (_binary, "roc_auc", Task.BINARY),
    "binary log_loss": (_binary, "log_loss", Task.BINARY),
    "binary accuracy": (_binary, "accuracy", Task.BINARY),
    "multiclass log_loss": (_multiclass, "log_loss", Task.MULTICLASS),
    "multiclass f1": (_multiclass, "f1", Task.MULTICLASS),
    "regression rmse": (_regression, "rmse", Task.REGRESSION),
    "regression r2": (_regression, "r2", Task.REGRESSION),
}


@pytest.mark.parametrize("case", CASES)
def test_a_clearly_better_model_wins_with_a_small_p_value_and_a_positive_interval(case):
    make, name, task = CASES[case]
    y, worse, better = make()
    metric = get_metric(name, task)
    result = compare_paired(y, worse, better, metric, resamples=500)
    assert result.metric == name and result.rows == len(y) and result.resamples == 500
    assert result.champion_score == pytest.approx(metric.value(y, worse))
    assert result.challenger_score == pytest.approx(metric.value(y, better))
    assert result.difference > 0, "positive means the challenger is better, whatever the metric's direction"
    assert result.p_value < 0.01
    assert 0 < result.ci_low < result.difference < result.ci_high
    low, high = result.challenger_ci
    assert low <= result.challenger_score <= high


@pytest.mark.parametrize("case", CASES)
def test_identical_predictions_differ_by_nothing_and_prove_nothing(case):
    make, name, task = CASES[case]
    y, _, output = make()
    result = compare_paired(y, output, output.copy(), get_metric(name, task), resamples=300)
    assert result.difference == 0 and result.ci_low == 0 and result.ci_high == 0
    assert result.p_value == pytest.approx(1.0)
    assert result.champion_ci == result.challenger_ci


@pytest.mark.parametrize("case", ["binary roc_auc", "multiclass log_loss", "regression rmse"])
def test_swapping_the_roles_flips_the_sign(case):
    make, name, task = CASES[case]
    y, worse, better = make()
    metric = get_metric(name, task)
    forward = compare_paired(y, worse, better, metric, resamples=300)
    backward = compare_paired(y, better, worse, metric, resamples=300)
    assert backward.difference == pytest.approx(-forward.difference)
    assert backward.p_value > 0.9
    # the same resamples, read from the other side
    assert backward.ci_low == pytest.approx(-forward.ci_high) and backward.ci_high == pytest.approx(-forward.ci_low)
    assert (backward.champion_score, backward.challenger_score) == (forward.challenger_score, forward.champion_score)


def test_a_small_noisy_gain_is_not_called_significant():
    rng = np.random.default_rng(5)
    y, _, good = _binary(rows=120, seed=5)
    nudged = np.clip(good + rng.normal(scale=0.05, size=good.shape), 0.001, 0.999)
    nudged = nudged / nudged.sum(axis=1, keepdims=True)
    result = compare_paired(y, nudged, good, get_metric("roc_auc", Task.BINARY), resamples=500)
    assert abs(result.difference) < 0.05
    assert result.p_value > 0.05
    assert result.ci_low < 0 < result.ci_high


def test_same_seed_same_result_and_the_summary_describes_the_draws():
    y, worse, better = _binary()
    metric = get_metric("roc_auc", Task.BINARY)
    first = compare_paired(y, worse, better, metric, resamples=200, seed=3)
    again = compare_paired(y, worse, better, metric, resamples=200, seed=3)
    assert first == again and np.array_equal(first.differences, again.differences)
    summary = first.to_dict()["bootstrap"]
    assert summary["resamples"] == 200 and summary["finite"] == 200
    assert summary["share_challenger_better"] == 1.0
    assert summary["quantiles"]["0.025"] == pytest.approx(first.ci_low)


def test_five_thousand_rows_take_seconds_not_minutes():
    y, worse, better = _binary(rows=5000)
    started = time.perf_counter()
    compare_paired(y, worse, better, get_metric("roc_auc", Task.BINARY))
    assert time.perf_counter() - started < 15  # about 3 s on two idle cores; calling scikit-learn per resample took 10+


def test_rows_that_do_not_match_are_refused():
    y, worse, better = _binary(rows=50)
    with pytest.raises(DataError, match="50 labels but 49 predictions"):
        compare_paired(y, worse[:49], better[:49], get_metric("roc_auc", Task.BINARY))
