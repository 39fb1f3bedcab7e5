"""Does the ONNX export predict what mlwright predicts, and how fast does each answer?

For each dataset: train mlwright on the fixed train split with a short budget, convert it to
ONNX (members that have no ONNX form are named and left out, the rest re-weighted), and on the
held-out rows report the largest absolute difference of the probabilities or values (batch, and
row by row), whether the labels agree, and the latency of both runtimes: the median of 200
single-row ``predict_table`` calls after a warm-up, and one 10,000-row batch.

Usage: python benchmarks/onnx_agreement.py [--budget 30] [--datasets DIR] [NAME ...]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from manifest import DEFAULT_DATASETS_DIR, load_manifest, select
from splits import ensure_split

DEFAULT_NAMES = ("raw_adult", "pmlb_phoneme", "pmlb_credit_g", "pmlb_vehicle", "pmlb_wine_quality_white",
                 "pmlb_197_cpu_act", "pmlb_574_house_16H")
SINGLE_CALLS = 200
BATCH_ROWS = 10_000
TOLERANCE = 1e-5


def convertible(model) -> tuple[list[str], list[str]]:
    """Members that convert alone, and the refusals of those that do not (which are then dropped)."""
    from mlwright.portable import CannotConvert, build_onnx

    converted, refused = [], []
    for member in list(model.members):
        try:
            build_onnx(model.only(member))
            converted.append(member.name)
        except CannotConvert as refusal:
            refused.append(f"{member.name}: {refusal.problem}")
            model.without_member(member.name)
    return converted, refused


def median_ms(predict, frames: list[pd.DataFrame]) -> float:
    for frame in frames[:20]:
        predict(frame)
    times = []
    for frame in frames:
        started = time.perf_counter()
        predict(frame)
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def best_ms(predict, frame: pd.DataFrame, repeats: int = 3) -> float:
    predict(frame)
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        predict(frame)
        times.append(time.perf_counter() - started)
    return 1000 * min(times)


def measure(ds, datasets_dir, budget: float, families: tuple[str, ...] | None) -> dict:
    import mlwright
    from mlwright.portable import OnnxModel

    train_path, test_path = ensure_split(ds, datasets_dir)
    train, test = pd.read_parquet(train_path), pd.read_parquet(test_path)
    rows = test.drop(columns=[ds.target]).reset_index(drop=True)
    model = mlwright.train(train, ds.target, time_limit=budget, progress=False, store=False,
                           **({"families": families} if families else {}))
    converted, refused = convertible(model)
    portable = OnnxModel.from_trained(model)
    want, got = model.raw_predict(rows), portable.raw_predict(rows)
    singles = [rows.iloc[[i]] for i in np.random.default_rng(0).choice(len(rows), SINGLE_CALLS)]
    single_gap = max(np.abs(model.raw_predict(f) - portable.raw_predict(f)).max() for f in singles)
    # mlwright's own single-row shortcuts (forests, k-NN) round differently from its batch path
    single_vs_batch = max(np.abs(want[rows.index.get_indexer(f.index)] - portable.raw_predict(f)).max() for f in singles)
    batch = rows.sample(BATCH_ROWS, replace=len(rows) < BATCH_ROWS, random_state=0)
    return {
        "dataset": ds.name, "task": ds.task, "test rows": len(rows),
        "converted": ", ".join(converted), "refused": "; ".join(refused) or "-",
        "max |diff| batch": float(np.abs(want - got).max()), "max |diff| single rows": float(single_gap),
        "max |diff| single rows vs py batch": float(single_vs_batch),
        "labels agree": _labels_agree(model, portable, rows),
        "1 row py ms": median_ms(model.predict_table, singles), "1 row onnx ms": median_ms(portable.predict_table, singles),
        "10k rows py ms": best_ms(model.predict_table, batch), "10k rows onnx ms": best_ms(portable.predict_table, batch),
    }


def _labels_agree(model, portable, rows: pd.DataFrame) -> str:
    if not model.task.is_classification:
        return "n/a"
    target = model.target.name
    return str(bool((model.predict_table(rows)[target] == portable.predict_table(rows)[target]).all()))


def markdown(results: list[dict]) -> str:
    columns = list(results[0])
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for result in results:
        cells = [f"{v:.1e}" if "diff" in k else f"{v:.2f}" if k.endswith("ms") else str(v) for k, v in result.items()]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", default=list(DEFAULT_NAMES), help="dataset names from the manifest")
    parser.add_argument("--budget", type=float, default=30.0, help="training time limit per dataset, seconds")
    parser.add_argument("--families", default="", help="comma-separated families to train (default: all)")
    parser.add_argument("--datasets", type=Path, default=DEFAULT_DATASETS_DIR, help="folder holding manifest.toml")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    families = tuple(f for f in args.families.split(",") if f) or None
    results = []
    for ds in select(load_manifest(args.datasets), args.names):
        result = measure(ds, args.datasets, args.budget, families)
        print(f"{ds.name}: max |diff| {result['max |diff| batch']:.1e} (single rows "
              f"{result['max |diff| single rows']:.1e}); refused: {result['refused']}", flush=True)
        results.append(result)
    print()
    print(markdown(results))
    worst = max(max(r["max |diff| batch"], r["max |diff| single rows vs py batch"]) for r in results)
    print(f"\nlargest difference {worst:.1e}: {'within' if worst <= TOLERANCE else 'OVER'} {TOLERANCE:g}")


if __name__ == "__main__":
    main()
