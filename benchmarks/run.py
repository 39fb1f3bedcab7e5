"""Run mlwright and its peers on the same splits, one (dataset, split seed, system) pair at a time.

Why subprocesses, one after another: each system runs in its own virtual environment (their
pinned pandas/numpy differ), a crash or a runaway fit must not take the harness down, and the
machine has 2 cores, so two fits at once would measure contention instead of the systems.
A pair is (dataset, split seed, system): datasets under 2,000 rows are scored on the splits of
seeds 0, 1 and 2, the others on seed 0 (see ``splits.py``); the split seed is not the seed the
systems are given (``--seed``). Each pair gets a hard timeout of budget*3+120 s; its result lands
in ``benchmarks/results/runs/<run-id>/<dataset>__seed<k>__<system>.json`` (kept in the
repository, so that a run can be resumed from another checkout) and the report is rewritten at
the end.

Usage: python benchmarks/run.py --budget 60 --systems mlwright,flaml,autogluon
       python benchmarks/run.py --budget 10 --datasets-list pmlb_phoneme,seaborn_titanic
       python benchmarks/run.py --budget 60 --suite full --ablate learned_portfolio,auto_validation
       python benchmarks/run.py --resume RUN_ID     (skips pairs already done)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import manifest
import report
import splits
from systems import (ABLATION_BASE, ABLATION_PREFIX, DEFAULT_SYSTEMS, RUNNERS_DIR, System, default_pythons,
                     parse_systems)

CACHE = manifest.REPO_ROOT / "benchmarks" / ".cache"
#: Result files are small and kept in the repository, so that a run can span sessions on fresh
#: checkouts (``--resume``); fitted models and logs stay in the cache.
RUNS = manifest.REPO_ROOT / "benchmarks" / "results" / "runs"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--budget", type=float, help="seconds per fit (default 60)")
    p.add_argument("--systems", help=f"comma-separated, or a set: goal, default "
                   f"(default {','.join(DEFAULT_SYSTEMS)}; "
                   f"with --ablate and no --systems: {ABLATION_BASE} alone)")
    p.add_argument("--ablate", metavar="LEVER[,LEVER...]",
                   help=f"add one system {ABLATION_PREFIX}LEVER per lever: mlwright with MLWRIGHT_ABLATE=LEVER "
                        f"(names passed through to the library; 'a+b' turns both off at once)")
    p.add_argument("--datasets-list", help="comma-separated dataset names (overrides --suite)")
    p.add_argument("--suite", choices=manifest.SUITE_CHOICES, default="default",
                   help="default (12), full (15) or all (every supervised dataset of the manifest)")
    p.add_argument("--split-seeds", default="auto",
                   help=f"auto: seeds {','.join(map(str, splits.SMALL_SEEDS))} for datasets under "
                        f"{splits.SMALL_ROWS:,} rows, seed 0 for the others; or comma-separated seeds for all")
    p.add_argument("--datasets", type=Path, default=manifest.DEFAULT_DATASETS_DIR,
                   help="folder with manifest.toml and the raw files")
    p.add_argument("--keep-leaks", action="store_true",
                   help="keep the columns that restate the target (manifest.TARGET_LEAKS) in every system's "
                        "table; by default they are left out, so that the ranking measures models, not leaks")
    p.add_argument("--resume", metavar="RUN_ID", help="continue a run, skipping pairs already done")
    p.add_argument("--retry-failed", action="store_true", help="with --resume: rerun failed pairs")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0, help="the systems' seed (not the split seed)")
    for env, python in default_pythons().items():
        p.add_argument(f"--python-{env}", type=Path, default=python,
                       help=f"interpreter for {env} (default {display_path(python)})")
    p.add_argument("--keep-models", action="store_true", help="keep fitted models in the work dir")
    p.add_argument("--output", type=Path, default=manifest.REPO_ROOT / "BENCHMARKS.md")
    return p.parse_args(argv)


def display_path(path: Path | str) -> str:
    """A path as the report may print it: relative to the repo root, never this machine's."""
    return os.path.relpath(Path(path).absolute(), manifest.REPO_ROOT)


def display_command(argv: list[str]) -> str:
    """The command line, with absolute paths made relative so the report names no machine."""
    shown = []
    for arg in argv:
        key, eq, value = arg.partition("=")
        if eq and value.startswith("/"):
            arg = f"{key}={display_path(value)}"
        elif arg.startswith("/"):
            arg = display_path(arg)
        shown.append(arg)
    return " ".join(["python", "benchmarks/run.py", *shown])


def system_names(args: argparse.Namespace, default: tuple[str, ...] | list[str]) -> list[str]:
    """The systems asked for: --systems (else ``default``), plus one per --ablate lever and the
    plain mlwright they are compared with."""
    names = args.systems.split(",") if args.systems else list(default)
    if args.ablate:
        if not args.systems and not args.resume:
            names = [ABLATION_BASE]  # the ablation is mlwright alone unless systems are named
        levers = [lever.strip() for lever in args.ablate.split(",") if lever.strip()]
        names = [*names, *(n for n in [ABLATION_BASE] if n not in names), *(ABLATION_PREFIX + lv for lv in levers)]
    return [s.name for s in parse_systems(",".join(names))]


def plan(args: argparse.Namespace, argv: list[str], entries: dict[str, manifest.Dataset]) -> tuple[Path, dict]:
    """Create or reopen the run folder; a resumed run keeps its budget, systems, datasets and
    their split seeds (a run made before split seeds had seed 0 only, and keeps it)."""
    if args.resume:
        run_dir = RUNS / args.resume
        if not run_dir.is_dir() and (CACHE / "results" / args.resume).is_dir():  # a run from before RUNS
            run_dir = CACHE / "results" / args.resume
        if not run_dir.is_dir():
            raise SystemExit(f"no run {args.resume} under {display_path(RUNS)}")
        config = json.loads((run_dir / "run.json").read_text())
        if args.budget is not None and args.budget != config["budget"]:
            raise SystemExit(f"run {args.resume} used --budget {config['budget']}; a run keeps one budget")
        config["commands"].append(display_command(argv))
        config.setdefault("split_seeds", {name: [splits.SEED] for name in config["datasets"]})
        config.setdefault("keep_leaks", True)  # runs from before the key gave every system the raw table
        if args.systems or args.ablate:  # widening a resumed run is allowed; its other pairs are kept
            config["systems"] = list(dict.fromkeys(config["systems"] + system_names(args, [])))
        if args.datasets_list:
            config["datasets"] = list(dict.fromkeys(config["datasets"] + args.datasets_list.split(",")))
    else:
        budget = args.budget if args.budget is not None else 60.0
        run_id = datetime.now().strftime("%Y%m%d-%H%M%S") + f"-b{budget:g}"
        run_dir = RUNS / run_id
        names = (args.datasets_list.split(",") if args.datasets_list
                 else manifest.suite_names(args.suite, entries))
        config = {
            "run_id": run_id, "commands": [display_command(argv)], "budget": budget,
            "systems": system_names(args, DEFAULT_SYSTEMS),
            "datasets": names, "threads": args.threads, "seed": args.seed, "split_seeds": {},
            "cpu_count": os.cpu_count(), "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "keep_leaks": args.keep_leaks,
        }
    for ds in manifest.select(entries, config["datasets"]):  # datasets new to the run get the rule
        if ds.name not in config["split_seeds"]:
            config["split_seeds"][ds.name] = list(splits.parse_seeds(args.split_seeds, ds, args.datasets))
    run_dir.mkdir(parents=True, exist_ok=True)
    (run_dir / "run.json").write_text(json.dumps(config, indent=2) + "\n")
    return run_dir, config


def needs_src_path(python: Path) -> bool:
    """True when ``python`` cannot import mlwright, so the checkout's src/ must be put on its path."""
    probe = "import importlib.util, sys; sys.exit(importlib.util.find_spec('mlwright') is None)"
    return subprocess.run([str(python), "-c", probe], cwd=CACHE, env=_base_env(1)).returncode != 0


def _base_env(threads: int) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update({var: str(threads) for var in THREAD_VARS})
    env["PYTHONHASHSEED"] = "0"
    return env


def pair_name(dataset: str, split_seed: int, system: str) -> str:
    return f"{dataset}__seed{split_seed}__{system}"


def done_pairs(run_dir: Path) -> dict[tuple[str, int, str], Path]:
    """``{(dataset, split seed, system): result file}`` of the run folder; a result written
    before split seeds (``<dataset>__<system>.json``, no ``split_seed``) is split seed 0."""
    found = {}
    for path in sorted(run_dir.glob("*__*.json")):
        result = json.loads(path.read_text())
        found[(result["dataset"], int(result.get("split_seed", 0)), result["system"])] = path
    return found


def run_pair(ds: manifest.Dataset, system: System, config: dict, python: Path,
             paths: tuple[Path, Path], work: Path, split_seed: int = 0) -> dict:
    """Fit and measure one system on one dataset in a subprocess; always return a result."""
    if work.exists():
        shutil.rmtree(work)  # a rerun starts clean: no half-trained models from a killed attempt
    work.mkdir(parents=True)
    spec = {"train": str(paths[0]), "test": str(paths[1]), "target": ds.target, "task": ds.task,
            "metric": ds.metric, "time_limit": config["budget"], "threads": config["threads"],
            "seed": config["seed"], "workdir": str(work), "options": system.options,
            "split_seed": split_seed}
    (work / "spec.json").write_text(json.dumps(spec, indent=2) + "\n")
    env = _base_env(config["threads"])
    env.update(system.env_vars)
    if system.env == "mlwright" and needs_src_path(python):
        env["PYTHONPATH"] = str(manifest.REPO_ROOT / "src")
    timeout = config["budget"] * 3 + 120
    started = time.perf_counter()
    with open(work / "log.txt", "wb") as log:
        try:
            proc = subprocess.Popen([str(python), str(RUNNERS_DIR / system.runner), "--spec", "spec.json"],
                                    cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT,
                                    start_new_session=True)
        except OSError as exc:
            return {"error": f"cannot start {display_path(python)} ({exc}); "
                             f"run benchmarks/setup_peers.sh or pass --python-{system.env}"}
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # the runner's own process group, children included
            proc.wait()
            code = None
    wall = time.perf_counter() - started
    result_file = work / "result.json"
    result = json.loads(result_file.read_text()) if result_file.is_file() else {}
    if code is None:
        result["error"] = f"timeout: killed after {timeout:g} s (budget*3+120)"
    elif "error" not in result and (code != 0 or not result):
        result["error"] = f"runner exited with code {code} and no result; see the log"
    result.update(harness_wall_s=wall, exit_code=code, timeout_s=timeout)
    return result


def record(result: dict, ds: manifest.Dataset, system: System, config: dict, work: Path, out: Path,
           split_seed: int = 0) -> None:
    """Write one pair's result, labelled with what was run, into the run folder."""
    result.update(dataset=ds.name, split_seed=split_seed, system=system.name, task=ds.task,
                  metric=ds.metric, budget=config["budget"], options=system.options,
                  env_vars=system.env_vars, log=display_path(work / "log.txt"))
    text = json.dumps(result, indent=2, default=str) + "\n"
    # result files are committed: the paths runners report are made relative to the repo root
    out.write_text(text.replace(str(manifest.REPO_ROOT) + os.sep, ""))


def summary_line(result: dict) -> str:
    if "error" in result:
        return f"FAILED {result['error'][:160]}"
    process = f" process={result['process_wall_s']:.1f}s" if result.get("process_wall_s") is not None else ""
    return (f"{result['metric']}={result['score']:.4f} fit={result['fit_time_s']:.1f}s{process} "
            f"p50={result['latency_ms_p50']:.2f}ms {result['throughput_rows_s']:.0f} rows/s "
            f"model={result['model_size_mb']:.2f}MB")


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    entries = manifest.load_manifest(args.datasets)
    run_dir, config = plan(args, argv, entries)
    datasets = manifest.select(entries, config["datasets"])
    systems = parse_systems(",".join(config["systems"]))
    # Absolute, because each runner starts in its own work folder.
    pythons = {env: getattr(args, f"python_{env}").absolute() for env in default_pythons()}
    n_splits = sum(len(config["split_seeds"][ds.name]) for ds in datasets)
    print(f"run {run_dir.name}: {len(datasets)} datasets ({n_splits} splits) x {len(systems)} systems, "
          f"budget {config['budget']:g} s", flush=True)
    done = done_pairs(run_dir)
    for ds in datasets:
        for split_seed in config["split_seeds"][ds.name]:
            paths = splits.ensure_split(ds, args.datasets, seed=split_seed,
                                        drop=splits.leaks(ds, config["keep_leaks"]))
            label = f"{ds.name} s{split_seed}"
            for system in systems:
                before = done.get((ds.name, split_seed, system.name))
                if before and not (args.retry_failed and "error" in json.loads(before.read_text())):
                    print(f"  {label:30} {system.name:28} done before, skipped", flush=True)
                    continue
                name = pair_name(ds.name, split_seed, system.name)
                out, work = run_dir / f"{name}.json", CACHE / "pairs" / run_dir.name / name
                result = run_pair(ds, system, config, pythons[system.env], paths, work, split_seed)
                record(result, ds, system, config, work, out, split_seed)
                if before and before != out:
                    before.unlink()  # an old-style file of the same pair, now replaced
                if not args.keep_models:
                    shutil.rmtree(work / "model", ignore_errors=True)
                print(f"  {label:30} {system.name:28} {summary_line(result)}", flush=True)
    report.write_report(run_dir, args.output)
    print(f"wrote {display_path(args.output)}")


if __name__ == "__main__":
    main(sys.argv[1:])
