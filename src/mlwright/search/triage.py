"""Triage after the first fold: a slow trial clearly behind the best one so far stops there.

A network's trial bagged over five folds takes a large share of a budget (half a minute on
5,000 rows), and on many tables it ends far behind the boosters (a fifth worse in log loss on
multiclass tables) and gets no ensemble weight: the time was spent for nothing. Its first fold
already says so. The trial's first-fold output is compared with the best finished trial's
out-of-fold output on the same rows, paired, so that the rows' shared noise cancels; the trial
stops only when it is behind by more than ``MARGIN`` of the best's score and the paired
bootstrap's interval of the difference lies wholly below zero. A trial that is close, or behind
only within the fold's noise, goes on: it may still earn a place in the ensemble.
"""

from __future__ import annotations

import numpy as np

from mlwright.errors import DataError
from mlwright.evaluate.metrics import Metric

#: How far behind the best trial (as a share of its score, in the benchmarks' normalized sense)
#: the first fold must be to stop the trial.
MARGIN = 0.01
#: Bootstrap resamples of the first fold's rows: enough for a 95% interval, fast beside a fold's fit.
RESAMPLES = 200


def normalized(metric: Metric, own: float, best: float) -> float:
    """``own`` as a share of ``best`` (both as people read the metric): 1 when equal, below 1 when
    worse, for a score that grows (ROC AUC: own / best) or a loss (log loss, RMSE: best / own)."""
    if metric.greater_is_better:
        return own / best if best > 0 else 1.0
    return best / own if own > 0 else 1.0


def behind_after_first_fold(metric: Metric, y: np.ndarray, own: np.ndarray, rival: np.ndarray,
                            seed: int = 0) -> str | None:
    """Why the trial should stop (its first fold clearly behind ``rival`` on the same rows), or None."""
    from mlwright.monitor.paired import compare_paired

    if len(y) < 20 or not np.all(np.isfinite(own)):
        return None
    try:
        compared = compare_paired(y, rival, own, metric, resamples=RESAMPLES, seed=seed, p_value=False)
    except (ValueError, ArithmeticError, DataError):  # a fold the metric cannot score (one class): no verdict
        return None
    share = normalized(metric, compared.challenger_score, compared.champion_score)
    if not (share < 1.0 - MARGIN and compared.ci_high < 0):
        return None
    return (f"stopped after the first fold: its {metric.name} {compared.challenger_score:.4g} against "
            f"{compared.champion_score:.4g} for the best trial on the same {len(y):,} rows "
            f"({(1 - share) * 100:.1f}% behind, 95% interval of the difference wholly below zero)")
