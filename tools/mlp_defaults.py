"""Compare settings of the neural family on the meta corpus, beside LightGBM's first default.

Why: the network's defaults (its portfolio entry) are chosen here, on tables that are neither
in the dev suite nor copies of its tables, never on the benchmarks. Each network variant is
``BASE_MLP`` (the default before this comparison) with some settings changed; every (table, variant) runs through
mlwright's own trial path (prepare_training_data, make_folds, SearchContext, run_trial), 3 folds,
the tables subsampled to ``--max-rows``, no deadline (the epochs are the variable). Prints per variant the mean rank, the mean normalized
score (best on the table = 1) and the seconds, and appends each result to ``--out`` (JSON lines;
a restart skips what is there). ``mlp_defaults.jsonl`` beside this file holds the comparison
that chose the current default; its ``robust`` rows came from a median/IQR scaling that lost
and was removed, so they can be summarized but not run again.

    python tools/mlp_defaults.py --variants base,scale,scale+epochs128 --tables pmlb_saheart,pmlb_vowel
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_TABLES = ("pmlb_saheart,pmlb_profb,pmlb_tokyo1,pmlb_xd6,pmlb_vowel,pmlb_analcatdata_authorship,pmlb_soybean,"
                  "pmlb_Hill_Valley_with_noise,pmlb_mofn_3_7_10,pmlb_led7,pmlb_586_fri_c3_1000_25,"
                  "pmlb_593_fri_c1_1000_10,pmlb_1029_LEV,pmlb_666_rmftsa_ladata,pmlb_547_no2,pmlb_sleep,"
                  "pmlb_shuttle,pmlb_krkopt,pmlb_fars")
#: The network's first default before this comparison: every mlp variant changes some of it
#: (``scale+lr4e-3+epochs128`` is the default it chose). Other families start from their first default.
BASE_MLP = {"lr": 2e-3, "width": 256, "layers": 3, "dropout": 0.1, "weight_decay": 1e-4, "sigma": 0.1,
            "label_smoothing": 0.1, "epochs": 64, "learn_scale": False}
#: Each variant: the family and the settings that differ from its starting point.
VARIANTS = {
    "lightgbm": ("lightgbm", {}),
    "base": ("mlp", {}),
    "scale": ("mlp", {"learn_scale": True}),
    "beta95": ("mlp", {"beta2": 0.95}),
    "epochs128": ("mlp", {"epochs": 128}),
    "nodrop": ("mlp", {"dropout": 0.0}),
    "wd0": ("mlp", {"weight_decay": 0.0}),
    "lr4e-3": ("mlp", {"lr": 4e-3}),
    "lr1e-3": ("mlp", {"lr": 1e-3}),
    "sigma05": ("mlp", {"sigma": 0.05}),
    "sigma02": ("mlp", {"sigma": 0.2}),
    "full": ("mlp", {"early_stopping": False}),
    "lr8e-3": ("mlp", {"lr": 8e-3}),
    "lr1.6e-2": ("mlp", {"lr": 1.6e-2}),
    "epochs256": ("mlp", {"epochs": 256}),
}


def _build():
    spec = importlib.util.spec_from_file_location("portfolio_build", HERE / "portfolio" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def parse_variant(name: str) -> tuple[str, dict]:
    """A named variant, or several joined by '+' (their settings merged)."""
    family, params = None, {}
    for part in name.split("+"):
        part_family, part_params = VARIANTS[part]
        family = family or part_family
        params.update(part_params)
    return family, params


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", default="lightgbm,base")
    parser.add_argument("--tables", default=DEFAULT_TABLES)
    parser.add_argument("--max-rows", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--meta", type=Path, default=REPO.parent / "shared" / "datasets" / "meta")
    parser.add_argument("--out", type=Path, default=HERE / "mlp_defaults.jsonl")
    parser.add_argument("--summary-only", action="store_true", help="summarize --out, run nothing")
    args = parser.parse_args(argv)
    build = _build()
    from mlwright.data.splits import make_folds
    from mlwright.models.registry import FAMILIES
    from mlwright.search.context import SearchContext
    from mlwright.search.trial import TrialSpec, run_trial

    manifest = build.read_manifest(args.meta)
    done = {}
    if args.out.exists():
        for line in args.out.read_text().splitlines():
            row = json.loads(line)
            done[(row["table"], row["variant"])] = row
    variants = args.variants.split(",")
    for table in [] if args.summary_only else args.tables.split(","):
        prepared, metric, _ = build.load_table(table, manifest[table], args.meta, args.max_rows)
        task = prepared.target.task
        folds = make_folds(prepared.y, task, 3, seed=0)
        context = SearchContext(frame=prepared.frame, y=prepared.y, schema=prepared.schema, task=task,
                                n_classes=len(prepared.target.classes), metric=metric, folds=folds, seed=0,
                                threads=args.threads)
        for variant in variants:
            if (table, variant) in done:
                continue
            family, changes = parse_variant(variant)
            params = {**(BASE_MLP if family == "mlp" else FAMILIES[family].portfolio[0]), **changes}
            started = time.time()
            result = run_trial(TrialSpec(0, family, params, "portfolio", deadline=time.time() + 1e6), context)
            row = {"table": table, "variant": variant, "task": task.value, "metric": metric.name,
                   "greater_is_better": bool(metric.greater_is_better), "score": result.score,
                   "seconds": round(time.time() - started, 2), "error": result.error}
            done[(table, variant)] = row
            with open(args.out, "a") as handle:
                handle.write(json.dumps(row) + "\n")
            print(f"{table:32s} {variant:14s} {result.score!s:22s} {row['seconds']:7.1f}s", flush=True)
    summarize([r for r in done.values() if r["variant"] in variants], variants)
    return 0


def summarize(rows: list[dict], variants: list[str]) -> None:
    tables = sorted({r["table"] for r in rows})
    ranks, normalized, seconds = {v: [] for v in variants}, {v: [] for v in variants}, {v: 0.0 for v in variants}
    for table in tables:
        got = {r["variant"]: r for r in rows if r["table"] == table}
        if set(got) != set(variants) or any(got[v]["score"] is None for v in variants):
            continue
        # mlwright's scores grow with quality: a loss is scored as its negative
        scores = np.array([got[v]["score"] for v in variants])
        order = rankdata(-scores)
        best = scores.max()
        for i, v in enumerate(variants):
            ranks[v].append(order[i])
            normalized[v].append(scores[i] / best if best > 0 else best / min(scores[i], -1e-12))
            seconds[v] += got[v]["seconds"]
    print(f"\n{'variant':24s} {'tables':>6s} {'mean rank':>9s} {'mean norm':>9s} {'seconds':>8s}")
    for v in variants:
        print(f"{v:24s} {len(ranks[v]):6d} {np.mean(ranks[v]):9.2f} {np.mean(normalized[v]):9.4f} {seconds[v]:8.0f}")


if __name__ == "__main__":
    sys.exit(main())
