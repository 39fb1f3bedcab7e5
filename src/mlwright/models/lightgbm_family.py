"""LightGBM: the workhorse. Native categorical splits, early stopping, saved as its text model (gzip).

The library is imported when a learner fits, not with this module: declaring the family costs
nothing to a command that never uses it. A loaded model scores through LightGBM's C API
(``lightgbm_native``) and imports the Python package only for what else is asked of it.
"""

from __future__ import annotations

import gzip
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mlwright._types import Task
from mlwright.models.base import ALL_TASKS, Family, FitData, binary_to_two_columns
from mlwright.models.lightgbm_native import NativeBooster
from mlwright.models.row_latency import RoundsForLatency, one_row_ms

if TYPE_CHECKING:
    import lightgbm as lgb

MAX_ROUNDS = 10_000
MODEL_FILE = "model.txt.gz"
EARLY_STOP = 50


class LightGBMLearner:
    def __init__(self, params: dict, task: Task):
        self.params, self.task = dict(params), task
        self.iterations_: int | None = None
        self._booster: lgb.Booster | None = None
        self._native: NativeBooster | None = None
        self._model_text: str | None = None

    @property
    def booster_(self) -> "lgb.Booster":
        """The ``lightgbm.Booster``: the fitted one, or for a loaded model one built from its text
        when first asked for (explanations, ONNX export)."""
        if self._booster is None:
            if self._model_text is None:
                raise AttributeError("booster_: the learner is not fitted")
            import lightgbm as lgb

            self._booster = lgb.Booster(model_str=self._model_text)
        return self._booster

    @booster_.setter
    def booster_(self, booster: "lgb.Booster") -> None:
        self._booster, self._native, self._model_text = booster, None, None

    def fit(self, data: FitData) -> "LightGBMLearner":
        import lightgbm as lgb

        train = lgb.Dataset(data.X, data.y, categorical_feature=list(data.categorical) or "auto")
        valid = None
        if data.X_valid is not None and data.iterations is None:
            valid = lgb.Dataset(data.X_valid, data.y_valid, reference=train)
        return self.fit_dataset(train, valid, n_classes=data.n_classes, seed=data.seed, threads=data.threads,
                                deadline=data.deadline, iterations=data.iterations,
                                row_ms_limit=data.row_ms_limit, timing_row=data.X[:1])

    def fit_dataset(self, train: lgb.Dataset, valid: lgb.Dataset | None, *, n_classes: int, seed: int, threads: int,
                    deadline: float, iterations: int | None = None, row_ms_limit: float = float("inf"),
                    timing_row: np.ndarray | None = None) -> "LightGBMLearner":
        """Boost on a built ``Dataset``, which may have been streamed from a file too large to
        load (see ``mlwright.search.streamed_fit``); ``valid`` stops the boosting once it stops
        improving, unless the rounds are fixed; ``row_ms_limit`` stops it before the prediction
        of ``timing_row`` gets slower than that (``row_latency``)."""
        import lightgbm as lgb

        params = {**self._objective(n_classes), **self.params, "verbose": -1, "seed": seed, "num_threads": threads}
        fixed_rounds = params.pop("num_rounds", None)
        callbacks = [_deadline_callback(deadline)]
        valid_sets = []
        if valid is not None and iterations is None and fixed_rounds is None:
            valid_sets = [valid]
            callbacks.append(lgb.early_stopping(EARLY_STOP, verbose=False))
        free = iterations is None and fixed_rounds is None and timing_row is not None
        cap = RoundsForLatency(row_ms_limit if free else float("inf"))
        if cap.active:
            callbacks.append(_row_latency_callback(cap, timing_row))
        self.booster_ = lgb.train(params, train, num_boost_round=iterations or fixed_rounds or MAX_ROUNDS,
                                  valid_sets=valid_sets, callbacks=callbacks)
        self.iterations_ = self.booster_.best_iteration or self.booster_.current_iteration()
        self.iterations_ = cap.kept(self.iterations_)
        self.booster_.free_dataset()  # the binned rows are not needed to predict: a kept model stays small
        return self

    def keep_rounds(self, rounds: int) -> None:
        """Keep the first ``rounds`` boosting rounds (all classes' trees of each): what it
        predicts and saves from now on (``model_size`` shrinks a lone member this way)."""
        self.iterations_ = max(1, min(int(rounds), self.iterations_ or rounds))

    def predict(self, X: np.ndarray) -> np.ndarray:
        threads = 1 if len(X) < 2000 else 0
        if self._native is not None:
            out = self._native.predict(X, num_iteration=self.iterations_, num_threads=threads)
        else:
            out = self.booster_.predict(X, num_iteration=self.iterations_, num_threads=threads)
        return binary_to_two_columns(out) if self.task is Task.BINARY else out

    def save(self, directory: Path) -> None:
        """Write the text model gzip-compressed (level 1: a fifth of a second for 25 MB): the
        text's full-precision numbers take 2.4 times more room uncompressed, and a 26-class model
        of a few hundred rounds would otherwise pass the size limit alone."""
        if self._native is not None and self._booster is None and self.iterations_ == self._native.iterations:
            text = self._model_text  # loaded and saved again: the same text
        else:
            text = self.booster_.model_to_string(num_iteration=self.iterations_)
        (directory / MODEL_FILE).write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=1, mtime=0))

    @classmethod
    def load(cls, directory: Path, params: dict, task: Task) -> "LightGBMLearner":
        learner = cls(params, task)
        packed = directory / MODEL_FILE
        if packed.exists():
            learner._model_text = gzip.decompress(packed.read_bytes()).decode("utf-8")
        else:  # saved before the text was compressed
            learner._model_text = (directory / "model.txt").read_text(encoding="utf-8")
        learner._native = NativeBooster(learner._model_text)
        learner.iterations_ = learner._native.iterations
        return learner

    def _objective(self, n_classes: int) -> dict:
        if self.task is Task.BINARY:
            return {"objective": "binary"}
        if self.task is Task.MULTICLASS:
            return {"objective": "multiclass", "num_class": n_classes}
        return {"objective": "regression"}


def _deadline_callback(deadline: float):
    import lightgbm as lgb

    def check(env) -> None:
        if time.time() > deadline:
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list)
    check.order = 5  # type: ignore[attr-defined]
    return check


def _row_latency_callback(cap: RoundsForLatency, row: np.ndarray):
    """Stops the boosting once one more round would make ``row``'s prediction slower than
    ``cap`` allows (timed at one thread, as a model serves one row)."""
    import lightgbm as lgb

    def check(env) -> None:
        rounds = env.iteration + 1
        if cap.stop_after(rounds, lambda n: one_row_ms(lambda: env.model.predict(row, num_iteration=n, num_threads=1))):
            raise lgb.callback.EarlyStopException(env.iteration, env.evaluation_result_list)
    check.order = 6  # type: ignore[attr-defined]
    return check


def _space(trial, task: Task) -> dict:
    return {
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
        "num_leaves": trial.suggest_int("num_leaves", 8, 256, log=True),
        "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 2, 100, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
        "bagging_fraction": trial.suggest_float("bagging_fraction", 0.5, 1.0),
        "bagging_freq": 1,
        "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 10.0, log=True),
        "extra_trees": trial.suggest_categorical("extra_trees", [False, True]),
    }


FAMILY = Family(
    name="lightgbm", tasks=ALL_TASKS, style="tree", iterative=True,
    make=lambda params, task: LightGBMLearner(params, task),
    load=LightGBMLearner.load,
    portfolio=(
        {"learning_rate": 0.08, "num_leaves": 31, "min_data_in_leaf": 20, "feature_fraction": 0.9},
        {"learning_rate": 0.03, "num_leaves": 128, "min_data_in_leaf": 3, "feature_fraction": 0.9,
         "lambda_l2": 1.0, "max_bin": 511},
        {"learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 10, "feature_fraction": 0.6,
         "bagging_fraction": 0.8, "bagging_freq": 1, "extra_trees": True},
    ),
    space=_space,
    notes="gradient-boosted trees, histogram splits, native categories",
)
