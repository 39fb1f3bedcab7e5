"""Shapley values of any function against one reference row, by sampled orderings of column groups.

For a model with no exact attribution of its own (the network), each row's departure from a
reference row is shared among the input columns as a Shapley value of the game "switch these
columns from the reference to the row" (baseline Shapley, Sundararajan and Najmi, arXiv
1908.08474). It is estimated by walking orderings of the columns: along one ordering, each
column is credited with the change it makes when it is switched, so the credits of every
ordering add up to ``f(row) - f(reference)`` exactly, and so does their mean. The estimate is
therefore additive to rounding however few orderings are walked; more orderings only bring each
column's share closer to its Shapley value. Orderings come in reversed pairs (antithetic
sampling), and when every ordering fits in the allowance they are all walked: the values are
then exact.

Columns are switched as groups: the encoded features of one input column (a one-hot block, a
number and its missing-value flag) move together, so a group is one player and the credit is
the column's, which is what explanations show. Within a group the credit sits on its first
feature.
"""

from __future__ import annotations

import itertools
import math
from typing import Callable

import numpy as np

#: Rows evaluated per call, all orderings and rows together: about a second of a 3 x 256 network.
EVALUATIONS = 200_000
MAX_ORDERINGS = 32
#: Elements of one batch of switched rows (rows x steps x features), to bound memory.
BATCH_ELEMENTS = 4_000_000


def feature_groups(sources: list[str] | None, n_features: int) -> list[np.ndarray]:
    """The features of each input column, in order of first appearance; each feature alone
    when the sources are not known."""
    if sources is None or len(sources) != n_features:
        return [np.array([j]) for j in range(n_features)]
    positions: dict[str, list[int]] = {}
    for j, source in enumerate(sources):
        positions.setdefault(source, []).append(j)
    return [np.asarray(p) for p in positions.values()]


def orderings(n_groups: int, n_rows: int, seed: int = 0) -> np.ndarray:
    """The orderings to walk: every one when they fit the allowance, else reversed pairs drawn
    with ``seed`` (at least one pair), as many as the allowance holds for ``n_rows`` rows."""
    affordable = EVALUATIONS // max(n_rows * (n_groups + 1), 1)
    if n_groups <= 8 and math.factorial(n_groups) <= min(max(affordable, 2), MAX_ORDERINGS):
        return np.array(list(itertools.permutations(range(n_groups))), dtype=int).reshape(-1, n_groups)
    pairs = max(1, min(affordable, MAX_ORDERINGS) // 2)
    rng = np.random.default_rng(seed)
    drawn = np.array([rng.permutation(n_groups) for _ in range(pairs)], dtype=int)
    return np.concatenate([drawn, drawn[:, ::-1]])


def baseline_shapley(function: Callable[[np.ndarray], np.ndarray], X: np.ndarray, reference: np.ndarray,
                     groups: list[np.ndarray], seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(phi, base)``: phi is rows x features x outputs, base is ``function(reference)`` per
    row (rows x outputs); per row, ``base + phi.sum(axis=1) = function(row)`` to rounding.

    ``function`` maps a matrix (rows x features) to rows x outputs.
    """
    X = np.asarray(X, dtype=np.float64)
    n_rows, n_features = X.shape
    reference = np.broadcast_to(np.asarray(reference, dtype=np.float64), (n_features,))
    base_out = np.asarray(function(reference[None, :]), dtype=np.float64).reshape(1, -1)
    n_outputs = base_out.shape[1]
    phi = np.zeros((n_rows, n_features, n_outputs))
    if n_rows == 0 or not groups:
        return phi, np.repeat(base_out, n_rows, axis=0)
    walks = orderings(len(groups), n_rows, seed)
    leaders = np.array([g[0] for g in groups])
    steps = len(groups) + 1
    chunk = max(1, BATCH_ELEMENTS // (steps * n_features))
    for ordering in walks:
        # switched[k] is 1 on the features of the first k groups of the ordering
        switched = np.zeros((steps, n_features))
        for k, group_index in enumerate(ordering, start=1):
            switched[k:, groups[group_index]] = 1.0
        for start in range(0, n_rows, chunk):
            rows = X[start:start + chunk]
            points = reference + switched[None, :, :] * (rows[:, None, :] - reference)
            out = np.asarray(function(points.reshape(-1, n_features)), dtype=np.float64)
            out = out.reshape(len(rows), steps, n_outputs)
            gains = np.diff(out, axis=1)  # rows x groups (in the ordering's order) x outputs
            phi[start:start + len(rows), leaders[ordering], :] += gains
    phi /= len(walks)
    return phi, np.repeat(base_out, n_rows, axis=0)
