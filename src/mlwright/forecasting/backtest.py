"""Rolling-origin backtesting: every method forecasts the last windows of each series from the
history before them, as it would have had it been run then.

Windows end where the series end and step back by the horizon, so the last window is the most
recent past and no forecast ever sees the values it is scored on. Methods run cheapest first;
a method whose measured cost would not finish its windows in the time left is passed over with a
note rather than cut off half-way, so every method on the leaderboard saw the same windows.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

import numpy as np

from mlwright.forecasting import global_boosting
from mlwright.forecasting.history import MIN_FIT_VALUES, History
from mlwright.forecasting.local_methods import LocalMethod
from mlwright.forecasting.parallel import PARALLEL_JOBS, map_series
from mlwright.forecasting.scores import naive_scale, season_window_scale

MAX_WINDOWS = 5


@dataclass
class Backtest:
    horizon: int
    season: int
    windows: int
    #: Per series and window: the actual values of the window, and the in-sample naive scale.
    actuals: np.ndarray  # (series, windows, horizon)
    scales: np.ndarray  # (series, windows): MASE's, the whole history's
    spreads: np.ndarray  # (series, windows): the intervals' (``scores.season_window_scale``)
    forecasts: dict[str, np.ndarray] = field(default_factory=dict)  # method -> (series, windows, horizon)
    seconds: dict[str, float] = field(default_factory=dict)
    passed_over: list[str] = field(default_factory=list)

    def scaled_errors(self, forecast: np.ndarray) -> np.ndarray:
        """(actual - forecast) / scale, per series, window and step."""
        return (self.actuals - forecast) / self.scales[:, :, None]

    def interval_errors(self, forecast: np.ndarray) -> np.ndarray:
        """(actual - forecast) / the recent past's scale: what intervals are calibrated on."""
        return (self.actuals - forecast) / self.spreads[:, :, None]


def count_windows(history: History, horizon: int, season: int) -> int:
    """As many windows as the shortest series allows while keeping two seasons (or four values)
    to learn from before the earliest one, at most ``MAX_WINDOWS`` for a few series and fewer for
    many (``windows_for``); at least one."""
    learn = max(2 * season + 2, MIN_FIT_VALUES) if season > 1 else MIN_FIT_VALUES
    possible = (history.shortest - learn) // horizon
    if possible < 1:
        possible = (history.shortest - MIN_FIT_VALUES) // horizon
    return int(max(1, min(windows_for(len(history.ids)), possible)))


def windows_for(series: int) -> int:
    """Errors pool over series and windows: one series needs five windows for its choice and its
    intervals to rest on more than a few errors, a thousand give plenty in two, where each
    window more costs a thousand fits of every local method."""
    return MAX_WINDOWS if series <= 3 else 3 if series <= 20 else 2


def start_backtest(history: History, horizon: int, season: int, windows: int) -> Backtest:
    n = len(history.ids)
    actuals = np.zeros((n, windows, horizon))
    scales, spreads = np.ones((n, windows)), np.ones((n, windows))
    for i, y in enumerate(history.values):
        for w in range(windows):
            end = len(y) - (windows - w) * horizon
            actuals[i, w] = y[end:end + horizon]
            scales[i, w] = naive_scale(y[:end], season)
            spreads[i, w] = season_window_scale(y[:end], season, horizon)
    return Backtest(horizon, season, windows, actuals, scales, spreads)


def run_local(backtest: Backtest, history: History, method: LocalMethod, deadline: float, n_jobs: int) -> bool:
    """Backtest one local method on every series and window; False (and a note) when it was
    passed over because it would not finish before ``deadline``."""
    if method.statistical:
        if time.time() >= deadline:  # not even the probing fit: one can take longer than the whole budget
            backtest.passed_over.append(f"{method.name}: no time was left for its backtest")
            return False
        import statsforecast.models  # noqa: F401 - its import (seconds) must not be taken for the fit's cost
    started = time.time()
    n = len(history.ids)
    jobs = [(history.values[i], backtest.windows, backtest.horizon, backtest.season) for i in range(n)]
    fits = n * backtest.windows
    # one fit (the first series' last window) tells the cost before committing to all of them
    last = _window_forecast(method.name, history.values[0], len(history.values[0]) - backtest.horizon,
                            backtest.horizon, backtest.season)
    per_fit = time.time() - started
    workers = min(n_jobs, os.cpu_count() or 1) if n >= PARALLEL_JOBS else 1
    projected = per_fit * (fits - 1) / workers
    if method.statistical and time.time() + projected > deadline:  # the baselines always run: they cost nothing
        backtest.passed_over.append(f"{method.name}: its backtest would take about {max(projected, 1):.0f} s more "
                                    "than the time left")
        return False
    first = _series_windows(method.name, *jobs[0], known={backtest.windows - 1: last})
    rest = map_series(_series_windows, [(method.name, *job) for job in jobs[1:]], workers)
    backtest.forecasts[method.name] = np.stack([first, *rest])
    backtest.seconds[method.name] = round(time.time() - started, 3)
    return True


def _window_forecast(name: str, y: np.ndarray, end: int, horizon: int, season: int) -> np.ndarray:
    from mlwright.forecasting.local_methods import METHODS, recent

    past = recent(y[:end], season)
    return _finite(METHODS[name].fit_forecast(past, horizon, season)[0], past, horizon)


def _series_windows(name: str, y: np.ndarray, windows: int, horizon: int, season: int,
                    known: dict[int, np.ndarray] | None = None) -> np.ndarray:
    out = np.zeros((windows, horizon))
    for w in range(windows):
        end = len(y) - (windows - w) * horizon
        out[w] = known[w] if known and w in known else _window_forecast(name, y, end, horizon, season)
    return out


def run_global(backtest: Backtest, history: History, deadline: float, seed: int, n_jobs: int) -> bool:
    """Backtest the global LightGBM: one fit per window on every series' history before it."""
    import lightgbm  # noqa: F401 - its import (seconds on a busy machine) must not be taken for the fit's cost

    started = time.time()
    if started > deadline:
        backtest.passed_over.append(f"{global_boosting.NAME}: no time was left for its backtest")
        return False
    forecasts = np.zeros_like(backtest.actuals)
    for w in range(backtest.windows):
        cut = history.cut((backtest.windows - w) * backtest.horizon)
        model = global_boosting.fit_global_booster(cut.values, cut.starts, cut.freq, backtest.season, seed=seed,
                                                   n_jobs=n_jobs)
        if model is None:
            backtest.passed_over.append(f"{global_boosting.NAME}: too few rows to learn from")
            return False
        predicted = model.forecast(cut.values, cut.starts, backtest.horizon)
        for i, path in enumerate(predicted):
            forecasts[i, w] = _finite(path, cut.values[i], backtest.horizon)
        if w == 0 and time.time() + (time.time() - started) * (backtest.windows - 1) > deadline:
            backtest.passed_over.append(f"{global_boosting.NAME}: its backtest would not finish in the time left")
            return False
    backtest.forecasts[global_boosting.NAME] = forecasts
    backtest.seconds[global_boosting.NAME] = round(time.time() - started, 3)
    return True


def _finite(path, y: np.ndarray, horizon: int) -> np.ndarray:
    """A forecast with no NaN or inf: a method that diverged repeats the last value instead."""
    path = np.asarray(path, dtype=float)
    if path.shape != (horizon,) or not np.isfinite(path).all():
        return np.full(horizon, y[-1], dtype=float)
    return path
