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
                     validation_score: Callable[[dict[str, float]], float]) -> tuple[float, list[str]]:
    """Drop members until one-row latency is under ``limit_ms``; return it and the dropped names.

    ``validation_score`` is the out-of-fold score (higher is better) of a blend given as
    name -> weight. Each step drops the member whose loss costs the least score per millisecond
    saved, so the accuracy given up is as small as the limit allows and the last member left is
    a good one.
    """
    dropped: list[str] = []
    latency = single_row_latency_ms(model, rows)
    if latency <= limit_ms or len(model.members) < 2:
        return latency, dropped
    cost = {m.name: max(single_row_latency_ms(model.only(m), rows, repeats=10), 1e-3) for m in model.members}
    while latency > limit_ms and len(model.members) > 1:
        victim = cheapest_loss(model, cost, validation_score)
        model.without_member(victim)
        dropped.append(victim)
        latency = single_row_latency_ms(model, rows)
    return latency, dropped


def cheapest_loss(model: TrainedModel, cost: dict[str, float],
                  validation_score: Callable[[dict[str, float]], float]) -> str:
    """The member whose loss costs the least out-of-fold score per unit of ``cost`` it saves (the
    others' weights renormalised); a member the others cannot do without (they weigh nothing) last."""
    weights = {m.name: m.weight for m in model.members}
    now = validation_score(weights)

    def loss_per_unit(name: str) -> float:
        rest = {other: w for other, w in weights.items() if other != name}
        kept = sum(rest.values())
        if kept <= 0:
            return float("inf")
        return (now - validation_score({other: w / kept for other, w in rest.items()})) / max(cost[name], 1e-6)

    return min(weights, key=loss_per_unit)
