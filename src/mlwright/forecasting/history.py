"""The history a forecast starts from: one or several series on a regular calendar.

A table becomes a ``History`` here, and every problem with it is named here, before any model
runs: a time column that does not parse (or the parts it is assembled from, such as seaborn's
``year`` and month names), a target that is not a number, timestamps given twice within a
series (refused, with the rows named: which of two values is right is the user's call), gaps
(filled by straight lines between their neighbours and counted in the notes, since the models
need a regular calendar), series too short for the horizon (left out with a note) and a series
of one value.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mlwright.errors import DataError, closest_name

SINGLE_SERIES = "series"
#: Parts a time can be assembled from, by the names people give them.
PART_NAMES = {"year": "year", "yr": "year", "month": "month", "mon": "month", "day": "day", "date": "day",
              "hour": "hour", "hr": "hour", "minute": "minute", "min": "minute"}
_MONTHS = {name.lower(): number for number, name in enumerate(calendar.month_name) if name} | \
          {name.lower(): number for number, name in enumerate(calendar.month_abbr) if name}
#: A series needs this many values beyond the horizon to be fitted and checked at all.
MIN_FIT_VALUES = 4
SHOWN_ROWS = 5


@dataclass
class History:
    """Series on one regular calendar: ``values[i]`` starts at ``starts[i]`` and steps by ``freq``."""

    ids: list[str]
    values: list[np.ndarray]
    starts: list[pd.Timestamp]
    freq: str
    time_name: str
    target: str
    id_name: str | None
    notes: list[str] = field(default_factory=list)
    filled: dict[str, int] = field(default_factory=dict)

    def times(self, i: int, extra: int = 0) -> pd.DatetimeIndex:
        """The timestamps of series ``i``, and ``extra`` steps after its end."""
        return pd.date_range(self.starts[i], periods=len(self.values[i]) + extra, freq=self.freq)

    def future(self, i: int, horizon: int) -> pd.DatetimeIndex:
        return self.times(i, horizon)[-horizon:]

    @property
    def shortest(self) -> int:
        return min(len(v) for v in self.values)

    def subset(self, keep: list[int]) -> "History":
        return History([self.ids[i] for i in keep], [self.values[i] for i in keep], [self.starts[i] for i in keep],
                       self.freq, self.time_name, self.target, self.id_name, list(self.notes),
                       {k: v for k, v in self.filled.items() if k in {self.ids[i] for i in keep}})

    def cut(self, end: int) -> "History":
        """Every series without its last ``end`` values (a backtest's view of the past)."""
        return History(list(self.ids), [v[:len(v) - end] for v in self.values], list(self.starts), self.freq,
                       self.time_name, self.target, self.id_name)

    def to_frame(self) -> pd.DataFrame:
        parts = [pd.DataFrame({"id": sid, "time": self.times(i), "value": self.values[i]})
                 for i, sid in enumerate(self.ids)]
        return pd.concat(parts, ignore_index=True)


def read_history(frame: pd.DataFrame, *, time: str | list[str], target: str, id_column: str | None = None,
                 freq: str | None = None, where: str = "data") -> History:
    """The table's series, checked, on a regular calendar."""
    time_columns = [time] if isinstance(time, str) else list(time)
    time_columns = [c.strip() for part in time_columns for c in part.split(",") if c.strip()]
    for name, option in [*[(c, "--time") for c in time_columns], (target, "--target"), (id_column, "--id")]:
        if name is not None and name not in frame.columns:
            near = closest_name(name, frame.columns)
            raise DataError(f"no column {name!r}" + (f" (did you mean {near!r}?)" if near else "") + ".", where=where,
                            fix=f"name one of the table's columns with {option}: {', '.join(map(str, frame.columns[:12]))}.")
    if target in time_columns or target == id_column:
        raise DataError(f"the target {target!r} is also the time or the id.", where=where,
                        fix="name different columns with --target, --time and --id.")
    times = parse_times(frame, time_columns, where)
    values = _numeric_target(frame[target], target, where)
    ids = frame[id_column].astype("string").fillna("(missing)") if id_column else \
        pd.Series(SINGLE_SERIES, index=frame.index, dtype="string")
    long = pd.DataFrame({"id": ids.to_numpy(), "time": times.to_numpy(), "value": values.to_numpy()})
    long["row"] = np.arange(len(long)) + 2  # the file's line: a header, then rows from line 2
    _refuse_duplicates(long, id_column, where)
    step = freq or infer_frequency(long, where)
    return _regular(long, step, " and ".join(time_columns), target, id_column, where)


def parse_times(frame: pd.DataFrame, columns: list[str], where: str) -> pd.Series:
    """One column parsed as dates, or a date assembled from parts (year, month as a number or a
    name, day, hour)."""
    if len(columns) == 1:
        return _parse_one(frame[columns[0]], columns[0], where)
    parts = {}
    for name in columns:
        part = PART_NAMES.get(name.strip().lower())
        if part is None:
            raise DataError(f"cannot tell which part of a date the column {name!r} is.", where=where,
                            fix="name the parts year, month, day or hour, or give one column that holds the date.")
        parts[part] = _month_numbers(frame[name], name, where) if part == "month" else \
            _whole_numbers(frame[name], name, where)
    if "year" not in parts:
        raise DataError(f"the time parts {', '.join(columns)} have no year.", where=where,
                        fix="add the year column to --time, e.g. --time year,month.")
    parts.setdefault("month", pd.Series(1, index=frame.index))
    parts.setdefault("day", pd.Series(1, index=frame.index))
    try:
        return pd.to_datetime(pd.DataFrame(parts), errors="raise")
    except (ValueError, OverflowError) as exc:
        raise DataError(f"the time parts {', '.join(columns)} do not make a date: {str(exc).splitlines()[0]}",
                        where=where, fix="check the parts' values (months 1-12 or their names, days 1-31).") from None


def _parse_one(column: pd.Series, name: str, where: str) -> pd.Series:
    if column.isna().any():
        rows = [int(r) + 2 for r in np.flatnonzero(column.isna().to_numpy())[:SHOWN_ROWS]]
        raise DataError(f"the time column {name!r} is empty on {int(column.isna().sum())} rows (lines "
                        f"{', '.join(map(str, rows))}).", where=where, fix="give every row its time, or drop those rows.")
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    if pd.api.types.is_integer_dtype(column) and column.between(1000, 3000).all():
        return pd.to_datetime(column.astype(str), format="%Y")  # years
    parsed = pd.to_datetime(column.astype(str).str.strip(), errors="coerce", format="mixed")
    if parsed.isna().any():
        bad = np.flatnonzero(parsed.isna().to_numpy())
        shown = ", ".join(f"line {int(r) + 2}: {str(column.iloc[r])!r}" for r in bad[:SHOWN_ROWS])
        raise DataError(f"the time column {name!r} does not parse as dates on {len(bad):,} rows ({shown}).",
                        where=where, fix="write times as YYYY-MM-DD (or YYYY-MM-DD HH:MM), or name the column "
                                         "that holds them with --time.")
    return parsed


def _month_numbers(column: pd.Series, name: str, where: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(column):
        return _whole_numbers(column, name, where)
    mapped = column.astype("string").str.strip().str.lower().map(_MONTHS)
    if mapped.isna().any():
        bad = column[mapped.isna()].astype(str).unique()[:SHOWN_ROWS]
        raise DataError(f"the month column {name!r} holds values that are not months: {', '.join(map(repr, bad))}.",
                        where=where, fix="write months as 1-12 or as their English names (January or Jan).")
    return mapped.astype(int)


def _whole_numbers(column: pd.Series, name: str, where: str) -> pd.Series:
    numbers = pd.to_numeric(column, errors="coerce")
    if numbers.isna().any() or (numbers % 1 != 0).any():
        raise DataError(f"the time part {name!r} holds values that are not whole numbers.", where=where,
                        fix="write the year, day and hour as whole numbers.")
    return numbers.astype(int)


def _numeric_target(column: pd.Series, name: str, where: str) -> pd.Series:
    numbers = pd.to_numeric(column, errors="coerce")
    wrong = numbers.isna() & column.notna()
    if wrong.any():
        shown = ", ".join(repr(v) for v in column[wrong].astype(str).unique()[:SHOWN_ROWS])
        raise DataError(f"the target {name!r} is not a number on {int(wrong.sum()):,} rows ({shown}).", where=where,
                        fix="forecast a numeric column, or clean those values.")
    numbers = numbers.astype(float)
    if not np.isfinite(numbers.dropna()).all():
        raise DataError(f"the target {name!r} holds infinite values.", where=where, fix="replace them or drop the rows.")
    return numbers


def _refuse_duplicates(long: pd.DataFrame, id_column: str | None, where: str) -> None:
    twice = long.duplicated(["id", "time"], keep=False)
    if not twice.any():
        return
    repeated = long[twice].sort_values(["id", "time", "row"])
    groups = list(repeated.groupby(["id", "time"], sort=False))[:3]
    shown = "; ".join(f"{shown_time(group.time.iloc[0])} on lines {', '.join(str(r) for r in group.row[:SHOWN_ROWS])}"
                      + (f" ({id_column} {group.id.iloc[0]})" if id_column else "") for _, group in groups)
    fix = "keep one row per time in each series (sum or average them first)" + \
          ("" if id_column else ", or name the column that tells series apart with --id")
    raise DataError(f"{int(twice.sum()):,} rows repeat a timestamp of their series: {shown}.", where=where, fix=fix + ".")


def shown_time(stamp: pd.Timestamp) -> str:
    """A time as a message shows it: the date alone at midnight, as the user's file most likely has it."""
    stamp = pd.Timestamp(stamp)
    return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else str(stamp)


def infer_frequency(long: pd.DataFrame, where: str) -> str:
    """The calendar step: pandas' inference on the longest series when it has no gaps, else the
    coarsest common calendar (years, quarters, months, weeks, days, hours) every time lies on."""
    longest = long.groupby("id")["time"].size().idxmax()
    times = pd.DatetimeIndex(long.loc[long["id"] == longest, "time"].sort_values())
    if len(times) < 3:
        raise DataError(f"the longest series has {len(times)} value{'s' * (len(times) != 1)}: too few to tell the "
                        "calendar step.", where=where, fix="pass longer series, or say the step with --freq (e.g. D, MS).")
    inferred = pd.infer_freq(times)
    if inferred is not None:
        return inferred
    weekly = f"W-{times[0].day_name()[:3].upper()}"
    for alias in ("YS", "YE", "QS", "QE", "MS", "ME", weekly, "D", "h", "min", "s"):
        grid = pd.date_range(times[0], times[-1], freq=alias)
        if len(grid) and grid[0] == times[0] and times.isin(grid).all():
            return alias
    gap = pd.Series(np.diff(times.asi8)).mode().iloc[0]
    return pd.tseries.frequencies.to_offset(pd.Timedelta(int(gap))).freqstr


def _regular(long: pd.DataFrame, freq: str, time_name: str, target: str, id_column: str | None,
             where: str) -> History:
    """Every series on one calendar grid: each time's place on the grid (one date_range for all
    series, since building a month calendar per series took seconds for a thousand of them),
    then per series the values at their places and the gaps between them filled."""
    try:
        offset = pd.tseries.frequencies.to_offset(freq)
    except ValueError:
        raise DataError(f"{freq!r} is not a calendar step.", where="--freq",
                        fix="use a pandas offset alias: D (days), W, MS (month starts), ME (month ends), QS, h.") from None
    long = long.sort_values(["id", "time"], kind="stable")
    times = pd.DatetimeIndex(long["time"])
    grid = pd.date_range(times.min(), times.max(), freq=offset)
    # no grid at all when no time falls on the calendar (one day mid-month, months asked for)
    places = np.minimum(grid.searchsorted(times), max(len(grid) - 1, 0))
    off_grid = grid[places] != times if len(grid) else np.ones(len(times), dtype=bool)
    if off_grid.any():
        first = long[off_grid].iloc[0]
        count = int(off_grid.sum())
        raise DataError(f"{count:,} time{'s are' if count != 1 else ' is'} not on a {freq} calendar "
                        f"(first: {shown_time(first['time'])}"
                        + (f", series {first['id']}" if id_column else "") + ").", where=where,
                        fix="say the calendar step with --freq, or align the times (e.g. all month starts).")
    series_ids = long["id"].to_numpy()
    values_all = long["value"].to_numpy(dtype=float)
    cuts = np.flatnonzero(series_ids[1:] != series_ids[:-1]) + 1
    ids, values, starts, notes, filled = [], [], [], [], {}
    for begin, end in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [len(long)]])):
        sid, place, value = str(series_ids[begin]), places[begin:end], values_all[begin:end]
        known = np.isfinite(value)
        if not known.any():
            notes.append(f"series {sid!r} has no values and was left out.")
            continue
        place, value = place[known], value[known]
        full = np.full(int(place[-1] - place[0]) + 1, np.nan)
        full[place - place[0]] = value
        gaps = np.flatnonzero(np.isnan(full))
        if len(gaps):
            filled[sid] = int(len(gaps))
            present = np.flatnonzero(~np.isnan(full))
            full[gaps] = np.interp(gaps, present, full[present])
        ids.append(sid)
        values.append(full)
        starts.append(grid[place[0]])
    if filled:
        total = sum(filled.values())
        shown = ", ".join(f"{sid} {n}" for sid, n in list(filled.items())[:SHOWN_ROWS])
        notes.append(f"{total:,} missing step{'s' * (total != 1)} filled by a straight line between neighbours "
                     f"({shown if id_column else f'{total} in the series'}).")
    if not ids:
        raise DataError("no series has values.", where=where, fix=f"check the target column {target!r}.")
    return History(ids, values, starts, offset.freqstr, time_name, target, id_column, notes, filled)


def check_horizon(history: History, horizon: int, where: str = "--horizon") -> History:
    """Leave out the series too short for ``horizon`` (with a note), refuse a horizon no series
    can carry, and refuse a history of one value."""
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise DataError(f"the horizon must be a whole number of steps of at least 1, got {horizon!r}.", where=where,
                        fix="ask for the number of future steps to forecast, e.g. --horizon 12.")
    constant = [sid for sid, v in zip(history.ids, history.values) if len(v) == 1]
    if len(constant) == len(history.ids):
        raise DataError("every series has one value: there is no history to learn from.", where=history.target,
                        fix="pass more than one time per series.")
    need = horizon + MIN_FIT_VALUES
    keep = [i for i, v in enumerate(history.values) if len(v) >= need]
    if not keep:
        longest = max(len(v) for v in history.values)
        raise DataError(f"the horizon {horizon} is too long for the history: the longest series has {longest} "
                        f"values, and a forecast of {horizon} needs at least {need}.", where=where,
                        fix=f"ask for at most {max(longest - MIN_FIT_VALUES, 1)} steps, or pass a longer history.")
    if len(keep) < len(history.ids):
        short = [history.ids[i] for i in range(len(history.ids)) if i not in set(keep)]
        kept = history.subset(keep)
        kept.notes.append(f"{len(short)} series shorter than {need} values (the horizon {horizon} and "
                          f"{MIN_FIT_VALUES} to learn from) left out: {', '.join(short[:SHOWN_ROWS])}"
                          f"{' and others' if len(short) > SHOWN_ROWS else ''}.")
        return kept
    return history
