"""The list of model families, and the portfolio of their default configurations.

Adding a family means writing its module and naming it here; nothing else changes.
"""

from __future__ import annotations

from mlwright._types import Task
from mlwright.errors import ConfigError
from mlwright.models import (catboost_family, forest_family, knn_family, lightgbm_family, linear_family, mlp_family,
                             xgboost_family)
from mlwright.models.base import Family
from mlwright.models.portfolio import PortfolioEntry, corpus_families, hand_portfolio, learned_portfolio

FAMILIES: dict[str, Family] = {f.name: f for f in (
    lightgbm_family.FAMILY, catboost_family.FAMILY, xgboost_family.FAMILY, forest_family.EXTRA_TREES,
    forest_family.RANDOM_FOREST, linear_family.FAMILY, knn_family.FAMILY, mlp_family.FAMILY,
)}

def get_family(name: str) -> Family:
    try:
        return FAMILIES[name]
    except KeyError:
        raise ConfigError(f"unknown model family {name!r}.", where="families",
                          fix=f"use some of: {', '.join(FAMILIES)}.") from None


def select_families(names: tuple[str, ...] | None, task: Task, n_rows: int) -> list[Family]:
    """The families the search tries: those asked for (all by default) that suit the task and
    the row count and whose training dependencies are installed; a family asked for by name
    whose extra is missing is an error that says how to install it."""
    chosen = [get_family(n) for n in names] if names else list(FAMILIES.values())
    missing = [f for f in chosen if not f.trainable()]
    if names and missing:
        raise ConfigError(f"the family {missing[0].name} needs {missing[0].requires}, which is not installed.",
                          where="families", fix=f"{missing[0].install}, or leave it out of --families.")
    usable = [f for f in chosen if f.supports(task, n_rows) and f.trainable()]
    if not usable:
        raise ConfigError(f"none of the families {', '.join(f.name for f in chosen)} can handle this data.",
                          where="families", fix="leave --families out to use every family.")
    return usable


def left_out_notes(names: tuple[str, ...] | None, task: Task, n_rows: int) -> list[str]:
    """One line per family the search leaves out for want of an extra or of rows, saying why."""
    chosen = [get_family(n) for n in names] if names else list(FAMILIES.values())
    notes = []
    for family in chosen:
        if task not in family.tasks:
            continue
        if not family.trainable():
            notes.append(f"{family.name} left out: it needs {family.requires}, which is not installed "
                         f"({family.install} adds it).")
        elif n_rows < family.min_rows:
            notes.append(f"{family.name} left out: {n_rows:,} training rows, too few for it "
                         f"(it needs {family.min_rows:,}).")
    return notes


def portfolio(families: list[Family], *, learned: bool = True) -> list[PortfolioEntry]:
    """The default configurations of ``families``, in the order they are tried (see ``models.portfolio``)."""
    allowed = {f.name for f in families}
    hand = hand_portfolio({n: f.portfolio for n, f in FAMILIES.items()})
    entries = with_unlearned_families(learned_portfolio(), hand, corpus_families()) if learned else hand
    return [e for e in entries if e.family in allowed]


def with_unlearned_families(learned: tuple[PortfolioEntry, ...], hand: tuple[PortfolioEntry, ...],
                            evaluated: frozenset[str]) -> list[PortfolioEntry]:
    """The learned order, with each family the meta corpus did not evaluate (``evaluated`` lacks it:
    the network, added after the corpus was run) at its place in the hand order: after as many
    entries as precede it there. Without this, such a family would only ever be reached by the
    tuner. A family the corpus evaluated and the selection left out stays out."""
    merged = list(learned)
    for index, entry in enumerate(hand):
        if entry.family not in evaluated:
            merged.insert(min(index, len(merged)), entry)
    return merged
