"""Row splits: the holdout kept for the honest estimate, and the folds for bagging."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split

from mlwright._types import Task
from mlwright.config import HOLDOUT_MAX_ROWS, HOLDOUT_SHARE, MIN_ROWS_FOR_HOLDOUT


def wants_holdout(n_rows: int, requested: bool | None) -> bool:
    return requested if requested is not None else n_rows >= MIN_ROWS_FOR_HOLDOUT


def holdout_split(y: np.ndarray, task: Task, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of (training rows, holdout rows); stratified for classification."""
    rows = np.arange(len(y))
    size = min(HOLDOUT_SHARE, HOLDOUT_MAX_ROWS / len(y))
    stratify = y if task.is_classification and np.bincount(y).min() >= 2 else None
    train, hold = train_test_split(rows, test_size=size, random_state=seed, stratify=stratify)
    return np.sort(train), np.sort(hold)


def choose_folds(n_rows: int, requested: int | None) -> int:
    """More folds on small data (each fit is cheap, variance is high), fewer on large data,
    where every extra fold is a full fit taken from the time budget."""
    if requested:
        return int(requested)
    for limit, folds in ((5_000, 5), (12_000, 4), (40_000, 3)):
        if n_rows <= limit:
            return folds
    return 2


def make_folds(y: np.ndarray, task: Task, n_folds: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, validation rows) per fold; stratified when every class has enough rows."""
    if task.is_classification and np.bincount(y).min() >= n_folds:
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
        return list(splitter.split(np.zeros(len(y)), y))
    splitter = KFold(n_splits=n_folds, shuffle=True, random_state=seed)
    return list(splitter.split(np.zeros(len(y))))
