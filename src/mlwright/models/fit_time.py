"""Seconds a configuration is expected to take to fit, from the rows, columns and classes.

The search plans with these: whether bagging leaves time for enough configurations, and
which portfolio entries are worth starting with the time left. Each configuration carries a
model: the hand-picked portfolio's are set by hand per family, the learned portfolio's fitted on
the meta corpus's timings (see ``tools/portfolio``). Both are rough (the learned ones
underestimate large tables several times over), so the search trusts a family's measured
trials over its model as soon as it has one.
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


def trial_seconds(models: list[TimeModel], *, fit_rows: float, fits: int, cols: int, classes: int,
                  threads: int) -> float:
    """Seconds the configurations take as trials of ``fits`` fits on ``fit_rows`` rows each (one
    per fold: k on (k-1)/k of the rows when bagged, one on the rest of a holdout)."""
    return fits * sum(m.seconds(fit_rows, cols, classes, threads) for m in models)


def model_classes(n_classes: int) -> int:
    """The class count a time model takes: multiclass boosters grow a tree per class."""
    return n_classes if n_classes > 2 else 1
