"""Several processes and threads writing to one store at once lose nothing and corrupt nothing.

The trainings are real `mlwright train` processes started together against one store, on SQLite
(one file, writes serialized by the database's lock), PostgreSQL and MariaDB (row locks and
unique constraints). Each run must keep all its trials, and the registered versions must be
numbered without gap or duplicate, each loading and predicting.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from mlwright.registry.store import open_store
from mlwright.registry.tables import model_versions
from mlwright.registry.uris import load
from mlwright.registry.versions import ARCHIVED, NONE, PRODUCTION
from tests.conftest import make_mixed_frame
from tests.store_fixtures import NAME, ROWS, artifacts, trained_run  # noqa: F401 - fixtures


@dataclass
class Training:
    out: Path
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-3000:]


def train_together(count: int, url: str, folder: Path) -> list[Training]:
    """Start ``count`` CLI trainings registering to one name in one store, all before waiting for any."""
    data = folder / "data.csv"
    make_mixed_frame(ROWS, seed=7).to_csv(data, index=False)
    started = []
    for index in range(count):
        out, log = folder / f"run{index}", folder / f"run{index}.log"
        with open(log, "w") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "mlwright", "train", str(data), "--target", "label", "--out", str(out),
                 "--store", url, "--register", NAME, "--time-limit", "60", "--max-trials", "4",
                 "--families", "lightgbm,linear", "--jobs", "1"],
                stdout=handle, stderr=subprocess.STDOUT, cwd=folder)
        started.append(Training(out, process, log))
    try:
        for training in started:
            training.process.wait(timeout=400)
    finally:
        for training in started:
            if training.process.poll() is None:
                training.process.kill()
                training.process.wait()
    for training in started:
        assert training.process.returncode == 0, f"{training.out.name} failed:\n{training.output()}"
    return started


def check_store(url: str, trainings: list[Training]) -> None:
    """Every run finished with all its trials; versions 1..n, one per run; each loads and predicts."""
    count = len(trainings)
    store = open_store(url)
    try:
        runs = store.runs.list(limit=100)
        assert [r.status for r in runs] == ["finished"] * count
        by_folder = {Path(r.run_dir): r for r in runs}
        assert set(by_folder) == {t.out.resolve() for t in trainings}, "one run per process, none lost"
        counts = store.runs.trial_counts([r.id for r in runs])
        for training in trainings:
            run = by_folder[training.out.resolve()]
            board = pd.read_csv(training.out / "leaderboard.csv")
            assert counts.get(run.id) == len(board) > 0, f"{training.out.name}: the store lost trials"
            assert sorted(t["name"] for t in store.runs.trials(run.id)) == sorted(board["model"])
        # the processes really ran at the same time: every run started before every other ended
        assert max(r.started_at for r in runs) < min(r.finished_at for r in runs)

        versions = store.models.versions(NAME)
        assert [v.version for v in versions] == list(range(1, count + 1)), "no gap, no duplicate"
        assert sorted(v.run_id for v in versions) == sorted(r.id for r in runs), "one version per run"
        assert len({v.artifact_uri for v in versions}) == count
    finally:
        store.close()
    rows = make_mixed_frame(60, seed=9).drop(columns="label")
    for number in range(1, count + 1):
        predictions = load(f"models:/{NAME}/{number}", store=url).predict(rows)
        assert len(predictions) == len(rows) and set(predictions) <= {"yes", "no"}


@pytest.mark.timeout(600)
def test_two_trainings_share_one_sqlite_store(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    trainings = train_together(2, url, tmp_path)
    check_store(url, trainings)
    with sqlite3.connect(tmp_path / "store.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []


@pytest.mark.timeout(900)
def test_four_trainings_share_one_postgres_store(postgres_url, tmp_path, artifacts):
    check_store(postgres_url, train_together(4, postgres_url, tmp_path))


@pytest.mark.timeout(600)
def test_two_trainings_share_one_mariadb_store(mariadb_url, tmp_path, artifacts):
    check_store(mariadb_url, train_together(2, mariadb_url, tmp_path))


def stage_chains_are_consistent(store, versions) -> None:
    """Each version's history is an unbroken chain from ``none`` to its present stage, so every
    version that left production has the record of it."""
    for version in versions:
        stage = NONE
        for change in store.models.history(version):
            assert change.from_stage == stage, f"version {version.version}: history skips from {stage}"
            stage = change.to_stage
        assert stage == version.stage, f"version {version.version}: history ends in {stage}, not {version.stage}"


@pytest.mark.timeout(300)
def test_concurrent_promotions_leave_one_production_version(database_url, artifacts, trained_run):
    contenders = 6
    store = open_store(database_url)
    try:
        for _ in range(contenders + 1):
            store.models.register(NAME, trained_run)
        store.models.promote(NAME, 1, PRODUCTION)  # something to replace
    finally:
        store.close()

    barrier, failures, promoted = threading.Barrier(contenders), [], []

    def promote(number: int) -> None:
        own = open_store(database_url)
        try:
            barrier.wait(timeout=60)
            promoted.append(own.models.promote(NAME, number, PRODUCTION, reason=f"thread {number}"))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            failures.append(f"version {number}: {type(exc).__name__}: {exc}")
        finally:
            own.close()

    threads = [threading.Thread(target=promote, args=(n,)) for n in range(2, contenders + 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=240)
    assert not any(t.is_alive() for t in threads), "a promotion hung"
    assert failures == [], "every promotion succeeds, waiting its turn"
    assert sorted(v.version for v in promoted) == list(range(2, contenders + 2))
    assert all(v.stage == PRODUCTION for v in promoted)

    store = open_store(database_url)
    try:
        versions = store.models.versions(NAME)
        in_production = [v.version for v in versions if v.stage == PRODUCTION]
        assert len(in_production) == 1
        assert store.models.get(NAME, PRODUCTION).version == in_production[0]
        assert {v.stage for v in versions if v.version not in in_production} == {ARCHIVED}
        with store.engine.connect() as connection:
            slots = connection.execute(select(model_versions.c.version)
                                       .where(model_versions.c.production_slot.is_not(None))).scalars().all()
            assert slots == in_production, "the unique production slot agrees with the stage"
        stage_chains_are_consistent(store, versions)
        changes = [c for v in versions for c in store.models.history(v)]
        into = sum(c.to_stage == PRODUCTION for c in changes)
        out_of = sum(c.from_stage == PRODUCTION for c in changes)
        assert into == contenders + 1 and out_of == contenders, "each promotion replaced the one before it"
    finally:
        store.close()

