"""Anomalies: the detectors kept as arrays answer as scikit-learn's, planted anomalies come out
on top with the right reasons, the contamination, the model folder, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import IsolationForest
from sklearn.metrics import roc_auc_score
from sklearn.neighbors import LocalOutlierFactor

import mlwright
from mlwright.errors import ConfigError, DataError, ModelFormatError
from mlwright.unsupervised.anomalies import AUTO_BOUNDS, find_anomalies
from mlwright.unsupervised.detectors import IsolationDetector, NeighbourDetector, packed_isolation_forest


def transactions(rows: int = 1200, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"amount": rng.lognormal(3, 0.4, rows).round(2), "hour": rng.integers(6, 22, rows),
                          "country": rng.choice(["FR", "DE", "IT"], rows)})
    planted = np.zeros(rows, dtype=bool)
    spots = rng.choice(rows, 12, replace=False)
    planted[spots] = True
    frame.loc[spots[:8], "amount"] = 5_000.0 + rng.integers(0, 100, 8)
    frame.loc[spots[8:], "country"] = "Narnia"
    frame.loc[spots[8:], "amount"] = 900.0
    return frame, planted


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    frame, planted = transactions()
    out = tmp_path_factory.mktemp("anomalies")
    return find_anomalies(frame, out=out, store=False, seed=0), frame, planted, out


def test_the_isolation_forest_kept_as_arrays_scores_as_scikit_learn():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(600, 5))
    X[:6] += 7
    forest = IsolationForest(n_estimators=60, max_features=0.6, random_state=0).fit(X)  # columns subsampled too
    kept = IsolationDetector(packed_isolation_forest(forest), int(forest.max_samples_))
    np.testing.assert_allclose(kept.unusualness(X), -forest.score_samples(X), rtol=0, atol=1e-12)


def test_the_local_outlier_factor_kept_as_arrays_scores_as_scikit_learn():
    rng = np.random.default_rng(2)
    kept = NeighbourDetector.fit(rng.normal(size=(700, 4)), seed=0)
    lof = LocalOutlierFactor(n_neighbors=kept.k, novelty=True, algorithm="brute").fit(kept.fit_X)
    new = rng.normal(size=(200, 4)) * 1.5
    distances, positions = kept.neighbours(new)
    np.testing.assert_allclose(kept.local_outlier_factor(distances, positions), -lof.score_samples(new), rtol=1e-9)


def test_planted_anomalies_come_out_on_top_with_their_reasons(fitted):
    model, frame, planted, _ = fitted
    assert roc_auc_score(planted, model.scores_) > 0.98
    flagged = model.scores_ > model.threshold
    assert flagged[planted].mean() >= 0.9
    assert AUTO_BOUNDS[0] <= model.info["contamination"] <= AUTO_BOUNDS[1]
    reasons = model.reasons(frame[planted])
    assert all(any(r.startswith(("amount = ", "country = Narnia")) for r in why) for why in reasons)
    assert any("country = Narnia (in 0.3% of training rows)" in r for why in reasons for r in why)
    top = model.info["most_unusual"][0]
    assert planted[top["row"]] and top["flagged"]


def test_a_given_contamination_flags_that_share(fitted):
    _, frame, _, _ = fitted
    model = find_anomalies(frame, contamination=0.05, store=False)
    assert model.info["flagged"] == pytest.approx(0.05 * len(frame), abs=2)


def test_the_model_folder_is_checksummed_arrays_and_reloads_to_the_same_scores(fitted, tmp_path):
    model, frame, _, out = fitted
    manifest = json.loads((out / "model" / "manifest.json").read_text())
    assert manifest["kind"] == "anomalies" and manifest["format_version"] == 2
    with np.load(out / "model" / "anomalies" / "detectors.npz", allow_pickle=False) as arrays:
        assert "forest_threshold" in arrays.files and "neighbours_fit_X" in arrays.files
    loaded = mlwright.load(out / "model")
    np.testing.assert_allclose(loaded.score_samples(frame).to_numpy(), model.scores_, atol=1e-12)
    table = loaded.predict_table(frame.head(4))
    assert table.columns.tolist() == ["anomaly_score", "is_anomaly"]
    written = pd.read_csv(out / "anomalies.csv")
    assert (written["is_anomaly"].to_numpy() == (model.scores_ > model.threshold)).all()
    assert written.loc[written["is_anomaly"], "why"].notna().all()
    (out / "model" / "anomalies" / "facts.json").write_text("{}")
    with pytest.raises(ModelFormatError, match="checksums"):
        mlwright.load(out / "model")


def test_same_seed_same_scores():
    frame, _ = transactions(rows=400, seed=3)
    first = find_anomalies(frame, store=False, seed=2)
    second = find_anomalies(frame, store=False, seed=2)
    np.testing.assert_array_equal(first.scores_, second.scores_)


def test_bad_tables_are_refused_with_the_problem_named():
    frame, _ = transactions(rows=50)
    with pytest.raises(DataError, match="5 rows: finding anomalies needs at least 10"):
        find_anomalies(frame.head(5), store=False)
    with pytest.raises(DataError, match="no usable feature columns"):
        find_anomalies(pd.DataFrame({"a": [1] * 30, "b": ["x"] * 30}), store=False)


def test_the_scikit_learn_facades_follow_its_conventions():
    from sklearn.base import clone
    from sklearn.datasets import make_blobs
    from sklearn.metrics import adjusted_rand_score

    from mlwright import AutoAnomalyDetector, AutoCluster

    X, y = make_blobs(n_samples=240, centers=3, n_features=3, random_state=4)
    clusters = clone(AutoCluster(k="auto", time_limit=20))
    labels = clusters.fit_predict(X)
    assert adjusted_rand_score(y, labels) > 0.95 and (clusters.predict(X) == labels).all()
    frame, planted = transactions(rows=600, seed=5)
    detector = AutoAnomalyDetector(contamination=0.02).fit(frame)
    answers = detector.predict(frame)
    assert set(np.unique(answers)) == {-1, 1} and (answers[planted] == -1).mean() >= 0.9
    assert roc_auc_score(planted, -detector.score_samples(frame)) > 0.98  # higher = more normal, as scikit-learn
    assert ((detector.decision_function(frame) < 0) == (answers == -1)).all()
