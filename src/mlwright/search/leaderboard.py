"""The leaderboard: every trial with its score, cost and fate, failures included."""

from __future__ import annotations

import pandas as pd

from mlwright.evaluate.metrics import Metric
from mlwright.search.trial import TrialResult

COLUMNS = ["model", "family", "origin", "status", "score", "fit_seconds", "predict_ms_per_row",
           "ensemble_weight", "params", "error"]


def trial_record(result: TrialResult, metric: Metric) -> dict:
    """One trial as people read it (the leaderboard's row, the store's record): ``score`` is the
    metric's own value, and the search's private parameters (``_``-prefixed) are left out."""
    return {
        "model": result.spec.name, "family": result.spec.family, "origin": result.spec.origin,
        "status": result.status, "score": metric.to_value(result.score) if result.score is not None else None,
        "fit_seconds": round(result.fit_seconds, 3),
        "predict_ms_per_row": round(result.predict_ms_per_row, 5) if result.predict_ms_per_row is not None else None,
        "params": {k: v for k, v in result.spec.params.items() if not str(k).startswith("_")},
        "error": result.error,
    }


def build_leaderboard(results: list[TrialResult], metric: Metric, weights: dict[str, float]) -> pd.DataFrame:
    """One row per trial, best validation score first; ``score`` is the metric as people read it."""
    rows = [{**trial_record(r, metric), "ensemble_weight": round(weights.get(r.spec.name, 0.0), 4)} for r in results]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if frame.empty:
        return frame
    order = frame["score"].astype(float) * (1 if metric.greater_is_better else -1)
    return (frame.assign(_order=order.fillna(-float("inf")))
            .sort_values(["_order", "model"], ascending=[False, True], kind="stable")
            .drop(columns="_order").reset_index(drop=True))
