"""Switches for the search's levers, for the ablation benchmark.

Each lever (the learned portfolio, the validation chosen by budget, ...) is on or off by
default as the benchmarks last decided; ``benchmarks/run.py --ablate LEVER`` measures what one
adds by training with it turned off (``MLWRIGHT_ABLATE``), and a lever not yet on by default is
tried with ``MLWRIGHT_TRY``. Both are environment variables naming levers, comma-separated,
read when a run starts; a user has no reason to set them.
"""

from __future__ import annotations

import os

from mlwright.errors import ConfigError

#: name -> (what it does, whether it is on by default)
LEVERS = {
    "learned_portfolio": ("the portfolio learned on the meta corpus instead of the hand-picked order (on since "
                          "run 20261206-115822-b60: mean normalized score 0.9968 against 0.9922)", True),
    "auto_validation": ("one holdout instead of bagged folds when the budget is short for the data", True),
    "time_planning": ("portfolio entries predicted not to finish in time passed over for the next", True),
    "holdout_fits": ("with one holdout, the members are shipped as fitted beside it, not refitted on every row: "
                     "the refit's time goes to the search", True),
    "late_refits": ("with the members shipped as fitted beside the holdout, they are refitted on every row after all "
                    "when their fits, as the search timed them, fit the time left (letter at 60 s: log loss 0.139 "
                    "and 0.126 refitted on 14,400 rows, against about 0.16 shipped on 11,900)", True),
    "every_row_refit": ("once the holdout kept for the estimate has scored the model, its members are refitted on "
                        "every row, that holdout's included, when their fits, as the search timed them, fit the time "
                        "left; with the search's fits shipped, this replaces the refit before the estimate (on since "
                        "runs 20261207-191549-b60 to 20261207-193927-b60, with the next lever: letter 0.1083-0.1189 "
                        "against 0.1427-0.1630, connect_4 0.3456-0.3487 against 0.3580-0.3643)", True),
    "lone_refit_planned": ("with the search's fits shipped, it stops early enough to refit the best trial whose refit "
                           "takes at most a fifth of the budget: the member likely to ship alone once latency has "
                           "pruned the ensemble (letter: a LightGBM, while the best trial is often a CatBoost too "
                           "dear to refit)", True),
    "mlp": ("the neural family in the search (where the deep extra is installed); a family named as a lever "
            "is switched by it", True),
    "first_fold_triage": ("a trial of a slow family (the network) stopped after its first fold when that fold is "
                          "clearly behind the best trial on the same rows (search.triage); on since run "
                          "20261206-162332-b300: with it the ensemble with the network ranks 2.12 at 300 s against "
                          "2.25 without the network", True),
    "row_latency_cap": ("boosters stop adding rounds before one row's prediction by the model alone passes most "
                        "of the latency limit, so the search spends no time on rounds that could not ship", True),
    "stacking": ("a linear second layer over the members, kept when it beats their blend cross-fitted", True),
}
OFF, ON = "MLWRIGHT_ABLATE", "MLWRIGHT_TRY"


def on(lever: str) -> bool:
    """Whether ``lever`` is on in this process."""
    if lever in _named(OFF):
        return False
    return lever in _named(ON) or LEVERS[lever][1]


def off(lever: str) -> bool:
    return not on(lever)


def _named(variable: str) -> frozenset[str]:
    names = frozenset(n.strip() for n in os.environ.get(variable, "").split(",") if n.strip())
    unknown = names - set(LEVERS)
    if unknown:
        raise ConfigError(f"{variable} names unknown levers: {', '.join(sorted(unknown))}.", where=variable,
                          fix=f"use some of: {', '.join(LEVERS)}, or unset it.")
    return names
