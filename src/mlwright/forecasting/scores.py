"""Forecast errors as the M competitions and the forecasting literature report them.

- MASE: mean absolute error over the horizon divided by the in-sample mean absolute error of
  the seasonal naive forecast (Hyndman and Koehler 2006), so 1.0 is "as good as repeating last
  season", whatever the series' scale; averaged over series.
- sMAPE: the symmetric percentage error of M3/M4, 0-200.
- Weighted quantile loss: the pinball loss of the interval ends and the median, summed and
  divided by the sum of absolute actuals (as GluonTS and Chronos report it).
- Coverage: the share of actuals inside an interval.
"""

from __future__ import annotations

import numpy as np

RECENT_SEASONS = 3
RECENT_VALUES = 30


def naive_scale(y: np.ndarray, season: int) -> float:
    """The in-sample mean absolute error of the seasonal naive forecast (the plain naive one
    when the history is shorter than a season and a step); 1 for a constant series."""
    lag = season if season > 1 and len(y) > season else 1
    if len(y) <= lag:
        return 1.0
    scale = float(np.mean(np.abs(y[lag:] - y[:-lag])))
    return scale if scale > 0 and np.isfinite(scale) else 1.0


def recent_scale(y: np.ndarray, season: int) -> float:
    """The seasonal naive error of the recent past (the last ``RECENT_SEASONS`` seasons, or
    ``RECENT_VALUES`` values): what the intervals are scaled by without a season. A series that grows (airline
    passengers) makes larger errors at its end than over its whole history, and intervals scaled
    by the whole history's error came out too narrow on the next year."""
    keep = max(RECENT_SEASONS * season, RECENT_VALUES) + (season if season > 1 else 1)
    return naive_scale(y[-keep:], season)


def season_window_scale(y: np.ndarray, season: int, horizon: int) -> float:
    """The step-to-step change, on average, over the same part of the season as the ``horizon``
    steps after ``y`` ends, in the last ``RECENT_SEASONS`` seasons: what the intervals are scaled
    by. Spread changes with the season (the daily minimum temperatures of a Melbourne spring move
    more than those of its winter), and intervals scaled by the recent past alone, a winter's,
    covered 72% of a spring instead of 80%. Without a season, or with less than one behind,
    ``recent_scale``."""
    if season <= 1 or len(y) < season + 2:
        return recent_scale(y, season)
    changes = []
    for back in range(1, RECENT_SEASONS + 1):
        start, stop = max(len(y) - back * season, 1), min(len(y) - back * season + horizon, len(y))
        if stop - start >= 1:
            changes.append(np.abs(np.diff(y[start - 1:stop])))
    scale = float(np.mean(np.concatenate(changes))) if changes else 0.0
    return scale if scale > 0 and np.isfinite(scale) else recent_scale(y, season)


def mase(actual: np.ndarray, predicted: np.ndarray, scale: float) -> float:
    return float(np.mean(np.abs(actual - predicted)) / scale)


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    denominator = np.abs(actual) + np.abs(predicted)
    ratio = np.divide(2 * np.abs(actual - predicted), denominator, out=np.zeros_like(denominator, dtype=float),
                      where=denominator > 0)
    return float(100 * np.mean(ratio))


def pinball(actual: np.ndarray, quantile_forecast: np.ndarray, q: float) -> float:
    diff = actual - quantile_forecast
    return float(np.sum(np.maximum(q * diff, (q - 1) * diff)))


def weighted_quantile_loss(actual: np.ndarray, quantiles: dict[float, np.ndarray]) -> float:
    """Mean over the quantiles of 2 × pinball / Σ|actual| (the scaled form of GluonTS)."""
    total = float(np.sum(np.abs(actual))) or 1.0
    return float(np.mean([2 * pinball(actual, forecast, q) / total for q, forecast in quantiles.items()]))


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    return float(np.mean((actual >= lower) & (actual <= upper)))
