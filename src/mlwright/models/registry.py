"""The list of model families, and the portfolio of their default configurations.

Adding a family means writing its module and naming it here; nothing else changes.
"""

from __future__ import annotations

from mlwright._types import Task
from mlwright.errors import ConfigError
from mlwright.models import catboost_family, forest_family, knn_family, lightgbm_family, linear_family, xgboost_family
from mlwright.models.base import Family
from mlwright.models.portfolio import PortfolioEntry, hand_portfolio, learned_portfolio

FAMILIES: dict[str, Family] = {f.name: f for f in (
    lightgbm_family.FAMILY, catboost_family.FAMILY, xgboost_family.FAMILY, forest_family.EXTRA_TREES,
    forest_family.RANDOM_FOREST, linear_family.FAMILY, knn_family.FAMILY,
)}

def get_family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise ConfigError(f"unknown model family {name!r}.", where="families",
                          fix=f"use some of: {', '.join(FAMILIES)}.") from None


def select_families(names: tuple[str, ...] | None, task: Task, n_rows: int) -> list[Family]:
    chosen = [get_family(n) for n in names] if names else list(FAMILIES.values())
    usable = [f for f in chosen if f.supports(task, n_rows)]
    if not usable:
        raise ConfigError(f"none of the families {', '.join(f.name for f in chosen)} can handle this data.",
                          where="families", fix="leave --families out to use every family.")
    return usable


def portfolio(families: list[Family], *, learned: bool = True) -> list[PortfolioEntry]:
    """The default configurations of ``families``, in the order they are tried (see ``models.portfolio``)."""
    allowed = {f.name for f in families}
    entries = learned_portfolio() if learned else hand_portfolio({n: f.portfolio for n, f in FAMILIES.items()})
    return [e for e in entries if e.family in allowed]
