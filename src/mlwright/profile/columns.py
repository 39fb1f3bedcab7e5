"""Exact statistics of one column: missing values, distinct values, top values or quantiles, a histogram.

These are computed on every row (they are cheap); only associations, leakage and privacy checks
work on a sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from mlwright.data.schema import CATEGORICAL, CONSTANT, DATETIME, IDENTIFIER, NUMERIC, ORDINAL, TEXT, parse_dates

TOP_VALUES = 10
HISTOGRAM_BINS = 20
#: Quantiles reported for numeric columns.
QUANTILES = (0.0, 0.05, 0.25, 0.5, 0.75, 0.95, 1.0)
_QUANTILE_NAMES = ("min", "p05", "p25", "median", "p75", "p95", "max")
#: Kinds whose most frequent values are worth showing; text and identifiers are mostly unique,
#: and listing them would show raw (possibly personal) values for nothing.
_TOP_KINDS = (CATEGORICAL, ORDINAL, CONSTANT)


@dataclass(frozen=True)
class ColumnProfile:
    """What one column holds. ``masked`` names the personal-data kind when values are hidden."""

    name: str
    kind: str
    missing: int
    missing_share: float
    distinct: int
    top: tuple[tuple[str, int], ...] = ()
    stats: dict = field(default_factory=dict)
    histogram: dict = field(default_factory=dict)
    association: dict = field(default_factory=dict)
    masked: str = ""

    def with_mask(self, reason: str) -> "ColumnProfile":
        """The same profile with every value-bearing statistic removed (counts stay)."""
        return replace(self, top=(), stats={}, histogram={}, masked=reason)

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind, "missing": self.missing,
                "missing_share": self.missing_share, "distinct": self.distinct,
                "top": [[value, count] for value, count in self.top], "stats": dict(self.stats),
                "histogram": dict(self.histogram), "association": dict(self.association), "masked": self.masked}


def describe_column(name: str, values: pd.Series, kind: str) -> ColumnProfile:
    """Profile one cleaned column (see ``clean_frame``) of kind ``kind`` on all its rows."""
    rows = len(values)
    missing = int(values.isna().sum())
    present = values.dropna()
    profile = ColumnProfile(name, kind, missing, missing / rows if rows else 0.0, int(present.nunique()))
    if present.empty:
        return profile
    if kind in _TOP_KINDS or (kind == NUMERIC and profile.distinct <= TOP_VALUES):
        profile = replace(profile, top=_top_values(present))
    if kind == NUMERIC or (kind in (IDENTIFIER, CONSTANT) and present.dtype.kind in "fiu"):
        numbers = present.to_numpy(dtype=float)
        return replace(profile, stats=_numeric_stats(numbers), histogram=_histogram(numbers))
    if kind == DATETIME:
        return replace(profile, stats=_date_stats(present))
    if kind in (TEXT, IDENTIFIER):
        lengths = present.astype(str).str.len()
        return replace(profile, stats={"mean_length": round(float(lengths.mean()), 1),
                                       "max_length": int(lengths.max())})
    return profile


def _top_values(present: pd.Series) -> tuple[tuple[str, int], ...]:
    counts = present.value_counts().head(TOP_VALUES)
    return tuple((_label(value), int(count)) for value, count in counts.items())


def _label(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _numeric_stats(numbers: np.ndarray) -> dict:
    quantiles = np.quantile(numbers, QUANTILES)
    stats = {key: _round(q) for key, q in zip(_QUANTILE_NAMES, quantiles)}
    stats["mean"] = _round(numbers.mean())
    stats["std"] = _round(numbers.std(ddof=1)) if len(numbers) > 1 else 0.0
    return stats


def _histogram(numbers: np.ndarray) -> dict:
    """Counts over the 0.5%-99.5% range; the few values beyond fall in the end bins, so one
    extreme value cannot squash the whole distribution into a single bar."""
    low, high = np.quantile(numbers, (0.005, 0.995))
    if low == high:
        low, high = float(numbers.min()), float(numbers.max())
    if low == high:
        return {}
    counts, edges = np.histogram(np.clip(numbers, low, high), bins=HISTOGRAM_BINS, range=(low, high))
    return {"counts": counts.tolist(), "edges": [_round(e) for e in edges]}


def _date_stats(present: pd.Series) -> dict:
    if pd.api.types.is_datetime64_any_dtype(present):
        stamps = present
    else:
        stamps = parse_dates(present.astype(str)).dropna()
    if stamps.empty:
        return {}
    return {"min": str(stamps.min()), "max": str(stamps.max())}


def _round(value: float) -> float:
    """Six significant digits: enough to read, small in JSON."""
    value = float(value)
    return float(f"{value:.6g}") if np.isfinite(value) else value
