"""The measurement loop shared by every runner; each runner only supplies how to fit its system.

Why one loop: the numbers are comparable only if every system is scored, timed and sized by the
same code. This module owns all of it; a runner's ``fit`` hook returns a :class:`Fitted` saying
how to predict and where the model lives. It needs only pandas, numpy and scikit-learn, which
every system's environment has, and it never imports the harness: runners run in the peers'
virtual environments, each in its own subprocess.

Protocol: ``python run_<system>.py --spec spec.json`` reads the spec written by ``run.py`` and
writes ``result.json`` next to it. Any error is caught and written as ``{"error": ...}`` with
whatever was measured before it, so one failure never stops the harness.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import statistics
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import log_loss, roc_auc_score

LATENCY_CALLS = 200
CLASSIFICATION = ("binary", "multiclass")


@dataclass(frozen=True)
class Spec:
    """What ``run.py`` asks of a runner (mirrors spec.json)."""

    train: Path
    test: Path
    target: str
    task: str  # binary | multiclass | regression
    metric: str  # roc_auc | log_loss | rmse
    time_limit: float
    threads: int
    seed: int
    workdir: Path
    options: dict = field(default_factory=dict)  # per-system settings, e.g. an AutoGluon preset
    split_seed: int = 0  # which of the dataset's splits this is (recorded; the split is already made)

    @classmethod
    def load(cls, path: Path) -> Spec:
        raw = json.loads(Path(path).read_text())
        for key in ("train", "test", "workdir"):
            raw[key] = Path(raw[key])
        return cls(**raw)


@dataclass
class Fitted:
    """A fitted system as the loop sees it.

    ``predict`` is the call that gets timed: class probabilities for classification, values for
    regression, in the system's own return type. ``to_scores`` turns that output, untimed, into
    a DataFrame whose columns are the class labels (or a 1-D array for regression), so that
    wrapping costs are not charged to a system whose API returns bare arrays.
    ``finish`` runs after the timed fit and before any prediction: saving for systems that do
    not save in fit, or readying the model for serving as the system documents.
    """

    predict: Callable[[pd.DataFrame], Any]
    to_scores: Callable[[Any], Any]
    model_dir: Path
    finish: Callable[[], None] = lambda: None
    notes: dict = field(default_factory=dict)
    # A runner that times its fit itself (mlwright: the wall time of its `train` process) gives
    # it here, and the loop records it instead of the time of the whole hook; ``measured`` are
    # further numbers for the result's top level.
    fit_time_s: float | None = None
    measured: dict = field(default_factory=dict)


def _loose(label: Any) -> str:
    """The label without surrounding spaces, a trailing '.' or one pair of surrounding quotes:
    ``_loose(" <=50K.") == "<=50K"`` and ``_loose("'-1'") == "-1"`` (the mammography file writes
    its labels quoted, and a system that reads quoted values as numbers predicts -1)."""
    text = str(label).strip().rstrip(".").strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1].strip()
    return text


def match_labels(y_true: pd.Series, classes: list) -> np.ndarray:
    """Return each true label's position in ``classes``.

    Systems may hand back labels in another type than the test column (numpy ints, strings), so
    a label matches a class equal to it or with the same ``str``. Failing that, it matches the
    class that is the same once surrounding spaces and a trailing '.' are dropped: UCI Adult
    writes test labels ' <=50K.', and a system that strips the training labels' spaces predicts
    '<=50K'; the mammography file writes '-1', and a system that reads quoted numbers predicts -1.
    The loose match is used only when it names one class. The features are never
    touched; this is the only place that reconciles labels.
    """
    exact, loose = {}, {}
    for i, c in enumerate(classes):
        exact.setdefault(c, i)
        exact.setdefault(str(c), i)
        loose[_loose(c)] = i if _loose(c) not in loose else None  # None: two classes collide
    positions = []
    for v in y_true.tolist():
        found = exact.get(v, exact.get(str(v), loose.get(_loose(v))))
        if found is None:
            raise ValueError(f"test label {v!r} is not among the predicted classes {classes}")
        positions.append(found)
    return np.asarray(positions)


def score(spec: Spec, scores: Any, y_true: pd.Series) -> tuple[float, dict]:
    """Primary metric on the test set, with notes on anything adjusted to compute it."""
    if spec.task == "regression":
        pred = np.asarray(scores, dtype=float).ravel()
        return float(np.sqrt(np.mean((y_true.to_numpy(dtype=float) - pred) ** 2))), {}
    if not isinstance(scores, pd.DataFrame):
        raise TypeError(f"classification scores must be a DataFrame of class columns, got {type(scores)}")
    classes = list(scores.columns)
    y = match_labels(y_true, classes)
    proba = scores.to_numpy(dtype=float)
    row_sums = proba.sum(axis=1, keepdims=True)
    notes = {"classes": [str(c) for c in classes],
             "proba_row_sum_max_dev": float(np.max(np.abs(row_sums - 1))),
             "accuracy": float(np.mean(proba.argmax(axis=1) == y))}  # the most probable class, every system alike
    if spec.metric == "roc_auc":
        # Binary AUC is the same whichever class is called positive, as long as its own
        # probability column is used; take the last column, as scikit-learn does.
        return float(roc_auc_score(y == len(classes) - 1, proba[:, -1])), notes
    if spec.metric == "log_loss":
        return float(log_loss(y, proba / row_sums, labels=list(range(len(classes))))), notes
    raise ValueError(f"unknown metric {spec.metric!r} for task {spec.task!r}")


def dir_size_mb(path: Path) -> float:
    """Bytes on disk under ``path`` (a file or a folder), in MB; links are not followed."""
    path = Path(path)
    if path.is_file():
        return path.stat().st_size / 1e6
    total = sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())
    return total / 1e6


def peak_memory() -> dict:
    """Peak resident memory of this process and of its largest finished child, in MB."""
    self_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_self_mb": self_mb, "peak_rss_children_mb": child_mb,
            "peak_memory_mb": self_mb + child_mb}


def time_predictions(fitted: Fitted, X_test: pd.DataFrame, result: dict) -> None:
    """Batch throughput (one whole-test-set call) and single-row latency (median of 200)."""
    start = time.perf_counter()
    fitted.predict(X_test)
    result["throughput_rows_s"] = len(X_test) / (time.perf_counter() - start)
    rows = [X_test.iloc[[i % len(X_test)]] for i in range(LATENCY_CALLS)]
    fitted.predict(rows[0])  # warm-up: first-call caches and lazy imports are not latency
    times = []
    for row in rows:
        start = time.perf_counter()
        fitted.predict(row)
        times.append((time.perf_counter() - start) * 1000)
    result["latency_ms_p50"] = statistics.median(times)
    result["latency_ms_p90"] = float(np.percentile(times, 90))
    result["latency_calls"] = LATENCY_CALLS


def measure(spec: Spec, fit: Callable[[Spec, pd.DataFrame], Fitted], result: dict) -> None:
    """Fit, score and time one system, filling ``result`` as each number becomes known."""
    train = pd.read_parquet(spec.train)
    test = pd.read_parquet(spec.test)
    X_test, y_test = test.drop(columns=[spec.target]), test[spec.target]
    result.update(train_rows=len(train), test_rows=len(test))
    start = time.perf_counter()
    fitted = fit(spec, train)
    result["fit_time_s"] = time.perf_counter() - start
    if fitted.fit_time_s is not None:
        result["hook_time_s"] = result["fit_time_s"]
        result["fit_time_s"] = fitted.fit_time_s
    result.update(fitted.measured)
    fitted.finish()
    result["notes"].update(fitted.notes)
    raw = fitted.predict(X_test)  # also the warm-up for the throughput call
    result["score"], notes = score(spec, fitted.to_scores(raw), y_test)
    result["notes"].update(notes)
    time_predictions(fitted, X_test, result)
    result["model_size_mb"] = dir_size_mb(fitted.model_dir)


def main(system: str, fit: Callable[[Spec, pd.DataFrame], Fitted], version: Callable[[], str]) -> None:
    """Entry point of every runner: parse --spec, measure, always write result.json."""
    parser = argparse.ArgumentParser(description=f"Fit and measure {system} on one split.")
    parser.add_argument("--spec", type=Path, required=True)
    args = parser.parse_args()
    spec = Spec.load(args.spec)
    result: dict = {"system": system, "metric": spec.metric, "time_limit": spec.time_limit,
                    "python": platform.python_version(), "pandas": pd.__version__, "notes": {}}
    try:
        result["version"] = version()
        measure(spec, fit, result)
    except BaseException as exc:  # noqa: BLE001 - the harness must go on after any failure
        result["error"] = f"{type(exc).__name__}: {exc}"[:2000]
        result["traceback"] = traceback.format_exc()[-6000:]
        traceback.print_exc()
    finally:
        result.update(peak_memory())
        out = args.spec.parent / "result.json"
        out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    sys.exit(0 if "error" not in result else 1)
