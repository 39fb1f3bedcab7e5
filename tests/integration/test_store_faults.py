"""The store under faults: a training killed mid-search, registered files altered on disk, a
store written by an older or a newer mlwright, tables that drift from their migrations."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, create_engine, inspect, select, text

from mlwright.data.databases import open_engine
from mlwright.errors import StoreError
from mlwright.registry import migrate
from mlwright.registry.runs import FAILED, FINISHED, RunLog
from mlwright.registry.store import open_store
from mlwright.registry.tables import metadata, model_versions, runs
from mlwright.registry.uris import load
from tests.conftest import make_mixed_frame, run_cli
from tests.store_fixtures import NAME, ROWS, artifacts, trained_run  # noqa: F401 - fixtures


def poll(condition, *, seconds: float, what: str, process: subprocess.Popen | None = None):
    """``condition()``'s first truthy value, checked until a deadline (or until ``process`` exits)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if process is not None and process.poll() is not None:
            pytest.fail(f"the process ended (exit {process.returncode}) before {what}")
        time.sleep(0.2)
    pytest.fail(f"waited {seconds:g} s for {what}")


# --- a training killed in the middle ------------------------------------------------------------------


def kill_mid_search(url: str, folder: Path) -> tuple[str, Path]:
    """Start a long CLI training, SIGKILL it once the store holds one of its trials; its run id and folder."""
    data, out = folder / "data.csv", folder / "run"
    make_mixed_frame(ROWS, seed=3).to_csv(data, index=False)
    store = open_store(url)  # created here, so that polling never races its creation
    try:
        with open(folder / "killed.log", "w") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "mlwright", "train", str(data), "--target", "label", "--out", str(out),
                 "--store", url, "--register", NAME, "--time-limit", "60", "--max-trials", "200",
                 "--families", "lightgbm,linear", "--jobs", "1"],
                stdout=log, stderr=subprocess.STDOUT, cwd=folder)
        try:
            def run_with_a_trial() -> str | None:
                running = [r.id for r in store.runs.list(status="running")]
                counts = store.runs.trial_counts(running)
                return next((run_id for run_id in running if counts.get(run_id, 0) >= 1), None)

            run_id = poll(run_with_a_trial, seconds=240, what="the first trial was recorded", process=process)
            assert process.poll() is None, "the search must still be running when it is killed"
            os.kill(process.pid, signal.SIGKILL)
            assert process.wait(timeout=30) == -signal.SIGKILL
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
    finally:
        store.close()
    return run_id, out


@pytest.mark.timeout(600)
@pytest.mark.parametrize("backend", ["sqlite_url", "postgres_url"])
def test_a_killed_training_is_failed_unregistered_and_resumable(backend, request, tmp_path, artifacts):
    url = request.getfixturevalue(backend)
    killed, out = kill_mid_search(url, tmp_path)

    raw = create_engine(url)  # the row as the killed process left it, before anyone reconciles
    with raw.connect() as connection:
        assert connection.execute(select(runs.c.status).where(runs.c.id == killed)).scalar() == "running"
    raw.dispose()

    store = open_store(url)
    try:
        run = store.runs.get(killed)
        assert run.status == FAILED
        assert "killed" in run.error and f"--resume {out.resolve()}" in run.error
        assert store.models.names() == [], "nothing registered for a run that never finished"
        with store.engine.connect() as connection:
            assert connection.execute(select(model_versions.c.id)
                                      .where(model_versions.c.run_id == killed)).first() is None
        assert not list((store.artifacts.root / "models").glob("**/*")), "no artifact folder was left behind"
    finally:
        store.close()

    done = len((out / "checkpoint" / "trials.jsonl").read_text().splitlines())
    result = run_cli("train", "--resume", str(out), "--store", url, "--register", NAME,
                     "--max-trials", str(done + 1), "--time-limit", "60", "--jobs", "1", cwd=tmp_path, timeout=400)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]

    store = open_store(url)
    try:
        version = store.models.get(NAME, "latest")
        assert version.version == 1
        resumed = store.runs.get(version.run_id)
        assert resumed.status == FINISHED and resumed.resumed_from == killed
        assert store.runs.get(killed).status == FAILED, "the killed run stays failed"
    finally:
        store.close()
    predictions = load(f"models:/{NAME}/1", store=url).predict(make_mixed_frame(30, seed=4).drop(columns="label"))
    assert set(predictions) <= {"yes", "no"}


# --- registered files altered on disk -----------------------------------------------------------------


def change_a_byte(folder: Path) -> Path:
    member = next(p for p in sorted((folder / "model" / "members").rglob("*")) if p.is_file())
    content = bytearray(member.read_bytes())
    content[len(content) // 2] ^= 0xFF
    member.write_bytes(bytes(content))
    return member.relative_to(folder)


def delete_the_report(folder: Path) -> Path:
    (folder / "report.html").unlink()
    return Path("report.html")


def add_a_stray_file(folder: Path) -> Path:
    (folder / "model" / "stray.pkl").write_bytes(b"\x80\x04N.")
    return Path("model/stray.pkl")


#: How the registered folder is altered, by the word the refusal uses for it; each returns the file.
ALTERATIONS = {"changed": change_a_byte, "missing": delete_the_report, "added": add_a_stray_file}


@pytest.mark.timeout(300)
def test_altered_registered_files_are_refused(tmp_path, trained_run):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = open_store(url)
    try:
        versions = {kind: store.models.register(NAME, trained_run) for kind in [*ALTERATIONS, "untouched"]}
        folders = {kind: store.artifacts.local_path(v.artifact_uri) for kind, v in versions.items()}
    finally:
        store.close()
    named = {kind: alter(folders[kind]).as_posix() for kind, alter in ALTERATIONS.items()}
    rows = make_mixed_frame(30, seed=4).drop(columns="label")
    data = tmp_path / "rows.csv"
    rows.to_csv(data, index=False)

    assert len(load(versions["untouched"].uri, store=url).predict(rows)) == len(rows), "the control loads"
    for kind, file in named.items():
        with pytest.raises(StoreError, match=re.escape(f"{kind}: {file}")) as refused:
            load(versions[kind].uri, store=url)
        assert "refusing to load" in str(refused.value)

    # the command line, started together; MLWRIGHT_STORE names the session's store, so the
    # refusal shows that --store was the one read
    commands = {kind: subprocess.Popen([sys.executable, "-m", "mlwright", "predict", versions[kind].uri, str(data),
                                        "-o", str(tmp_path / f"{kind}.csv"), "--store", url],
                                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
                for kind in named}
    for kind, process in commands.items():
        _, stderr = process.communicate(timeout=240)
        assert process.returncode == 2, stderr
        lines = stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), stderr
        assert f"{kind}: {named[kind]}" in lines[0] and "refusing to load" in lines[0]
        assert not (tmp_path / f"{kind}.csv").exists(), "nothing scored with an altered model"


# --- stores written by other versions of mlwright -------------------------------------------------------


@pytest.mark.timeout(180)
def test_an_older_store_is_upgraded_in_place(database_url, artifacts, trained_run):
    assert migrate.head_revision() != "0001", "there is something to upgrade"
    engine = open_engine(database_url, serialize_sqlite_writes=True)
    try:
        migrate.upgrade(engine, where="old store", revision="0001")
        assert migrate.current_revision(engine) == "0001"
        assert "model_versions" not in inspect(engine).get_table_names()
        run_id = RunLog(engine).start(target="label", params={"max_trials": 4}, source={"kind": "file"})
    finally:
        engine.dispose()

    store = open_store(database_url)
    try:
        assert migrate.current_revision(store.engine) == migrate.head_revision()
        run = store.runs.get(run_id)
        assert run.target == "label" and run.params == {"max_trials": 4}
        version = store.models.register(NAME, trained_run, run_id=run_id)
        assert (version.version, version.run_id) == (1, run_id)
        assert store.models.get(NAME, "latest").id == version.id
    finally:
        store.close()


def test_a_store_from_a_newer_mlwright_is_refused(database_url, artifacts):
    open_store(database_url).close()
    engine = open_engine(database_url, serialize_sqlite_writes=True)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num='9999'"))
        with pytest.raises(StoreError, match="written by a newer mlwright") as refused:
            open_store(database_url)
        assert "9999" in str(refused.value) and refused.value.fix
        assert migrate.current_revision(engine) == "9999", "a refused store is left as it was"
    finally:
        engine.dispose()


# --- the tables the code queries are the tables the migrations create ------------------------------------


def test_the_tables_agree_with_the_migrations(database_url):
    engine = open_engine(database_url, serialize_sqlite_writes=True)
    try:
        migrate.upgrade(engine, where="new store")
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                                   "compare_server_default": True})
            assert compare_metadata(context, metadata) == []

            # the comparison has teeth on this backend: a column the migrations lack is found
            drifted = MetaData()
            for table in metadata.sorted_tables:
                table.to_metadata(drifted)
            drifted.tables["runs"].append_column(Column("extra", Integer))
            found = compare_metadata(context, drifted)
            assert [(d[0], d[2], d[3].name) for d in found] == [("add_column", "runs", "extra")]
    finally:
        engine.dispose()
