"""Turn one sensitive column into readable group labels, one per row.

A fairness table is read by people, so every group needs a name they recognise: missing values
become their own group instead of vanishing from the audit, and a numeric column such as age is cut
into a few quantile ranges ("18–29"), because one group per distinct age would leave every group
too small to judge.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlwright.data.cleaning import clean_text

#: The name of the group of rows without a value: missing data is often where unfairness hides.
MISSING_GROUP = "(missing)"
#: A numeric column with more distinct values than this is binned; fewer are read as categories
#: (a 0/1 flag or a 1–5 rating stays as it is).
MAX_DISTINCT_BEFORE_BINNING = 10
#: Quartiles: few enough that each group keeps a quarter of the rows, enough to show a trend.
QUANTILE_BINS = 4


@dataclass(frozen=True)
class Grouping:
    """The group of every row, the order to show the groups in, and whether numbers were binned."""

    labels: np.ndarray
    order: list[str]
    binned: bool


def group_rows(values: pd.Series) -> Grouping:
    """Group labels for a column: quantile ranges for many-valued numbers, else the values as text.

    >>> group_rows(pd.Series(["b", None, "a", "b"])).order
    ['b', 'a', '(missing)']
    """
    numbers = _as_numbers(values)
    if numbers is not None and numbers.nunique() > MAX_DISTINCT_BEFORE_BINNING:
        return _binned(numbers)
    return _categories(values if numbers is None else numbers)


def _as_numbers(values: pd.Series) -> pd.Series | None:
    """The column as floats when every present value is a number (also numbers written as text)."""
    if values.dtype.kind == "b" or isinstance(values.dtype, pd.CategoricalDtype):
        return None
    if values.dtype.kind in "iuf":
        numbers = values.astype(float)
    else:
        text = clean_text(values)
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().sum() != text.notna().sum() or text.notna().sum() == 0:
            return None
        numbers = numbers.astype(float)
    return numbers.mask(np.isinf(numbers.to_numpy()))


def _categories(values: pd.Series) -> Grouping:
    """One group per value: numbers in ascending order, text largest group first (the ones that matter most)."""
    numeric = values.dtype.kind in "iufb"
    if not numeric:
        values = clean_text(values)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    names = np.array([_value_label(v) for v in uniques] + [MISSING_GROUP], dtype=object)
    labels = names[np.where(codes < 0, len(uniques), codes)]
    if numeric:
        present = [names[i] for i in np.argsort(np.asarray(uniques, dtype=float), kind="stable")]
    else:
        counts = pd.Series(codes[codes >= 0]).value_counts()
        present = [names[i] for i in sorted(counts.index, key=lambda i: (-counts[i], names[i]))]
    present = list(dict.fromkeys(present))  # two numbers can print alike
    return Grouping(labels, present + ([MISSING_GROUP] if (codes < 0).any() else []), False)


def _binned(numbers: pd.Series) -> Grouping:
    """Quantile bins named by the smallest and largest value they hold, in ascending order."""
    codes = pd.qcut(numbers, QUANTILE_BINS, duplicates="drop").cat.codes.to_numpy()
    present = [k for k in range(codes.max() + 1) if (codes == k).any()]
    names = _range_names([(numbers[codes == k].min(), numbers[codes == k].max()) for k in present])
    lookup = dict(zip(present, names))
    labels = np.array([lookup.get(c, MISSING_GROUP) for c in codes], dtype=object)
    return Grouping(labels, names + ([MISSING_GROUP] if (codes < 0).any() else []), True)


def _range_names(bounds: list[tuple[float, float]]) -> list[str]:
    """Names like "18–29"; more digits only when fewer would make two ranges look the same."""
    for digits in range(3, 10):
        names = [_range_name(lo, hi, digits) for lo, hi in bounds]
        if len(set(names)) == len(names):
            return names
    return names


def _range_name(lo: float, hi: float, digits: int) -> str:
    low, high = _number_label(lo, digits), _number_label(hi, digits)
    return low if low == high else f"{low}–{high}"


def _number_label(value: float, digits: int = 6) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.{digits}g}"


def _value_label(value) -> str:
    if isinstance(value, (float, np.floating)):
        return _number_label(float(value))
    return str(value.item() if isinstance(value, np.generic) else value)
