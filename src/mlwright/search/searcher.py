"""The search loop: portfolio first, then tuning, until the budget or the trial cap says stop.

It owns the bookkeeping (deadlines, checkpoints, progress) and asks two strategies for
candidates: the portfolio, then the Optuna tuner. Trials run through the executor. A
portfolio entry expected not to finish before the search's end (by the family's trials so far,
or else by its time model) is passed over for the next, rather than started and cut short.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from mlwright.ensemble.caruana import select_ensemble
from mlwright.execution.base import Executor
from mlwright.models.base import Family
from mlwright.models.fit_time import model_classes, trial_seconds
from mlwright.models.portfolio import PortfolioEntry
from mlwright.models.registry import portfolio
from mlwright.search import levers
from mlwright.search.budget import Budget, refits_seconds
from mlwright.search.checkpoint import Checkpoint
from mlwright.search.context import SearchContext
from mlwright.search.refit import keep_best_fits, likely_lone, ships_search_fits
from mlwright.search.trial import FAILED, TrialResult, TrialSpec, run_trial
from mlwright.search.tuner import Tuner

#: Most of the remaining search time one portfolio trial may take: a slow family is cut short
#: (fewer boosting rounds, fewer trees) rather than crowding out the others.
TRIAL_SHARE = 0.4


class Searcher:
    def __init__(self, context: SearchContext, families: list[Family], *, budget: Budget, executor: Executor,
                 max_trials: int, final_share: float, checkpoint: Checkpoint | None = None,
                 on_result: Callable[[TrialResult], None] | None = None, fail_fast: bool = False):
        self.context, self.families, self.budget = context, families, budget
        self.executor, self.max_trials, self.final_share = executor, max_trials, final_share
        self.checkpoint, self.on_result, self.fail_fast = checkpoint, on_result, fail_fast
        self.results: list[TrialResult] = []
        self.tuner = Tuner(context.task, context.seed)
        self._pending_portfolio = portfolio(families, learned=levers.on("learned_portfolio"))
        self._plan = levers.on("time_planning")
        self._triaged = {f.name for f in families if f.triaged} if levers.on("first_fold_triage") else set()
        self._ships_fits = ships_search_fits(context, budget.seconds)
        self._next_id = 0
        self._tuning_started = False
        self._ensemble_cache: tuple[int, set[str]] | None = None

    def run(self, prior: list[TrialResult] = ()) -> list[TrialResult]:
        self._adopt(list(prior))
        in_flight: dict[Any, tuple[TrialSpec, Any]] = {}
        while True:
            while len(in_flight) < self.executor.slots:
                candidate = self._next_candidate(running=len(in_flight))
                if candidate is None:
                    break
                spec, tuner_trial = candidate
                in_flight[self.executor.submit(run_trial, spec, self.context)] = (spec, tuner_trial)
            if not in_flight:
                return self.results
            done, _ = self.executor.wait_any(list(in_flight))
            for future in done:
                spec, tuner_trial = in_flight.pop(future)
                self._record(self._collect(future, spec), tuner_trial)

    def _collect(self, future, spec: TrialSpec) -> TrialResult:
        try:
            return future.result()
        except Exception as exc:  # the executor itself failed (a lost worker): record, go on
            return TrialResult(spec, FAILED, error=f"{type(exc).__name__}: {exc}"[:500])

    def _record(self, result: TrialResult, tuner_trial) -> None:
        if result.status == FAILED and self.fail_fast:
            raise RuntimeError(f"{result.spec.name} failed: {result.error}")
        if not self._ships_fits:
            result.fitted = None
        self.results.append(result)
        keep_best_fits(self.results)
        if tuner_trial is not None:
            self.tuner.tell(result.spec.family, tuner_trial, result.score if result.ok else None)
        if self.checkpoint:
            self.checkpoint.save(result)
        if self.on_result:
            self.on_result(result)

    def _next_candidate(self, running: int = 0) -> tuple[TrialSpec, Any] | None:
        """The next trial to start, or None; ``running`` trials are in flight and count against max_trials."""
        deadline = self._search_end()
        nothing_yet = not any(r.ok for r in self.results)
        if len(self.results) + running >= self.max_trials or (time.time() >= deadline and not nothing_yet):
            return None
        while self._pending_portfolio:
            entry = self._pending_portfolio.pop(0)
            if nothing_yet or self._fits(entry.family, deadline, entry if self._plan else None):
                return self._spec(entry.family, entry.params, "portfolio", deadline, nothing_yet, capped=True), None
        if not self._tuning_started:
            self._tuning_started = True
            self.tuner.focus(self._ranked_families())
        if not any(self._fits(f, deadline) for f in self.tuner.order):
            return None
        asked = self.tuner.ask()
        if asked is None:
            return None
        family, params, tuner_trial = asked
        return self._spec(family, params, "tuning", deadline, nothing_yet), tuner_trial

    def _search_end(self) -> float:
        """When the search must stop. The quick rule keeps time to refit the best three trials;
        once it says stop, the ensemble is chosen on what has finished and only its members'
        refits are kept for: a family whose refits are slow (a network: a minute each on 40,000
        rows) would otherwise end the search long before the budget when the ensemble holds
        one of its trials."""
        args = (self.results, self.context.fit_fraction, self.final_share)
        quick = self.budget.search_end(*args, refits=not self._ships_fits)
        if self._ships_fits:
            lone = likely_lone(self.results, self.context.refit_fraction, self.budget.seconds) \
                if levers.on("lone_refit_planned") else None
            if lone is None:
                return quick
            # on top of the final stage's own share: choosing, timing and calibrating the
            # ensemble and the estimate come first (26 classes: 2-3 s)
            return quick - refits_seconds([lone], self.context.refit_fraction)
        if time.time() < quick:
            return quick
        return self.budget.search_end(*args, members=self._ensemble_now())

    def _ensemble_now(self) -> set[str]:
        """The members greedy ensemble selection picks from the finished trials (cached per count)."""
        finished = {r.spec.name: r.oof for r in self.results if r.ok}
        cached = self._ensemble_cache
        if cached is None or cached[0] != len(finished):
            weights = select_ensemble(finished, self.context.y_scored, self.context.metric) if finished else {}
            self._ensemble_cache = cached = (len(finished), {n for n, w in weights.items() if w > 0})
        return cached[1]

    def _fits(self, family: str, deadline: float, entry: PortfolioEntry | None = None) -> bool:
        """Whether a trial of ``family`` is expected to finish before ``deadline``: by its past
        trials, or before there are any, by ``entry``'s time model."""
        past = [r.fit_seconds for r in self.results if r.spec.family == family and r.ok]
        if past:
            return time.time() + min(past) <= deadline
        return entry is None or time.time() + self.expected_seconds(entry) <= deadline

    def expected_seconds(self, entry: PortfolioEntry) -> float:
        """The predicted seconds of a trial of ``entry``: one fit per fold, on the fold's rows."""
        context = self.context
        return trial_seconds([entry.time], fit_rows=len(context.y) * context.fit_fraction, fits=len(context.folds),
                             cols=context.n_features, classes=model_classes(context.n_classes), threads=context.threads)

    def _spec(self, family: str, params: dict, origin: str, deadline: float, must_finish: bool,
              capped: bool = False) -> TrialSpec:
        self._next_id += 1
        now = time.time()
        if must_finish:  # the first model gets its share even past the search's end, never all of it
            deadline = now + TRIAL_SHARE * max(self.budget.left(), 0.0)
        elif capped:
            deadline = min(deadline, now + TRIAL_SHARE * (deadline - now))
        rival = self.first_fold_rival() if family in self._triaged else None
        return TrialSpec(self._next_id, family, dict(params), origin, deadline, must_finish, rival=rival)

    def first_fold_rival(self) -> np.ndarray | None:
        """The best finished trial's out-of-fold output on the first fold's validation rows, in that
        fold's order: what a triaged trial's first fold is held against. None with one holdout
        (there is no later fold to save) or before any trial finished."""
        finished = [r for r in self.results if r.ok and r.oof is not None]
        if len(self.context.folds) < 2 or not finished:
            return None
        best = max(finished, key=lambda r: r.score)
        first_valid = self.context.folds[0][1]
        return best.oof[np.searchsorted(self.context.scored_rows, first_valid)]

    def _ranked_families(self) -> list[str]:
        best: dict[str, float] = {}
        for r in self.results:
            if r.ok:
                best[r.spec.family] = max(best.get(r.spec.family, float("-inf")), r.score)
        return sorted(best, key=best.get, reverse=True)

    def _adopt(self, prior: list[TrialResult]) -> None:
        """Take trials from a checkpoint: skip their portfolio entries, replay them into the tuner."""
        if not prior:
            return
        self.results.extend(prior)
        self._next_id = max(r.spec.trial_id for r in prior)
        done = {(r.spec.family, _key(r.spec.params)) for r in prior if r.spec.origin == "portfolio"}
        self._pending_portfolio = [e for e in self._pending_portfolio if (e.family, _key(e.params)) not in done]
        if not self._pending_portfolio:
            self._tuning_started = True
            self.tuner.focus(self._ranked_families())
            for r in prior:
                if r.spec.origin == "tuning":
                    self.tuner.replay(r.spec.family, r.spec.params, r.score if r.ok else None)


def _key(params: dict) -> str:
    return json.dumps({k: v for k, v in params.items() if not str(k).startswith("_")}, sort_keys=True, default=str)
