"""``mlwright.find_anomalies``: read, check, encode, fit three detectors, combine, flag, save, record.

The rows are read, checked and encoded as for clustering (``rows.encode_rows``). The detectors
(``detectors``) are fitted on every row (the neighbour ones on a sample), their unusualness is
rank-normalised against the training rows and averaged. The flag's share of training rows is the
contamination: given, or ``auto``, the share of rows that every detector calls an outlier on its
own (a majority flagged 5% of ordinary rows with a long-tailed amount in a check) (a modified z-score of the log of its unusualness above 3.5: Iglewicz
and Hoaglin's rule, on a log scale because distances and ratios are skewed to the right), kept
between 0.1% and 10%.
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
from mlwright.errors import DataError
from mlwright.registry.run_slot import check_register, recorded_run
from mlwright.unsupervised.anomaly_model import FLAG, SCORE, AnomalyModel, typical_values, with_rarity
from mlwright.unsupervised.detectors import DETECTORS, IsolationDetector, NeighbourDetector, unusualness
from mlwright.unsupervised.asked import auto_or_number, source_name
from mlwright.unsupervised.recorded import finish_run
from mlwright.unsupervised.rows import encode_rows, screening_facts

MIN_ROWS = 10
QUANTILES = 1001
#: Iglewicz and Hoaglin's outlier rule: a modified z-score above this.
MODIFIED_Z = 3.5
AUTO_BOUNDS = (0.001, 0.1)
ANOMALIES_CSV = "anomalies.csv"
REPORT = "report.html"
SHOWN_ROWS = 10


def find_anomalies(data: DataSource, *, contamination: float | str = "auto", out: str | os.PathLike | None = None,
                   seed: int = 0, n_jobs: int | None = None, read_options: dict[str, Any] | None = None,
                   store: str | Any | bool | None = None, keep_columns: tuple[str, ...] = (),
                   register: str | None = None, started_at: float | None = None) -> AnomalyModel:
    """Score how unusual each row of ``data`` is and flag the most unusual share (``contamination``,
    a fraction, or ``"auto"``). With ``out`` the model is saved to ``out/model`` and every row's
    score, flag and reasons to ``out/anomalies.csv``; the run is recorded unless ``store=False``."""
    started = started_at if started_at is not None else time.time()
    asked = _asked_contamination(contamination)
    check_register(register, store)
    where = str(data) if isinstance(data, (str, os.PathLike)) else "data"
    raw = read_table(data, **(read_options or {}))
    if len(raw) < MIN_ROWS:
        raise DataError(f"{len(raw)} row{'s' * (len(raw) != 1)}: finding anomalies needs at least {MIN_ROWS} "
                        "(an unusual row is unusual against the others).", where=where, fix="pass more rows.")
    params = {"kind": "anomalies", "contamination": contamination, "seed": seed}
    with recorded_run(store, data, out, register, params) as run:
        model = _fit(raw, asked, seed, n_jobs, keep_columns, where, started)
        if run.run_dir is not None:
            _save(model, raw, run.run_dir, where)
        finish_run(run, model, raw, task="anomalies", metric="anomaly_score", started=started)
    return model


def _fit(raw: pd.DataFrame, asked: float | None, seed: int, n_jobs: int | None, keep_columns: tuple[str, ...],
         where: str, started: float) -> AnomalyModel:
    from threadpoolctl import threadpool_limits

    from mlwright.execution.cores import fit_threads
    from mlwright.models.blas_threads import blas_threads_for

    rows = encode_rows(raw, where=where, seed=seed, keep_columns=keep_columns, clip=False)
    typical = typical_values(rows.frame, rows.schema, rows.X, rows.encoder)
    X = with_rarity(rows.X, rows.frame, typical)
    with threadpool_limits(limits=blas_threads_for(X.size, fit_threads(n_jobs or os.cpu_count() or 1))):
        isolation = IsolationDetector.fit(X, seed)
        neighbours = NeighbourDetector.fit(X, seed)
    raw_scores = unusualness(isolation, neighbours, X)
    grid = np.linspace(0.0, 1.0, QUANTILES)
    quantiles = {name: np.quantile(raw_scores[name], grid) for name in DETECTORS}
    contamination, votes = (asked, None) if asked is not None else auto_contamination(raw_scores)
    model = AnomalyModel(schema=rows.schema, encoder=rows.encoder, scale=rows.scale, isolation=isolation,
                         neighbours=neighbours, quantiles=quantiles, threshold=1.0, info={}, typical=typical)
    ranked = model.detector_ranks(X)
    scores = np.mean([ranked[name] for name in DETECTORS], axis=0)
    model.threshold = float(np.quantile(scores, 1.0 - contamination))
    model.scores_ = scores
    flagged = scores > model.threshold
    model.info = {"task": "anomalies", "contamination": contamination, "contamination_asked": asked,
                  "auto_votes": votes, "threshold": model.threshold, "rows": int(len(raw)),
                  "flagged": int(flagged.sum()), "detectors": list(DETECTORS), "notes": rows.notes,
                  **screening_facts(rows.screening), "train_seconds": round(time.time() - started, 2)}
    model.reference = model.build_reference(rows.frame, flagged.astype(int))
    order = np.argsort(-scores, kind="stable")[:SHOWN_ROWS]
    model.info["most_unusual"] = [{"row": int(i), "score": float(scores[i]), "flagged": bool(flagged[i]), "why": why}
                                  for i, why in zip(order, model.reasons(raw.iloc[order]))]
    return model


def auto_contamination(raw_scores: dict[str, np.ndarray]) -> tuple[float, dict]:
    """The share of rows that every detector calls an outlier by the modified z-score rule,
    within ``AUTO_BOUNDS``; and how many rows each detector called."""
    calls, voters = [], 0
    for values in raw_scores.values():
        values = np.log(np.maximum(values, 1e-12))  # the unusualness is positive and skewed to the right
        median = np.median(values)
        spread = np.median(np.abs(values - median))
        if spread <= 0:
            continue
        voters += 1
        calls.append(0.6745 * (values - median) / spread > MODIFIED_Z)
    if not calls:
        return AUTO_BOUNDS[0], {"voting_detectors": 0}
    agreed = np.all(calls, axis=0)
    share = float(np.clip(agreed.mean(), *AUTO_BOUNDS))
    return share, {"voting_detectors": voters, "rows_called": [int(c.sum()) for c in calls],
                   "rows_agreed": int(agreed.sum())}


def _save(model: AnomalyModel, raw: pd.DataFrame, out: Path, where: str) -> None:
    """The model folder, every row's score, flag and reasons (``anomalies.csv``) and the report."""
    from mlwright.files import atomic_path
    from mlwright.report.unsupervised_pages import write_anomaly_report

    model.save(out / "model")
    flagged = model.scores_ > model.threshold
    why = [""] * len(raw)
    for i, reasons in zip(np.flatnonzero(flagged), model.reasons(raw.iloc[np.flatnonzero(flagged)])):
        why[i] = "; ".join(reasons)
    with atomic_path(out / ANOMALIES_CSV) as path:
        pd.DataFrame({SCORE: model.scores_, FLAG: flagged, "why": why}).to_csv(path, index=False)
    write_anomaly_report(out / REPORT, model, source=source_name(where))


def _asked_contamination(contamination: float | str) -> float | None:
    return auto_or_number(contamination, float, where="contamination", what="a fraction",
                          allowed=lambda share: 0.0 < share < 0.5, limits="between 0 and 0.5 (a share of the rows)",
                          fix="pass --contamination auto, or a share such as 0.01 (1% of the rows).")
