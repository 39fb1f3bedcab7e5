"""The neural family's training cost on this machine: seconds per epoch and per 1,000 rows.

Trains the family's default network (``mlp_family.FAMILY.portfolio[0]``) for a few epochs on
generated tables of several sizes, at the harness's thread count, and fits the time model the
search plans with (``fit_time.TimeModel``: seconds = overhead + exp(a) rows^b cols^c classes^d,
here per epoch). A fit runs at most the planned 128 epochs and stops earlier when a quarter of
the plan brings no better epoch; on the meta corpus going from 64 to 128 planned epochs took 1.6
times as long, so most fits run most of their plan, and the per-fit model below is the per-epoch
one times ``EPOCHS_PER_FIT``.

    python benchmarks/mlp_fit_time.py [--threads 2] [--epochs 3]

Prints a table (markdown), the fitted model and the network's 1-row latency; nothing is written.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from mlwright._types import Task
from mlwright.models import mlp_family
from mlwright.models.base import FitData
from mlwright.models.mlp_training import train_network

ROWS = (1_000, 4_000, 16_000)
COLS = (8, 64)
CLASSES = (1, 2, 10)  # 1: regression
EPOCHS_PER_FIT = 110


def table(rows: int, cols: int, classes: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, Task]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(rows, cols))
    signal = np.sin(X[:, 0] * 2) + X[:, 1] * X[:, min(2, cols - 1)]
    if classes == 1:
        return X, signal, Task.REGRESSION
    edges = np.quantile(signal, np.linspace(0, 1, classes + 1)[1:-1])
    return X, np.digitize(signal, edges), Task.BINARY if classes == 2 else Task.MULTICLASS


def epoch_seconds(rows: int, cols: int, classes: int, threads: int, epochs: int) -> float:
    X, y, task = table(rows, cols, classes)
    params = dict(mlp_family.FAMILY.portfolio[0], epochs=epochs)
    started = time.perf_counter()
    train_network(FitData(X=X, y=y, task=task, n_classes=classes if classes > 1 else 0, seed=0,
                          threads=threads), params, task)
    return (time.perf_counter() - started) / epochs


def fit_model(samples: list[tuple[int, int, int, float]]) -> tuple[float, float, float, float]:
    """Least squares on log seconds: (intercept, rows, cols, classes) exponents."""
    design = np.array([[1.0, math.log(r), math.log(c), math.log(max(k, 1))] for r, c, k, _ in samples])
    target = np.log([s for *_, s in samples])
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    return tuple(float(v) for v in coef)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    samples = []
    epoch_seconds(500, 8, 2, args.threads, 2)  # warm-up: the first fit pays for torch's lazy setup
    print(f"| rows | columns | classes | s / epoch | s / epoch / 1,000 rows | s / fit of {EPOCHS_PER_FIT} epochs |")
    print("|---:|---:|---:|---:|---:|---:|")
    for rows in ROWS:
        for cols in COLS:
            for classes in CLASSES:
                seconds = epoch_seconds(rows, cols, classes, args.threads, args.epochs)
                samples.append((rows, cols, classes, seconds))
                print(f"| {rows:,} | {cols} | {classes if classes > 1 else 'regression'} | {seconds:.3f} | "
                      f"{seconds / rows * 1000:.4f} | {seconds * EPOCHS_PER_FIT:.1f} |", flush=True)
    a, b, c, d = fit_model(samples)
    # the time model is at one thread: the search divides by threads ** THREAD_SCALING
    from mlwright.models.fit_time import THREAD_SCALING

    per_fit = a + math.log(EPOCHS_PER_FIT) + THREAD_SCALING * math.log(args.threads)
    print(f"\nper epoch at {args.threads} threads: exp({a:.2f}) rows^{b:.2f} cols^{c:.2f} classes^{d:.2f}")
    print(f"TimeModel({per_fit:.2f}, {b:.2f}, {c:.2f}, {d:.2f})  # one fit of {EPOCHS_PER_FIT} epochs, one thread")
    for cols in COLS:
        p50, p90 = one_row_latency_ms(cols)
        print(f"1-row forward pass in NumPy, {cols} encoded columns: p50 {p50:.3f} ms, p90 {p90:.3f} ms")


def one_row_latency_ms(cols: int, calls: int = 500) -> tuple[float, float]:
    """The trained network's own answer to one encoded row (NumPy, as served): p50 and p90."""
    X, y, task = table(2_000, cols, 2)
    params = dict(mlp_family.FAMILY.portfolio[0], epochs=1)
    network, _ = train_network(FitData(X=X, y=y, task=task, n_classes=2, seed=0, threads=1), params, task)
    row = X[:1]
    for _ in range(50):
        network.forward(row)
    seconds = []
    for _ in range(calls):
        started = time.perf_counter()
        network.forward(row)
        seconds.append(time.perf_counter() - started)
    return 1000 * float(np.median(seconds)), 1000 * float(np.quantile(seconds, 0.9))


if __name__ == "__main__":
    main()
