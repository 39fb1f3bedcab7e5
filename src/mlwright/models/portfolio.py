"""The portfolio: default configurations in the order the search tries them.

The order is learned (``portfolio.json``, rebuilt by ``tools/portfolio``): each configuration
was fitted on the tables of a meta corpus that none of the benchmarks uses, and the list was
chosen greedily, each next configuration the one that most improved the best-so-far rank
across those tables (the zero-shot selection of TabRepo, arXiv 2311.02971). Each entry carries
a time model, so the search can plan what fits the budget. The hand-picked order the project
began with stays for comparison (the ablation benchmark turns the learned one off).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from mlwright.models.fit_time import TimeModel

PORTFOLIO_FILE = Path(__file__).with_name("portfolio.json")

#: The hand-picked order: (family, index into the family's own defaults); strong, cheap and
#: diverse first, so that a tight budget still yields a good ensemble. The network comes after
#: the trees, as in AutoGluon's presets: at 60 s on the 15-dataset suite, in sixth place, it got no
#: ensemble weight on any table and its trials, cut to a few epochs, only took time from the others.
HAND_ORDER: tuple[tuple[str, int], ...] = (
    ("lightgbm", 0), ("catboost", 0), ("xgboost", 0), ("extra_trees", 0), ("linear", 0),
    ("lightgbm", 1), ("random_forest", 0), ("knn", 0), ("mlp", 0), ("lightgbm", 2), ("catboost", 1),
    ("xgboost", 1),
)
#: Rough per-family time models for the hand-picked order, set by hand (log seconds at one
#: thread); checked against generated tables of 12,000-30,000 rows, they are within a factor of
#: 3 for the boosters and overestimate forests, linear models and kNN.
FAMILY_TIME: dict[str, TimeModel] = {
    "lightgbm": TimeModel(-8.0, 0.75, 0.6, 0.8),
    "catboost": TimeModel(-6.5, 0.6, 0.6, 0.5),
    "xgboost": TimeModel(-8.0, 0.75, 0.6, 0.8),
    "extra_trees": TimeModel(-9.0, 1.0, 0.5, 0.1),
    "random_forest": TimeModel(-8.5, 1.0, 0.5, 0.1),
    "linear": TimeModel(-9.0, 0.9, 0.7, 0.5),
    "knn": TimeModel(-10.0, 1.2, 0.3, 0.0),
    # measured (benchmarks/mlp_fit_time.py, 2 threads): 0.03-0.045 s an epoch per 1,000 rows, 110 of
    # the 128 planned epochs a fit; a second of overhead for importing torch
    "mlp": TimeModel(-4.87, 0.91, 0.18, 0.01, overhead=1.0),
}


@dataclass(frozen=True)
class PortfolioEntry:
    name: str
    family: str
    params: dict[str, Any] = field(hash=False)
    time: TimeModel


@lru_cache(maxsize=1)
def learned_portfolio() -> tuple[PortfolioEntry, ...]:
    """The learned order, read once from the package's ``portfolio.json``."""
    data = json.loads(PORTFOLIO_FILE.read_text(encoding="utf-8"))
    return tuple(PortfolioEntry(c["name"], c["family"], dict(c["params"]),
                                TimeModel.from_dict(c["time"]) if c.get("time") else FAMILY_TIME[c["family"]])
                 for c in data["configs"])


@lru_cache(maxsize=1)
def corpus_families() -> frozenset[str]:
    """The families whose configurations the meta corpus evaluated: the learned order chose among
    them, so one of them absent from it lost its place on merit; any other family was not tried."""
    data = json.loads(PORTFOLIO_FILE.read_text(encoding="utf-8"))
    return frozenset(data["built_from"]["families"])


def hand_portfolio(defaults: dict[str, tuple[dict, ...]]) -> tuple[PortfolioEntry, ...]:
    """The hand-picked order over ``defaults`` (each family's own default configurations)."""
    return tuple(PortfolioEntry(f"{family}_d{index}", family, dict(defaults[family][index]), FAMILY_TIME[family])
                 for family, index in HAND_ORDER if family in defaults)
