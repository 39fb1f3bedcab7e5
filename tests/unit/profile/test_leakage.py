"""Leakage: the columns that give the target away are caught, honest strong features are not.

The checks run on small real files in tests/fixtures and on generated tables; the sweep over
every benchmark dataset runs where those are present (see tests/datasets.py) and skips otherwise.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlwright.data.readers import read_table
from mlwright.profile import profile_table
from tests.conftest import ADULT_COLUMNS, FIXTURES
from tests.datasets import dataset_names, read_dataset

SAMPLE_ROWS = 3000
#: The leaks the manifest names; every other tabular dataset in it has honest features only, some
#: of them strong: a rule-based target (nursery, kr-vs-kp), a price driven by carat, words that
#: predict spam, house prices with coordinates. None of them may be called a leak or personal data.
LEAKY = {"seaborn_titanic", "seaborn_taxis"}
TABULAR_TASKS = {"binary", "multiclass", "regression"}
HONEST = dataset_names(lambda name, entry: entry.get("task") in TABULAR_TASKS and name not in LEAKY)


def _assert_quiet(profile) -> None:
    assert profile.leaked_columns() == [], [f.evidence for f in profile.findings if f.kind == "target_leak"]
    assert profile.pii_columns() == []
    assert any(c.association for c in profile.columns), "associations were computed"


def _association(profile, column: str) -> float:
    return next(c.association["score"] for c in profile.columns if c.name == column)


@pytest.mark.parametrize("name", HONEST)
def test_quiet_on_honest_strong_features(name):
    frame, entry = read_dataset(name)
    frame = frame.sample(min(SAMPLE_ROWS, len(frame)), random_state=0)
    _assert_quiet(profile_table(frame, target=entry["target"]))


def test_the_restated_target_in_titanic_is_found():
    """``alive`` is ``survived`` written as yes/no; ``who``, ``sex`` and ``fare`` are strong and honest."""
    profile = profile_table(read_table(FIXTURES / "titanic.csv.gz"), target="survived")
    assert profile.leaked_columns() == ["alive"]
    assert profile.pii_columns() == []


def test_a_total_that_includes_the_tip_is_found():
    """The taxis' ``total`` is fare + tip + tolls + fixed charges: computed from the target."""
    profile = profile_table(read_table(FIXTURES / "taxis_head.csv.gz"), target="tip")
    assert profile.leaked_columns() == ["total"]
    assert profile.pii_columns() == []


def test_quiet_on_raw_adult():
    frame = read_table(FIXTURES / "adult_raw_head.csv.gz", header=False, columns=ADULT_COLUMNS)
    _assert_quiet(profile_table(frame, target="income"))


def _rule_based(rows: int = SAMPLE_ROWS, seed: int = 0) -> pd.DataFrame:
    """Like nursery: the decision is a fixed rule over several categories, none of which decides alone
    (``health`` alone settles a third of the rows)."""
    rng = np.random.default_rng(seed)
    levels = {"parents": ["usual", "pretentious", "great_pret"],
              "has_nurs": ["proper", "less_proper", "improper", "critical"],
              "form": ["complete", "incomplete", "foster"], "children": ["1", "2", "3", "more"],
              "housing": ["convenient", "less_conv", "critical"], "finance": ["convenient", "inconv"],
              "health": ["recommended", "priority", "not_recom"]}
    frame = pd.DataFrame({column: rng.choice(values, rows) for column, values in levels.items()})
    points = sum(frame[c].map({v: i for i, v in enumerate(levels[c])})
                 for c in ("parents", "has_nurs", "housing", "finance"))
    points = points + (frame["health"] == "priority")
    frame["decision"] = np.select([frame["health"] == "not_recom", points >= 5, points >= 3],
                                  ["not_recom", "spec_prior", "priority"], default="very_recom")
    return frame


def test_quiet_on_a_rule_based_target():
    profile = profile_table(_rule_based(), target="decision")
    _assert_quiet(profile)
    assert _association(profile, "health") > 0.5, "health is a strong feature"


def _priced(rows: int = SAMPLE_ROWS, seed: int = 0) -> pd.DataFrame:
    """Like diamonds: the price follows carat closely (R² about 0.95 alone), times the cut and noise."""
    rng = np.random.default_rng(seed)
    carat = rng.lognormal(-0.4, 0.5, rows).round(2) + 0.2
    cut = rng.choice(["Fair", "Good", "Very Good", "Premium", "Ideal"], rows, p=[.05, .1, .2, .25, .4])
    factor = pd.Series(cut).map({"Fair": .8, "Good": .9, "Very Good": 1., "Premium": 1.05, "Ideal": 1.1})
    price = (3800 * carat ** 1.7 * factor.to_numpy() * rng.lognormal(0, 0.1, rows)).round()
    return pd.DataFrame({"carat": carat, "cut": cut, "depth": rng.normal(61.8, 1.4, rows).round(1), "price": price})


def test_quiet_on_a_price_driven_by_one_strong_feature():
    profile = profile_table(_priced(), target="price")
    _assert_quiet(profile)
    assert _association(profile, "carat") > 0.9, "carat is a strong feature"


def test_wide_tables_score_the_columns_a_rank_screen_puts_first(monkeypatch):
    from mlwright.profile import leakage

    monkeypatch.setattr(leakage, "MAX_TREE_COLUMNS", 5)
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(600, 40)), columns=[f"n{i}" for i in range(40)])
    frame["y"] = np.where(frame["n33"] > 0, "yes", "no")  # n33 writes the answer down
    profile = profile_table(frame, target="y")
    scored = [c.name for c in profile.columns if c.association]
    assert len(scored) == 5 and "n33" in scored
    assert profile.leaked_columns() == ["n33"]
    assert any("35 numeric and date columns have no association score" in note for note in profile.notes)
