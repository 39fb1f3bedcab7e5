"""Fit AutoGluon on one split and measure it (run by the AutoGluon environment's python).

AutoGluon is told the problem type, the primary metric, the budget and 2 CPUs; the preset comes
from the spec (``medium_quality`` by default, ``best_quality`` for the ``autogluon_best``
system). It saves its models under ``path`` during ``fit``, so saving is part of the fit time.
After fit, untimed, ``persist()`` loads the models into memory, as AutoGluon's docs advise for
online inference; without it every prediction reloads models from disk.
"""

from __future__ import annotations

import pandas as pd
from _common import Fitted, Spec, main

METRICS = {"roc_auc": "roc_auc", "log_loss": "log_loss", "rmse": "root_mean_squared_error"}


def fit(spec: Spec, train: pd.DataFrame) -> Fitted:
    from autogluon.tabular import TabularPredictor

    model_dir = spec.workdir / "model"
    predictor = TabularPredictor(
        label=spec.target, problem_type=spec.task, eval_metric=METRICS[spec.metric],
        path=str(model_dir), verbosity=1,
    ).fit(
        train, time_limit=spec.time_limit, presets=spec.options.get("presets", "medium_quality"),
        num_cpus=spec.threads, num_gpus=0,
    )

    def finish() -> None:
        predictor.persist()

    notes = {"presets": spec.options.get("presets", "medium_quality"),
             "best_model": predictor.model_best, "models_trained": len(predictor.model_names())}
    if spec.task == "regression":
        return Fitted(predictor.predict, lambda raw: raw.to_numpy(), model_dir, finish, notes)
    return Fitted(predictor.predict_proba, lambda raw: raw, model_dir, finish, notes)


def version() -> str:
    from autogluon.tabular import __version__

    return __version__


if __name__ == "__main__":
    main("autogluon", fit, version)
