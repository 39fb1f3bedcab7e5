"""Small helpers every store module shares: time, JSON-safe values, row access."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone

from mlwright.files import json_ready


def now() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(moment: datetime | None) -> datetime | None:
    """MariaDB and SQLite hand back naive datetimes: the store writes UTC, so read them as UTC."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def plain(value):
    """A value every database's JSON column takes: NumPy scalars made Python, NaN as null,
    anything else unknown (paths, dates) as its text."""
    return json.loads(json.dumps(json_ready(value), default=str))


def finite(value) -> float | None:
    """A float column's value: MariaDB has no NaN, so a missing score is NULL everywhere."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def short_time(moment: datetime | None) -> str:
    return as_utc(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else "-"
