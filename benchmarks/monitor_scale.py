"""How long `mlwright monitor --logged` takes over a week of 1,000,000 logged predictions.

Builds a fresh store (a SQLite file in a temporary folder; with ``--postgres`` also a fresh
PostgreSQL database, dropped afterwards), trains a model on raw_adult with a small budget and
registers it there as ``adult`` (so ``models:/adult/1`` names it), then writes 1,000,000 rows into
the store's ``served_predictions`` table as the service's prediction log does (``rows_of``:
request id, row index, time served — spread over the last seven days — model reference, name and
version, the model's used inputs, its prediction and class probabilities, latency), in
transactions of 50,000 rows. The inputs are rows the model never saw, drawn with replacement,
and the prediction and probabilities are the model's own for them.

Then times, median of ``--repeat`` runs each:

- the whole check as a user runs it, ``check_drift("models:/adult/1", logged=True,
  since=<a week ago>, store=opened)``: loading the model, reading the rows, the statistics,
  recording the check;
- reading the rows alone, ``store.served.frame(model_name="adult", model_version=1, since=...)``;

and reports the rest (the check minus the read) as the statistics. ``--profile`` writes the top
of a cProfile of one check to the output JSON.

Usage: python benchmarks/monitor_scale.py [--rows 1000000] [--repeat 3] [--postgres] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import re
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from manifest import DEFAULT_DATASETS_DIR, REPO_ROOT, load_manifest

import mlwright
from mlwright.data.readers import read_table
from mlwright.monitor.check import check_drift
from mlwright.serve.prediction_log import ServedRequest, rows_of

RESULTS = REPO_ROOT / "benchmarks" / "results" / "monitor_scale.json"
POSTGRES_ADMIN = os.environ.get("MLWRIGHT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
DATASET = "raw_adult"
TRAIN_ROWS = 8_000
TRAIN = dict(time_limit=20, max_trials=4, families=("lightgbm", "linear"), folds=3, progress=False)
BATCH_ROWS = 50_000
#: The rows of one logged request (the service logs one row per record scored).
REQUEST_ROWS = 10
TARGET_SECONDS = 30.0
MODEL_URI = "models:/adult/1"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--postgres", action="store_true", help="also run against a fresh PostgreSQL database")
    parser.add_argument("--profile", action="store_true", help="profile one check (SQLite) with cProfile")
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def unseen_rows(datasets_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    dataset = load_manifest(datasets_dir)[DATASET]
    frame = read_table(datasets_dir / dataset.file, header=False, columns=list(dataset.columns))
    frame = frame.sample(frac=1, random_state=0).reset_index(drop=True)
    return frame.iloc[:TRAIN_ROWS], frame.iloc[TRAIN_ROWS:].reset_index(drop=True)


def fill_log(store, model, pool: pd.DataFrame, rows: int, now: datetime) -> float:
    """Write ``rows`` logged predictions over the week before ``now``; returns the seconds taken."""
    inputs = pool[[spec.name for spec in model.schema.used]]
    # the records as a caller sends them; rows_of reads only the columns of a request's frame
    # when its records come along, so every request shares one empty frame
    records = inputs.astype(object).where(inputs.notna(), None).to_dict(orient="records")
    columns = inputs.iloc[:0]
    probabilities = np.asarray(model.raw_predict(pool))
    predictions = np.asarray(model.classes_, dtype=object)[probabilities.argmax(axis=1)]
    classes = tuple(model.classes_)
    rng = np.random.default_rng(0)
    week = timedelta(days=7).total_seconds()
    started = time.perf_counter()
    for first in range(0, rows, BATCH_ROWS):
        count = min(BATCH_ROWS, rows - first)
        picked = rng.integers(0, len(pool), count)
        served = now.timestamp() - week + (first + np.arange(count)) * (week / rows)
        latency = rng.gamma(4.0, 0.4, count)
        requests = []
        for start in range(0, count, REQUEST_ROWS):
            chosen = picked[start:start + REQUEST_ROWS]
            requests.append(ServedRequest(
                request_id=uuid.UUID(int=int(rng.integers(0, 2**62)) << 64 | first + start).hex,
                served_at=float(served[start]), model=MODEL_URI, frame=columns,
                predictions=predictions[chosen].tolist(), probabilities=probabilities[chosen], classes=classes,
                latency_ms=float(latency[start]), records=[records[i] for i in chosen]))
        store.served.write(rows_of(requests))
        print(f"  {first + count:,} rows written ({time.perf_counter() - started:.0f} s)", end="\r", flush=True)
    print()
    return time.perf_counter() - started


def measure(url: str, artifacts: Path, train: pd.DataFrame, pool: pd.DataFrame, args) -> dict:
    opened = mlwright.open_store(url, artifacts=artifacts)
    try:
        started = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model = mlwright.train(train, "income", store=opened, register="adult", **TRAIN)
        train_seconds = time.perf_counter() - started
        now = datetime.now(UTC)
        write_seconds = fill_log(opened, model, pool, args.rows, now)
        since = now - timedelta(days=7, minutes=1)
        reads, checks, verdict = [], [], None
        for _ in range(args.repeat):
            started = time.perf_counter()
            frame = opened.served.frame(model_name="adult", model_version=1, since=since)
            reads.append(time.perf_counter() - started)
            assert len(frame) == args.rows, (len(frame), args.rows)
            del frame
            started = time.perf_counter()
            report = check_drift(MODEL_URI, logged=True, since=since, store=opened)
            checks.append(time.perf_counter() - started)
            verdict = report.verdict
            assert report.rows == args.rows, report.rows
        profile = _profile(opened, since) if args.profile and url.startswith("sqlite") else None
    finally:
        opened.close()
    check, read = statistics.median(checks), statistics.median(reads)
    return {"rows": args.rows, "train_seconds": round(train_seconds, 1), "write_seconds": round(write_seconds, 1),
            "write_rows_per_s": round(args.rows / write_seconds), "check_s": [round(s, 2) for s in checks],
            "read_s": [round(s, 2) for s in reads], "check_median_s": round(check, 2), "read_median_s": round(read, 2),
            "rest_median_s": round(check - read, 2), "verdict": verdict, "under_target": check < TARGET_SECONDS,
            "profile": profile}


def _profile(opened, since) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    check_drift(MODEL_URI, logged=True, since=since, store=opened)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return "\n".join(_project_relative(line) for line in out.getvalue().splitlines() if line.strip())


def _project_relative(line: str) -> str:
    """A profile line without this machine's paths: files of the checkout, of installed
    packages and of the standard library named from their root."""
    line = line.replace(f"{REPO_ROOT}/", "")
    return re.sub(r"\S*/(?:site-packages|lib/python3\.\d+)/", "", line)


def fresh_postgres() -> tuple[str, callable]:
    name = f"mlw_scale_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name}"))

    def drop() -> None:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()

    return make_url(POSTGRES_ADMIN).set(database=name).render_as_string(hide_password=False), drop


def report_line(backend: str, result: dict) -> str:
    return (f"{backend}: {result['rows']:,} logged rows; check {result['check_median_s']:.1f} s median of "
            f"{len(result['check_s'])} ({', '.join(f'{s:.1f}' for s in result['check_s'])}), of which reading the "
            f"rows {result['read_median_s']:.1f} s and the rest {result['rest_median_s']:.1f} s; "
            f"verdict {result['verdict']}; writing them took {result['write_seconds']:.0f} s "
            f"({result['write_rows_per_s']:,} rows/s)")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    began = datetime.now(UTC)
    train, pool = unseen_rows(args.datasets_dir)
    results = {}
    with tempfile.TemporaryDirectory(prefix="mlwright-monitor-scale-") as folder:
        backends = [("sqlite", f"sqlite:///{Path(folder) / 'store.db'}", None)]
        if args.postgres:
            backends.append(("postgresql", *fresh_postgres()))
        for backend, url, drop in backends:
            print(f"{backend}: training, then writing {args.rows:,} rows", flush=True)
            try:
                results[backend] = measure(url, Path(folder) / f"artifacts-{backend}", train, pool, args)
            finally:
                if drop is not None:
                    drop()
            print(report_line(backend, results[backend]), flush=True)
    output = {"command": " ".join(["python benchmarks/monitor_scale.py", *argv]),
              "started": began.isoformat(timespec="seconds"),
              "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                          "mlwright": mlwright.__version__},
              "settings": {"dataset": DATASET, "train": {**TRAIN, "rows": TRAIN_ROWS}, "rows": args.rows,
                           "batch_rows": BATCH_ROWS, "request_rows": REQUEST_ROWS, "repeat": args.repeat,
                           "target_s": TARGET_SECONDS},
              "results": results}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(output, indent=2) + "\n")
    print(f"wrote {args.output.relative_to(REPO_ROOT) if args.output.is_relative_to(REPO_ROOT) else args.output}")
    return 0 if all(r["under_target"] for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
