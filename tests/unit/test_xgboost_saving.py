"""XGBoost members are written compressed, and a model written before that still loads."""

from __future__ import annotations

import gzip

import numpy as np

from mlwright._types import Task
from mlwright.models.base import FitData
from mlwright.models.xgboost_family import MODEL_FILE, XGBoostLearner


def _data(rows: int, seed: int):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 6))
    return X, np.digitize(X[:, 0] + 0.5 * X[:, 1], [-1.0, 0.0, 1.0])


def test_the_model_is_saved_compressed_and_a_model_saved_uncompressed_still_loads(tmp_path):
    X, y = _data(800, seed=0)
    learner = XGBoostLearner({"max_depth": 6}, Task.MULTICLASS).fit(FitData(
        X=X, y=y, X_valid=None, y_valid=None, task=Task.MULTICLASS, n_classes=4, categorical=(), seed=0,
        threads=1, deadline=float("inf"), iterations=40))
    learner.save(tmp_path)
    raw = gzip.decompress((tmp_path / MODEL_FILE).read_bytes())
    assert (tmp_path / MODEL_FILE).stat().st_size < len(raw) / 2, "the model compresses to under half"
    fresh, _ = _data(100, seed=1)
    loaded = XGBoostLearner.load(tmp_path, {}, Task.MULTICLASS)
    np.testing.assert_array_equal(loaded.predict(fresh), learner.predict(fresh))
    assert loaded.iterations_ == 40

    older = tmp_path / "older"
    older.mkdir()
    (older / "model.ubj").write_bytes(raw)  # the format before compression
    np.testing.assert_array_equal(XGBoostLearner.load(older, {}, Task.MULTICLASS).predict(fresh), learner.predict(fresh))
