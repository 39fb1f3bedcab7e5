"""Hyperparameter search with Optuna, one study per family, asked and told around the executor.

Tuning goes to the families that did best in the portfolio, in turn, so the remaining time is
spent where it is most likely to pay.
"""

from __future__ import annotations

import logging
import warnings

# Optuna imports tqdm.auto for progress bars it never shows here; in a notebook without
# ipywidgets that import warns "IProgress not found" under the training cell.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="IProgress not found")
    import optuna

from mlwright._types import Task
from mlwright.models.registry import get_family

optuna.logging.set_verbosity(logging.WARNING)
warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
#: How many of the best portfolio families share the tuning time.
TUNED_FAMILIES = 2


class Tuner:
    def __init__(self, task: Task, seed: int):
        self.task, self.seed = task, seed
        self.studies: dict[str, optuna.Study] = {}
        self.order: list[str] = []
        self.turn = 0

    def focus(self, ranked_families: list[str]) -> None:
        """Tune these families (best first)."""
        self.order = [f for f in ranked_families if get_family(f).space is not None][:TUNED_FAMILIES]

    def ask(self) -> tuple[str, dict, optuna.trial.Trial] | None:
        if not self.order:
            return None
        family = self.order[self.turn % len(self.order)]
        self.turn += 1
        study = self._study(family)
        trial = study.ask()
        return family, get_family(family).space(trial, self.task), trial

    def tell(self, family: str, trial: optuna.trial.Trial, score: float | None) -> None:
        study = self._study(family)
        if score is None:
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            study.tell(trial, score)

    def replay(self, family: str, params: dict, score: float | None) -> None:
        """Teach a study a trial finished before a restart, so a resumed search goes on from it."""
        if score is None or family not in self.order:
            return
        study = self._study(family)
        study.enqueue_trial(params, skip_if_exists=True)
        trial = study.ask()
        get_family(family).space(trial, self.task)
        study.tell(trial, score)

    def _study(self, family: str) -> optuna.Study:
        if family not in self.studies:
            sampler = optuna.samplers.TPESampler(seed=self.seed + len(self.studies), n_startup_trials=6,
                                                 multivariate=True)
            self.studies[family] = optuna.create_study(direction="maximize", sampler=sampler)
        return self.studies[family]
