"""The list of model families and the default portfolio order.

Adding a family means writing its module and naming it here; nothing else changes.
"""

from __future__ import annotations

from mlwright._types import Task
from mlwright.errors import ConfigError
from mlwright.models import catboost_family, forest_family, knn_family, lightgbm_family, linear_family, xgboost_family
from mlwright.models.base import Family

FAMILIES: dict[str, Family] = {f.name: f for f in (
    lightgbm_family.FAMILY, catboost_family.FAMILY, xgboost_family.FAMILY, forest_family.EXTRA_TREES,
    forest_family.RANDOM_FOREST, linear_family.FAMILY, knn_family.FAMILY,
)}

#: The order default configurations are tried in: (family, index into its portfolio).
#: Strong, cheap and diverse first, so that a tight budget still yields a good ensemble.
PORTFOLIO_ORDER: tuple[tuple[str, int], ...] = (
    ("lightgbm", 0), ("catboost", 0), ("xgboost", 0), ("extra_trees", 0), ("linear", 0),
    ("lightgbm", 1), ("random_forest", 0), ("knn", 0), ("lightgbm", 2), ("catboost", 1), ("xgboost", 1),
)


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


def portfolio(families: list[Family]) -> list[tuple[str, dict]]:
    allowed = {f.name for f in families}
    return [(name, FAMILIES[name].portfolio[i]) for name, i in PORTFOLIO_ORDER if name in allowed]
