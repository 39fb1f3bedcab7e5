"""The end of an unsupervised run's record: its data and figures, and the registered version;
what ``cluster`` and ``find_anomalies`` share. The run's slot itself is ``registry.run_slot``'s,
as ``train``'s is."""

from __future__ import annotations

import time

import pandas as pd

from mlwright.registry.run_slot import RunSlot


def finish_run(run: RunSlot, model, raw: pd.DataFrame, *, task: str, metric: str, started: float) -> None:
    """Record the run's data and figures, and register the folder when asked."""
    from mlwright.data.prepare import fingerprint

    if run.recorder is None:
        return
    run.recorder.describe_data(task=task, metric=metric, findings=model.info["findings"],
                               data={**fingerprint(raw), "schema": model.schema.to_list()})
    run.recorder.finish(model, timings={"total": round(time.time() - started, 3)}, run_dir=run.run_dir)
    model.info["run_id"] = run.recorder.run_id
    run.registered(model)
