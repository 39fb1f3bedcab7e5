"""Per-row explanations as one tidy table: why each row got its prediction.

The table is long, one line per (row, input column), each row's lines sorted by the size of
the contribution::

    row  class  prediction  base   column  value  contribution
    0    yes    0.83        0.42   x1      1.7    +0.29
    0    yes    0.83        0.42   colour  red    +0.11
    ...

``row`` is the row's position in the data (0 for the first row), ``class`` the class whose
probability is explained (classification only), ``prediction`` the model's output for it (a
probability, or the predicted value), ``base`` the output for an average row, ``value`` the
input as given and ``contribution`` the column's additive share: for every row,
``base + sum(contribution) = prediction``. See ``contributions`` for how the shares are found
and for the pseudo-columns ``(unexplained)`` and ``(calibration)``.
"""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from mlwright._types import DataSource
from mlwright.data.readers import read_table
from mlwright.evaluate.explain._checks import class_index, require_positive, require_rows
from mlwright.evaluate.explain.contributions import PSEUDO_COLUMNS, contributions

#: Rows explained at a time: bounds the rows x features x classes arrays.
CHUNK_ROWS = 2_000
OTHER_COLUMNS = "(other columns)"


def explain_rows(model, data: DataSource, *, top: int | None = None, class_=None) -> pd.DataFrame:
    """Explain every row of ``data`` (a DataFrame or a file path); see the module for the table.

    ``top`` keeps each row's ``top`` largest contributions and sums the others into one
    ``(other columns)`` line, so the sum still equals the prediction. ``class_`` picks the
    class to explain; by default a binary model explains its second class (``classes_[1]``)
    and a multiclass model each row's predicted class.
    """
    where = str(data) if isinstance(data, (str, os.PathLike)) else "data"
    return explain_frame(model, read_table(data), top=top, class_=class_, where=where)


def explain_frame(model, frame: pd.DataFrame, *, top: int | None = None, class_=None,
                  where: str = "data") -> pd.DataFrame:
    """``explain_rows`` on a table already read; ``where`` names it in errors."""
    require_rows(frame, where)
    if top is not None:
        require_positive(top, "top")
    chosen = class_index(model, class_)
    parts = [_long_table(model, frame.iloc[start:start + CHUNK_ROWS], start, chosen, where)
             for start in range(0, len(frame), CHUNK_ROWS)]
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return top_contributions(table, top) if top is not None else table


def _long_table(model, frame: pd.DataFrame, first_row: int, chosen: int | None, where: str) -> pd.DataFrame:
    result = contributions(model, frame, where=where)
    n_rows, n_columns = len(frame), len(result.columns)
    explained = _explained_class(model, result.output, chosen)
    picked = np.arange(n_rows)
    shares = result.values[picked, :, explained]
    order = np.argsort(-np.abs(shares), axis=1, kind="stable")
    inputs = [c for c in result.columns if c not in PSEUDO_COLUMNS]
    values = np.full((n_rows, n_columns), None, dtype=object)
    values[:, :len(inputs)] = frame[inputs].to_numpy(dtype=object)
    table = {"row": np.repeat(first_row + picked, n_columns)}
    if model.task.is_classification:
        labels = np.asarray(model.classes_, dtype=object)[explained]
        table["class"] = np.repeat(labels, n_columns)
    table["prediction"] = np.repeat(result.output[picked, explained], n_columns)
    table["base"] = np.repeat(result.base[picked, explained], n_columns)
    table["column"] = np.asarray(result.columns, dtype=object)[order].ravel()
    table["value"] = np.take_along_axis(values, order, axis=1).ravel()
    table["contribution"] = np.take_along_axis(shares, order, axis=1).ravel()
    return pd.DataFrame(table)


def _explained_class(model, output: np.ndarray, chosen: int | None) -> np.ndarray:
    """Per row, the class explained: the chosen one, the positive class, or the predicted one."""
    if chosen is not None:
        return np.full(len(output), chosen)
    if not model.task.is_classification:
        return np.zeros(len(output), dtype=int)
    if output.shape[1] == 2:
        return np.ones(len(output), dtype=int)
    return output.argmax(axis=1)


def top_contributions(table: pd.DataFrame, top: int) -> pd.DataFrame:
    """Keep each row's ``top`` largest input-column contributions (pseudo-columns are always
    kept) and fold the rest into one ``(other columns)`` line, so that sums are unchanged."""
    top = require_positive(top, "top")
    real = ~table["column"].isin(PSEUDO_COLUMNS)
    rank = real.groupby(table["row"], sort=False).cumsum()
    folded = real & (rank > top)
    if not folded.any():
        return table.reset_index(drop=True)
    rest = table[folded].groupby("row", sort=False).agg(
        {name: ("sum" if name == "contribution" else "first") for name in table.columns if name != "row"})
    rest = rest.reset_index().assign(column=OTHER_COLUMNS, value=None)[list(table.columns)]
    kept = table[~folded].assign(_slot=np.where(real[~folded], rank[~folded], top + 2))
    rest = rest.assign(_slot=top + 1)
    merged = pd.concat([kept, rest], ignore_index=True).sort_values(["row", "_slot"], kind="stable")
    return merged.drop(columns="_slot").reset_index(drop=True)
