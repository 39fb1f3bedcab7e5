"""Clustering: k and the method chosen by internal scores and stability, clusters assigned with
plain arrays as scikit-learn assigns them, the model folder, the descriptions, bad input."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.cluster import KMeans
from sklearn.datasets import make_blobs
from sklearn.metrics import adjusted_rand_score
from sklearn.mixture import GaussianMixture

import mlwright
from mlwright.errors import ConfigError, DataError, ModelFormatError
from mlwright.unsupervised.assign import CentroidAssigner, GaussianAssigner
from mlwright.unsupervised.cluster import cluster
from mlwright.unsupervised.clustering import Candidate, choose
from mlwright.unsupervised.rows import column_scale


def blobs(rows: int = 300, centers: int = 4, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    X, y = make_blobs(n_samples=rows, centers=centers, n_features=4, cluster_std=1.0, random_state=seed)
    frame = pd.DataFrame(X, columns=["age", "income", "visits", "spend"])
    frame["plan"] = np.where(y == 0, "basic", "premium")
    return frame, y


@pytest.fixture(scope="module")
def blob_model(tmp_path_factory):
    frame, y = blobs()
    out = tmp_path_factory.mktemp("clusters")
    return cluster(frame, time_limit=30, out=out, store=False, seed=0), frame, y, out


def test_k_and_the_method_recover_well_separated_groups(blob_model):
    model, _, y, _ = blob_model
    assert model.n_clusters == 4
    assert adjusted_rand_score(y, model.labels_) > 0.95
    assert model.info["stable"] and model.info["chosen"]["stability"] >= 0.75
    sizes = np.bincount(model.labels_)
    assert list(sizes) == sorted(sizes, reverse=True), "cluster 0 is the largest"


def test_each_cluster_is_described_by_what_sets_it_apart(blob_model):
    model, frame, y, _ = blob_model
    basic = np.bincount(model.labels_[y == 0]).argmax()  # the cluster holding the 'basic' rows
    described = model.clusters[basic]
    assert "mostly plan = basic (100% against" in described["description"]
    assert described["rows"] == int((model.labels_ == basic).sum())
    # a number's fact states the cluster's mean and the overall one
    number = next(f for c in model.clusters for f in c["facts"] if f["column"] == "age")
    inside = model.labels_ == next(c["cluster"] for c in model.clusters if number in c["facts"])
    assert number["cluster_value"] == pytest.approx(frame.loc[inside, "age"].mean())
    assert number["overall_value"] == pytest.approx(frame["age"].mean())


def test_a_stable_candidate_wins_over_one_the_internal_scores_prefer():
    def candidate(k, silhouette, stability):
        return Candidate("kmeans", k, CentroidAssigner(np.zeros((k, 2))), silhouette, 100.0 * silhouette,
                         1 - silhouette, stability, 0.1)

    unstable_but_tidy, stable = candidate(6, 0.9, 0.3), candidate(3, 0.5, 0.95)
    assert choose([unstable_but_tidy, stable]) is stable
    # none stable: the best of them all, and a tie goes to the smaller k
    assert choose([candidate(5, 0.6, 0.2), candidate(4, 0.6, 0.2)]).k == 4
    assert choose([]) is None


@pytest.mark.parametrize("covariance", ["full", "diag"])
def test_the_mixture_assigns_rows_as_scikit_learn_does(covariance):
    X, _ = make_blobs(n_samples=400, centers=3, n_features=5, random_state=1)
    mixture = GaussianMixture(3, covariance_type=covariance, random_state=0).fit(X)
    assigner = GaussianAssigner.from_sklearn(mixture)
    expected = mixture._estimate_weighted_log_prob(X)
    np.testing.assert_allclose(assigner.log_densities(X), expected, rtol=1e-10, atol=1e-8)
    assert (assigner.assign(X) == mixture.predict(X)).all()


def test_the_centres_assign_rows_as_kmeans_predict_does():
    X, _ = make_blobs(n_samples=500, centers=5, n_features=3, random_state=2)
    kmeans = KMeans(5, n_init=2, random_state=0).fit(X)
    assert (CentroidAssigner(kmeans.cluster_centers_).assign(X) == kmeans.predict(X)).all()


def test_numbers_are_scaled_by_their_spread_not_by_their_extremes():
    rng = np.random.default_rng(0)
    column = rng.normal(size=1000)
    column[:5] = 1e6  # a few wild rows
    flags = (rng.random(1000) < 0.1).astype(float)
    scale = column_scale(np.column_stack([column, flags]), numeric_columns=1)
    assert scale[0] == pytest.approx(1.0, abs=0.1)  # the interquartile spread of a normal column
    assert scale[1] == 1.0  # indicators are left as they are


def test_the_model_folder_is_checksummed_plain_data_and_reloads_to_the_same_clusters(blob_model):
    model, frame, _, out = blob_model
    manifest = json.loads((out / "model" / "manifest.json").read_text())
    assert manifest["kind"] == "clustering" and manifest["format_version"] == 2
    assert set(manifest["files"]) == {"features/linear.json", "clustering/assigner.npz", "clustering/clusters.json",
                                      "training.json", "reference.json"}
    with np.load(out / "model" / "clustering" / "assigner.npz", allow_pickle=False) as arrays:
        assert "centres" in arrays.files or "means" in arrays.files
    loaded = mlwright.load(out / "model")
    assert (loaded.predict(frame).to_numpy() == model.labels_).all()
    assert (pd.read_csv(out / "clusters.csv")["cluster"].to_numpy() == model.labels_).all()
    assert loaded.predict_table(frame.head(3)).columns.tolist() == ["cluster"]


def test_a_changed_file_is_refused(blob_model, tmp_path):
    model, _, _, _ = blob_model
    folder = model.save(tmp_path / "model")
    (folder / "clustering" / "clusters.json").write_text("{}")
    with pytest.raises(ModelFormatError, match="checksums"):
        mlwright.load(folder)


def test_same_seed_same_clusters():
    frame, _ = blobs(rows=200, centers=3, seed=5)
    first = cluster(frame, time_limit=30, store=False, seed=1)
    second = cluster(frame, time_limit=30, store=False, seed=1)
    assert (first.labels_ == second.labels_).all()
    strip = [{k: v for k, v in c.items() if k != "seconds"} for c in first.info["candidates"]]
    assert strip[:len(second.info["candidates"])] == [{k: v for k, v in c.items() if k != "seconds"}
                                                      for c in second.info["candidates"]][:len(strip)]


def test_a_fixed_k_is_kept():
    frame, _ = blobs(rows=200, centers=3, seed=5)
    model = cluster(frame, k=5, time_limit=30, store=False)
    assert model.n_clusters == 5 and {c["k"] for c in model.info["candidates"]} == {5}


def test_bad_tables_are_refused_with_the_problem_named():
    frame, _ = blobs(rows=50)
    with pytest.raises(DataError, match="1 row: clustering needs at least 3"):
        cluster(frame.head(1), store=False)
    with pytest.raises(DataError, match="cannot form 6 clusters"):
        cluster(frame.head(5), k=6, store=False)
    with pytest.raises(DataError, match="no usable feature columns"):
        cluster(pd.DataFrame({"a": [1] * 20, "b": ["x"] * 20}), store=False)
    alike = pd.DataFrame({"a": [1.0, 2.0] * 10, "b": [3.0, 4.0] * 10})
    with pytest.raises(DataError, match="do not split into 3 groups"):
        cluster(alike, k=3, store=False)
