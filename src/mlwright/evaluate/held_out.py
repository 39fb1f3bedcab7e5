"""One held-out set judged in full: every metric with its bootstrap interval beside the baseline,
the per-class report and confusion matrix, and the curves (ROC, PR, reliability, residuals).

The baseline is what a model that ignores the inputs would do, fitted on the training rows:
the class shares (majority label) for classification, the mean for regression. The lift over
it is the first thing a reader should see.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.evaluate import curves
from mlwright.evaluate.bootstrap import bootstrap_intervals
from mlwright.evaluate.scores import DESCRIPTIONS, GREATER_IS_BETTER, LABELS, metric_names, metric_value

DEFAULT_RESAMPLES = 200
#: Resamples x rows above which fewer resamples are drawn (at least ``MIN_RESAMPLES``): on the
#: out-of-fold rows of a large table the interval is narrow and 200 draws would cost seconds.
RESAMPLE_CELLS, MIN_RESAMPLES = 4_000_000, 50


@dataclass
class HeldOutSet:
    """Rows the shipped model was not fitted on, with its output on them.

    ``rows`` index the table they came from (the training table, or the test file), and
    ``frame`` holds those rows as read (target included) for importance, fairness and tests;
    ``y`` is the encoded target, ``prediction`` probabilities or values, ``labels`` the class
    indices the model returns (its decision threshold applied).
    """

    name: str
    description: str
    rows: np.ndarray
    y: np.ndarray
    prediction: np.ndarray
    labels: np.ndarray | None = None
    frame: pd.DataFrame | None = None


def baseline_prediction(task: Task, y_train: np.ndarray, n_rows: int, n_classes: int) -> np.ndarray:
    """The class shares (or the mean) of the training rows, for every row."""
    if task.is_classification:
        shares = np.bincount(np.asarray(y_train, dtype=int), minlength=n_classes) / max(len(y_train), 1)
        return np.tile(shares, (n_rows, 1))
    return np.full(n_rows, float(np.mean(y_train)))


def evaluate_set(held: HeldOutSet, task: Task, class_names: list[str], baseline: np.ndarray, *,
                 resamples: int = DEFAULT_RESAMPLES, seed: int = 0) -> dict:
    """The report's record of one held-out set (see ``mlwright.report`` for the schema)."""
    task = Task(task)
    names = metric_names(task)
    labels = _labels(held, task)
    resamples = min(resamples, max(MIN_RESAMPLES, RESAMPLE_CELLS // max(len(held.y), 1)))
    intervals = bootstrap_intervals(task, held.y, held.prediction, names, labels=labels, resamples=resamples,
                                    seed=seed)
    metrics = []
    for name in names:
        value = metric_value(name, task, held.y, held.prediction, labels)
        interval = intervals.get(name)
        metrics.append({"name": name, "label": LABELS[name], "value": value,
                        "low": interval[0] if interval and value is not None else None,
                        "high": interval[1] if interval and value is not None else None,
                        "baseline": metric_value(name, task, held.y, baseline), "greater_is_better": GREATER_IS_BETTER[name],
                        "description": DESCRIPTIONS[name]})
    record = {"set": held.name, "rows": int(len(held.y)), "description": held.description, "metrics": metrics,
              "per_class": [], "confusion": None, "curves": _curves(held, task, labels, seed)}
    if task.is_classification:
        record["per_class"], record["confusion"] = curves.classification_tables(held.y, labels, class_names)
    return record


def _labels(held: HeldOutSet, task: Task) -> np.ndarray | None:
    if not task.is_classification:
        return None
    return held.labels if held.labels is not None else np.asarray(held.prediction).argmax(axis=1)


def _curves(held: HeldOutSet, task: Task, labels, seed: int) -> dict:
    empty = {"roc": None, "pr": None, "calibration": None, "residuals": None, "residual_stats": None}
    if not len(held.y):
        return empty
    if task == Task.REGRESSION:
        sample, stats = curves.residuals(held.y.astype(float), np.asarray(held.prediction, dtype=float), seed)
        return {**empty, "residuals": sample, "residual_stats": stats}
    proba = np.asarray(held.prediction, dtype=float)
    if task == Task.BINARY:
        positive = held.y == 1
        return {**empty, "roc": curves.roc_curve(positive, proba[:, 1]), "pr": curves.pr_curve(positive, proba[:, 1]),
                "calibration": curves.reliability(positive, proba[:, 1])}
    # several classes: how sure the model is of its top class against how often that class is right
    return {**empty, "calibration": curves.reliability(labels == held.y, proba.max(axis=1))}
