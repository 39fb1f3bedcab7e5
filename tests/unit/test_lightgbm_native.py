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
