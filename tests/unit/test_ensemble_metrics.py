import numpy as np
import pytest

from mlwright._types import Task
from mlwright.ensemble.caruana import blend, cross_fitted_score, select_ensemble
from mlwright.errors import ConfigError
from mlwright.evaluate.metrics import METRICS, get_metric


def noisy_models(seed=0, rows=600):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, rows)
    def model(noise):
        p = np.clip(y * 0.6 + 0.2 + rng.normal(scale=noise, size=rows), 0.01, 0.99)
        return np.column_stack([1 - p, p])
    return y, {"a": model(0.35), "b": model(0.35), "bad": np.full((rows, 2), 0.5)}


def test_selection_averages_independent_models_and_ignores_useless_one():
    y, predictions = noisy_models()
    metric = get_metric("log_loss", Task.BINARY)
    weights = select_ensemble(predictions, y, metric, rounds=20)
    assert abs(sum(weights.values()) - 1) < 1e-9
    assert weights.get("bad", 0) == 0
    assert {"a", "b"} <= set(weights)
    blended = metric.score(y, blend(predictions, weights))
    assert blended > max(metric.score(y, predictions["a"]), metric.score(y, predictions["b"]))


def test_cross_fitted_score_is_no_better_than_in_sample():
    y, predictions = noisy_models(1)
    metric = get_metric("roc_auc", Task.BINARY)
    in_sample = metric.value(y, blend(predictions, select_ensemble(predictions, y, metric)))
    assert cross_fitted_score(predictions, y, metric, rounds=20, seed=0) <= in_sample + 1e-9


@pytest.mark.parametrize("name", sorted(METRICS))
def test_every_metric_prefers_the_truth(name):
    metric = METRICS[name]
    rng = np.random.default_rng(0)
    if Task.REGRESSION in metric.tasks:
        y = rng.normal(size=200)
        good, bad = y + rng.normal(scale=0.1, size=200), rng.normal(size=200)
    else:
        y = rng.integers(0, 3, 200)
        good = np.eye(3)[y] * 0.8 + 0.2 / 3
        bad = np.full((200, 3), 1 / 3) + rng.normal(scale=0.01, size=(200, 3))
    assert metric.score(y, good) > metric.score(y, bad)


def test_metric_for_wrong_task_is_refused():
    with pytest.raises(ConfigError, match="does not apply to a regression task"):
        get_metric("roc_auc", Task.REGRESSION)
