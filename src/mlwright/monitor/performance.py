"""How the model does on labelled current rows, against what was estimated at training time.

A drop is flagged when it is large — a set fraction of the training value — and not chance:
its one-sided p-value, from the uncertainty of both the current value and the training
estimate, must be under ``alpha``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from mlwright.evaluate.bootstrap import bootstrap_intervals
from mlwright.evaluate.metrics import get_metric
from mlwright.monitor.settings import ACTION, STABLE, WARNING, MonitorSettings
from mlwright.report.evidence import encode_labels

#: Fewer labelled rows than this say too little about a metric to judge it.
MIN_LABELLED = 20
_Z95 = float(stats.norm.ppf(0.975))


def compare_performance(model, frame: pd.DataFrame, outputs: np.ndarray, training: dict | None,
                        settings: MonitorSettings, *, where: str) -> dict | None:
    """None when the current rows carry no labels (or too few); else the comparison."""
    target = model.target.name
    if target not in frame.columns or frame[target].notna().sum() < MIN_LABELLED:
        return None
    y, index, note = encode_labels(model.target, frame, where)
    rows = frame.index.get_indexer(index)
    if len(rows) < MIN_LABELLED:
        return None
    metric = get_metric(model.metric, model.task)
    prediction = np.asarray(outputs)[rows]
    current = metric.value(y, prediction)
    low, high = bootstrap_intervals(model.task, y, prediction, (metric.name,), seed=0)[metric.name] or (np.nan, np.nan)
    result = {"metric": metric.name, "current": current, "ci_low": low, "ci_high": high, "rows": int(len(rows)),
              "higher_is_better": metric.greater_is_better, "training": None, "training_ci": None, "change": None,
              "relative_change": None, "p_value": None, "warning_at": settings.performance_drop[0],
              "action_at": settings.performance_drop[1], "verdict": STABLE, "note": note or None}
    if not training or training.get("value") is None or training.get("name") != metric.name:
        return result
    before = float(training["value"])
    worse_by = (before - current) if metric.greater_is_better else (current - before)
    relative = worse_by / abs(before) if before else worse_by
    p_value = _drop_p_value(worse_by, (low, high), training.get("interval"))
    verdict = STABLE
    if p_value < settings.alpha and relative >= settings.performance_drop[1]:
        verdict = ACTION
    elif p_value < settings.alpha and relative >= settings.performance_drop[0]:
        verdict = WARNING
    result.update({"training": before, "training_ci": training.get("interval"), "change": current - before,
                   "relative_change": -relative, "p_value": p_value, "verdict": verdict})
    return result


def _drop_p_value(worse_by: float, current: tuple[float, float], training: list | None) -> float:
    """One-sided p-value of a drop this large if the model were as good as estimated: both
    values are estimates (the training one from a holdout of a few thousand rows at most, often
    optimistic by chance), so the standard errors read off both bootstrap intervals add up.
    Models saved before the training interval was kept count its value as exact."""
    spreads = [(hi - lo) / (2 * _Z95) for lo, hi in (current, training or (0.0, 0.0))]
    error = float(np.hypot(*spreads))
    if not np.isfinite(error) or error <= 0:
        return 0.0 if worse_by > 0 else 1.0
    return float(stats.norm.sf(worse_by / error))
