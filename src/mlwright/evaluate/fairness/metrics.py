"""Per-group metrics and between-group differences, computed with fairlearn's MetricFrame.

Two choices shape the numbers here. A rate that has no denominator in a group (recall in a group
without actual positives) is undefined, not 0: a made-up 0 would name the group as behind.
And the differences are taken over the groups large enough to judge only, because a group of five
rows can swing a demographic parity difference to 1.0 on its own.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, false_positive_rate, selection_rate, true_positive_rate
from sklearn import metrics as skm

from mlwright._types import Task


@dataclass(frozen=True)
class Predictions:
    """Checked predictions: class indices (the positive class is 1 in a binary task) or floats."""

    task: Task
    y_true: np.ndarray
    y_pred: np.ndarray
    classes: tuple
    score: np.ndarray | None = None  # probability of the positive class, binary tasks only


@dataclass(frozen=True)
class GroupTable:
    """Everything measured for one sensitive column, before it is judged and put into words.

    ``support`` holds, per group, the counts (and for regression the spreads) that say how far a
    metric can move by chance: the judge uses them so that noise is not named as unfairness.
    """

    metric_names: list[str]
    overall: dict[str, float]
    by_group: dict[str, dict[str, float]]
    support: dict[str, dict[str, float]]
    differences: dict[str, float | None]
    notes: list[str]


def group_table(data: Predictions, labels: np.ndarray, judgeable: list[str], column: str) -> GroupTable:
    """Metrics overall and per group, the support behind them, and the differences between groups."""
    overall: dict[str, float] = {}
    by_group: dict[str, dict[str, float]] = {}
    for metrics, prediction in _metric_sets(data):
        frame = _frame({"all": partial(_together, metrics)}, data.y_true, prediction, labels)
        overall.update(frame.overall["all"])
        for group, values in frame.by_group["all"].items():
            by_group.setdefault(str(group), {}).update(values)
    names = [metric for metrics, _ in _metric_sets(data) for metric in metrics]
    differences, notes = _differences(data, labels, judgeable, by_group, column)
    return GroupTable(names, overall, by_group, _support(data, labels), differences, notes)


def _together(metrics: dict[str, Callable], y_true, y_pred) -> dict[str, float]:
    """All metrics in one MetricFrame call: fairlearn copies the rows once per metric, which is slow."""
    return {name: float(fn(y_true, y_pred)) for name, fn in metrics.items()}


def _metric_sets(data: Predictions) -> list[tuple[dict[str, Callable], np.ndarray]]:
    """The metrics of the task, each paired with what it scores: labels, or the positive probability."""
    if data.task is Task.REGRESSION:
        return [(_REGRESSION_METRICS, data.y_pred)]
    if data.task is Task.MULTICLASS:
        rates = {f"selection_rate[{c}]": partial(selection_rate, pos_label=i) for i, c in enumerate(data.classes)}
        return [({"accuracy": skm.accuracy_score, "balanced_accuracy": skm.balanced_accuracy_score, **rates},
                 data.y_pred)]
    sets = [(_BINARY_METRICS, data.y_pred)]
    if data.score is not None:
        sets.append((_SCORE_METRICS, data.score))
    return sets


def _fpr(y_true, y_pred) -> float:
    """False positive rate, undefined (NaN) in a group without actual negatives."""
    negatives = np.asarray(y_true) == 0
    return float(np.mean(np.asarray(y_pred)[negatives] == 1)) if negatives.any() else np.nan


def _roc_auc(y_true, score) -> float:
    return float(skm.roc_auc_score(y_true, score)) if len(np.unique(y_true)) == 2 else np.nan


_BINARY_METRICS: dict[str, Callable] = {
    "selection_rate": selection_rate,
    "base_rate": lambda y_true, y_pred: float(np.mean(np.asarray(y_true) == 1)),
    "accuracy": skm.accuracy_score,
    "balanced_accuracy": skm.balanced_accuracy_score,
    "recall": partial(skm.recall_score, zero_division=np.nan),
    "false_positive_rate": _fpr,
    "precision": partial(skm.precision_score, zero_division=np.nan),
    "f1": partial(skm.f1_score, zero_division=np.nan),
}
# Calibration in the large: the mean probability next to the base rate shows over- or under-estimation.
_SCORE_METRICS: dict[str, Callable] = {
    "roc_auc": _roc_auc,
    "mean_probability": lambda y_true, score: float(np.mean(score)),
}
_REGRESSION_METRICS: dict[str, Callable] = {
    "mae": skm.mean_absolute_error,
    "rmse": skm.root_mean_squared_error,
    "mean_prediction": lambda y_true, y_pred: float(np.mean(y_pred)),
    "mean_actual": lambda y_true, y_pred: float(np.mean(y_true)),
    "mean_error": lambda y_true, y_pred: float(np.mean(np.asarray(y_pred) - np.asarray(y_true))),
}


def _frame(metrics: dict[str, Callable], y_true, y_pred, labels) -> MetricFrame:
    # Groups with one class make sklearn warn (balanced accuracy, AUC); the NaN they give is the answer.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return MetricFrame(metrics=metrics, y_true=y_true, y_pred=y_pred,
                           sensitive_features=pd.Series(labels, name="group"))


def _support(data: Predictions, labels: np.ndarray) -> dict[str, dict[str, float]]:
    """Rows behind each rate (binary), or the spread of the errors (regression), per group."""
    frame = pd.DataFrame({"group": labels, "rows": 1})
    if data.task is Task.BINARY:
        frame = frame.assign(positives=data.y_true == 1, negatives=data.y_true == 0,
                             predicted_positives=data.y_pred == 1)
    if data.task is Task.REGRESSION:
        error = data.y_pred - data.y_true
        frame = frame.assign(error=error, abs_error=np.abs(error))
        grouped = frame.groupby("group")
        table = grouped[["rows"]].sum().join(grouped[["error", "abs_error"]].std(ddof=1).add_suffix("_sd"))
    else:
        table = frame.groupby("group").sum()
    return {str(g): {k: float(v) for k, v in row.items()} for g, row in table.iterrows()}


def _differences(data: Predictions, labels: np.ndarray, judgeable: list[str], by_group: dict, column: str
                 ) -> tuple[dict[str, float | None], list[str]]:
    """Largest between-group differences over the groups large enough to judge."""
    keys = _difference_keys(data)
    if len(judgeable) < 2:
        return dict.fromkeys(keys.values()), [f"fewer than two groups of {column} are large enough to judge, "
                                              "so no differences between groups are given."]
    if data.task is Task.BINARY:
        keep = np.isin(labels, judgeable)
        return _binary_differences(data.y_true[keep], data.y_pred[keep], labels[keep], column)
    notes = []
    if data.task is Task.MULTICLASS:
        notes.append("demographic parity and equalized odds (as fairlearn defines them) apply to yes/no "
                     "predictions only; for several classes the gap in how often each class is predicted is given.")
    # max - min over the judgeable groups: what MetricFrame.difference(method="between_groups") computes
    gaps = {}
    for metric, key in keys.items():
        values = [by_group[g][metric] for g in judgeable if not np.isnan(by_group[g][metric])]
        gaps[key] = max(values) - min(values) if len(values) >= 2 else None
    return gaps, notes


def _difference_keys(data: Predictions) -> dict[str, str]:
    """Which metric each reported difference is taken of (binary differences come from fairlearn)."""
    if data.task is Task.BINARY:
        names = ["demographic_parity_difference", "demographic_parity_ratio", "equalized_odds_difference"]
        return dict(zip(names, names))
    if data.task is Task.MULTICLASS:
        rates = {f"selection_rate[{c}]": f"selection_rate_difference[{c}]" for c in data.classes}
        return {"accuracy": "accuracy_difference", **rates}
    return {name: f"{name}_difference" for name in ("mean_prediction", "mae", "mean_error")}


def _binary_differences(y_true, y_pred, groups, column: str) -> tuple[dict[str, float | None], list[str]]:
    """fairlearn's demographic parity difference and ratio and equalized odds difference.

    One MetricFrame of fairlearn's own rate functions gives all three exactly as
    ``demographic_parity_difference``, ``demographic_parity_ratio`` and ``equalized_odds_difference``
    define them (their source builds the same frame), in a third of the time of calling the three.
    Equalized odds needs both classes in every group: fairlearn would count a missing rate as 0.
    """
    frame = _frame({"selection_rate": selection_rate, "tpr": true_positive_rate, "fpr": false_positive_rate},
                   y_true, y_pred, groups)
    gaps, ratios = frame.difference(method="between_groups"), frame.ratio(method="between_groups")
    result = {"demographic_parity_difference": gaps["selection_rate"],
              "demographic_parity_ratio": ratios["selection_rate"],
              "equalized_odds_difference": max(gaps["tpr"], gaps["fpr"])}
    counts = pd.crosstab(groups, y_true).reindex(columns=[0, 1], fill_value=0)
    if (counts > 0).all(axis=None):
        return result, []
    result["equalized_odds_difference"] = None
    lacking = ", ".join(map(str, counts.index[(counts == 0).any(axis=1)]))
    return result, [f"equalized odds for {column} is not given: {lacking} lacks actual positives or negatives."]
