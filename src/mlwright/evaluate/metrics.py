"""Metrics as data: name, tasks, direction, and whether they score probabilities or labels.

Everything inside the search compares ``score`` values, where higher is always better;
``value`` is what people read (a log loss stays a positive number that should be small).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy.stats import rankdata
from sklearn import metrics as skm

from mlwright._types import Task, task_words
from mlwright.errors import ConfigError

_EPS = 1e-15


@dataclass(frozen=True)
class Metric:
    name: str
    tasks: frozenset[Task]
    greater_is_better: bool
    compute: Callable[[np.ndarray, np.ndarray], float]
    description: str

    def value(self, y: np.ndarray, prediction: np.ndarray) -> float:
        """The metric as people read it; ``prediction`` is probabilities or values."""
        return float(self.compute(y, prediction))

    def score(self, y: np.ndarray, prediction: np.ndarray) -> float:
        """Higher is better, whatever the metric."""
        value = self.value(y, prediction)
        return value if self.greater_is_better else -value

    def to_value(self, score: float) -> float:
        return score if self.greater_is_better else -score


def _labels(proba: np.ndarray) -> np.ndarray:
    return np.asarray(proba).argmax(axis=1)


def _roc_auc(y, proba):
    proba = np.asarray(proba, dtype=float)
    y = np.asarray(y)
    if not np.isfinite(proba).all():  # scikit-learn's own error names the problem
        return skm.roc_auc_score(y, proba[:, 1]) if proba.shape[1] == 2 else skm.roc_auc_score(y, proba, multi_class="ovr")
    if proba.shape[1] == 2:
        return binary_roc_auc(y == 1, proba[:, 1])
    present = np.unique(y)
    if len(present) < 2:
        return skm.roc_auc_score(y, proba, multi_class="ovr", labels=present)  # raises: AUC needs two classes
    sub = proba[:, present] / np.clip(proba[:, present].sum(axis=1, keepdims=True), _EPS, None)
    # one-vs-rest, the unweighted mean over the classes present, as roc_auc_score(multi_class="ovr")
    return float(np.mean([binary_roc_auc(y == label, sub[:, j]) for j, label in enumerate(present)]))


def binary_roc_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC as the Mann-Whitney statistic on average ranks (a tie counts a half): the value
    scikit-learn's ``roc_auc_score`` returns, without its input checks. Those cost about 10 ms a
    call, a hundred times the arithmetic on a few thousand rows, and ensemble selection scores
    its blends thousands of times (23 s of a 60 s run on a 1,000-row table)."""
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("Only one class present in y_true. ROC AUC score is not defined in that case.")
    ranks = rankdata(score)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def _log_loss(y, proba):
    proba = np.clip(np.asarray(proba, dtype=float), _EPS, 1 - _EPS)
    proba = proba / proba.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(proba[np.arange(len(y)), np.asarray(y, dtype=int)])))


def _f1(y, proba):
    proba = np.asarray(proba)
    average = "binary" if proba.shape[1] == 2 else "macro"
    return skm.f1_score(y, _labels(proba), average=average)


_CLS = frozenset({Task.BINARY, Task.MULTICLASS})
_REG = frozenset({Task.REGRESSION})
METRICS: dict[str, Metric] = {m.name: m for m in (
    Metric("roc_auc", _CLS, True, _roc_auc, "area under the ROC curve (one-vs-rest for several classes)"),
    Metric("log_loss", _CLS, False, _log_loss, "log loss of the predicted probabilities"),
    Metric("accuracy", _CLS, True, lambda y, p: skm.accuracy_score(y, _labels(p)), "share of correct labels"),
    Metric("balanced_accuracy", _CLS, True, lambda y, p: skm.balanced_accuracy_score(y, _labels(p)),
           "mean recall over classes"),
    Metric("f1", _CLS, True, _f1, "F1 of the positive class (macro F1 for several classes)"),
    Metric("rmse", _REG, False, lambda y, p: float(np.sqrt(skm.mean_squared_error(y, p))), "root mean squared error"),
    Metric("mae", _REG, False, lambda y, p: skm.mean_absolute_error(y, p), "mean absolute error"),
    Metric("r2", _REG, True, lambda y, p: skm.r2_score(y, p), "coefficient of determination"),
)}


def get_metric(name: str, task: Task | None = None) -> Metric:
    """The metric called ``name``; with ``task``, refused unless it applies to that task."""
    metric = METRICS.get(name.lower())
    allowed = ", ".join(m.name for m in METRICS.values() if task is None or task in m.tasks)
    if metric is None:
        raise ConfigError(f"unknown metric {name!r}.", where="metric", fix=f"use one of: {allowed}.")
    if task is not None and task not in metric.tasks:
        raise ConfigError(f"metric {name!r} does not apply to a {task.value} task.", where="metric",
                          fix=f"use one of: {allowed}.")
    return metric


def check_asked_metric(name: str, task: Task | None) -> None:
    """The door check of a run: the metric exists and, when the task is given too, applies to it.
    A metric given alone settles the task when it belongs to other tasks than the values
    suggest (``data.target``); given with a task that contradicts it, one of the two is a mistake."""
    metric = get_metric(name)
    if task is None or task in metric.tasks:
        return
    allowed = ", ".join(m.name for m in METRICS.values() if task in m.tasks)
    raise ConfigError(f"metric {metric.name!r} is for {task_words(metric.tasks)}, but the task was given as "
                      f"{task.value!r}.", where="metric",
                      fix=f"leave the task out (the metric {metric.name} settles it), or use a {task.value} "
                          f"metric: {allowed}.")

