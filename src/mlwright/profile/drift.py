"""Train versus test: does each column follow the same distribution in both files?

The decision uses the population stability index (PSI), an effect size: with tens of thousands of
rows a KS or chi-square test finds a "significant" difference in almost every column, however
small. The p-value is still reported as evidence. Conventional PSI reading: under 0.1 stable,
0.1 to 0.25 a moderate shift, above 0.25 a large one.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from mlwright.data.schema import CATEGORICAL, DATETIME, NUMERIC, ORDINAL, Schema, as_numbers
from mlwright.profile.findings import INFO, WARNING, Finding

PSI_MODERATE, PSI_LARGE = 0.1, 0.25
_BINS = 10
_TOP_CATEGORIES = 20
_EPS = 1e-4


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """Population stability index of two count vectors over the same bins.

    >>> round(psi(np.array([50, 50]), np.array([50, 50])), 3)
    0.0
    """
    p = np.maximum(expected / max(expected.sum(), 1), _EPS)
    q = np.maximum(actual / max(actual.sum(), 1), _EPS)
    return float(np.sum((q - p) * np.log(q / p)))


def distribution_mismatch(train: pd.DataFrame, test: pd.DataFrame, schema: Schema,
                          skip: set[str]) -> list[Finding]:
    """One finding per column whose test distribution moved (or that the test file lacks)."""
    findings = []
    for spec in schema.columns:
        if spec.name in skip or spec.kind not in (NUMERIC, CATEGORICAL, ORDINAL, DATETIME):
            continue
        if spec.name not in test.columns:
            findings.append(Finding("distribution_mismatch", WARNING, spec.name, "the column is missing from the "
                                    "test file.", "add it to the test file, or train without it."))
            continue
        if spec.kind in (NUMERIC, DATETIME):
            index, p_value = _numeric_shift(as_numbers(train[spec.name]), as_numbers(test[spec.name]))
        else:
            index, p_value = _category_shift(train[spec.name], test[spec.name])
        if index < PSI_MODERATE:
            continue
        size = "large" if index >= PSI_LARGE else "moderate"
        test_name = "KS" if spec.kind in (NUMERIC, DATETIME) else "chi-square"
        severity = WARNING if index >= PSI_LARGE and spec.kind != DATETIME else INFO
        findings.append(Finding("distribution_mismatch", severity, spec.name,
                                f"{size} shift between train and test: PSI {index:.2f} ({test_name} p = {p_value:.2g}).",
                                "kept; expect the test score to differ from the cross-validated one, "
                                "and check how the two files were drawn."))
    return findings


def _numeric_shift(train: pd.Series, test: pd.Series) -> tuple[float, float]:
    a, b = train.dropna().to_numpy(), test.dropna().to_numpy()
    if a.size == 0 or b.size == 0:
        return 0.0, 1.0
    edges = np.unique(np.quantile(a, np.linspace(0, 1, _BINS + 1)[1:-1]))
    counts_a = np.append(np.bincount(np.searchsorted(edges, a, side="right"), minlength=edges.size + 1),
                         train.isna().sum())
    counts_b = np.append(np.bincount(np.searchsorted(edges, b, side="right"), minlength=edges.size + 1),
                         test.isna().sum())
    return psi(counts_a, counts_b), float(stats.ks_2samp(a, b).pvalue)


def _category_shift(train: pd.Series, test: pd.Series) -> tuple[float, float]:
    top = train.value_counts().index[:_TOP_CATEGORIES]

    def counts(values: pd.Series) -> np.ndarray:
        known = values.where(values.isin(top) | values.isna(), "\0other")
        tallied = known.fillna("\0missing").value_counts()
        return tallied.reindex(list(top) + ["\0other", "\0missing"], fill_value=0).to_numpy()

    a, b = counts(train), counts(test)
    used = (a + b) > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        p_value = float(stats.chi2_contingency(np.vstack([a[used], b[used]]))[1]) if used.sum() > 1 else 1.0
    return psi(a, b), p_value
