"""Single-row prediction latency, measured in-process, and pruning an ensemble to meet a limit."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from mlwright.predictor import TrainedModel


def single_row_latency_ms(model: TrainedModel, rows: pd.DataFrame, repeats: int = 30) -> float:
    """Median wall time of one public call (``predict_proba`` for classifiers, ``predict`` for
    regressors) on a one-row DataFrame, over ``repeats`` different rows: what a service pays."""
    call = model.predict_proba if model.task.is_classification else model.predict
    samples = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        call(rows.iloc[:1])
        for i in range(repeats):
            row = rows.iloc[[i % len(rows)]]
            started = time.perf_counter()
            call(row)
            samples.append(time.perf_counter() - started)
    return 1000.0 * float(np.median(samples))


def prune_to_latency(model: TrainedModel, rows: pd.DataFrame, limit_ms: float,
                     validation_score: Callable[[dict[str, float]], float] | None = None) -> tuple[float, list[str]]:
    """Drop members until one-row latency is under ``limit_ms``; return it and the dropped names.

    With ``validation_score`` (the out-of-fold score, higher is better, of a blend given as
    name -> weight), each step drops the member whose loss costs the least score per millisecond
    saved, so the accuracy given up is as small as the limit allows and the last member left is
    a good one. Without it, the member with the least weight per millisecond goes first.
    """
    dropped: list[str] = []
    latency = single_row_latency_ms(model, rows)
    if latency <= limit_ms or len(model.members) < 2:
        return latency, dropped
    cost = {m.name: single_row_latency_ms(_alone(model, m), rows, repeats=10) for m in model.members}
    while latency > limit_ms and len(model.members) > 1:
        victim = min(model.members, key=lambda m: _loss_per_ms(model, m, cost, validation_score))
        model.members.remove(victim)
        dropped.append(victim.name)
        total = sum(m.weight for m in model.members)
        for member in model.members:
            member.weight /= total
        styles = {m.style for m in model.members}
        model.encoders = {s: e for s, e in model.encoders.items() if s in styles}
        latency = single_row_latency_ms(model, rows)
    return latency, dropped


def _loss_per_ms(model: TrainedModel, member, cost: dict[str, float],
                 validation_score: Callable[[dict[str, float]], float] | None) -> float:
    if validation_score is None:
        return member.weight / max(cost[member.name], 1e-3)
    rest = {m.name: m.weight for m in model.members if m is not member}
    total = sum(rest.values())
    before = validation_score({m.name: m.weight for m in model.members})
    after = validation_score({name: weight / total for name, weight in rest.items()})
    return (before - after) / max(cost[member.name], 1e-3)


def _alone(model: TrainedModel, member) -> TrainedModel:
    """The model reduced to one member (for timing only: weights are not renormalised)."""
    return TrainedModel(schema=model.schema, target=model.target, metric=model.metric,
                        encoders={member.style: model.encoders[member.style]}, members=[member],
                        leaderboard=model._leaderboard, info={})
