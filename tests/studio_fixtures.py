"""A studio started as a user starts it (`python -m mlwright ui`) over a store holding two
registered runs of the Titanic example, on a free loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import FAST, FIXTURES
from tests.serve_fixtures import free_port, wait_until_healthy


@dataclass
class RunningStudio:
    process: subprocess.Popen
    url: str
    log: Path
    store: str
    folder: Path
    run_ids: list[str]

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def filled_store(folder: Path) -> tuple[str, list[str]]:
    """Two runs of the Titanic example with different settings, both registered as ``titanic``."""
    import pandas as pd

    import mlwright

    store = f"sqlite:///{folder / 'store.db'}"
    titanic = pd.read_csv(FIXTURES / "titanic.csv.gz")
    ids = []
    for seed, trials in ((0, 2), (5, 3)):
        model = mlwright.train(titanic, "survived", store=store, out=folder / f"run-{seed}", register="titanic",
                               **{**FAST, "families": ("lightgbm", "linear"), "max_trials": trials, "seed": seed})
        ids.append(model.info["run_id"])
    return store, ids


def start_studio(folder: Path, store: str, run_ids: list[str], *extra: str,
                 env: dict[str, str] | None = None) -> RunningStudio:
    port = free_port()
    log = folder / "studio.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "mlwright", "ui", "--port", str(port), "--store", store,
                                    "--workspace", str(folder / "workspace"), *extra],
                                   cwd=folder, env={**os.environ, "MLWRIGHT_API_KEYS": "", **(env or {})},
                                   stdout=output, stderr=subprocess.STDOUT)
    studio = RunningStudio(process, f"http://127.0.0.1:{port}", log, store, folder, run_ids)
    wait_until_healthy(studio, "the studio")
    return studio
