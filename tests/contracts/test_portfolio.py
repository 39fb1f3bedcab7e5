"""The learned portfolio shipped with the package: it loads, names known families, and every
configuration in it fits, predicts, saves and loads on every task."""

import json

import numpy as np
import pytest

from mlwright._types import Task
from mlwright.models.base import FitData
from mlwright.models.portfolio import PORTFOLIO_FILE, learned_portfolio
from mlwright.models.portfolio import PortfolioEntry
from mlwright.models.registry import FAMILIES, portfolio, with_unlearned_families
from tests.contracts.test_families import TASKS, data_for

ENTRIES = learned_portfolio()


def test_the_portfolio_file_loads_with_time_models_for_every_entry():
    data = json.loads(PORTFOLIO_FILE.read_text(encoding="utf-8"))
    assert len(ENTRIES) == len(data["configs"]) >= 8
    assert {e.family for e in ENTRIES} <= set(FAMILIES)
    assert len({e.name for e in ENTRIES}) == len(ENTRIES), "names are unique"
    for entry in ENTRIES:
        seconds = entry.time.seconds(10_000, 20, 1)
        assert 1e-4 < seconds < 1e4, f"{entry.name}: a time model of {seconds:.3g} s for 10,000 x 20 is not plausible"
        assert entry.time.seconds(100_000, 20, 1) > seconds


def test_registry_filters_the_portfolio_by_family_and_keeps_its_order():
    chosen = [FAMILIES["lightgbm"], FAMILIES["linear"]]
    entries = portfolio(chosen)
    assert entries == [e for e in ENTRIES if e.family in ("lightgbm", "linear")]
    hand = portfolio(chosen, learned=False)
    assert [e.family for e in hand][:2] == ["lightgbm", "linear"]


def test_a_family_the_corpus_did_not_evaluate_keeps_its_hand_order_place():
    def entry(name, family):
        return PortfolioEntry(name, family, {}, ENTRIES[0].time)

    learned = (entry("a", "lightgbm"), entry("b", "catboost"), entry("c", "xgboost"))
    hand = (entry("h0", "lightgbm"), entry("h1", "mlp"), entry("h2", "catboost"), entry("h3", "mlp"))
    evaluated = frozenset({"lightgbm", "catboost", "xgboost", "random_forest"})
    assert [e.name for e in with_unlearned_families(learned, hand, evaluated)] == ["a", "h1", "b", "h3", "c"]
    # a family the corpus evaluated and the selection left out is not brought back
    hand_with_forest = (*hand, entry("h4", "random_forest"))
    assert "h4" not in [e.name for e in with_unlearned_families(learned, hand_with_forest, evaluated)]
    # the shipped order: the network (not in the corpus) is reached in the portfolio, not by the tuner alone
    names = [e.family for e in portfolio(list(FAMILIES.values()))]
    assert "mlp" in names and names.index("mlp") < len(ENTRIES)
    assert [e for e in portfolio(list(FAMILIES.values())) if e.family != "mlp"] == list(ENTRIES)


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.value)
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.name)
def test_every_configuration_fits_and_reloads(entry, task, tmp_path):
    family = FAMILIES[entry.family]
    X, y, n_classes = data_for(task, rows=240)
    X = np.nan_to_num(X) if family.style == "linear" else X
    learner = family.make(dict(entry.params), task)
    learner.fit(FitData(X=X[:180], y=y[:180], X_valid=X[180:], y_valid=y[180:], task=task, n_classes=n_classes,
                        categorical=(4,) if family.style == "tree" else (), seed=0, threads=1))
    out = learner.predict(X[180:])
    assert np.isfinite(out).all()
    if task is Task.REGRESSION:
        assert np.corrcoef(out, y[180:])[0, 1] > 0.3
    else:
        assert (out.argmax(axis=1) == y[180:]).mean() > 0.4
    learner.save(tmp_path)
    loaded = family.load(tmp_path, dict(learner.params), task)
    np.testing.assert_allclose(loaded.predict(X[180:]), out, rtol=1e-6, atol=1e-7)
