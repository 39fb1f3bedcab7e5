"""The search's validation: bagged folds when there is time for enough configurations, one
stratified holdout when bagging would eat the budget."""

import numpy as np
import pytest

from mlwright._types import Task
from mlwright.models.fit_time import TimeModel, trial_seconds
from mlwright.search.validation import (BAGGED, BAGGING_SHARE, HOLDOUT, MIN_ROWS_FOR_SEARCH_HOLDOUT,
                                        choose_validation, holdout_share, validation_folds)


def _seconds_per_fold(seconds: float):
    return lambda folds: folds * seconds


def test_bagging_when_the_first_configurations_fit_in_the_search():
    chosen = choose_validation(20_000, bagged_seconds=_seconds_per_fold(5.0), search_seconds=60)
    assert chosen.kind == BAGGED and chosen.folds == 3  # 3 x 5 s = 15 s of 60
    assert "15 s" in chosen.reason


def test_holdout_when_bagging_would_take_most_of_the_search():
    chosen = choose_validation(20_000, bagged_seconds=_seconds_per_fold(15.0), search_seconds=60)
    assert chosen.kind == HOLDOUT and chosen.folds == 1  # 3 x 15 s = 45 s > 0.6 x 60 s
    assert 0.1 <= chosen.holdout_share <= 0.2
    assert "45 s" in chosen.reason


def test_the_rule_turns_at_the_bagging_share():
    at = BAGGING_SHARE * 100
    assert choose_validation(8_000, bagged_seconds=lambda k: at, search_seconds=100).kind == BAGGED
    assert choose_validation(8_000, bagged_seconds=lambda k: at + 0.5, search_seconds=100).kind == HOLDOUT


def test_small_data_and_explicit_settings_always_win_over_the_rule():
    slow = _seconds_per_fold(1e6)
    assert choose_validation(MIN_ROWS_FOR_SEARCH_HOLDOUT - 1, bagged_seconds=slow, search_seconds=10).kind == BAGGED
    assert choose_validation(50_000, folds=4, bagged_seconds=slow, search_seconds=10).folds == 4
    assert choose_validation(50_000, requested="bagged", bagged_seconds=slow, search_seconds=10).kind == BAGGED
    assert choose_validation(50_000, requested="holdout", bagged_seconds=lambda k: 0.0).kind == HOLDOUT


def test_holdout_share_is_ten_to_twenty_percent():
    assert holdout_share(2_000) == 0.2
    assert holdout_share(15_000) == pytest.approx(2_500 / 15_000)
    assert holdout_share(500_000) == 0.1


def test_the_holdout_is_stratified_and_disjoint():
    y = np.array([0] * 900 + [1] * 90 + [2] * 10)
    chosen = choose_validation(len(y), requested="holdout")
    [(fit, valid)] = validation_folds(y, Task.MULTICLASS, chosen, seed=0)
    assert len(np.intersect1d(fit, valid)) == 0 and len(fit) + len(valid) == len(y)
    assert np.bincount(y[valid]).tolist() == [180, 18, 2]


def test_bagged_folds_cover_every_row_once():
    y = np.tile([0, 1], 500)
    folds = validation_folds(y, Task.BINARY, choose_validation(len(y)), seed=0)
    assert len(folds) == 5
    assert np.array_equal(np.sort(np.concatenate([v for _, v in folds])), np.arange(len(y)))


def test_time_models_grow_with_rows_columns_classes_and_shrink_with_threads():
    model = TimeModel(-8.0, 0.8, 0.6, 0.7)
    base = model.seconds(10_000, 20, 1)
    assert model.seconds(20_000, 20, 1) > base and model.seconds(10_000, 40, 1) > base
    assert model.seconds(10_000, 20, 10) > base and model.seconds(10_000, 20, 1, threads=2) < base
    five = trial_seconds([model, model], fit_rows=8_000, fits=5, cols=20, classes=1, threads=1)
    assert five == pytest.approx(10 * model.seconds(8_000, 20, 1))


def test_levers_follow_their_defaults_and_the_switches(monkeypatch):
    from mlwright.errors import ConfigError
    from mlwright.search import levers

    monkeypatch.delenv(levers.OFF, raising=False)
    monkeypatch.delenv(levers.ON, raising=False)
    monkeypatch.setitem(levers.LEVERS, "not_yet", ("a lever still off by default", False))
    assert levers.on("auto_validation") and levers.on("learned_portfolio") and not levers.on("not_yet")
    monkeypatch.setenv(levers.OFF, "auto_validation,learned_portfolio")
    monkeypatch.setenv(levers.ON, "not_yet")
    assert levers.off("auto_validation") and levers.off("learned_portfolio") and levers.on("not_yet")
    monkeypatch.setenv(levers.OFF, "no_such_lever")
    with pytest.raises(ConfigError, match="no_such_lever"):
        levers.on("auto_validation")


def test_with_one_holdout_the_search_keeps_only_the_best_fits_and_no_refit_time():
    from mlwright.search.budget import final_stage_seconds
    from mlwright.search.refit import keep_best_fits
    from mlwright.search.trial import OK, TrialResult, TrialSpec

    results = [TrialResult(TrialSpec(i, "lightgbm", {}, "portfolio", 0.0), OK, score=float(i),
                           fold_seconds=[10.0], fitted=object()) for i in range(6)]
    keep_best_fits(results, keep=2)
    assert [r.spec.trial_id for r in results if r.fitted is not None] == [4, 5]
    # refitting the three best would take 1.2 x 3 x 10 s / 0.8; shipping the search's fits takes none
    assert final_stage_seconds(results, 0.8, floor=5.0) == pytest.approx(1.5 + 1.2 * 3 * 12.5)
    assert final_stage_seconds(results, 0.8, floor=5.0, refits=False) == 5.0


def test_the_final_stage_keeps_time_for_the_ensemble_s_members_when_known():
    """Refits are counted for the trials the ensemble holds: one slow trial out of the ensemble
    no longer ends the search early."""
    from mlwright.search.budget import final_stage_seconds
    from mlwright.search.trial import OK, TrialResult, TrialSpec

    slow = TrialResult(TrialSpec(1, "mlp", {}, "portfolio", 0.0), OK, score=0.90, fold_seconds=[80.0])
    kept = TrialResult(TrialSpec(2, "mlp", {}, "portfolio", 0.0), OK, score=0.91, fold_seconds=[40.0])
    results = [slow, kept]
    assert final_stage_seconds(results, 0.8, floor=5.0) == pytest.approx(1.5 + 1.2 * (100.0 + 50.0))
    assert final_stage_seconds(results, 0.8, floor=5.0, members={"mlp_2"}) == pytest.approx(1.5 + 1.2 * 50.0)


def test_the_searcher_counts_the_refits_of_its_current_ensemble_once_the_quick_rule_says_stop():
    import time

    from types import SimpleNamespace

    from mlwright.evaluate.metrics import get_metric
    from mlwright.search.budget import Budget
    from mlwright.search.searcher import Searcher
    from mlwright.search.trial import OK, TrialResult, TrialSpec

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, size=200)
    good = np.column_stack([1 - (0.3 + 0.4 * y), 0.3 + 0.4 * y])
    noise = rng.dirichlet([1, 1], size=200)
    context = SimpleNamespace(fit_fraction=0.8, y_scored=y, metric=get_metric("roc_auc"), task=Task.BINARY,
                              seed=0, is_holdout=False)
    searcher = Searcher.__new__(Searcher)
    searcher.context, searcher.final_share, searcher._ships_fits = context, 0.05, False
    searcher._ensemble_cache = None
    searcher.budget = Budget(started=time.time(), seconds=300.0)
    searcher.results = [
        TrialResult(TrialSpec(1, "mlp", {}, "portfolio", 0.0), OK, score=0.6, fold_seconds=[200.0], oof=noise),
        TrialResult(TrialSpec(2, "mlp", {}, "portfolio", 0.0), OK, score=1.0, fold_seconds=[60.0], oof=good)]
    assert searcher._ensemble_now() == {"mlp_2"}
    # the quick rule keeps 1.2 x (250 + 75) s, more than the budget; the ensemble's one member, 90 s
    # seconds kept before the end (an epoch time's relative tolerance would be half an hour)
    assert searcher.budget.end - searcher._search_end() == pytest.approx(1.5 + 1.2 * 75.0)


def test_the_checkpoint_never_writes_a_fitted_model(tmp_path):
    from mlwright.search.checkpoint import Checkpoint
    from mlwright.search.trial import OK, TrialResult, TrialSpec

    checkpoint = Checkpoint(tmp_path)
    checkpoint.start({})
    checkpoint.save(TrialResult(TrialSpec(1, "linear", {"C": 1.0}, "portfolio", 0.0), OK, score=0.5,
                                oof=np.zeros(3), fitted=object()))
    [loaded] = checkpoint.load()
    assert loaded.fitted is None and loaded.score == 0.5 and loaded.spec.params == {"C": 1.0}
    assert "fitted" not in checkpoint.trials_file.read_text()


def test_the_search_fits_are_shipped_only_where_refits_would_take_a_fifth_of_the_budget():
    from types import SimpleNamespace

    from mlwright.search.refit import ships_search_fits

    def context(rows, classes, holdout=True):
        return SimpleNamespace(is_holdout=holdout, y=np.zeros(rows), n_features=16, n_classes=classes, threads=2)

    assert ships_search_fits(context(14_000, 26), 60.0)  # 26 classes: a refit of three boosters is dear
    assert not ships_search_fits(context(15_000, 2), 60.0)  # binary: cheap, refitted on every row
    assert not ships_search_fits(context(14_000, 26, holdout=False), 60.0)  # bagged folds are always refitted
    assert not ships_search_fits(context(14_000, 26), 3_600.0)  # a long budget affords the refits


def test_shipped_members_are_refitted_after_all_when_their_timed_fits_end_in_the_time_left(monkeypatch):
    from mlwright.search.refit import refits_in_time
    from mlwright.search.trial import OK, TrialResult, TrialSpec

    def trial(fold_seconds):
        return TrialResult(TrialSpec(1, "lightgbm", {}, "portfolio", 0.0), OK, score=0.5, fold_seconds=[fold_seconds])

    # a fold fitted on 80% of the rows in 4 s: about 5 s on all of them, 6 s with a fifth to spare
    assert refits_in_time([trial(4.0)], fit_fraction=0.8, seconds_left=7.0)
    assert not refits_in_time([trial(4.0)], fit_fraction=0.8, seconds_left=5.5)
    assert not refits_in_time([trial(4.0), trial(2.0)], fit_fraction=0.8, seconds_left=7.0)  # every member counts
    monkeypatch.setenv("MLWRIGHT_ABLATE", "late_refits")
    assert not refits_in_time([trial(4.0)], fit_fraction=0.8, seconds_left=70.0)
