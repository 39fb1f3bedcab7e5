"""Random forests and extra trees: averaged deep trees, robust defaults, good ensemble partners.

scikit-learn grows, saves (skops, trusted types only) and scores them in batches; a few rows
go through ``PackedForest``, built at load, so that one row is scored in well under a
millisecond. Tree size is bounded (leaves per tree, fewer with many classes) to keep models small.
The estimator classes are named, and looked up in ``sklearn.ensemble`` when a learner fits or loads.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from mlwright._types import Task
from mlwright.models.base import ALL_TASKS, Family, FitData, align_proba
from mlwright.models.packed_forest import PackedForest
from mlwright.models.sklearn_learner import load_trusted, save_trusted

TREES = 100
TREE_CHUNK = 40
#: Up to this many rows are scored by the packed arrays; more go through scikit-learn's batch path.
PACKED_ROWS = 64
#: Leaves per tree times classes: bounds the model's size (a few MB) whatever the data.
LEAF_BUDGET = 2048
#: Leaves per tree at most, one or two outputs. 2,048 measured better than 1,024 for a forest
#: alone on each of five tables of 15,000-30,000 rows (a noiseless function: RMSE 0.058 -> 0.044),
#: but lost in the 60 s search: the trials take up to twice as long, fewer others run, and the
#: bigger forests pass the latency limit (run 20261207-125746-b60, 12 of 18 tables worse).
MAX_LEAVES = 1024


class ForestLearner:
    def __init__(self, params: dict, task: Task, estimator: str):
        self.params, self.task = dict(params), task
        self.estimator = estimator  # "RandomForest" or "ExtraTrees"
        self.iterations_: int | None = None

    def fit(self, data: FitData) -> "ForestLearner":
        outputs = data.n_classes if self.task.is_classification else 1
        model_cls = _estimator_class(self.estimator, self.task)
        model = model_cls(n_estimators=0, warm_start=True, n_jobs=data.threads, random_state=data.seed,
                          max_leaf_nodes=max(64, min(MAX_LEAVES, LEAF_BUDGET // max(outputs, 2) * 2)),
                          **{k: v for k, v in self.params.items() if not k.startswith("_")})
        started = time.time()
        while model.n_estimators < TREES:
            model.set_params(n_estimators=min(TREES, model.n_estimators + TREE_CHUNK))
            model.fit(data.X, data.y)
            per_chunk = (time.time() - started) / (model.n_estimators / TREE_CHUNK)
            if time.time() + per_chunk > data.deadline:
                break
        self.iterations_ = None
        self.params["_n_classes"] = data.n_classes
        self.params["_seen"] = [int(c) for c in getattr(model, "classes_", [])]
        self._adopt(model)
        return self

    def _adopt(self, model) -> None:
        model.set_params(warm_start=False)
        self.model_ = model
        self.packed_ = PackedForest.from_sklearn(model)

    def predict(self, X: np.ndarray) -> np.ndarray:
        if len(X) <= PACKED_ROWS:
            out = self.packed_.predict(X)
        elif self.task is Task.REGRESSION:
            out = self.model_.predict(X)[:, None]
        else:
            out = self.model_.predict_proba(X)
        if self.task is Task.REGRESSION:
            return out[:, 0]
        return align_proba(out, np.asarray(self.params["_seen"]), int(self.params["_n_classes"]))

    def save(self, directory: Path) -> None:
        save_trusted(self.model_, directory / "model.skops")

    @classmethod
    def loader(cls, estimator: str):
        def load(directory: Path, params: dict, task: Task) -> "ForestLearner":
            learner = cls(params, task, estimator)
            learner._adopt(load_trusted(directory / "model.skops"))
            return learner
        return load


def _estimator_class(estimator: str, task: Task):
    import sklearn.ensemble

    return getattr(sklearn.ensemble, estimator + ("Regressor" if task is Task.REGRESSION else "Classifier"))


def _space(trial, task: Task) -> dict:
    return {
        "max_features": trial.suggest_categorical("max_features", ["sqrt", "log2", 0.5, 0.8, 1.0]),
        "min_samples_leaf": trial.suggest_int("min_samples_leaf", 1, 16, log=True),
    }


def _family(name: str, estimator: str, portfolio, notes: str) -> Family:
    return Family(
        name=name, tasks=ALL_TASKS, style="tree",
        make=lambda params, task: ForestLearner(params, task, estimator),
        load=ForestLearner.loader(estimator),
        portfolio=portfolio, space=_space, max_rows=200_000, notes=notes,
    )


EXTRA_TREES = _family("extra_trees", "ExtraTrees",
                      ({"max_features": 0.8, "min_samples_leaf": 1},), "randomised trees, averaged")
RANDOM_FOREST = _family("random_forest", "RandomForest",
                        ({"max_features": "sqrt", "min_samples_leaf": 1},), "bootstrapped trees, averaged")
