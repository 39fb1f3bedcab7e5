"""The training rows split into folds, with each fold's features encoded once and reused.

Encoders are fitted on a fold's fit rows only, so validation rows never shape the features
they are scored on. Encoded folds are cached per style: every trial of a style shares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.data.schema import Schema
from mlwright.evaluate.metrics import Metric
from mlwright.features import TableEncoder


@dataclass
class EncodedFold:
    X_fit: np.ndarray
    y_fit: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray
    valid_rows: np.ndarray
    categorical: tuple[int, ...]


@dataclass
class SearchContext:
    """Everything a trial needs; built once per run, and per worker on a cluster."""

    frame: pd.DataFrame
    y: np.ndarray
    schema: Schema
    task: Task
    n_classes: int
    metric: Metric
    folds: list[tuple[np.ndarray, np.ndarray]]
    seed: int = 0
    threads: int = 1
    _cache: dict = field(default_factory=dict, repr=False)

    def fold(self, index: int, style: str) -> EncodedFold:
        key = (index, style)
        if key not in self._cache:
            fit_rows, valid_rows = self.folds[index]
            encoder = TableEncoder(self.schema, style).fit(self.frame.iloc[fit_rows])
            self._cache[key] = EncodedFold(
                X_fit=encoder.transform(self.frame.iloc[fit_rows]), y_fit=self.y[fit_rows],
                X_valid=encoder.transform(self.frame.iloc[valid_rows]), y_valid=self.y[valid_rows],
                valid_rows=valid_rows, categorical=tuple(encoder.categorical_indices_))
        return self._cache[key]

    def empty_oof(self) -> np.ndarray:
        shape = (len(self.y),) if self.task is Task.REGRESSION else (len(self.y), self.n_classes)
        return np.full(shape, np.nan)
