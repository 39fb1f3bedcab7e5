"""The target column: its task, its labels, and the default metric for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from mlwright._types import Task, task_words
from mlwright.data.cleaning import clean_text, numeric_share
from mlwright.errors import DataError, closest_name

#: Integer-valued targets with at most this many distinct values are treated as classes.
MAX_CLASSES_FOR_INTEGER_TARGET = 20
#: A classification metric makes classes of integers the values alone call a regression target,
#: up to this many (and half the rows): beyond, --task multiclass says so explicitly.
MAX_CLASSES_SET_BY_METRIC = 100
DEFAULT_METRIC = {Task.BINARY: "roc_auc", Task.MULTICLASS: "log_loss", Task.REGRESSION: "rmse"}


class AskedMetric(Protocol):
    """What the target needs of the metric the user asked for: its name and the tasks it
    applies to. ``evaluate.metrics.Metric`` is one; data come before evaluate, so the caller
    looks it up and passes it in."""

    @property
    def name(self) -> str: ...

    @property
    def tasks(self) -> frozenset[Task]: ...


@dataclass(frozen=True)
class TargetInfo:
    """What the model learned about its target: needed to turn outputs back into labels."""

    name: str
    task: Task
    classes: tuple = ()
    strip_trailing_dot: bool = False

    def encode(self, labels: pd.Series) -> np.ndarray:
        """Labels as class indices (classification) or floats (regression)."""
        if self.task is Task.REGRESSION:
            return labels.to_numpy(dtype=float)
        lookup = {c: i for i, c in enumerate(self.classes)}
        return np.array([lookup[v] for v in labels], dtype=np.int64)

    def normalize(self, raw: pd.Series) -> pd.Series:
        """Clean raw labels the way the training labels were cleaned (for scoring new data).
        A label the model does not know is also tried without a trailing dot: test files such
        as UCI Adult's write ``<=50K.`` for the ``<=50K`` of the training file."""
        labels = _normalize(raw, self.strip_trailing_dot, self.task, numeric=_classes_are_numeric(self.classes))
        if self.task is Task.REGRESSION or self.strip_trailing_dot:
            return labels
        unknown = labels.notna() & ~labels.isin(list(self.classes))
        if unknown.any():
            undotted = _normalize(raw[unknown], True, self.task, numeric=_classes_are_numeric(self.classes))
            labels = labels.where(~unknown, undotted)
        return labels

    def known(self, raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Which of ``raw`` (labels as read) have a label the model knows, and those labels
        encoded: (mask over ``raw``, encoded labels of the masked rows)."""
        labels = self.normalize(raw)
        known = labels.notna()
        if self.task.is_classification:
            known &= labels.isin(list(self.classes))
        return known.to_numpy(), self.encode(labels[known])

    def to_dict(self) -> dict:
        return {"name": self.name, "task": self.task.value, "classes": [_plain(c) for c in self.classes],
                "strip_trailing_dot": self.strip_trailing_dot}

    @classmethod
    def from_dict(cls, data: dict) -> "TargetInfo":
        return cls(name=data["name"], task=Task(data["task"]), classes=tuple(data["classes"]),
                   strip_trailing_dot=bool(data["strip_trailing_dot"]))


def analyze_target(frame: pd.DataFrame, name: str, task: Task | None, *, where: str = "data",
                   metric: AskedMetric | None = None) -> tuple[TargetInfo, pd.Series, list[str]]:
    """Infer the task and classes; return the cleaned labels (rows with no label dropped).
    Without ``task``, the values decide, unless ``metric`` belongs to other tasks: the user has
    then said what the task is (rmse on ratings 0-4 is regression), and a note says so."""
    if name not in frame.columns:
        close = closest_name(name, frame.columns)
        hint = f" Did you mean {close!r}?" if close else f" Columns are: {', '.join(map(str, frame.columns[:12]))}."
        raise DataError(f"there is no target column {name!r}.{hint}", where=where, fix="pass --target with an existing column.")
    raw = frame[name]
    numeric = raw.dtype.kind in "fiub" or numeric_share(clean_text(raw)) == 1.0
    text = clean_text(raw) if raw.dtype.kind not in "fiub" else raw
    strip_dot = False
    if not numeric:
        stripped = text.str.rstrip(".")
        strip_dot = stripped.nunique() < text.nunique()
    labels = _normalize(raw, strip_dot, task, numeric=numeric)
    notes = []
    missing = int(labels.isna().sum())
    if missing:
        notes.append(f"{missing} rows without a value in {name!r} were left out of training.")
        labels = labels.dropna()
    if strip_dot:
        notes.append(f"labels of {name!r} written with and without a trailing '.' were read as one.")
    distinct = labels.nunique()
    if len(labels) == 0:
        raise DataError(f"the target column {name!r} has no values.", where=where, fix="pass a column with labels.")
    if distinct < 2:
        raise DataError(f"the target column {name!r} has one value only ({labels.iloc[0]!r}); there is nothing to learn.",
                        where=where, fix="pass data where the target takes at least two values.")
    if task is None:
        task = _infer_task(labels, numeric)
        if metric is None and task is Task.REGRESSION and _integral(labels) and distinct <= MAX_CLASSES_SET_BY_METRIC:
            notes.append(f"{name!r} holds {distinct} whole numbers, more than the {MAX_CLASSES_FOR_INTEGER_TARGET} "
                         "read as classes: it is treated as a quantity (regression); if they are labels, pass "
                         "--task multiclass.")
        if metric is not None and task not in metric.tasks:
            by_values, task = task, _task_for_metric(labels, numeric, name, metric, where)
            notes.append(f"the task is {task.value} because the metric {metric.name!r} was asked for; the values "
                         f"of {name!r} alone looked like a {by_values.value} task ({_describe(labels, numeric)}).")
    if task.is_classification:
        if task is Task.BINARY and distinct != 2:
            raise DataError(f"task is binary but {name!r} has {distinct} classes.", where=where,
                            fix="use --task multiclass or leave the task out.")
        classes = tuple(sorted(labels.unique(), key=_sort_key))
        return TargetInfo(name, task, classes, strip_dot), labels, notes
    if not numeric:
        raise DataError(f"task is regression but {name!r} holds text.", where=where,
                        fix="use a numeric target or leave the task out.")
    return TargetInfo(name, task, (), strip_dot), labels.astype(float), notes


def _infer_task(labels: pd.Series, numeric: bool) -> Task:
    distinct = labels.nunique()
    if distinct == 2:
        return Task.BINARY
    if not numeric:
        return Task.MULTICLASS
    return Task.MULTICLASS if _integral(labels) and distinct <= MAX_CLASSES_FOR_INTEGER_TARGET else Task.REGRESSION


def _task_for_metric(labels: pd.Series, numeric: bool, name: str, metric: AskedMetric, where: str) -> Task:
    """The task of ``metric`` that fits the labels, which the values alone put in another task."""
    distinct = labels.nunique()
    if Task.REGRESSION in metric.tasks:
        if not numeric:
            raise DataError(f"metric {metric.name!r} is for regression, but {name!r} holds text.", where=where,
                            fix=f"ask for a classification metric (such as {DEFAULT_METRIC[Task.MULTICLASS]}) or none, "
                                "or pass a numeric target.")
        return Task.REGRESSION
    task = Task.BINARY if distinct == 2 else Task.MULTICLASS
    if task not in metric.tasks:
        raise DataError(f"metric {metric.name!r} is for {task_words(metric.tasks)} tasks, but {name!r} has {distinct:,} "
                        "distinct values.", where=where, fix="ask for another metric, or leave the metric out.")
    # the values called it regression: numbers that are not integers, or many integers
    if not _integral(labels):
        raise DataError(f"metric {metric.name!r} is for classification, but {name!r} holds continuous numbers "
                        f"({distinct:,} distinct values).", where=where,
                        fix=f"ask for a regression metric (such as {DEFAULT_METRIC[Task.REGRESSION]}) or none, or pass "
                            "--task multiclass if the numbers are class codes.")
    limit = min(MAX_CLASSES_SET_BY_METRIC, len(labels) // 2)
    if distinct > limit:
        raise DataError(f"metric {metric.name!r} is for classification, but {name!r} holds {distinct:,} distinct "
                        f"integers in {len(labels):,} rows: too many for the metric to make them classes (at most "
                        f"{limit}).", where=where,
                        fix=f"ask for a regression metric (such as {DEFAULT_METRIC[Task.REGRESSION]}) or none, or pass "
                            "--task multiclass to train on them as classes anyway.")
    return task


def _describe(labels: pd.Series, numeric: bool) -> str:
    kind = "labels" if not numeric else "integers" if _integral(labels) else "numbers"
    return f"{labels.nunique():,} distinct {kind}"


def _integral(labels: pd.Series) -> bool:
    return bool(np.all(np.equal(np.mod(labels.to_numpy(dtype=float), 1), 0)))



def _normalize(raw: pd.Series, strip_dot: bool, task: Task | None, *, numeric: bool) -> pd.Series:
    if raw.dtype.kind in "fiub":
        values = raw.astype(float)
    else:
        values = clean_text(raw)
        if strip_dot:
            values = values.where(values.isna(), values.astype("string").str.rstrip(".").astype(object))
        if numeric:
            values = pd.to_numeric(values, errors="coerce")
    if numeric and task is not Task.REGRESSION:
        as_float = values.astype(float)
        if np.all(np.equal(np.mod(as_float.dropna(), 1), 0)):
            return as_float.astype("Int64").astype(object).where(as_float.notna(), np.nan)
    return values


def _classes_are_numeric(classes: tuple) -> bool:
    return bool(classes) and all(isinstance(c, (int, np.integer, float, np.floating)) for c in classes)


def _sort_key(value):
    return (0, value, "") if isinstance(value, (int, float, np.integer, np.floating)) else (1, 0, str(value))


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value
