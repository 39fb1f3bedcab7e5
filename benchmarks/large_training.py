"""Training on data larger than memory: a generated table of 5 million rows and 30 columns,
trained by sample (search on a stratified sample, then the chosen LightGBM fitted on every row
streamed from Parquet) and whole in memory, each in its own process with the same budget.

Each run reports its wall time, its peak resident memory (the process's own high-water mark,
``ru_maxrss``) and the ROC AUC on 200,000 generated rows neither saw. A run whose memory passes
``--memory-cap-gb`` is stopped and recorded as such, so that the machine stays usable.

Usage: python benchmarks/large_training.py [--rows 5000000] [--sample-rows 500000] [--time-limit 600]
                                          [--only streamed|in_memory] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "large_training.json"
NUMERIC, CATEGORY_SIZES = 25, (3, 8, 20, 50, 200)
ROW_GROUP = 250_000
TEST_ROWS = 200_000


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--sample-rows", type=int, default=500_000)
    parser.add_argument("--time-limit", type=float, default=600)
    parser.add_argument("--only", choices=("streamed", "in_memory"))
    parser.add_argument("--memory-cap-gb", type=float, default=20.0)
    parser.add_argument("--data-dir", type=Path, default=Path(tempfile.gettempdir()) / "mlwright-large")
    parser.add_argument("--variant", help=argparse.SUPPRESS)  # the child process's own run
    return parser.parse_args(argv)


def generate(path: Path, rows: int, seed: int) -> None:
    """A binary target from a non-linear mix of numbers and categories, written a row group at
    a time so that generating never holds the table either."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    levels = [np.array([f"c{j}_{k}" for k in range(size)]) for j, size in enumerate(CATEGORY_SIZES)]
    writer = None
    partial = path.with_name(path.name + ".partial")
    for start in range(0, rows, ROW_GROUP):
        n = min(ROW_GROUP, rows - start)
        x = rng.normal(size=(n, NUMERIC))
        codes = [rng.integers(0, len(v), n) for v in levels]
        columns = {f"x{i}": x[:, i] for i in range(NUMERIC)}
        columns |= {f"cat{j}": v[c] for j, (v, c) in enumerate(zip(levels, codes))}
        logit = (1.5 * x[:, 0] - x[:, 1] + np.sin(2 * x[:, 2]) + x[:, 3] * x[:, 4] + 0.5 * (codes[1] % 3 - 1)
                 + 0.3 * np.where(codes[3] < 10, 1, -0.2) + 0.5 * np.abs(x[:, 5]) - 0.4)
        columns["y"] = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
        table = pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False)
        writer = writer or pq.ParquetWriter(partial, table.schema)
        writer.write_table(table, row_group_size=ROW_GROUP)
    writer.close()
    partial.rename(path)


def run_variant(args: argparse.Namespace) -> None:
    """In the child: train one way, score the test rows, print the figures as JSON."""
    import resource

    import pandas as pd
    from sklearn.metrics import roc_auc_score

    import mlwright

    started = time.time()
    sampled = {"sample_rows": args.sample_rows} if args.variant == "streamed" else {}
    model = mlwright.train(args.data_dir / "train.parquet", "y", time_limit=args.time_limit, store=False,
                           progress=False, families=("lightgbm",), **sampled)
    seconds = time.time() - started
    test = pd.read_parquet(args.data_dir / "test.parquet")
    auc = roc_auc_score(test["y"], model.predict_proba(test.drop(columns="y"))[1])
    print(json.dumps({"seconds": round(seconds, 1), "peak_gb": round(resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss / 2 ** 20, 2), "test_auc": round(float(auc), 4),
        "estimate": model.info["estimate"], "streamed_fit": _without_paths(model.info.get("streamed_fit")),
        "rows": model.info["rows"], "trials_ok": model.info["trials_ok"], "members": [m.name for m in model.members]}))


def _without_paths(facts: dict | None) -> dict | None:
    return None if facts is None else {**facts, "source": Path(facts["source"]).name}


def measure(args: argparse.Namespace, variant: str) -> dict:
    """Run one variant in its own process, stopping it if its memory passes the cap."""
    import psutil

    command = [sys.executable, __file__, "--variant", variant, "--rows", str(args.rows), "--sample-rows",
               str(args.sample_rows), "--time-limit", str(args.time_limit), "--data-dir", str(args.data_dir)]
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    capped = threading.Event()

    def watch() -> None:
        process = psutil.Process(child.pid)
        while child.poll() is None:
            try:
                if process.memory_info().rss > args.memory_cap_gb * 2 ** 30:
                    capped.set()
                    child.kill()
            except psutil.NoSuchProcess:
                return
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    started = time.time()
    output, _ = child.communicate()
    if capped.is_set():
        return {"stopped": f"memory passed {args.memory_cap_gb:g} GB", "seconds": round(time.time() - started, 1)}
    if child.returncode != 0:
        return {"failed": f"exit {child.returncode}", "seconds": round(time.time() - started, 1)}
    return json.loads(output.strip().splitlines()[-1])


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.variant:
        run_variant(args)
        return
    args.data_dir.mkdir(parents=True, exist_ok=True)
    for name, rows, seed in (("train.parquet", args.rows, 0), ("test.parquet", TEST_ROWS, 1)):
        if not (args.data_dir / name).exists():
            print(f"generating {name} ({rows:,} rows)", flush=True)
            generate(args.data_dir / name, rows, seed)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() and args.only else {}
    results.update({"command": "python benchmarks/large_training.py " + " ".join(argv), "cores": os.cpu_count(),
                    "rows": args.rows, "columns": NUMERIC + len(CATEGORY_SIZES), "sample_rows": args.sample_rows,
                    "time_limit": args.time_limit, "file_mb": round((args.data_dir / "train.parquet").stat().st_size
                                                                    / 2 ** 20, 1)})
    for variant in ("streamed", "in_memory"):
        if args.only in (None, variant):
            print(f"training {variant} ...", flush=True)
            results[variant] = measure(args, variant)
            print(json.dumps(results[variant]), flush=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for variant in ("streamed", "in_memory"):
        got = results.get(variant, {})
        print(f"{variant:10s} {got.get('seconds', '-')!s:>8} s  peak {got.get('peak_gb', '-')!s:>6} GB  "
              f"test AUC {got.get('test_auc', got.get('stopped', got.get('failed', '-')))}")


if __name__ == "__main__":
    main(sys.argv[1:])
