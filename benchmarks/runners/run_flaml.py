"""Fit FLAML on one split and measure it (run by the FLAML environment's python).

FLAML is told the task, the primary metric, the budget, 2 threads and seed 0. It does not save
in ``fit``, so the fitted ``AutoML`` object is pickled afterwards, untimed, as FLAML's docs do,
and that pickle is the model size.
"""

from __future__ import annotations

import pickle

import pandas as pd
from _common import Fitted, Spec, main

TASKS = {"binary": "classification", "multiclass": "classification", "regression": "regression"}


def fit(spec: Spec, train: pd.DataFrame) -> Fitted:
    from flaml import AutoML

    automl = AutoML()
    automl.fit(
        train.drop(columns=[spec.target]), train[spec.target],
        task=TASKS[spec.task], metric=spec.metric, time_budget=spec.time_limit,
        n_jobs=spec.threads, seed=spec.seed, verbose=1,
    )
    model_dir = spec.workdir / "model"

    def save() -> None:
        model_dir.mkdir(parents=True, exist_ok=True)
        with open(model_dir / "automl.pkl", "wb") as fh:
            pickle.dump(automl, fh, protocol=pickle.HIGHEST_PROTOCOL)

    if spec.task == "regression":
        return Fitted(automl.predict, lambda raw: raw, model_dir, save,
                      notes={"best_estimator": automl.best_estimator})
    classes = list(automl.classes_)
    return Fitted(automl.predict_proba, lambda raw: pd.DataFrame(raw, columns=classes), model_dir,
                  save, notes={"best_estimator": automl.best_estimator})


def version() -> str:
    import flaml

    return flaml.__version__


if __name__ == "__main__":
    main("flaml", fit, version)
