"""Decision thresholds meet their stated objective; calibration is applied only when it helps."""

import numpy as np
import pytest
from sklearn import metrics as skm

from mlwright._types import Task
from mlwright.errors import ConfigError
from mlwright.evaluate.calibration import Calibrator, choose_calibration
from mlwright.evaluate.decision import Decision
from mlwright.evaluate.metrics import get_metric
from mlwright.evaluate.threshold import choose_threshold, parse_objective


def _scores(n=4000, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.random(n) < 0.25
    return y, np.clip(0.3 + 0.35 * (y - 0.25) + rng.normal(0, 0.18, n), 0.001, 0.999)


def test_f1_threshold_beats_one_half_and_is_the_best_cut():
    y, score = _scores()
    chosen = choose_threshold(y, score, parse_objective("f1"))
    best = skm.f1_score(y, score >= chosen["value"])
    assert best == pytest.approx(chosen["at_threshold"]["f1"])
    assert best > skm.f1_score(y, score >= 0.5)
    for cut in np.linspace(0.05, 0.95, 91):
        assert skm.f1_score(y, score >= cut) <= best + 1e-9


@pytest.mark.parametrize("objective,kind,bound", [("precision>=0.8", "precision", 0.8), ("recall>=0.9", "recall", 0.9)])
def test_bounded_objectives_hold_their_bound(objective, kind, bound):
    y, score = _scores(seed=1)
    chosen = choose_threshold(y, score, parse_objective(objective))
    predicted = score >= chosen["value"]
    achieved = skm.precision_score(y, predicted) if kind == "precision" else skm.recall_score(y, predicted)
    assert achieved >= bound


def test_costly_false_negatives_lower_the_threshold():
    y, score = _scores(seed=2)
    even = choose_threshold(y, score, parse_objective("cost:fp=1,fn=1"))["value"]
    costly = choose_threshold(y, score, parse_objective("cost:fp=1,fn=10"))["value"]
    assert costly < even


def test_unreachable_precision_is_said():
    rng = np.random.default_rng(3)
    y, score = rng.random(2000) < 0.25, rng.random(2000)  # a useless score
    y[np.argmax(score)] = False  # so that no top slice reaches the precision asked for
    chosen = choose_threshold(y, score, parse_objective("precision>=0.99"))
    assert "out of reach" in chosen["description"]


@pytest.mark.parametrize("text", ["precision>=1.5", "f2", "cost:fp=1", "1.5", ""])
def test_bad_objectives_name_the_syntax(text):
    with pytest.raises(ConfigError, match="precision>=0.9"):
        parse_objective(text)


def test_miscalibrated_probabilities_get_calibrated_and_keep_auc():
    y, score = _scores(seed=4)
    proba = np.column_stack([1 - score, score])
    calibrator, facts, shipped = choose_calibration(y.astype(int), proba, get_metric("roc_auc", Task.BINARY))
    assert calibrator is not None and facts["applied"]
    assert facts["after"]["log_loss"] < facts["before"]["log_loss"]
    assert facts["after"]["ece"] < facts["before"]["ece"]
    calibrated = calibrator.apply(proba)
    assert skm.roc_auc_score(y, calibrated[:, 1]) >= skm.roc_auc_score(y, score) - 1e-6
    assert np.allclose(calibrated.sum(axis=1), 1.0)


def test_calibrated_probabilities_are_left_alone():
    rng = np.random.default_rng(5)
    p = rng.uniform(0.05, 0.95, 5000)
    y = (rng.random(5000) < p).astype(int)  # outcomes drawn from p itself
    calibrator, facts, shipped = choose_calibration(y, np.column_stack([1 - p, p]), get_metric("log_loss", Task.BINARY))
    assert calibrator is None and not facts["applied"] and "left as the blend gives them" in facts["reason"]
    assert shipped[:, 1] == pytest.approx(p)


def test_multiclass_calibration_sums_to_one_and_decision_survives_its_state():
    rng = np.random.default_rng(6)
    y = rng.integers(0, 3, 3000)
    logits = rng.normal(0, 1, (3000, 3))
    logits[np.arange(3000), y] += 1.5
    proba = np.exp(3 * logits) / np.exp(3 * logits).sum(axis=1, keepdims=True)  # over-confident
    calibrator, facts, _ = choose_calibration(y, proba, get_metric("log_loss", Task.MULTICLASS))
    assert calibrator is not None
    decision = Decision.from_state(Decision(calibrator, None, None).to_state())
    assert np.allclose(decision.probabilities(proba), calibrator.apply(proba))
    assert np.allclose(decision.probabilities(proba).sum(axis=1), 1.0)


def test_threshold_decides_binary_labels():
    decision = Decision(Calibrator("platt", [{"a": 1.0, "b": 0.0}]), threshold=0.3)
    assert decision.label_indices(np.array([[0.75, 0.25], [0.65, 0.35]])).tolist() == [0, 1]
