"""The prediction service, started as a user starts it (`mlwright serve`) on a real port."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import httpx
import pandas as pd
import pytest

import mlwright
from mlwright.registry.store import open_store
from tests.conftest import FAST, make_mixed_frame, run_cli


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("serve") / "run"
    mlwright.train(make_mixed_frame(), "label", out=folder, store=False, **FAST)
    return folder


def _start(run_folder, keys: str = "", *extra: str, store: str | None = None):
    port = _free_port()
    env = {**os.environ, "MLWRIGHT_API_KEYS": keys, **({"MLWRIGHT_STORE": store} if store else {})}
    process = subprocess.Popen([sys.executable, "-m", "mlwright", "serve", str(run_folder), "--port", str(port),
                                "--max-body-mb", "0.05", *extra], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode())
        time.sleep(0.2)
    process.kill()
    raise AssertionError("the service did not answer /health within 60 s")


@contextmanager
def _serving(model, keys: str = "", *extra: str, store: str | None = None):
    """A service for one test: its URL, and the process stopped afterwards whatever happens."""
    process, url = _start(model, keys, *extra, store=store)
    try:
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def service_store(tmp_path_factory):
    return f"sqlite:///{tmp_path_factory.mktemp('service-store') / 'store.db'}"


@pytest.fixture(scope="module")
def service(run_folder, service_store, tmp_path_factory):
    process, url = _start(run_folder, "", "--spool-dir", str(tmp_path_factory.mktemp("spool")), store=service_store)
    yield url
    process.terminate()
    process.wait(timeout=20)


def test_predictions_equal_the_models_own(service, run_folder):
    rows = make_mixed_frame(20, seed=9).drop(columns="label")
    records = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
    answer = httpx.post(f"{service}/predict", json=records, timeout=30)
    assert answer.status_code == 200, answer.text
    expected = mlwright.load(run_folder).predict_table(rows)
    body = answer.json()
    assert body["predictions"] == expected["label"].tolist()
    assert [p["yes"] for p in body["probabilities"]] == pytest.approx(expected["proba_yes"].tolist(), abs=1e-12)
    one = httpx.post(f"{service}/predict?explain=3", json=records[0], timeout=30).json()
    assert one["predictions"] == body["predictions"][:1] and len(one["explanations"][0]) <= 4


def test_health_ready_and_metadata(service):
    assert httpx.get(f"{service}/ready").json()["status"] == "ready"
    metadata = httpx.get(f"{service}/metadata").json()
    assert metadata["target"] == "label" and metadata["classes"] == ["no", "yes"]
    assert {f["name"] for f in metadata["features"]} >= {"x1", "colour"}
    assert next(f for f in metadata["features"] if f["name"] == "x1")["type"] == "number"


def test_bad_input_gets_4xx_naming_row_and_field(service):
    good = make_mixed_frame(2, seed=1).drop(columns="label").astype(object).to_dict(orient="records")
    bad = [dict(good[0]), dict(good[1], x1="lots", extra_field=1)]
    answer = httpx.post(f"{service}/predict", json=bad, timeout=30)
    assert answer.status_code == 422
    assert answer.json()["detail"] == [{"row": 1, "field": "x1", "problem": "expected a number (or null), got text (4 characters)"}]
    missing = {k: v for k, v in good[0].items() if k != "colour"}
    assert httpx.post(f"{service}/predict", json=missing).json()["detail"][0]["field"] == "colour"
    extra = httpx.post(f"{service}/predict", json=dict(good[0], shoe_size=44))
    assert extra.status_code == 200 and "shoe_size" in extra.headers["x-mlwright-warning"]
    assert httpx.post(f"{service}/predict", content=b"{not json", headers={"content-type": "application/json"}
                      ).status_code == 400
    assert httpx.post(f"{service}/predict", content=b"a,b", headers={"content-type": "text/plain"}).status_code == 415
    assert httpx.post(f"{service}/predict", json=[]).status_code == 422
    assert httpx.post(f"{service}/predict", json=dict(good[0], x1="1e999")).status_code == 422
    huge = httpx.post(f"{service}/predict", json=dict(good[0], note="x" * 100_000))
    assert huge.status_code == 413


def test_api_keys_are_required_when_configured(run_folder):
    process, url = _start(run_folder, keys="k-one,k-two")
    try:
        assert httpx.get(f"{url}/health").status_code == 200  # the liveness probe stays open
        assert httpx.get(f"{url}/metadata").status_code == 401
        assert httpx.get(f"{url}/metadata", headers={"X-API-Key": "wrong"}).status_code == 401
        assert httpx.get(f"{url}/metadata", headers={"X-API-Key": "k-two"}).status_code == 200
        assert httpx.get(f"{url}/metadata", headers={"Authorization": "Bearer k-one"}).status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=20)
        logged = process.stdout.read().decode() + process.stderr.read().decode()
    assert "k-one" not in logged and "k-two" not in logged


def test_serving_beyond_loopback_without_a_key_is_refused(run_folder):
    refused = run_cli("serve", str(run_folder), "--host", "0.0.0.0", "--port", str(_free_port()))
    assert refused.returncode == 2 and "API key" in refused.stderr


def test_metrics_count_requests_latency_and_predictions(service):
    record = make_mixed_frame(1, seed=4).drop(columns="label").astype(object).to_dict(orient="records")[0]
    for _ in range(3):
        assert httpx.post(f"{service}/predict", json=record).status_code == 200
    text = httpx.get(f"{service}/metrics").text
    requests = {line.split(" ")[0]: float(line.split(" ")[1]) for line in text.splitlines()
                if line.startswith("mlwright_requests_total{")}
    assert requests['mlwright_requests_total{route="/predict",status="200"}'] >= 3
    assert 'mlwright_request_seconds_bucket{le="0.005",route="/predict"}' in text
    assert "mlwright_predicted_class_total{" in text and "mlwright_prediction_confidence_count" in text


def test_a_promoted_version_is_picked_up_without_dropping_requests(run_folder, tmp_path, monkeypatch):
    store = f"sqlite:///{tmp_path / 'store.db'}"
    opened = open_store(store, artifacts=tmp_path / "artifacts")
    first = opened.models.register("churn", run_folder)
    opened.models.promote("churn", first.version, "production")
    second = opened.models.register("churn", run_folder / "model")
    monkeypatch.setenv("MLWRIGHT_STORE", store)
    process, url = _start("models:/churn/production", "", "--reload-seconds", "0.3")
    record = make_mixed_frame(1, seed=4).drop(columns="label").astype(object).to_dict(orient="records")[0]
    try:
        seen, statuses = [], []
        with httpx.Client(timeout=30) as client:
            for index in range(60):
                if index == 10:
                    opened.models.promote("churn", second.version, "production", reason="test")
                answer = client.post(f"{url}/predict", json=record)
                statuses.append(answer.status_code)
                seen.append(answer.json().get("model"))
                time.sleep(0.05)
        assert set(statuses) == {200}
        assert seen[0] == "models:/churn/1" and seen[-1] == "models:/churn/2"
        assert seen == sorted(seen)  # never back to the old version once the new one served
    finally:
        process.terminate()
        process.wait(timeout=20)
        opened.close()


def _records(rows: int, seed: int) -> list[dict]:
    frame = make_mixed_frame(rows, seed=seed).drop(columns="label")
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def test_the_openapi_spec_describes_each_input_from_the_training_schema(service):
    spec = httpx.get(f"{service}/openapi.json").json()
    record = spec["components"]["schemas"]["Record"]
    assert set(record["required"]) == set(record["properties"]) >= {"x1", "x2", "colour", "size"}
    assert "number" in record["properties"]["x1"]["type"] and "null" in record["properties"]["x1"]["type"]
    assert set(record["properties"]["colour"]["x-known-values"]) == {"red", "green", "blue"}
    assert "row_id" not in record["properties"], "a column dropped at training is no input"
    body = spec["paths"]["/predict"]["post"]["requestBody"]["content"]
    assert set(body) == {"application/json", "text/csv"}
    prediction = spec["components"]["schemas"]["Prediction"]["properties"]["predictions"]["items"]
    assert prediction == {"enum": ["no", "yes"]}


def test_forecast_on_a_tabular_model_points_to_predict(service):
    answer = httpx.post(f"{service}/forecast", json={"horizon": 3}, timeout=30)
    assert answer.status_code == 404 and "POST /predict" in answer.json()["detail"]
    assert "/forecast" not in httpx.get(f"{service}/openapi.json").json()["paths"]


def test_csv_bodies_and_csv_answers(service, run_folder):
    rows = make_mixed_frame(6, seed=12).drop(columns="label")
    answer = httpx.post(f"{service}/predict", content=rows.to_csv(index=False).encode(),
                        headers={"content-type": "text/csv", "accept": "text/csv"})
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    returned = pd.read_csv(io.StringIO(answer.text))
    expected = mlwright.load(run_folder).predict_table(rows)
    assert returned["label"].tolist() == expected["label"].tolist()
    assert returned["proba_yes"].to_numpy() == pytest.approx(expected["proba_yes"].to_numpy(), abs=1e-9)
    flags = rows.assign(x1=["True", "false", "TRUE", "0", "1", "False"]).to_csv(index=False).encode()
    as_numbers = httpx.post(f"{service}/predict", content=flags, headers={"content-type": "text/csv"})
    expected_flags = mlwright.load(run_folder).predict_table(rows.assign(x1=[1.0, 0.0, 1.0, 0.0, 1.0, 0.0]))
    assert as_numbers.status_code == 200 and as_numbers.json()["predictions"] == expected_flags["label"].tolist()
    broken = rows.drop(columns="x2").to_csv(index=False).encode()
    refused = httpx.post(f"{service}/predict", content=broken, headers={"content-type": "text/csv"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "x2"


def test_served_rows_are_logged_to_the_store_with_the_callers_request_id(service, service_store):
    records = _records(5, seed=21)
    answer = httpx.post(f"{service}/predict", json=records, headers={"X-Request-ID": "trace-5150"})
    assert answer.status_code == 200 and answer.headers["x-request-id"] == "trace-5150"
    assert answer.json()["request_id"] == "trace-5150"
    deadline, stored = time.time() + 20, None
    while time.time() < deadline:
        store = open_store(service_store)
        try:
            frame = store.served.frame()
        finally:
            store.close()
        stored = frame[frame["request_id"] == "trace-5150"] if len(frame) else frame
        if len(stored) == 5:
            break
        time.sleep(0.2)
    assert len(stored) == 5, "every scored row reaches the store"
    stored = stored.sort_values("row_index")
    assert stored["prediction"].tolist() == answer.json()["predictions"]
    assert stored["x1"].tolist() == pytest.approx([r["x1"] for r in records])
    assert stored["latency_ms"].notna().all()


def test_unseen_categories_warn_or_are_refused_with_strict_categories(service, run_folder, tmp_path):
    record = dict(_records(1, seed=3)[0], colour="ultraviolet")
    lenient = httpx.post(f"{service}/predict", json=record)
    assert lenient.status_code == 200 and "ultraviolet" in lenient.headers["x-mlwright-warning"]
    with _serving(run_folder, "", "--strict-categories", "--no-log-predictions") as url:
        strict = httpx.post(f"{url}/predict", json=[_records(1, seed=3)[0], record])
        assert strict.status_code == 422
        assert strict.json()["detail"] == [{"row": 1, "field": "colour", "problem": strict.json()["detail"][0]["problem"]}]
        spec = httpx.get(f"{url}/openapi.json").json()
        assert set(spec["components"]["schemas"]["Record"]["properties"]["colour"]["enum"]) == {"red", "green", "blue", None}
        assert "access-control-allow-origin" not in httpx.get(f"{url}/health", headers={"Origin": "https://a.example"}).headers


def test_cors_only_for_configured_origins(run_folder):
    with _serving(run_folder, "k-cors", "--cors-origin", "https://dash.example", "--no-log-predictions") as url:
        preflight = httpx.options(f"{url}/predict", headers={"Origin": "https://dash.example",
                                                             "Access-Control-Request-Method": "POST",
                                                             "Access-Control-Request-Headers": "x-api-key"})
        assert preflight.status_code == 200, "a browser's preflight needs no key"
        assert preflight.headers["access-control-allow-origin"] == "https://dash.example"
        other = httpx.get(f"{url}/health", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_metrics_add_up_across_workers(run_folder):
    with _serving(run_folder, "", "--workers", "2", "--no-log-predictions") as url:
        record = _records(1, seed=8)[0]
        with httpx.Client() as client:  # new connections: uvicorn's workers share one socket
            for _ in range(40):
                assert httpx.post(f"{url}/predict", json=record).status_code == 200
            scraped = [client.get(f"{url}/metrics").text for _ in range(4)]
        counts = set()
        for text in scraped:
            for line in text.splitlines():
                if line.startswith('mlwright_requests_total{route="/predict",status="200"}'):
                    counts.add(float(line.split(" ")[1]))
        assert counts == {40.0}, "every scrape sees all workers' requests"


def test_the_onnx_runtime_serves_the_same_answers(tmp_path):
    frame = make_mixed_frame(300, seed=2).drop(columns=["when", "note"])
    mlwright.train(frame, "label", out=tmp_path / "run", store=False, **FAST)
    rows = make_mixed_frame(30, seed=13).drop(columns=["when", "note", "label"])
    records = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
    with _serving(tmp_path / "run", "", "--runtime", "onnx", "--no-log-predictions") as url:
        answer = httpx.post(f"{url}/predict", json=records, timeout=30)
        assert answer.status_code == 200, answer.text
    expected = mlwright.load(tmp_path / "run").predict_table(rows)
    assert answer.json()["predictions"] == expected["label"].tolist()
    served = [p["yes"] for p in answer.json()["probabilities"]]
    assert served == pytest.approx(expected["proba_yes"].tolist(), abs=1e-5)


def test_a_model_with_no_onnx_form_is_refused_before_listening(run_folder):
    refused = run_cli("serve", str(run_folder), "--runtime", "onnx", "--port", str(_free_port()))
    assert refused.returncode != 0
    assert "when" in refused.stderr or "note" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
