"""Checks and sampling shared by the explanation tools: one place that says what a bad
argument is, so that importance, dependence and per-row explanations refuse it alike."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlwright.errors import ConfigError, DataError


def require_rows(frame: pd.DataFrame, where: str) -> None:
    if len(frame) == 0:
        raise DataError("there are no rows to explain.", where=where, fix="pass a table with at least one row.")


def require_positive(value, name: str) -> int:
    """An integer option that must be at least 1 (``repeats``, ``max_rows``, ``top``...)."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ConfigError(f"{name} must be a whole number of at least 1, got {value!r}.", where=name,
                          fix=f"pass {name}=1 or more.")
    return int(value)


def sample_positions(n_rows: int, max_rows: int, seed: int) -> np.ndarray:
    """At most ``max_rows`` row positions, drawn without replacement and kept in table order,
    so that the same seed explains the same rows."""
    if n_rows <= max_rows:
        return np.arange(n_rows)
    return np.sort(np.random.default_rng(seed).choice(n_rows, size=max_rows, replace=False))


def class_index(model, class_) -> int | None:
    """The position of a class label among the model's classes (labels from the command line
    arrive as text, so ``"1"`` finds the class ``1``)."""
    if class_ is None:
        return None
    if not model.task.is_classification:
        raise ConfigError(f"a class ({class_!r}) was given, but this model predicts numbers.", where="class",
                          fix="leave the class out for a regression model.")
    for position, label in enumerate(model.classes_):
        if label == class_ or str(label) == str(class_):
            return position
    raise ConfigError(f"the model has no class {class_!r}.", where="class",
                      fix=f"use one of: {', '.join(map(str, model.classes_))}.")


def used_column(model, column: str) -> None:
    """Refuse a column the model does not read, saying why when training dropped it."""
    used = [spec.name for spec in model.schema.used]
    if column in used:
        return
    dropped = {spec.name: spec.reason or spec.kind for spec in model.schema.dropped}
    why = f" it was dropped at training ({dropped[column]})." if column in dropped else ""
    raise ConfigError(f"the model does not use column {column!r}.{why}", where="column",
                      fix=f"use one of: {', '.join(used)}.")
