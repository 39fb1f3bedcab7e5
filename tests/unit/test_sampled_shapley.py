"""Baseline Shapley by sampled orderings: additive always, exact where it can be."""

from __future__ import annotations

import itertools
import math

import numpy as np

from mlwright.evaluate.explain import sampled_shapley
from mlwright.evaluate.explain.sampled_shapley import baseline_shapley, feature_groups, orderings


def _interacting(X: np.ndarray) -> np.ndarray:
    """A function with interactions between features, two outputs."""
    first = np.sin(X[:, 0] * X[:, 1]) + X[:, 2] ** 2 - X[:, 3] * X[:, 0]
    second = np.tanh(X[:, 1] - X[:, 2] * X[:, 3])
    return np.column_stack([first, second])


def _brute_force(function, row: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Shapley values over every subset, the textbook formula."""
    n = len(row)
    phi = np.zeros((n, function(row[None, :]).shape[1]))
    for i in range(n):
        others = [j for j in range(n) if j != i]
        for size in range(n):
            for subset in itertools.combinations(others, size):
                weight = math.factorial(size) * math.factorial(n - size - 1) / math.factorial(n)
                without = reference.copy()
                without[list(subset)] = row[list(subset)]
                with_i = without.copy()
                with_i[i] = row[i]
                phi[i] += weight * (function(with_i[None, :])[0] - function(without[None, :])[0])
    return phi


def test_values_add_up_to_the_departure_from_the_reference():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 12))
    reference = rng.normal(size=12)
    weights = rng.normal(size=(12, 3))

    def network_like(rows):
        return np.tanh(rows @ weights) * (1 + rows[:, :1] ** 2)

    phi, base = baseline_shapley(network_like, X, reference, feature_groups(None, 12))
    np.testing.assert_allclose(base + phi.sum(axis=1), network_like(X), atol=1e-10)
    np.testing.assert_allclose(base, np.repeat(network_like(reference[None, :]), 30, axis=0))


def test_few_columns_are_walked_in_every_order_and_the_values_are_exact():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(5, 4))
    reference = rng.normal(size=4)
    assert len(orderings(4, 5)) == math.factorial(4)
    phi, _ = baseline_shapley(_interacting, X, reference, feature_groups(None, 4))
    for row in range(5):
        np.testing.assert_allclose(phi[row], _brute_force(_interacting, X[row], reference), atol=1e-10)


def test_sampled_values_are_exact_for_an_additive_function(monkeypatch):
    """With too many columns to walk every order, an additive function still gets its exact
    terms: each column's change is the same along every ordering."""
    monkeypatch.setattr(sampled_shapley, "EVALUATIONS", 200)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(6, 10))
    reference = rng.normal(size=10)

    def additive(rows):
        return (np.sin(rows) + rows ** 3).sum(axis=1, keepdims=True)

    assert len(orderings(10, 6)) < math.factorial(10)
    phi, _ = baseline_shapley(additive, X, reference, feature_groups(None, 10))
    expected = (np.sin(X) + X ** 3) - (np.sin(reference) + reference ** 3)
    np.testing.assert_allclose(phi[:, :, 0], expected, atol=1e-10)


def test_a_column_s_features_move_together_and_its_credit_sits_on_the_first():
    sources = ["colour", "colour", "colour", "size"]
    groups = feature_groups(sources, 4)
    assert [g.tolist() for g in groups] == [[0, 1, 2], [3]]
    X = np.array([[0.0, 1.0, 0.0, 2.0]])
    reference = np.zeros(4)

    def function(rows):  # the one-hot block only matters through its second indicator
        return (3.0 * rows[:, 1] + rows[:, 1] * rows[:, 3])[:, None]

    phi, _ = baseline_shapley(function, X, reference, groups)
    np.testing.assert_allclose(phi[0, :, 0], [3.0 + 1.0, 0.0, 0.0, 1.0])


def test_the_same_seed_gives_the_same_values():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4, 20))
    first = baseline_shapley(_interacting, X, np.zeros(20), feature_groups(None, 20), seed=5)[0]
    again = baseline_shapley(_interacting, X, np.zeros(20), feature_groups(None, 20), seed=5)[0]
    np.testing.assert_array_equal(first, again)
