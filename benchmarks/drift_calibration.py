"""How well `mlwright monitor` tells drift from noise at its default thresholds, on the shared datasets.

For each dataset a model is trained once (a small budget, on at most 8,000 rows of a seeded
shuffle); every current sample is drawn from the rows it never saw, so that its performance on
them is honest. For each current size, seeded resamples of each scenario go through
``check_drift`` (nothing recorded):

- ``untouched``: a plain resample, labels included. Any verdict but ``stable`` is a false alarm;
  which part raised it (inputs, predictions, performance) is counted too.
- ``mean +k SD``: one numeric input moved by k of its reference standard deviations. The input
  cycles through the model's numeric inputs from resample to resample.
- ``share xf``: one category's share multiplied by f, keeping the row count: rows of other
  categories are replaced by rows (from the unseen rows) of that category. Cycles through the
  categories holding 10-35% of the reference.
- ``labels p``: a share p of the rows given another label (another class; for regression the
  target of another of those rows), inputs untouched.

Detection is the moved column (for labels: performance) at warning or action. The shifted
scenarios are checked without labels (the moved column is what is judged), the untouched and
label scenarios with them.

Prints a Markdown table and writes benchmarks/results/drift_calibration.json.

Usage: python benchmarks/drift_calibration.py [--sizes 500,2000,10000] [--resamples 100]
       [--detection-resamples 50] [--datasets raw_adult,seaborn_diamonds,pmlb_magic,pmlb_letter]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from manifest import DEFAULT_DATASETS_DIR, REPO_ROOT, Dataset, load_manifest, select

import mlwright
from mlwright.data.readers import read_table
from mlwright.data.schema import TEXT
from mlwright.monitor.check import check_drift
from mlwright.monitor.settings import MonitorSettings

DEFAULT_DATASETS = ("raw_adult", "seaborn_diamonds", "pmlb_magic", "pmlb_letter")
RESULTS = REPO_ROOT / "benchmarks" / "results" / "drift_calibration.json"
TRAIN_ROWS = 8_000
TRAIN = dict(time_limit=15, max_trials=4, families=("lightgbm", "linear", "extra_trees"), folds=3, progress=False)
MEAN_SHIFTS = (0.25, 0.5)
SHARE_FACTORS = (1.5, 2.0)
LABEL_SHARES = (0.1, 0.25)
#: Categories whose share of the reference lies in this range are the ones scaled.
SHARE_RANGE = (0.10, 0.35)
FLAGGED = ("warning", "action")


@dataclass
class Prepared:
    dataset: Dataset
    model: object
    pool: pd.DataFrame
    numeric: list[str]
    categories: list[tuple[str, str, float]]
    classes: list | None
    train_seconds: float


def read(dataset: Dataset, datasets_dir: Path) -> pd.DataFrame:
    options = {"header": False, "columns": list(dataset.columns)} if dataset.columns else {}
    return read_table(datasets_dir / dataset.file, sep=dataset.sep, **options)


def prepare(dataset: Dataset, datasets_dir: Path, seed: int) -> Prepared:
    """Train on the first rows of a seeded shuffle; the rest is the pool current data come from."""
    frame = read(dataset, datasets_dir).sample(frac=1, random_state=seed).reset_index(drop=True)
    train_rows = min(TRAIN_ROWS, len(frame) // 2)
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = mlwright.train(frame.iloc[:train_rows], dataset.target, task=dataset.task, store=False, seed=seed,
                               **TRAIN)
    seconds = time.perf_counter() - started
    pool = frame.iloc[train_rows:].reset_index(drop=True)
    columns = model.reference["columns"]
    used = [s for s in model.schema.used if s.kind != TEXT]
    numeric = [s.name for s in used if columns[s.name]["kind"] == "numeric" and columns[s.name].get("std", 0) > 0
               and s.kind != "datetime"]
    categories = []
    for spec in used:
        summary = columns[spec.name]
        if summary["kind"] != "categorical" or not summary["present"]:
            continue
        for value, count in summary["counts"].items():
            share = count / summary["present"]
            if SHARE_RANGE[0] <= share <= SHARE_RANGE[1]:
                categories.append((spec.name, value, share))
    classes = sorted(pool[dataset.target].dropna().unique().tolist()) if dataset.task != "regression" else None
    return Prepared(dataset, model, pool, numeric, categories, classes, seconds)


# --- the scenarios: each returns (current frame, the column expected to be flagged) ----------

def untouched(p: Prepared, rows: int, rng: np.random.Generator, _level, i: int):
    return p.pool.sample(rows, random_state=rng), None


def mean_shift(p: Prepared, rows: int, rng: np.random.Generator, sds: float, i: int):
    column = p.numeric[i % len(p.numeric)]
    current = p.pool.sample(rows, random_state=rng).drop(columns=[p.dataset.target])
    std = p.model.reference["columns"][column]["std"]
    current[column] = pd.to_numeric(current[column], errors="coerce").astype(np.float64) + sds * std
    return current, column


def share_scaled(p: Prepared, rows: int, rng: np.random.Generator, factor: float, i: int):
    column, value, share = p.categories[i % len(p.categories)]
    current = p.pool.sample(rows, random_state=rng)
    is_value = (current[column].astype("string") == value).fillna(False).to_numpy(dtype=bool)
    extra = min(rows, round(factor * share * rows)) - int(is_value.sum())
    if extra > 0:
        replaced = rng.choice(np.flatnonzero(~is_value), extra, replace=False)
        keep = np.delete(current.index.to_numpy(), replaced)
        donors = p.pool.index[(p.pool[column].astype("string") == value).fillna(False).to_numpy(dtype=bool)
                              & ~p.pool.index.isin(current.index)]
        added = rng.choice(donors, extra, replace=extra > len(donors))
        current = p.pool.loc[np.concatenate([keep, added])]
    return current.drop(columns=[p.dataset.target]), column


def labels_changed(p: Prepared, rows: int, rng: np.random.Generator, share: float, i: int):
    current = p.pool.sample(rows, random_state=rng).reset_index(drop=True)
    target = p.dataset.target
    chosen = rng.choice(rows, round(share * rows), replace=False)
    labels = current[target].to_numpy(dtype=object, copy=True)
    if p.classes is None:
        labels[chosen] = labels[rng.permutation(chosen)]
    else:
        codes = np.searchsorted(np.asarray(p.classes, dtype=object), labels[chosen])
        shifted = (codes + rng.integers(1, len(p.classes), chosen.size)) % len(p.classes)
        labels[chosen] = np.asarray(p.classes, dtype=object)[shifted]
    current[target] = pd.Series(labels).astype(current[target].dtype)
    return current, None


SCENARIOS = ([("untouched", untouched, None)]
             + [(f"mean +{k:g} SD", mean_shift, k) for k in MEAN_SHIFTS]
             + [(f"share x{f:g}", share_scaled, f) for f in SHARE_FACTORS]
             + [(f"labels {s:.0%}", labels_changed, s) for s in LABEL_SHARES])


def parts_raised(report) -> list[str]:
    parts = ["inputs"] if report.drifted else []
    if report.prediction and report.prediction["verdict"] in FLAGGED:
        parts.append("prediction")
    if report.performance and report.performance["verdict"] in FLAGGED:
        parts.append("performance")
    return parts


def run_scenario(p: Prepared, name: str, make, level, rows: int, resamples: int, seed: int) -> dict:
    detected, not_stable, parts, seconds = 0, 0, {}, []
    examples, by_column = [], {}
    for i in range(resamples):
        rng = np.random.default_rng([seed, rows, SCENARIOS.index((name, make, level)), i])
        current, column = make(p, rows, rng, level, i)
        started = time.perf_counter()
        report = check_drift(p.model, current, store=False)
        seconds.append(time.perf_counter() - started)
        raised = parts_raised(report)
        not_stable += report.verdict != "stable"
        for part in raised:
            parts[part] = parts.get(part, 0) + 1
        if name == "untouched":
            hit = report.verdict != "stable"
        elif column is None:
            hit = bool(report.performance) and report.performance["verdict"] in FLAGGED
        else:
            hit = report.feature(column)["verdict"] in FLAGGED
        detected += hit
        if column is not None:
            tally = by_column.setdefault(column, [0, 0])
            tally[0] += hit
            tally[1] += 1
        if (hit if name == "untouched" else not hit) and len(examples) < 5:
            examples.append(_example(report, column, i))
    return {"dataset": p.dataset.name, "rows": rows, "scenario": name, "resamples": resamples, "hits": detected,
            "rate": detected / resamples, "not_stable": not_stable, "parts_raised": parts,
            "by_column": {c: f"{h}/{n}" for c, (h, n) in by_column.items()},
            "median_check_s": round(float(np.median(seconds)), 4),
            ("false_alarms" if name == "untouched" else "misses"): examples}


def _example(report, column: str | None, i: int) -> dict:
    """What a false alarm or a miss looked like: enough numbers to judge the threshold by."""
    entry = {"resample": i, "verdict": report.verdict, "reasons": report.reasons}
    if column is not None:
        f = report.feature(column)
        entry.update(column=column, value=f["value"], p_value=f["p_value"], column_verdict=f["verdict"])
    if report.performance:
        entry["performance"] = {k: report.performance[k] for k in ("metric", "current", "ci_low", "ci_high",
                                                                   "training", "relative_change", "verdict")}
    return entry


def table(results: list[dict]) -> str:
    names = [name for name, _, _ in SCENARIOS]
    head = ["dataset", "rows", "false alarms", *[f"{n}" for n in names[1:]]]
    lines = ["| " + " | ".join(head) + " |", "|---|---:|" + "---:|" * (len(head) - 2)]
    keyed = {(r["dataset"], r["rows"], r["scenario"]): r for r in results}
    for dataset, rows in dict.fromkeys((r["dataset"], r["rows"]) for r in results):
        cells = [dataset, f"{rows:,}"]
        for name in names:
            r = keyed.get((dataset, rows, name))
            cells.append("n/a" if r is None else f"{r['rate']:.0%} ({r['hits']}/{r['resamples']})")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=",".join(DEFAULT_DATASETS), help="comma-separated manifest names")
    parser.add_argument("--datasets-dir", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--sizes", default="500,2000,10000", help="current rows per check, comma-separated")
    parser.add_argument("--resamples", type=int, default=100, help="untouched resamples per dataset and size")
    parser.add_argument("--detection-resamples", type=int, default=50, help="resamples per shifted scenario")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


def facts(p: Prepared) -> dict:
    return {"task": p.dataset.task, "train_rows": p.model.reference["rows"], "unseen_rows": len(p.pool),
            "train_seconds": round(p.train_seconds, 1), "estimate": p.model.info["estimate"],
            "numeric_inputs": p.numeric,
            "categories_scaled": [{"column": c, "value": v, "share": round(s, 4)} for c, v, s in p.categories]}


def run_dataset(p: Prepared, sizes: list[int], args: argparse.Namespace) -> list[dict]:
    results = []
    for rows in sizes:
        if rows > len(p.pool):
            print(f"  {rows:,} rows: skipped, only {len(p.pool):,} unseen rows", flush=True)
            continue
        for name, make, level in SCENARIOS:
            if make is share_scaled and not p.categories or make is mean_shift and not p.numeric:
                continue
            count = args.resamples if make is untouched else args.detection_resamples
            result = run_scenario(p, name, make, level, rows, count, args.seed)
            results.append(result)
            print(f"  {rows:,} rows, {name}: {result['hits']}/{count} "
                  f"(not stable {result['not_stable']}, raised by {result['parts_raised']})", flush=True)
    return results


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    started, began = time.perf_counter(), datetime.now(UTC)
    sizes = [int(s) for s in args.sizes.split(",")]
    results, trained = [], {}
    for dataset in select(load_manifest(args.datasets_dir), args.datasets.split(",")):
        p = prepare(dataset, args.datasets_dir, args.seed)
        trained[dataset.name] = facts(p)
        print(f"{dataset.name}: trained in {p.train_seconds:.0f} s, {len(p.pool):,} unseen rows", flush=True)
        results += run_dataset(p, sizes, args)
    markdown = table(results)
    seconds = time.perf_counter() - started
    print(f"\n{markdown}\n\n{seconds:.0f} s in all on {os.cpu_count()} cores")
    output = {"command": " ".join(["python benchmarks/drift_calibration.py", *argv]),
              "started": began.isoformat(timespec="seconds"), "seconds": round(seconds, 1),
              "machine": {"cpu_count": os.cpu_count(), "python": platform.python_version(),
                          "mlwright": mlwright.__version__},
              "settings": {"sizes": sizes, "resamples": args.resamples,
                           "detection_resamples": args.detection_resamples, "seed": args.seed,
                           "train": {**TRAIN, "rows": TRAIN_ROWS}, "mean_shifts_sd": MEAN_SHIFTS,
                           "share_factors": SHARE_FACTORS, "share_range": SHARE_RANGE, "label_shares": LABEL_SHARES,
                           "monitor": MonitorSettings().to_dict()},
              "datasets": trained, "table": markdown, "results": results}
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(output, indent=2, default=_plain) + "\n")
    print(f"wrote {args.output.relative_to(REPO_ROOT) if args.output.is_relative_to(REPO_ROOT) else args.output}")
    return 0


def _plain(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    return str(value)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
