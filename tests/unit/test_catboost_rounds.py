"""CatBoost, left to set its learning rate, is given the rounds its deadline has time for, and its
refit keeps the rate the trial was scored with."""

from __future__ import annotations

import time

from mlwright._types import Task
from mlwright.models.base import FitData
from mlwright.models.catboost_family import MAX_ROUNDS, CatBoostLearner
from tests.conftest import ten_class_matrix


def _fit(params: dict, *, seconds: float = float("inf"), iterations: int | None = None) -> CatBoostLearner:
    X, y = ten_class_matrix(rows=2_000)
    valid = None if iterations else slice(1_600, None)
    return CatBoostLearner(params, Task.MULTICLASS).fit(FitData(
        X=X[:1_600], y=y[:1_600], X_valid=X[valid] if valid else None, y_valid=y[valid] if valid else None,
        task=Task.MULTICLASS, n_classes=10, seed=0, threads=1, deadline=time.time() + seconds,
        iterations=iterations))


def test_a_short_deadline_gets_fewer_rounds_at_a_faster_rate_than_ample_time():
    ample, short = _fit({"depth": 4}), _fit({"depth": 4}, seconds=0.5)
    assert short.model_.get_params()["iterations"] < MAX_ROUNDS == ample.model_.get_params()["iterations"]
    assert short.trained_params_["learning_rate"] > ample.trained_params_["learning_rate"]


def test_the_refit_with_the_trials_rate_fits_at_that_rate_and_a_rate_given_is_not_reported():
    short = _fit({"depth": 4}, seconds=0.5)
    refit = _fit({"depth": 4, **short.trained_params_}, iterations=short.iterations_)
    assert refit.model_.learning_rate_ == short.trained_params_["learning_rate"]
    assert refit.iterations_ == short.iterations_
    assert not hasattr(refit, "trained_params_"), "a rate given is the configuration's, not the fit's"
