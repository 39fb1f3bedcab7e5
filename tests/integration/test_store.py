"""The store's API on each of the real databases: runs, trials, versions, stages, lineage, URIs."""

from __future__ import annotations

import pytest

import mlwright
from mlwright.errors import ConfigError, StoreError
from mlwright.registry.lineage import lineage_of
from mlwright.registry.store import open_store
from mlwright.registry.uris import load, parse_model_uri
from tests.conftest import FAST, make_mixed_frame


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    """One trained run folder, registered again and again by the tests."""
    folder = tmp_path_factory.mktemp("trained") / "run"
    mlwright.train(make_mixed_frame(), "label", out=folder, store=False, **FAST)
    return folder


@pytest.fixture
def store(database_url, tmp_path):
    opened = open_store(database_url, artifacts=tmp_path / "artifacts")
    yield opened
    opened.close()


def test_a_run_keeps_its_settings_data_trials_and_metrics(store):
    run_id = store.runs.start(target="label", params={"seed": 3, "families": ["lightgbm"]},
                              source={"kind": "file", "path": "/data/x.csv"})
    store.runs.describe_data(run_id, task="binary", metric="roc_auc", data={"sha256": "ab", "rows": 10, "columns": 2},
                             findings=[{"kind": "leak", "column": "y2", "severity": "critical", "action": "dropped"}])
    for index, score in enumerate([0.8, float("nan"), None]):
        store.runs.log_trial(run_id, {"name": f"lightgbm_{index}", "family": "lightgbm", "status": "ok",
                                      "score": score, "fit_seconds": 1.5, "params": {"num_leaves": 15 + index}})
    store.runs.finish(run_id, metrics={"estimate": {"value": 0.75}}, timings={"total": 12.5})
    run = store.runs.get(run_id[:10])
    assert (run.status, run.task, run.metric, run.estimate) == ("finished", "binary", "roc_auc", 0.75)
    assert run.params == {"seed": 3, "families": ["lightgbm"]}
    assert run.findings[0]["column"] == "y2" and run.data["rows"] == 10
    assert run.environment["packages"]["mlwright"] == mlwright.__version__
    assert run.finished_at >= run.started_at and run.started_at.tzinfo is not None
    trials = store.runs.trials(run_id)
    assert [t["name"] for t in trials] == ["lightgbm_0", "lightgbm_1", "lightgbm_2"]
    assert [t["score"] for t in trials] == [0.8, None, None]  # NaN is stored as missing everywhere
    assert trials[2]["params"] == {"num_leaves": 17}


def test_a_failed_run_says_why_and_unknown_ids_are_refused(store):
    run_id = store.runs.start(target="y", params={}, source=None)
    store.runs.fail(run_id, "out of memory")
    assert (store.runs.get(run_id).status, store.runs.get(run_id).error) == ("failed", "out of memory")
    assert [r.id for r in store.runs.list(status="failed")] == [run_id]
    with pytest.raises(StoreError, match="no run 'zzzz'"):
        store.runs.get("zzzz")


def test_runs_are_found_by_their_data_and_registered_model(store, run_folder):
    def finished(source):
        run_id = store.runs.start(target="label", params={}, source=source)
        store.runs.finish(run_id, metrics={}, timings={})
        return run_id

    march = finished({"kind": "file", "path": "/data/2024/Churn_March.csv"})
    april = finished({"kind": "file", "path": "/data/2024/churn_april.csv"})
    query = finished({"kind": "sql", "query": "SELECT * FROM crm.customers_100% WHERE x = 1", "url": "sqlite:///a.db"})
    frame = finished({"kind": "DataFrame", "rows": 10})
    store.models.register("churn", run_folder, run_id=march)
    store.models.register("churn", run_folder, run_id=march)
    store.models.register("fraud", run_folder, run_id=april)

    def found(**filters):
        return {r.id for r in store.runs.list(**filters)}

    assert found(data="churn_") == {march, april} and found(data="MARCH") == {march}  # in any case
    assert found(data="CRM.Customers") == {query} and found(data="dataframe") == {frame}
    assert found(data="100%") == {query} and found(data="_100") == {query}  # % and _ are plain text
    assert found(model="churn") == {march} and found(model="fraud", data="april") == {april}
    assert found(model="churn", data="april") == set() and found(model="nobody") == set()
    newest = store.runs.list(data="churn", limit=1)  # the newest match, not the newest run
    assert [r.id in (march, april) for r in newest] == [True]
    assert store.runs.registered_as([march, april, frame]) == {march: ["churn/1", "churn/2"], april: ["fraud/1"]}
    assert {r.id: r.data_name for r in store.runs.list()} == {march: "Churn_March.csv", april: "churn_april.csv",
                                                              query: "crm.customers_100", frame: "DataFrame"}
    assert found(status=" Finished ") == {march, april, query, frame}
    with pytest.raises(ConfigError, match="'done' is not a run status.*running, finished, failed"):
        store.runs.list(status="done")


def test_versions_are_numbered_and_one_is_in_production(store, run_folder):
    first = store.models.register("churn", run_folder, description="baseline")
    second = store.models.register("churn", run_folder / "model", parent=first)  # a bare model folder works too
    assert (first.version, second.version, first.stage) == (1, 2, "none")
    assert set(first.artifact_files) >= {"model/manifest.json", "report.html", "MODEL_CARD.md"}
    assert set(second.artifact_files) == {f"model/{n}" for n in
                                          (p.relative_to(run_folder / "model").as_posix()
                                           for p in (run_folder / "model").rglob("*") if p.is_file())}
    store.models.promote("churn", 1, "production", by="ann", reason="first")
    store.models.promote("churn", 2, "staging", by="bob")
    store.models.promote("churn", 2, "production", by="bob", reason="better on March data")
    stages = {v.version: v.stage for v in store.models.versions("churn")}
    assert stages == {1: "archived", 2: "production"}
    assert store.models.get("churn", "production").version == 2
    history = store.models.history(store.models.get("churn", 1))
    assert [(h.from_stage, h.to_stage, h.changed_by) for h in history] == [("none", "production", "ann"),
                                                                           ("production", "archived", "bob")]
    assert "version 2" in history[-1].reason
    assert store.models.names()[0] == {**store.models.names()[0], "name": "churn", "latest": 2, "production": 2}


def test_lineage_leads_back_to_the_run_data_report_and_parent(store, run_folder):
    run_id = store.runs.start(target="label", params={}, source={"kind": "file", "path": "train.csv"})
    store.runs.describe_data(run_id, task="binary", metric="roc_auc", data={"sha256": "f00d", "rows": 400,
                                                                            "columns": 9}, findings=[])
    store.runs.finish(run_id, metrics={}, timings={})
    parent = store.models.register("fraud", run_folder)
    child = store.models.register("fraud", run_folder, run_id=run_id, parent=parent)
    lineage = lineage_of(store, child)
    assert lineage.run.id == run_id and lineage.data_fingerprint["sha256"] == "f00d"
    assert lineage.report.name == "report.html" and lineage.report.exists()
    assert [v.uri for v in lineage.ancestors] == ["models:/fraud/1"]
    assert [v.uri for v in lineage_of(store, parent).children] == ["models:/fraud/2"]
    assert lineage.as_dict()["run"]["source"] == {"kind": "file", "path": "train.csv"}


def test_models_uris_load_through_the_registry(store, run_folder, database_url):
    store.models.register("churn", run_folder)
    store.models.promote("churn", 1, "production")
    frame = make_mixed_frame(30, seed=5)
    expected = mlwright.load(run_folder).predict_proba(frame)
    for uri in ("models:/churn/production", "models:/churn/1", "models:/churn/latest", "models:/churn"):
        assert load(uri, store=database_url).predict_proba(frame).equals(expected)


@pytest.mark.parametrize("uri, fix", [("models:/chrun/1", "did you mean 'churn'"),
                                      ("models:/churn/7", "has no version '7'"),
                                      ("models:/churn/staging", "has no version 'staging'"),
                                      ("models:/churn/best", "neither a version number nor a stage")])
def test_a_wrong_reference_says_what_exists(store, run_folder, sqlite_url, uri, fix):
    store.models.register("churn", run_folder)
    with pytest.raises(StoreError, match=fix):
        store.models.get(*parse_model_uri(uri))


def test_names_and_stages_are_checked(store, run_folder, tmp_path):
    for bad in ("", "has space", "../escape", "x" * 201):
        with pytest.raises(StoreError, match="not a valid model name"):
            store.models.register(bad, run_folder)
    with pytest.raises(StoreError, match="no mlwright model here"):
        store.models.register("churn", tmp_path)
    store.models.register("churn", run_folder)
    with pytest.raises(StoreError, match="'live' is not a stage"):
        store.models.promote("churn", 1, "live")
    assert parse_model_uri("models:/churn") == ("churn", "latest")
