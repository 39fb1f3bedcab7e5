"""Actual values matched with the forecasts a forecasting model made for them.

The actuals are a table in the model's own columns (its time, or the parts the time was
assembled from, its target and, for several series, its id). Only rows after the end of their
series' training history count: older rows, series the model never saw, rows whose target is
not known yet and times off the model's calendar are set aside, each counted in a note, so a
user can pass a whole updated history as it is. The forecasts are those of the saved model from
its saved history, as far ahead as the last actual reaches: the forecast the model made, not
one refitted on the actuals.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mlwright.errors import DataError, closest_name
from mlwright.forecasting.history import MIN_FIT_VALUES, SINGLE_SERIES, parse_times

#: Series named in a note before "and others".
SHOWN = 5
#: The forecast's columns carried onto each matched actual.
FORECAST_COLUMNS = ["forecast", "lower_80", "upper_80", "lower_95", "upper_95"]


@dataclass
class MatchedActuals:
    """One row per actual matched with its forecast: ``series``, ``time``, ``step`` (1 = the
    first step after the history), ``actual`` and the forecast's columns."""

    rows: pd.DataFrame
    notes: list[str] = field(default_factory=list)


def match_actuals(model, frame: pd.DataFrame, *, where: str) -> MatchedActuals:
    """The actuals in ``frame`` after each series' history, with the model's forecast for them."""
    history = model.history
    rows = _read_actuals(model, frame, where)
    notes = []
    unknown = sorted(set(rows["series"]) - set(history.ids))
    if unknown:
        notes.append(f"{_rows(int(rows['series'].isin(unknown).sum()))} of {len(unknown)} series the model was not "
                     f"trained on set aside: {_listed(unknown)}.")
    rows = rows[~rows["series"].isin(unknown)]
    if unknown and rows.empty:
        raise DataError(f"no row belongs to a series the model was trained on (the actuals hold {_listed(unknown)}).",
                        where=where, fix=f"pass actuals of the model's series ({_listed(history.ids)}) in the "
                                         f"column {history.id_name!r}.")
    ends = {sid: history.times(i)[-1] for i, sid in enumerate(history.ids)}
    after = rows["time"] > rows["series"].map(ends)
    if not after.any():
        last = max(ends.values())
        raise DataError(f"no row ({_rows(len(frame))} read) is after the end of the model's history ({_day(last)}"
                        + ("" if len(set(ends.values())) == 1 else " at the latest") + ").", where=where,
                        fix=f"pass the actual values for times after {_day(last)} in the columns "
                            f"{', '.join(_columns(model))}.")
    if (~after).any():
        notes.append(f"{_rows(int((~after).sum()))} at or before the end of the training history set aside.")
    rows = rows[after]
    unknown_value = rows["actual"].isna()
    if unknown_value.all():
        raise DataError(f"the target {history.target!r} is empty on every row after the history.", where=where,
                        fix="pass the actual values that came in after the model was trained.")
    if unknown_value.any():
        notes.append(f"{_rows(int(unknown_value.sum()))} without a value of {history.target!r} set aside.")
    rows = _placed(model, rows[~unknown_value], notes, where)
    forecast = _forecast(model, int(rows["step"].max()))
    matched = rows.merge(forecast, on=["series", "time"], how="left", validate="one_to_one")
    beyond = int((matched["step"] > model.horizon).sum())
    if beyond:
        notes.append(f"{beyond:,} matched step{'s lie' if beyond != 1 else ' lies'} beyond the horizon of {model.horizon} the model was trained and "
                     f"backtested for: errors grow with the step, so these weigh against the forecasts.")
    return MatchedActuals(matched.sort_values(["series", "time"], kind="stable").reset_index(drop=True), notes)


def _read_actuals(model, frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """series, time, actual and line (the file's line, a header then rows from 2) of every row."""
    history = model.history
    for name in _columns(model):
        if name not in frame.columns:
            near = closest_name(name, frame.columns)
            raise DataError(f"no column {name!r}" + (f" (did you mean {near!r}?)" if near else "")
                            + f": the actuals need the model's columns {', '.join(_columns(model))}.", where=where,
                            fix=f"add {name!r} to the actuals, or rename the column that holds it.")
    try:
        times = parse_times(frame, list(model.info["time_columns"]), where)
    except DataError as exc:
        if "--time" not in (exc.fix or ""):
            raise
        raise DataError(exc.problem, where=exc.where,  # --time is an option of `forecast`, not of `monitor`
                        fix="write the times as the training data did (e.g. YYYY-MM-DD).") from None
    if getattr(times.dt, "tz", None) is not None:  # the history's times are naive (UTC)
        times = times.dt.tz_convert(None)
    actual = pd.to_numeric(frame[history.target], errors="coerce")
    wrong = actual.isna() & frame[history.target].notna()
    if wrong.any():
        shown = ", ".join(repr(v) for v in frame.loc[wrong, history.target].astype(str).unique()[:SHOWN])
        raise DataError(f"the target {history.target!r} is not a number on {_rows(int(wrong.sum()))} ({shown}).",
                        where=where, fix="pass the actual values as numbers (leave a value empty when not known yet).")
    series = frame[history.id_name].astype("string").fillna("(missing)") if history.id_name else \
        pd.Series(SINGLE_SERIES, index=frame.index, dtype="string")
    return pd.DataFrame({"series": series.astype(str).to_numpy(), "time": pd.DatetimeIndex(times),
                         "actual": actual.astype(float).to_numpy(), "line": np.arange(len(frame)) + 2})


def _placed(model, rows: pd.DataFrame, notes: list[str], where: str) -> pd.DataFrame:
    """Each row's step after its history's end; rows off the calendar, or further ahead than a
    forecast from the history reaches, set aside."""
    history = model.history
    twice = rows.duplicated(["series", "time"], keep=False)
    if twice.any():
        first = rows[twice].iloc[0]
        lines = rows.loc[twice & (rows["series"] == first["series"]) & (rows["time"] == first["time"]), "line"]
        raise DataError(f"{int(twice.sum()):,} rows repeat a time of their series (first: {first['time']} on lines "
                        f"{', '.join(map(str, lines))}).", where=where, fix="keep one actual per time and series.")
    # the longest forecast the shortest series carries (``check_horizon``'s limit)
    reach = max(history.shortest - MIN_FIT_VALUES, 1)
    steps = pd.Series(0, index=rows.index)  # 0: not a time of the forecast
    last = {}
    for i, sid in enumerate(history.ids):
        mine = rows["series"] == sid
        if mine.any():
            grid = history.future(i, reach)
            steps[mine] = grid.get_indexer(pd.DatetimeIndex(rows.loc[mine, "time"])) + 1
            last[sid] = grid[-1]
    too_far = rows["time"] > rows["series"].map(last)
    off_calendar = (steps == 0) & ~too_far
    if too_far.any():
        notes.append(f"{_rows(int(too_far.sum()))} further ahead than {reach} steps (the longest forecast the "
                     f"model's history carries) set aside.")
    if off_calendar.any():
        notes.append(f"{_rows(int(off_calendar.sum()))} whose times are not on the model's {history.freq} calendar "
                     f"set aside (first: {rows.loc[off_calendar, 'time'].iloc[0]}).")
    placed = rows.assign(step=steps)[steps > 0]
    if placed.empty:
        raise DataError(f"no actual falls on a time the model forecasts (a {history.freq} calendar, at most {reach} "
                        "steps after the history).", where=where,
                        fix=f"pass actuals at the model's times ({history.freq} steps after the history's end).")
    return placed.drop(columns="line")


def _forecast(model, horizon: int) -> pd.DataFrame:
    table = model.forecast(horizon=horizon)
    history = model.history
    series = table[history.id_name].astype(str) if history.id_name else SINGLE_SERIES
    return pd.DataFrame({"series": series, "time": pd.DatetimeIndex(table[model.time_column]),
                         **{c: table[c].to_numpy() for c in FORECAST_COLUMNS}})


def _columns(model) -> list[str]:
    history = model.history
    return [*model.info["time_columns"], *([history.id_name] if history.id_name else []), history.target]


def _day(when: pd.Timestamp) -> str:
    return str(when.date()) if when == when.normalize() else str(when)


def _rows(count: int) -> str:
    return f"{count:,} row{'s' * (count != 1)}"


def _listed(names: list[str]) -> str:
    return ", ".join(names[:SHOWN]) + (" and others" if len(names) > SHOWN else "")
