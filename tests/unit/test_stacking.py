"""The second layer and its guard: kept when it truly helps, refused when its gain is a leak."""

import numpy as np
import pytest

from mlwright._types import Task
from mlwright.ensemble.stacking import Holdout, Stacker, choose_stacker, stack_features
from mlwright.evaluate.metrics import get_metric


def _softmax(margin):
    e = np.exp(margin - margin.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _specialists(n, seed):
    """Three classes; member a knows class 0 from the rest, member b tells 1 from 2. Neither alone
    nor any average of the two is as good as a layer that trusts each on its own classes."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    signal = np.eye(3)[y] * 3.0
    a = _softmax(np.column_stack([signal[:, 0], np.zeros(n), np.zeros(n)]) + rng.normal(0, 1, (n, 3)))
    b = _softmax(np.column_stack([np.zeros(n), signal[:, 1], signal[:, 2]]) + rng.normal(0, 1, (n, 3)))
    return y, {"a": a, "b": b}


def test_a_layer_that_combines_specialists_is_kept_and_beats_their_blend_on_new_rows():
    metric = get_metric("log_loss")
    y, oofs = _specialists(3000, seed=0)
    blend_oof = (oofs["a"] + oofs["b"]) / 2
    y_new, new = _specialists(2000, seed=1)
    holdout = Holdout(new, y_new, (new["a"] + new["b"]) / 2)
    stacker, facts, crossed = choose_stacker(oofs, y, blend_oof, metric, Task.MULTICLASS, n_classes=3, seed=0,
                                             holdout=holdout)
    assert stacker is not None, facts["reason"]
    assert facts["applied"] and facts["cross_fitted"] < facts["blend_cross_fitted"]
    assert metric.value(y_new, stacker.apply(new)) < metric.value(y_new, holdout.blend_output) * 0.9
    assert crossed.shape == (3000, 3) and np.allclose(crossed.sum(axis=1), 1.0)


def test_the_leak_guard_refuses_a_layer_whose_gain_is_only_in_the_out_of_fold_outputs():
    """Member b's out-of-fold output carries the label (anti-correlated, so greedy averaging would
    never use it, but a linear layer does); on new rows, as the refitted member answers, it is
    noise. Cross-fitted on the out-of-fold rows the layer looks far better; the holdout refuses it."""
    metric = get_metric("log_loss")
    rng = np.random.default_rng(0)
    n = 3000
    y = rng.integers(0, 2, n)
    honest = lambda labels, r: np.clip(0.5 + 0.25 * (2 * labels - 1) + r.normal(0, 0.15, len(labels)), 0.02, 0.98)
    a = honest(y, rng)
    leaky = np.clip(0.5 - 0.3 * (2 * y - 1) + rng.normal(0, 0.05, n), 0.02, 0.98)
    oofs = {"a": np.column_stack([1 - a, a]), "b": np.column_stack([1 - leaky, leaky])}
    y_new = rng.integers(0, 2, 1000)
    a_new = honest(y_new, rng)
    b_new = rng.uniform(0.1, 0.9, 1000)
    new = {"a": np.column_stack([1 - a_new, a_new]), "b": np.column_stack([1 - b_new, b_new])}
    no_guard, facts_unguarded, _ = choose_stacker(oofs, y, oofs["a"], metric, Task.BINARY, n_classes=2, seed=0)
    assert no_guard is not None and facts_unguarded["cross_fitted"] < 0.5 * facts_unguarded["blend_cross_fitted"]
    stacker, facts, shipped = choose_stacker(oofs, y, oofs["a"], metric, Task.BINARY, n_classes=2, seed=0,
                                             holdout=Holdout(new, y_new, new["a"]))
    assert stacker is None
    assert "leak guard" in facts["reason"]
    assert facts["holdout"]["second_layer"] > facts["holdout"]["blend"]
    assert shipped is oofs["a"]


def test_a_layer_no_better_than_the_blend_is_refused():
    metric = get_metric("rmse")
    rng = np.random.default_rng(0)
    one = rng.normal(size=2000)  # the best answer there is: the rest is noise no layer can learn
    y = one + rng.normal(0, 0.3, 2000)
    oofs = {"one": one}
    stacker, facts, shipped = choose_stacker(oofs, y, one, metric, Task.REGRESSION, n_classes=0, seed=0)
    assert stacker is None and "does not beat" in facts["reason"]
    assert shipped is one


def test_too_few_rows_for_the_coefficients_are_not_tried():
    metric = get_metric("log_loss")
    y, oofs = _specialists(60, seed=0)
    stacker, facts, _ = choose_stacker(oofs, y, oofs["a"], metric, Task.MULTICLASS, n_classes=3, seed=0)
    assert stacker is None and facts["reason"].startswith("not tried")


@pytest.mark.parametrize("kind,n_classes", [("multiclass", 4), ("binary", 2), ("regression", 0)])
def test_the_state_round_trip_applies_the_same_numbers(kind, n_classes):
    rng = np.random.default_rng(3)
    if kind == "regression":
        outputs = {"a": rng.normal(size=50), "b": rng.normal(size=50)}
    else:
        outputs = {name: _softmax(rng.normal(size=(50, n_classes))) for name in ("a", "b")}
    width = stack_features(list(outputs.values()), kind).shape[1]
    rows = n_classes if kind == "multiclass" else 1
    stacker = Stacker(kind, ["a", "b"], rng.normal(size=(rows, width)), rng.normal(size=rows))
    again = Stacker.from_state(stacker.to_state())
    assert np.array_equal(again.apply(outputs), stacker.apply(outputs))
    if kind != "regression":
        assert np.allclose(stacker.apply(outputs).sum(axis=1), 1.0)


def test_past_its_deadline_only_the_strongest_regularisation_is_tried_and_fits_see_a_capped_sample(monkeypatch):
    import mlwright.ensemble.stacking as stacking

    monkeypatch.setattr(stacking, "MAX_FIT_ROWS", 500)
    metric = get_metric("log_loss")
    y, oofs = _specialists(3000, seed=0)
    stacker, facts, crossed = choose_stacker(oofs, y, (oofs["a"] + oofs["b"]) / 2, metric, Task.MULTICLASS,
                                             n_classes=3, seed=0, deadline=0.0)
    assert facts["strength"] == stacking.STRENGTHS[0]
    assert stacker is not None and crossed.shape == (3000, 3)  # every row scored, though fits saw 500
    assert np.allclose(crossed.sum(axis=1), 1.0)
