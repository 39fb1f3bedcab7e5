"""Seconds a configuration is expected to take to fit, from the rows, columns and classes.

The search plans with these: whether bagging leaves time for enough configurations, and
which portfolio entries are worth starting with the time left. Each configuration carries a
model fitted on timings of the meta corpus (see ``tools/portfolio``); it is a guess within a
factor of two or three, which is enough to plan with, and the search still measures every
trial it runs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: How the time of one fit falls with threads: boosting and forests scale well on large data,
#: hardly at all on small; between the two.
THREAD_SCALING = 0.6


@dataclass(frozen=True)
class TimeModel:
    """Seconds of one fit at one thread: ``overhead`` + exp(intercept) rows^a columns^b classes^c.

    The overhead is what a fit costs on a handful of rows (setting up, early stopping's last
    rounds); the power term is the work that grows with the data, the exponents fixed per
    family by how it scales (histogram boosting: about linearly in rows and columns), so that a
    model fitted on small tables extrapolates to large ones sensibly.
    """

    intercept: float
    log_rows: float
    log_cols: float
    log_classes: float
    overhead: float = 0.0

    @classmethod
    def from_dict(cls, values: dict) -> "TimeModel":
        return cls(float(values["intercept"]), float(values["log_rows"]), float(values["log_cols"]),
                   float(values["log_classes"]), float(values.get("overhead", 0.0)))

    def seconds(self, rows: float, cols: int, classes: int, threads: int = 1) -> float:
        """Expected seconds of one fit on ``rows`` rows (classes: 1 for regression and binary)."""
        logged = (self.intercept + self.log_rows * math.log(max(rows, 2.0)) + self.log_cols * math.log(max(cols, 1))
                  + self.log_classes * math.log(max(classes, 1)))
        return (self.overhead + math.exp(logged)) / max(threads, 1) ** THREAD_SCALING


def bagged_seconds(models: list[TimeModel], *, rows: int, cols: int, classes: int, threads: int, folds: int) -> float:
    """Seconds the configurations take bagged over ``folds`` folds, each fit on (folds-1)/folds of the rows."""
    fold_rows = rows * (folds - 1) / folds
    return folds * sum(m.seconds(fold_rows, cols, classes, threads) for m in models)


def model_classes(n_classes: int) -> int:
    """The class count a time model takes: multiclass boosters grow a tree per class."""
    return n_classes if n_classes > 2 else 1
