"""Small series with known structure for the forecasting tests: a trend with a yearly season
(what the statistical methods must beat seasonal naive on), several such series in one table,
and a copy of seaborn's flights (year and month names) when the datasets are beside the repo."""

from __future__ import annotations

import importlib.util

import numpy as np
import pandas as pd

from tests.requirements import missing

STATSFORECAST_MISSING = ("the statistical forecasting methods need statsforecast: install the forecast extra "
                         "(pip install -e '.[test,deep,forecast]')")


def require_statsforecast() -> None:
    """Skip a module that needs statsforecast where it is not installed, unless CI says it must
    run (MLWRIGHT_REQUIRE_FORECAST), where its absence is a failure."""
    if importlib.util.find_spec("statsforecast") is None:
        missing("FORECAST", STATSFORECAST_MISSING, module=True)


def monthly_series(months: int = 72, *, level: float = 100.0, trend: float = 1.0, season: float = 12.0,
                   noise: float = 1.0, seed: int = 0, start: str = "2015-01-01") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    t = np.arange(months)
    values = level + trend * t + season * np.sin(2 * np.pi * t / 12) + rng.normal(0, noise, months)
    return pd.DataFrame({"month": pd.date_range(start, periods=months, freq="MS").strftime("%Y-%m-%d"),
                         "sales": values})


def several_series(count: int = 3, months: int = 60) -> pd.DataFrame:
    parts = []
    for i in range(count):
        frame = monthly_series(months, level=50.0 * (i + 1), trend=0.5 * (i + 1), seed=i)
        frame.insert(0, "store", f"store-{i}")
        parts.append(frame)
    return pd.concat(parts, ignore_index=True)
