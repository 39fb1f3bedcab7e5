"""Settings for a training run, as one frozen, validated value.

Validation happens once, here, when a run starts: every later stage may trust the values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from mlwright._types import Task
from mlwright.errors import ConfigError

#: Least fraction of the wall-clock budget kept back for refitting, scoring and saving the final model.
FINAL_STAGE_SHARE = 0.12
#: One-row latency the ensemble is pruned to when no max_latency_ms is given: members are dropped,
#: the last one never is. Pass max_latency_ms=float("inf") to favour accuracy alone.
DEFAULT_LATENCY_TARGET_MS = 1.5
#: Size (MB of member files) the ensemble is pruned to when no max_model_mb is given: the goal is
#: a model folder of at most 20 MB, and the folder also holds the encoders, the leaderboard and
#: the training data's distributions. Pass max_model_mb=float("inf") to favour accuracy alone.
DEFAULT_SIZE_TARGET_MB = 15.0
#: Rows below which no holdout is cut: the estimate comes from cross-fitted ensemble selection.
MIN_ROWS_FOR_HOLDOUT = 5000
#: Fraction of rows held out for the honest estimate on larger data, and its ceiling in rows:
#: a few thousand rows pin a metric down well; more would only be taken from the fits.
HOLDOUT_SHARE = 0.1
HOLDOUT_MAX_ROWS = 4000
CALIBRATION_METHODS = ("auto", "platt", "isotonic", "none")
#: Share of the budget kept for saving and the report when a run folder is written, within these
#: seconds and at most ``REPORT_MAX_SHARE`` of the budget: writing the profile and the model,
#: judging the model on held-out rows, explaining it and rendering took 4-7 s at a 60 s budget
#: (the report's samples shrink to the time left).
REPORT_SHARE, REPORT_SECONDS, REPORT_MAX_SHARE = 0.04, (4.0, 10.0), 0.1
#: With ``sample_rows``: the share of the budget kept for the final fit on every row, which
#: reads the whole file and boosts on many times the sample's rows.
STREAMED_FIT_SHARE = 0.5
#: The least sample worth searching on.
MIN_SAMPLE_ROWS = 1_000


def report_reserve(time_limit: float) -> float:
    """Seconds of ``time_limit`` kept for writing the report."""
    return min(max(REPORT_SHARE * float(time_limit), REPORT_SECONDS[0]), REPORT_SECONDS[1],
               REPORT_MAX_SHARE * float(time_limit))


@dataclass(frozen=True)
class TrainConfig:
    """Everything that decides what ``train`` does; defaults are what we would pick by hand."""

    target: str
    time_limit: float = 120.0
    metric: str | None = None
    task: Task | None = None
    seed: int = 0
    n_jobs: int | None = None
    folds: int | None = None
    #: How the search validates: auto (one holdout when bagging would leave too few trials for
    #: the budget, else bagged folds), bagged or holdout; ``folds`` given means bagged.
    validation: str = "auto"
    max_trials: int = 500
    families: tuple[str, ...] | None = None
    max_latency_ms: float | None = None
    max_model_mb: float | None = None
    ensemble_rounds: int = 40
    holdout: bool | None = None
    fail_fast: bool = False
    #: Columns to train on even though a leak or personal-data check flags them.
    keep_columns: tuple[str, ...] = ()
    #: Run the leak and personal-data checks (and report the other findings) before the search.
    checks: bool = True
    #: Columns audited for fairness in the report; kept out of the features unless
    #: ``sensitive_as_feature``.
    sensitive: tuple[str, ...] = ()
    sensitive_as_feature: bool = False
    #: Binary tasks: what the decision threshold is chosen for (see ``evaluate.threshold``);
    #: None follows the metric (accuracy, balanced accuracy, F1) and is F1 otherwise.
    threshold_objective: str | None = None
    #: Probability calibration: auto (applied when it helps, judged cross-fitted), platt, isotonic, none.
    calibration: str = "auto"
    #: A linear second layer over the ensemble's members, kept only when it beats their blend on
    #: rows it was not fitted on (see ``mlwright.ensemble.stacking``).
    stacking: bool = True
    #: What the model is for, in the user's words, for the model card.
    intended_use: str | None = None
    #: Data larger than memory: search on a stratified sample of this many rows of the file,
    #: then fit the best LightGBM configuration on every row, streamed (see ``data.sampling``).
    sample_rows: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.target, str) or not self.target:
            raise ConfigError("the target column name is empty.", where="target", fix="pass --target COLUMN.")
        _positive("time_limit", self.time_limit, fix="give the budget in seconds, e.g. --time-limit 60.")
        if self.folds is not None and not (2 <= int(self.folds) <= 20):
            raise ConfigError(f"folds must be between 2 and 20, got {self.folds}.", where="folds",
                              fix="use 5 or leave it out to choose by data size.")
        if self.validation not in ("auto", "bagged", "holdout"):
            raise ConfigError(f"unknown validation {self.validation!r}.", where="validation",
                              fix="use auto, bagged or holdout.")
        if self.validation == "holdout" and self.folds is not None:
            raise ConfigError("folds are for bagged validation, but validation is holdout.", where="folds",
                              fix="leave --folds out, or use --validation bagged.")
        if self.max_trials < 1:
            raise ConfigError(f"max_trials must be at least 1, got {self.max_trials}.", where="max_trials",
                              fix="leave it out to let the time budget decide.")
        if self.max_latency_ms is not None:
            _positive("max_latency_ms", self.max_latency_ms, fix="give milliseconds per row, e.g. 2.")
        if self.max_model_mb is not None:
            _positive("max_model_mb", self.max_model_mb, fix="give megabytes, e.g. 20.")
        if self.n_jobs is not None and self.n_jobs < 1:
            raise ConfigError(f"n_jobs must be at least 1, got {self.n_jobs}.", where="n_jobs",
                              fix="leave it out to use every core.")
        for name in ("keep_columns", "sensitive"):
            value = getattr(self, name)
            object.__setattr__(self, name, (value,) if isinstance(value, str) else tuple(value or ()))
        if self.threshold_objective is not None:
            from mlwright.evaluate.threshold import parse_objective

            parse_objective(self.threshold_objective)
        if self.calibration not in CALIBRATION_METHODS:
            raise ConfigError(f"unknown calibration {self.calibration!r}.", where="calibration",
                              fix=f"use one of: {', '.join(CALIBRATION_METHODS)}.")
        if self.sample_rows is not None and (not isinstance(self.sample_rows, int)
                                             or self.sample_rows < MIN_SAMPLE_ROWS):
            raise ConfigError(f"sample_rows must be a whole number of at least {MIN_SAMPLE_ROWS:,}, got "
                              f"{self.sample_rows!r}.", where="sample_rows",
                              fix="e.g. --sample-rows 500000 (a few hundred thousand is typical), or leave it out "
                                  "to read every row.")
        if self.sample_rows is not None and self.families is not None and "lightgbm" not in self.families:
            raise ConfigError("sample_rows fits lightgbm on every row, but families leaves it out.", where="families",
                              fix="add lightgbm to the families, or leave them out.")
        if self.task is not None and not isinstance(self.task, Task):
            object.__setattr__(self, "task", parse_task(self.task))
        if self.metric is not None:
            from mlwright.evaluate.metrics import check_asked_metric

            check_asked_metric(self.metric, self.task)

    @property
    def threads(self) -> int:
        return int(self.n_jobs or os.cpu_count() or 1)


def parse_task(value: str | Task) -> Task:
    try:
        return Task(value)
    except ValueError:
        allowed = ", ".join(t.value for t in Task)
        raise ConfigError(f"unknown task {value!r}.", where="task", fix=f"use one of: {allowed}.") from None


def _positive(name: str, value: float, *, fix: str) -> None:
    try:
        ok = float(value) > 0
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ConfigError(f"{name} must be a positive number, got {value!r}.", where=name, fix=fix)
