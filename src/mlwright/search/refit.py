"""The final ensemble's members: refitted on all training rows, or shipped as the search fitted them.

Bagged, the search's fold models are thrown away: one model per member, fitted with the
iteration count its folds settled on, is faster to serve and no less accurate. With one holdout
the search chose that validation because time is short for the data, and a refit of the likely
members would take a third of the budget or more (a 10-class booster on 20,000 rows: 26 s of 60);
those members are then shipped as fitted beside the holdout, on 80-90% of the rows, and the
search keeps the refit's time, as AutoGluon's medium preset does. Once the size and latency
limits have pruned that ensemble, the members left are refitted on every row after all when
the search's own timings of their fits say the refits end in time (``refits_in_time``).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.data.schema import Schema
from mlwright.features import TableEncoder
from mlwright.features.parts import FitContext
from mlwright.features.text_model import TextTarget
from mlwright.execution.cores import fit_threads
from mlwright.models.base import FitData
from mlwright.models.fit_time import model_classes
from mlwright.models.portfolio import FAMILY_TIME
from mlwright.models.registry import get_family
from mlwright.predictor import Member
from mlwright.search import levers
from mlwright.search.budget import LIKELY_MEMBERS, refits_seconds
from mlwright.search.context import SearchContext
from mlwright.search.trial import TrialResult

#: The share of the budget the refits may take before the search's own fits are shipped instead.
REFIT_SHARE = 0.2
#: With one holdout, the fitted models the search keeps for the final ensemble: the best ones
#: by score (greedy selection rarely reaches further), so memory stays bounded on long runs.
KEPT_FITS = 25


def ships_search_fits(context: SearchContext, budget_seconds: float) -> bool:
    """Whether the final members are the models the search fitted beside its one holdout: when
    refitting the likely ones on every row would take more than ``REFIT_SHARE`` of the budget.
    Measured at 60 s, shipping won where the refits are dear (26 classes: 8 trials instead of
    1) and lost a little where they are cheap (binary and regression tables, whose refits on
    every row beat the extra trials)."""
    if not (context.is_holdout and levers.on("holdout_fits")):
        return False
    return expected_refit_seconds(context) > REFIT_SHARE * budget_seconds


def refits_in_time(members: list[TrialResult], fit_fraction: float, seconds_left: float,
                   lever: str = "late_refits") -> bool:
    """Whether shipped members are refitted on every row after all: when the refits, by the
    search's own timings of their fits with a fifth to spare, end within ``seconds_left``.
    ``ships_search_fits`` decides before the search by a time model for the likely members;
    the ensemble chosen is often fewer and faster ones (26 classes: one booster refitted in 5 s
    of the 7 s kept for the final stage), and the rows beside the holdout weigh a lot where
    classes are many (letter: log loss 0.140 on 11,900 rows, 0.115 on 14,400)."""
    if not levers.on(lever):
        return False
    return refits_seconds(members, fit_fraction) <= seconds_left


def likely_lone(results: list[TrialResult], fit_fraction: float, budget_seconds: float) -> TrialResult | None:
    """With the search's fits shipped, the member likely to ship alone and to be refitted on
    every row after all: the best trial whose refit takes at most ``REFIT_SHARE`` of the budget.
    Latency pruning usually leaves one booster where refits are dear (letter: a LightGBM that
    refits in 8 s, while the best trial is as often a CatBoost that would take 25 s)."""
    cheap = [r for r in results if r.ok and r.refit_seconds(fit_fraction) <= REFIT_SHARE * budget_seconds]
    return max(cheap, key=lambda r: r.score, default=None)


def expected_refit_seconds(context: SearchContext) -> float:
    """The likely members' refits on every row, by the hand portfolio's time model of the first
    booster (a multiclass booster grows a tree per class, which is what makes refits dear)."""
    one = FAMILY_TIME["lightgbm"].seconds(len(context.y), context.n_features, model_classes(context.n_classes),
                                          context.threads)
    return LIKELY_MEMBERS * one


def keep_best_fits(results: list[TrialResult], keep: int = KEPT_FITS) -> None:
    """Let go of the fitted models beyond the ``keep`` best trials'."""
    fitted = sorted((r for r in results if r.fitted is not None), key=lambda r: r.score, reverse=True)
    for result in fitted[keep:]:
        result.fitted = None


def search_fitted_members(context: SearchContext, schema: Schema, results: dict[str, TrialResult],
                          weights: dict[str, float]) -> tuple[dict[str, TableEncoder], list[Member]]:
    """The members as the search fitted them beside the holdout, each style with the encoder
    fitted on the holdout's fit rows (the one the member was trained and scored with)."""
    members = []
    for name in sorted(weights, key=lambda n: (-weights[n], n)):
        result = results[name]
        family = get_family(result.spec.family)
        members.append(Member(name, family.name, family.style, weights[name], dict(result.fitted.params),
                              result.fitted))
    encoders = {m.style: context.fold(0, m.style).encoder for m in members}
    return encoders, members


def refit_members(frame: pd.DataFrame, y: np.ndarray, *, schema: Schema, task: Task, n_classes: int,
                  results: dict[str, TrialResult], weights: dict[str, float], seed: int, threads: int,
                  deadline: float, fit_fraction: float) -> tuple[dict[str, TableEncoder], list[Member], list[str]]:
    """Return (encoders, members, names skipped for lack of time); the best member is always fitted."""
    order = sorted(weights, key=lambda n: (-weights[n], n))
    encoders: dict[str, TableEncoder] = {}
    matrices: dict[str, np.ndarray] = {}
    text_models: dict = {}  # fitted once, shared by both styles
    members, skipped = [], []
    for position, name in enumerate(order):
        result = results[name]
        family = get_family(result.spec.family)
        expected = result.refit_seconds(fit_fraction)
        if position > 0 and time.time() + expected > deadline:
            skipped.append(name)
            continue
        if family.style not in encoders:
            encoders[family.style] = TableEncoder(schema, family.style)
            search_until = time.time() + 0.1 * max(deadline - time.time(), 0.0)  # text models: little time to search
            matrices[family.style] = encoders[family.style].fit_transform(frame, FitContext(
                TextTarget(y, task, n_classes, seed, search_until=search_until), text_models=text_models))
        learner = family.make(result.refit_params(), task)
        learner.fit(FitData(X=matrices[family.style], y=y, task=task, n_classes=n_classes,
                            categorical=tuple(encoders[family.style].categorical_indices_), seed=seed,
                            threads=fit_threads(threads), iterations=result.refit_iterations(),
                            deadline=max(deadline, time.time() + 1.0) if position == 0 else deadline))
        members.append(Member(name, family.name, family.style, weights[name], dict(learner.params), learner))
    total = sum(m.weight for m in members)
    for member in members:
        member.weight = member.weight / total
    used_styles = {m.style for m in members}
    return {s: e for s, e in encoders.items() if s in used_styles}, members, skipped
