"""CatBoost: ordered boosting with target statistics for categories; strong on small, categorical data.

The library is imported when a learner fits, scores or loads (see ``lightgbm_family``).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np

from mlwright._types import Task
from mlwright.models.base import ALL_TASKS, Family, FitData, align_proba

MAX_ROUNDS = 3_000
EARLY_STOP = 50
#: Rounds of the short fit that times one round on the data, when CatBoost sets the learning rate.
PILOT_ROUNDS = 10
#: The share of the time left that the rounds are sized to (a round's time varies; the rounds
#: past the best that early stopping waits for).
PLANNED_SHARE = 0.85


class _Deadline:
    def __init__(self, deadline: float):
        self.deadline = deadline

    def after_iteration(self, info) -> bool:
        return time.time() < self.deadline


class _RoundTimer:
    """Records when each round ends (CatBoost calls it after every round)."""

    def __init__(self):
        self.ends: list[float] = []

    def after_iteration(self, info) -> bool:
        self.ends.append(time.time())
        return True

    def seconds_a_round(self) -> float:
        ends = self.ends
        return (ends[-1] - ends[0]) / (len(ends) - 1) if len(ends) > 1 else float("inf")


def _pool(X: np.ndarray, categorical: tuple[int, ...], y=None):
    from catboost import Pool

    if not categorical:
        return Pool(X, label=y)
    data = X.astype(object)
    for i in categorical:
        column = X[:, i]
        data[:, i] = np.where(np.isnan(column), -1, column).astype(np.int64)
    return Pool(data, label=y, cat_features=list(categorical))


class CatBoostLearner:
    def __init__(self, params: dict, task: Task):
        self.params, self.task = dict(params), task
        self.iterations_: int | None = None
        self.categorical: tuple[int, ...] = ()
        self.n_classes = 0

    def fit(self, data: FitData) -> "CatBoostLearner":
        from catboost import CatBoostClassifier, CatBoostRegressor

        self.categorical = tuple(data.categorical)
        self.n_classes = data.n_classes
        model_cls = CatBoostRegressor if self.task is Task.REGRESSION else CatBoostClassifier
        loss = {"binary": "Logloss", "multiclass": "MultiClass", "regression": "RMSE"}[self.task.value]
        settings = {"loss_function": loss, "thread_count": data.threads, "random_seed": data.seed, "verbose": False,
                    "allow_writing_files": False, **self.params}
        train = _pool(data.X, self.categorical, data.y)
        rounds = data.iterations or self._rounds_in_time(model_cls, settings, train, data) or MAX_ROUNDS
        self.model_ = model_cls(iterations=rounds, **settings)
        eval_set, stop = None, None
        if data.X_valid is not None and data.iterations is None:
            known = self._known_labels(data)
            if known.any():
                eval_set = _pool(data.X_valid[known], self.categorical, data.y_valid[known])
                stop = EARLY_STOP
        self.model_.fit(train, eval_set=eval_set, early_stopping_rounds=stop,
                        use_best_model=stop is not None, callbacks=[_Deadline(data.deadline)])
        self.iterations_ = self.model_.tree_count_
        if "learning_rate" not in self.params:  # the refit, of another round count, keeps this rate
            self.trained_params_ = {"learning_rate": float(self.model_.learning_rate_)}
        return self

    def _rounds_in_time(self, model_cls, settings: dict, train, data: FitData) -> int | None:
        """The rounds a fit can finish by its deadline, by a short fit that times a round, when
        CatBoost sets the learning rate itself and the usual rounds would not finish; None
        otherwise. CatBoost picks its rate for the rounds it is given: left at 3,000 and cut by
        the deadline at a sixth of them (26 classes on 12,000 rows: 0.03 s a round), the model
        stops far from where that slow rate would take it; given the rounds it has time for, it
        picks a faster rate that gets there (0.075 for 3,000 rounds, 0.148 for 500)."""
        if "learning_rate" in self.params or not math.isfinite(data.deadline):
            return None
        timer = _RoundTimer()
        model_cls(iterations=PILOT_ROUNDS, **settings).fit(train, callbacks=[timer])
        rounds = int(PLANNED_SHARE * data.time_left() / max(timer.seconds_a_round(), 1e-6))
        return max(rounds, PILOT_ROUNDS) if rounds < MAX_ROUNDS else None

    def _known_labels(self, data: FitData) -> np.ndarray:
        """Validation rows whose class the fit rows hold: CatBoost refuses an evaluation set with
        a class it has not learned (a class of one or two rows can fall in one fold alone)."""
        if self.task is Task.REGRESSION:
            return np.ones(len(data.y_valid), dtype=bool)
        return np.isin(data.y_valid, np.unique(data.y))

    def keep_rounds(self, rounds: int) -> None:
        """Keep the first ``rounds`` trees (see ``LightGBMLearner.keep_rounds``)."""
        rounds = max(1, min(int(rounds), self.model_.tree_count_))
        if rounds < self.model_.tree_count_:
            self.model_.shrink(ntree_end=rounds)
        self.iterations_ = self.model_.tree_count_

    def predict(self, X: np.ndarray) -> np.ndarray:
        pool = _pool(X, self.categorical)
        if self.task is Task.REGRESSION:
            return self.model_.predict(pool, thread_count=1)
        proba = self.model_.predict_proba(pool, thread_count=1)
        if self.n_classes and proba.shape[1] != self.n_classes:  # a fold that lacked a class
            proba = align_proba(proba, np.asarray(self.model_.classes_, dtype=int), self.n_classes)
        return proba

    def save(self, directory: Path) -> None:
        self.model_.save_model(str(directory / "model.cbm"))

    @classmethod
    def load(cls, directory: Path, params: dict, task: Task) -> "CatBoostLearner":
        from catboost import CatBoostClassifier, CatBoostRegressor

        learner = cls(params, task)
        learner.model_ = (CatBoostRegressor() if task is Task.REGRESSION else CatBoostClassifier())
        learner.model_.load_model(str(directory / "model.cbm"))
        learner.categorical = tuple(int(i) for i in learner.model_.get_cat_feature_indices())
        learner.iterations_ = learner.model_.tree_count_
        return learner


def _space(trial, task: Task) -> dict:
    return {
        "depth": trial.suggest_int("depth", 4, 9),
        "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.2, log=True),
        "l2_leaf_reg": trial.suggest_float("l2_leaf_reg", 1.0, 10.0, log=True),
    }


FAMILY = Family(
    name="catboost", tasks=ALL_TASKS, style="tree", iterative=True,
    make=lambda params, task: CatBoostLearner(params, task),
    load=CatBoostLearner.load,
    portfolio=(
        {"depth": 6, "learning_rate": 0.08},
        {"depth": 8, "learning_rate": 0.05, "l2_leaf_reg": 5.0},
    ),
    space=_space,
    notes="ordered boosting on oblivious trees, target statistics for categories",
)
