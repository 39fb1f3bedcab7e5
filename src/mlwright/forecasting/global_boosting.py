"""One LightGBM model for every series: lags, rolling statistics and the calendar.

Local methods learn each series alone; a global model learns from all of them at once, which is
what wins when there are many related series (M5). Each series is standardised by its own mean
and spread, so series of every scale share one model, and the model learns the next *change*
of the standardised value, so a trend beyond the training range is carried rather than capped
(trees cannot predict outside the values they saw). Forecasts are recursive: each predicted step
becomes a lag of the next. Saved as LightGBM's own text format, with the scales as numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

NAME = "global_lightgbm"
MAX_SHORT_LAGS = 14
MAX_TRAINING_ROWS = 300_000
#: A global model needs this many training rows to be worth fitting.
MIN_ROWS = 24
PARAMS = {"objective": "l2", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 20,
          "feature_fraction": 0.9, "bagging_fraction": 0.9, "bagging_freq": 1, "lambda_l2": 1.0,
          "verbose": -1, "deterministic": True, "force_row_wise": True}
ROUNDS = 300


def lags_for(season: int) -> list[int]:
    short = list(range(1, min(max(season, 7), MAX_SHORT_LAGS) + 1))
    seasonal = [season, season + 1] if season > MAX_SHORT_LAGS else []
    return sorted(set(short + seasonal))


def calendar_parts(freq: str) -> list[str]:
    name = pd.tseries.frequencies.to_offset(freq).name
    if name.startswith(("min", "h")):
        return ["hour", "dayofweek"]
    if name.startswith(("D", "B")):
        return ["dayofweek", "dayofyear", "month"]
    if name.startswith("W"):
        return ["weekofyear", "month"]
    if name.startswith(("M", "Q")):
        return ["month"]
    return []


def calendar_features(times: pd.DatetimeIndex, parts: list[str]) -> np.ndarray:
    columns = []
    for part in parts:
        if part == "weekofyear":
            columns.append(times.isocalendar().week.to_numpy(dtype=float))
        else:
            columns.append(getattr(times, part).to_numpy(dtype=float))
    return np.column_stack(columns) if columns else np.zeros((len(times), 0))


@dataclass
class GlobalBooster:
    season: int
    freq: str
    lags: list[int]
    parts: list[str]
    booster_text: str
    seed: int = 0

    @property
    def window(self) -> int:
        return max(self.lags + [self.season])

    def forecast(self, values: list[np.ndarray], starts: list[pd.Timestamp], horizon: int) -> list[np.ndarray]:
        """Each series' next ``horizon`` values, one step at a time, every series at once."""
        import lightgbm as lgb

        booster = lgb.Booster(model_str=self.booster_text)
        centres, spreads = zip(*(standardisation(y) for y in values)) if values else ((), ())
        paths = [list((y - c) / s) for y, c, s in zip(values, centres, spreads)]
        futures = [pd.date_range(start, periods=len(y) + horizon, freq=self.freq)[-horizon:]
                   for start, y in zip(starts, values)]
        for step in range(horizon):
            rows = np.vstack([_features(np.asarray(path), len(path), self.lags, self.season,
                                        calendar_features(future[step:step + 1], self.parts)[0])
                              for path, future in zip(paths, futures)])
            change = booster.predict(rows, num_threads=1)
            for path, delta in zip(paths, change):
                path.append(path[-1] + float(delta))
        return [np.asarray(path[-horizon:]) * s + c for path, c, s in zip(paths, centres, spreads)]


def standardisation(y: np.ndarray) -> tuple[float, float]:
    centre = float(np.mean(y))
    spread = float(np.std(y))
    return centre, spread if spread > 0 and np.isfinite(spread) else 1.0


def _features(z: np.ndarray, t: int, lags: list[int], season: int, calendar: np.ndarray) -> np.ndarray:
    """The row that predicts the change from ``z[t-1]`` to ``z[t]``: lags, the recent mean
    and spread, the last change, the calendar of step ``t``."""
    lagged = np.array([z[t - lag] if t - lag >= 0 else np.nan for lag in lags])
    recent = z[max(t - max(season, 4), 0):t]
    last_change = z[t - 1] - z[t - 2] if t >= 2 else np.nan
    return np.concatenate([lagged, [recent.mean() - z[t - 1], recent.std(), last_change], calendar])


def fit_global_booster(values: list[np.ndarray], starts: list[pd.Timestamp], freq: str, season: int, *,
                       seed: int = 0, n_jobs: int = 1, rounds: int = ROUNDS) -> GlobalBooster | None:
    """The fitted model, or None when the series hold too few rows to learn from."""
    import lightgbm as lgb

    lags = lags_for(season)
    parts = calendar_parts(freq)
    first = min(lags[-1], MAX_SHORT_LAGS)
    rows, targets = [], []
    for y, start in zip(values, starts):
        if len(y) <= first + 1:
            continue
        centre, spread = standardisation(y)
        z = (y - centre) / spread
        calendar = calendar_features(pd.date_range(start, periods=len(y), freq=freq), parts)
        for t in range(first, len(z)):
            rows.append(_features(z, t, lags, season, calendar[t]))
            targets.append(z[t] - z[t - 1])
    if len(rows) < MIN_ROWS:
        return None
    X, target = np.vstack(rows), np.asarray(targets)
    if len(X) > MAX_TRAINING_ROWS:  # the latest rows: the recent past is what the forecast continues
        X, target = X[-MAX_TRAINING_ROWS:], target[-MAX_TRAINING_ROWS:]
    params = {**PARAMS, "seed": seed, "num_threads": n_jobs,
              "min_data_in_leaf": int(min(PARAMS["min_data_in_leaf"], max(len(X) // 10, 3)))}
    booster = lgb.train(params, lgb.Dataset(X, label=target), num_boost_round=rounds)
    return GlobalBooster(season=season, freq=freq, lags=lags, parts=parts, booster_text=booster.model_to_string(),
                         seed=seed)
