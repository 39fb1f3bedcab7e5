"""Quality findings: columns that carry nothing, carry the same thing twice, or carry it badly."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from mlwright.data.cleaning import clean_text, numeric_share
from mlwright.data.schema import CATEGORICAL, CONSTANT, IDENTIFIER, NUMERIC, Schema
from mlwright.profile.columns import ColumnProfile
from mlwright.profile.findings import INFO, WARNING, Finding, percent

#: A column whose most frequent value covers this share of rows is near-constant.
NEAR_CONSTANT_SHARE = 0.99
#: Categorical columns with more distinct values than this are high-cardinality.
HIGH_CARDINALITY = 100
#: Columns with at most this many distinct values are compared pairwise for restatements.
RESTATE_MAX_DISTINCT = 50
MIN_ROWS_PER_VALUE = 5
#: Tukey's far-out fences: values beyond quartile -/+ OUTLIER_IQR * IQR are outliers.
OUTLIER_IQR = 3.0
MIN_OUTLIER_SHARE = 0.001
#: Text columns where between these shares of values are numbers hold mixed types.
MIXED_MIN_SHARE = 0.02


def column_findings(profiles: list[ColumnProfile], rows: int) -> list[Finding]:
    """Findings read off the column profiles alone: constant, identifier, near-constant, cardinality."""
    findings = []
    for p in profiles:
        if p.kind == CONSTANT:
            findings.append(Finding("constant", WARNING, p.name, f"holds {'one value' if p.distinct else 'no value'} "
                                    f"in all {rows:,} rows.", "dropped from training."))
        elif p.kind == IDENTIFIER:
            findings.append(Finding("identifier", INFO, p.name, f"{p.distinct:,} distinct values in {rows - p.missing:,} "
                                    "rows, like a row id or a name.", "dropped from training."))
        elif p.top and p.top[0][1] >= NEAR_CONSTANT_SHARE * rows:
            shown = "one value" if p.masked else f"the value {p.top[0][0]!r}"
            findings.append(Finding("near_constant", INFO, p.name, f"{shown} fills {percent(p.top[0][1] / rows)} "
                                    "of rows.", "kept; it can only help on the few other rows."))
        elif p.kind == CATEGORICAL and p.distinct > HIGH_CARDINALITY:
            findings.append(Finding("high_cardinality", INFO, p.name, f"{p.distinct:,} distinct categories.",
                                    "kept; rare categories are grouped when encoded."))
    return findings


def duplicated_rows_finding(duplicated: int, rows: int) -> list[Finding]:
    if not duplicated:
        return []
    share = duplicated / rows
    return [Finding("duplicated_rows", WARNING if share >= 0.01 else INFO, None,
                    f"{duplicated:,} rows ({percent(share)}) repeat an earlier row exactly.",
                    "kept; if they are copies rather than real repeats, remove them, or they inflate "
                    "cross-validated scores when a copy lands in both train and validation folds.")]


def duplicated_columns(frame: pd.DataFrame) -> list[Finding]:
    """Pairs of columns with identical values in every row (hashed: exact and fast on all rows)."""
    seen: dict[int, str] = {}
    findings = []
    for name in frame.columns:
        digest = int(pd.util.hash_pandas_object(frame[name], index=False).sum())
        if digest in seen and frame[name].equals(frame[seen[digest]]):
            findings.append(Finding("duplicated_column", WARNING, (seen[digest], name),
                                    f"{name!r} holds the same value as {seen[digest]!r} in every row.",
                                    f"drop one of them; {name!r} adds nothing."))
        else:
            seen.setdefault(digest, name)
    return findings


def restated_columns(sample: pd.DataFrame, schema: Schema, skip: set[str]) -> list[Finding]:
    """Columns that are a relabelling of another (1:1) or fully determined by another (many to 1)."""
    codes = {}
    for spec in schema.columns:
        if spec.name in skip or spec.kind in (CONSTANT, IDENTIFIER):
            continue
        values, uniques = pd.factorize(sample[spec.name], use_na_sentinel=False)
        if 2 <= len(uniques) <= RESTATE_MAX_DISTINCT:
            codes[spec.name] = (values, len(uniques))
    findings = []
    for a, b in combinations(codes, 2):
        (va, na), (vb, nb) = codes[a], codes[b]
        pairs = np.count_nonzero(np.bincount(va.astype(np.int64) * nb + vb, minlength=na * nb))
        if max(na, nb) * MIN_ROWS_PER_VALUE > len(sample):
            continue  # too few rows per value: a mapping would hold by chance
        if pairs == na == nb:
            findings.append(Finding("restated_column", WARNING, (a, b), f"{b!r} is a one-to-one relabelling of "
                                    f"{a!r} ({na} values each).", "keep one of them; training on both adds nothing."))
        elif pairs == max(na, nb) and min(na, nb) >= 2:
            source, derived = (a, b) if na > nb else (b, a)
            findings.append(Finding("restated_column", INFO, (source, derived), f"{derived!r} is fully determined "
                                    f"by {source!r} ({min(na, nb)} values derived from {max(na, nb)}).",
                                    "kept; it restates part of the other column."))
    return findings


def mixed_types(raw: pd.DataFrame, masked: set[str]) -> list[Finding]:
    """Text columns whose values are partly numbers and partly words."""
    findings = []
    for name in raw.columns:
        if raw[name].dtype != object or name in masked:
            continue
        text = clean_text(raw[name])
        share = numeric_share(text)
        if MIXED_MIN_SHARE <= share < 1.0 and 1 - share >= MIXED_MIN_SHARE / 10:
            present = text.dropna()
            words = present[pd.to_numeric(present, errors="coerce").isna()]
            examples = ", ".join(repr(v) for v in words.value_counts().index[:3])
            read_as = "the text read as missing" if share >= 0.95 else "the column read as text"
            findings.append(Finding("mixed_types", WARNING, name, f"{percent(share)} of values are numbers and "
                                    f"{percent(1 - share)} text (e.g. {examples}).",
                                    f"{read_as}; fix the source if the text stands for a number."))
    return findings


def outliers(frame: pd.DataFrame, schema: Schema, masked: set[str]) -> list[Finding]:
    findings = []
    for spec in schema.columns:
        if spec.kind != NUMERIC or spec.name in masked:
            continue
        numbers = frame[spec.name].dropna().to_numpy(dtype=float)
        if numbers.size < 20:
            continue
        q1, q3 = np.quantile(numbers, (0.25, 0.75))
        spread = q3 - q1
        if spread <= 0:
            continue
        low, high = q1 - OUTLIER_IQR * spread, q3 + OUTLIER_IQR * spread
        count = int(np.count_nonzero((numbers < low) | (numbers > high)))
        share = count / numbers.size
        if share >= MIN_OUTLIER_SHARE:
            findings.append(Finding("outliers", INFO, spec.name, f"{count:,} values ({percent(share)}) lie beyond "
                                    f"{OUTLIER_IQR:g} interquartile ranges from the quartiles (outside "
                                    f"[{low:.4g}, {high:.4g}]).",
                                    "kept; tree models are robust to them, check them if they are entry errors."))
    return findings


def class_imbalance(counts: dict, task_is_classification: bool) -> list[Finding]:
    """The smallest class under 10% of rows is a warning; under 1% it needs care to learn at all."""
    if not task_is_classification or not counts:
        return []
    total = sum(counts.values())
    label, smallest = min(counts.items(), key=lambda item: item[1])
    share = smallest / total
    if share >= 0.10:
        return []
    return [Finding("class_imbalance", WARNING, None, f"the smallest class {label!r} holds {percent(share)} of "
                    f"labelled rows ({smallest:,} of {total:,}).",
                    "folds are stratified; judge models by roc_auc or balanced accuracy, not accuracy.")]
