"""Regularised linear models: fast, smooth, and different enough from trees to help an ensemble."""

from __future__ import annotations

from mlwright._types import Task
from mlwright.models.base import ALL_TASKS, Family
from mlwright.models.sklearn_learner import SklearnLearner


def _build(params, task: Task, threads: int, seed: int):
    from sklearn.linear_model import LogisticRegression, Ridge

    strength = float(params.get("C", 1.0))
    if task is Task.REGRESSION:
        return Ridge(alpha=1.0 / strength, random_state=seed)
    return LogisticRegression(C=strength, max_iter=300, random_state=seed)


def _space(trial, task: Task) -> dict:
    return {"C": trial.suggest_float("C", 1e-3, 100.0, log=True)}


FAMILY = Family(
    name="linear", tasks=ALL_TASKS, style="linear",
    make=lambda params, task: SklearnLearner(params, task, _build),
    load=SklearnLearner.loader(_build),
    portfolio=({"C": 1.0},), space=_space,
    notes="logistic regression or ridge on scaled, one-hot features",
)
