"""The unsupervised models' figures: clusters against known classes, anomalies against a labelled
minority, and clustering at scale.

- Clusters: on tables whose classes form groups, the target is removed and mlwright clusters the
  rest (k chosen, and k told); scikit-learn's k-means, told the true k, runs on the same numbers
  standardised. The adjusted Rand index against the classes says how well each found them.
- Anomalies: on raw_mammography (about 2% positives) mlwright's anomaly score, scikit-learn's
  isolation forest with its defaults, and chance (PR AUC = the share of positives), scored by
  ROC AUC and PR AUC against the minority class.
- Scale: `mlwright cluster` on a generated table (1,000,000 rows x 20 columns by default) in a
  process of its own with a 60 s limit: its wall time and peak memory as the user's clock sees them.

    python benchmarks/unsupervised.py [--datasets DIR] [--scale-rows 1000000] [--skip-scale]

Prints markdown tables; nothing is written except the scale test's temporary files.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from manifest import DEFAULT_DATASETS_DIR, load_manifest
from splits import read_raw

CLUSTER_TABLES = ("pmlb_texture", "pmlb_satimage", "pmlb_letter")
ANOMALY_TABLE, ANOMALY_CLASS = "raw_mammography", "1"
TIME_LIMIT = 60.0


def clusters(datasets: Path, names=CLUSTER_TABLES) -> list[dict]:
    import mlwright
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score
    from sklearn.preprocessing import StandardScaler

    manifest = load_manifest(datasets)
    rows = []
    for name in names:
        ds = manifest[name]
        frame = read_raw(datasets / ds.file, ds)
        classes = frame.pop(ds.target).astype(str).to_numpy()
        true_k = len(np.unique(classes))
        record = {"table": name, "rows": len(frame), "columns": frame.shape[1], "classes": true_k}
        for label, k in (("auto", "auto"), ("told", true_k)):
            started = time.perf_counter()
            model = mlwright.cluster(frame, k=k, time_limit=TIME_LIMIT, store=False)
            record[f"mlwright_{label}"] = {"ari": adjusted_rand_score(classes, model.labels_), "k": model.n_clusters,
                                           "method": model.method, "seconds": time.perf_counter() - started,
                                           "stability": model.info["chosen"]["stability"]}
        started = time.perf_counter()
        numbers = StandardScaler().fit_transform(frame.select_dtypes("number").fillna(0.0))
        labels = KMeans(n_clusters=true_k, n_init=10, random_state=0).fit_predict(numbers)
        record["kmeans_told"] = {"ari": adjusted_rand_score(classes, labels), "k": true_k,
                                 "seconds": time.perf_counter() - started}
        rows.append(record)
        print(json.dumps(record), flush=True)
    return rows


def anomalies(datasets: Path) -> dict:
    import mlwright
    from sklearn.ensemble import IsolationForest
    from sklearn.metrics import average_precision_score, roc_auc_score

    ds = load_manifest(datasets)[ANOMALY_TABLE]
    frame = read_raw(datasets / ds.file, ds)
    positive = frame.pop(ds.target).astype(str).str.strip("'\" ").to_numpy() == ANOMALY_CLASS
    started = time.perf_counter()
    model = mlwright.find_anomalies(frame, store=False)
    seconds = time.perf_counter() - started
    forest = IsolationForest(random_state=0).fit(frame)
    baseline = -forest.score_samples(frame)
    flagged = model.scores_ > model.threshold
    result = {"table": ANOMALY_TABLE, "rows": len(frame), "positives": int(positive.sum()),
              "mlwright": {"roc_auc": roc_auc_score(positive, model.scores_),
                           "pr_auc": average_precision_score(positive, model.scores_), "seconds": seconds,
                           "flagged": int(flagged.sum()), "precision": float(positive[flagged].mean()) if flagged.any() else 0,
                           "recall": float(flagged[positive].mean()), "contamination": model.info["contamination"]},
              "isolation_forest_defaults": {"roc_auc": roc_auc_score(positive, baseline),
                                            "pr_auc": average_precision_score(positive, baseline)},
              "chance": {"roc_auc": 0.5, "pr_auc": float(positive.mean())}}
    print(json.dumps(result), flush=True)
    return result


def scale(rows: int, columns: int = 20) -> dict:
    from sklearn.datasets import make_blobs

    X, _ = make_blobs(n_samples=rows, centers=6, n_features=columns, cluster_std=2.0, random_state=0)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.parquet"
        pd.DataFrame(X, columns=[f"c{i}" for i in range(columns)]).to_parquet(path)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "mlwright", "cluster", str(path), "--time-limit",
                               f"{TIME_LIMIT:g}", "--out", str(Path(folder) / "run")], capture_output=True, text=True,
                              env={**os.environ, "MLWRIGHT_STORE": f"sqlite:///{folder}/store.db"})
        wall = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if done.returncode != 0:
            raise SystemExit(f"mlwright cluster failed:\n{done.stderr[-3000:]}")
        info = json.loads((Path(folder) / "run" / "model" / "training.json").read_text())
    result = {"rows": rows, "columns": columns, "wall_s": wall, "peak_rss_mb": peak, "k": info["k"],
              "method": info["method"], "candidates": len(info["candidates"]), "input_mb": X.nbytes / 1e6}
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS_DIR)
    parser.add_argument("--scale-rows", type=int, default=1_000_000)
    parser.add_argument("--skip-scale", action="store_true")
    args = parser.parse_args()
    found = clusters(args.datasets)
    print("\n| table | rows | classes | mlwright, k chosen: ARI (k, method) | mlwright, k told: ARI | "
          "scikit-learn k-means, k told: ARI |\n|---|---:|---:|---|---:|---:|")
    for r in found:
        auto = r["mlwright_auto"]
        print(f"| {r['table']} | {r['rows']:,} | {r['classes']} | {auto['ari']:.3f} ({auto['k']}, {auto['method']}) | "
              f"{r['mlwright_told']['ari']:.3f} | {r['kmeans_told']['ari']:.3f} |")
    odd = anomalies(args.datasets)
    print(f"\n| {odd['table']} ({odd['positives']} of {odd['rows']:,} rows positive) | ROC AUC | PR AUC |\n|---|---:|---:|")
    for name in ("mlwright", "isolation_forest_defaults", "chance"):
        print(f"| {name} | {odd[name]['roc_auc']:.3f} | {odd[name]['pr_auc']:.3f} |")
    if not args.skip_scale:
        big = scale(args.scale_rows)
        print(f"\n`mlwright cluster` on {big['rows']:,} rows x {big['columns']} columns ({big['input_mb']:.0f} MB of "
              f"numbers): {big['wall_s']:.1f} s wall, peak RSS {big['peak_rss_mb']:.0f} MB, k = {big['k']} "
              f"({big['method']}, {big['candidates']} candidates)")


if __name__ == "__main__":
    main()
