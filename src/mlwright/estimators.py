"""scikit-learn facades over ``train``, ``cluster`` and ``find_anomalies``: usable in pipelines,
``cross_val_score`` and ``clone``."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, ClusterMixin, OutlierMixin, RegressorMixin
from sklearn.utils.validation import check_is_fitted

_TARGET = "__target__"


class _AutoEstimator(BaseEstimator):
    _task: str | None = None

    def __init__(self, *, time_limit: float = 60.0, metric: str | None = None, seed: int = 0,
                 n_jobs: int | None = None, max_trials: int = 500, families: tuple[str, ...] | None = None,
                 max_latency_ms: float | None = None):
        self.time_limit = time_limit
        self.metric = metric
        self.seed = seed
        self.n_jobs = n_jobs
        self.max_trials = max_trials
        self.families = families
        self.max_latency_ms = max_latency_ms

    def fit(self, X, y):
        from mlwright.train import train

        frame = _remember_columns(self, X)
        frame[_TARGET] = np.asarray(y)
        # not recorded in the store: scikit-learn's searches and cross-validation fit many clones
        self.model_ = train(frame, _TARGET, store=False, time_limit=self.time_limit, metric=self.metric,
                            task=self._task_for(y),
                            seed=self.seed, n_jobs=self.n_jobs, max_trials=self.max_trials,
                            families=tuple(self.families) if self.families else None,
                            max_latency_ms=self.max_latency_ms, progress=False)
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict(self._frame(X)).to_numpy()

    def leaderboard(self) -> pd.DataFrame:
        check_is_fitted(self, "model_")
        return self.model_.leaderboard()

    def _frame(self, X) -> pd.DataFrame:
        return _named_frame(X, self.feature_names_in_)

    def _task_for(self, y) -> str | None:
        return self._task


class AutoClassifier(ClassifierMixin, _AutoEstimator):
    """Binary or multiclass classification by the full mlwright search."""

    def fit(self, X, y):
        super().fit(X, y)
        self.classes_ = np.asarray(self.model_.classes_)
        return self

    def predict_proba(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict_proba(self._frame(X)).to_numpy()

    def _task_for(self, y) -> str:
        return "binary" if len(pd.unique(np.asarray(y))) == 2 else "multiclass"


class AutoRegressor(RegressorMixin, _AutoEstimator):
    """Regression by the full mlwright search."""

    _task = "regression"


class AutoCluster(ClusterMixin, BaseEstimator):
    """Clusters by ``mlwright.cluster``: k (``"auto"`` or a number) and the method chosen within
    ``time_limit``. ``labels_`` after ``fit``; ``predict`` assigns new rows."""

    def __init__(self, *, k: int | str = "auto", time_limit: float = 60.0, seed: int = 0, n_jobs: int | None = None):
        self.k = k
        self.time_limit = time_limit
        self.seed = seed
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        from mlwright.unsupervised.cluster import cluster

        frame = _remember_columns(self, X)
        self.model_ = cluster(frame, k=self.k, time_limit=self.time_limit, seed=self.seed, n_jobs=self.n_jobs,
                              store=False)
        self.labels_ = self.model_.labels_
        self.n_clusters_ = self.model_.n_clusters
        return self

    def predict(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return self.model_.predict(_named_frame(X, self.feature_names_in_)).to_numpy()


class AutoAnomalyDetector(OutlierMixin, BaseEstimator):
    """Anomalies by ``mlwright.find_anomalies``, in scikit-learn's conventions: ``predict`` gives
    -1 for an anomaly and 1 otherwise, ``score_samples`` is higher for more normal rows (minus
    mlwright's anomaly score), ``decision_function`` is negative for anomalies."""

    def __init__(self, *, contamination: float | str = "auto", seed: int = 0, n_jobs: int | None = None):
        self.contamination = contamination
        self.seed = seed
        self.n_jobs = n_jobs

    def fit(self, X, y=None):
        from mlwright.unsupervised.anomalies import find_anomalies

        frame = _remember_columns(self, X)
        self.model_ = find_anomalies(frame, contamination=self.contamination, seed=self.seed, n_jobs=self.n_jobs,
                                     store=False)
        self.offset_ = -self.model_.threshold
        return self

    def score_samples(self, X) -> np.ndarray:
        check_is_fitted(self, "model_")
        return -self.model_.score_samples(_named_frame(X, self.feature_names_in_)).to_numpy()

    def decision_function(self, X) -> np.ndarray:
        return self.score_samples(X) - self.offset_

    def predict(self, X) -> np.ndarray:
        return np.where(self.decision_function(X) < 0, -1, 1)


def _remember_columns(estimator, X) -> pd.DataFrame:
    """``X`` as a frame, its column names kept on ``estimator`` as scikit-learn expects."""
    frame = _as_frame(X)
    estimator.feature_names_in_ = np.asarray(frame.columns, dtype=object)
    estimator.n_features_in_ = frame.shape[1]
    return frame


def _named_frame(X, names) -> pd.DataFrame:
    frame = _as_frame(X)
    if not isinstance(X, pd.DataFrame):
        frame.columns = list(names)
    return frame


def _as_frame(X) -> pd.DataFrame:
    if isinstance(X, pd.DataFrame):
        return X.copy()
    if hasattr(X, "to_pandas"):
        return X.to_pandas()
    array = np.asarray(X)
    if array.ndim != 2:
        raise ValueError(f"X must be 2-dimensional, got an array of shape {array.shape}.")
    return pd.DataFrame(array, columns=[f"x{i}" for i in range(array.shape[1])])
