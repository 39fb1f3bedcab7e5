"""Refit the chosen ensemble members on all training rows, for a final model that predicts fast.

The search's fold models (bagged, or the one fitted beside the holdout) are thrown away: one model per member, fitted with the
iteration count its folds settled on, is faster to serve and no less accurate.
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.data.schema import Schema
from mlwright.features import TableEncoder
from mlwright.models.base import FitData
from mlwright.models.registry import get_family
from mlwright.predictor import Member
from mlwright.search.trial import TrialResult


def refit_members(frame: pd.DataFrame, y: np.ndarray, *, schema: Schema, task: Task, n_classes: int,
                  results: dict[str, TrialResult], weights: dict[str, float], seed: int, threads: int,
                  deadline: float, fit_fraction: float) -> tuple[dict[str, TableEncoder], list[Member], list[str]]:
    """Return (encoders, members, names skipped for lack of time); the best member is always fitted."""
    order = sorted(weights, key=lambda n: (-weights[n], n))
    encoders: dict[str, TableEncoder] = {}
    matrices: dict[str, np.ndarray] = {}
    members, skipped = [], []
    for position, name in enumerate(order):
        result = results[name]
        family = get_family(result.spec.family)
        expected = result.refit_seconds(fit_fraction)
        if position > 0 and time.time() + expected > deadline:
            skipped.append(name)
            continue
        if family.style not in encoders:
            encoders[family.style] = TableEncoder(schema, family.style).fit(frame)
            matrices[family.style] = encoders[family.style].transform(frame)
        learner = family.make(result.spec.params, task)
        learner.fit(FitData(X=matrices[family.style], y=y, task=task, n_classes=n_classes,
                            categorical=tuple(encoders[family.style].categorical_indices_), seed=seed,
                            threads=threads, iterations=result.refit_iterations(),
                            deadline=max(deadline, time.time() + 1.0) if position == 0 else deadline))
        members.append(Member(name, family.name, family.style, weights[name], dict(learner.params), learner))
    total = sum(m.weight for m in members)
    for member in members:
        member.weight = member.weight / total
    used_styles = {m.style for m in members}
    return {s: e for s, e in encoders.items() if s in used_styles}, members, skipped
