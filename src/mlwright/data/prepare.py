"""From a raw table to what the search needs: clean features, encoded labels, schema, notes."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.data.cleaning import clean_frame
from mlwright.data.schema import Schema, conform, infer_schema
from mlwright.data.target import AskedMetric, TargetInfo, analyze_target
from mlwright.errors import DataError

MIN_ROWS = 10


@dataclass
class PreparedData:
    frame: pd.DataFrame
    y: np.ndarray
    schema: Schema
    target: TargetInfo
    fingerprint: dict
    notes: list[str] = field(default_factory=list)
    #: Index labels in the raw table of the prepared rows (rows without a label are left out).
    source_index: pd.Index | None = None


def prepare_training_data(raw: pd.DataFrame, target: str, task: Task | None, *, where: str = "data",
                          exclude: Iterable[tuple[str, str, str]] = (),
                          metric: AskedMetric | None = None) -> PreparedData:
    """``exclude`` holds (column, kind, reason) for columns the checks keep from the model
    (``leak``, ``personal``): they stay in the schema as dropped, so predict ignores them too.
    ``metric``, the one asked for, settles the task when none is given (see ``analyze_target``)."""
    if raw.empty:
        raise DataError("the table has no rows.", where=where, fix="pass a table with a header and data rows.")
    info, labels, notes = analyze_target(raw, target, task, where=where, metric=metric)
    rows = raw.loc[labels.index]
    if len(rows) < MIN_ROWS:
        raise DataError(f"only {len(rows)} rows have a label; at least {MIN_ROWS} are needed.", where=where,
                        fix="pass more labelled rows.")
    if task is not None and task.is_classification and labels.nunique() > len(labels) / 2:
        raise DataError(f"{labels.nunique()} classes for {len(labels)} rows is not a classification problem.",
                        where=where, fix="use --task regression or leave the task out.")
    frame, schema, feature_notes = prepare_features(rows.drop(columns=[target]), where=where, exclude=exclude,
                                                    fix="pass columns that carry information about the target.")
    return PreparedData(frame=frame, y=info.encode(labels.reset_index(drop=True)),
                        schema=schema, target=info, fingerprint=fingerprint(raw), notes=notes + feature_notes,
                        source_index=labels.index)


def prepare_features(raw: pd.DataFrame, *, where: str = "data", exclude: Iterable[tuple[str, str, str]] = (),
                     fix: str = "pass columns that vary from row to row.") -> tuple[pd.DataFrame, Schema, list[str]]:
    """The input columns of a table cleaned, typed and read as the model will read them, with
    the schema (identifiers, constants and the columns of ``exclude`` marked as dropped) and the
    notes saying what was left out and why: what supervised and unsupervised training share."""
    cleaned, cleaning_notes = clean_frame(raw)
    schema = _exclude(infer_schema(cleaned), exclude)
    notes = [f"column {spec.name!r} not used: it {spec.reason}." for spec in schema.dropped]
    if not schema.used:
        raise DataError("no usable feature columns: every column is constant or an identifier.", where=where, fix=fix)
    frame, _ = conform(cleaned, schema, where=where)
    return frame.reset_index(drop=True), schema, notes + cleaning_notes


def _exclude(schema: Schema, exclude: Iterable[tuple[str, str, str]]) -> Schema:
    marked = {column: (kind, reason) for column, kind, reason in exclude}
    return Schema(tuple(replace(spec, kind=marked[spec.name][0], reason=marked[spec.name][1], order=())
                        if spec.name in marked else spec for spec in schema.columns))


def fingerprint(frame: pd.DataFrame) -> dict:
    """Hash, shape and column types: enough to tell whether a resumed run sees the same data."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update("\x1f".join(map(str, frame.columns)).encode())
    return {"sha256": digest.hexdigest(), "rows": int(frame.shape[0]), "columns": int(frame.shape[1]),
            "dtypes": {str(c): str(t) for c, t in frame.dtypes.items()}}
