"""A clustering model through the supervised lifecycle's stages: served over real HTTP with a
schema from its columns, watched for drift (inputs and the share of rows per cluster), and
refused by name where an export does not cover it yet."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from mlwright import load as mlwright_load
from mlwright.monitor.check import check_drift
from mlwright.unsupervised.cluster import cluster
from tests.conftest import run_cli
from tests.serve_fixtures import start_service


def _customers(rows: int, seed: int) -> pd.DataFrame:
    X, y = make_blobs(n_samples=rows, centers=3, n_features=3, cluster_std=1.0, random_state=11)
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(X + rng.normal(scale=0.05, size=X.shape), columns=["age", "income", "visits"])
    frame["plan"] = np.where(y == 0, "basic", "family")
    return frame


@pytest.fixture(scope="module")
def segments(tmp_path_factory):
    out = tmp_path_factory.mktemp("segments")
    model = cluster(_customers(450, 0), k=3, time_limit=30, out=out, store=False)
    return model, out / "model"


def test_the_service_assigns_clusters_and_publishes_them(segments, tmp_path):
    model, folder = segments
    rows = _customers(450, 1).head(20)
    service = start_service(folder, tmp_path / "serve.log", "--no-log-predictions")
    try:
        with service.http as http:
            answer = http.post("/predict", json=rows.to_dict(orient="records"))
            assert answer.status_code == 200, answer.text
            assert answer.json()["predictions"] == model.predict(rows).tolist()
            assert "probabilities" not in answer.json()
            metadata = http.get("/metadata").json()
            assert metadata["kind"] == "clustering" and metadata["task"] == "clustering"
            assert metadata["classes"] == [0, 1, 2] and {f["name"] for f in metadata["features"]} == set(rows.columns)
            spec = http.get("/openapi.json").json()
            assert "basic" in str(spec["components"]["schemas"]["Record"])  # the known categories
            refused = http.post("/predict?explain=2", json=rows.head(1).to_dict(orient="records"))
            assert refused.status_code == 422 and "no per-row contributions" in refused.text
            missing = http.post("/predict", json=[{"age": 30.0}])
            assert missing.status_code == 422
            counted = http.get("/metrics").text
            assert 'mlwright_predicted_class_total{class_="0"}' in counted
    finally:
        service.stop()


def test_the_monitor_compares_inputs_and_cluster_shares(segments):
    model, folder = segments
    same = check_drift(folder, _customers(450, 2), store=False)
    assert same.verdict == "stable", same.reasons
    shifted = _customers(450, 3)
    shifted = shifted[shifted["plan"] == "basic"].assign(income=lambda f: f["income"] + 6.0)  # one segment, moved
    moved = check_drift(folder, shifted, store=False)
    assert moved.verdict == "action"
    assert moved.prediction is not None and moved.prediction["verdict"] in ("warning", "action")
    assert any(f["feature"] == "income" and f["verdict"] == "action" for f in moved.features)


@pytest.mark.parametrize("k", [3, "mixture"])
def test_the_onnx_export_assigns_the_same_clusters(segments, tmp_path, k):
    import onnxruntime

    model, folder = segments
    if k == "mixture":  # the Gaussian mixture's graph too, whichever method the search chose above
        from mlwright.unsupervised.assign import GaussianAssigner
        from sklearn.mixture import GaussianMixture

        X = model.encode(_customers(450, 0))
        model.assigner = GaussianAssigner.from_sklearn(GaussianMixture(3, random_state=0).fit(X))
        model.save(tmp_path / "mixture")
        folder = tmp_path / "mixture"
    done = run_cli("export", str(folder), "--format", "onnx", "-o", str(tmp_path / "onnx"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    session = onnxruntime.InferenceSession(str(tmp_path / "onnx" / "model.onnx"))
    rows = _customers(450, 4)
    feeds = {c: (rows[[c]].to_numpy(dtype=np.float64) if rows[c].dtype.kind == "f" else rows[[c]].to_numpy(dtype=object))
             for c in rows.columns}
    (clusters,) = session.run(["cluster"], feeds)
    assert (clusters == mlwright_load(folder).predict(rows).to_numpy()).all()


def test_exports_without_an_unsupervised_form_refuse_by_name(segments, detector, tmp_path):
    _, folder = segments
    done = run_cli("export", str(folder), "--format", "mlflow", "-o", str(tmp_path / "mlflow"), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "clustering model has no MLflow export yet" in done.stderr and "Fix:" in done.stderr
    _, anomaly_folder, _ = detector
    done = run_cli("export", str(anomaly_folder), "--format", "onnx", "-o", str(tmp_path / "onnx"), cwd=tmp_path)
    assert done.returncode == 2 and "anomalies model has no ONNX export yet" in done.stderr


@pytest.fixture(scope="module")
def detector(tmp_path_factory):
    from mlwright.unsupervised.anomalies import find_anomalies
    from tests.unit.test_anomalies import transactions

    out = tmp_path_factory.mktemp("unusual")
    frame, _ = transactions(rows=900, seed=6)
    return find_anomalies(frame, out=out, store=False), out / "model", frame


def test_the_service_scores_and_flags_rows(detector, tmp_path):
    model, folder, frame = detector
    rows = frame.head(15)
    service = start_service(folder, tmp_path / "serve.log", "--no-log-predictions")
    try:
        with service.http as http:
            answer = http.post("/predict", json=json.loads(rows.to_json(orient="records"))).json()
            np.testing.assert_allclose(answer["scores"], model.score_samples(rows).to_numpy(), atol=1e-12)
            assert answer["predictions"] == model.predict(rows).tolist()
            as_csv = http.post("/predict", json=json.loads(rows.to_json(orient="records")),
                               headers={"Accept": "text/csv"})
            assert as_csv.text.splitlines()[0] == "anomaly_score,is_anomaly"
            metadata = http.get("/metadata").json()
            assert metadata["kind"] == "anomalies" and metadata["threshold"] == pytest.approx(model.threshold)
    finally:
        service.stop()


def test_the_monitor_compares_the_share_of_flagged_rows(detector):
    from tests.unit.test_anomalies import transactions

    _, folder, _ = detector
    same, _ = transactions(rows=900, seed=7)
    assert check_drift(folder, same, store=False).verdict == "stable"
    odd = same.assign(amount=same["amount"] * 30)  # every amount out of its training range
    moved = check_drift(folder, odd, store=False)
    assert moved.prediction["verdict"] == "action" and moved.verdict == "action"
