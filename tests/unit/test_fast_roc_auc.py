"""The ROC AUC the search scores with is scikit-learn's, value for value."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from mlwright.evaluate.metrics import get_metric


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_auc_equals_scikit_learn_with_ties(seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=500)
    score = np.round(rng.random(500) * 0.6 + y * 0.2, 2)  # rounded: many ties
    proba = np.column_stack([1 - score, score])
    assert get_metric("roc_auc").value(y, proba) == pytest.approx(roc_auc_score(y, score), abs=1e-12)


def test_multiclass_auc_equals_one_vs_rest_of_scikit_learn_over_the_classes_present():
    rng = np.random.default_rng(3)
    y = rng.choice([0, 1, 3], size=400)  # class 2 absent
    proba = rng.dirichlet(np.ones(4), size=400)
    proba[np.arange(400), y] += 0.3
    proba /= proba.sum(axis=1, keepdims=True)
    present = np.unique(y)
    sub = proba[:, present] / proba[:, present].sum(axis=1, keepdims=True)
    expected = roc_auc_score(y, sub, multi_class="ovr", labels=present)
    assert get_metric("roc_auc").value(y, proba) == pytest.approx(expected, abs=1e-12)


def test_one_class_and_missing_scores_are_refused_as_scikit_learn_refuses_them():
    metric = get_metric("roc_auc")
    with pytest.raises(ValueError, match="one class"):
        metric.value(np.zeros(10, dtype=int), np.full((10, 2), 0.5))
    proba = np.full((4, 2), 0.5)
    proba[0, 1] = np.nan
    with pytest.raises(ValueError):
        metric.value(np.array([0, 1, 0, 1]), proba)
