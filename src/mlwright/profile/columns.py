"""Exact statistics of one column: missing values, distinct values, top values or quantiles, a histogram.

These are computed on every row (they are cheap); only associations, leakage and privacy checks
work on a sample.
"""

from __future__ import annotations

import math
import warnings
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


#: Numeric columns are described together, a block of at most this many cells at a time: one
#: NumPy pass over a block costs what a single pandas call per column would, and a table of
#: 10,000 columns then takes a second rather than a minute.
BLOCK_CELLS = 4_000_000
#: Tukey's far-out fences: values beyond the quartiles -/+ OUTLIER_IQR interquartile ranges.
OUTLIER_IQR = 3.0


def describe_columns(frame: pd.DataFrame, kinds: dict[str, str]) -> dict[str, ColumnProfile]:
    """Profile the columns ``kinds`` names (name -> kind) of a cleaned frame, in that order."""
    dtypes = frame.dtypes
    numeric = [name for name, kind in kinds.items() if _has_numbers(kind, dtypes[name])]
    profiles = {}
    step = max(1, BLOCK_CELLS // max(len(frame), 1))
    for start in range(0, len(numeric), step):
        block = numeric[start:start + step]
        profiles.update(zip(block, _describe_numbers(frame[block].to_numpy(dtype=float), block, kinds)))
    return {name: profiles[name] if name in profiles else describe_column(name, frame[name], kind)
            for name, kind in kinds.items()}


def describe_column(name: str, values: pd.Series, kind: str) -> ColumnProfile:
    """Profile one cleaned column (see ``clean_frame``) of kind ``kind`` on all its rows."""
    if _has_numbers(kind, values.dtype):
        return _describe_numbers(values.to_numpy(dtype=float)[:, None], [name], {name: kind})[0]
    return _describe_values(name, values, kind)


def _describe_values(name: str, values: pd.Series, kind: str) -> ColumnProfile:
    """Categories, dates and text: one ``factorize`` (a single hash pass) gives the missing and
    distinct counts and the count of every value; dates are parsed and lengths measured once per
    distinct value rather than once per row."""
    rows = len(values)
    codes, uniques = pd.factorize(values)
    present = codes >= 0
    missing = int(rows - present.sum())
    profile = ColumnProfile(name, kind, missing, missing / rows if rows else 0.0, len(uniques))
    if not len(uniques):
        return profile
    counts = np.bincount(codes[present], minlength=len(uniques))
    if kind in _TOP_KINDS:
        order = np.argsort(-counts, kind="stable")[:TOP_VALUES]  # ties in order of first appearance
        profile = replace(profile, top=tuple((_label(uniques[i]), int(counts[i])) for i in order))
    if kind == DATETIME:
        return replace(profile, stats=_date_stats(pd.Series(uniques)))
    if kind == TEXT:
        return replace(profile, stats=_text_stats(pd.Series(uniques).astype(str), counts))
    if kind == IDENTIFIER:
        lengths = pd.Series(uniques).astype(str).str.len().to_numpy()
        return replace(profile, stats={"mean_length": round(float(lengths @ counts / counts.sum()), 1),
                                       "max_length": int(lengths.max())})
    return profile


#: Distinct texts whose words are counted for the vocabulary and the language-looking share.
TEXT_SAMPLE = 5_000
_WORD = r"(?u)\b[^\W\d_]{2,}\b"


def _text_stats(texts: pd.Series, counts: np.ndarray) -> dict:
    """What a free-text column is like: its lengths in characters and words (weighted by how
    often each text occurs), how many rows repeat another row's text, how many distinct words it
    uses, and how much of it reads like sentences (three or more words, mostly letters) rather
    than codes or numbers. Words and shares are counted on up to ``TEXT_SAMPLE`` distinct texts."""
    chars = texts.str.len().to_numpy()
    words = texts.str.split().str.len().to_numpy()
    rows = counts.sum()
    sample = texts.sample(min(len(texts), TEXT_SAMPLE), random_state=0) if len(texts) > TEXT_SAMPLE else texts
    found = sample.str.lower().str.findall(_WORD)
    letters = sample.str.count(r"[^\W\d_]").to_numpy()
    visible = np.maximum(sample.str.count(r"\S").to_numpy(), 1)
    prose = (found.str.len().to_numpy() >= 3) & (letters / visible >= 0.7)
    return {"mean_length": round(float(chars @ counts / rows), 1), "max_length": int(chars.max()),
            "median_length": int(_weighted_median(chars, counts)), "median_words": int(_weighted_median(words, counts)),
            "repeated_rows": int(rows - len(texts)), "vocabulary": len({w for ws in found for w in ws}),
            "prose_share": round(float(prose.mean()), 3)}


def _weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, cumulative[-1] / 2)])


def _has_numbers(kind: str, dtype: np.dtype) -> bool:
    return kind == NUMERIC or (kind in (IDENTIFIER, CONSTANT) and dtype.kind in "fiu")


def _describe_numbers(values: np.ndarray, names: list[str], kinds: dict[str, str]) -> list[ColumnProfile]:
    """Profiles of the numeric columns of ``values`` (rows x columns): one sort serves the
    distinct count, the quantiles, the top values and the histogram range."""
    rows = values.shape[0]
    ordered = np.sort(values, axis=0)  # missing values sort last
    present = rows - np.isnan(values).sum(axis=0)
    changes = (ordered[1:] != ordered[:-1]) & (np.arange(1, rows)[:, None] < present)
    distinct = np.where(present > 0, 1 + changes.sum(axis=0), 0)
    quantiles = _sorted_quantiles(ordered, present, QUANTILES + (0.005, 0.995))
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        means = np.nansum(values, axis=0) / present
        stds = np.nanstd(values, axis=0, ddof=1)
    iqr = quantiles[4] - quantiles[2]
    low, high = quantiles[2] - OUTLIER_IQR * iqr, quantiles[4] + OUTLIER_IQR * iqr
    with np.errstate(invalid="ignore"):
        outliers = ((values < low) | (values > high)).sum(axis=0)
    histograms = _histograms(values, quantiles[-2:], quantiles[[0, 6]])
    profiles = []
    for j, name in enumerate(names):
        missing = int(rows - present[j])
        profile = ColumnProfile(name, kinds[name], missing, missing / rows if rows else 0.0, int(distinct[j]))
        if present[j]:
            stats = {key: _round(q) for key, q in zip(_QUANTILE_NAMES, quantiles[:7, j])}
            stats |= {"mean": _round(means[j]), "std": _round(stds[j]) if present[j] > 1 else 0.0,
                      "outliers": int(outliers[j]) if iqr[j] > 0 else 0}
            top = _sorted_top(ordered[:present[j], j]) if profile.distinct <= TOP_VALUES else ()
            profile = replace(profile, top=top, stats=stats, histogram=histograms[j])
        profiles.append(profile)
    return profiles


def _sorted_quantiles(ordered: np.ndarray, present: np.ndarray, levels: tuple[float, ...]) -> np.ndarray:
    """Linear-interpolation quantiles (NumPy's default) of each column's first ``present`` sorted values."""
    if ordered.shape[0] == 0:
        return np.full((len(levels), ordered.shape[1]), np.nan)
    position = np.array(levels)[:, None] * np.maximum(present - 1, 0)
    below = np.floor(position).astype(np.int64)
    above = np.minimum(below + 1, np.maximum(present - 1, 0))
    low, high = np.take_along_axis(ordered, below, axis=0), np.take_along_axis(ordered, above, axis=0)
    with np.errstate(invalid="ignore"):
        return np.where(high == low, low, low + (high - low) * (position - below))


def _sorted_top(ordered: np.ndarray) -> tuple[tuple[str, int], ...]:
    values, counts = np.unique(ordered, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:TOP_VALUES]
    return tuple((_label(values[i]), int(counts[i])) for i in order)


def _histograms(values: np.ndarray, inner: np.ndarray, outer: np.ndarray) -> list[dict]:
    """Counts over the 0.5%-99.5% range; the few values beyond fall in the end bins, so one
    extreme value cannot squash the whole distribution into a single bar."""
    low, high = inner
    flat = low == high
    low, high = np.where(flat, outer[0], low), np.where(flat, outer[1], high)
    usable = np.isfinite(low) & np.isfinite(high) & (high > low)
    if not usable.any():
        return [{} for _ in range(values.shape[1])]
    width = np.where(usable, high - low, 1.0)
    with np.errstate(invalid="ignore"):
        scaled = (np.clip(values, low, high) - low) / width * HISTOGRAM_BINS
    bins = np.minimum(np.nan_to_num(scaled, nan=-1).astype(np.int64), HISTOGRAM_BINS - 1)
    column = np.broadcast_to(np.arange(values.shape[1]), values.shape)
    counted = bins >= 0
    counts = np.bincount((column * HISTOGRAM_BINS + bins)[counted],
                         minlength=values.shape[1] * HISTOGRAM_BINS).reshape(-1, HISTOGRAM_BINS)
    histograms = []
    for j in range(values.shape[1]):
        if not usable[j]:
            histograms.append({})
            continue
        edges = np.linspace(low[j], high[j], HISTOGRAM_BINS + 1).tolist()
        histograms.append({"counts": counts[j].tolist(), "edges": [_round(e) for e in edges]})
    return histograms


def _label(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


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
    return float(f"{value:.6g}") if math.isfinite(value) else value
