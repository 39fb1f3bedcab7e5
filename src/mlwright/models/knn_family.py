"""k-nearest neighbours: a local, non-parametric view of the data; kept off large tables.

scikit-learn fits (it keeps the scaled rows); rows are scored by a short NumPy path, in chunks:
scikit-learn's dispatch alone costs about 0.3 ms a call, a large share of a one-row latency
budget, and its batch distances (by the expanded square formula, in its own chunking) differ
from one row's by up to 1e-6 relative, so a row would not get the same answer alone and in a batch.
"""

from __future__ import annotations

import numpy as np

from mlwright._types import Task
from mlwright.models.base import ALL_TASKS, Family, align_proba
from mlwright.models.sklearn_learner import SklearnLearner

#: Rows scored at once: a chunk's distance matrix to 15,000 training rows is about 30 MB.
CHUNK_ROWS = 256


def _build(params, task: Task, threads: int, seed: int):
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

    model = KNeighborsRegressor if task is Task.REGRESSION else KNeighborsClassifier
    return model(n_neighbors=int(params.get("n_neighbors", 15)), weights=params.get("weights", "distance"),
                 algorithm="brute", n_jobs=threads)


class KNNLearner(SklearnLearner):
    def predict(self, X: np.ndarray) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        with self._batch_threads(X):
            predicted = np.concatenate([self._predict_chunk(X[start:start + CHUNK_ROWS])
                                        for start in range(0, max(len(X), 1), CHUNK_ROWS)])
        if self.task is Task.REGRESSION:
            return predicted
        return self._smoothed(predicted)

    def _smoothed(self, proba: np.ndarray) -> np.ndarray:
        """One pseudo-neighbour spread by the class shares: a class no neighbour has gets a small
        probability instead of zero, which log loss would punish without bound (duplicated rows
        with distance weights otherwise give a one-hot answer)."""
        prior = getattr(self, "prior_", None)
        if prior is None:
            counts = np.bincount(self.model_._y, minlength=len(self.model_.classes_)).astype(float)
            prior = self.prior_ = align_proba((counts / counts.sum())[None, :], self.seen_, self.n_classes)[0]
        k = float(self.model_.n_neighbors)
        return (proba * k + prior) / (k + 1.0)

    def _predict_chunk(self, X: np.ndarray) -> np.ndarray:
        fit_X, targets = self.model_._fit_X, self.model_._y
        k = min(self.model_.n_neighbors, len(fit_X))
        distances = np.sqrt(np.maximum(
            (X ** 2).sum(axis=1)[:, None] - 2 * X @ fit_X.T + (fit_X ** 2).sum(axis=1)[None, :], 0.0))
        nearest = np.argpartition(distances, k - 1, axis=1)[:, :k]
        # the expanded formula above picks the neighbours fast but loses digits near zero (an
        # exact match must get all the weight): their distances are computed again exactly
        near_distances = np.sqrt(((X[:, None, :] - fit_X[nearest]) ** 2).sum(axis=2))
        weights = self._weights(near_distances)
        if self.task is Task.REGRESSION:
            return (targets[nearest] * weights).sum(axis=1) / weights.sum(axis=1)
        n_seen = len(self.model_.classes_)
        votes = np.zeros((len(X), n_seen))
        np.add.at(votes, (np.repeat(np.arange(len(X)), k), targets[nearest].ravel()), weights.ravel())
        proba = votes / votes.sum(axis=1, keepdims=True)
        return align_proba(proba, self.seen_, self.n_classes)

    def _weights(self, distances: np.ndarray) -> np.ndarray:
        if self.model_.weights != "distance":
            return np.ones_like(distances)
        with np.errstate(divide="ignore"):
            inverse = 1.0 / distances
        exact = np.isinf(inverse)
        return np.where(exact.any(axis=1, keepdims=True), exact.astype(float), inverse)


def _space(trial, task: Task) -> dict:
    return {"n_neighbors": trial.suggest_int("n_neighbors", 3, 60, log=True),
            "weights": trial.suggest_categorical("weights", ["uniform", "distance"])}


FAMILY = Family(
    name="knn", tasks=ALL_TASKS, style="linear",
    make=lambda params, task: KNNLearner(params, task, _build),
    load=KNNLearner.loader(_build),
    portfolio=({"n_neighbors": 15, "weights": "distance"},), space=_space, max_rows=15_000,
    notes="distance-weighted neighbours on scaled features",
)
