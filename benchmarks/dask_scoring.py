"""Batch scoring of generated rows: local ``score_file`` in this process, and ``score_on_dask`` on
a local Dask cluster of one and of two worker processes (one thread each).

Each timing is one whole job, median of ``--repeat``: for local, loading the model and scoring
in chunks; for Dask, planning on the driver, scoring the partitions (Parquet row groups, or CSV
blocks) and committing the output. The clusters are started before the timings (their start
is reported apart); the first job on a cluster also pays for the workers importing mlwright
and loading the model, which the median leaves out.

Usage: python benchmarks/dask_scoring.py [--rows 2000000] [--format parquet|csv] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "dask_scoring.json"
ROW_GROUP = 250_000
TRAIN = dict(time_limit=600, max_trials=3, families=("lightgbm", "linear"), folds=3, progress=False, checks=False)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    parser.add_argument("--repeat", type=int, default=3)
    return parser.parse_args(argv)


def generated(rows: int, seed: int = 0) -> pd.DataFrame:
    """A binary problem: six numbers, two categories, an id to keep beside the predictions."""
    rng = np.random.default_rng(seed)
    numbers = rng.normal(size=(rows, 6))
    colour = rng.choice(["red", "green", "blue", "grey"], size=rows)
    size = rng.choice(["small", "med", "big"], size=rows)
    logit = numbers[:, 0] - 0.5 * numbers[:, 1] * numbers[:, 2] + (colour == "red") - 0.7 * (size == "small")
    frame = pd.DataFrame(numbers, columns=[f"x{i}" for i in range(6)])
    frame.insert(0, "row_id", np.arange(rows))
    frame["colour"], frame["size"] = colour, size
    frame["label"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return frame


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    import pyarrow as pa
    import pyarrow.parquet as pq
    from distributed import Client, LocalCluster

    import mlwright
    from mlwright.serve.batch import score_file
    from mlwright.serve.dask_batch import score_on_dask

    results: dict = {"command": "python benchmarks/dask_scoring.py " + " ".join(argv), "cores": os.cpu_count(),
                     "load_average_at_start": round(os.getloadavg()[0], 2),  # other work on the machine skews timings
                     "rows": args.rows, "format": args.format, "repeat": args.repeat, "runs": {}}
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        mlwright.train(generated(5_000, seed=1), "label", store=False, out=root / "run", **TRAIN)
        rows = generated(args.rows).drop(columns="label")
        source, suffix = root / f"rows.{args.format}", f".{args.format}"
        if args.format == "parquet":
            pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), source, row_group_size=ROW_GROUP)
        else:
            rows.to_csv(source, index=False)
        results["input_mb"] = round(source.stat().st_size / 1e6, 1)
        del rows

        def local() -> float:
            started = time.perf_counter()
            score_file(mlwright.load(root / "run"), source, root / f"local{suffix}", keep_columns=["row_id"])
            return time.perf_counter() - started

        _record(results, "local", [local() for _ in range(args.repeat)])
        for workers in (1, 2):
            started = time.perf_counter()
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) \
                    as cluster, Client(cluster) as client:
                start_s = time.perf_counter() - started

                def on_dask() -> float:
                    began = time.perf_counter()
                    report = score_on_dask(root / "run", source, root / f"dask{suffix}", client=client,
                                           keep_columns=["row_id"])
                    results["parts"] = report.chunks
                    return time.perf_counter() - began

                name = f"dask, {workers} worker{'s' * (workers > 1)}"
                _record(results, name, [on_dask() for _ in range(args.repeat)], cluster_start_s=round(start_s, 2))
    results["speedup_1_to_2_workers"] = round(results["runs"]["dask, 1 worker"]["median_s"]
                                              / results["runs"]["dask, 2 workers"]["median_s"], 2)
    _print_table(results)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")


def _record(results: dict, name: str, seconds: list[float], **extra) -> None:
    times = [round(s, 2) for s in seconds]
    median = statistics.median(times)
    results["runs"][name] = {"seconds": times, "median_s": median,
                             "rows_per_s": round(results["rows"] / median), **extra}
    print(f"{name}: {median:.1f} s (median of {times})", flush=True)


def _print_table(results: dict) -> None:
    print(f"\n{results['rows']:,} rows of {results['format']} ({results['input_mb']} MB, {results['parts']} "
          f"partitions), {results['cores']} cores")
    print(f"{'backend':<18}{'median s':>10}{'rows/s':>12}{'cluster start s':>17}")
    for name, run in results["runs"].items():
        start = run.get("cluster_start_s", "")
        print(f"{name:<18}{run['median_s']:>10.1f}{run['rows_per_s']:>12,}{start:>17}")


if __name__ == "__main__":
    main(sys.argv[1:])
