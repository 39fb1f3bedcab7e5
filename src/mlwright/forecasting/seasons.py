"""The season of a calendar: how many steps before the pattern repeats.

The calendar proposes (12 for months, 7 and 365 for days, 24 and 168 for hours), the data
decides: a season is kept only where the history holds two of them and the autocorrelation at
that lag passes the 90% test that the Theta method uses (Assimakopoulos and Nikolopoulos 2000;
Hyndman's forecast::thetaf) and stands above the lag before it: a slowly moving series (daily temperatures) has a large autocorrelation at every short lag,
and only a peak at the season's lag tells a weekly pattern from persistence. A season longer than
24 steps needs an autocorrelation of 0.3 at its lag instead (see ``LONG_SEASON_ACF``). Without a season every method runs non-seasonal, and the baseline
is the last value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Seasons a calendar step suggests, by the offset's base name, strongest first.
SEASONS_BY_STEP = {"min": [60, 1440], "h": [24, 168], "D": [7, 365], "B": [5], "W": [52], "M": [12], "Q": [4],
                   "Y": [1]}
#: How many series to test when a collection is large: the choice is the majority's.
TESTED_SERIES = 200
CRITICAL_Z = 1.645
#: Seasons up to this length must also stand above the lag before them (see the module's doc).
PEAK_TESTED_UP_TO = 24
#: A longer season is kept when the autocorrelation at its lag is at least this (on the series
#: without its linear trend): Bartlett's limit, which sums every shorter lag, is out of reach for
#: 365 lags of a smooth series, and a backtest judges the seasonal methods anyway.
LONG_SEASON_ACF = 0.3


def proposed_seasons(freq: str) -> list[int]:
    offset = pd.tseries.frequencies.to_offset(freq)
    name = offset.name.split("-")[0]
    base = next((seasons for key, seasons in SEASONS_BY_STEP.items() if name.startswith(key) or
                 name.rstrip("SE") == key), [1])
    step = max(int(getattr(offset, "n", 1) or 1), 1)
    return [s // step for s in base if s // step > 1]


def is_seasonal(y: np.ndarray, season: int) -> bool:
    """The Theta method's test: the autocorrelation at the season's lag is beyond 1.645 times
    its standard error under the hypothesis of no season (Bartlett's formula)."""
    n = len(y)
    if season <= 1 or n < 2 * season + 1:
        return False
    centred = y - y.mean()
    denominator = float(centred @ centred)
    if denominator == 0:
        return False
    acf = np.array([float(centred[k:] @ centred[:n - k]) / denominator for k in range(1, season + 1)])
    if season > PEAK_TESTED_UP_TO:  # Bartlett's limit grows with every lag before: a year of days never passes
        return bool(acf[-1] > LONG_SEASON_ACF)
    limit = CRITICAL_Z * np.sqrt((1 + 2 * np.sum(acf[:-1] ** 2)) / n)
    return bool(abs(acf[-1]) > limit and acf[-1] > acf[-2])


def choose_season(values: list[np.ndarray], freq: str) -> int:
    """The first proposed season that most of the (tested) series show, else 1."""
    tested = values if len(values) <= TESTED_SERIES else \
        [values[i] for i in np.linspace(0, len(values) - 1, TESTED_SERIES).astype(int)]
    for season in proposed_seasons(freq):
        votes = [is_seasonal(_detrended(y), season) for y in tested if len(y) >= 2 * season + 1]
        if votes and sum(votes) * 2 > len(votes):
            return season
    return 1


def _detrended(y: np.ndarray) -> np.ndarray:
    """The series without its straight-line trend, which would otherwise pass for a season."""
    x = np.arange(len(y), dtype=float)
    slope, intercept = np.polyfit(x, y, 1) if len(y) > 2 else (0.0, float(np.mean(y)))
    return y - (slope * x + intercept)
