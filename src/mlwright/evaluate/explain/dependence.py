"""Partial dependence: the model's average output as one input column is set to each value of a
grid on every sampled row, the other columns left as they are.

Grids: for numbers, the distinct values when there are few, else quantiles from the 5th to
the 95th percentile (the tails hold too few rows to say much); for dates the same on the time
axis, written as ISO 8601 text (kind ``datetime``); for categories, ordinals and text, the most
frequent values (an ordinal's in its scale order). Missing values are never grid points.
The whole grid is scored in one ``raw_predict`` call on grid x rows stacked rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlwright.data.schema import DATETIME, NUMERIC, ORDINAL, conform_columns
from mlwright.errors import ConfigError
from mlwright.evaluate.explain._checks import class_index, require_positive, require_rows, sample_positions, used_column

#: Quantile range of a numeric grid.
LOW, HIGH = 0.05, 0.95


def partial_dependence(model, frame: pd.DataFrame, column: str, *, grid_points: int = 20, max_rows: int = 500,
                       seed: int = 0, class_=None) -> dict:
    """Average output over (at most ``max_rows``) rows of ``frame`` for each grid value of ``column``.

    Returns plain JSON data: ``{"column", "kind": "numeric" | "datetime" | "categorical",
    "grid": [...], "average": [...], "output": "probability of <class>" | "predicted <target>"}``.
    The class is ``class_``, else a binary model's second class, else the class a multiclass
    model predicts most often on the sampled rows.
    """
    require_rows(frame, "data")
    used_column(model, column)
    if require_positive(grid_points, "grid_points") < 2:
        raise ConfigError(f"grid_points must be at least 2, got {grid_points}.", where="grid_points",
                          fix="pass grid_points=2 or more.")
    rows = sample_positions(len(frame), require_positive(max_rows, "max_rows"), seed)
    sample = frame.iloc[rows].reset_index(drop=True)
    conformed, _ = conform_columns(sample, model.schema, ignore=(model.target.name,))
    kind = next(spec for spec in model.schema.used if spec.name == column)
    grid, shown, label = _grid(kind, conformed[column], grid_points)
    if not grid:
        raise ConfigError(f"column {column!r} has no values in these rows.", where=column,
                          fix="pass rows where the column has values.")
    position, what = _explained(model, sample, class_)
    stacked = pd.concat([sample.assign(**{column: [value] * len(sample)}) for value in grid], ignore_index=True)
    output = np.asarray(model.raw_predict(stacked)).reshape(len(grid), len(sample), -1)
    return {"column": column, "kind": label, "grid": shown,
            "average": [float(v) for v in output[:, :, position].mean(axis=1)], "output": what}


def _grid(spec, values: np.ndarray, grid_points: int) -> tuple[list, list, str]:
    """(values to set, values to show, kind)"""
    if spec.kind == NUMERIC:
        numbers = _numeric_grid(np.asarray(values, dtype=float), grid_points)
        return numbers, numbers, "numeric"
    if spec.kind == DATETIME:
        stamps = np.asarray(values, dtype="datetime64[ns]")
        present = stamps[~np.isnat(stamps)]
        grid = pd.to_datetime(np.asarray(_numeric_grid(present.astype("int64").astype(float), grid_points)))
        dates_only = bool(np.all(present == present.astype("datetime64[D]")))
        grid = grid.round("D" if dates_only else "s").unique()  # quantiles fall between the stamps people wrote
        shown = [stamp.date().isoformat() if dates_only else stamp.isoformat() for stamp in grid]
        return list(grid), shown, "datetime"
    counts = pd.Series(values, dtype=object).dropna().value_counts()
    frequent = [str(v) for v in counts.index[:grid_points]]
    if spec.kind == ORDINAL:
        rank = {v: i for i, v in enumerate(spec.order)}
        frequent.sort(key=lambda v: rank.get(v.lower(), len(rank)))
    return frequent, frequent, "categorical"


def _numeric_grid(present: np.ndarray, grid_points: int) -> list[float]:
    present = present[np.isfinite(present)]
    if present.size == 0:
        return []
    distinct = np.unique(present)
    if len(distinct) <= grid_points:
        return [float(v) for v in distinct]
    return [float(v) for v in np.unique(np.quantile(present, np.linspace(LOW, HIGH, grid_points)))]


def _explained(model, sample: pd.DataFrame, class_) -> tuple[int, str]:
    if not model.task.is_classification:
        return 0, f"predicted {model.target.name}"
    chosen = class_index(model, class_)
    if chosen is None and len(model.classes_) == 2:
        chosen = 1
    elif chosen is None:
        predicted = np.asarray(model.raw_predict(sample)).argmax(axis=1)
        chosen = int(np.bincount(predicted, minlength=len(model.classes_)).argmax())
    return chosen, f"probability of {model.classes_[chosen]}"
