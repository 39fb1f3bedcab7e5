"""Tracking and the registry from the command line, as a user works: train with --register,
look at the runs, compare them, promote a version, use it by its registry URI."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sqlalchemy import create_engine

from mlwright.registry.store import open_store
from tests.conftest import make_mixed_frame, run_cli

TRAIN = ("--target", "label", "--time-limit", "60", "--max-trials", "3", "--families", "lightgbm,linear", "--folds", "3")
LIGHT = ("--target", "label", "--time-limit", "60", "--max-trials", "2", "--families", "linear", "--folds", "3")


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """Two runs of one model name in a store of its own: the second registered as the first's child."""
    folder = tmp_path_factory.mktemp("project")
    make_mixed_frame(300, seed=1).to_csv(folder / "train.csv", index=False)
    make_mixed_frame(40, seed=2).drop(columns="label").to_csv(folder / "new.csv", index=False)
    store = f"sqlite:///{folder / 'store.db'}"
    first = run_cli("train", "train.csv", *TRAIN, "--out", "run1", "--register", "churn", "--store", store, cwd=folder)
    second = run_cli("train", "train.csv", *TRAIN, "--seed", "7", "--out", "run2", "--register", "churn",
                     "--parent", "models:/churn/1", "--store", store, cwd=folder)
    return folder, store, first, second


def test_train_records_the_run_and_registers_the_model(project):
    folder, store, first, second = project
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert "Registered as models:/churn/1" in first.stdout and "Registered as models:/churn/2" in second.stdout
    opened = open_store(store)
    runs = opened.runs.list()
    assert [r.status for r in runs] == ["finished", "finished"]
    newest = runs[0]
    assert newest.params["seed"] == 7 and newest.source == {"kind": "file", "path": str(folder / "train.csv")}
    assert newest.data["rows"] == 300 and newest.data["sha256"] == runs[1].data["sha256"]
    assert {c["name"] for c in newest.data["schema"]} >= {"x1", "colour", "row_id"}
    assert len(opened.runs.trials(newest.id)) == len(pd.read_csv(folder / "run2" / "leaderboard.csv"))
    assert set(newest.timings["stages"]) >= {"search", "report"} and newest.timings["total"] > 0
    assert newest.metrics["estimate"]["value"] == json.loads((folder / "run2" / "model" / "training.json")
                                                             .read_text())["estimate"]["value"]
    assert "out-of-fold" in newest.metrics["sets"]
    assert opened.models.get("churn", 2).run_id == newest.id
    assert opened.models.by_id(opened.models.get("churn", 2).parent_id).version == 1


def test_runs_list_show_and_compare(project):
    folder, store, *_ = project
    opened = open_store(store)
    older, newer = sorted(opened.runs.list(), key=lambda r: r.started_at)
    listed = run_cli("runs", "list", "--store", store, cwd=folder)
    assert listed.returncode == 0 and older.id[:8] in listed.stdout and newer.id[:8] in listed.stdout
    shown = run_cli("runs", "show", newer.id[:8], "--store", store, cwd=folder)
    assert shown.returncode == 0, shown.stderr
    for expected in ("Trials (", "Metrics on out-of-fold", "Timings", "lightgbm", "scikit-learn"):
        assert expected in shown.stdout
    as_json = json.loads(run_cli("runs", "show", newer.id, "--json", "--store", store, cwd=folder).stdout)
    assert as_json["id"] == newer.id and len(as_json["trials"]) == len(opened.runs.trials(newer.id))
    compared = run_cli("runs", "compare", older.id[:8], newer.id[:8], "--store", store, cwd=folder)
    assert compared.returncode == 0, compared.stderr
    assert "setting: seed" in compared.stdout and "estimate" in compared.stdout
    one = run_cli("runs", "compare", older.id[:8], "--store", store, cwd=folder)
    assert one.returncode == 2 and "two runs or more" in one.stderr


@pytest.fixture(scope="module")
def monthly(tmp_path_factory):
    """Three runs on one target, told apart only by their data: march.csv (registered as churn),
    april.csv, and an SQL query on an SQLite file. Returns the folder, the store and the run ids in order."""
    folder = tmp_path_factory.mktemp("monthly")
    make_mixed_frame(300, seed=1).to_csv(folder / "march.csv", index=False)
    make_mixed_frame(300, seed=2).to_csv(folder / "april.csv", index=False)
    engine = create_engine(f"sqlite:///{folder / 'crm.db'}")
    make_mixed_frame(300, seed=3).to_sql("customers", engine, index=False)
    engine.dispose()
    store = f"sqlite:///{folder / 'store.db'}"
    for index, data in enumerate([("march.csv", "--register", "churn"), ("april.csv",),
                                  ("--sql", "SELECT * FROM customers WHERE row_id < 250", "--db", "sqlite:///crm.db")]):
        done = run_cli("train", *data, *LIGHT, "--out", f"run{index}", "--store", store, cwd=folder)
        assert done.returncode == 0, done.stderr
    ids = [r.id[:8] for r in sorted(open_store(store).runs.list(), key=lambda r: r.started_at)]
    return folder, store, ids


def test_runs_list_names_the_data_and_the_model_and_filters_on_them(monthly, monkeypatch):
    folder, store, (march, april, query) = monthly
    monkeypatch.setenv("COLUMNS", "100")

    def listed(*filters) -> dict[str, str]:
        done = run_cli("runs", "list", *filters, "--store", store, cwd=folder)
        assert done.returncode == 0, done.stderr
        assert max(len(line) for line in done.stdout.splitlines()) <= 100
        return {line.split()[0]: line for line in done.stdout.splitlines() if line[:8] in (march, april, query)}

    every = listed()
    assert set(every) == {march, april, query}
    assert "march.csv" in every[march] and "churn/1" in every[march]
    assert "april.csv" in every[april] and "churn/" not in every[april]
    assert " customers " in every[query]
    assert set(listed("--model", "churn")) == {march}
    assert set(listed("--data", "APRIL")) == {april} and set(listed("--data", ".csv")) == {march, april}
    assert set(listed("--data", "customers", "--target", "label", "--status", "finished")) == {query}
    assert set(listed("--data", ".csv", "--limit", "1")) == {april}  # the newest matching run
    none = run_cli("runs", "list", "--data", "may.csv", "--store", store, cwd=folder)
    assert none.returncode == 0 and "No runs match" in none.stdout
    bad = run_cli("runs", "list", "--status", "done", "--store", store, cwd=folder)
    assert bad.returncode == 2 and "'done' is not a run status" in bad.stderr
    assert "running, finished, failed" in bad.stderr
    unknown = run_cli("runs", "list", "--model", "chrun", "--store", store, cwd=folder)
    assert unknown.returncode == 2 and "did you mean 'churn'" in unknown.stderr


def test_runs_list_in_an_80_column_terminal_keeps_whole_names(monthly, monkeypatch):
    folder, store, _ = monthly
    monkeypatch.setenv("COLUMNS", "80")
    done = run_cli("runs", "list", "--store", store, cwd=folder)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    header = next(line for line in lines if line.startswith("run "))
    assert header.split()[-2:] == ["estimate", "trials"]  # the commit gives way, the numbers never do
    for name in ("march.csv", "april.csv", "customers", "churn/1", "roc_auc"):
        assert name in done.stdout, name  # a long name wraps, it is not cut


def test_promote_then_use_the_production_model(project):
    folder, store, *_ = project
    promoted = run_cli("models", "promote", "churn", "1", "--stage", "production", "--reason", "first one",
                       "--by", "ann", "--store", store, cwd=folder)
    assert promoted.returncode == 0 and "none → production" in promoted.stdout
    again = run_cli("models", "promote", "churn", "2", "--stage", "production", "-m", "higher AUC", "--store", store,
                    cwd=folder)
    assert "models:/churn/1: production → archived" in again.stdout
    listed = run_cli("models", "list", "--store", store, cwd=folder)
    assert "churn" in listed.stdout
    shown = run_cli("models", "show", "churn", "production", "--json", "--store", store, cwd=folder)
    lineage = json.loads(shown.stdout)
    assert lineage["model"] == "models:/churn/2" and lineage["parents"] == ["models:/churn/1"]
    assert lineage["report"].endswith("report.html") and lineage["run"]["data"]["rows"] == 300
    shown = run_cli("models", "show", "churn", "1", "--store", store, cwd=folder)
    assert shown.returncode == 0 and "Stage history" in shown.stdout
    history = json.loads(run_cli("models", "show", "churn", "1", "--json", "--store", store, cwd=folder).stdout)["history"]
    assert [(h["to_stage"], h["changed_by"], h["reason"]) for h in history] == [
        ("production", "ann", "first one"), ("archived", history[1]["changed_by"], "replaced in production by version 2")]
    explained = run_cli("explain", "models:/churn/production", "new.csv", "--top", "2", "--store", store, cwd=folder)
    assert explained.returncode == 0, explained.stderr
    exported = run_cli("export", "models:/churn/production", "-o", "exported", "--store", store, cwd=folder)
    assert exported.returncode == 0, exported.stderr
    assert (folder / "exported" / "MLmodel").exists()
    missing = run_cli("explain", "models:/churn/staging", "new.csv", "--store", store, cwd=folder)
    assert missing.returncode == 2 and "has no version 'staging'" in missing.stderr


def test_train_from_a_postgresql_query(postgres_url, tmp_path):
    frame = make_mixed_frame(300, seed=3)
    engine = create_engine(postgres_url)
    frame.to_sql("customers", engine, index=False)
    engine.dispose()
    store = f"sqlite:///{tmp_path / 'store.db'}"
    done = run_cli("train", "--sql", "SELECT * FROM customers WHERE row_id < 250", "--db", postgres_url, *TRAIN,
                   "--out", "run", "--store", store, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    run = open_store(store).runs.list()[0]
    assert run.source["kind"] == "sql" and "row_id < 250" in run.source["query"]
    assert run.data["rows"] == 250
