"""The global LightGBM: the features of a forecast step are the features it was trained on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlwright.forecasting.global_boosting import (calendar_features, fit_global_booster, series_features,
                                                  standardisation)


def _series(count: int, length: int, seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    t = np.arange(length)
    return [50 * (i + 1) + 0.3 * t + 8 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, length) for i in range(count)]


def test_the_first_forecast_step_reads_the_features_training_would_have_built():
    import lightgbm as lgb

    values = _series(4, 48)
    starts = [pd.Timestamp("2020-01-01")] * 4
    model = fit_global_booster(values, starts, "MS", 12, seed=0)
    first = model.forecast(values, starts, 1)
    booster = lgb.Booster(model_str=model.booster_text)
    for y, start, path in zip(values, starts, first):
        centre, spread = standardisation(y)
        z = np.append((y - centre) / spread, 0.0)  # the value at t = len(y) is not read by its own row
        calendar = calendar_features(pd.date_range(start, periods=len(z), freq="MS"), model.parts)
        row = series_features(z, len(y), model.lags, 12, calendar)
        expected = (z[-2] + booster.predict(row)[0]) * spread + centre
        assert path[0] == np.float64(expected) or abs(path[0] - expected) < 1e-9


def test_the_global_model_follows_a_trend_and_a_season():
    values = _series(6, 72, seed=1)
    starts = [pd.Timestamp("2018-01-01")] * 6
    model = fit_global_booster([v[:-12] for v in values], starts, "MS", 12, seed=0)
    paths = model.forecast([v[:-12] for v in values], starts, 12)
    errors = [np.mean(np.abs(p - v[-12:])) for p, v in zip(paths, values)]
    naive = [np.mean(np.abs(v[-24:-12] - v[-12:])) for v in values]  # last season repeated
    assert np.mean(errors) < np.mean(naive)
