"""How OpenMP's wait policy changes booster fit times, on free cores and beside a busy process.

LightGBM, XGBoost and scikit-learn's forests run their threads on GNU libgomp, whose waits
between parallel regions are set by environment variables read when the library loads. Each
setting is timed in a fresh process (so the library loads under it): LightGBM and XGBoost fits on
two of the manifest's tables (a 20,000-row regression and a 26-class table) and on a made-up
2,000-row binary table, two threads each. With ``--busy`` the same runs go beside one process
that keeps a core busy, at the same priority: what a laptop running anything else looks like.

    python benchmarks/openmp_waits.py            # free cores
    python benchmarks/openmp_waits.py --busy     # one core taken by another process

Prints a Markdown table (seconds per fit; lower is better) and writes
``benchmarks/results/openmp_waits[_busy].json``. A run over ``--timeout`` seconds is reported as such.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import manifest

SETTINGS = {
    "libgomp default (what mlwright leaves)": {},
    "OMP_WAIT_POLICY=PASSIVE": {"OMP_WAIT_POLICY": "PASSIVE"},
    "GOMP_SPINCOUNT=1000": {"GOMP_SPINCOUNT": "1000"},
    "GOMP_SPINCOUNT=10000": {"GOMP_SPINCOUNT": "10000"},
    "GOMP_SPINCOUNT=100000": {"GOMP_SPINCOUNT": "100000"},
}

FITS = r"""
import json, sys, time
import numpy as np, pandas as pd
import lightgbm as lgb, xgboost as xgb
folder = sys.argv[1]
mv = pd.read_csv(folder + "/pmlb_344_mv.tsv.gz", sep="\t").head(20000)
my = mv.pop("target").to_numpy(); mX = mv.to_numpy()
le = pd.read_csv(folder + "/pmlb_letter.tsv.gz", sep="\t").head(13000)
ly = pd.factorize(le.pop("target"))[0]; lX = le.to_numpy()
rng = np.random.default_rng(0)
sX = rng.normal(size=(2000, 20)); sy = (sX[:, 0] + sX[:, 1] * sX[:, 2] + rng.normal(size=2000) > 0).astype(int)
def timed(fit):
    started = time.perf_counter(); fit(); return round(time.perf_counter() - started, 3)
lgb_params = dict(verbose=-1, num_threads=2, learning_rate=0.05)
xgb_params = dict(nthread=2, tree_method="hist", eta=0.1, max_depth=6)
print(json.dumps({
    "LightGBM, mv (20,000 rows), 300 rounds": timed(lambda: lgb.train(
        dict(objective="regression", num_leaves=64, **lgb_params), lgb.Dataset(mX, my), 300)),
    "LightGBM, letter (13,000 rows, 26 classes), 30 rounds": timed(lambda: lgb.train(
        dict(objective="multiclass", num_class=26, **lgb_params), lgb.Dataset(lX, ly), 30)),
    "LightGBM, 2,000 rows binary, 300 rounds": timed(lambda: lgb.train(
        dict(objective="binary", **lgb_params), lgb.Dataset(sX, sy), 300)),
    "XGBoost, mv, 300 rounds": timed(lambda: xgb.train(
        dict(objective="reg:squarederror", **xgb_params), xgb.DMatrix(mX, my), 300)),
    "XGBoost, letter, 30 rounds": timed(lambda: xgb.train(
        dict(objective="multi:softprob", num_class=26, **xgb_params), xgb.DMatrix(lX, ly), 30)),
    "XGBoost, 2,000 rows binary, 300 rounds": timed(lambda: xgb.train(
        dict(objective="binary:logistic", **xgb_params), xgb.DMatrix(sX, sy), 300)),
}))
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--busy", action="store_true", help="run beside a process that keeps one core busy")
    p.add_argument("--timeout", type=float, default=120.0, help="seconds allowed per setting")
    p.add_argument("--datasets", type=Path, default=manifest.DEFAULT_DATASETS_DIR)
    return p.parse_args(argv)


def time_setting(variables: dict[str, str], datasets: Path, timeout: float) -> dict[str, float] | None:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    try:
        done = subprocess.run([sys.executable, "-c", FITS, str(datasets)], env={**env, **variables},
                              capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if args.busy else None
    try:
        results = {name: time_setting(variables, args.datasets, args.timeout) for name, variables in SETTINGS.items()}
    finally:
        if busy is not None:
            busy.kill()
    fits = next((list(r) for r in results.values() if r), [])
    print(f"| fit ({os.cpu_count()} cores{', one busy' if args.busy else ''}) | " + " | ".join(SETTINGS) + " |")
    print("|---|" + "---:|" * len(SETTINGS))
    for fit in fits:
        cells = [f"{r[fit]:.2f}" if r else f"over {args.timeout:.0f}" for r in results.values()]
        print(f"| {fit} | " + " | ".join(cells) + " |")
    out = Path(__file__).parent / "results" / f"openmp_waits{'_busy' if args.busy else ''}.json"
    out.write_text(json.dumps({"cores": os.cpu_count(), "busy": args.busy, "seconds": results}, indent=1) + "\n")


if __name__ == "__main__":
    main()
