"""Value-level cleaning: whitespace, quotes, missing tokens, numbers written as text, infinities.

The same functions run at training and at prediction time, so a value is read the same way
wherever it arrives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlwright.data.readers import MISSING_TOKENS

#: Share of non-missing values that must parse as numbers for a text column to become numeric.
NUMERIC_SHARE = 0.95
_MISSING = set(MISSING_TOKENS)


def is_text(series: pd.Series) -> bool:
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype) or isinstance(
        series.dtype, pd.CategoricalDtype)


def clean_text(series: pd.Series) -> pd.Series:
    """Strip spaces and wrapping quotes, and turn missing-value tokens into missing values."""
    values = series.astype("string").str.strip()
    quoted = values.str.len().ge(2) & (
        (values.str.startswith("'") & values.str.endswith("'"))
        | (values.str.startswith('"') & values.str.endswith('"')))
    if quoted.any():
        values = values.where(~quoted, values.str.slice(1, -1).str.strip())
    values = values.where(~values.isin(_MISSING))
    return values.astype(object).where(values.notna(), np.nan)


def clean_value(value):
    """``clean_text`` for one value: the fast path for scoring a few rows."""
    if not isinstance(value, str):
        return value if value is not None and value == value else np.nan
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1].strip()
    return np.nan if value in _MISSING else value


def number_value(value) -> float:
    """A single value as a float, or NaN when it is missing, not a number, or infinite."""
    if isinstance(value, str):
        value = clean_value(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        return np.nan
    return number if np.isfinite(number) else np.nan


def to_numeric(series: pd.Series) -> tuple[pd.Series, int]:
    """Return the column as floats and the number of values that were not numbers (now missing)."""
    if series.dtype.kind in "fiub":
        numbers = series.astype(float)
        bad = 0
    else:
        text = clean_text(series)
        numbers = pd.to_numeric(text, errors="coerce").astype(float)
        bad = int(numbers.isna().sum() - text.isna().sum())
    infinite = np.isinf(numbers.to_numpy())
    if infinite.any():
        numbers = numbers.mask(infinite)
    return numbers, bad


def numeric_share(text: pd.Series) -> float:
    """Share of the non-missing values of a cleaned text column that parse as numbers."""
    present = text.dropna()
    if present.empty:
        return 0.0
    codes, uniques = pd.factorize(present)
    if len(uniques) > len(present) // 2:  # mostly distinct: parsing the rows is as cheap as parsing the values
        return float(pd.to_numeric(present, errors="coerce").notna().mean())
    parsed = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").notna().to_numpy()
    return float(parsed[codes].mean())  # each distinct value parsed once, weighted by how often it occurs


def clean_frame(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Clean every column of a training table; return it with plain-language notes."""
    cleaned: dict[str, pd.Series] = {}
    notes: list[str] = []
    for name in frame.columns:
        column = frame[name]
        if column.dtype == bool:
            cleaned[name] = column.astype(float)
            continue
        if column.dtype.kind in "fiu":
            numbers, _ = to_numeric(column)
            if np.isinf(column.to_numpy(dtype=float, na_value=np.nan)).any():
                notes.append(f"column {name!r}: infinite values read as missing.")
            cleaned[name] = numbers
            continue
        if pd.api.types.is_datetime64_any_dtype(column):
            cleaned[name] = column
            continue
        text = clean_text(column)
        share = numeric_share(text)
        if share >= NUMERIC_SHARE:
            numbers, bad = to_numeric(text)
            if bad:
                notes.append(f"column {name!r}: {bad} values that are not numbers read as missing.")
            cleaned[name] = numbers
        else:
            cleaned[name] = text
    return pd.DataFrame(cleaned, index=frame.index), notes
