"""Choosing the number of clusters and the method: internal scores, then stability.

Internal scores (silhouette, Calinski-Harabasz, Davies-Bouldin) each like some partitions for
their own reasons, and all of them can like a k that is an accident of one fit. So every
candidate (method, k) is also refitted on bootstrap resamples, and its stability is the mean
adjusted Rand index between those fits and the candidate on the same rows: a k that does not
reproduce is not a structure of the data. Among the stable candidates (all of them when none
is), the one with the best mean rank over the four numbers wins; ties go to the smaller k.

Methods: k-means (mini-batch on large tables), a Gaussian mixture (on a sample of large tables),
Ward's hierarchical clustering on small tables, cut at every k from one tree, and, when k is not
asked for, HDBSCAN, which finds its own number of dense groups. Each is kept as what the model
will use on new rows (``assign``: Ward's and HDBSCAN's groups by their centres, so a row HDBSCAN
would call noise joins the nearest group), and scored as that, so the partition chosen is the one
that is shipped. Candidates are tried cheapest first until the time is up.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass

import numpy as np

from mlwright.unsupervised.assign import Assigner, CentroidAssigner, GaussianAssigner

KMEANS, MIXTURE, WARD, DENSITY = "kmeans", "gaussian_mixture", "ward", "hdbscan"
#: Rows the internal scores are computed on (the silhouette is quadratic in rows).
SCORE_ROWS = 3_000
#: Rows a resample (and a mixture's or Ward's fit) sees: stability on a large table is measured
#: on samples of it, which is what makes a million rows fit in a minute.
SAMPLE_ROWS = 20_000
#: Above this many rows k-means runs in mini-batches.
MINIBATCH_ROWS = 50_000
#: k-means sees at most this many rows (a sample beyond): its centres on 100,000 rows are those of
#: a million to within noise, and each candidate then costs the same whatever the table's size.
KMEANS_ROWS = 100_000
#: Ward's tree is quadratic in memory: small tables only.
WARD_ROWS = 3_000
#: HDBSCAN (which finds its own number of clusters, so it runs only when k is not asked for) sees
#: at most this many rows.
DENSITY_ROWS = 5_000
#: Full covariance matrices up to this many encoded columns, diagonal ones beyond.
FULL_COVARIANCE_COLUMNS = 20
STABILITY_RESAMPLES = 3
#: Mean adjusted Rand index from which a candidate counts as reproducible.
STABLE_ARI = 0.75
MAX_K = 10


@dataclass
class Candidate:
    method: str
    k: int
    assigner: Assigner
    silhouette: float
    calinski_harabasz: float
    davies_bouldin: float
    stability: float
    seconds: float

    def record(self) -> dict:
        return {"method": self.method, "k": self.k, "silhouette": round(self.silhouette, 4),
                "calinski_harabasz": round(self.calinski_harabasz, 2),
                "davies_bouldin": round(self.davies_bouldin, 4), "stability": round(self.stability, 4),
                "seconds": round(self.seconds, 3)}


def k_range(n_rows: int, asked: int | None) -> list[int]:
    """The ks to try: the one asked for, or 2 up to about the square root of half the rows (at most 10)."""
    if asked is not None:
        return [asked]
    return list(range(2, max(2, min(MAX_K, n_rows - 1, int(np.sqrt(n_rows / 2)))) + 1))


def methods_for(n_rows: int, asked: int | None = None) -> tuple[str, ...]:
    methods = (KMEANS, MIXTURE, WARD) if n_rows <= WARD_ROWS else (KMEANS, MIXTURE)
    return methods if asked is not None else (*methods, DENSITY)


def search_clusters(X: np.ndarray, *, k: int | None, seed: int, deadline: float,
                    on_candidate=None) -> tuple[Candidate | None, list[Candidate]]:
    """Every candidate tried (in order) and the chosen one; None when no candidate split the
    rows into at least two groups (all rows alike)."""
    rng = np.random.default_rng(seed)
    n_rows = len(X)
    scored = np.sort(rng.choice(n_rows, min(n_rows, SCORE_ROWS), replace=False))
    resamples = [rng.choice(n_rows, min(n_rows, SAMPLE_ROWS), replace=True) for _ in range(STABILITY_RESAMPLES)]
    fit_rows = np.sort(rng.choice(n_rows, min(n_rows, SAMPLE_ROWS), replace=False))
    kmeans_rows = np.sort(rng.choice(n_rows, KMEANS_ROWS, replace=False)) if n_rows > KMEANS_ROWS else None
    candidates: list[Candidate] = []
    for method in methods_for(n_rows, k):
        fits = _fitter(method, X, fit_rows, seed, kmeans_rows)
        for k_ in (k_range(n_rows, k) if method != DENSITY else [None]):
            if candidates and time.time() > deadline:
                break
            started = time.time()
            assigner = fits(k_, None)
            if assigner is None:
                continue
            candidate = _scored(method, assigner.n_clusters, assigner, X, scored, resamples, fits, started)
            if candidate is not None:
                candidates.append(candidate)
                if on_candidate is not None:
                    on_candidate(candidate)
    return choose(candidates), candidates


def choose(candidates: list[Candidate]) -> Candidate | None:
    """The stable candidate with the best mean rank over silhouette, Calinski-Harabasz,
    Davies-Bouldin and stability; the smaller k on a tie."""
    if not candidates:
        return None
    pool = [c for c in candidates if c.stability >= STABLE_ARI] or candidates
    keys = (lambda c: -c.silhouette, lambda c: -c.calinski_harabasz, lambda c: c.davies_bouldin,
            lambda c: -c.stability)
    from scipy.stats import rankdata

    ranks = np.zeros(len(pool))
    for key in keys:  # average ranks: equal numbers rank alike
        ranks += rankdata([key(c) for c in pool])
    return min(zip(ranks, pool), key=lambda pair: (pair[0], pair[1].k))[1]


def _scored(method: str, k: int, assigner: Assigner, X: np.ndarray, scored: np.ndarray,
            resamples: list[np.ndarray], fits, started: float) -> Candidate | None:
    from sklearn.metrics import (adjusted_rand_score, calinski_harabasz_score, davies_bouldin_score,
                                 silhouette_score)

    sample = X[scored]
    labels = assigner.assign(sample)
    found = len(np.unique(labels))
    if found < k or found >= len(sample):  # an empty cluster (or one row each) is not k groups
        return None
    agreement = []
    for rows in resamples:
        refitted = fits(k if method != DENSITY else None, rows)
        agreement.append(adjusted_rand_score(labels, refitted.assign(sample)) if refitted is not None else 0.0)
    return Candidate(method, k, assigner, float(silhouette_score(sample, labels)),
                     float(calinski_harabasz_score(sample, labels)), float(davies_bouldin_score(sample, labels)),
                     float(np.mean(agreement)), time.time() - started)


def _fitter(method: str, X: np.ndarray, fit_rows: np.ndarray, seed: int, kmeans_rows: np.ndarray | None = None):
    """``fit(k, rows)``: the method fitted with k clusters on ``rows`` (its usual rows when None),
    as an assigner; None when the rows do not hold k distinct groups."""
    if method == KMEANS:
        usual = X if kmeans_rows is None else X[kmeans_rows]
        return lambda k, rows: _kmeans(usual if rows is None else X[rows], k, seed)
    if method == MIXTURE:
        return lambda k, rows: _mixture(X[fit_rows] if rows is None else X[rows], k, seed)
    if method == DENSITY:
        return lambda k, rows: _density(X[fit_rows[:DENSITY_ROWS]] if rows is None else X[rows[:DENSITY_ROWS]])
    trees: dict = {}

    def ward(k: int, rows: np.ndarray | None) -> Assigner | None:
        key = "fit" if rows is None else id(rows)
        chosen = fit_rows if rows is None else rows
        if key not in trees:
            trees[key] = _ward_tree(X[chosen])
        return _ward_cut(X[chosen], trees[key], k)
    return ward


def _kmeans(X: np.ndarray, k: int, seed: int) -> Assigner | None:
    from sklearn.cluster import KMeans, MiniBatchKMeans

    if len(X) <= SAMPLE_ROWS and len(np.unique(X, axis=0)) < k:
        return None
    model = (MiniBatchKMeans(n_clusters=k, n_init=3, batch_size=4096, random_state=seed)
             if len(X) > MINIBATCH_ROWS else KMeans(n_clusters=k, n_init=4, random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X)
    return CentroidAssigner(np.asarray(model.cluster_centers_, dtype=float))


def _mixture(X: np.ndarray, k: int, seed: int) -> Assigner | None:
    from sklearn.mixture import GaussianMixture

    if len(X) < 2 * k:
        return None
    covariance = "full" if X.shape[1] <= FULL_COVARIANCE_COLUMNS else "diag"
    model = GaussianMixture(n_components=k, covariance_type=covariance, reg_covar=1e-4, max_iter=200,
                            random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model.fit(X)
        except (ValueError, np.linalg.LinAlgError):  # a component collapsed onto too few rows
            return None
    return GaussianAssigner.from_sklearn(model)


def _density(X: np.ndarray) -> Assigner | None:
    """HDBSCAN's groups (at least 1% of the rows each, and 5), as their centres; None under two."""
    from sklearn.cluster import HDBSCAN

    labels = HDBSCAN(min_cluster_size=max(5, len(X) // 100), copy=True).fit_predict(X)
    found = [c for c in range(labels.max() + 1) if (labels == c).any()]
    if len(found) < 2:
        return None
    return CentroidAssigner(np.vstack([X[labels == c].mean(axis=0) for c in found]))


def _ward_tree(X: np.ndarray) -> np.ndarray:
    from scipy.cluster.hierarchy import linkage

    return linkage(X, method="ward")


def _ward_cut(X: np.ndarray, tree: np.ndarray, k: int) -> Assigner | None:
    from scipy.cluster.hierarchy import fcluster

    labels = fcluster(tree, t=k, criterion="maxclust") - 1
    if len(np.unique(labels)) < k:
        return None
    return CentroidAssigner(np.vstack([X[labels == c].mean(axis=0) for c in range(k)]))
