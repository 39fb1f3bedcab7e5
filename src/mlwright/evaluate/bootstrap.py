"""Bootstrap confidence intervals for every report metric, in a fraction of a second.

Calling scikit-learn's metrics on 200 resamples of 12 metrics costs tens of seconds on large
held-out sets, mostly in input validation. Instead each resample is a row of Poisson(1)
weights (the Poisson bootstrap, which matches the multinomial one closely for more than a
few dozen rows) and every metric is written as weighted sums that NumPy computes for a whole
block of resamples at once. Ranking metrics sort once and group tied scores, as scikit-learn
does, so that equal weights give exactly scikit-learn's values (a unit test checks this).
"""

from __future__ import annotations

import numpy as np

from mlwright._types import Task
from mlwright.evaluate.scores import _ZERO, brier_rows

#: Cells (resamples x rows) of one weight block: bounds memory to about 32 MB of float64.
_BLOCK_CELLS = 4_000_000
_EPS = 1e-15


def bootstrap_intervals(task: Task | str, y: np.ndarray, prediction: np.ndarray, names: tuple[str, ...], *,
                        labels: np.ndarray | None = None, resamples: int = 200, level: float = 0.95,
                        seed: int = 0) -> dict[str, tuple[float, float] | None]:
    """Percentile interval of each metric in ``names`` over ``resamples`` Poisson resamples."""
    task = Task(task)
    y = np.asarray(y)
    n = len(y)
    if n < 2:
        return {name: None for name in names}
    rng = np.random.default_rng(seed)
    block = max(1, min(resamples, _BLOCK_CELLS // n))
    draws: dict[str, list[np.ndarray]] = {name: [] for name in names}
    done = 0
    while done < resamples:
        weights = rng.poisson(1.0, size=(min(block, resamples - done), n)).astype(np.float64)
        if task.is_classification:
            values = weighted_classification(weights, y.astype(int), np.asarray(prediction, dtype=float), labels, names)
        else:
            values = weighted_regression(weights, y.astype(float), np.asarray(prediction, dtype=float).reshape(-1), names)
        for name in names:
            draws[name].append(values[name])
        done += len(weights)
    tail = (1 - level) / 2 * 100
    intervals: dict[str, tuple[float, float] | None] = {}
    for name in names:
        sample = np.concatenate(draws[name])
        sample = sample[np.isfinite(sample)]
        intervals[name] = (float(np.percentile(sample, tail)), float(np.percentile(sample, 100 - tail))) \
            if len(sample) >= resamples // 2 else None
    return intervals


def weighted_classification(W: np.ndarray, y: np.ndarray, proba: np.ndarray, labels: np.ndarray | None,
                            names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Each metric for every row of weights ``W`` (resamples x rows)."""
    k = proba.shape[1]
    labels = proba.argmax(axis=1) if labels is None else np.asarray(labels, dtype=int)
    total = W.sum(axis=1)
    truth, said = np.eye(k)[y], np.eye(k)[labels]
    hits, actual, predicted = W @ (truth * said), W @ truth, W @ said
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, hits / predicted, 0.0)
        recall = np.where(actual > 0, hits / actual, np.nan)
        f1 = np.where(actual + predicted > 0, 2 * hits / (actual + predicted), 0.0)
    scored = [c for c in range(k) if np.any(y == c) or np.any(labels == c)]
    pick = (lambda per_class: per_class[:, 1]) if k == 2 else (lambda per_class: per_class[:, scored].mean(axis=1))
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name == "accuracy":
            out[name] = W @ (labels == y) / total
        elif name == "balanced_accuracy":
            out[name] = np.nanmean(recall[:, np.unique(y)], axis=1)
        elif name in ("precision", "recall", "f1"):
            per_class = {"precision": precision, "recall": np.nan_to_num(recall), "f1": f1}[name]
            out[name] = pick(per_class)
        elif name in ("roc_auc", "pr_auc"):
            out[name] = _ranking(name, W, y, proba)
        elif name == "log_loss":
            out[name] = W @ -np.log(np.clip(_normalised(proba)[np.arange(len(y)), y], _EPS, None)) / total
        elif name == "brier":
            out[name] = W @ brier_rows(y, proba) / total
    return out


def _normalised(proba: np.ndarray) -> np.ndarray:
    proba = np.clip(proba, _EPS, 1 - _EPS)
    return proba / proba.sum(axis=1, keepdims=True)


def _ranking(name: str, W: np.ndarray, y: np.ndarray, proba: np.ndarray) -> np.ndarray:
    metric = weighted_auc if name == "roc_auc" else weighted_average_precision
    if proba.shape[1] == 2:
        return metric(W, proba[:, 1], y == 1)
    present = [c for c in range(proba.shape[1]) if np.any(y == c)]
    return np.nanmean(np.column_stack([metric(W, proba[:, c], y == c) for c in present]), axis=1)


def _grouped(W: np.ndarray, score: np.ndarray, positive: np.ndarray, descending: bool):
    """Weights of positives and negatives per distinct score, in score order."""
    order = np.argsort(-score if descending else score, kind="mergesort")
    ranked = score[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ranked)) + 1]
    ordered = W[:, order]
    is_positive = positive[order]
    return (np.add.reduceat(ordered * is_positive, starts, axis=1),
            np.add.reduceat(ordered * ~is_positive, starts, axis=1))


def weighted_auc(W: np.ndarray, score: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """ROC AUC per weight row: ties count one half, as in scikit-learn."""
    positives, negatives = _grouped(W, score, np.asarray(positive, dtype=bool), descending=False)
    below = np.cumsum(negatives, axis=1) - negatives
    with np.errstate(divide="ignore", invalid="ignore"):
        return (positives * (below + 0.5 * negatives)).sum(axis=1) / (positives.sum(axis=1) * negatives.sum(axis=1))


def weighted_average_precision(W: np.ndarray, score: np.ndarray, positive: np.ndarray) -> np.ndarray:
    """Average precision per weight row: precision at each distinct score, weighted by the recall gained."""
    positives, negatives = _grouped(W, score, np.asarray(positive, dtype=bool), descending=True)
    found, flagged = np.cumsum(positives, axis=1), np.cumsum(positives + negatives, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(flagged > 0, found / flagged, 0.0)
        return (positives * precision).sum(axis=1) / positives.sum(axis=1)


def weighted_regression(W: np.ndarray, y: np.ndarray, values: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    total = W.sum(axis=1)
    errors = values - y
    squared = W @ errors ** 2
    out: dict[str, np.ndarray] = {}
    for name in names:
        if name == "rmse":
            out[name] = np.sqrt(squared / total)
        elif name == "mae":
            out[name] = W @ np.abs(errors) / total
        elif name == "r2":
            mean = W @ y / total
            spread = W @ y ** 2 - total * mean ** 2
            with np.errstate(divide="ignore", invalid="ignore"):
                out[name] = np.where(spread > _ZERO, 1 - squared / spread, np.nan)
        elif name == "mape":
            out[name] = (W @ (np.abs(errors) / np.abs(y)) / total) if not np.any(np.abs(y) < _ZERO) \
                else np.full(len(W), np.nan)
    return out
