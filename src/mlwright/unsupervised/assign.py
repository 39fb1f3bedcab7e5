"""Assigning rows to clusters with plain arrays: what a saved clustering model keeps.

A fitted scikit-learn clusterer is a means to the clusters, not the model that is shipped:
k-means and Ward's clusters are kept as their centres (a row joins the nearest), a Gaussian
mixture as its weights, means and precision factors (a row joins the most probable component).
The arithmetic is scikit-learn's own (``KMeans.predict``, ``GaussianMixture.predict``), written
in NumPy so that scoring needs neither scikit-learn nor a pickle, and the arrays are saved as a
``.npz`` read with ``allow_pickle=False``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mlwright.errors import ModelFormatError

CENTROIDS, GAUSSIAN = "centroids", "gaussian"
#: Cells (rows x clusters x columns) of one chunk's differences: about 32 MB.
CHUNK_CELLS = 4_000_000


@dataclass
class CentroidAssigner:
    """Nearest centre by Euclidean distance (k-means, Ward's clusters)."""

    centres: np.ndarray

    kind = CENTROIDS

    @property
    def n_clusters(self) -> int:
        return len(self.centres)

    def distances(self, X: np.ndarray) -> np.ndarray:
        """Euclidean distance of each row to each centre (rows x clusters), computed in chunks
        of rows so that memory stays bounded on a million rows."""
        step = max(1, CHUNK_CELLS // max(1, self.centres.size))
        return np.vstack([np.sqrt(((X[i:i + step, None, :] - self.centres[None, :, :]) ** 2).sum(axis=2))
                          for i in range(0, len(X), step)]) if len(X) else np.zeros((0, self.n_clusters))

    def assign(self, X: np.ndarray) -> np.ndarray:
        return self.distances(X).argmin(axis=1) if len(X) else np.zeros(0, dtype=int)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"centres": self.centres}

    def reordered(self, order: np.ndarray) -> "CentroidAssigner":
        """The same clusters numbered in ``order`` (new cluster i is old cluster ``order[i]``)."""
        return CentroidAssigner(self.centres[order])


@dataclass
class GaussianAssigner:
    """Most probable component of a Gaussian mixture with full or diagonal covariances."""

    weights: np.ndarray
    means: np.ndarray
    precisions_cholesky: np.ndarray  # (k, d, d) for full covariances, (k, d) for diagonal ones

    kind = GAUSSIAN

    @classmethod
    def from_sklearn(cls, mixture) -> "GaussianAssigner":
        if mixture.covariance_type not in ("full", "diag"):
            raise ValueError(f"covariance_type {mixture.covariance_type!r} is not kept (full or diag only)")
        return cls(np.asarray(mixture.weights_, dtype=float), np.asarray(mixture.means_, dtype=float),
                   np.asarray(mixture.precisions_cholesky_, dtype=float))

    @property
    def n_clusters(self) -> int:
        return len(self.weights)

    def log_densities(self, X: np.ndarray) -> np.ndarray:
        """log(weight) + log N(x | component), rows x components, as scikit-learn computes them."""
        n_features = X.shape[1]
        out = np.empty((len(X), self.n_clusters))
        for k in range(self.n_clusters):
            factor = self.precisions_cholesky[k]
            if factor.ndim == 2:  # full: y = (x - mu) L
                y = X @ factor - self.means[k] @ factor
                log_det = np.log(np.diag(factor)).sum()
            else:  # diagonal: L is a vector of 1 / sd
                y = (X - self.means[k]) * factor
                log_det = np.log(factor).sum()
            out[:, k] = -0.5 * (n_features * np.log(2 * np.pi) + (y ** 2).sum(axis=1)) + log_det
        return out + np.log(self.weights)

    def assign(self, X: np.ndarray) -> np.ndarray:
        return self.log_densities(X).argmax(axis=1) if len(X) else np.zeros(0, dtype=int)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights, "means": self.means, "precisions_cholesky": self.precisions_cholesky}

    def reordered(self, order: np.ndarray) -> "GaussianAssigner":
        return GaussianAssigner(self.weights[order], self.means[order], self.precisions_cholesky[order])


Assigner = CentroidAssigner | GaussianAssigner


def save_assigner(assigner: Assigner, scale: np.ndarray, path: Path) -> None:
    """``scale`` divides the encoded columns before any distance (see ``clustering.column_scale``)."""
    np.savez(path, kind=np.array(assigner.kind), scale=scale, **assigner.arrays())


def load_assigner(path: Path) -> tuple[Assigner, np.ndarray]:
    try:
        with np.load(path, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"cannot read {path.name}: {exc}.", where=str(path.parent),
                               fix="copy the whole model directory again.") from None
    kind = str(arrays.pop("kind"))
    scale = arrays.pop("scale")
    if kind == CENTROIDS:
        return CentroidAssigner(arrays["centres"]), scale
    if kind == GAUSSIAN:
        return GaussianAssigner(arrays["weights"], arrays["means"], arrays["precisions_cholesky"]), scale
    raise ModelFormatError(f"unknown cluster assigner {kind!r}.", where=str(path.parent),
                           fix="load it with the version of mlwright that wrote it.")
