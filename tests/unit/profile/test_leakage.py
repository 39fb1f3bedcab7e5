"""Leakage: the columns that give the target away are caught, honest strong features are not."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from mlwright.data.readers import read_table
from mlwright.profile import profile_table

#: The benchmark datasets live beside the repository (CI clones main with shared/ next to it).
DATASETS = Path(__file__).parents[3] / ".." / "shared" / "datasets"
SAMPLE_ROWS = 3000
#: The leaks the manifest names; every other tabular dataset in it has honest features only, some
#: of them strong: a rule-based target (nursery, kr-vs-kp), a price driven by carat, words that
#: predict spam, house prices with coordinates. None of them may be called a leak or personal data.
LEAKY = {"seaborn_titanic", "seaborn_taxis"}
TABULAR_TASKS = {"binary", "multiclass", "regression"}


def _manifest() -> dict:
    if not (DATASETS / "manifest.toml").exists():
        return {}
    with open(DATASETS / "manifest.toml", "rb") as handle:
        return tomllib.load(handle)


HONEST = sorted(name for name, entry in _manifest().items()
                if entry.get("task") in TABULAR_TASKS and name not in LEAKY) or ["(datasets missing)"]


@pytest.mark.parametrize("name", HONEST)
def test_quiet_on_honest_strong_features(name):
    entries = _manifest()
    assert entries, (f"the benchmark datasets are missing at {DATASETS.resolve()}: the tests read "
                     "shared/datasets beside the repository (CI has it there)")
    entry = entries[name]
    options = {"header": False, "columns": entry["columns"]} if entry.get("header") is False else {}
    frame = read_table(DATASETS / entry["file"], sep=entry.get("sep"), **options)
    frame = frame.sample(min(SAMPLE_ROWS, len(frame)), random_state=0)
    profile = profile_table(frame, target=entry["target"])
    assert profile.leaked_columns() == [], [f.evidence for f in profile.findings if f.kind == "target_leak"]
    assert profile.pii_columns() == []
    assert any(c.association for c in profile.columns), "associations were computed"


def test_wide_tables_score_the_columns_a_rank_screen_puts_first(monkeypatch):
    import numpy as np
    import pandas as pd

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
