"""The leaderboard: every trial with its score, cost and fate, failures included."""

from __future__ import annotations

import pandas as pd

from mlwright.evaluate.metrics import Metric
from mlwright.search.trial import TrialResult

COLUMNS = ["model", "family", "origin", "status", "score", "fit_seconds", "predict_ms_per_row",
           "ensemble_weight", "params", "error"]


def build_leaderboard(results: list[TrialResult], metric: Metric, weights: dict[str, float]) -> pd.DataFrame:
    """One row per trial, best validation score first; ``score`` is the metric as people read it."""
    rows = [{
        "model": r.spec.name, "family": r.spec.family, "origin": r.spec.origin, "status": r.status,
        "score": metric.to_value(r.score) if r.score is not None else None,
        "fit_seconds": round(r.fit_seconds, 3),
        "predict_ms_per_row": round(r.predict_ms_per_row, 5) if r.predict_ms_per_row is not None else None,
        "ensemble_weight": round(weights.get(r.spec.name, 0.0), 4),
        "params": {k: v for k, v in r.spec.params.items() if not str(k).startswith("_")},
        "error": r.error,
    } for r in results]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if frame.empty:
        return frame
    order = frame["score"].astype(float) * (1 if metric.greater_is_better else -1)
    return (frame.assign(_order=order.fillna(-float("inf")))
            .sort_values(["_order", "model"], ascending=[False, True], kind="stable")
            .drop(columns="_order").reset_index(drop=True))
