"""What a model family is, and the small contract every learner keeps.

A family is data (name, tasks, feature style, default configurations best-first, search
space); its learner fits on numeric matrices, predicts probabilities or values, and saves
itself in a format that loads without executing anything untrusted.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from mlwright._types import Task


@dataclass(frozen=True)
class FitData:
    """One fit: training rows, optional validation rows for early stopping, and its limits."""

    X: np.ndarray
    y: np.ndarray
    task: Task
    n_classes: int
    categorical: tuple[int, ...] = ()
    X_valid: np.ndarray | None = None
    y_valid: np.ndarray | None = None
    seed: int = 0
    threads: int = 1
    deadline: float = float("inf")
    iterations: int | None = None
    #: The milliseconds one row's prediction by this model alone may take: boosters stop adding
    #: rounds before it (``row_latency``); a model slower than that alone cannot ship.
    row_ms_limit: float = float("inf")

    def time_left(self) -> float:
        return self.deadline - time.time()


class Learner(Protocol):
    """A fitted or unfitted model of one family with one configuration.

    After ``fit`` a learner may also hold ``trained_params_``, a dict of settings its training
    chose for itself (a network narrowed to fit its time): the search refits with them.
    """

    params: dict[str, Any]
    iterations_: int | None

    def fit(self, data: FitData) -> "Learner": ...

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class probabilities (rows x classes) for classification, values for regression."""

    def save(self, directory: Path) -> None: ...


@dataclass(frozen=True)
class Family:
    """A model family as data: everything the search needs to try it."""

    name: str
    tasks: frozenset[Task]
    style: str
    make: Callable[[dict[str, Any], Task], Learner]
    load: Callable[[Path, dict[str, Any], Task], Learner]
    portfolio: tuple[dict[str, Any], ...]
    space: Callable[[Any, Task], dict[str, Any]]
    max_rows: int | None = None
    min_rows: int = 0
    iterative: bool = False
    notes: str = ""
    #: The module training needs beyond the core install (an extra's), or None: without it the
    #: family is left out of the search, while its saved members still load and predict.
    requires: str | None = None
    install: str = ""
    #: A slow family whose trials stop after the first fold when it is clearly behind the best
    #: trial so far (``search.triage``): its folds cost too much to finish a hopeless trial.
    triaged: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def supports(self, task: Task, n_rows: int) -> bool:
        return (task in self.tasks and (self.max_rows is None or n_rows <= self.max_rows)
                and n_rows >= self.min_rows)

    def trainable(self) -> bool:
        """Whether what training needs can be imported here (checked without importing it)."""
        return self.requires is None or module_available(self.requires)


ALL_TASKS = frozenset(Task)


def module_available(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a module made unimportable (a ``sys.modules`` entry of None)
        return False


def align_proba(proba: np.ndarray, seen: np.ndarray, n_classes: int) -> np.ndarray:
    """Spread a model's probabilities over all classes when a fold lacked some of them."""
    if proba.shape[1] == n_classes:
        return proba
    full = np.zeros((proba.shape[0], n_classes))
    full[:, np.asarray(seen, dtype=int)] = proba
    return full


def binary_to_two_columns(positive: np.ndarray) -> np.ndarray:
    positive = np.asarray(positive, dtype=float).reshape(-1)
    return np.column_stack([1.0 - positive, positive])


class DeadlineReached(Exception):
    """Raised inside a fit when its time is up; the trial records it and the search goes on."""
