"""How OpenMP's wait policy and a fit's thread count change booster fit times: on free cores,
beside a busy process, and beside a second training.

LightGBM, XGBoost and scikit-learn's forests run their threads on GNU libgomp, whose waits
between parallel regions are set by environment variables read when the library loads. Each
setting is timed in a fresh process (so the library loads under it): LightGBM and XGBoost fits on
two of the manifest's tables (a 20,000-row regression and a 26-class table) and on a made-up
2,000-row binary table. With ``--busy`` the same runs go beside one process that keeps a core
busy, at the same priority: what a laptop running anything else looks like. With ``--pair`` two
processes run the same fits at once, as two trainings (or two Dask workers) on one machine do.
The "mlwright" setting leaves the wait policy alone and asks ``fit_threads`` before each fit, as
the search does: every core when the machine is idle, fewer beside other work.

    python benchmarks/openmp_waits.py            # free cores
    python benchmarks/openmp_waits.py --busy     # one core taken by another process
    python benchmarks/openmp_waits.py --pair     # two trainings side by side

Prints a Markdown table (seconds per fit, the mean of both processes with ``--pair``; lower is
better) and writes ``benchmarks/results/openmp_waits[_busy|_pair].json``. A run over ``--timeout``
seconds is reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import manifest

#: Name: (environment, threads a fit asks for; "auto" is ``fit_threads(cores)``).
SETTINGS = {
    "mlwright (default waits, fit_threads)": ({}, "auto"),
    "libgomp default, every core": ({}, "all"),
    "OMP_WAIT_POLICY=PASSIVE, every core": ({"OMP_WAIT_POLICY": "PASSIVE"}, "all"),
    "one thread": ({}, "1"),
    "GOMP_SPINCOUNT=10000, every core": ({"GOMP_SPINCOUNT": "10000"}, "all"),
}

FITS = r"""
import json, os, sys, time
import numpy as np, pandas as pd
import lightgbm as lgb, xgboost as xgb
from mlwright.execution.cores import fit_threads
folder, asked = sys.argv[1], sys.argv[2]
cores = len(os.sched_getaffinity(0))
def threads():
    return fit_threads(cores) if asked == "auto" else cores if asked == "all" else int(asked)
mv = pd.read_csv(folder + "/pmlb_344_mv.tsv.gz", sep="\t").head(20000)
my = mv.pop("target").to_numpy(); mX = mv.to_numpy()
le = pd.read_csv(folder + "/pmlb_letter.tsv.gz", sep="\t").head(13000)
ly = pd.factorize(le.pop("target"))[0]; lX = le.to_numpy()
rng = np.random.default_rng(0)
sX = rng.normal(size=(2000, 20)); sy = (sX[:, 0] + sX[:, 1] * sX[:, 2] + rng.normal(size=2000) > 0).astype(int)
def timed(fit):
    n = threads(); started = time.perf_counter(); fit(n); return round(time.perf_counter() - started, 3)
lgb_params = dict(verbose=-1, learning_rate=0.05)
xgb_params = dict(tree_method="hist", eta=0.1, max_depth=6)
print(json.dumps({
    "LightGBM, mv (20,000 rows), 300 rounds": timed(lambda n: lgb.train(
        dict(objective="regression", num_leaves=64, num_threads=n, **lgb_params), lgb.Dataset(mX, my), 300)),
    "LightGBM, letter (13,000 rows, 26 classes), 30 rounds": timed(lambda n: lgb.train(
        dict(objective="multiclass", num_class=26, num_threads=n, **lgb_params), lgb.Dataset(lX, ly), 30)),
    "LightGBM, 2,000 rows binary, 300 rounds": timed(lambda n: lgb.train(
        dict(objective="binary", num_threads=n, **lgb_params), lgb.Dataset(sX, sy), 300)),
    "XGBoost, mv, 300 rounds": timed(lambda n: xgb.train(
        dict(objective="reg:squarederror", nthread=n, **xgb_params), xgb.DMatrix(mX, my, nthread=n), 300)),
    "XGBoost, letter, 30 rounds": timed(lambda n: xgb.train(
        dict(objective="multi:softprob", num_class=26, nthread=n, **xgb_params), xgb.DMatrix(lX, ly, nthread=n), 30)),
    "XGBoost, 2,000 rows binary, 300 rounds": timed(lambda n: xgb.train(
        dict(objective="binary:logistic", nthread=n, **xgb_params), xgb.DMatrix(sX, sy, nthread=n), 300)),
}))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    beside = p.add_mutually_exclusive_group()
    beside.add_argument("--busy", action="store_true", help="run beside a process that keeps one core busy")
    beside.add_argument("--pair", action="store_true", help="run two processes of the same fits at once")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per setting")
    p.add_argument("--datasets", type=Path, default=manifest.DEFAULT_DATASETS_DIR)
    return p.parse_args(argv)


def time_setting(setting: tuple[dict[str, str], str], datasets: Path, timeout: float,
                 processes: int = 1) -> dict[str, float] | None:
    """Seconds per fit; with several processes at once, each fit's mean over them."""
    variables, threads = setting
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    runs = [subprocess.Popen([sys.executable, "-c", FITS, str(datasets), threads], env={**env, **variables},
                             stdout=subprocess.PIPE, text=True) for _ in range(processes)]
    try:
        outputs = [run.communicate(timeout=timeout)[0] for run in runs]
    except subprocess.TimeoutExpired:
        for run in runs:
            run.kill()
            run.wait()
        return None
    if any(run.returncode for run in runs):
        raise SystemExit(f"a fit process failed (exit {[run.returncode for run in runs]})")
    seconds = [json.loads(out) for out in outputs]
    return {fit: round(sum(s[fit] for s in seconds) / len(seconds), 3) for fit in seconds[0]}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        results = {name: time_setting(setting, args.datasets, args.timeout, processes=2 if args.pair else 1)
                   for name, setting in SETTINGS.items()}
    finally:
        if busy is not None:
            busy.kill()
    fits = next((list(r) for r in results.values() if r), [])
    beside = ", one busy" if args.busy else ", two trainings at once" if args.pair else ""
    print(f"| fit ({os.cpu_count()} cores{beside}) | " + " | ".join(SETTINGS) + " |")
    print("|---|" + "---:|" * len(SETTINGS))
    for fit in fits:
        cells = [f"{r[fit]:.2f}" if r else f"over {args.timeout:.0f}" for r in results.values()]
        print(f"| {fit} | " + " | ".join(cells) + " |")
    suffix = "_busy" if args.busy else "_pair" if args.pair else ""
    out = Path(__file__).parent / "results" / f"openmp_waits{suffix}.json"
    out.write_text(json.dumps({"cores": os.cpu_count(), "busy": args.busy, "pair": args.pair, "seconds": results},
                              indent=1) + "\n")


if __name__ == "__main__":
    main()
