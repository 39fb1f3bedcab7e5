"""Fit mlwright on one split and measure it (run by mlwright's python; see run.py).

mlwright gets what the peers get: the raw training frame, the budget, seed 0, 2 threads, and the
task and metric when its ``train`` accepts them (peers are told both). ``train`` saves to ``out``
during the call, so saving is part of the fit time. The model size is the saved model folder
(``out/model``, what ``mlwright.load`` reads); the whole ``out`` folder, which also holds the
resumable checkpoint of finished trials, is recorded as ``out_dir_size_mb``.
"""

from __future__ import annotations

import inspect

import pandas as pd
from _common import Fitted, Spec, dir_size_mb, main


def fit(spec: Spec, train: pd.DataFrame) -> Fitted:
    import mlwright

    out = spec.workdir / "model"
    accepted = inspect.signature(mlwright.train).parameters
    optional = {"task": spec.task, "metric": spec.metric, "progress": False}
    kwargs = {k: v for k, v in optional.items() if k in accepted}
    model = mlwright.train(train, target=spec.target, time_limit=spec.time_limit, seed=spec.seed,
                           n_jobs=spec.threads, out=str(out), **kwargs)
    saved = out / "model" if (out / "model").is_dir() else out
    notes = {"told": sorted(k for k in kwargs if k != "progress"),
             "info": {k: v for k, v in getattr(model, "info", {}).items()
                      if isinstance(v, (str, int, float, bool))}}

    def finish() -> None:
        # A train() that did not write ``out`` is still measured, on a model it is asked to save.
        if not out.is_dir() or not any(out.iterdir()):
            model.save(out)
        notes["out_dir_size_mb"] = dir_size_mb(out)

    if spec.task == "regression":
        return Fitted(model.predict, lambda raw: raw, saved, finish, notes)
    return Fitted(model.predict_proba, lambda raw: raw, saved, finish, notes)


def version() -> str:
    import mlwright

    return getattr(mlwright, "__version__", "unknown")


if __name__ == "__main__":
    main("mlwright", fit, version)
