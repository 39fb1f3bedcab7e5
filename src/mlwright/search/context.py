"""The training rows split into folds, with each fold's features encoded once and reused.

Encoders are fitted on a fold's fit rows only, so validation rows never shape the features
they are scored on. Encoded folds are cached per style: every trial of a style shares them.
The folds are bagged k-fold (every row scored once) or one holdout (only its rows scored):
``scored_rows`` says which rows a trial's out-of-fold output covers, in that output's order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.data.schema import Schema
from mlwright.evaluate.metrics import Metric
from mlwright.features import TableEncoder
from mlwright.features.parts import FitContext
from mlwright.features.text_model import TextTarget
from mlwright.search.validation import Validation


@dataclass
class EncodedFold:
    X_fit: np.ndarray
    y_fit: np.ndarray
    X_valid: np.ndarray
    y_valid: np.ndarray
    valid_rows: np.ndarray
    categorical: tuple[int, ...]
    #: Fitted on the fold's fit rows: with one holdout, the final model serves with it.
    encoder: TableEncoder | None = None


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
    #: How the folds were chosen, for the record (None: folds given as they are).
    validation: Validation | None = None
    #: Seconds each fold's text models may spend trying settings beyond their default one.
    text_search_seconds: float = float("inf")
    #: Milliseconds one row's prediction by one fitted model may take: boosters stop adding
    #: rounds before it (``models.row_latency``). Infinite when no latency limit is set.
    member_row_ms: float = float("inf")
    #: Rows the final members are refitted on: the training rows (None), or every row when the
    #: holdout kept for the estimate joins them once it has scored the model.
    refit_rows: int | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def fold(self, index: int, style: str) -> EncodedFold:
        key = (index, style)
        if key not in self._cache:
            fit_rows, valid_rows = self.folds[index]
            encoder = TableEncoder(self.schema, style)
            X_fit = encoder.fit_transform(self.frame.iloc[fit_rows], FitContext(
                TextTarget(self.y[fit_rows], self.task, self.n_classes, self.seed + index,
                           search_until=time.time() + self.text_search_seconds),
                text_models=self._cache.setdefault(("text models", index), {})))
            self._cache[key] = EncodedFold(
                X_fit=X_fit, y_fit=self.y[fit_rows],
                X_valid=encoder.transform(self.frame.iloc[valid_rows]), y_valid=self.y[valid_rows],
                valid_rows=valid_rows, categorical=tuple(encoder.categorical_indices_),
                encoder=encoder)
        return self._cache[key]

    @cached_property
    def scored_rows(self) -> np.ndarray:
        """Positions (into ``y``) of the rows the folds validate on, sorted: every row when the
        folds are bagged, the holdout's rows when there is one split."""
        return np.unique(np.concatenate([valid for _, valid in self.folds]))

    @property
    def y_scored(self) -> np.ndarray:
        """The labels of ``scored_rows``: what out-of-fold outputs are scored against."""
        return self.y[self.scored_rows]

    @property
    def n_features(self) -> int:
        return len(self.schema.used)

    @property
    def is_holdout(self) -> bool:
        return len(self.folds) == 1

    @property
    def fit_fraction(self) -> float:
        """The share of the training rows one fold's model is fitted on (refits scale by it)."""
        return float(np.mean([len(fit) for fit, _ in self.folds])) / max(len(self.y), 1)

    @property
    def refit_fraction(self) -> float:
        """One fold's fit rows as a share of the rows the final members are refitted on."""
        return self.fit_fraction * len(self.y) / max(self.refit_rows or len(self.y), 1)

    def empty_oof(self) -> np.ndarray:
        shape = (len(self.y),) if self.task is Task.REGRESSION else (len(self.y), self.n_classes)
        return np.full(shape, np.nan)
