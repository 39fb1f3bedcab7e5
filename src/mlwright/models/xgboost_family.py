"""XGBoost: depth-wise boosted trees, a different bias from LightGBM's leaf-wise growth.

The library is imported when a learner fits or loads (see ``lightgbm_family``).
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np

from mlwright._types import Task
from mlwright.models.base import ALL_TASKS, Family, FitData, binary_to_two_columns
from mlwright.models.row_latency import RoundsForLatency, one_row_ms

MODEL_FILE = "model.ubj.gz"
MAX_ROUNDS = 10_000
EARLY_STOP = 50


def _limits(data: FitData, cap: RoundsForLatency):
    """A callback that stops the boosting once ``data.deadline`` (a ``time.time()``) has passed,
    or once one more round would make one row's prediction slower than ``cap`` allows."""
    import xgboost as xgb

    row = data.X[:1]

    def one_row(model, rounds: int) -> float:
        model.set_param({"nthread": 1})  # as it will serve
        try:
            return one_row_ms(lambda: model.inplace_predict(row, iteration_range=(0, rounds)))
        finally:
            model.set_param({"nthread": data.threads})

    class Limits(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log) -> bool:
            return time.time() > data.deadline or cap.stop_after(epoch + 1, lambda n: one_row(model, n))

    return Limits()


class XGBoostLearner:
    def __init__(self, params: dict, task: Task):
        self.params, self.task = dict(params), task
        self.iterations_: int | None = None

    def fit(self, data: FitData) -> "XGBoostLearner":
        import xgboost as xgb

        params = {**self._objective(data), "tree_method": "hist", **self.params,
                  "nthread": data.threads, "seed": data.seed, "verbosity": 0}
        train = xgb.DMatrix(data.X, label=data.y, nthread=data.threads)
        evals, stop = [], None
        if data.X_valid is not None and data.iterations is None:
            evals = [(xgb.DMatrix(data.X_valid, label=data.y_valid, nthread=data.threads), "valid")]
            stop = EARLY_STOP
        cap = RoundsForLatency(data.row_ms_limit if data.iterations is None else float("inf"))
        booster = xgb.train(params, train, num_boost_round=data.iterations or MAX_ROUNDS, evals=evals,
                            early_stopping_rounds=stop, callbacks=[_limits(data, cap)], verbose_eval=False)
        best = getattr(booster, "best_iteration", None) if stop else None
        self.iterations_ = cap.kept((best + 1) if best is not None else booster.num_boosted_rounds())
        self.booster_ = booster[: self.iterations_] if self.iterations_ < booster.num_boosted_rounds() else booster
        self.booster_.set_param({"nthread": 1})
        return self

    def keep_rounds(self, rounds: int) -> None:
        """Keep the first ``rounds`` boosting rounds (see ``LightGBMLearner.keep_rounds``)."""
        rounds = max(1, min(int(rounds), self.booster_.num_boosted_rounds()))
        if rounds < self.booster_.num_boosted_rounds():
            self.booster_ = self.booster_[:rounds]
            self.booster_.set_param({"nthread": 1})
        self.iterations_ = rounds

    def predict(self, X: np.ndarray) -> np.ndarray:
        out = self.booster_.inplace_predict(X)
        return binary_to_two_columns(out) if self.task is Task.BINARY else np.asarray(out)

    def save(self, directory: Path) -> None:
        """Write the binary (UBJSON) model gzip-compressed at level 1, as ``lightgbm_family``
        writes its text: a 26-class model of 300 rounds at depth 9 takes 14.7 MB raw and 5.2 MB
        compressed (0.14 s), and the raw one would fail the size limit where it wins."""
        raw = bytes(self.booster_.save_raw(raw_format="ubj"))
        (directory / MODEL_FILE).write_bytes(gzip.compress(raw, compresslevel=1, mtime=0))

    @classmethod
    def load(cls, directory: Path, params: dict, task: Task) -> "XGBoostLearner":
        import xgboost as xgb

        learner = cls(params, task)
        compressed = directory / MODEL_FILE
        if compressed.is_file():
            learner.booster_ = xgb.Booster(model_file=bytearray(gzip.decompress(compressed.read_bytes())))
        else:  # saved before the model was compressed
            learner.booster_ = xgb.Booster(model_file=str(directory / "model.ubj"))
        learner.booster_.set_param({"nthread": 1})
        learner.iterations_ = learner.booster_.num_boosted_rounds()
        return learner

    def _objective(self, data: FitData) -> dict:
        if self.task is Task.BINARY:
            return {"objective": "binary:logistic", "eval_metric": "logloss"}
        if self.task is Task.MULTICLASS:
            return {"objective": "multi:softprob", "num_class": data.n_classes, "eval_metric": "mlogloss"}
        return {"objective": "reg:squarederror", "eval_metric": "rmse"}


def _space(trial, task: Task) -> dict:
    return {
        "eta": trial.suggest_float("eta", 0.01, 0.3, log=True),
        "max_depth": trial.suggest_int("max_depth", 3, 10),
        "min_child_weight": trial.suggest_float("min_child_weight", 0.5, 20.0, log=True),
        "subsample": trial.suggest_float("subsample", 0.5, 1.0),
        "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
        "lambda": trial.suggest_float("lambda", 1e-3, 10.0, log=True),
    }


FAMILY = Family(
    name="xgboost", tasks=ALL_TASKS, style="tree", iterative=True,
    make=lambda params, task: XGBoostLearner(params, task),
    load=XGBoostLearner.load,
    portfolio=(
        {"eta": 0.08, "max_depth": 6, "min_child_weight": 1.0, "subsample": 0.9, "colsample_bytree": 0.8},
        {"eta": 0.04, "max_depth": 8, "min_child_weight": 2.0, "subsample": 0.8, "colsample_bytree": 0.6,
         "max_bin": 512},
    ),
    space=_space,
    notes="gradient-boosted trees, depth-wise histogram splits",
)
