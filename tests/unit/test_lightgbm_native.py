"""LightGBM models scored through the C API give the numbers ``lightgbm.Booster.predict`` gives."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pytest

from mlwright.models.lightgbm_native import NativeBooster


def _data(rows: int = 600, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 6))
    X[:, 5] = rng.integers(0, 7, rows)  # a categorical column
    X[rng.random(X.shape) < 0.1] = np.nan
    signal = np.nan_to_num(X[:, 0]) + np.where(X[:, 5] == 3, 1.5, 0.0)
    return X, signal


@pytest.mark.parametrize("objective", ["binary", "multiclass", "regression"])
def test_native_predictions_equal_the_package(objective):
    X, signal = _data()
    y = {"binary": (signal > 0).astype(int), "multiclass": np.digitize(signal, [-0.5, 0.5]),
         "regression": signal}[objective]
    params = {"objective": objective, "verbose": -1, "num_leaves": 15, "seed": 0}
    if objective == "multiclass":
        params["num_class"] = 3
    booster = lgb.train(params, lgb.Dataset(X, y, categorical_feature=[5]), num_boost_round=40)
    native = NativeBooster(booster.model_to_string())
    fresh, _ = _data(rows=257, seed=1)
    for threads in (1, 0):
        for iterations in (40, 25):
            expected = booster.predict(fresh, num_iteration=iterations, num_threads=threads)
            got = native.predict(fresh, num_iteration=iterations, num_threads=threads)
            assert got.shape == expected.shape
            np.testing.assert_array_equal(got, expected)
    assert native.iterations == 40
    assert native.predict(fresh[:1], num_iteration=40, num_threads=1).shape[0] == 1


def test_a_bad_model_text_is_a_clear_error():
    from mlwright.errors import ModelFormatError

    with pytest.raises(ModelFormatError, match="LightGBM"):
        NativeBooster("this is not a model")


def test_the_model_is_saved_compressed_and_a_model_saved_as_plain_text_still_loads(tmp_path):
    import gzip

    from mlwright._types import Task
    from mlwright.models.base import FitData
    from mlwright.models.lightgbm_family import MODEL_FILE, LightGBMLearner

    X, signal = _data()
    learner = LightGBMLearner({"num_leaves": 15}, Task.REGRESSION).fit(FitData(
        X=X, y=signal, X_valid=None, y_valid=None, task=Task.REGRESSION, n_classes=0, categorical=(5,), seed=0,
        threads=1, deadline=float("inf"), iterations=60))
    learner.save(tmp_path)
    text = gzip.decompress((tmp_path / MODEL_FILE).read_bytes())
    assert (tmp_path / MODEL_FILE).stat().st_size < len(text) / 2, "the text compresses to under half"
    fresh, _ = _data(rows=100, seed=2)
    loaded = LightGBMLearner.load(tmp_path, {}, Task.REGRESSION)
    np.testing.assert_array_equal(loaded.predict(fresh), learner.predict(fresh))

    older = tmp_path / "older"
    older.mkdir()
    (older / "model.txt").write_bytes(text)  # the format before compression
    np.testing.assert_array_equal(LightGBMLearner.load(older, {}, Task.REGRESSION).predict(fresh), learner.predict(fresh))

    loaded.keep_rounds(20)  # a loaded model cut and saved again keeps the cut
    loaded.save(older)
    assert LightGBMLearner.load(older, {}, Task.REGRESSION).iterations_ == 20
