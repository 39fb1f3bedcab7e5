"""The final members refitted on every row once the estimate's holdout has scored them, and the
search stopping early enough to refit the member likely to ship alone."""

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.evaluate.held_out import HeldOutSet
from mlwright.report.evidence import RunEvidence
from mlwright.search.refit import REFIT_SHARE, likely_lone
from mlwright.search.trial import FAILED, OK, TrialResult, TrialSpec
from tests.conftest import FAST


def _trial(trial_id: int, score: float, fold_seconds: float, status: str = OK) -> TrialResult:
    return TrialResult(TrialSpec(trial_id, "lightgbm", {}, "portfolio", 0.0), status, score=score,
                       fold_seconds=[fold_seconds])


def test_the_likely_lone_member_is_the_best_trial_whose_refit_is_cheap():
    budget = 60.0
    cheap_limit = REFIT_SHARE * budget  # 12 s: a fold fitted on 75% of the rows in up to 9 s
    dear_best, cheap_good, cheap_worse = _trial(1, -0.14, 20.0), _trial(2, -0.15, 6.0), _trial(3, -0.30, 1.0)
    assert dear_best.refit_seconds(0.75) > cheap_limit >= cheap_good.refit_seconds(0.75)
    assert likely_lone([dear_best, cheap_good, cheap_worse], 0.75, budget) is cheap_good
    assert likely_lone([dear_best], 0.75, budget) is None  # nothing cheap: no time is kept
    failed = _trial(4, 0.0, 0.5, status=FAILED)
    assert likely_lone([failed, cheap_worse], 0.75, budget) is cheap_worse
    # a longer budget affords the dear one
    assert likely_lone([dear_best, cheap_good], 0.75, 600.0) is dear_best


def test_with_the_search_s_fits_shipped_it_stops_in_time_to_refit_the_likely_lone_member(monkeypatch):
    import time
    from types import SimpleNamespace

    from mlwright.search.budget import Budget
    from mlwright.search.searcher import Searcher

    searcher = Searcher.__new__(Searcher)
    searcher.context = SimpleNamespace(fit_fraction=0.75, refit_fraction=0.75)
    searcher.final_share, searcher._ships_fits = 0.12, True
    searcher.budget = Budget(started=time.time(), seconds=60.0)
    searcher.results = [_trial(1, -0.14, 20.0), _trial(2, -0.15, 6.0)]  # refits of 26.7 s and 8 s
    share = 0.12 * 60.0  # the final stage's own share, kept whatever the refits
    # seconds kept before the end (an epoch time's relative tolerance would be half an hour)
    assert searcher.budget.end - searcher._search_end() == pytest.approx(share + 1.2 * 8.0)
    monkeypatch.setenv("MLWRIGHT_ABLATE", "lone_refit_planned")
    assert searcher.budget.end - searcher._search_end() == pytest.approx(share)


def _binary_table(rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 6))
    logit = X[:, 0] - 0.7 * X[:, 1] + 0.5 * X[:, 2] * X[:, 3]
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(6)])
    frame["label"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return frame


def test_members_refitted_on_every_row_keep_the_estimate_of_the_members_before(monkeypatch):
    frame = _binary_table(5_000)  # at 5,000 rows a tenth is kept out for the estimate
    settings = {**FAST, "families": ("lightgbm",), "max_trials": 2, "max_latency_ms": float("inf")}
    monkeypatch.setenv("MLWRIGHT_ABLATE", "every_row_refit")
    before = mlwright.train(frame, "label", **settings)
    monkeypatch.delenv("MLWRIGHT_ABLATE")
    after = mlwright.train(frame, "label", **settings)

    assert after.info["every_row_refit"]["done"], after.info["every_row_refit"]
    assert after.info["holdout_in_final_fit"] and "holdout_in_final_fit" not in before.info
    assert after.info["members_fitted_on"].startswith("all 5,000 rows, the 500 of the estimate's holdout included")
    assert before.info["members_fitted_on"] == "all 4,500 training rows (refitted)"
    # the estimate was measured on the same members as without the refit: same seed, same trials
    assert after.info["estimate"]["value"] == pytest.approx(before.info["estimate"]["value"], rel=1e-12)
    assert "before the members were refitted on every row" in after.info["estimate"]["method"]
    # and the shipped members are not those: they learnt from the holdout's rows too
    shipped, judged = after.predict_proba(frame).to_numpy(), before.predict_proba(frame).to_numpy()
    assert not np.allclose(shipped, judged)


def test_the_report_scores_the_holdout_with_the_model_that_has_not_seen_it():
    held = HeldOutSet("holdout", "", np.arange(3), np.zeros(3), np.zeros(3), None, None)
    test = HeldOutSet("test", "", np.arange(3), np.zeros(3), np.zeros(3), None, None)
    shipped, judged = object(), object()
    evidence = RunEvidence(sets=[held], y_train=np.zeros(3), judged_by=judged)
    assert evidence.scorer(shipped, held) is judged
    assert evidence.scorer(shipped, test) is shipped  # a test file's rows were seen by neither
    assert RunEvidence(sets=[held], y_train=np.zeros(3)).scorer(shipped, held) is shipped
