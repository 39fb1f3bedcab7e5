"""Boosters stop adding rounds before one row's prediction passes the limit they are given."""

from __future__ import annotations

import pytest

from mlwright._types import Task
from mlwright.models.base import FitData
from mlwright.models.lightgbm_family import LightGBMLearner
from mlwright.models.row_latency import FIRST_CHECK, RoundsForLatency, one_row_ms
from mlwright.models.xgboost_family import XGBoostLearner
from tests.conftest import ten_class_matrix


def _boost(cap: RoundsForLatency, measure, most: int = 10_000) -> int:
    """The rounds a boosting loop ends with under ``cap``."""
    for rounds in range(1, most + 1):
        if cap.stop_after(rounds, measure):
            return rounds
    return most


def test_the_rounds_stop_where_the_line_through_the_timings_meets_the_limit():
    calls = []

    def measure(rounds: int) -> float:  # a fixed 0.25 ms and 1/64 ms a round: 1.5 ms at 80 rounds
        calls.append(rounds)
        return 0.25 + rounds / 64

    cap = RoundsForLatency(1.5)
    ended = _boost(cap, measure)
    assert ended == 80 and cap.kept(ended) == 80 and cap.kept(500) == 80
    assert calls == [FIRST_CHECK, 2 * FIRST_CHECK, 4 * FIRST_CHECK], "timed only at the doublings"


def test_a_model_over_the_limit_at_the_first_timing_keeps_fewer_rounds_than_it_has():
    cap = RoundsForLatency(1.0)
    ended = _boost(cap, lambda rounds: 0.5 + 0.1 * rounds)  # 1.5 ms at the first check
    assert ended == FIRST_CHECK
    assert 1 <= cap.kept(ended) < FIRST_CHECK


def test_without_a_limit_nothing_is_timed_and_nothing_stops():
    cap = RoundsForLatency(float("inf"))

    def measure(rounds: int) -> float:
        raise AssertionError("timed without a limit")

    assert _boost(cap, measure, most=300) == 300 and cap.kept(300) == 300


def _fit(learner_cls, params: dict, limit: float, iterations: int | None = None):
    X, y = ten_class_matrix()
    fit, valid = slice(0, 2_400), slice(2_400, None)
    return learner_cls(params, Task.MULTICLASS).fit(FitData(
        X=X[fit], y=y[fit], X_valid=X[valid], y_valid=y[valid], task=Task.MULTICLASS, n_classes=10, seed=0,
        threads=1, iterations=iterations, row_ms_limit=limit))


BOOSTERS = [(XGBoostLearner, {"max_depth": 8, "eta": 0.05}), (LightGBMLearner, {"num_leaves": 63, "learning_rate": 0.05})]


@pytest.mark.parametrize(("learner_cls", "params"), BOOSTERS, ids=["xgboost", "lightgbm"])
def test_a_booster_given_a_fifth_of_its_one_row_time_keeps_fewer_rounds(learner_cls, params):
    free = _fit(learner_cls, params, float("inf"))
    row = ten_class_matrix(rows=1, seed=1)[0]
    free_ms = one_row_ms(lambda: free.predict(row))
    capped = _fit(learner_cls, params, free_ms / 5)
    assert free.iterations_ > 2 * FIRST_CHECK, "the free fit boosts past the first timings"
    assert capped.iterations_ < free.iterations_
    assert capped.predict(row).shape == free.predict(row).shape


@pytest.mark.parametrize(("learner_cls", "params"), BOOSTERS, ids=["xgboost", "lightgbm"])
def test_a_refit_with_its_rounds_fixed_keeps_them_whatever_the_limit(learner_cls, params):
    assert _fit(learner_cls, params, 1e-6, iterations=60).iterations_ == 60
