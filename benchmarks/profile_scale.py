"""How long `mlwright profile` takes on a large table, end to end, as a user runs it.

Generates (seeded, once, into benchmarks/.cache/) a CSV of 1,000,000 rows and 50 columns of mixed
kinds: floats and integers, categories from 2 to 10,000 values, dates, short text, an id, e-mail
addresses, a copied and a restated column, a column mixing numbers and words, and a binary
target. Then runs `python -m mlwright profile FILE --target target -o OUT.html` in a subprocess
(reading, profiling, the HTML page and the JSON) and prints the wall time, the peak resident
memory of that process, the command and the number of cores. Exits 1 when over the budget.

Usage: python benchmarks/profile_scale.py [--rows 1000000] [--budget 60] [--regenerate]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

CACHE = Path(__file__).resolve().parent / ".cache"
CHUNK_ROWS = 100_000
WORDS = np.array("good bad late early price quality delivery support refund box broken fine great slow fast "
                 "item order colour size return again never always".split())
CATEGORY_SIZES = (2, 3, 5, 8, 12, 20, 50, 100, 500, 2000, 10_000)


def _chunk(rng: np.random.Generator, start: int, rows: int) -> pd.DataFrame:
    """``rows`` rows of the table, the first numbered ``start``: 50 columns."""
    columns: dict[str, object] = {"row_id": np.arange(start, start + rows)}
    for i in range(20):
        values = [rng.normal(size=rows), rng.lognormal(size=rows), rng.uniform(0, 100, rows)][i % 3] * (i + 1)
        if i % 4 == 0:
            values[rng.random(rows) < 0.05] = np.nan
        columns[f"num_{i}"] = values
    for i in range(8):
        columns[f"count_{i}"] = rng.poisson(3 + 4 * i, rows)
    for size in CATEGORY_SIZES:
        columns[f"cat_{size}"] = np.char.add("c", rng.integers(0, size, rows).astype(str))
    region = rng.integers(0, 6, rows)
    columns["region_code"] = np.array(["N", "S", "E", "W", "C", "X"])[region]
    columns["region_name"] = np.array(["north", "south", "east", "west", "centre", "abroad"])[region]
    days = rng.integers(0, 3 * 365, rows)
    columns["signup"] = (np.datetime64("2021-01-01") + days).astype(str)
    columns["last_seen"] = (np.datetime64("2021-01-01") + days + rng.integers(0, 200, rows)).astype(str)
    picks = rng.integers(0, len(WORDS), (rows, 6))
    columns["comment"] = [" ".join(row) for row in WORDS[picks]]
    columns["product_name"] = np.char.add(np.char.add(WORDS[picks[:, 0]], " "), WORDS[picks[:, 1]])
    columns["contact_email"] = np.char.add(np.char.add("user", (start + np.arange(rows)).astype(str)), "@example.com")
    columns["channel"] = np.where(rng.random(rows) < 0.995, "web", "phone")  # near-constant
    columns["amount_copy"] = columns["num_0"]
    mixed = rng.integers(18, 90, rows).astype(str).astype(object)
    mixed[rng.random(rows) < 0.03] = "unknown"
    columns["age_text"] = mixed
    logit = 0.8 * columns["num_1"] / 2 - 0.5 + (columns["cat_5"] == "c1") - 0.05 * columns["count_1"]
    columns["target"] = (rng.random(rows) < 1 / (1 + np.exp(-np.nan_to_num(logit)))).astype(int)
    return pd.DataFrame(columns)


def generate(rows: int, seed: int, regenerate: bool) -> Path:
    path = CACHE / f"profile_scale_{rows}x50_seed{seed}.csv"
    if path.exists() and not regenerate:
        return path
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    started = time.perf_counter()
    with open(partial, "w", newline="") as handle:
        for index, start in enumerate(range(0, rows, CHUNK_ROWS)):
            frame = _chunk(np.random.default_rng([seed, index]), start, min(CHUNK_ROWS, rows - start))
            frame.to_csv(handle, index=False, header=index == 0, float_format="%.6g")
    partial.replace(path)
    print(f"generated {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")
    return path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=60.0, help="seconds allowed end to end")
    parser.add_argument("--regenerate", action="store_true", help="write the CSV again even if cached")
    args = parser.parse_args()
    data = generate(args.rows, args.seed, args.regenerate)
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, "-m", "mlwright", "profile", str(data), "--target", "target",
                   "-o", str(Path(out) / "profile.html")]
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # KiB on Linux
        sizes = {p.name: p.stat().st_size for p in Path(out).iterdir()}
    if result.returncode != 0:
        print(result.stdout[-3000:], result.stderr[-3000:], sep="\n")
        print(f"FAILED with exit code {result.returncode}")
        return 1
    summary = [line for line in result.stdout.splitlines() if line.strip() and not line.startswith(("│", "┃", "┏",
                                                                                                     "┡", "└"))]
    print("\n".join(summary[-6:]))
    print(f"command:   {' '.join(command)}")
    print(f"machine:   {os.cpu_count()} cores")
    print(f"table:     {args.rows:,} rows x 50 columns, {data.stat().st_size / 1e6:.0f} MB CSV")
    print(f"outputs:   " + ", ".join(f"{name} {size / 1e3:.0f} KB" for name, size in sorted(sizes.items())))
    print(f"wall time: {seconds:.1f} s (budget {args.budget:.0f} s)")
    print(f"peak RSS:  {peak_mb:,.0f} MB")
    return 0 if seconds <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
