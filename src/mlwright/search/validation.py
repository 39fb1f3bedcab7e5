"""How the search validates a configuration: bagged k-fold, or one stratified holdout.

Bagging scores every row and averages k models, the better estimate and the better ensemble
when there is time for it; but each trial then costs k fits. When the budget is short for the
data (a 60 s budget on 40,000 rows, ten classes), bagging leaves time for a handful of trials,
and one holdout (10-20% of the rows) with three times as many trials wins. The rule compares
the predicted cost of the first configurations of the portfolio, bagged, with the search time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from mlwright._types import Task
from mlwright.data.splits import choose_folds, make_folds

BAGGED, HOLDOUT = "bagged", "holdout"
#: Configurations bagging must leave time for, within ``BAGGING_SHARE`` of the search: enough
#: for the portfolio's strong and diverse start, and for an ensemble to choose from.
CONFIGS_TO_BAG = 8
BAGGING_SHARE = 0.6
#: Below this many rows always bag: a holdout of under a thousand rows is too noisy to choose
#: an ensemble on (log loss above all), and bagging's averaged models matter most there. Measured
#: at 60 s: with a holdout, pmlb_wine_quality_white (3,914 rows) lost 0.77 -> 0.93 log loss and
#: pmlb_satimage (4,633) 0.230 -> 0.237, while pmlb_letter (16,000) gained 0.168 -> 0.133.
MIN_ROWS_FOR_SEARCH_HOLDOUT = 5_000


@dataclass(frozen=True)
class Validation:
    kind: str
    folds: int
    reason: str
    holdout_share: float = 0.0

    def describe(self) -> str:
        if self.kind == HOLDOUT:
            return f"one holdout of {self.holdout_share:.0%} of the training rows ({self.reason})"
        return f"{self.folds}-fold bagging ({self.reason})"


def holdout_share(n_rows: int) -> float:
    """10-20% of the rows, and about 2,500 of them where that falls between: enough to choose
    models and stop boosting on, no more than that taken from the fits."""
    return float(min(0.2, max(0.1, 2_500 / max(n_rows, 1))))


def choose_validation(n_rows: int, *, requested: str = "auto", folds: int | None = None,
                      bagged_seconds: Callable[[int], float] | None = None,
                      search_seconds: float = float("inf")) -> Validation:
    """Pick the validation. ``bagged_seconds(k)`` predicts the seconds the portfolio's first
    ``CONFIGS_TO_BAG`` configurations take bagged over k folds."""
    if folds:
        return Validation(BAGGED, int(folds), "folds given")
    k = choose_folds(n_rows, None)
    if requested == BAGGED:
        return Validation(BAGGED, k, "asked for")
    if requested == HOLDOUT:
        return Validation(HOLDOUT, 1, "asked for", holdout_share(n_rows))
    if n_rows < MIN_ROWS_FOR_SEARCH_HOLDOUT or bagged_seconds is None:
        return Validation(BAGGED, k, f"{n_rows:,} rows: every row is needed to choose models on")
    expected = bagged_seconds(k)
    if expected <= BAGGING_SHARE * search_seconds:
        return Validation(BAGGED, k, f"the first {CONFIGS_TO_BAG} configurations are expected to take {expected:.0f} s "
                                     f"bagged, of {search_seconds:.0f} s of search")
    return Validation(HOLDOUT, 1, f"bagged over {k} folds the first {CONFIGS_TO_BAG} configurations would take about "
                                  f"{expected:.0f} s of the {search_seconds:.0f} s of search",
                      holdout_share(n_rows))


def validation_folds(y: np.ndarray, task: Task, validation: Validation,
                     seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(fit rows, validation rows) per fold: k of them bagged, one for a holdout (stratified
    for classification when every class has two rows)."""
    if validation.kind == BAGGED:
        return make_folds(y, task, validation.folds, seed)
    stratify = y if task.is_classification and np.bincount(y).min() >= 2 else None
    fit, valid = train_test_split(np.arange(len(y)), test_size=validation.holdout_share, random_state=seed,
                                  stratify=stratify)
    return [(np.sort(fit), np.sort(valid))]
