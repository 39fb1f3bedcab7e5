"""Single-row prediction latency, measured in-process, and pruning an ensemble to meet a limit."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

from mlwright.models.row_latency import median_call_ms
from mlwright.predictor import TrainedModel


def single_row_latency_ms(model: TrainedModel, rows: pd.DataFrame, repeats: int = 30) -> float:
    """Median wall time of one public call (``predict_proba`` for classifiers, ``predict`` for
    regressors) on a one-row DataFrame, over ``repeats`` different rows: what a service pays."""
    call = model.predict_proba if model.task.is_classification else model.predict
    one_rows = [rows.iloc[[i % len(rows)]] for i in range(repeats)]  # cut before the clock runs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return median_call_ms(lambda i: call(one_rows[i]), repeats)


def confirmed_latency_ms(model: TrainedModel, rows: pd.DataFrame, limit_ms: float, repeats: int = 30) -> float:
    """``single_row_latency_ms``, timed once more on ``CONFIRM_REPEATS`` rows when it is over
    ``limit_ms``, the lower of the two kept: a busy moment of the machine is not the model's
    speed, and being over the limit drops a member or cuts a booster's rounds."""
    latency = single_row_latency_ms(model, rows, repeats)
    if latency > limit_ms:
        latency = min(latency, single_row_latency_ms(model, rows, CONFIRM_REPEATS))
    return latency


#: Rows a latency over the limit is timed on again before anything is dropped or cut for it.
CONFIRM_REPEATS = 30


def prune_to_latency(model: TrainedModel, rows: pd.DataFrame, limit_ms: float,
                     validation_score: Callable[[dict[str, float]], float]) -> tuple[float, list[str]]:
    """Drop members until one-row latency is under ``limit_ms``; return it and the dropped names.

    ``validation_score`` is the out-of-fold score (higher is better) of a blend given as
    name -> weight. Each step drops the member whose loss costs the least score per millisecond
    saved, so the accuracy given up is as small as the limit allows and the last member left is
    a good one.
    """
    dropped: list[str] = []
    latency = confirmed_latency_ms(model, rows, limit_ms)
    if latency <= limit_ms or len(model.members) < 2:
        return latency, dropped
    cost = {m.name: max(single_row_latency_ms(model.only(m), rows, repeats=10), 1e-3) for m in model.members}
    weights = {m.name: m.weight for m in model.members}
    kept = best_fitting_subset(weights, cost, shared_ms(cost, latency), limit_ms, validation_score)
    if kept is not None and len(kept) < len(weights):
        for name in [n for n in weights if n not in kept]:
            model.without_member(name)
            dropped.append(name)
        latency = confirmed_latency_ms(model, rows, limit_ms)
    while latency > limit_ms and len(model.members) > 1:
        victim = cheapest_loss(model, cost, validation_score)
        model.without_member(victim)
        dropped.append(victim)
        latency = confirmed_latency_ms(model, rows, limit_ms)
    return latency, dropped


#: Every subset of this many members or fewer is weighed; beyond it, only the greedy drops.
MOST_MEMBERS_WEIGHED = 8


def shared_ms(cost: dict[str, float], latency: float) -> float:
    """The part of one row's time that every member pays once however many there are (reading
    the row, encoding it): each member alone costs ``shared + own``, all together ``latency``."""
    if len(cost) < 2:
        return 0.0
    return min(max((sum(cost.values()) - latency) / (len(cost) - 1), 0.0), min(cost.values()))


def best_fitting_subset(weights: dict[str, float], cost: dict[str, float], shared: float, limit_ms: float,
                        validation_score: Callable[[dict[str, float]], float]) -> set[str] | None:
    """The members whose blend (weights renormalised) scores best out of fold among those whose
    estimated latency, ``shared`` plus each one's own part, is under ``limit_ms``; None if none is.

    Dropping members one at a time can end on a member that is good but too slow alone (a
    26-class booster of thousands of trees) when a faster one that meets the limit by itself, or
    with a small partner, would score better than that member cut to fit."""
    names = list(weights)
    if len(names) > MOST_MEMBERS_WEIGHED:
        return None
    best, best_score = None, -np.inf
    for mask in range(1, 2 ** len(names)):
        chosen = [n for i, n in enumerate(names) if mask >> i & 1]
        total = sum(weights[n] for n in chosen)
        if total <= 0 or shared + sum(cost[n] - shared for n in chosen) > limit_ms:
            continue
        score = validation_score({n: weights[n] / total for n in chosen})
        if score > best_score:
            best, best_score = set(chosen), score
    return best


def cut_lone_booster(model: TrainedModel, limit: float, value: float, measure: Callable[[], float],
                     tries: int = 3) -> tuple[float, dict[str, list[int]]]:
    """Cut the rounds of a lone booster whose ``value`` by ``measure`` (its files' MB, its one-row
    milliseconds), as the caller last measured it, is over ``limit``, until it is under, keeping
    its first rounds; return the measure and, for the member cut, its rounds before and after.

    Pruning never drops the last member, so a model of one booster of thousands of trees (26
    classes: 26 trees a round) would otherwise ship over the limit. Both measures grow about
    linearly with the rounds, so each try keeps the share of rounds the limit allows (a little
    less), then measures again: a fixed part (reading the row) makes one try fall short.
    """
    cut: dict[str, list[int]] = {}
    if len(model.members) != 1:
        return value, cut
    member = model.members[0]
    for _ in range(tries):
        rounds = getattr(member.learner, "iterations_", None)
        if value <= limit or not hasattr(member.learner, "keep_rounds") or not rounds or rounds < 2:
            break
        member.learner.keep_rounds(int(rounds * limit / value * 0.95))
        cut[member.name] = [cut.get(member.name, [rounds])[0], int(member.learner.iterations_)]
        value = measure()
    return value, cut


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


def without_slow_members(weights: dict[str, float], alone_ms: Callable[[str], float], limit_ms: float,
                         reselect: Callable[[set[str]], dict[str, float]]) -> tuple[dict[str, float], list[str]]:
    """The ensemble chosen again without the members that alone take longer than ``limit_ms`` for
    one row, while others are left to choose from; return its weights and the names left out.

    Pruning can only cut such a member's rounds when it is the last one left, and nothing then
    says what the cut costs: a 26-class booster of 8,000 trees, alone in the blend, was cut to a
    sixth of its rounds (log loss 0.15 -> 0.44) where a faster booster alone scored 0.16.
    ``alone_ms(name)`` measures a member alone; ``reselect(excluded)`` is the ensemble selection
    over the candidates not in ``excluded`` (empty when none is left)."""
    slow: list[str] = []
    while True:
        over = [name for name in weights if alone_ms(name) > limit_ms]
        if not over:
            return weights, slow
        chosen = reselect(set(slow) | set(over))
        if not chosen:
            return weights, slow
        slow += over
        weights = chosen
