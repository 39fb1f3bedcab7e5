"""Triage after the first fold: a trial of a slow family clearly behind the best one stops there;
one that is close, or behind only within the fold's noise, goes on."""

import time

import numpy as np
import pandas as pd
import pytest

from mlwright._types import Task
from mlwright.data.schema import infer_schema
from mlwright.evaluate.metrics import get_metric
from mlwright.search.context import SearchContext
from mlwright.search.trial import BEHIND, OK, TrialResult, TrialSpec, run_trial
from mlwright.search.triage import MARGIN, behind_after_first_fold, normalized
from mlwright.search.validation import choose_validation, validation_folds


def _binary(rows: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=rows) > 0).astype(int)
    return X, y


def _proba(score: np.ndarray) -> np.ndarray:
    p = 1 / (1 + np.exp(-score))
    return np.column_stack([1 - p, p])


def test_the_share_of_the_best_reads_as_the_benchmarks_normalized_score():
    assert normalized(get_metric("roc_auc"), 0.9, 1.0) == pytest.approx(0.9)
    assert normalized(get_metric("log_loss"), 0.5, 0.4) == pytest.approx(0.8)
    assert normalized(get_metric("rmse"), 2.0, 2.0) == 1.0


def test_a_fold_far_behind_is_stopped_and_the_reason_names_both_scores():
    X, y = _binary(600)
    strong, weak = _proba(3 * (X[:, 0] + 0.5 * X[:, 1])), _proba(X[:, 3])  # the weak one guesses
    reason = behind_after_first_fold(get_metric("log_loss"), y, weak, strong)
    assert reason and "first fold" in reason and "600 rows" in reason and "behind" in reason


def test_a_fold_close_to_the_best_or_behind_within_noise_goes_on():
    X, y = _binary(600)
    best = _proba(3 * (X[:, 0] + 0.5 * X[:, 1]))
    close = _proba(3 * (X[:, 0] + 0.45 * X[:, 1]))
    assert behind_after_first_fold(get_metric("roc_auc"), y, close, best) is None
    # on 30 rows a model a little worse is within the fold's noise
    few = slice(0, 30)
    noisy = _proba(3 * (X[few, 0] + 0.5 * X[few, 1]) + np.random.default_rng(3).normal(scale=1.0, size=30))
    assert behind_after_first_fold(get_metric("roc_auc"), y[few], noisy, best[few]) is None
    assert behind_after_first_fold(get_metric("roc_auc"), y, best, best) is None  # equal is never behind
    assert MARGIN > 0


def _context(rows: int = 900, folds: int = 3) -> SearchContext:
    X, y = _binary(rows, seed=1)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    validation = choose_validation(rows, requested="bagged", folds=folds)
    return SearchContext(frame=frame, y=y, schema=infer_schema(frame), task=Task.BINARY, n_classes=2,
                         metric=get_metric("roc_auc"), folds=validation_folds(y, Task.BINARY, validation, 0))


def test_a_trial_behind_an_oracle_stops_after_its_first_fold_and_one_ahead_of_a_guess_finishes():
    context = _context()
    first_valid = context.folds[0][1]
    y_first = context.y[first_valid]
    oracle = np.column_stack([1.0 - y_first, y_first]) * 0.98 + 0.01
    behind = run_trial(TrialSpec(1, "linear", {}, "portfolio", time.time() + 60, rival=oracle), context)
    assert behind.status == BEHIND and len(behind.fold_seconds) == 1 and behind.oof is None
    assert "first fold" in behind.error
    guess = np.full((len(first_valid), 2), 0.5)
    finished = run_trial(TrialSpec(2, "linear", {}, "portfolio", time.time() + 60, rival=guess), context)
    assert finished.status == OK and len(finished.fold_seconds) == len(context.folds)


def test_the_searcher_holds_only_triaged_families_against_the_best_trial_on_the_first_fold(monkeypatch):
    from mlwright.models.registry import get_family
    from mlwright.search import levers
    from mlwright.search.budget import Budget
    from mlwright.search.searcher import Searcher

    context = _context()
    families = [get_family("linear"), get_family("mlp")] if get_family("mlp").triaged else []
    assert families, "the network family is the triaged one"
    oof_good = _proba(3 * context.frame["a"].to_numpy())
    oof_bad = _proba(context.frame["d"].to_numpy())
    monkeypatch.setenv(levers.ON, "first_fold_triage")
    searcher = Searcher(context, families, budget=Budget(started=time.time(), seconds=60.0), executor=None,
                        max_trials=10, final_share=0.05)
    assert searcher.first_fold_rival() is None  # nothing finished yet
    searcher.results = [TrialResult(TrialSpec(1, "linear", {}, "portfolio", 0.0), OK, score=0.6, oof=oof_bad),
                        TrialResult(TrialSpec(2, "linear", {}, "portfolio", 0.0), OK, score=0.9, oof=oof_good)]
    first_valid = context.folds[0][1]
    np.testing.assert_array_equal(searcher.first_fold_rival(), oof_good[first_valid])
    assert searcher._spec("mlp", {}, "portfolio", time.time() + 10, False).rival is not None
    assert searcher._spec("linear", {}, "portfolio", time.time() + 10, False).rival is None
    monkeypatch.delenv(levers.ON)
    assert levers.on("first_fold_triage"), "the lever is on by default"
    monkeypatch.setenv(levers.OFF, "first_fold_triage")
    off = Searcher(context, families, budget=Budget(started=time.time(), seconds=60.0), executor=None,
                   max_trials=10, final_share=0.05)
    off.results = searcher.results
    assert off._spec("mlp", {}, "portfolio", time.time() + 10, False).rival is None  # ablated: no rival


def test_a_checkpoint_keeps_the_spec_without_its_rival(tmp_path):
    from mlwright.search.checkpoint import Checkpoint

    checkpoint = Checkpoint(tmp_path)
    checkpoint.start({})
    spec = TrialSpec(3, "mlp", {"lr": 0.004}, "portfolio", 0.0, rival=np.zeros((5, 2)))
    checkpoint.save(TrialResult(spec, BEHIND, fold_seconds=[1.0], error="stopped after the first fold"))
    [loaded] = checkpoint.load()
    assert loaded.status == BEHIND and loaded.spec.rival is None and loaded.spec.params == {"lr": 0.004}
