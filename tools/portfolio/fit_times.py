"""Time models for the portfolio's configurations, fitted on the meta corpus's timings.

Each configuration gets seconds per fold = overhead + scale x rows^a columns^b classes^c, the
exponents fixed per family by how its algorithm scales, the overhead and scale fitted (both
non-negative) for the smallest relative error. Most meta tables are small: a free log-linear
fit there learns that time hardly grows with rows (the fixed overhead dominates) and would
promise a 40,000-row fit in a second; fixed exponents extrapolate the way the algorithm does.
The target is a trial's whole time per fold (fit and scoring the fold), what the search plans.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import nnls

from mlwright.models.fit_time import model_classes

#: (rows, columns, classes) exponents per family. Histogram boosting grows about linearly in
#: rows and a little less in columns (sampled), a tree per class except CatBoost's vector
#: leaves; forests grow as n log n in rows and in the features they look at.
EXPONENTS = {
    "lightgbm": (1.0, 0.8, 1.0),
    "xgboost": (1.0, 0.8, 1.0),
    "catboost": (1.0, 0.8, 0.6),
    "extra_trees": (1.1, 0.5, 0.2),
    "random_forest": (1.1, 0.6, 0.2),
    "linear": (1.0, 1.0, 1.0),
    "knn": (1.2, 0.5, 0.0),
}


SMALL_ROWS, LARGE_ROWS = 500, 2_000


def per_fold_seconds(record: dict) -> float:
    return float(record["fit_seconds"]) / max(int(record.get("folds") or 3), 1)


def fold_rows(record: dict) -> float:
    folds = max(int(record.get("folds") or 3), 2)
    return float(record["rows"]) * (folds - 1) / folds


def fit_time_model(family: str, records: list[dict]) -> dict:
    """The time model of one configuration from its successful trials: the overhead is the
    median time per fold on the small tables, the scale the median of what the large tables
    (2,000 rows or more, where the work term dominates) take beyond it per unit of work."""
    a, b, c = EXPONENTS[family]
    seconds = np.array([per_fold_seconds(r) for r in records])
    work = np.array([fold_rows(r) ** a * max(r["cols"], 1) ** b * model_classes(r["n_classes"]) ** c
                     for r in records])
    rows = np.array([r["rows"] for r in records])
    small, large = rows <= SMALL_ROWS, rows >= LARGE_ROWS
    overhead = float(np.median(seconds[small])) if small.any() else 0.0
    if large.sum() >= 2:
        scale = float(np.median(np.maximum(seconds[large] - overhead, 0.0) / work[large]))
    else:  # no large tables: the least relative error over all of them
        weights = 1.0 / np.maximum(seconds, 1e-3)
        (overhead, scale), _ = nnls(np.column_stack([weights, work * weights]), np.ones(len(seconds)))
    predicted = overhead + scale * work
    error = float(np.median(np.abs(np.log(np.maximum(predicted, 1e-6) / np.maximum(seconds, 1e-6)))))
    return {"intercept": math.log(scale) if scale > 0 else -50.0, "log_rows": a, "log_cols": b, "log_classes": c,
            "overhead": float(overhead), "median_abs_log_error": round(error, 3), "trials": len(records)}
