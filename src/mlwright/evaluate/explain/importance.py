"""Permutation importance on held-out rows: how much the score drops when one input column's
values are shuffled between rows, breaking its link with the target and nothing else.

It explains the whole model (every member, the calibrator) through its output alone, so it
needs no attribution method; it needs rows with known targets. Columns are those the model
reads (``schema.used``), in raw form: a date or a one-hot block moves as one column.

Encoded once: every encoded feature is a row-wise function of one input column
(``TableEncoder.feature_sources_``), so shuffling a column's rows equals shuffling the rows of
its features in the encoded matrix. All repeats of a column are scored in one stacked call per
member. That shortcut is checked against ``raw_predict`` on the unshuffled rows first; if the
two disagree (a model whose output is more than calibrated blended members), every shuffle
goes through ``raw_predict`` instead.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
import pandas as pd

from mlwright.data.schema import conform_columns
from mlwright.errors import DataError
from mlwright.evaluate.explain._checks import require_positive, require_rows, sample_positions
from mlwright.evaluate.metrics import get_metric

#: (column, row orders) -> one output array per order
Shuffled = Callable[[str, list[np.ndarray]], list[np.ndarray]]


def permutation_importance(model, frame: pd.DataFrame, y: np.ndarray, *, metric: str | None = None,
                           repeats: int = 5, max_rows: int = 2000, seed: int = 0) -> pd.DataFrame:
    """Score drop per used input column when its values are shuffled, over ``repeats`` shuffles.

    ``frame``: held-out rows as read (a target column in it is ignored); ``y``: their encoded
    target (class indices, or numbers); ``metric``: any metric of the task (default: the
    model's own), higher-is-better scores are compared so a drop is positive for every metric.
    At most ``max_rows`` rows are used (drawn with ``seed``). Returns columns
    ``column, importance, std`` (mean and standard deviation of the drop over the repeats),
    sorted by importance descending; a column the model ignores scores about 0.
    """
    require_rows(frame, "data")
    repeats, max_rows = require_positive(repeats, "repeats"), require_positive(max_rows, "max_rows")
    y = _checked_target(model, y, len(frame))
    scorer = get_metric(metric or model.metric, model.task)
    rows = sample_positions(len(frame), max_rows, seed)
    sample, y = frame.iloc[rows], y[rows]
    reference = np.asarray(model.raw_predict(sample))
    shuffled = _encoded_shuffles(model, sample, reference) or _raw_shuffles(model, sample)
    baseline = scorer.score(y, reference)
    rng = np.random.default_rng(seed)
    records = []
    for spec in model.schema.used:
        orders = [rng.permutation(len(sample)) for _ in range(repeats)]
        drops = [baseline - scorer.score(y, output) for output in shuffled(spec.name, orders)]
        records.append((spec.name, float(np.mean(drops)), float(np.std(drops))))
    table = pd.DataFrame(records, columns=["column", "importance", "std"])
    return table.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)


def _checked_target(model, y, n_rows: int) -> np.ndarray:
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != n_rows:
        raise DataError(f"y has {y.size} values for {n_rows} rows.", where="y", fix="pass one target value per row.")
    if not model.task.is_classification:
        if y.dtype.kind not in "fiub" or np.isnan(y.astype(float)).any():
            raise DataError("y must hold numbers, none missing.", where="y", fix="drop the rows without a target.")
        return y.astype(float)
    n_classes = len(model.classes_)
    integral = y.dtype.kind in "iub" or (y.dtype.kind == "f" and np.all(np.mod(y, 1) == 0))
    if not integral or y.min() < 0 or y.max() >= n_classes:
        raise DataError(f"y must hold class indices from 0 to {n_classes - 1}.", where="y",
                        fix="encode the labels with model.target.encode(labels).")
    return y.astype(np.int64)


def _encoded_shuffles(model, sample: pd.DataFrame, reference: np.ndarray) -> Shuffled | None:
    """Shuffles on the encoded matrices, or None when they would not reproduce ``raw_predict``."""
    conformed, _ = conform_columns(sample, model.schema, ignore=(model.target.name,))
    matrices = {style: encoder.transform(conformed, len(sample)) for style, encoder in model.encoders.items()}
    sources = {style: np.asarray(encoder.feature_sources_, dtype=object) for style, encoder in model.encoders.items()}

    def output(stacked: dict[str, np.ndarray]) -> np.ndarray:
        blended = sum(member.weight * np.asarray(member.learner.predict(stacked[member.style]))
                      for member in model.members)
        decision = getattr(model, "decision", None)
        return decision.probabilities(blended) if decision is not None and model.task.is_classification else blended

    if not np.allclose(output(matrices), reference, rtol=1e-6, atol=1e-8):
        return None

    def shuffled(column: str, orders: list[np.ndarray]) -> list[np.ndarray]:
        stacked = {}
        for style, X in matrices.items():
            features = np.flatnonzero(sources[style] == column)
            stacked[style] = np.tile(X, (len(orders), 1))
            for r, order in enumerate(orders):
                stacked[style][r * len(X):(r + 1) * len(X), features] = X[np.ix_(order, features)]
        return np.split(output(stacked), len(orders))

    return shuffled


def _raw_shuffles(model, sample: pd.DataFrame) -> Shuffled:
    def shuffled(column: str, orders: list[np.ndarray]) -> list[np.ndarray]:
        values = sample[column].to_numpy()
        frames = [sample.assign(**{column: values[order]}) for order in orders]
        return np.split(np.asarray(model.raw_predict(pd.concat(frames, ignore_index=True))), len(orders))

    return shuffled
