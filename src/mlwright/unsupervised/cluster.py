"""``mlwright.cluster``: read, check, encode, choose k and the method, describe, save, record.

The stages are train's where they can be: the same reader, the same screening (identifiers,
constant columns, personal data and copies of other columns are left out, with a note each),
the same encoder (the linear style: numbers median-imputed, standardised and clipped at 5
standard deviations, with missing flags; categories one-hot), the same model folder and store.
Numbers are then divided by their interquartile spread (``clustering.column_scale``) so that
distances are robust to a few extreme rows.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright._types import DataSource
from mlwright.data.readers import read_table
from mlwright.errors import ConfigError, DataError
from mlwright.registry.run_slot import check_register, recorded_run
from mlwright.unsupervised.cluster_model import OUTPUT, ClusterModel
from mlwright.unsupervised.clustering import STABLE_ARI, Candidate, search_clusters
from mlwright.unsupervised.describe import describe_clusters
from mlwright.unsupervised.asked import auto_or_number, source_name
from mlwright.unsupervised.recorded import finish_run
from mlwright.unsupervised.rows import encode_rows, screening_facts

MIN_ROWS = 3
#: The search stops starting candidates at this share of the time limit: the rest is for
#: assigning every row, describing the clusters and saving.
SEARCH_SHARE = 0.8
CLUSTERS_CSV = "clusters.csv"
REPORT = "report.html"
AFTER_SECONDS_PER_CELL = 5e-7


def cluster(data: DataSource, *, k: int | str = "auto", time_limit: float = 60.0,
            out: str | os.PathLike | None = None, seed: int = 0, n_jobs: int | None = None,
            read_options: dict[str, Any] | None = None, store: str | Any | bool | None = None,
            keep_columns: tuple[str, ...] = (), register: str | None = None, started_at: float | None = None,
            on_candidate=None) -> ClusterModel:
    """Group the rows of ``data`` into clusters of similar rows, choosing k (``"auto"``) and the
    method within ``time_limit`` seconds. With ``out`` the model is saved to ``out/model`` and every
    row's cluster to ``out/clusters.csv``; the run is recorded in the store unless ``store=False``.
    ``keep_columns`` keeps columns the checks would leave out (as ``train``'s ``keep_columns``);
    ``register=NAME`` registers the result as the next version of NAME in the store's registry."""
    started = started_at if started_at is not None else time.time()
    asked = _asked_k(k)
    if time_limit <= 0:
        raise ConfigError(f"time_limit must be positive, got {time_limit}.", where="time_limit",
                          fix="give seconds, e.g. 60.")
    check_register(register, store)
    where = str(data) if isinstance(data, (str, os.PathLike)) else "data"
    raw = read_table(data, **(read_options or {}))
    _check_rows(raw, asked, where)
    params = {"kind": "clustering", "k": asked or "auto", "time_limit": time_limit, "seed": seed}
    with recorded_run(store, data, out, register, params) as run:
        model, X = _pipeline(raw, asked, time_limit, seed, n_jobs, keep_columns, where, started, on_candidate)
        if run.run_dir is not None:
            _save(model, X, run.run_dir, where, seed)
        finish_run(run, model, raw, task="clustering", metric="silhouette", started=started)
    return model


def _pipeline(raw: pd.DataFrame, asked: int | None, time_limit: float, seed: int, n_jobs: int | None,
              keep_columns: tuple[str, ...], where: str, started: float, on_candidate) -> tuple[ClusterModel, np.ndarray]:
    """The model, and the rows as its clusters see them (encoded and scaled), for the report's picture."""
    from threadpoolctl import threadpool_limits

    rows = encode_rows(raw, where=where, seed=seed, keep_columns=keep_columns)
    frame, schema, notes, screening, encoder, scale, X = (rows.frame, rows.schema, rows.notes, rows.screening,
                                                          rows.encoder, rows.scale, rows.X)
    with threadpool_limits(limits=_threads(n_jobs, X)):
        chosen, candidates = search_clusters(X, k=asked, seed=seed, deadline=_search_deadline(started, time_limit, X),
                                             on_candidate=on_candidate)
        if chosen is None:
            raise DataError(f"the rows do not split into {asked or 'two or more'} groups: they are too much alike "
                            f"({len(np.unique(X, axis=0)):,} distinct rows after encoding).", where=where,
                            fix="pass rows that differ, or ask for fewer clusters (--k).")
        labels = chosen.assigner.assign(X)
    order = np.argsort(-np.bincount(labels, minlength=chosen.k), kind="stable")  # cluster 0: the largest
    assigner = chosen.assigner.reordered(order)
    labels = np.argsort(order)[labels]
    clusters = describe_clusters(frame, schema, labels, chosen.k)
    info = _facts(chosen, candidates, asked, raw, notes, screening, started)
    model = ClusterModel(schema=schema, encoder=encoder, scale=scale, assigner=assigner, method=chosen.method,
                         clusters=clusters, info=info)
    model.labels_ = labels
    model.reference = model.build_reference(frame, labels)
    return model, X


def _search_deadline(started: float, time_limit: float, X: np.ndarray) -> float:
    """When the search stops starting candidates: a fifth of the time is kept for what follows
    (assigning every row, describing the clusters, the reference, saving), and more on a large
    table, where those take about a second per 100,000 rows of 20 columns."""
    after = (1 - SEARCH_SHARE) * time_limit + AFTER_SECONDS_PER_CELL * X.size
    return started + max(time_limit - after, 0.25 * time_limit)


def _threads(n_jobs: int | None, X: np.ndarray) -> int:
    """One thread below ``blas_threads.SMALL_CELLS`` encoded cells: there each k-means or mixture step is
    too short to share, and threads that wait at every step for a core another program holds
    made a 200-row table take 20 s instead of half a second on a busy 2-core machine."""
    from mlwright.execution.cores import fit_threads
    from mlwright.models.blas_threads import blas_threads_for

    return blas_threads_for(X.size, fit_threads(n_jobs or os.cpu_count() or 1))


def _facts(chosen: Candidate, candidates: list[Candidate], asked: int | None, raw: pd.DataFrame,
           notes: list[str], screening, started: float) -> dict:
    stable = chosen.stability >= STABLE_ARI
    if not stable:
        notes = notes + [f"no candidate was stable (the best reproduced with adjusted Rand {chosen.stability:.2f} "
                         f"across resamples, below {STABLE_ARI}): the rows may have no clear groups, and these "
                         "clusters are a partition rather than a structure of the data."]
    return {"task": "clustering", "method": chosen.method, "k": chosen.k, "k_asked": asked,
            "chosen": chosen.record(), "stable": stable, "candidates": [c.record() for c in candidates],
            "rows": int(len(raw)), "notes": notes, **screening_facts(screening),
            "train_seconds": round(time.time() - started, 2)}


def _save(model: ClusterModel, X: np.ndarray, out: Path, where: str, seed: int) -> None:
    """The model folder, every row's cluster (``clusters.csv``, in the table's order) and the report."""
    from mlwright.files import atomic_path
    from mlwright.report.unsupervised_pages import projection, write_cluster_report

    model.save(out / "model")
    with atomic_path(out / CLUSTERS_CSV) as path:
        pd.DataFrame({OUTPUT: model.labels_}).to_csv(path, index=False)
    write_cluster_report(out / REPORT, model, source=source_name(where),
                         projected=projection(X, model.labels_, seed))


def _asked_k(k: int | str) -> int | None:
    return auto_or_number(k, int, where="k", what="a whole number", allowed=lambda n: n >= 2, limits="at least 2",
                          fix="pass --k auto, or a number of clusters such as --k 4.")


def _check_rows(raw: pd.DataFrame, asked: int | None, where: str) -> None:
    if len(raw) < MIN_ROWS:
        raise DataError(f"{len(raw)} row{'s' * (len(raw) != 1)}: clustering needs at least {MIN_ROWS}.", where=where,
                        fix="pass a table with more rows.")
    if asked is not None and asked >= len(raw):
        raise DataError(f"{len(raw)} rows cannot form {asked} clusters (each needs rows of its own, and at least "
                        "one cluster two).", where=where, fix=f"ask for fewer clusters (--k {max(2, len(raw) - 1)}) "
                                                             "or pass more rows.")
