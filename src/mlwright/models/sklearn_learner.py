"""The learner shared by scikit-learn families: fit, align probabilities, save with skops.

Saved files are loaded only if every type they hold is in ``TRUSTED_TYPES`` — never plain pickle.
skops is imported when a file is saved or loaded: importing it loads the whole of scikit-learn
(about a second), which a model without scikit-learn members never needs.
"""

from __future__ import annotations

import contextlib
import zipfile
from pathlib import Path
from typing import Any, Callable

import numpy as np

from mlwright._types import Task
from mlwright.errors import ModelFormatError
from mlwright.models.base import FitData, align_proba
from mlwright.models.blas_threads import limited_blas

#: Every type a saved scikit-learn member may contain. Anything else is refused at load.
TRUSTED_TYPES = frozenset({
    "sklearn.ensemble._forest.RandomForestClassifier", "sklearn.ensemble._forest.RandomForestRegressor",
    "sklearn.ensemble._forest.ExtraTreesClassifier", "sklearn.ensemble._forest.ExtraTreesRegressor",
    "sklearn.tree._classes.DecisionTreeClassifier", "sklearn.tree._classes.DecisionTreeRegressor",
    "sklearn.tree._classes.ExtraTreeClassifier", "sklearn.tree._classes.ExtraTreeRegressor",
    "sklearn.tree._tree.Tree",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.linear_model._ridge.Ridge", "sklearn.neighbors._classification.KNeighborsClassifier",
    "sklearn.neighbors._regression.KNeighborsRegressor", "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.metrics._dist_metrics.EuclideanDistance64", "numpy.random.mtrand.RandomState",
    "numpy.random._mt19937.MT19937", "builtins.slice", "collections.OrderedDict",
})


#: From this many rows a prediction is a batch (a fold's validation rows, a scoring job), whose
#: matrix products get the BLAS threads ``models.blas_threads`` chooses.
BATCH_ROWS = 256


class SklearnLearner:
    """Wraps an estimator factory ``build(params, task, threads, seed)``."""

    def __init__(self, params: dict, task: Task, build: Callable[..., Any]):
        self.params, self.task, self.build = dict(params), task, build
        self.iterations_: int | None = None
        #: The threads the search gave this fit; None once loaded from disk.
        self.threads_: int | None = None

    def fit(self, data: FitData) -> "SklearnLearner":
        self.threads_ = data.threads
        self.params["_n_classes"] = data.n_classes  # saved with the params, so a loaded model knows it
        self.model_ = self.build(self.params, self.task, data.threads, data.seed)
        with limited_blas(data.X.size, data.threads):
            self.model_.fit(data.X, data.y)
        self._after_fit()
        return self

    def _after_fit(self) -> None:
        if hasattr(self.model_, "n_jobs"):
            self.model_.set_params(n_jobs=1)
        if self.task.is_classification:
            self.seen_ = np.asarray(self.model_.classes_, dtype=int)

    def predict(self, X: np.ndarray) -> np.ndarray:
        with self._batch_threads(X):
            return self._predict(X)

    def _batch_threads(self, X: np.ndarray):
        """The BLAS threads of a batch scored during the search (a fold's validation rows); a
        service's few rows, and a loaded model's batches, keep the process's settings."""
        if len(X) < BATCH_ROWS or self.threads_ is None:
            return contextlib.nullcontext()
        return limited_blas(X.size, self.threads_)

    def _predict(self, X: np.ndarray) -> np.ndarray:
        if self.task is Task.REGRESSION:
            return self.model_.predict(X)
        return align_proba(self.model_.predict_proba(X), self.seen_, self.n_classes)

    @property
    def n_classes(self) -> int:
        return int(self.params["_n_classes"])

    def save(self, directory: Path) -> None:
        save_trusted(self.model_, directory / "model.skops")

    @classmethod
    def loader(cls, build: Callable[..., Any]):
        def load(directory: Path, params: dict, task: Task) -> "SklearnLearner":
            learner = cls(params, task, build)
            learner.model_ = load_trusted(directory / "model.skops")
            learner._after_fit()
            return learner
        return load


def save_trusted(estimator: Any, path: Path) -> None:
    import skops.io as sio

    sio.dump(estimator, path, compression=zipfile.ZIP_DEFLATED, compresslevel=6)


def load_trusted(path: Path) -> Any:
    """Load a skops file, refusing any type outside ``TRUSTED_TYPES``."""
    import skops.io as sio

    found = set(sio.get_untrusted_types(file=path))
    untrusted = found - TRUSTED_TYPES
    if untrusted:
        raise ModelFormatError(f"the file holds types that are not trusted: {', '.join(sorted(untrusted))}.",
                               where=str(path), fix="retrain the model with this version of mlwright.")
    return sio.load(path, trusted=sorted(found))
