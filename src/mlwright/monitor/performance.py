"""How the model does on labelled current rows, against what was estimated at training time.

A drop is flagged when it is large — a set fraction of the training value — and not chance:
the bootstrap interval of the current metric must exclude the training value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlwright.evaluate.bootstrap import bootstrap_intervals
from mlwright.evaluate.metrics import get_metric
from mlwright.monitor.settings import ACTION, STABLE, WARNING, MonitorSettings
from mlwright.report.evidence import encode_labels

#: Fewer labelled rows than this say too little about a metric to judge it.
MIN_LABELLED = 20


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
              "higher_is_better": metric.greater_is_better, "training": None, "change": None,
              "relative_change": None, "warning_at": settings.performance_drop[0],
              "action_at": settings.performance_drop[1], "verdict": STABLE, "note": note or None}
    if not training or training.get("value") is None or training.get("name") != metric.name:
        return result
    before = float(training["value"])
    worse_by = (before - current) if metric.greater_is_better else (current - before)
    relative = worse_by / abs(before) if before else worse_by
    # the training value outside the current interval, on the worse side: not chance
    beyond_chance = (high < before) if metric.greater_is_better else (low > before)
    verdict = STABLE
    if beyond_chance and relative >= settings.performance_drop[1]:
        verdict = ACTION
    elif beyond_chance and relative >= settings.performance_drop[0]:
        verdict = WARNING
    result.update({"training": before, "change": current - before, "relative_change": -relative, "verdict": verdict})
    return result
