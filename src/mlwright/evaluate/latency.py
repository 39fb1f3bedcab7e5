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
    """Drop members until one-row latency is under ``limit_ms``; return it and the dropped names.

    Each step drops the member that buys the least ensemble weight per millisecond it costs, so a
    slow member with a small weight goes before a fast one that carries the blend.
    """
    dropped: list[str] = []
    latency = single_row_latency_ms(model, rows)
    if latency <= limit_ms or len(model.members) < 2:
        return latency, dropped
    cost = {m.name: single_row_latency_ms(_alone(model, m), rows, repeats=10) for m in model.members}
    while latency > limit_ms and len(model.members) > 1:
        victim = min(model.members, key=lambda m: m.weight / max(cost[m.name], 1e-3))
        model.members.remove(victim)
        dropped.append(victim.name)
        total = sum(m.weight for m in model.members)
        for member in model.members:
            member.weight /= total
        styles = {m.style for m in model.members}
        model.encoders = {s: e for s, e in model.encoders.items() if s in styles}
        latency = single_row_latency_ms(model, rows)
    return latency, dropped


def _alone(model: TrainedModel, member) -> TrainedModel:
    """The model reduced to one member (for timing only: weights are not renormalised)."""
    return TrainedModel(schema=model.schema, target=model.target, metric=model.metric,
                        encoders={member.style: model.encoders[member.style]}, members=[member],
                        leaderboard=model._leaderboard, info={})
