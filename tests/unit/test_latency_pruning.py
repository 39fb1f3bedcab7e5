"""Latency pruning keeps the members the validation score needs, and the model stays consistent."""

from dataclasses import replace

import numpy as np
import pytest

import mlwright
from mlwright.evaluate.latency import prune_to_latency
from tests.conftest import FAST, make_mixed_frame


def test_pruning_drops_the_member_the_score_misses_least_and_renormalises():
    frame = make_mixed_frame(300, seed=2)
    model = mlwright.train(frame, "label", max_latency_ms=float("inf"), **{**FAST, "max_trials": 2})
    first = model.members[0]
    model.members = [replace(first, name="needed", weight=0.5), replace(first, name="spare", weight=0.5)]
    rows = frame.drop(columns="label").head(20)

    def validation_score(weights: dict[str, float]) -> float:  # only 'needed' carries the score
        return weights.get("needed", 0.0)

    latency, dropped = prune_to_latency(model, rows, 1e-9, validation_score)
    assert dropped == ["spare"]
    assert [m.name for m in model.members] == ["needed"] and model.members[0].weight == 1.0
    assert latency > 1e-9, "the last member is never dropped, even when the limit cannot be met"
    single = model.predict_proba(rows).to_numpy()
    assert np.allclose(single.sum(axis=1), 1.0), "weights renormalised: probabilities still sum to one"


def test_size_pruning_drops_the_biggest_member_per_score_lost_until_the_files_fit(tmp_path):
    from mlwright.evaluate.model_size import member_megabytes, prune_to_size

    frame = make_mixed_frame(300, seed=3)
    model = mlwright.train(frame, "label", max_latency_ms=float("inf"), max_model_mb=float("inf"),
                           **{**FAST, "max_trials": 2})
    assert model.info["pruned_for_size"] == [] and model.info["model_size_limit_mb"] is None
    first = model.members[0]
    model.members = [replace(first, name="kept", weight=0.4), replace(first, name="twin", weight=0.3),
                     replace(first, name="third", weight=0.3)]
    each = member_megabytes(model)
    # the same model saved three times: equal sizes but for a few bytes (an archive's timestamps)
    assert set(each) == {"kept", "twin", "third"} and each["kept"] > 0
    assert max(each.values()) - min(each.values()) <= 0.01 * each["kept"]

    def validation_score(weights: dict[str, float]) -> float:  # 'kept' matters most, 'third' a little
        return 2 * weights.get("kept", 0.0) + weights.get("third", 0.0)

    size, dropped, _ = prune_to_size(model, 2.5 * each["kept"], validation_score)
    assert dropped == ["twin"]  # one member too many: the one the score misses least per MB goes
    assert size == pytest.approx(2 * each["kept"], rel=0.01)
    size, dropped, _ = prune_to_size(model, 1e-9, validation_score)
    assert dropped == ["third"] and [m.name for m in model.members] == ["kept"], "the last member stays"
    model.save(tmp_path / "model")
    assert mlwright.load(tmp_path / "model").predict_proba(frame.head(5)).shape == (5, 2)


def test_training_records_the_size_it_was_pruned_to():
    frame = make_mixed_frame(300, seed=4)
    model = mlwright.train(frame, "label", max_model_mb=1e-6, **{**FAST, "max_trials": 3})
    assert len(model.members) == 1 and model.info["model_size_limit_mb"] == 1e-6
    assert model.info["members_mb"] > 0


@pytest.mark.parametrize("family", ["lightgbm", "xgboost", "catboost"])
def test_a_lone_booster_too_big_keeps_its_first_rounds_until_it_fits(tmp_path, family):
    """26 classes make a booster 26 trees a round: alone in the ensemble, it is cut to the limit
    rather than shipped over it, and the cut model is the one saved and loaded."""
    from mlwright.evaluate.model_size import member_megabytes, prune_to_size

    frame = make_mixed_frame(400, seed=5)
    model = mlwright.train(frame, "label", max_latency_ms=float("inf"), max_model_mb=float("inf"),
                           **{**FAST, "families": (family,), "max_trials": 1})
    member = model.members[0]
    rounds, size = member.learner.iterations_, member_megabytes(model)[member.name]
    assert rounds >= 8, "enough rounds to cut"
    before = model.predict_proba(frame.head(50)).to_numpy()

    kept, dropped, cut = prune_to_size(model, size / 2, lambda weights: 0.0)
    assert dropped == [] and kept <= size / 2
    assert cut[member.name][0] == rounds and 1 <= cut[member.name][1] < rounds
    assert member.learner.iterations_ == cut[member.name][1]
    after = model.predict_proba(frame.head(50)).to_numpy()
    assert not np.allclose(before, after), "the cut rounds no longer count in its answers"
    model.save(tmp_path / "model")
    loaded = mlwright.load(tmp_path / "model")
    assert np.allclose(loaded.predict_proba(frame.head(50)).to_numpy(), after, atol=1e-6)


def test_a_lone_booster_too_slow_for_the_latency_limit_keeps_fewer_rounds(monkeypatch):
    monkeypatch.setenv("MLWRIGHT_ABLATE", "row_latency_cap")  # the cut after training, not the cap during it
    frame = make_mixed_frame(400, seed=6)
    model = mlwright.train(frame, "label", max_latency_ms=1e-6, max_model_mb=float("inf"),
                           **{**FAST, "families": ("lightgbm",), "max_trials": 1})
    (name, (before, after)), = model.info["rounds_cut"].items()
    assert name == model.members[0].name and before >= 8
    assert after == model.members[0].learner.iterations_ == 1, "an unreachable limit: one round left"
    assert model.info["latency_limit_met"] is False, "the limit is still reported as missed"
    assert model.predict_proba(frame.head(5)).shape == (5, 2)


def test_with_the_cap_during_training_a_booster_stops_boosting_before_the_limit_not_after():
    frame = make_mixed_frame(400, seed=6)
    model = mlwright.train(frame, "label", max_latency_ms=1e-6, max_model_mb=float("inf"),
                           **{**FAST, "families": ("lightgbm",), "max_trials": 1})
    assert model.members[0].learner.iterations_ == 1, "an unreachable limit: the folds kept one round"
    assert "rounds_cut" not in model.info, "nothing left to cut after training"
    assert model.info["latency_limit_met"] is False, "the limit is still reported as missed"


def test_the_best_blend_that_fits_the_limit_beats_dropping_one_at_a_time():
    """A strong member too slow alone, and two fast ones: the fast one that scores best wins, not
    the slow one that greedy dropping would end on (and then cut to fit)."""
    from mlwright.evaluate.latency import best_fitting_subset

    weights = {"slow": 0.6, "mid": 0.3, "small": 0.1}
    cost = {"slow": 4.0, "mid": 1.2, "small": 0.6}

    def validation_score(blend: dict[str, float]) -> float:
        return 3 * blend.get("slow", 0.0) + 2 * blend.get("mid", 0.0) + blend.get("small", 0.0)

    assert best_fitting_subset(weights, cost, 0.4, 2.0, validation_score) == {"mid"}
    assert best_fitting_subset(weights, cost, 0.4, 5.0, validation_score) == {"slow"}
    assert best_fitting_subset(weights, cost, 0.4, 0.5, validation_score) is None  # nothing fits: greedy


def test_the_time_every_member_shares_is_read_from_the_members_alone_and_together():
    from mlwright.evaluate.latency import shared_ms

    # each alone: 0.5 shared + its own; together 0.5 + 1 + 2
    assert shared_ms({"a": 1.5, "b": 2.5}, 3.5) == pytest.approx(0.5)
    assert shared_ms({"a": 1.0, "b": 1.0}, 5.0) == 0.0  # slower together than apart: nothing shared
    assert shared_ms({"a": 1.0, "b": 3.0}, 1.0) == 1.0  # never more than the fastest member alone


def test_members_too_slow_alone_are_left_out_while_others_remain():
    from mlwright.evaluate.latency import without_slow_members

    alone = {"slow_booster": 3.0, "fast_booster": 0.4, "slower_partner": 2.0, "forest": 0.9}
    timed = []

    def alone_ms(name: str) -> float:
        timed.append(name)
        return alone[name]

    candidates = ["slow_booster", "slower_partner", "fast_booster", "forest"]  # best first

    def reselect(excluded: set[str]) -> dict[str, float]:  # greedy selection's stand-in: the best two left
        rest = [n for n in candidates if n not in excluded][:2]
        return {n: 1.0 / len(rest) for n in rest}

    weights, slow = without_slow_members({"slow_booster": 0.7, "slower_partner": 0.3}, alone_ms, 1.5, reselect)
    assert weights == {"fast_booster": 0.5, "forest": 0.5}
    assert slow == ["slow_booster", "slower_partner"]
    # a blend of members each within the limit stands as chosen
    assert without_slow_members({"fast_booster": 0.6, "forest": 0.4}, alone_ms, 1.5, reselect) == (
        {"fast_booster": 0.6, "forest": 0.4}, [])
    # nothing else to choose: the slow member stays (pruning then cuts its rounds)
    assert without_slow_members({"slow_booster": 1.0}, alone_ms, 1.5, lambda excluded: {}) == ({"slow_booster": 1.0}, [])
