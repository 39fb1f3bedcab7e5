"""Greedy ensemble selection (Caruana et al., 2004) with replacement.

Start from the best model, then repeatedly add the model (possibly again) whose addition
improves the averaged out-of-fold prediction most; keep the best round. Weights are counts.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from mlwright.evaluate.metrics import Metric

#: Only the best candidates are considered: the rest rarely get weight and cost time.
MAX_CANDIDATES = 25


def select_ensemble(predictions: dict[str, np.ndarray], y: np.ndarray, metric: Metric,
                    rounds: int = 40, rows: np.ndarray | None = None) -> dict[str, float]:
    """Return ``{model: weight}`` with weights summing to 1, chosen on ``rows`` (default: all)."""
    if rows is not None:
        predictions = {k: v[rows] for k, v in predictions.items()}
        y = y[rows]
    scores = {name: metric.score(y, p) for name, p in predictions.items()}
    names = sorted(scores, key=lambda n: (-scores[n], n))[:MAX_CANDIDATES]
    chosen = [names[0]]
    total = predictions[names[0]].astype(float).copy()
    best_score, best_size = scores[names[0]], 1
    history = [list(chosen)]
    for _ in range(rounds - 1):
        size = len(chosen) + 1
        trial_scores = [metric.score(y, (total + predictions[n]) / size) for n in names]
        pick = int(np.argmax(trial_scores))
        chosen.append(names[pick])
        total += predictions[names[pick]]
        history.append(list(chosen))
        if trial_scores[pick] > best_score + 1e-12:
            best_score, best_size = trial_scores[pick], size
    counts = Counter(history[best_size - 1])
    return {name: count / best_size for name, count in sorted(counts.items())}


def blend(predictions: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    return sum(predictions[name] * weight for name, weight in weights.items())


def cross_fitted_score(predictions: dict[str, np.ndarray], y: np.ndarray, metric: Metric, rounds: int,
                       seed: int) -> float:
    """Score of ensemble selection on rows it did not choose on: select on one half, score the other.

    Used as the honest estimate when data are too small to keep a holdout.
    """
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    halves = (order[: len(y) // 2], order[len(y) // 2:])
    values = []
    for choose_on, score_on in (halves, halves[::-1]):
        weights = select_ensemble(predictions, y, metric, rounds, rows=choose_on)
        values.append(metric.value(y[score_on], blend({k: v[score_on] for k, v in predictions.items()}, weights)))
    return float(np.mean(values))
