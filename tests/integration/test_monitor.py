"""`mlwright monitor` as a user runs it: exit codes for cron, the checks kept as a time series in
the store, the drift page, SQL and logged predictions as current data, and clear refusals."""

from __future__ import annotations

import json
import time

import httpx
import pandas as pd
import pytest

import mlwright
from mlwright.data.sql import SqlQuery
from mlwright.errors import ConfigError, ModelFormatError, SchemaError
from mlwright.monitor.check import check_drift
from tests.conftest import FAST, make_mixed_frame, run_cli
from tests.databases import postgres_url  # noqa: F401 (fixture)
from tests.serve_fixtures import start_service

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def registered(tmp_path_factory):
    """A model registered as credit/1 in a store of its own, and current files beside it."""
    folder = tmp_path_factory.mktemp("monitor")
    url = f"sqlite:///{folder / 'store.db'}"
    # no latency limit: on a busy machine a lone booster over it is cut to its first rounds, and its
    # predictions then drift from the out-of-fold ones the reference holds, on unchanged rows too
    mlwright.train(make_mixed_frame(1500, seed=0), "label", store=url, register="credit", **FAST,
                   max_latency_ms=float("inf"))
    same = make_mixed_frame(800, seed=11)
    shifted = make_mixed_frame(800, seed=12)
    shifted["x1"] += 1.0  # one training standard deviation
    same.to_csv(folder / "same.csv", index=False)
    shifted.to_csv(folder / "shifted.csv", index=False)
    return folder, url


def test_exit_codes_and_the_time_series_in_the_store(registered):
    folder, url = registered
    quiet = run_cli("monitor", "models:/credit/1", str(folder / "same.csv"), "--store", url, cwd=folder)
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert "Verdict: stable" in quiet.stdout
    moved = run_cli("monitor", "models:/credit/1", str(folder / "shifted.csv"), "--store", url, "-o",
                    str(folder / "drift.html"), cwd=folder)
    assert moved.returncode == 2, moved.stdout + moved.stderr
    assert "x1" in moved.stdout and "Verdict: action" in moved.stdout
    store = mlwright.open_store(url)
    try:
        checks = store.drift.checks(model_name="credit")
        assert checks["verdict"].tolist()[-2:] == ["stable", "action"]
        assert checks["model_version"].tolist()[-1] == 1 and checks["rows"].tolist()[-1] == 800
        history = store.drift.history(model_name="credit")
        x1 = history[history["feature"] == "x1"]
        assert len(x1) == len(checks) and x1["verdict"].tolist()[-2:] == ["stable", "action"]
        assert x1["value"].iloc[-1] > 0.5 > x1["value"].iloc[-2]
        assert {"prediction", "performance"} <= set(history["feature"])
    finally:
        store.close()
    page = (folder / "drift.html").read_text()
    assert "x1" in page and "action" in page.lower()


def test_json_report_weights_and_statistics(registered):
    folder, url = registered
    result = run_cli("monitor", "models:/credit/1", str(folder / "shifted.csv"), "--store", url, "--json",
                     "--weight", "x1=0", "--numeric-statistic", "psi", cwd=folder)
    report = json.loads(result.stdout)
    x1 = next(f for f in report["features"] if f["feature"] == "x1")
    assert x1["verdict"] == "ignored" and x1["statistic"] == "psi"
    assert report["status"] == result.returncode
    assert {f["feature"] for f in report["features"]} == {  # a text column is compared by three signals
        "x1", "x2", "colour", "size", "when", "note (length in words)", "note (uncommon words)", "note (words)"}
    when = next(f for f in report["features"] if f["feature"] == "when")
    assert when["verdict"] == "ignored" and "dates move with time" in when["note"]


def test_errors_exit_3_and_name_the_problem(registered, tmp_path):
    folder, url = registered
    missing = run_cli("monitor", "models:/credit/1", str(tmp_path / "nope.csv"), "--store", url)
    assert missing.returncode == 3 and "nope.csv" in missing.stderr
    make_mixed_frame(50).drop(columns=["x2"]).to_csv(tmp_path / "short.csv", index=False)
    short = run_cli("monitor", "models:/credit/1", str(tmp_path / "short.csv"), "--store", url)
    assert short.returncode == 3 and "x2" in short.stderr
    weight = run_cli("monitor", "models:/credit/1", str(folder / "same.csv"), "--store", url, "--weight", "x1")
    assert weight.returncode == 3 and "COLUMN=NUMBER" in weight.stderr
    unknown = run_cli("monitor", "models:/credit/9", str(folder / "same.csv"), "--store", url)
    assert unknown.returncode == 3 and "credit" in unknown.stderr
    nothing = run_cli("monitor", "models:/credit/1", "--store", url)
    assert nothing.returncode == 3 and "--logged" in nothing.stderr


def test_an_old_model_without_a_reference_needs_a_reference_file(tmp_path):
    frame = make_mixed_frame(600, seed=3)
    model = mlwright.train(frame, "label", store=False, **FAST)
    model.reference = None  # as saved before mlwright kept references
    model.save(tmp_path / "old")
    assert not (tmp_path / "old" / "reference.json").exists()
    with pytest.raises(ModelFormatError, match="--reference"):
        check_drift(tmp_path / "old", make_mixed_frame(300, seed=4), store=False)
    frame.to_csv(tmp_path / "train.csv", index=False)
    report = check_drift(tmp_path / "old", make_mixed_frame(300, seed=4), reference=tmp_path / "train.csv", store=False)
    assert report.verdict == "stable" and report.reference["where"].endswith("train.csv")
    with pytest.raises(ConfigError, match="current data"):
        check_drift(tmp_path / "old", store=False)
    with pytest.raises(SchemaError, match="x1"):
        check_drift(tmp_path / "old", make_mixed_frame(100).drop(columns="x1"), reference=tmp_path / "train.csv",
                    store=False)


def test_current_rows_from_a_postgresql_query(registered, postgres_url):  # noqa: F811
    from sqlalchemy import create_engine

    folder, url = registered
    engine = create_engine(postgres_url)
    pd.read_csv(folder / "shifted.csv").to_sql("scored_today", engine, index=False)
    engine.dispose()
    report = check_drift("models:/credit/1", SqlQuery("SELECT * FROM scored_today", postgres_url), store=url)
    assert report.current["kind"] == "sql" and "x1" in report.drifted and report.check_id is not None


def test_logged_predictions_of_the_service_with_late_labels(registered, tmp_path):
    folder, url = registered
    service = start_service("models:/credit/1", tmp_path / "serve.log", env={"MLWRIGHT_STORE": url})
    shifted = pd.read_csv(folder / "shifted.csv")
    try:
        rows = shifted.drop(columns="label")
        for start in range(0, 400, 50):
            chunk = rows.iloc[start:start + 50]
            records = json.loads(chunk.to_json(orient="records"))
            answer = service.http.post("/predict", json=records, headers={"X-Request-ID": f"batch-{start}"})
            assert answer.status_code == 200, answer.text
        store = mlwright.open_store(url)
        deadline = time.monotonic() + 60
        while store.served.count() < 400 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert store.served.count() == 400
        store.close()
    finally:
        service.stop()
    labels = pd.DataFrame({"request_id": [f"batch-{50 * (i // 50)}" for i in range(400)],
                           "row_index": [i % 50 for i in range(400)], "label": shifted["label"][:400]})
    labels.to_csv(tmp_path / "labels.csv", index=False)
    result = run_cli("monitor", "models:/credit/1", "--logged", "--since", "1h", "--labels", str(tmp_path / "labels.csv"),
                     "--store", url, "--json")
    report = json.loads(result.stdout)
    assert result.returncode == 2, result.stderr
    assert report["rows"] == 400 and report["current"]["kind"] == "logged"
    assert next(f for f in report["features"] if f["feature"] == "x1")["verdict"] == "action"
    assert report["performance"]["rows"] == 400 and report["performance"]["training"] is not None
    # the logged outputs are the model's own: the same as scoring the rows again
    model = mlwright.load("models:/credit/1", store=url)
    assert report["prediction"]["histogram"]["current"] == pytest.approx(
        check_drift(model, shifted.iloc[:400], store=False).prediction["histogram"]["current"], abs=1e-4)
    empty = run_cli("monitor", "models:/credit/1", "--logged", "--until", "2020-01-01", "--store", url)
    assert empty.returncode == 3 and "no predictions were logged" in empty.stderr
