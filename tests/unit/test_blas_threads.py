"""Linear models and neighbours fit small tables on one BLAS thread: with more, OpenBLAS's threads
wait on each other on a busy machine and a 0.2 s logistic regression takes seconds."""

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from mlwright._types import Task
from mlwright.models.base import FitData
from mlwright.models.blas_threads import SMALL_CELLS, blas_threads_for
from mlwright.models.registry import get_family
from mlwright.models.sklearn_learner import SklearnLearner


def _blas_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


class _Recording:
    """An estimator that notes the BLAS threads it was fitted under."""

    seen: list[int] = []

    def fit(self, X, y):
        _Recording.seen = _blas_threads()
        self.classes_ = np.unique(y)
        return self

    def predict_proba(self, X):
        _Recording.seen_predicting = _blas_threads()
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))


def _data(rows: int, threads: int) -> FitData:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(rows, 5)), rng.integers(0, 2, size=rows)
    return FitData(X=X, y=y, X_valid=X[:300], y_valid=y[:300], task=Task.BINARY, n_classes=2, seed=0,
                   threads=threads)


def test_the_rule_gives_one_thread_to_small_tables_and_the_search_s_threads_to_large_ones():
    assert blas_threads_for(SMALL_CELLS - 1, 4) == 1
    assert blas_threads_for(SMALL_CELLS, 4) == 4
    assert blas_threads_for(SMALL_CELLS, 0) == 1


def test_a_small_fit_and_its_batch_predictions_run_on_one_blas_thread():
    assert _blas_threads(), "numpy's BLAS is visible to threadpoolctl"
    learner = SklearnLearner({}, Task.BINARY, lambda params, task, threads, seed: _Recording())
    data = _data(1_000, threads=2)
    with threadpool_limits(limits=2, user_api="blas"):  # as the search runs: two threads
        assert set(_blas_threads()) == {2}
        learner.fit(data)
        assert set(_Recording.seen) == {1}
        learner.predict(data.X_valid)
        assert set(_Recording.seen_predicting) == {1}
        assert set(_blas_threads()) == {2}  # given back after the fit


def test_the_linear_and_neighbour_families_still_learn_under_the_limit():
    data = _data(2_000, threads=2)
    signal = data.X[:, 0] > 0
    data = FitData(X=data.X, y=signal.astype(int), X_valid=data.X[:300], y_valid=signal[:300].astype(int),
                   task=Task.BINARY, n_classes=2, seed=0, threads=2)
    for family in ("linear", "knn"):
        learner = get_family(family).make({}, Task.BINARY).fit(data)
        accuracy = np.mean(learner.predict(data.X_valid).argmax(axis=1) == data.y_valid)
        assert accuracy > 0.9, family
