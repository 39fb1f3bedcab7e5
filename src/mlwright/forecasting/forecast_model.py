"""A forecasting model: the history it learned from, the chosen methods and their specs, the
calibrated intervals; future rows out.

Saved in the model directory format with ``kind: forecast``::

    manifest.json             kind, the columns (time, target, id), calendar step, season, checksums
    forecast/history.npz      every series' values and start (no pickle)
    forecast/model.json       chosen members, each local member's spec per series, intervals
    forecast/global_lightgbm.txt  the global booster, when it is a member (LightGBM's text format)
    training.json             the backtest's leaderboard, notes, timings

A forecast refits each local member's spec on the history (statsforecast), runs the booster
recursively, and takes the members' mean; the intervals widen each step's forecast by the
backtest's calibrated spread times the series' naive scale. With a new history (the same
columns) the specs of known series are refitted on it; an unseen series gets each method's
automatic choice.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright.forecasting import global_boosting
from mlwright.forecasting.global_boosting import GlobalBooster
from mlwright.forecasting.history import History, SINGLE_SERIES
from mlwright.forecasting.intervals import Intervals
from mlwright.forecasting.local_methods import METHODS, recent

KIND = "forecast"
HISTORY_FILE = "forecast/history.npz"
MODEL_FILE = "forecast/model.json"
BOOSTER_FILE = f"forecast/{global_boosting.NAME}.txt"
LEVELS = (80, 95)
OUTPUT_COLUMNS = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95"]


class ForecastModel:
    """Future values of each series, with 80% and 95% intervals."""

    kind = KIND

    def __init__(self, *, history: History, season: int, horizon: int, members: list[str],
                 specs: dict[str, list[dict]], booster: GlobalBooster | None, intervals: Intervals,
                 info: dict[str, Any]):
        self.history, self.season, self.horizon = history, season, horizon
        self.members, self.specs, self.booster, self.intervals, self.info = members, specs, booster, intervals, info
        #: The forecast made at training (set by ``forecast``; not saved: forecast.csv holds it).
        self.forecast_: pd.DataFrame | None = None
        self._remembered: dict[str, list[np.ndarray]] | None = None

    def remember(self, paths: dict[str, list[np.ndarray]]) -> None:
        """The members' forecasts of the saved history at the trained horizon, made while
        refitting: the same numbers ``member_paths`` would compute, without fitting every
        series a second time."""
        self._remembered = paths

    @property
    def time_column(self) -> str:
        return self.history.time_name if " and " not in self.history.time_name else "time"

    def forecast(self, horizon: int | None = None, history: History | None = None) -> pd.DataFrame:
        """The next ``horizon`` steps of every series (default: the horizon trained for), from
        the saved history or from ``history`` (read by ``read_history`` with this model's columns)."""
        from mlwright.forecasting.history import check_horizon

        horizon = self.horizon if horizon is None else horizon
        past = self.history if history is None else history
        past = check_horizon(past, horizon)
        if history is None and horizon == self.horizon and self._remembered is not None:
            paths = self._remembered
        else:
            paths = self.member_paths(past, horizon)
        mean = [np.mean([paths[m][i] for m in self.members], axis=0) for i in range(len(past.ids))]
        return self.table(past, mean, horizon)

    def member_paths(self, past: History, horizon: int) -> dict[str, list[np.ndarray]]:
        self._check_libraries()
        known = {sid: i for i, sid in enumerate(self.history.ids)}
        paths: dict[str, list[np.ndarray]] = {}
        for member in self.members:
            if member == global_boosting.NAME:
                paths[member] = self.booster.forecast(past.values, past.starts, horizon)
                continue
            method = METHODS[member]
            out = []
            for sid, full in zip(past.ids, past.values):
                y = recent(full, self.season)
                spec = self.specs[member][known[sid]] if sid in known else None
                out.append(finite_path(method.forecast_spec(y, horizon, spec, self.season) if spec is not None
                                   else method.fit_forecast(y, horizon, self.season)[0], y, horizon))
            paths[member] = out
        return paths

    def _check_libraries(self) -> None:
        from mlwright.errors import OptionalDependencyError
        from mlwright.forecasting.local_methods import statistical_available

        statistical = [m for m in self.members if m in METHODS and METHODS[m].statistical]
        if statistical and not statistical_available():
            raise OptionalDependencyError(f"this model forecasts with {', '.join(statistical)}, refitted on the history "
                                          "at each forecast by statsforecast, which is not installed.",
                                          fix="pip install 'mlwright[forecast]'")

    def table(self, past: History, mean: list[np.ndarray], horizon: int) -> pd.DataFrame:
        frames = []
        for i, (sid, path) in enumerate(zip(past.ids, mean)):
            scale = self.intervals.scale_of(past.values[i], self.season, horizon)
            columns: dict[str, Any] = {self.time_column: past.future(i, horizon)}
            if past.id_name:
                columns[past.id_name] = sid
            columns["forecast"] = path
            for level in LEVELS:
                lower, upper = self.intervals.bounds(path, scale, level)
                columns[f"lower_{level}"], columns[f"upper_{level}"] = lower, upper
            frames.append(pd.DataFrame(columns))
        return pd.concat(frames, ignore_index=True)

    def read_new_history(self, data, *, where: str = "data") -> History:
        """A new history in this model's columns and calendar."""
        from mlwright.data.readers import read_table
        from mlwright.forecasting.history import read_history

        time = self.info["time_columns"]
        return read_history(read_table(data), time=time, target=self.history.target,
                            id_column=self.history.id_name, freq=self.history.freq, where=where)

    def save(self, path: str | Path) -> Path:
        from mlwright.registry.bundle import dump_json, write_folder, write_manifest

        def write(root: Path) -> None:
            (root / "forecast").mkdir()
            lengths = np.array([len(v) for v in self.history.values], dtype=np.int64)
            np.savez(root / HISTORY_FILE, values=np.concatenate(self.history.values), lengths=lengths,
                     starts=np.array([s.value for s in self.history.starts], dtype=np.int64),
                     ids=np.array(self.history.ids, dtype=str))
            dump_json(root / MODEL_FILE, {"members": self.members, "specs": self.specs,
                                          "intervals": self.intervals.to_state(), "horizon": self.horizon,
                                          "season": self.season, "booster": None if self.booster is None else {
                                              "lags": self.booster.lags, "parts": self.booster.parts,
                                              "seed": self.booster.seed}})
            if self.booster is not None:
                (root / BOOSTER_FILE).write_text(self.booster.booster_text, encoding="utf-8")
            dump_json(root / "training.json", self.info)
            write_manifest(root, {"kind": KIND, "time": self.history.time_name,
                                  "time_columns": self.info["time_columns"], "target": self.history.target,
                                  "id": self.history.id_name, "freq": self.history.freq, "season": self.season,
                                  "horizon": self.horizon, "members": self.members})

        return write_folder(Path(path), write)

    def _repr_html_(self) -> str:
        from mlwright.display.cards import forecast_model

        return forecast_model(self).html()

    def __repr__(self) -> str:
        return (f"ForecastModel(series={len(self.history.ids)}, horizon={self.horizon}, "
                f"members={'+'.join(self.members)})")


def finite_path(path, y: np.ndarray, horizon: int) -> np.ndarray:
    """A forecast with no NaN or inf: a method that diverged repeats the last value instead."""
    path = np.asarray(path, dtype=float)
    if path.shape != (horizon,) or not np.isfinite(path).all():
        warnings.warn("a method's forecast was not finite; the last value is repeated instead", stacklevel=3)
        return np.full(horizon, y[-1], dtype=float)
    return path


def load_forecast_model(root: Path, manifest: dict) -> ForecastModel:
    """Read a ``kind: forecast`` folder whose checksums ``registry.bundle.read_manifest`` checked."""
    from mlwright.registry.bundle import read_json

    with np.load(root / HISTORY_FILE, allow_pickle=False) as arrays:
        values = np.split(arrays["values"], np.cumsum(arrays["lengths"])[:-1])
        starts = [pd.Timestamp(int(v)) for v in arrays["starts"]]
        ids = [str(v) for v in arrays["ids"]]
    state = read_json(root / MODEL_FILE)
    history = History(ids, [np.asarray(v, dtype=float) for v in values], starts, manifest["freq"],
                      manifest["time"], manifest["target"], manifest.get("id"))
    booster = None
    if state["booster"] is not None:
        booster = GlobalBooster(season=state["season"], freq=manifest["freq"], lags=state["booster"]["lags"],
                                parts=state["booster"]["parts"],
                                booster_text=(root / BOOSTER_FILE).read_text(encoding="utf-8"),
                                seed=state["booster"]["seed"])
    return ForecastModel(history=history, season=state["season"], horizon=state["horizon"],
                         members=state["members"], specs=state["specs"], booster=booster,
                         intervals=Intervals.from_state(state["intervals"]), info=read_json(root / "training.json"))


__all__ = ["ForecastModel", "load_forecast_model", "KIND", "SINGLE_SERIES", "OUTPUT_COLUMNS"]
