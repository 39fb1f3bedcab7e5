"""Three views of what is unusual, fitted by scikit-learn and kept as plain arrays.

ADBench (57 datasets) found that no unsupervised detector wins everywhere, so three that fail
differently are combined (``ensemble``):

- isolation forest: a row that random splits isolate in few steps is unusual; sees global
  outliers and is cheap. Kept as its trees' arrays (``PackedForest``), each leaf holding the path
  length scikit-learn adds for it, so the score is scikit-learn's ``2 ** (-E[h] / c(n))``.
- local outlier factor (novelty mode): a row in a sparser place than its neighbours' is
  unusual; sees local outliers next to dense groups. Kept as the training sample, each sample
  row's k-distance and local reachability density: scikit-learn's ``score_samples`` arithmetic.
- k-nearest-neighbour distance: the mean distance to the k nearest training rows; simple and,
  in ADBench, among the strongest.

Each is an "unusualness" where higher means more unusual. Scoring needs NumPy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlwright.models.packed_forest import PackedForest

#: Training rows kept for the neighbour detectors (a row is compared with each of them).
NEIGHBOUR_ROWS = 5_000
NEIGHBOURS = 20
TREES = 200
#: Rows compared at once with the kept sample: bounds the distance matrix.
CHUNK_ROWS = 512


def average_path_length(n: np.ndarray) -> np.ndarray:
    """c(n): the mean path length of an unsuccessful search in a binary search tree of n points,
    which isolation forests add for the points a leaf still holds (scikit-learn's definition)."""
    n = np.asarray(n, dtype=float)
    out = np.zeros_like(n)
    out[n == 2] = 1.0
    big = n > 2
    out[big] = 2.0 * (np.log(n[big] - 1.0) + np.euler_gamma) - 2.0 * (n[big] - 1.0) / n[big]
    return out


@dataclass
class IsolationDetector:
    forest: PackedForest  # each leaf's value: its depth plus c(rows it holds)
    max_samples: int

    name = "isolation_forest"

    @classmethod
    def fit(cls, X: np.ndarray, seed: int) -> "IsolationDetector":
        from sklearn.ensemble import IsolationForest

        model = IsolationForest(n_estimators=TREES, random_state=seed).fit(X)
        return cls(packed_isolation_forest(model), int(model.max_samples_))

    def unusualness(self, X: np.ndarray) -> np.ndarray:
        mean_path = self.forest.predict(X)[:, 0]
        return 2.0 ** (-mean_path / average_path_length(np.array([self.max_samples]))[0])

    def arrays(self) -> dict[str, np.ndarray]:
        return {**{f"forest_{k}": v for k, v in self.forest.arrays().items()},
                "forest_max_samples": np.array(self.max_samples)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "IsolationDetector":
        forest = PackedForest.from_arrays({k[len("forest_"):]: v for k, v in arrays.items()
                                           if k.startswith("forest_") and k != "forest_max_samples"})
        return cls(forest, int(arrays["forest_max_samples"]))


def packed_isolation_forest(model) -> PackedForest:
    """An isolation forest's trees as one ``PackedForest`` over the full column set (each tree sees
    the columns in its own order: ``estimators_features_`` maps them back), each leaf's value the
    path length scikit-learn counts there: its depth (root at 1) plus c(its rows) less 1."""
    parts = {k: [] for k in ("left", "right", "feature", "threshold", "values")}
    roots, offset = [], 0
    for estimator, features in zip(model.estimators_, model.estimators_features_):
        tree = estimator.tree_
        leaf = tree.children_left < 0
        depth = np.zeros(tree.node_count)
        for node in range(tree.node_count):  # children come after their parent in scikit-learn's arrays
            for child in (tree.children_left[node], tree.children_right[node]):
                if child >= 0:
                    depth[child] = depth[node] + 1
        parts["left"].append(np.where(leaf, -1, tree.children_left + offset))
        parts["right"].append(np.where(leaf, -1, tree.children_right + offset))
        parts["feature"].append(np.where(leaf, -1, np.asarray(features)[np.maximum(tree.feature, 0)]))
        parts["threshold"].append(tree.threshold)
        parts["values"].append(depth + average_path_length(tree.n_node_samples))
        roots.append(offset)
        offset += tree.node_count
    return PackedForest(left=np.concatenate(parts["left"]).astype(np.int32),
                        right=np.concatenate(parts["right"]).astype(np.int32),
                        feature=np.concatenate(parts["feature"]).astype(np.int32),
                        threshold=np.concatenate(parts["threshold"]).astype(np.float64),
                        missing_left=np.zeros(offset, dtype=bool), values=np.concatenate(parts["values"])[:, None],
                        roots=np.asarray(roots, dtype=np.int32))


@dataclass
class NeighbourDetector:
    """Local outlier factor and k-nearest-neighbour distance, from one neighbour search."""

    fit_X: np.ndarray
    k_distance: np.ndarray  # each kept row's distance to its k-th neighbour among the others
    density: np.ndarray  # each kept row's local reachability density
    k: int

    @classmethod
    def fit(cls, X: np.ndarray, seed: int) -> "NeighbourDetector":
        from sklearn.neighbors import LocalOutlierFactor

        rng = np.random.default_rng(seed)
        kept = X[np.sort(rng.choice(len(X), min(len(X), NEIGHBOUR_ROWS), replace=False))]
        k = max(1, min(NEIGHBOURS, len(kept) - 1))
        lof = LocalOutlierFactor(n_neighbors=k, novelty=True, algorithm="brute").fit(kept)
        return cls(kept, lof._distances_fit_X_[:, lof.n_neighbors_ - 1].copy(), lof._lrd.copy(), lof.n_neighbors_)

    def neighbours(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The k nearest kept rows of each row: distances and positions, nearest first."""
        distances, positions = [], []
        for start in range(0, len(X), CHUNK_ROWS):
            chunk = X[start:start + CHUNK_ROWS]
            d = np.sqrt(np.maximum(((chunk[:, None, :] - self.fit_X[None, :, :]) ** 2).sum(axis=2), 0.0)) \
                if self.fit_X.shape[1] * len(chunk) * len(self.fit_X) < 50_000_000 else _expanded(chunk, self.fit_X)
            nearest = np.argpartition(d, self.k - 1, axis=1)[:, :self.k]
            near = np.take_along_axis(d, nearest, axis=1)
            order = np.argsort(near, axis=1, kind="stable")
            distances.append(np.take_along_axis(near, order, axis=1))
            positions.append(np.take_along_axis(nearest, order, axis=1))
        if not distances:
            return np.zeros((0, self.k)), np.zeros((0, self.k), dtype=int)
        return np.vstack(distances), np.vstack(positions)

    def local_outlier_factor(self, distances: np.ndarray, positions: np.ndarray) -> np.ndarray:
        reach = np.maximum(distances, self.k_distance[positions])
        density = 1.0 / (reach.mean(axis=1) + 1e-10)
        return (self.density[positions] / density[:, None]).mean(axis=1)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"neighbours_fit_X": self.fit_X, "neighbours_k_distance": self.k_distance,
                "neighbours_density": self.density, "neighbours_k": np.array(self.k)}

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray]) -> "NeighbourDetector":
        return cls(arrays["neighbours_fit_X"], arrays["neighbours_k_distance"], arrays["neighbours_density"],
                   int(arrays["neighbours_k"]))


def _expanded(chunk: np.ndarray, fit_X: np.ndarray) -> np.ndarray:
    squared = (chunk ** 2).sum(axis=1)[:, None] - 2 * chunk @ fit_X.T + (fit_X ** 2).sum(axis=1)[None, :]
    return np.sqrt(np.maximum(squared, 0.0))


DETECTORS = ("isolation_forest", "local_outlier_factor", "knn_distance")


def unusualness(isolation: IsolationDetector, neighbours: NeighbourDetector, X: np.ndarray) -> dict[str, np.ndarray]:
    """Each detector's unusualness of each row (higher = more unusual)."""
    distances, positions = neighbours.neighbours(X)
    return {"isolation_forest": isolation.unusualness(X),
            "local_outlier_factor": neighbours.local_outlier_factor(distances, positions),
            "knn_distance": distances.mean(axis=1) if len(X) else np.zeros(0)}
