"""10-fold cross-validation on the movie reviews (issue 21): mlwright against AutoGluon and FLAML.

The 2,000 reviews of ``raw_review_polarity.tar.gz`` are split into 10 stratified folds (seed 0).
Each system gets each fold's 1,800 training reviews as a table with one text column (``text``)
and the label, within the budget, and is scored on the other 200: ROC AUC and the accuracy of
the most probable class, the figure Wang and Manning (2012) report (NB-SVM with bigrams: 89.45%).
Each fit runs through ``run.py``'s runners, so it is timed, sized and isolated as the tabular
benchmark's are; the results go to ``benchmarks/results/runs/RUN_ID`` and resume like theirs.

    python benchmarks/text.py --systems mlwright,flaml,autogluon --budget 120
    python benchmarks/text.py --resume RUN_ID
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import manifest
import run
from systems import default_pythons, parse_systems

DATASET = "raw_review_polarity"
FOLDS = 10


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--systems", default="mlwright", help="comma-separated (default mlwright)")
    p.add_argument("--budget", type=float, default=120.0, help="seconds per fit (default 120)")
    p.add_argument("--folds", default=",".join(map(str, range(FOLDS))), help="which of the 10 folds to run")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", metavar="RUN_ID")
    p.add_argument("--datasets", type=Path, default=manifest.DEFAULT_DATASETS_DIR)
    for env, python in default_pythons().items():
        p.add_argument(f"--python-{env}", type=Path, default=python)
    return p.parse_args(argv)


def write_folds(datasets: Path) -> list[tuple[Path, Path]]:
    """The 10 folds' train and test tables (text, label), written once into the cache."""
    from sklearn.model_selection import StratifiedKFold

    from mlwright.data.documents import read_documents

    folder = run.CACHE / "splits" / f"{DATASET}-10fold"
    paths = [(folder / f"fold{k}-train.parquet", folder / f"fold{k}-test.parquet") for k in range(FOLDS)]
    if all(a.is_file() and b.is_file() for a, b in paths):
        return paths
    folder.mkdir(parents=True, exist_ok=True)
    frame = read_documents(datasets / f"{DATASET}.tar.gz")[["text", "label"]]
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0).split(frame, frame["label"])
    for (train_path, test_path), (train_rows, test_rows) in zip(paths, folds):
        frame.iloc[train_rows].to_parquet(train_path, index=False)
        frame.iloc[test_rows].to_parquet(test_path, index=False)
    return paths


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    if args.resume:
        run_dir = run.RUNS / args.resume
        config = json.loads((run_dir / "run.json").read_text())
    else:
        run_id = time.strftime("%Y%m%d-%H%M%S") + f"-text-b{args.budget:g}"
        run_dir = run.RUNS / run_id
        run_dir.mkdir(parents=True)
        config = {"budget": args.budget, "threads": args.threads, "seed": args.seed, "systems": args.systems.split(","),
                  "folds": [int(k) for k in args.folds.split(",")], "dataset": DATASET, "commands": []}
    config["commands"].append(" ".join(["python", "benchmarks/text.py", *argv]))
    (run_dir / "run.json").write_text(json.dumps(config, indent=2) + "\n")
    paths = write_folds(args.datasets)
    pythons = {env: getattr(args, f"python_{env}").absolute() for env in default_pythons()}
    dataset = manifest.Dataset(name=DATASET, file=f"{DATASET}.tar.gz", target="label", task="binary",
                               metric="roc_auc")
    for fold in config["folds"]:
        for system in parse_systems(",".join(config["systems"])):
            out = run_dir / f"{DATASET}__fold{fold}__{system.name}.json"
            if out.is_file():
                continue
            work = run.CACHE / "pairs" / run_dir.name / out.stem
            result = run.run_pair(dataset, system, config, pythons[system.env], paths[fold], work, split_seed=fold)
            run.record(result, dataset, system, config, work, out, split_seed=fold)
            print(f"  fold {fold} {system.name:12} {run.summary_line(result)} accuracy={_accuracy(result):.4f}",
                  flush=True)
    summarize(run_dir)


def summarize(run_dir: Path) -> None:
    """Mean and spread of ROC AUC and accuracy per system over the folds done."""
    by_system: dict[str, list[dict]] = {}
    for path in sorted(run_dir.glob(f"{DATASET}__fold*.json")):
        result = json.loads(path.read_text())
        by_system.setdefault(result["system"], []).append(result)
    print("| system | folds | accuracy | ROC AUC | fit s (median) | latency p50 ms (median) |")
    print("|---|---:|---:|---:|---:|---:|")
    for system, results in by_system.items():
        ok = [r for r in results if "error" not in r]
        accuracy = [_accuracy(r) for r in ok]
        auc = [r["score"] for r in ok]
        print(f"| {system} | {len(ok)}/{len(results)} | {_mean_sd(accuracy)} | {_mean_sd(auc)} | "
              f"{statistics.median(r['fit_time_s'] for r in ok):.1f} | "
              f"{statistics.median(r['latency_ms_p50'] for r in ok):.2f} |" if ok else f"| {system} | 0/{len(results)} |")


def _accuracy(result: dict) -> float:
    return float(result.get("notes", {}).get("accuracy", float("nan")))


def _mean_sd(values: list[float]) -> str:
    if not values:
        return "-"
    spread = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {spread:.4f}"


if __name__ == "__main__":
    main(sys.argv[1:])
