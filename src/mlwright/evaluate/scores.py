"""Every metric the report shows, by name, on held-out predictions of the shipped model.

The search optimises one metric (``evaluate.metrics``); people judging a model want the whole
panel. Label metrics take the labels the model really returns (its decision threshold
applied); probability metrics take its probabilities. Binary precision, recall and F1 are of
the positive class (the second class); for several classes they are macro averages.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

from mlwright._types import Task
from mlwright.errors import ConfigError
from mlwright.evaluate.metrics import _log_loss, _roc_auc

CLASSIFICATION_METRICS = ("accuracy", "balanced_accuracy", "precision", "recall", "f1", "roc_auc", "pr_auc",
                          "log_loss", "brier")
REGRESSION_METRICS = ("rmse", "mae", "r2", "mape")
GREATER_IS_BETTER = {"accuracy": True, "balanced_accuracy": True, "precision": True, "recall": True, "f1": True,
                     "roc_auc": True, "pr_auc": True, "log_loss": False, "brier": False, "rmse": False,
                     "mae": False, "r2": True, "mape": False}
LABELS = {"accuracy": "Accuracy", "balanced_accuracy": "Balanced accuracy", "precision": "Precision",
          "recall": "Recall", "f1": "F1", "roc_auc": "ROC AUC", "pr_auc": "PR AUC (average precision)",
          "log_loss": "Log loss", "brier": "Brier score", "rmse": "RMSE", "mae": "MAE", "r2": "R²",
          "mape": "MAPE"}
DESCRIPTIONS = {
    "accuracy": "share of rows labelled correctly",
    "balanced_accuracy": "mean recall over the classes; insensitive to class imbalance",
    "precision": "when the model says yes, how often it is right",
    "recall": "of the rows that truly are positive, how many the model finds",
    "f1": "harmonic mean of precision and recall",
    "roc_auc": "chance that a random positive row scores above a random negative one",
    "pr_auc": "precision averaged over every recall level; compare with the positive share",
    "log_loss": "penalty for confident wrong probabilities; lower is better",
    "brier": "mean squared error of the probabilities; lower is better",
    "rmse": "root mean squared error, in the target's units",
    "mae": "mean absolute error, in the target's units",
    "r2": "share of the target's variance explained (1 is perfect, 0 is the mean predictor)",
    "mape": "mean absolute percentage error (only when no actual value is zero)",
}
#: |y| below this counts as zero: MAPE is then undefined.
_ZERO = 1e-12


def metric_names(task: Task) -> tuple[str, ...]:
    return CLASSIFICATION_METRICS if Task(task).is_classification else REGRESSION_METRICS


def metric_value(name: str, task: Task | str, y: np.ndarray, prediction: np.ndarray,
                 labels: np.ndarray | None = None) -> float | None:
    """``name`` on encoded targets ``y``; ``prediction`` is probabilities (rows x classes) or values,
    ``labels`` the predicted class indices (argmax of ``prediction`` when not given).
    Returns None where the metric is undefined (e.g. MAPE with a zero actual, AUC of one class)."""
    task = Task(task)
    if name not in metric_names(task):
        allowed = ", ".join(metric_names(task))
        raise ConfigError(f"unknown metric {name!r} for a {task.value} task.", where="metric",
                          fix=f"use one of: {allowed}.")
    y = np.asarray(y)
    if not len(y):
        return None
    if task.is_classification:
        proba = np.asarray(prediction, dtype=float)
        labels = proba.argmax(axis=1) if labels is None else np.asarray(labels)
        return _classification_value(name, y.astype(int), proba, labels)
    return _regression_value(name, y.astype(float), np.asarray(prediction, dtype=float).reshape(-1))


def _classification_value(name: str, y: np.ndarray, proba: np.ndarray, labels: np.ndarray) -> float | None:
    binary = proba.shape[1] == 2
    average = "binary" if binary else "macro"
    classes = list(range(proba.shape[1]))
    if name in ("roc_auc", "pr_auc") and len(np.unique(y)) < 2:
        return None
    if name == "accuracy":
        return float(np.mean(labels == y))
    if name == "balanced_accuracy":
        return float(skm.balanced_accuracy_score(y, labels))
    if name in ("precision", "recall", "f1"):
        scorer = {"precision": skm.precision_score, "recall": skm.recall_score, "f1": skm.f1_score}[name]
        kwargs = {} if binary else {"labels": sorted(set(y) | set(labels))}
        return float(scorer(y, labels, average=average, zero_division=0, **kwargs))
    if name == "roc_auc":
        return float(_roc_auc(y, proba))
    if name == "pr_auc":
        if binary:
            return float(skm.average_precision_score(y, proba[:, 1]))
        present = [c for c in classes if np.any(y == c)]
        return float(np.mean([skm.average_precision_score(y == c, proba[:, c]) for c in present]))
    if name == "log_loss":
        return float(_log_loss(y, proba))
    return float(brier_rows(y, proba).mean())


def brier_rows(y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    """Per-row Brier score: of the positive class for two classes (scikit-learn's convention),
    summed over the classes for more."""
    if proba.shape[1] == 2:
        return (proba[:, 1] - (y == 1)) ** 2
    onehot = np.zeros_like(proba)
    onehot[np.arange(len(y)), y] = 1.0
    return ((proba - onehot) ** 2).sum(axis=1)


def _regression_value(name: str, y: np.ndarray, values: np.ndarray) -> float | None:
    errors = values - y
    if name == "rmse":
        return float(np.sqrt(np.mean(errors ** 2)))
    if name == "mae":
        return float(np.mean(np.abs(errors)))
    if name == "r2":
        return float(skm.r2_score(y, values)) if len(y) > 1 and np.ptp(y) > 0 else None
    if np.any(np.abs(y) < _ZERO):
        return None
    return float(np.mean(np.abs(errors) / np.abs(y)))
