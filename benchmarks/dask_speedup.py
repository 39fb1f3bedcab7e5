"""The search at a fixed number of trials: in this process, and on a local Dask cluster of one and
two worker processes; plus what is shipped to the workers and how big it is.

Every run uses one thread per trial, so the only difference between one and two workers is
trials running side by side. The time is the search stage's (from the run's record of stage
times), median of ``--repeat`` runs.

Usage: python benchmarks/dask_speedup.py [--dataset pmlb_adult] [--rows 20000] [--trials 8] [--repeat 3] [--sizes-only]
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATASETS = HERE.parent.parent / "shared" / "datasets"
RESULTS = HERE / "results" / "dask_speedup.json"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dataset", default="pmlb_adult")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--families", default="lightgbm,extra_trees,linear")
    parser.add_argument("--sizes-only", action="store_true", help="measure only what is shipped; keep the timings "
                        "already in the results file")
    return parser.parse_args(argv)


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    import os

    import mlwright
    from mlwright.data.readers import read_table
    from mlwright.execution.dask import DaskExecutor
    from mlwright.search.trial import run_trial

    entry = tomllib.loads((DATASETS / "manifest.toml").read_text())[args.dataset]
    frame = read_table(DATASETS / entry["file"], sep=entry.get("sep")).sample(args.rows, random_state=0)
    settings = dict(time_limit=3600, max_trials=args.trials, families=tuple(args.families.split(",")), folds=5,
                    n_jobs=1, progress=False, checks=False)
    results: dict = {"command": "python benchmarks/dask_speedup.py " + " ".join(argv), "cores": os.cpu_count(),
                     "dataset": args.dataset, "rows": args.rows, "trials": args.trials, "settings": {
                         k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}, "runs": {}}
    shipped: dict = {}
    if args.sizes_only:
        model = mlwright.train(frame, entry["target"], store=False, **{**settings, "max_trials": 1})
        results = json.loads(RESULTS.read_text())
        results["shipped"] = _shipped_sizes(model, frame, entry, settings, run_trial)
        print(json.dumps(results["shipped"], indent=1))
        RESULTS.write_text(json.dumps(results, indent=1) + "\n")
        return

    def search_seconds(executor) -> float:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite:///{folder}/store.db"
            model = mlwright.train(frame, entry["target"], store=url, executor=executor, **settings)
            store = mlwright.open_store(url)
            try:
                run = store.runs.get(model.info["run_id"])
            finally:
                store.close()
            return float(run.timings["stages"]["search"]), model

    for name, workers in (("local", None), ("dask, 1 worker", 1), ("dask, 2 workers", 2)):
        times = []
        for _ in range(args.repeat):
            executor = DaskExecutor(workers=workers) if workers else None
            try:
                seconds, model = search_seconds(executor)
            finally:
                if executor is not None:
                    executor.shutdown()
            times.append(round(seconds, 2))
        results["runs"][name] = {"search_s": times, "median_s": statistics.median(times)}
        print(f"{name}: search {statistics.median(times):.1f} s (median of {times})", flush=True)
        if not shipped:
            shipped = _shipped_sizes(model, frame, entry, settings, run_trial)
    base = results["runs"]["dask, 1 worker"]["median_s"]
    results["speedup_1_to_2_workers"] = round(base / results["runs"]["dask, 2 workers"]["median_s"], 2)
    results["shipped"] = shipped
    print(json.dumps({"speedup_1_to_2_workers": results["speedup_1_to_2_workers"], "shipped": shipped}, indent=1))
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")


def _shipped_sizes(model, frame, entry, settings, run_trial) -> dict:
    """What travels: the search context once per worker, a spec and a result per trial (pickled)."""
    from mlwright.data.prepare import prepare_training_data
    from mlwright.data.splits import choose_folds, make_folds
    from mlwright.evaluate.metrics import get_metric
    from mlwright.search.context import SearchContext
    from mlwright.search.trial import TrialSpec

    prepared = prepare_training_data(frame, entry["target"], None)
    task = prepared.target.task
    folds = make_folds(prepared.y, task, choose_folds(len(prepared.y), settings["folds"]), 0)
    context = SearchContext(frame=prepared.frame, y=prepared.y, schema=prepared.schema, task=task,
                            n_classes=len(prepared.target.classes), metric=get_metric(model.metric, task),
                            folds=folds, seed=0, threads=1)
    spec = TrialSpec(1, "lightgbm", {}, "portfolio", time.time() + 600)
    shipped_context = len(pickle.dumps(context))  # as scattered: before any trial filled its fold cache
    result = run_trial(spec, context)
    return {"context_mb": round(shipped_context / 1e6, 2), "spec_kb": round(len(pickle.dumps(spec)) / 1e3, 2),
            "result_mb": round(len(pickle.dumps(result)) / 1e6, 3), "training_rows": int(len(prepared.y)),
            "columns": int(prepared.frame.shape[1])}


if __name__ == "__main__":
    main(sys.argv[1:])
