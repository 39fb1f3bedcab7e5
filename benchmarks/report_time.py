"""How long the report of a finished run takes, on the shared datasets, as a user runs it.

For each dataset of the suite: train once with a small budget into benchmarks/.cache/reports/
(skipped when that run already exists), then time `python -m mlwright report RUN` in a subprocess,
which reads the training data again, judges the model on its held-out rows (metrics with
bootstrap intervals, curves, permutation importance, SHAP, partial dependence, explained
examples, the default model tests) and writes report.html, MODEL_CARD.md and evaluation.json.
Prints one line per dataset, the median and the maximum, and exits 1 if any is over the budget.

Usage: python benchmarks/report_time.py [--suite full] [--train-seconds 20] [--budget 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from manifest import DEFAULT_DATASETS_DIR, SUITE_CHOICES, load_manifest, suite_names  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache" / "reports"


def _train(spec, datasets: Path, run: Path, seconds: float) -> None:
    command = [sys.executable, "-m", "mlwright", "train", str(datasets / spec.file), "--target", spec.target,
               "--time-limit", str(seconds), "--out", str(run), "--metric", spec.metric]
    if spec.columns:
        command += ["--no-header", "--columns", ",".join(spec.columns)]
    if spec.sep != ",":
        command += ["--sep", "tab" if spec.sep == "\t" else spec.sep]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def _time_report(run: Path) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mlwright", "report", str(run)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="full", choices=sorted(SUITE_CHOICES))
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--train-seconds", type=float, default=20.0)
    parser.add_argument("--budget", type=float, default=10.0)
    args = parser.parse_args()
    manifest = load_manifest(args.datasets)
    seconds = {}
    for name in suite_names(args.suite, manifest):
        run = CACHE / name
        if not (run / "held_out.parquet").exists():
            _train(manifest[name], args.datasets, run, args.train_seconds)
        seconds[name] = _time_report(run)
        print(f"{name:28s} {seconds[name]:6.2f} s", flush=True)
    print(f"median {statistics.median(seconds.values()):.2f} s, max {max(seconds.values()):.2f} s "
          f"({max(seconds, key=seconds.get)}); {os.cpu_count()} cores; "
          f"command: python benchmarks/report_time.py --suite {args.suite}")
    return 0 if max(seconds.values()) <= args.budget else 1


if __name__ == "__main__":
    sys.exit(main())
