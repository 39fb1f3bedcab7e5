"""``mlwright.forecast``: read the series, backtest the methods, choose, forecast, save, record.

The budget is split as train's is: the backtest may use ``BACKTEST_SHARE`` of it, starting
methods cheapest first and passing over one whose measured cost would overrun; the rest is for
refitting the chosen methods on the whole history (the best entry whose refit, predicted from
its backtest, fits before the last ``AFTER_SHARE``), the intervals, the report and saving.
"""

from __future__ import annotations

import os
import time as clock
from pathlib import Path
from typing import Any

import numpy as np

from mlwright._types import DataSource
from mlwright.data.readers import read_table
from mlwright.errors import ConfigError, DataError
from mlwright.forecasting import global_boosting
from mlwright.forecasting.backtest import count_windows, run_global, run_local, start_backtest
from mlwright.forecasting.choice import baseline_entry, choose, chosen_intervals, leaderboard
from mlwright.forecasting.forecast_model import ForecastModel, finite_path
from mlwright.forecasting.history import History, check_horizon, read_history
from mlwright.forecasting.local_methods import METHODS, candidate_methods, recent, statistical_available
from mlwright.forecasting.parallel import PARALLEL_JOBS, map_series
from mlwright.forecasting.seasons import choose_season
from mlwright.registry.run_slot import check_register, recorded_run

BACKTEST_SHARE = 0.6
#: Kept for what follows the refit: the forecast table, the report, saving.
AFTER_SHARE = 0.1
FORECAST_CSV = "forecast.csv"
REPORT = "report.html"
#: Relative difference allowed between a library's automatic model and the same spec rebuilt.
REBUILD_TOLERANCE = 1e-6


def forecast(data: DataSource, *, time: str | list[str], target: str, horizon: int, id: str | None = None,  # noqa: A002
             freq: str | None = None, time_limit: float = 60.0, out: str | os.PathLike | None = None,
             seed: int = 0, n_jobs: int | None = None, read_options: dict[str, Any] | None = None,
             store: str | Any | bool | None = None, register: str | None = None,
             started_at: float | None = None, on_step=None) -> ForecastModel:
    """Forecast the next ``horizon`` steps of the series in ``data`` (``time`` names the time
    column, or the parts it is assembled from: ``"year,month"``; ``id`` the column that tells
    several series apart), choosing among seasonal naive, statsforecast's AutoETS, AutoARIMA and
    AutoTheta and a global LightGBM, and their combinations, by rolling-origin backtesting within
    ``time_limit`` seconds. With ``out``: ``out/model``, ``out/forecast.csv`` and ``out/report.html``."""
    started = started_at if started_at is not None else clock.time()
    if time_limit <= 0:
        raise ConfigError(f"time_limit must be positive, got {time_limit}.", where="time_limit",
                          fix="give seconds, e.g. 60.")
    check_register(register, store)
    where = str(data) if isinstance(data, (str, os.PathLike)) else "data"
    raw = read_table(data, **(read_options or {}))
    history = check_horizon(read_history(raw, time=time, target=target, id_column=id, freq=freq, where=where),
                            horizon)
    params = {"kind": "forecast", "horizon": horizon, "time_limit": time_limit, "seed": seed, "freq": history.freq}
    with recorded_run(store, data, out, register, params, target=target) as run:
        model = fit_forecaster(history, horizon, time_limit=time_limit, seed=seed, n_jobs=n_jobs, started=started,
                               time_columns=time, on_step=on_step)
        model.forecast_ = model.forecast()
        if run.run_dir is not None:
            save_outputs(model, run.run_dir, source=where)
        if run.recorder is not None:
            from mlwright.data.prepare import fingerprint

            run.recorder.describe_data(task="forecast", metric="mase", findings=[], data=fingerprint(raw))
            run.recorder.finish(model, timings={"total": round(clock.time() - started, 3)}, run_dir=run.run_dir)
            model.info["run_id"] = run.recorder.run_id
            run.registered(model)
    return model


def fit_forecaster(history: History, horizon: int, *, time_limit: float, seed: int = 0, n_jobs: int | None = None,
                   started: float | None = None, time_columns: str | list[str] = "time",
                   on_step=None) -> ForecastModel:
    """Backtest, choose and refit: the model, its forecast not yet made."""
    started = started if started is not None else clock.time()
    jobs = n_jobs or os.cpu_count() or 1
    season = choose_season(history.values, history.freq)
    windows = count_windows(history, horizon, season)
    backtest = start_backtest(history, horizon, season, windows)
    deadline = started + BACKTEST_SHARE * time_limit
    notes = list(history.notes)
    if not statistical_available():
        notes.append("the statistical methods (AutoETS, AutoARIMA, AutoTheta) are left out: statsforecast is not "
                     "installed. Add them with: pip install 'mlwright[forecast]'")
    positive = all(float(np.min(y)) > 0 for y in history.values)
    methods = candidate_methods(season, history.shortest, positive)
    for method in [m for m in methods if not m.statistical]:
        run_local(backtest, history, method, deadline, jobs)
    # the global model next: one fit per window whatever the number of series, where the
    # statistical methods need one per series (the first to be passed over on a large collection)
    _step(on_step, f"backtest {global_boosting.NAME}")
    run_global(backtest, history, deadline, seed, jobs)
    for method in [m for m in methods if m.statistical]:
        _step(on_step, f"backtest {method.name}")
        run_local(backtest, history, method, deadline, jobs)
    board = leaderboard(backtest)
    seconds_left = started + (1 - AFTER_SHARE) * time_limit - clock.time()
    chosen, limited = choose(board, backtest, seconds_left)
    if limited:
        notes.append(limited)
    _step(on_step, f"refit {chosen.name}")
    specs, booster, rebuilt, paths = _refit(history, horizon, season, chosen.members, seed, jobs)
    baseline = baseline_entry(board)
    intervals, coverage = chosen_intervals(backtest, chosen)
    info = {"task": "forecast", "horizon": horizon, "season": season, "freq": history.freq,
            "time_columns": [c.strip() for c in ([time_columns] if isinstance(time_columns, str) else time_columns)
                             for c in c.split(",") if c.strip()],
            "series": len(history.ids), "values": int(sum(len(v) for v in history.values)),
            "windows": windows, "chosen": {**chosen.record(), "coverage": {str(k): (None if v is None else round(v, 3))
                                                                      for k, v in coverage.items()}},
            "leaderboard": [e.record() for e in board],
            "baseline": None if baseline is None else baseline.record(),
            "passed_over": backtest.passed_over, "notes": notes, "rebuilt_max_difference": rebuilt,
            "filled_gaps": history.filled, "backtest_seconds": backtest.seconds,
            "train_seconds": round(clock.time() - started, 2)}
    model = ForecastModel(history=history, season=season, horizon=horizon, members=chosen.members, specs=specs,
                          booster=booster, intervals=intervals, info=info)
    model.backtest_ = backtest
    model.remember(paths)
    return model


def _refit(history: History, horizon: int, season: int, members: list[str], seed: int,
           jobs: int) -> tuple[dict[str, list[dict]], Any, float, dict[str, list[np.ndarray]]]:
    """Each member on the whole history: the local members' specs, the booster, how far the
    rebuilt specs' forecasts are from the automatic models' (relative to the series' spread),
    and each member's forecast (the rebuilt one: what the saved model will forecast)."""
    specs: dict[str, list[dict]] = {}
    paths: dict[str, list[np.ndarray]] = {}
    booster = None
    worst = 0.0
    for member in members:
        if member == global_boosting.NAME:
            booster = global_boosting.fit_global_booster(history.values, history.starts, history.freq, season,
                                                         seed=seed, n_jobs=jobs)
            paths[member] = booster.forecast(history.values, history.starts, horizon)
            continue
        workers = min(jobs, os.cpu_count() or 1) if len(history.ids) >= PARALLEL_JOBS else 1
        fitted = map_series(refit_series, [(member, y, horizon, season) for y in history.values], workers)
        specs[member] = [spec for spec, _, _ in fitted]
        paths[member] = [rebuilt for _, _, rebuilt in fitted]
        worst = max([worst, *(difference for _, difference, _ in fitted)])
    if worst > REBUILD_TOLERANCE:
        import warnings

        warnings.warn(f"a rebuilt statistical model forecasts up to {worst:.2g} (in the series' spreads) away from "
                      "the automatic one; the saved model's forecast is the rebuilt one", stacklevel=2)
    return specs, booster, worst, paths


def refit_series(name: str, full: np.ndarray, horizon: int, season: int) -> tuple[dict, float, np.ndarray]:
    """One series: the method's spec, the rebuilt forecast's distance from the automatic one,
    and the rebuilt forecast."""
    method = METHODS[name]
    y = recent(full, season)
    automatic, spec = method.fit_forecast(y, horizon, season)
    rebuilt = finite_path(method.forecast_spec(y, horizon, spec, season), y, horizon)
    difference = 0.0
    if np.isfinite(automatic).all():
        difference = float(np.max(np.abs(np.asarray(automatic) - rebuilt))) / (float(np.std(y)) or 1.0)
    return spec, difference, rebuilt


def save_outputs(model: ForecastModel, out: Path, *, source: str) -> None:
    """The model folder, ``forecast.csv`` and the report."""
    from mlwright.files import atomic_path
    from mlwright.report.forecast_page import write_forecast_report

    model.save(out / "model")
    with atomic_path(out / FORECAST_CSV) as path:
        model.forecast_.to_csv(path, index=False)
    write_forecast_report(out / REPORT, model, source=source)


def _step(on_step, text: str) -> None:
    if on_step is not None:
        on_step(text)


__all__ = ["forecast", "fit_forecaster", "DataError"]
