"""One trial: a model family with one configuration, bagged over the folds.

It returns out-of-fold predictions (of the context's scored rows) for ensemble selection, the fold iteration counts for the
final refit, and timings. With one holdout it also returns the model it fitted, which the final
model may ship as it is instead of refitting it. A failure is a result too: the search records it
and goes on.
"""

from __future__ import annotations

import time
import traceback
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from mlwright.execution.cores import fit_threads
from mlwright.models.base import FitData
from mlwright.models.registry import get_family
from mlwright.search.context import SearchContext
from mlwright.search.triage import behind_after_first_fold

OK, FAILED, OUT_OF_TIME, BEHIND = "ok", "failed", "out of time", "behind"
#: A trial is given up only when its remaining folds would take this much more than the time
#: left; below that, each fold's deadline trims its boosting rounds or trees to fit.
OVERRUN = 2.0


@dataclass(frozen=True)
class TrialSpec:
    trial_id: int
    family: str
    params: dict[str, Any]
    origin: str
    deadline: float
    must_finish: bool = False
    #: The best finished trial's out-of-fold output on the first fold's validation rows (in that
    #: fold's order), for a family triaged after its first fold (``search.triage``); None: no triage.
    rival: np.ndarray | None = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        return f"{self.family}_{self.trial_id}"

    def record(self) -> dict[str, Any]:
        """What a checkpoint keeps of the spec (the rival is only needed while the trial runs)."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "rival"}


@dataclass
class TrialResult:
    spec: TrialSpec
    status: str
    score: float | None = None
    oof: np.ndarray | None = field(default=None, repr=False)
    fit_seconds: float = 0.0
    fold_seconds: list[float] = field(default_factory=list)
    predict_ms_per_row: float | None = None
    iterations: list[int] = field(default_factory=list)
    #: Settings the folds' training chose for itself, such as the width of a network narrowed to
    #: fit its time: the refit on every row must train the model that was validated, not the one asked for.
    trained_params: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    #: The model fitted beside the one holdout (None when bagged, or once the search let it go):
    #: the ensemble can ship it without a refit. Never written to the checkpoint.
    fitted: Any = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        return self.status == OK

    def refit_params(self) -> dict[str, Any]:
        """The configuration to refit with: the trial's, with what its folds' training settled."""
        return {**self.spec.params, **self.trained_params}

    def refit_iterations(self) -> int | None:
        return int(round(float(np.mean(self.iterations)))) or 1 if self.iterations else None

    def refit_seconds(self, fit_fraction: float) -> float:
        """Expected time to refit on all rows: a fold's fit (on ``fit_fraction`` of them), scaled
        to the larger row count."""
        return float(np.mean(self.fold_seconds)) / max(fit_fraction, 0.05) if self.fold_seconds else 0.0


def run_trial(spec: TrialSpec, context: SearchContext) -> TrialResult:
    """Fit the configuration on every fold; never raises for a model's own failure."""
    started = time.time()
    try:
        return _bagged_fit(spec, context, started)
    except Exception as exc:  # any model error becomes a failed trial with its reason
        detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return TrialResult(spec, FAILED, error=detail[:500], fit_seconds=time.time() - started)


def _bagged_fit(spec: TrialSpec, context: SearchContext, started: float) -> TrialResult:
    family = get_family(spec.family)
    oof = context.empty_oof()
    n_folds = len(context.folds)
    fold_seconds, iterations, predict_seconds = [], [], 0.0
    trained: dict[str, list] = {}
    for index in range(n_folds):
        fold_started = time.time()
        left = spec.deadline - fold_started
        if fold_seconds and not spec.must_finish and np.mean(fold_seconds) * (n_folds - index) > OVERRUN * left:
            return TrialResult(spec, OUT_OF_TIME, fit_seconds=time.time() - started, fold_seconds=fold_seconds,
                               error=f"stopped after {index} of {n_folds} folds: the rest would not fit the budget")
        fold = context.fold(index, family.style)
        learner = family.make(spec.params, context.task)
        learner.fit(FitData(
            X=fold.X_fit, y=fold.y_fit, X_valid=fold.X_valid, y_valid=fold.y_valid, task=context.task,
            n_classes=context.n_classes, categorical=fold.categorical, seed=context.seed + index,
            threads=fit_threads(context.threads), deadline=fold_started + max(left, 0.0) / (n_folds - index),
            row_ms_limit=context.member_row_ms))
        fit_done = time.time()
        oof[fold.valid_rows] = learner.predict(fold.X_valid)
        predict_seconds += time.time() - fit_done
        fold_seconds.append(fit_done - fold_started)
        if index == 0 and spec.rival is not None and n_folds > 1:
            reason = behind_after_first_fold(context.metric, fold.y_valid, oof[fold.valid_rows], spec.rival,
                                             seed=context.seed)
            if reason:
                return TrialResult(spec, BEHIND, fit_seconds=time.time() - started, fold_seconds=fold_seconds,
                                   error=reason)
        if learner.iterations_ is not None:
            iterations.append(int(learner.iterations_))
        for key, value in (getattr(learner, "trained_params_", None) or {}).items():
            trained.setdefault(key, []).append(value)
    oof = oof[context.scored_rows]
    if np.isnan(oof).any():
        raise ValueError("the model returned missing predictions")
    score = context.metric.score(context.y_scored, oof)
    return TrialResult(spec, OK, score=score, oof=oof, fit_seconds=time.time() - started,
                       fold_seconds=fold_seconds, iterations=iterations, trained_params=settled(trained),
                       predict_ms_per_row=1000.0 * predict_seconds / len(context.y),
                       fitted=learner if context.is_holdout else None)


def settled(per_fold: dict[str, list]) -> dict[str, Any]:
    """One value per setting the folds chose: the smallest (a narrower network is the cheaper
    refit, and it is what at least one fold was validated with), else the first fold's."""
    chosen = {}
    for key, values in per_fold.items():
        numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
        chosen[key] = min(values) if numbers else values[0]
    return chosen
