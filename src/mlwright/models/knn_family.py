"""k-nearest neighbours: a local, non-parametric view of the data; kept off large tables."""

from __future__ import annotations

from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

from mlwright._types import Task
from mlwright.models.base import ALL_TASKS, Family
from mlwright.models.sklearn_learner import SklearnLearner


def _build(params, task: Task, threads: int, seed: int):
    model = KNeighborsRegressor if task is Task.REGRESSION else KNeighborsClassifier
    return model(n_neighbors=int(params.get("n_neighbors", 15)), weights=params.get("weights", "distance"),
                 n_jobs=threads)


def _space(trial, task: Task) -> dict:
    return {"n_neighbors": trial.suggest_int("n_neighbors", 3, 60, log=True),
            "weights": trial.suggest_categorical("weights", ["uniform", "distance"])}


FAMILY = Family(
    name="knn", tasks=ALL_TASKS, style="linear",
    make=lambda params, task: SklearnLearner(params, task, _build),
    load=SklearnLearner.loader(_build),
    portfolio=({"n_neighbors": 15, "weights": "distance"},), space=_space, max_rows=15_000,
    notes="distance-weighted neighbours on scaled features",
)
