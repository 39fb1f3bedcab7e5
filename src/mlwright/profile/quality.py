"""Quality findings: columns that carry nothing, carry the same thing twice, or carry it badly."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlwright.data.cleaning import clean_text, numeric_share
from mlwright.data.schema import CATEGORICAL, CONSTANT, IDENTIFIER, NUMERIC
from mlwright.profile.columns import OUTLIER_IQR, ColumnProfile
from mlwright.profile.findings import INFO, WARNING, Finding, percent

#: A column whose most frequent value covers this share of rows is near-constant.
NEAR_CONSTANT_SHARE = 0.99
#: Categorical columns with more distinct values than this are high-cardinality.
HIGH_CARDINALITY = 100
#: Columns with at most this many distinct values are compared pairwise for restatements.
RESTATE_MAX_DISTINCT = 50
MIN_ROWS_PER_VALUE = 5
#: Many-to-one restatements are searched among this many columns (one-to-one among all of them).
RESTATE_MAX_COLUMNS = 300
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


def count_duplicated_rows(frame: pd.DataFrame) -> int:
    """Rows that repeat an earlier row exactly. Rows are hashed first and only rows whose hash
    repeats are compared, which is several times faster than ``DataFrame.duplicated`` on wide
    or long tables, and still exact."""
    hashes = pd.util.hash_pandas_object(frame, index=False)
    candidates = hashes.duplicated(keep=False).to_numpy()
    return int(frame[candidates].duplicated().sum()) if candidates.any() else 0


def duplicated_rows_finding(duplicated: int, rows: int) -> list[Finding]:
    if not duplicated:
        return []
    share = duplicated / rows
    return [Finding("duplicated_rows", WARNING if share >= 0.01 else INFO, None,
                    f"{duplicated:,} rows ({percent(share)}) repeat an earlier row exactly.",
                    "kept; if they are copies rather than real repeats, remove them, or they inflate "
                    "cross-validated scores when a copy lands in both train and validation folds.")]


def duplicated_columns(frame: pd.DataFrame, profiles: list[ColumnProfile]) -> list[Finding]:
    """Pairs of columns with identical values in every row. Identical columns have identical
    profiles, so only columns that share one are hashed and compared: exact, and fast on wide tables."""
    alike: dict[tuple, list[str]] = {}
    for p in profiles:
        if p.name in frame.columns:
            alike.setdefault(_signature(p), []).append(p.name)
    findings = []
    for names in (group for group in alike.values() if len(group) > 1):
        seen: dict[int, list[str]] = {}
        for name in names:
            digest = int(pd.util.hash_pandas_object(frame[name], index=False).sum())
            original = next((o for o in seen.get(digest, []) if frame[name].equals(frame[o])), None)
            if original is None:
                seen.setdefault(digest, []).append(name)
                continue
            findings.append(Finding("duplicated_column", WARNING, (original, name),
                                    f"{name!r} holds the same value as {original!r} in every row.",
                                    f"drop one of them; {name!r} adds nothing."))
    return sorted(findings, key=lambda f: frame.columns.get_loc(f.columns[1]))


def _signature(p: ColumnProfile) -> tuple:
    return (p.kind, p.missing, p.distinct, p.top, tuple(sorted(p.stats.items())))


def restated_columns(sample: pd.DataFrame, profiles: list[ColumnProfile]) -> list[Finding]:
    """Columns that are a relabelling of another (1:1) or fully determined by another (many to 1),
    among the columns of ``profiles`` with at most ``RESTATE_MAX_DISTINCT`` values in the whole table.

    Relabellings are found by hashing: ``pd.factorize`` numbers values in order of first
    appearance, so two columns are one-to-one relabellings exactly when their codes are equal.
    Many-to-one mappings need a comparison per pair; they are searched among the first
    ``RESTATE_MAX_COLUMNS`` candidate columns, which keeps a table of thousands of columns fast.
    """
    codes = _restate_candidates(sample, profiles)
    return _relabellings(codes) + _determined(dict(list(codes.items())[:RESTATE_MAX_COLUMNS]))


def _restate_candidates(sample: pd.DataFrame, profiles: list[ColumnProfile]) -> dict[str, tuple[np.ndarray, int]]:
    """Factorized codes of the columns with few enough values that a mapping cannot hold by chance."""
    most = min(RESTATE_MAX_DISTINCT, len(sample) // MIN_ROWS_PER_VALUE)
    codes = {}
    for p in profiles:
        if p.kind in (CONSTANT, IDENTIFIER) or p.distinct + (p.missing > 0) > most:
            continue
        values, uniques = pd.factorize(sample[p.name], use_na_sentinel=False)
        if 2 <= len(uniques) <= most:
            codes[p.name] = (values.astype(np.int8), len(uniques))
    return codes


def _relabellings(codes: dict[str, tuple[np.ndarray, int]]) -> list[Finding]:
    first_with: dict[bytes, str] = {}
    findings = []
    for name, (values, count) in codes.items():
        original = first_with.setdefault(values.tobytes(), name)
        if original != name:
            findings.append(Finding("restated_column", WARNING, (original, name), f"{name!r} is a one-to-one "
                                    f"relabelling of {original!r} ({count} values each).",
                                    "keep one of them; training on both adds nothing."))
    return findings


def _determined(codes: dict[str, tuple[np.ndarray, int]]) -> list[Finding]:
    """Pairs where the column with more values fixes the one with fewer: within each group of
    rows sharing a value of the source, the derived column never changes."""
    if len(codes) < 2:
        return []
    names = list(codes)
    counts = np.array([codes[n][1] for n in names])
    matrix = np.column_stack([codes[n][0] for n in names])
    found = []
    for i, source in enumerate(names):
        fewer = np.flatnonzero(counts < counts[i])
        if fewer.size == 0:
            continue
        values = matrix[:, i]
        first_row = np.unique(values, return_index=True)[1]
        block = matrix[:, fewer]
        fixed = (block == block[first_row[values]]).all(axis=0)
        found += [(min(i, j), max(i, j), source, names[j]) for j in fewer[fixed]]
    return [Finding("restated_column", INFO, (source, derived), f"{derived!r} is fully determined by {source!r} "
                    f"({codes[derived][1]} values derived from {codes[source][1]}).",
                    "kept; it restates part of the other column.") for _, _, source, derived in sorted(found)]


def mixed_types(raw: pd.DataFrame, masked: set[str]) -> list[Finding]:
    """Text columns whose values are partly numbers and partly words."""
    findings = []
    for name, dtype in raw.dtypes.items():
        if dtype.kind != "O" or name in masked:  # object or pandas' string dtype: values as written
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


def outliers(profiles: list[ColumnProfile], rows: int) -> list[Finding]:
    """Numeric columns with values beyond Tukey's far-out fences (counted on every row by ``describe_columns``)."""
    findings = []
    for p in profiles:
        present, count = rows - p.missing, p.stats.get("outliers", 0)
        if p.kind != NUMERIC or p.masked or present < 20 or count / present < MIN_OUTLIER_SHARE:
            continue
        spread = p.stats["p75"] - p.stats["p25"]
        low, high = p.stats["p25"] - OUTLIER_IQR * spread, p.stats["p75"] + OUTLIER_IQR * spread
        findings.append(Finding("outliers", INFO, p.name, f"{count:,} values ({percent(count / present)}) lie beyond "
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
