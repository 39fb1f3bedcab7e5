"""Single-row prediction latency, measured in-process, and pruning an ensemble to meet a limit."""

from __future__ import annotations

import time
import warnings

import numpy as np
import pandas as pd

from mlwright.predictor import TrainedModel


def single_row_latency_ms(model: TrainedModel, rows: pd.DataFrame, repeats: int = 30) -> float:
    """Median wall time of ``raw_predict`` on one row, over ``repeats`` different rows."""
    samples = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.raw_predict(rows.iloc[:1])
        for i in range(repeats):
            row = rows.iloc[[i % len(rows)]]
            started = time.perf_counter()
            model.raw_predict(row)
            samples.append(time.perf_counter() - started)
    return 1000.0 * float(np.median(samples))


def prune_to_latency(model: TrainedModel, rows: pd.DataFrame, limit_ms: float) -> tuple[float, list[str]]:
    """Drop the lightest members until one-row latency is under ``limit_ms``; return it and the dropped."""
    dropped = []
    latency = single_row_latency_ms(model, rows)
    while latency > limit_ms and len(model.members) > 1:
        lightest = min(model.members, key=lambda m: m.weight)
        model.members.remove(lightest)
        dropped.append(lightest.name)
        total = sum(m.weight for m in model.members)
        for member in model.members:
            member.weight /= total
        styles = {m.style for m in model.members}
        model.encoders = {s: e for s, e in model.encoders.items() if s in styles}
        latency = single_row_latency_ms(model, rows)
    return latency, dropped
