"""Switches that turn one of the search's levers off, for the ablation benchmark.

Each lever (the learned portfolio, the validation chosen by budget, ...) was kept because it
won on the benchmarks; ``benchmarks/run.py --ablate LEVER`` measures what it still adds by
training with it off. The switch is the ``MLWRIGHT_ABLATE`` environment variable (names,
comma-separated), read when a run starts; a user has no reason to set it.
"""

from __future__ import annotations

import os

from mlwright.errors import ConfigError

LEVERS = {
    "learned_portfolio": "the portfolio learned on the meta corpus (off: the hand-picked order)",
    "auto_validation": "holdout or bagging chosen by budget and size (off: always bagged)",
    "time_planning": "portfolio entries skipped when predicted not to fit (off: tried in order until cut off)",
}
VARIABLE = "MLWRIGHT_ABLATE"


def off(lever: str) -> bool:
    """Whether ``lever`` is turned off for this process."""
    return lever in ablated()


def ablated() -> frozenset[str]:
    names = frozenset(n.strip() for n in os.environ.get(VARIABLE, "").split(",") if n.strip())
    unknown = names - set(LEVERS)
    if unknown:
        raise ConfigError(f"{VARIABLE} names unknown levers: {', '.join(sorted(unknown))}.", where=VARIABLE,
                          fix=f"use some of: {', '.join(LEVERS)}, or unset it.")
    return names
