"""Fairness audit: how the model's predictions and errors differ between groups of people.

``fairness_audit`` is a pure function over predictions, so it runs the same on validation
predictions at training time and on scored data later, and a sensitive column that was kept out of
the features can still be audited: only its values for the same rows are needed.

The steps live in small modules beside this one: ``groups`` names the groups, ``metrics``
measures them with fairlearn, ``judge`` names who falls behind (its docstring states the rules of
thumb), ``text`` writes the sentences.
"""

from __future__ import annotations


import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.errors import ConfigError, DataError, closest_name
from mlwright.evaluate.fairness.groups import MISSING_GROUP, group_rows
from mlwright.evaluate.fairness.judge import Thresholds, find_behind
from mlwright.evaluate.fairness.metrics import Predictions, group_table
from mlwright.evaluate.fairness.text import column_sentences
from mlwright.files import json_ready

__all__ = ["MISSING_GROUP", "Thresholds", "fairness_audit", "resolve_sensitive"]


def fairness_audit(y_true, y_pred, groups: pd.DataFrame, *, task: str, classes: list,
                   proba: np.ndarray | None = None, min_group_rows: int = 30,
                   used_as_feature: dict[str, bool] | None = None) -> dict:
    """Per-group metrics, fairness differences and the groups that fall behind, as JSON-plain data.

    ``groups`` holds one column per sensitive attribute, in the row order of the predictions.
    Groups with fewer than ``min_group_rows`` rows are listed as too small to judge; they are shown
    but never named as behind, and the differences are taken over the other groups.

    >>> audit = fairness_audit(["n", "y"] * 40, ["n", "y"] * 40, pd.DataFrame({"g": ["a", "b"] * 40}),
    ...                        task="binary", classes=["n", "y"])
    >>> audit["columns"][0]["differences"]["demographic_parity_difference"]
    1.0
    """
    if isinstance(min_group_rows, bool) or not (isinstance(min_group_rows, (int, np.integer)) and min_group_rows >= 1):
        raise ConfigError(f"min_group_rows must be a whole number of at least 1, not {min_group_rows!r}.",
                          where="min_group_rows", fix="pass a positive integer such as 30.")
    data = _predictions(y_true, y_pred, groups, task, classes, proba)
    limits = Thresholds()
    positive = str(data.classes[1]) if data.task is Task.BINARY else "positive"
    used = used_as_feature or {}
    columns, sentences = [], []
    for name in groups.columns:
        column = _plain(_audit_column(str(name), groups[name].reset_index(drop=True), data, min_group_rows,
                                      used.get(name), limits, positive))
        columns.append(column)
        sentences += column_sentences(column, data.task, positive, limits, min_group_rows)
    unique_sentences = list(dict.fromkeys(sentences))  # task-wide notes are said once, not per column
    return _plain({"columns": columns, "sentences": unique_sentences, "thresholds": limits.to_dict()})


def _audit_column(name: str, values: pd.Series, data: Predictions, min_rows: int, used: bool | None,
                  limits: Thresholds, positive: str) -> dict:
    grouping = group_rows(values)
    sizes = pd.Series(grouping.labels).value_counts()
    judgeable = [g for g in grouping.order if sizes[g] >= min_rows]
    table = group_table(data, grouping.labels, judgeable, name)
    total = len(grouping.labels)
    notes = list(table.notes)
    if len(grouping.order) == 1:
        notes = [f"every row of {name} is in one group ({grouping.order[0]}), so there is nothing to compare."]
    return {
        "column": name, "binned": grouping.binned, "used_as_feature": used,
        "metric_names": table.metric_names,
        "overall": {"rows": total, **table.overall},
        "groups": [{"group": g, "rows": int(sizes[g]), "share": sizes[g] / total, "metrics": table.by_group[g]}
                   for g in grouping.order],
        "differences": table.differences,
        "behind": find_behind(table, data.task, judgeable, limits, positive),
        "small_groups": [g for g in grouping.order if g not in judgeable],
        "notes": notes,
    }


def resolve_sensitive(frame: pd.DataFrame, names: list[str], *, where: str) -> list[str]:
    """The exact column names for ``--sensitive`` values, matched case-insensitively.

    ``where`` names the option or field in the error (``"--sensitive"`` on the command line).

    >>> resolve_sensitive(pd.DataFrame(columns=["Sex", "age"]), ["sex", "age"], where="--sensitive")
    ['Sex', 'age']
    """
    columns = [str(c) for c in frame.columns]
    resolved: list[str] = []
    for name in names:
        exact = name if name in columns else _case_insensitive(name, columns, where)
        if exact not in resolved:
            resolved.append(exact)
    return resolved


def _case_insensitive(name: str, columns: list[str], where: str) -> str:
    matches = [c for c in columns if c.lower() == str(name).strip().lower()]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise ConfigError(f"{name!r} matches several columns that differ only in case: {', '.join(matches)}.",
                          where=where, fix="write the column name exactly as in the data.")
    hint = closest_name(name, columns)
    fix = (f"did you mean {hint!r}?" if hint else
           f"name one of the columns: {', '.join(columns[:12])}{' …' if len(columns) > 12 else ''}.")
    raise ConfigError(f"there is no column {name!r} to audit for fairness.", where=where, fix=fix)


def _predictions(y_true, y_pred, groups, task, classes, proba) -> Predictions:
    """Check the inputs once, at the door, and encode labels as class indices."""
    try:
        task = Task(task)
    except ValueError:
        raise ConfigError(f"unknown task {task!r}.", where="task",
                          fix="use 'binary', 'multiclass' or 'regression'.") from None
    y_true, y_pred = pd.Series(list(y_true), dtype=object), pd.Series(list(y_pred), dtype=object)
    _check_shapes(y_true, y_pred, groups)
    if task is Task.REGRESSION:
        return Predictions(task, _floats(y_true, "y_true"), _floats(y_pred, "y_pred"), ())
    classes = tuple(classes)
    if len(classes) != (2 if task is Task.BINARY else len(classes)) or len(classes) < 2:
        raise ConfigError(f"a {task.value} task needs {'two' if task is Task.BINARY else 'at least two'} classes, "
                          f"got {len(classes)}.", where="classes", fix="pass the classes the model was trained on.")
    score = None
    if proba is not None:
        proba = np.asarray(proba, dtype=float)
        if proba.shape != (len(y_true), len(classes)):
            raise DataError(f"probabilities have shape {proba.shape}, expected ({len(y_true)}, {len(classes)}).",
                            where="proba", fix="pass one row per prediction and one column per class.")
        score = proba[:, 1] if task is Task.BINARY else None
    return Predictions(task, _indices(y_true, classes, "y_true"), _indices(y_pred, classes, "y_pred"), classes, score)


def _check_shapes(y_true: pd.Series, y_pred: pd.Series, groups: pd.DataFrame) -> None:
    if not isinstance(groups, pd.DataFrame) or groups.shape[1] == 0:
        raise DataError("no sensitive column was given.", where="sensitive columns",
                        fix="pass a frame with one column per sensitive attribute (--sensitive COL).")
    named = ", ".join(map(str, groups.columns))
    if len(y_true) == 0 or len(groups) == 0:
        raise DataError("there are no rows to audit.", where=f"sensitive column {named}",
                        fix="audit predictions on a non-empty validation set.")
    if len(y_pred) != len(y_true) or len(groups) != len(y_true):
        raise DataError(f"sensitive column {named} has {len(groups)} rows, the labels {len(y_true)} and the "
                        f"predictions {len(y_pred)}.", where=f"sensitive column {named}",
                        fix="pass the sensitive values of the same rows, in the same order, as the predictions.")


def _indices(labels: pd.Series, classes: tuple, where: str) -> np.ndarray:
    codes = labels.map({c: i for i, c in enumerate(classes)})
    if codes.isna().any():
        strange = labels[codes.isna()].iloc[0]
        raise DataError(f"{int(codes.isna().sum())} values are not among the classes {list(classes)}, "
                        f"e.g. {strange!r}.", where=where, fix="pass labels as the original class values.")
    return codes.to_numpy(dtype=np.int64)


def _floats(values: pd.Series, where: str) -> np.ndarray:
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(numbers).all():
        raise DataError(f"{int((~np.isfinite(numbers)).sum())} values are missing or not finite numbers.",
                        where=where, fix="pass one number per row for a regression task.")
    return numbers


def _plain(value):
    """JSON-plain copy, floats rounded for reading."""
    return json_ready(value, digits=6)
