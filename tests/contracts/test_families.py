"""One conformance suite over every registered model family and task."""

import time

import numpy as np
import pytest

from mlwright._types import Task
from mlwright.models.base import FitData, align_proba
from mlwright.models.registry import FAMILIES

TASKS = [Task.BINARY, Task.MULTICLASS, Task.REGRESSION]


def data_for(task: Task, seed: int = 0, rows: int = 300):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, 5))
    X[rng.random(size=X.shape) < 0.05] = np.nan
    X[:, 4] = rng.integers(0, 4, rows)  # a categorical code column
    signal = np.nan_to_num(X[:, 0]) + 0.5 * np.nan_to_num(X[:, 1]) + (X[:, 4] == 2)
    if task is Task.REGRESSION:
        y, n_classes = signal + rng.normal(scale=0.1, size=rows), 0
    elif task is Task.BINARY:
        y, n_classes = (signal > 0.3).astype(int), 2
    else:
        y, n_classes = np.digitize(signal, [-0.3, 0.8]), 3
    return X, y, n_classes


def fit(family, task, seed=0, deadline=float("inf")):
    X, y, n_classes = data_for(task)
    train, valid = slice(0, 200), slice(200, None)
    style_X = np.nan_to_num(X) if family.style == "linear" else X
    learner = family.make(dict(family.portfolio[0]), task)
    learner.fit(FitData(X=style_X[train], y=y[train], X_valid=style_X[valid], y_valid=y[valid], task=task,
                        n_classes=n_classes, categorical=(4,) if family.style == "tree" else (), seed=seed,
                        threads=1, deadline=deadline))
    return learner, style_X[valid], y[valid], n_classes


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.value)
@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_fit_predict_save_load(name, task, tmp_path):
    family = FAMILIES[name]
    learner, X_valid, y_valid, n_classes = fit(family, task)
    out = learner.predict(X_valid)
    if task is Task.REGRESSION:
        assert out.shape == (len(X_valid),)
        assert np.corrcoef(out, y_valid)[0, 1] > 0.5, "the model must learn the signal"
    else:
        assert out.shape == (len(X_valid), n_classes)
        np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-6)
        assert (out.argmax(axis=1) == y_valid).mean() > 0.5
    learner.save(tmp_path)
    loaded = family.load(tmp_path, dict(learner.params), task)
    np.testing.assert_allclose(loaded.predict(X_valid), out, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(loaded.predict(X_valid[:1]), out[:1], rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_same_seed_same_predictions(name):
    family = FAMILIES[name]
    first, X_valid, _, _ = fit(family, Task.BINARY, seed=3)
    second, _, _, _ = fit(family, Task.BINARY, seed=3)
    np.testing.assert_allclose(first.predict(X_valid), second.predict(X_valid))


@pytest.mark.parametrize("name", [n for n, f in sorted(FAMILIES.items()) if f.iterative])
def test_iterative_families_stop_at_their_deadline(name):
    family = FAMILIES[name]
    started = time.time()
    learner, _, _, _ = fit(family, Task.MULTICLASS, deadline=time.time() - 1)
    assert learner.iterations_ is not None and learner.iterations_ <= 3
    assert time.time() - started < 10


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.value)
@pytest.mark.parametrize("name", ["extra_trees", "random_forest"])
def test_forest_fast_path_matches_scikit_learn(name, task):
    from mlwright.models.forest_family import PACKED_ROWS

    learner, X_valid, _, _ = fit(FAMILIES[name], task)
    assert len(X_valid) > PACKED_ROWS
    batch = learner.predict(X_valid)
    rows = np.concatenate([learner.predict(X_valid[i:i + 1]) for i in range(len(X_valid))])
    np.testing.assert_allclose(rows, batch, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("task", TASKS, ids=lambda t: t.value)
@pytest.mark.parametrize("weights", ["distance", "uniform"])
def test_knn_fast_path_matches_scikit_learn(task, weights):
    from mlwright.models.knn_family import CHUNK_ROWS

    family = FAMILIES["knn"]
    X, y, n_classes = data_for(task)
    X = np.nan_to_num(X)
    learner = family.make({"n_neighbors": 7, "weights": weights}, task)
    learner.fit(FitData(X=X[:200], y=y[:200], task=task, n_classes=n_classes))
    batch = learner.predict(X[200:])
    if task.is_classification:
        reference = learner._smoothed(align_proba(learner.model_.predict_proba(X[200:]), learner.seen_, n_classes))
    else:
        reference = learner.model_.predict(X[200:])
    np.testing.assert_allclose(batch, reference, rtol=1e-6, atol=1e-9)
    rows = np.concatenate([learner.predict(X[i:i + 1]) for i in range(200, len(X))])
    np.testing.assert_allclose(rows, batch, rtol=1e-12, atol=1e-12)
    copies = CHUNK_ROWS // len(batch) + 2  # more rows than one chunk: the chunks agree with the whole
    np.testing.assert_allclose(learner.predict(np.vstack([X[200:]] * copies)), np.concatenate([batch] * copies),
                               rtol=1e-12, atol=1e-12)
    assert len(learner.predict(X[:0])) == 0
    exact = learner.predict(X[:1])  # a training point: zero distance gets all the weight
    if task.is_classification:  # ... and one pseudo-neighbour, spread by the class shares, smooths it
        shares = np.bincount(y[:200], minlength=n_classes) / 200
        expected = (learner.model_.predict_proba(X[:1]) * 7 + shares) / 8
        np.testing.assert_allclose(exact, expected, atol=1e-9)
        assert (exact > 0).all(), "no class gets probability zero"
    else:
        np.testing.assert_allclose(exact, learner.model_.predict(X[:1]), atol=1e-9)


@pytest.mark.parametrize("name", ["extra_trees", "random_forest", "knn"])
def test_single_rows_match_batches_at_large_scales(name):
    """Leaf values near 1e5 kept in float32, or distances from the expanded square formula, once
    made a row scored alone differ from the same row in a batch by 1e-3."""
    family = FAMILIES[name]
    X, y, _ = data_for(Task.REGRESSION)
    X, y = np.nan_to_num(X) * 4e4, y * 1e5 + 8e4
    learner = family.make(dict(family.portfolio[0]), Task.REGRESSION)
    learner.fit(FitData(X=X[:200], y=y[:200], task=Task.REGRESSION, n_classes=0))
    batch = learner.predict(X[:100])  # training rows included: exact matches for k-NN
    rows = np.concatenate([learner.predict(X[i:i + 1]) for i in range(100)])
    np.testing.assert_allclose(rows, batch, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", sorted(FAMILIES))
def test_a_class_only_the_validation_rows_hold_is_given_zero_probability(name):
    """A class of one or two rows can land in a fold's validation rows alone: the fit must not
    fail (CatBoost refused such an evaluation set) and every class keeps its column."""
    family = FAMILIES[name]
    X, y, n_classes = data_for(Task.MULTICLASS)
    y = y.copy()
    y[200:202] = 3  # a fourth class, only in the validation rows
    X = np.nan_to_num(X) if family.style == "linear" else X
    learner = family.make(dict(family.portfolio[0]), Task.MULTICLASS)
    learner.fit(FitData(X=X[:200], y=y[:200], X_valid=X[200:], y_valid=y[200:], task=Task.MULTICLASS,
                        n_classes=4, categorical=(4,) if family.style == "tree" else (), seed=0, threads=1))
    out = learner.predict(X[200:])
    assert out.shape == (100, 4)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, atol=1e-6)
    assert out[:, 3].max() < 0.05
