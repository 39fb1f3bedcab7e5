"""How fast the studio's pages answer over a full store (issue 23's goal: p50 under 200 ms).

Fills a fresh SQLite store with ``--runs`` finished runs (each with its data fingerprint,
findings, metrics and 12 trials, as `train` records them), ``--versions`` registered versions
over ten names (each a real model folder, trained once and registered again), a drift check
history and served predictions for one model; then starts `mlwright ui` on it and times each
page ``--repeat`` times over HTTP from one client, one request at a time.

    python benchmarks/studio_pages.py                  # 1,000 runs, 100 versions, 30 requests a page

Results go to ``benchmarks/results/studio_pages.json`` and a Markdown table on standard output.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "benchmarks" / "results"
sys.path.insert(0, str(REPO))


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=1000)
    p.add_argument("--versions", type=int, default=100)
    p.add_argument("--repeat", type=int, default=30)
    return p.parse_args(argv)


def fill(folder: Path, runs: int, versions: int) -> tuple[str, list[str]]:
    import pandas as pd

    import mlwright
    from mlwright.registry.store import open_store

    store_url = f"sqlite:///{folder / 'store.db'}"
    titanic = pd.read_csv(REPO / "examples" / "titanic.csv.gz")
    model = mlwright.train(titanic, "survived", store=store_url, out=folder / "seed-run", time_limit=20,
                           families=("lightgbm", "linear"), max_trials=3, progress=False)
    store = open_store(store_url)
    seed = store.runs.get(model.info["run_id"])
    rng = random.Random(0)
    ids = []
    for i in range(runs):
        run_id = store.runs.start(target=rng.choice(["survived", "churn", "price", "income"]),
                                  params={**seed.params, "seed": i, "time_limit": rng.choice([60, 120, 300])},
                                  source={"kind": "file", "path": f"data/table_{i % 37}.csv"})
        store.runs.describe_data(run_id, task=seed.task, metric=rng.choice(["roc_auc", "rmse", "log_loss"]),
                                 data=seed.data, findings=seed.findings)
        for t in range(12):
            store.runs.log_trial(run_id, {"name": f"lightgbm_{t}", "family": "lightgbm", "status": "ok",
                                          "score": rng.random(), "fit_seconds": rng.random() * 5,
                                          "predict_ms_per_row": 0.01, "params": {"num_leaves": 31 + t}})
        store.runs.finish(run_id, metrics=seed.metrics, timings=seed.timings)
        ids.append(run_id)
    for v in range(versions):
        store.models.register(f"model_{v % 10}", folder / "seed-run", run_id=ids[v])
    served_rows = [{"request_id": f"r{i}", "row_index": 0, "served_at": datetime.now(timezone.utc) - timedelta(minutes=i),
                    "model": "models:/model_0/production", "model_name": "model_0", "model_version": 1,
                    "inputs": {"age": 30 + i % 40, "sex": "female"}, "prediction": i % 2,
                    "probabilities": {"0": 0.4, "1": 0.6}, "latency_ms": 2 + (i % 10) / 10} for i in range(20_000)]
    store.served.write(served_rows)
    for c in range(100):
        store.drift.record({"checked_at": datetime.now(timezone.utc) - timedelta(days=100 - c), "model": "models:/model_0/production",
                            "model_name": "model_0", "model_version": 1, "current": {}, "reference": {}, "rows": 5000,
                            "status": 0, "verdict": rng.choice(["stable", "stable", "warning", "action"]),
                            "summary": {"reasons": ["a reason"]}},
                           [{"feature": f"x{f}", "kind": "numeric", "statistic": "ks", "value": rng.random(),
                             "p_value": rng.random(), "psi": rng.random() / 5, "weight": 1.0,
                             "verdict": rng.choice(["stable", "warning"]), "missing_rate": 0.0,
                             "new_category_rate": None, "details": {}} for f in range(15)])
    store.close()
    return store_url, ids


def main(argv: list[str]) -> None:
    from tests.studio_fixtures import start_studio

    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mlwright-studio-bench-") as name:
        folder = Path(name)
        started = time.perf_counter()
        store, ids = fill(folder, args.runs, args.versions)
        fill_seconds = time.perf_counter() - started
        studio = start_studio(folder, store, ids)  # `mlwright ui` on a free port, once /health answers
        try:
            url = studio.url
            pages = {f"runs (first page of {args.runs:,})": "/runs", "runs sorted by estimate": "/runs?sort=estimate",
                     "runs filtered": "/runs?metric=rmse&target=churn", "run": f"/runs/{ids[len(ids) // 2]}",
                     "compare (4 runs)": "/compare?" + "&".join(f"run={i}" for i in ids[:4]), "models": "/models",
                     "model (10 versions)": "/models/model_0", "monitoring": "/monitoring",
                     "model monitoring (100 checks, 20,000 served rows)": "/monitoring/model_0",
                     "try form": "/try/model_0/1"}
            timings = {}
            with httpx.Client(base_url=url, timeout=60) as client:
                for label, path in pages.items():
                    answer = client.get(path)  # the first: caches warm (the try form loads its model)
                    assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
                    seconds = []
                    for _ in range(args.repeat):
                        tick = time.perf_counter()
                        client.get(path).raise_for_status()
                        seconds.append(time.perf_counter() - tick)
                    timings[label] = {"p50_ms": round(1000 * statistics.median(seconds), 1),
                                      "p90_ms": round(1000 * statistics.quantiles(seconds, n=10)[-1], 1)}
        finally:
            studio.stop()
    record = {"runs": args.runs, "versions": args.versions, "repeat": args.repeat, "cpu_count": os.cpu_count(),
              "fill_seconds": round(fill_seconds, 1), "pages": timings,
              "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "studio_pages.json").write_text(json.dumps(record, indent=1))
    print("| page | p50 ms | p90 ms |\n|---|---:|---:|")
    for label, t in timings.items():
        print(f"| {label} | {t['p50_ms']} | {t['p90_ms']} |")


if __name__ == "__main__":
    main(sys.argv[1:])
