"""Score single configurations on one dataset's training split, to see what a table wants.

Each configuration goes through the search's own trial (``run_trial``: the same encoding, early
stopping and deadline) on the benchmark's seed-0 training split, never its test split: the
out-of-fold score on 3 folds, or with ``--holdout`` on the first fold's third alone. A
configuration is a portfolio entry's name (``extra_trees_r1``) or ``FAMILY`` / ``FAMILY:LABEL``
for the family's first default, changed by ``--params LABEL='{"max_features": 1.0}'``.

    python benchmarks/probe_configs.py pmlb_344_mv catboost_h0,extra_trees_r1,extra_trees:all \\
        --params 'extra_trees:all={"max_features": 1.0}'
"""

from __future__ import annotations

import argparse
import json
import time

import pandas as pd

import manifest
import splits


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("dataset", help="a dataset name from the manifest")
    p.add_argument("configs", help="comma-separated: portfolio entry names, or FAMILY[:LABEL]")
    p.add_argument("--params", action="append", default=[], metavar="LABEL=JSON",
                   help="parameters over the family's first default for FAMILY:LABEL (repeatable)")
    p.add_argument("--deadline", type=float, default=60.0, help="seconds per trial (default 60)")
    p.add_argument("--holdout", action="store_true", help="one holdout (the first of 3 folds) instead of 3 folds")
    p.add_argument("--threads", type=int, default=2)
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    from mlwright._types import Task
    from mlwright.data.prepare import prepare_training_data
    from mlwright.data.splits import make_folds
    from mlwright.evaluate.metrics import get_metric
    from mlwright.models.portfolio import learned_portfolio
    from mlwright.models.registry import FAMILIES
    from mlwright.search.context import SearchContext
    from mlwright.search.trial import TrialSpec, run_trial

    args = parse_args(argv)
    overrides = dict(item.split("=", 1) for item in args.params)
    entries = manifest.load_manifest(manifest.DEFAULT_DATASETS_DIR)
    ds = entries[args.dataset]
    train_path, _ = splits.ensure_split(ds, manifest.DEFAULT_DATASETS_DIR, drop=splits.leaks(ds, False))
    task = Task(ds.task)
    metric = get_metric(ds.metric, task)
    prepared = prepare_training_data(pd.read_parquet(train_path), ds.target, task, where=ds.name, metric=metric)
    folds = make_folds(prepared.y, prepared.target.task, 3, seed=0)
    context = SearchContext(frame=prepared.frame, y=prepared.y, schema=prepared.schema, task=prepared.target.task,
                            n_classes=len(prepared.target.classes), metric=metric,
                            folds=folds[:1] if args.holdout else folds, seed=0, threads=args.threads)
    named = {e.name: e for e in learned_portfolio()}
    for trial_id, config in enumerate(args.configs.split(",")):
        if config in named:
            family, params = named[config].family, dict(named[config].params)
        else:
            family = config.split(":")[0]
            params = {**FAMILIES[family].portfolio[0], **json.loads(overrides.get(config, "{}"))}
        started = time.time()
        result = run_trial(TrialSpec(trial_id, family, params, "portfolio", deadline=started + args.deadline,
                                     must_finish=False), context)
        score = "" if result.score is None else f"{metric.name} {abs(result.score):.4f}"
        print(f"{config:24s} {result.status:10s} {score:22s} {time.time() - started:6.1f} s  {json.dumps(params)}",
              flush=True)


if __name__ == "__main__":
    main()
