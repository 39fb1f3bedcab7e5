"""The time budget: when the search must stop so that the final model is saved in time."""

from __future__ import annotations

import time
from dataclasses import dataclass

from mlwright.search.trial import TrialResult

#: Seconds always kept for scoring the holdout, measuring latency and saving the model.
FINAL_FIXED_SECONDS = 1.5
#: How many of the best trials the final ensemble usually refits.
LIKELY_MEMBERS = 3
#: Refits are planned at their folds' timings with a fifth to spare (more rows, a busier moment).
REFIT_SPARE = 1.2


def refits_seconds(trials: list[TrialResult], fit_fraction: float) -> float:
    """The seconds planned for refitting ``trials`` on the rows ``fit_fraction`` is a share of."""
    return REFIT_SPARE * sum(r.refit_seconds(fit_fraction) for r in trials)


@dataclass(frozen=True)
class Budget:
    """Wall-clock budget of one ``train`` call, counted from its very start."""

    started: float
    seconds: float

    @property
    def end(self) -> float:
        return self.started + self.seconds

    def left(self) -> float:
        return self.end - time.time()

    def search_end(self, results: list[TrialResult], fit_fraction: float, share: float, *,
                   refits: bool = True, members: set[str] | None = None) -> float:
        """Stop searching early enough to refit the likely ensemble (unless its members are
        shipped as the search fitted them) and save it; ``members``, when known, names the
        trials the ensemble would hold now, which are then the ones counted."""
        return self.end - final_stage_seconds(results, fit_fraction, self.seconds * share, refits=refits,
                                              members=members)


def final_stage_seconds(results: list[TrialResult], fit_fraction: float, floor: float, *,
                        refits: bool = True, members: set[str] | None = None) -> float:
    """The time kept for the final stage: the refits of the likely members, by their folds' fit
    times (the ensemble's members when given, else the ``LIKELY_MEMBERS`` best trials), with a
    fifth to spare, and the fixed costs; never less than ``floor``."""
    if not refits:
        return max(floor, FINAL_FIXED_SECONDS)
    ok = [r for r in results if r.ok]
    if members:
        likely = [r for r in ok if r.spec.name in members]
    else:
        likely = sorted(ok, key=lambda r: r.score, reverse=True)[:LIKELY_MEMBERS]
    return max(floor, FINAL_FIXED_SECONDS + refits_seconds(likely, fit_fraction))
