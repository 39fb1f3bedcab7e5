"""Evaluate every candidate configuration on every table of the meta corpus.

The trials run through mlwright's own path (prepare_training_data, make_folds, SearchContext,
run_trial), 3 folds, one thread each, one table per worker process. Each (table, config)
result is appended to ``meta_results.jsonl`` as it finishes; a restart skips the pairs already
there. Then ``select_portfolio.py`` chooses the portfolio from that file.

    python tools/portfolio/build.py [--meta DIR] [--workers 2] [--limit-tables N]
"""

from __future__ import annotations

import os
import sys

# one thread per fit, set before any numeric library is loaded (and again in each worker)
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS",
                    "NUMEXPR_NUM_THREADS", "BLIS_NUM_THREADS")
for _name in THREAD_VARIABLES:
    os.environ[_name] = "1"

import argparse  # noqa: E402
import fcntl  # noqa: E402
import json  # noqa: E402
import importlib.util  # noqa: E402
import re  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
import traceback  # noqa: E402
from concurrent.futures import ProcessPoolExecutor, as_completed  # noqa: E402
from pathlib import Path  # noqa: E402

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


def sibling(name: str):
    """A module of this folder, loaded by path (the folder is kept off sys.path: see above)."""
    key = f"portfolio_{name}"
    if key not in sys.modules:
        spec = importlib.util.spec_from_file_location(key, HERE / f"{name}.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module
        spec.loader.exec_module(module)
    return sys.modules[key]


candidates = sibling("candidates").candidates

DEFAULT_META = REPO.parent / "shared" / "datasets" / "meta"
DEFAULT_OUT = HERE / "meta_results.jsonl"
FOLDS, SEED, THREADS, MAX_ROWS, DEADLINE = 3, 0, 1, 10_000, 20.0


def read_manifest(meta: Path) -> dict[str, dict]:
    """The manifest, read tolerantly: a table name such as ``parity5+5`` is not a bare TOML key."""
    text = (meta / "manifest.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^\[([^\]"]+)\]$', lambda m: '["' + m.group(1) + '"]', text)
    return tomllib.loads(text)


def read_done(path: Path) -> set[tuple[str, str]]:
    done = set()
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:  # a line cut by a crash: that pair runs again
                continue
            done.add((row["table"], row["config"]))
    return done


def append(path: Path, row: dict) -> None:
    """One line, written with one call under a lock, flushed: two workers never interleave."""
    line = (json.dumps(row, sort_keys=True) + "\n").encode("utf-8")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, line)
        os.fsync(fd)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _init_worker() -> None:
    for name in THREAD_VARIABLES:
        os.environ[name] = "1"


def load_table(name: str, entry: dict, meta: Path, max_rows: int):
    """The prepared table (subsampled to ``max_rows``, stratified by class) and its facts."""
    import numpy as np
    import pandas as pd

    from mlwright._types import Task
    from mlwright.data.prepare import prepare_training_data
    from mlwright.data.sampling import stratified_positions
    from mlwright.evaluate.metrics import get_metric

    task = Task(entry["task"])
    metric = get_metric(entry["metric"], task)
    raw = pd.read_csv(meta / entry["file"], sep=entry.get("sep", ","))
    rows_raw = len(raw)
    if rows_raw > max_rows:
        rng = np.random.default_rng(SEED)
        positions = np.arange(rows_raw)
        if task.is_classification:
            strata = pd.factorize(raw[entry["target"]].astype(str))[0]
            chosen = stratified_positions(positions, strata, max_rows, rng)
        else:
            chosen = np.sort(rng.choice(positions, size=max_rows, replace=False))
        raw = raw.iloc[chosen].reset_index(drop=True)
    prepared = prepare_training_data(raw, entry["target"], task, where=name, metric=metric)
    return prepared, metric, rows_raw


def evaluate_table(name: str, entry: dict, meta: str, configs: list[dict], out: str, deadline_s: float,
                   max_rows: int) -> dict:
    """Every config not yet done on one table; results appended to ``out`` one by one."""
    from mlwright.data.splits import make_folds
    from mlwright.models.registry import FAMILIES
    from mlwright.search.context import SearchContext
    from mlwright.search.trial import TrialSpec, run_trial

    started = time.time()
    out_path = Path(out)
    base = {"table": name, "task": entry["task"], "metric": entry["metric"]}
    try:
        prepared, metric, rows_raw = load_table(name, entry, Path(meta), max_rows)
        task = prepared.target.task
        y = prepared.y
        folds = make_folds(y, task, FOLDS, seed=SEED)
        context = SearchContext(frame=prepared.frame, y=y, schema=prepared.schema, task=task,
                                n_classes=len(prepared.target.classes), metric=metric, folds=folds,
                                seed=SEED, threads=THREADS)
        # encode each style's folds once before timing: otherwise the first trial of a style
        # would carry the encoding in its fold seconds
        encode_seconds, widths = {}, {}
        for style in sorted({f.style for f in FAMILIES.values()}):
            t0 = time.time()
            for index in range(FOLDS):
                context.fold(index, style)
            encode_seconds[style] = round(time.time() - t0, 4)
            widths[style] = int(context.fold(0, style).X_fit.shape[1])
    except Exception as exc:  # the table itself cannot be read or prepared: every pair fails
        error = "table: " + traceback.format_exception_only(type(exc), exc)[-1].strip()[:400]
        for c in configs:
            append(out_path, {**base, "config": c["name"], "family": c["family"], "params": c["params"],
                              "origin": c["origin"], "status": "failed", "score": None, "error": error})
        return {"table": name, "trials": len(configs), "seconds": time.time() - started, "error": error}
    base.update({"rows": int(len(y)), "rows_raw": int(rows_raw), "subsampled": bool(rows_raw > len(y)),
                 "cols": len(prepared.schema.used), "encoded_cols": widths, "n_classes": int(context.n_classes),
                 "encode_seconds": encode_seconds, "folds": FOLDS, "threads": THREADS})
    for trial_id, c in enumerate(configs):
        family = FAMILIES[c["family"]]
        row = {**base, "config": c["name"], "family": c["family"], "params": c["params"], "origin": c["origin"]}
        if not family.supports(task, len(y)):
            append(out_path, {**row, "status": "unsupported", "score": None, "fold_seconds": [],
                              "fit_seconds": 0.0, "cpu_seconds": 0.0, "iterations": None, "error": ""})
            continue
        spec = TrialSpec(trial_id, c["family"], dict(c["params"]), "portfolio",
                         deadline=time.time() + deadline_s, must_finish=False)
        cpu0 = time.process_time()
        result = run_trial(spec, context)
        cpu = time.process_time() - cpu0
        append(out_path, {
            **row, "status": result.status, "score": None if result.score is None else float(result.score),
            "fold_seconds": [round(s, 4) for s in result.fold_seconds], "fit_seconds": round(result.fit_seconds, 4),
            "cpu_seconds": round(cpu, 4),
            "iterations": float(sum(result.iterations) / len(result.iterations)) if result.iterations else None,
            "predict_ms_per_row": result.predict_ms_per_row, "error": result.error, "finished_at": time.time()})
    return {"table": name, "trials": len(configs), "seconds": time.time() - started, "error": ""}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--meta", type=Path, default=DEFAULT_META,
                        help="the meta corpus folder (default: ../shared/datasets/meta from the repository root)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes, one table each (default 2)")
    parser.add_argument("--limit-tables", type=int, default=None, help="only the first N tables (a quick check)")
    parser.add_argument("--tables", nargs="*", default=None, help="only these tables")
    parser.add_argument("--configs", nargs="*", default=None, help="only these configurations")
    parser.add_argument("--deadline", type=float, default=DEADLINE, help="seconds per trial (default 20)")
    parser.add_argument("--max-rows", type=int, default=MAX_ROWS, help="tables are subsampled to this many rows")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the results file (JSON lines)")
    args = parser.parse_args(argv)

    meta = args.meta.resolve()
    manifest = read_manifest(meta)
    names = list(manifest)
    if args.tables:
        unknown = set(args.tables) - set(names)
        if unknown:
            parser.error(f"unknown tables: {', '.join(sorted(unknown))}")
        names = [n for n in names if n in args.tables]
    if args.limit_tables is not None:
        names = names[: args.limit_tables]
    configs = candidates()
    if args.configs:
        configs = [c for c in configs if c["name"] in args.configs]
    done = read_done(args.out)
    todo = {n: [c for c in configs if (n, c["name"]) not in done] for n in names}
    todo = {n: cs for n, cs in todo.items() if cs}
    # the largest tables first, so that the two workers finish together
    sizes = {n: (meta / manifest[n]["file"]).stat().st_size for n in todo}
    order = sorted(todo, key=lambda n: -sizes[n])
    print(f"{len(configs)} configurations x {len(names)} tables; {sum(map(len, todo.values()))} pairs to run "
          f"({len(done)} done already) with {args.workers} workers", flush=True)
    started = time.time()
    # the modules are imported here, so that forked workers share them as they are now
    import mlwright.search.trial  # noqa: F401
    import mlwright.data.prepare  # noqa: F401
    with ProcessPoolExecutor(max_workers=args.workers, initializer=_init_worker) as pool:
        futures = {pool.submit(evaluate_table, n, manifest[n], str(meta), todo[n], str(args.out), args.deadline,
                               args.max_rows): n for n in order}
        for i, future in enumerate(as_completed(futures), 1):
            name = futures[future]
            try:
                info = future.result()
                print(f"[{i}/{len(futures)}] {name}: {info['trials']} trials in {info['seconds']:.1f} s "
                      f"(elapsed {time.time() - started:.0f} s){' ' + info['error'] if info['error'] else ''}",
                      flush=True)
            except Exception as exc:  # a worker died (a crash in a native library): rerun resumes
                print(f"[{i}/{len(futures)}] {name}: worker failed: {exc!r}", flush=True)
    print(f"done in {time.time() - started:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
