"""Contributions add up to the model's output, rank the column that drives the target first,
and stay additive through the link functions and the calibrator."""

import numpy as np
import pytest

from mlwright.evaluate.calibration import Calibrator
from mlwright.evaluate.explain.contributions import CALIBRATION, UNEXPLAINED, contributions, shap_importance
from mlwright.evaluate.decision import Decision
from mlwright.evaluate.explain.links import to_output_space
from mlwright.evaluate.explain.members import SIGMOID, SOFTMAX, MemberAttribution
from tests.unit.explain_models import blend_of, frame_for, signal_frame, single

#: base + contributions = output, to this tolerance (XGBoost sums float32 margins).
TOLERANCE = 1e-5
EVERY_FAMILY = ("lightgbm", "xgboost", "catboost", "extra_trees", "linear", "knn")


def _assert_additive(model, frame):
    result = contributions(model, frame)
    total = result.base + result.values.sum(axis=1)
    np.testing.assert_allclose(total, np.asarray(model.raw_predict(frame)).reshape(total.shape), atol=TOLERANCE, rtol=0)
    return result


@pytest.mark.parametrize("task", ["mixed", "multiclass", "regression"])
def test_contributions_add_up_to_the_output_of_an_ensemble_of_every_family(task):
    model = blend_of(task, EVERY_FAMILY)
    frame, _ = frame_for(task)
    result = _assert_additive(model, frame.head(150))
    assert result.columns[:len(model.schema.used)] == [spec.name for spec in model.schema.used]
    assert UNEXPLAINED in result.columns, "the k-NN member's share is reported, not hidden"
    few = contributions(model, frame.head(3))
    np.testing.assert_allclose(few.values[:, :len(model.schema.used)], result.values[:3, :len(model.schema.used)],
                               atol=1e-6, err_msg="a row's explanation does not depend on the rows beside it")


@pytest.mark.parametrize("task", ["binary", "multiclass", "regression"])
@pytest.mark.parametrize("family", ["lightgbm", "xgboost", "catboost", "extra_trees"])
def test_the_column_that_drives_the_target_has_the_largest_contributions(task, family):
    model = single(task, family) if family == "lightgbm" else blend_of(task, (family,))
    importance = shap_importance(model, signal_frame(task, rows=300, seed=7))
    assert importance["column"].iloc[0] == "signal"
    assert importance["mean_abs"].iloc[0] > 5 * importance["mean_abs"].iloc[1]
    assert list(importance.columns) == ["column", "mean_abs"]


def test_shap_importance_needs_a_tree_member():
    assert shap_importance(single("binary", "linear"), signal_frame("binary")) is None


def test_a_calibrator_keeps_contributions_additive_and_moves_the_base():
    model = blend_of("mixed", ("lightgbm", "linear"))
    frame, _ = frame_for("mixed")
    plain = contributions(model, frame.head(60))
    calibrator = Calibrator("platt", [{"a": 1.7, "b": 0.3}])
    model.decision = Decision(calibrator=calibrator)
    try:
        calibrated = _assert_additive(model, frame.head(60))
    finally:
        model.decision = Decision()
    np.testing.assert_allclose(calibrated.base, calibrator.apply(plain.base))
    assert CALIBRATION not in calibrated.columns, "a monotone calibrator only rescales the contributions"
    assert (np.sign(calibrated.values[:, :, 1]) == np.sign(plain.values[:, :, 1])).all()


def test_contributions_stay_additive_through_a_multiclass_calibrator():
    model = blend_of("multiclass", ("lightgbm", "linear"))
    curves = [{"a": 0.6, "b": -0.4}, {"a": 2.0, "b": 0.5}, {"a": 1.2, "b": 0.0}]
    model.decision = Decision(calibrator=Calibrator("platt", curves))
    try:
        _assert_additive(model, frame_for("multiclass")[0].head(120))
    finally:
        model.decision = Decision()


def test_softmax_of_two_classes_carries_margins_like_the_logistic_link():
    rng = np.random.default_rng(0)
    phi = rng.normal(scale=2.0, size=(50, 6, 1))
    base = rng.normal(size=(50, 1))
    logistic = to_output_space(MemberAttribution(phi, base, SIGMOID, np.arange(2)), 2)
    two_margins = MemberAttribution(np.concatenate([np.zeros_like(phi), phi], axis=2),
                                    np.column_stack([np.zeros(50), base]), SOFTMAX, np.arange(2))
    softmax = to_output_space(two_margins, 2)
    np.testing.assert_allclose(softmax[0], logistic[0], atol=1e-7)
    np.testing.assert_allclose(softmax[1], logistic[1], atol=1e-12)


def test_softmax_credits_add_up_and_unseen_classes_get_nothing():
    rng = np.random.default_rng(1)
    phi, base = rng.normal(scale=3.0, size=(40, 5, 3)), rng.normal(size=(40, 3))
    credits, p_base = to_output_space(MemberAttribution(phi, base, SOFTMAX, np.array([0, 2, 3])), 4)
    margins = base + phi.sum(axis=1)
    p_row = np.exp(margins) / np.exp(margins).sum(axis=1, keepdims=True)
    np.testing.assert_allclose((p_base + credits.sum(axis=1))[:, [0, 2, 3]], p_row, atol=1e-12)
    assert not credits[:, :, 1].any() and not p_base[:, 1].any()


def test_forest_path_attributions_match_shap_approximate():
    import shap  # in the test extra
    from mlwright.evaluate.explain.forest_paths import path_attributions

    learner = blend_of("multiclass", ("extra_trees",)).members[0].learner
    X = np.random.default_rng(2).normal(size=(30, learner.model_.n_features_in_))
    credits, base = path_attributions(learner.packed_, X)
    expected = np.asarray(shap.TreeExplainer(learner.model_).shap_values(X, approximate=True, check_additivity=False))
    np.testing.assert_allclose(credits, expected, atol=1e-6)
    np.testing.assert_allclose(base + credits.sum(axis=1), learner.model_.predict_proba(X), atol=1e-6)


def test_every_encoded_feature_names_its_input_column():
    model = blend_of("mixed", ("lightgbm", "linear"))
    used = {spec.name for spec in model.schema.used}
    for encoder in model.encoders.values():
        sources = encoder.feature_sources_
        assert len(sources) == len(encoder.feature_names_) and set(sources) == used
        assert all(name.startswith(source) for name, source in zip(encoder.feature_names_, sources))
