"""The record of an unsupervised run: the store's run, the run folder (a scratch one when only
``--register`` needs it), and the registered version; what ``cluster`` and ``find_anomalies`` share."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mlwright.errors import ConfigError


@dataclass
class RunSlot:
    run_dir: Path | None
    recorder: Any  # registry.recording.RunRecorder, or None when nothing is recorded
    register: str | None

    def finish(self, model, raw: pd.DataFrame, *, task: str, metric: str, started: float) -> None:
        """Record the run's data and figures, and register the folder when asked."""
        from mlwright.data.prepare import fingerprint

        if self.recorder is None:
            return
        self.recorder.describe_data(task=task, metric=metric, findings=model.info["findings"],
                                    data={**fingerprint(raw), "schema": model.schema.to_list()})
        self.recorder.finish(model, timings={"total": round(time.time() - started, 3)}, run_dir=self.run_dir)
        model.info["run_id"] = self.recorder.run_id
        if self.register:
            model.info["registered"] = self.recorder.register(self.register, self.run_dir, parent=None,
                                                              description=None).uri


def check_register(register: str | None, store) -> None:
    """A bad name fails before any work, not after it."""
    if register is None:
        return
    from mlwright.registry.versions import check_name

    if store is False:
        raise ConfigError("register needs the store.", where="register", fix="leave store at its default or name one.")
    check_name(register)


@contextmanager
def recorded_run(store, data, out, register: str | None, params: dict) -> Iterator[RunSlot]:
    """The run's slot; a failure inside is recorded as the run's error, the scratch folder removed."""
    from mlwright.data.readers import describe_source

    scratch = Path(tempfile.mkdtemp(prefix="mlwright-run-")) if register and out is None else None
    run_dir = Path(out) if out is not None else scratch
    recorder = None
    if store is not False:
        from mlwright.registry.recording import RunRecorder

        recorder = RunRecorder.open(store, target=None, params=params, source=describe_source(data), run_dir=run_dir)
    try:
        yield RunSlot(run_dir, recorder, register)
    except BaseException as exc:
        if recorder is not None:
            recorder.fail(exc)
        raise
    finally:
        if recorder is not None:
            recorder.close()
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
