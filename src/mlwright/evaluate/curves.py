"""The curves and tables behind the report's plots, as plain lists small enough to embed.

ROC and PR curves keep at most ``MAX_POINTS`` points; residual plots a seeded sample, so a
report stays a few hundred kilobytes of data whatever the size of the held-out set.
"""

from __future__ import annotations

import numpy as np
from sklearn import metrics as skm

MAX_POINTS = 300
MAX_RESIDUAL_POINTS = 2000
RELIABILITY_BINS = 10


def _thin(*columns: np.ndarray) -> list[list[float]]:
    n = len(columns[0])
    keep = np.unique(np.linspace(0, n - 1, min(n, MAX_POINTS)).round().astype(int)) if n else np.arange(0)
    return [[round(float(v), 5) for v in np.asarray(c)[keep]] for c in columns]


def roc_curve(y_positive: np.ndarray, score: np.ndarray) -> dict | None:
    if len(np.unique(y_positive)) < 2:
        return None
    fpr, tpr, _ = skm.roc_curve(y_positive, score)
    fpr_, tpr_ = _thin(fpr, tpr)
    return {"fpr": fpr_, "tpr": tpr_, "auc": float(skm.roc_auc_score(y_positive, score))}


def pr_curve(y_positive: np.ndarray, score: np.ndarray) -> dict | None:
    if len(np.unique(y_positive)) < 2:
        return None
    precision, recall, _ = skm.precision_recall_curve(y_positive, score)
    recall_, precision_ = _thin(recall[::-1], precision[::-1])
    return {"recall": recall_, "precision": precision_,
            "average_precision": float(skm.average_precision_score(y_positive, score)),
            "prevalence": float(np.mean(y_positive))}


def reliability(observed: np.ndarray, predicted: np.ndarray, bins: int = RELIABILITY_BINS) -> dict | None:
    """Mean predicted probability against the observed frequency, in bins of equal row counts."""
    if len(predicted) < bins:
        return None
    edges = np.unique(np.quantile(predicted, np.linspace(0, 1, bins + 1)))
    which = np.clip(np.searchsorted(edges, predicted, side="right") - 1, 0, max(len(edges) - 2, 0))
    counts = np.bincount(which, minlength=max(len(edges) - 1, 1))
    filled = counts > 0
    mean_predicted = np.bincount(which, weights=predicted, minlength=len(counts))[filled] / counts[filled]
    mean_observed = np.bincount(which, weights=observed.astype(float), minlength=len(counts))[filled] / counts[filled]
    return {"predicted": [round(float(v), 5) for v in mean_predicted],
            "observed": [round(float(v), 5) for v in mean_observed], "count": [int(c) for c in counts[filled]]}


def expected_calibration_error(observed: np.ndarray, predicted: np.ndarray) -> float | None:
    table = reliability(observed, predicted)
    if table is None:
        return None
    counts = np.asarray(table["count"], dtype=float)
    gaps = np.abs(np.asarray(table["predicted"]) - np.asarray(table["observed"]))
    return float((counts * gaps).sum() / counts.sum())


def classification_tables(y: np.ndarray, labels: np.ndarray, class_names: list[str]) -> tuple[list, dict]:
    """Per-class precision, recall, F1 and support, and the confusion matrix (rows: actual)."""
    indices = list(range(len(class_names)))
    precision, recall, f1, support = skm.precision_recall_fscore_support(y, labels, labels=indices, zero_division=0)
    per_class = [{"class": name, "precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                 for name, p, r, f, s in zip(class_names, precision, recall, f1, support)]
    matrix = skm.confusion_matrix(y, labels, labels=indices)
    return per_class, {"labels": list(class_names), "matrix": matrix.astype(int).tolist()}


def residuals(y: np.ndarray, values: np.ndarray, seed: int = 0) -> tuple[dict, dict]:
    errors = values - y
    stats = {"mean": float(errors.mean()), "std": float(errors.std()), "median": float(np.median(errors)),
             "p05": float(np.percentile(errors, 5)), "p95": float(np.percentile(errors, 95)),
             "max_abs": float(np.abs(errors).max())}
    rows = np.arange(len(y))
    if len(rows) > MAX_RESIDUAL_POINTS:
        rows = np.sort(np.random.default_rng(seed).choice(rows, MAX_RESIDUAL_POINTS, replace=False))
    sample = {"predicted": [round(float(v), 6) for v in values[rows]], "actual": [round(float(v), 6) for v in y[rows]],
              "residual": [round(float(v), 6) for v in errors[rows]]}
    return sample, stats
