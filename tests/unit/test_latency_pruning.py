"""Latency pruning keeps the members the validation score needs, and the model stays consistent."""

from dataclasses import replace

import numpy as np

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
