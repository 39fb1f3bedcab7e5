"""The training data's distributions, kept with the model (``reference.json``) so that the data a
deployed model meets later can be compared with the data it learned from — without keeping the
training rows themselves.

Per input column the summary holds what the drift statistics need and nothing more:

- numeric and date columns: the missing count, mean and spread, decile edges with their counts
  (for the population stability index), and a sketch of the distribution — the exact values and
  their shares when there are at most :data:`EXACT_VALUES` of them, else :data:`SKETCH_POINTS`
  evenly spaced quantiles — from which the Kolmogorov–Smirnov distance and the Wasserstein
  distance are computed to within about 1/SKETCH_POINTS;
- categorical and ordinal columns: the count of each value (the :data:`TOP_CATEGORIES`
  most frequent; the rest pooled) and the missing count;
- text columns: three signals, lengths, the share of uncommon words and the most common words
  (``profile.text_reference``).

The model's own output on the training rows (out-of-fold, so as honest as on new data) is
summarised the same way, as is the metric estimated at training time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.data.schema import DATETIME, NUMERIC, TEXT, Schema

REFERENCE_FORMAT = 1
SKETCH_POINTS = 512
EXACT_VALUES = 256
TOP_CATEGORIES = 1000
BINS = 10
NUMERIC_KINDS = (NUMERIC, DATETIME)


def as_float(values) -> np.ndarray:
    """Numbers of a conformed column as float64; dates as seconds since 1970, missing as NaN."""
    array = np.asarray(values)
    if np.issubdtype(array.dtype, np.datetime64):
        stamps = array.astype("datetime64[us]")
        seconds = stamps.astype(np.int64).astype(np.float64) / 1e6
        seconds[np.isnat(stamps)] = np.nan
        return seconds
    return pd.to_numeric(pd.Series(array, copy=False), errors="coerce").to_numpy(dtype=np.float64)


def numeric_summary(values) -> dict:
    numbers = as_float(values)
    present = numbers[np.isfinite(numbers)]
    summary = {"kind": "numeric", "rows": int(numbers.size), "missing": int(numbers.size - present.size)}
    if present.size == 0:
        return summary
    distinct, counts = np.unique(present, return_counts=True)
    if distinct.size <= EXACT_VALUES:
        sketch_values, sketch_weights = distinct, counts / present.size
    else:
        quantiles = np.quantile(present, (np.arange(SKETCH_POINTS) + 0.5) / SKETCH_POINTS)
        sketch_values, positions = np.unique(quantiles, return_inverse=True)
        sketch_weights = np.bincount(positions, minlength=sketch_values.size) / SKETCH_POINTS
    edges = np.unique(np.quantile(present, np.linspace(0, 1, BINS + 1)[1:-1]))
    bin_counts = np.bincount(np.searchsorted(edges, present, side="right"), minlength=edges.size + 1)
    summary.update({
        "present": int(present.size), "mean": float(present.mean()), "std": float(present.std()),
        "min": float(distinct[0]), "max": float(distinct[-1]),
        "sketch": {"values": sketch_values.tolist(), "weights": sketch_weights.tolist()},
        "bins": {"edges": edges.tolist(), "counts": bin_counts.tolist()},
    })
    return summary


def categorical_summary(values) -> dict:
    series = pd.Series(np.asarray(values, dtype=object), copy=False)
    present = series.dropna()
    counts = present.astype(str).value_counts()
    top = counts.iloc[:TOP_CATEGORIES]
    return {"kind": "categorical", "rows": int(series.size), "missing": int(series.size - present.size),
            "present": int(present.size), "distinct": int(counts.size),
            "counts": {str(k): int(v) for k, v in top.items()}, "other": int(counts.iloc[TOP_CATEGORIES:].sum())}


def column_summary(values, kind: str) -> dict:
    if kind == TEXT:
        from mlwright.profile.text_reference import text_summary  # it builds on numeric_summary, above

        summary = text_summary(values)
    else:
        summary = numeric_summary(values) if kind in NUMERIC_KINDS else categorical_summary(values)
    summary["column_kind"] = kind
    return summary


def prediction_values(raw: np.ndarray, task: Task, classes: list) -> tuple[str, np.ndarray]:
    """What is compared of a model's output: the positive class's probability for a binary
    model, the predicted class for a multiclass one, the value for a regressor. ``raw`` is
    probabilities (one column per class) or values."""
    raw = np.asarray(raw)
    if task == Task.BINARY:
        return "numeric", raw[:, 1].astype(np.float64)
    if task.is_classification:
        return "categorical", np.asarray([str(c) for c in classes], dtype=object)[raw.argmax(axis=1)]
    return "numeric", raw.astype(np.float64).reshape(-1)


def build_reference(columns: dict[str, np.ndarray], schema: Schema, *, task: Task, classes: list,
                    predictions: np.ndarray | None, metric: dict | None) -> dict:
    """The reference of a model: its used input columns (``columns`` as ``conform_columns``
    reads them), its output on the reference rows, and the metric it was trained to."""
    summaries = {spec.name: column_summary(columns[spec.name], spec.kind) for spec in schema.used}
    reference = {"format": REFERENCE_FORMAT, "rows": int(len(next(iter(columns.values())))) if columns else 0,
                 "columns": summaries, "prediction": None, "metric": metric}
    if predictions is not None and len(predictions):
        kind, values = prediction_values(predictions, task, classes)
        reference["prediction"] = {**(numeric_summary(values) if kind == "numeric" else categorical_summary(values)),
                                   "column_kind": "prediction"}
    return reference
