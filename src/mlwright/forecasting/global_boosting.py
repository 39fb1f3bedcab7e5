"""One LightGBM model for every series: lags, rolling statistics and the calendar.

Local methods learn each series alone; a global model learns from all of them at once, which is
what wins when there are many related series (M5). Each series is standardised by its own mean
and spread, so series of every scale share one model, and the model learns the next *change*
of the standardised value, so a trend beyond the training range is carried rather than capped
(trees cannot predict outside the values they saw). Forecasts are recursive: each predicted step
becomes a lag of the next. Saved as LightGBM's own text format, with the scales as numbers.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlwright.execution.cores import fit_threads

NAME = "global_lightgbm"
MAX_SHORT_LAGS = 14
MAX_TRAINING_ROWS = 60_000
#: A global model needs this many training rows to be worth fitting.
MIN_ROWS = 24
PARAMS = {"objective": "l2", "learning_rate": 0.05, "num_leaves": 31, "min_data_in_leaf": 20,
          "feature_fraction": 0.9, "bagging_fraction": 0.9, "bagging_freq": 1, "lambda_l2": 1.0,
          "verbose": -1, "deterministic": True, "force_row_wise": True}
ROUNDS = 150


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
    def memory(self) -> int:
        """How many past values a step's features read."""
        return max(max(self.lags), recent_window(self.season), 2)

    def forecast(self, values: list[np.ndarray], starts: list[pd.Timestamp], horizon: int) -> list[np.ndarray]:
        """Each series' next ``horizon`` values, one step at a time, every series at once."""
        import lightgbm as lgb

        if not values:
            return []
        booster = lgb.Booster(model_str=self.booster_text)
        centres, spreads = (np.array(v) for v in zip(*(standardisation(y) for y in values)))
        width = self.memory
        # the last ``width`` standardised values of each series, NaN before a short series' start
        buffer = np.full((len(values), width + horizon), np.nan)
        for i, y in enumerate(values):
            tail = (y[-width:] - centres[i]) / spreads[i]
            buffer[i, width - len(tail):width] = tail
        calendars = np.stack([calendar_features(pd.date_range(start, periods=len(y) + horizon, freq=self.freq)[-horizon:],
                                                self.parts) for start, y in zip(starts, values)])
        window = recent_window(self.season)
        for step in range(horizon):
            now = width + step
            past = buffer[:, :now]
            lagged = np.column_stack([past[:, now - lag] - (past[:, -1] if lag > 1 else 0) for lag in self.lags])
            recent = past[:, now - window:]
            with np.errstate(all="ignore"), warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                mean, spread = np.nanmean(recent, axis=1), np.nanstd(recent, axis=1)
            rows = np.column_stack([lagged, mean - past[:, -1], spread, past[:, -1] - past[:, -2],
                                    calendars[:, step, :]])
            buffer[:, now] = past[:, -1] + booster.predict(rows, num_threads=1)
        return [buffer[i, width:] * spreads[i] + centres[i] for i in range(len(values))]


def recent_window(season: int) -> int:
    return max(season, 4)


def standardisation(y: np.ndarray) -> tuple[float, float]:
    centre = float(np.mean(y))
    spread = float(np.std(y))
    return centre, spread if spread > 0 and np.isfinite(spread) else 1.0


def series_features(z: np.ndarray, first: int, lags: list[int], season: int, calendar: np.ndarray) -> np.ndarray:
    """The rows that predict the change from ``z[t-1]`` to ``z[t]`` for every ``t`` from
    ``first``: the last value, the other lags less the last value, the mean of the last ``recent_window`` values (at most, fewer near the
    start) less the last value, their spread, the last change, the calendar of step ``t``."""
    t = np.arange(first, len(z))
    last = z[t - 1]
    # every lag but the first as a difference from the last value: the step to a season ago is one feature
    lagged = np.column_stack([np.where(t - lag >= 0, z[np.maximum(t - lag, 0)], np.nan) - (last if lag > 1 else 0)
                              for lag in lags])
    window = recent_window(season)
    sums, squares = np.concatenate([[0.0], np.cumsum(z)]), np.concatenate([[0.0], np.cumsum(z * z)])
    begin = np.maximum(t - window, 0)
    count = t - begin
    mean = (sums[t] - sums[begin]) / count
    spread = np.sqrt(np.maximum((squares[t] - squares[begin]) / count - mean ** 2, 0.0))
    change = np.where(t >= 2, last - z[np.maximum(t - 2, 0)], np.nan)
    return np.column_stack([lagged, mean - last, spread, change, calendar[first:]])


def fit_global_booster(values: list[np.ndarray], starts: list[pd.Timestamp], freq: str, season: int, *,
                       seed: int = 0, n_jobs: int = 1, rounds: int = ROUNDS) -> GlobalBooster | None:
    """The fitted model, or None when the series hold too few rows to learn from."""
    import lightgbm as lgb

    lags = lags_for(season)
    parts = calendar_parts(freq)
    first = min(lags[-1], MAX_SHORT_LAGS)
    blocks, targets = [], []
    # each series' latest rows when there are too many: the recent past is what the forecast continues
    per_series = max(MAX_TRAINING_ROWS // max(len(values), 1), 1)
    for y, start in zip(values, starts):
        if len(y) <= first + 1:
            continue
        centre, spread = standardisation(y)
        z = (y - centre) / spread
        calendar = calendar_features(pd.date_range(start, periods=len(y), freq=freq), parts)
        begin = max(first, len(z) - per_series)
        blocks.append(series_features(z, begin, lags, season, calendar))
        targets.append(z[begin:] - z[begin - 1:-1])
    if not blocks or sum(len(b) for b in blocks) < MIN_ROWS:
        return None
    X, target = np.vstack(blocks), np.concatenate(targets)
    params = {**PARAMS, "seed": seed, "num_threads": fit_threads(n_jobs),
              "min_data_in_leaf": int(min(PARAMS["min_data_in_leaf"], max(len(X) // 10, 3)))}
    booster = lgb.train(params, lgb.Dataset(X, label=target), num_boost_round=rounds)
    return GlobalBooster(season=season, freq=freq, lags=lags, parts=parts, booster_text=booster.model_to_string(),
                         seed=seed)
