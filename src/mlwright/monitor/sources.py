"""The data a check looks at: a file, a SQL query or a DataFrame, or the predictions a service
logged over a time window (with the model's own outputs, so they need not be computed again).

Logged rows may get their labels later: a labels file with ``request_id`` (and ``row_index``
when requests held several rows) and the target column is joined onto them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd

from mlwright._types import DataSource
from mlwright.data.readers import describe_source, read_table
from mlwright.errors import ConfigError, DataError

_RELATIVE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(m|min|h|d|w)\s*$", re.IGNORECASE)
_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass
class CurrentData:
    frame: pd.DataFrame
    description: dict
    #: the model's outputs as logged (probabilities, or values/labels), when they came with the rows
    logged_outputs: np.ndarray | None = None


def when(value: str | datetime | None, *, now: datetime | None = None, where: str = "since") -> datetime | None:
    """A point in time: a datetime, ISO 8601 text (UTC when no zone is given) or a time ago
    such as ``30m``, ``24h``, ``7d``, ``2w``."""
    if value is None or isinstance(value, datetime):
        return value.astimezone(timezone.utc) if isinstance(value, datetime) and value.tzinfo else \
            (value.replace(tzinfo=timezone.utc) if value is not None else None)
    relative = _RELATIVE.match(value)
    if relative:
        amount, unit = float(relative.group(1)), relative.group(2).lower()
        return (now or datetime.now(timezone.utc)) - timedelta(**{_UNITS[unit]: amount})
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ConfigError(f"{value!r} is not a time.", where=where,
                          fix="write an ISO time (2026-11-21 or 2026-11-21T08:00) or a time ago (30m, 24h, 7d, 2w).") from None
    return parsed.astimezone(timezone.utc) if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def from_table(data: DataSource, read_options: dict | None = None) -> CurrentData:
    frame = read_table(data, **(read_options or {}))
    return CurrentData(frame=frame, description=describe(data))


def describe(data) -> dict:
    """The record's description of the current data, with the words a page shows (``where``)."""
    facts = describe_source(data)
    where = {"sql": "SQL query", "file": str(data)}.get(facts["kind"], f"a {facts['kind']}")
    return {**facts, "where": where}


def from_log(store, model, *, model_name: str | None, model_version: int | None, served_as: list[str],
             since: datetime | None, until: datetime | None, labels: DataSource | None = None) -> CurrentData:
    """The rows the service logged for this model between ``since`` and ``until``: by registry
    name and version when it came from the registry, else by the reference it was served as."""
    frame = store.served.frame(model_name=model_name, model_version=model_version,
                               models=None if model_name else served_as, since=since, until=until)
    window = f"{since:%Y-%m-%d %H:%M} UTC" if since else "the first logged row"
    window += f" to {until:%Y-%m-%d %H:%M} UTC" if until else " to now"
    who = f"{model_name} version {model_version}" if model_name else " or ".join(served_as)
    description = {"kind": "logged", "where": f"predictions logged for {who}, {window}",
                   "since": since.isoformat() if since else None, "until": until.isoformat() if until else None}
    if frame.empty:
        raise DataError(f"no predictions were logged for {who} from {window}.", where=f"store {store.where}",
                        fix="widen the window (--since), check the model named, or serve it with prediction "
                            "logging on (the default).")
    outputs = _logged_outputs(frame, model)
    if labels is not None:
        frame = _join_labels(frame, labels, model.target.name)
    return CurrentData(frame=frame, description=description, logged_outputs=outputs)


def _logged_outputs(frame: pd.DataFrame, model) -> np.ndarray:
    """The model's output as the service answered: probabilities per class, else the value."""
    if model.task.is_classification:
        columns = [f"proba_{c}" for c in model.classes_]
        if all(c in frame.columns for c in columns):
            return frame[columns].to_numpy(dtype=np.float64)
        # without probabilities: the predicted class as a certain probability
        index = {str(c): i for i, c in enumerate(model.classes_)}
        codes = frame["prediction"].astype(str).map(index).to_numpy()
        outputs = np.zeros((len(frame), len(model.classes_)))
        known = ~pd.isna(codes)
        outputs[np.flatnonzero(known), codes[known].astype(int)] = 1.0
        return outputs
    return pd.to_numeric(frame["prediction"], errors="coerce").to_numpy(dtype=np.float64)


def _join_labels(frame: pd.DataFrame, labels: DataSource, target: str) -> pd.DataFrame:
    table = read_table(labels)
    where = str(labels) if not isinstance(labels, pd.DataFrame) else "labels"
    missing = [c for c in ("request_id", target) if c not in table.columns]
    if missing:
        raise DataError(f"the labels lack the column(s) {', '.join(missing)}.", where=where,
                        fix=f"give one row per scored row with request_id, row_index (when a request held "
                            f"several rows) and {target!r}.")
    keys = ["request_id", "row_index"] if "row_index" in table.columns else ["request_id"]
    table = table[keys + [target]].copy()
    table["request_id"] = table["request_id"].astype(str)
    if "row_index" not in table.columns:
        table["row_index"] = 0
    if table.duplicated(["request_id", "row_index"]).any():
        raise DataError("some rows carry the same request_id and row_index twice.", where=where,
                        fix="keep one label per scored row.")
    joined = frame.drop(columns=[target], errors="ignore").merge(table, on=["request_id", "row_index"], how="left")
    return joined
