"""Where a run lives while it runs: its record in the store, its folder (a scratch one when only
``register`` needs one), and the registration of the result. What ``train``, ``cluster`` and
``find_anomalies`` share, so that every kind of run is recorded, failed and cleaned up alike."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlwright.errors import ConfigError


@dataclass
class RunSlot:
    run_dir: Path | None
    recorder: Any  # registry.recording.RunRecorder, or None when nothing is recorded
    register: str | None

    def registered(self, model, *, parent: str | None = None, description: str | None = None) -> None:
        """Register the run's folder as the next version of ``register``, when asked; its URI
        goes to ``model.info['registered']``."""
        if self.recorder is not None and self.register:
            version = self.recorder.register(self.register, self.run_dir, parent=parent, description=description)
            model.info["registered"] = version.uri


def check_register(register: str | None, store) -> None:
    """A bad name fails before any work, not after it."""
    if register is None:
        return
    from mlwright.registry.versions import check_name

    if store is False:
        raise ConfigError("register needs the store.", where="register", fix="leave store at its default or name one.")
    check_name(register)


@contextmanager
def recorded_run(store, data, out, register: str | None, params: dict, *, target: str | None = None,
                 resumed_from: str | None = None) -> Iterator[RunSlot]:
    """The run's slot; a failure inside is recorded as the run's error, the scratch folder removed."""
    from mlwright.data.readers import describe_source
    from mlwright.registry.recording import RunRecorder

    scratch = Path(tempfile.mkdtemp(prefix="mlwright-run-")) if register and out is None else None
    run_dir = Path(out) if out is not None else scratch
    recorder = RunRecorder.open(store, target=target, params=params, source=describe_source(data), run_dir=run_dir,
                                resumed_from=resumed_from)  # None when store is False
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
