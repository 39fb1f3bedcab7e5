"""One column, reference against current: how far its distribution moved, and whether the move
is more than chance.

Numeric columns: the Wasserstein distance in reference standard deviations (scipy's
``wasserstein_distance`` over the reference sketch and the current values), the
Kolmogorov–Smirnov distance with its p-value, and the population stability index (PSI).
Categorical columns: the Jensen–Shannon distance (scipy, base 2), the chi-square test of the
two count vectors (scipy's ``chi2_contingency``) and the PSI.

The reference is a summary, not rows (see ``mlwright.profile.reference``), so the KS distance
is read off the two distribution functions and its p-value taken from scipy's two-sample KS
distribution (``kstwo``) at the effective sample size n·m/(n+m) — what ``ks_2samp`` does for
large samples. With the exact values kept for columns of few values the distance is exact;
with the quantile sketch it is within 1/512.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlwright.profile.drift import psi
from mlwright.profile.reference import as_float

SHOWN_CATEGORIES = 15
OTHER = "(other)"


@dataclass(frozen=True)
class Shift:
    """How one column moved: every statistic computed, the test's p-value, and what a page shows."""

    values: dict[str, float]
    test: str
    p_value: float
    rows: int
    missing_rate: float
    reference_missing_rate: float
    missing_p_value: float
    new_category_rate: float | None = None
    new_categories: list[str] = field(default_factory=list)
    histogram: dict = field(default_factory=dict)


def numeric_shift(reference: dict, current) -> Shift:
    numbers = as_float(current)
    present = np.sort(numbers[np.isfinite(numbers)])
    missing = _missing(reference, numbers.size, present.size)
    if present.size == 0 or "sketch" not in reference:
        return Shift(values={}, test="Kolmogorov-Smirnov", p_value=1.0, rows=int(numbers.size), **missing)
    ref_values = np.asarray(reference["sketch"]["values"], dtype=np.float64)
    ref_weights = np.asarray(reference["sketch"]["weights"], dtype=np.float64)
    scale = reference["std"] if reference["std"] > 0 else max(abs(reference["mean"]), 1.0)
    wasserstein = stats.wasserstein_distance(ref_values, present, u_weights=ref_weights) / scale
    points = np.union1d(ref_values, present)
    ref_cdf = np.concatenate([[0.0], np.cumsum(ref_weights)])[np.searchsorted(ref_values, points, side="right")]
    cur_cdf = np.searchsorted(present, points, side="right") / present.size
    distance = float(np.max(np.abs(ref_cdf - cur_cdf)))
    n, m = present.size, reference["present"]
    p_value = float(stats.kstwo.sf(distance, max(1, round(n * m / (n + m)))))
    edges = np.asarray(reference["bins"]["edges"], dtype=np.float64)
    ref_bins = np.asarray(reference["bins"]["counts"], dtype=np.float64)
    cur_bins = np.bincount(np.searchsorted(edges, present, side="right"), minlength=edges.size + 1).astype(np.float64)
    index = psi(np.append(ref_bins, reference["missing"]), np.append(cur_bins, numbers.size - present.size))
    return Shift(values={"wasserstein": float(wasserstein), "ks": distance, "psi": index},
                 test="Kolmogorov-Smirnov", p_value=p_value, rows=int(numbers.size),
                 histogram={"labels": _bin_labels(edges), "reference": _shares(ref_bins), "current": _shares(cur_bins)},
                 **missing)


def categorical_shift(reference: dict, current) -> Shift:
    series = pd.Series(np.asarray(current, dtype=object), copy=False)
    present = series.dropna().astype(str)
    missing = _missing(reference, series.size, present.size)
    known = reference["counts"]
    if present.empty or not known:
        return Shift(values={}, test="chi-square", p_value=1.0, rows=int(series.size), new_category_rate=0.0, **missing)
    tallied = present.value_counts()
    names = list(known)
    ref_counts = np.array([known[c] for c in names] + [reference["other"]], dtype=np.float64)
    in_reference = tallied.index.isin(names)
    cur_counts = np.append(tallied.reindex(names, fill_value=0).to_numpy(dtype=np.float64),
                           tallied[~in_reference].sum())
    # with every training category kept, a value outside them is new; when rare ones were pooled
    # into "other" it may be one of those, so none is called new
    unseen = tallied[~in_reference] if reference["other"] == 0 else tallied.iloc[:0]
    jensen = float(jensenshannon(ref_counts / ref_counts.sum(), cur_counts / cur_counts.sum(), base=2))
    used = (ref_counts + cur_counts) > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_value = float(stats.chi2_contingency(np.vstack([ref_counts[used], cur_counts[used]]))[1]) \
            if used.sum() > 1 else 1.0
    index = psi(np.append(ref_counts, reference["missing"]), np.append(cur_counts, series.size - present.size))
    return Shift(values={"jensen_shannon": jensen, "psi": index}, test="chi-square", p_value=p_value,
                 rows=int(series.size), new_category_rate=float(unseen.sum() / present.size),
                 new_categories=[str(c) for c in unseen.index[:5]],
                 histogram=_category_histogram(names, ref_counts, cur_counts), **missing)


def _missing(reference: dict, rows: int, present: int) -> dict:
    """The missing share now and at training, and the binomial test of the rise."""
    missing = rows - present
    expected = reference["missing"] / max(reference["rows"], 1)
    p_value = float(stats.binomtest(missing, rows, expected, alternative="greater").pvalue) \
        if rows and 0 < expected < 1 else (0.0 if missing and expected == 0 else 1.0)
    return {"missing_rate": missing / rows if rows else 0.0, "reference_missing_rate": expected,
            "missing_p_value": p_value}


def _shares(counts: np.ndarray) -> list[float]:
    total = counts.sum()
    return (counts / total).round(5).tolist() if total else [0.0] * len(counts)


def _bin_labels(edges: np.ndarray) -> list[str]:
    shown = [f"{e:.4g}" for e in edges]
    if not shown:
        return ["all"]
    return [f"< {shown[0]}", *[f"{a} – {b}" for a, b in zip(shown, shown[1:])], f"≥ {shown[-1]}"]


def _category_histogram(names: list[str], ref_counts: np.ndarray, cur_counts: np.ndarray) -> dict:
    """The most frequent training categories and one bar for the rest (and new values)."""
    order = np.argsort(-ref_counts[:-1], kind="stable")[:SHOWN_CATEGORIES]
    rest = np.ones(len(ref_counts), dtype=bool)
    rest[order] = False
    ref = np.append(ref_counts[order], ref_counts[rest].sum())
    cur = np.append(cur_counts[order], cur_counts[rest].sum())
    labels = [names[i] for i in order] + [OTHER]
    if ref[-1] == 0 and cur[-1] == 0:
        labels, ref, cur = labels[:-1], ref[:-1], cur[:-1]
    return {"labels": labels, "reference": _shares(ref), "current": _shares(cur)}
