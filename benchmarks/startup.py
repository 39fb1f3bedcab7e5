"""What a user's clock shows for the short commands: `--help`, a one-row `predict`, loading a
model from Python, and a whole `train --time-limit`.

Each command runs in a fresh process, several times, and the median wall time is kept, as the
shell measures it (interpreter start and imports included). ``--src DIR`` runs the commands
against another checkout's ``src/`` (a checkout of an older commit gives the "before" figures)
with the same interpreter and packages.

    python benchmarks/startup.py --repeat 7 --train-budget 30 --out benchmarks/results/startup.json
    git worktree add ../before c2fad2d && python benchmarks/startup.py --src ../before/src --label before
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "titanic.csv.gz"


def _environment(src: Path | None) -> dict[str, str]:
    env = dict(os.environ, MLWRIGHT_STORE=os.environ.get("MLWRIGHT_STORE", ""))
    if src is not None:
        env["PYTHONPATH"] = str(src)
    return env


def _wall(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def _median_of(command: list[str], repeat: int, env: dict[str, str], cwd: Path) -> dict:
    _wall(command, env, cwd)  # warm the file cache: every figure is a warm start
    times = [_wall(command, env, cwd) for _ in range(repeat)]
    return {"median_s": round(statistics.median(times), 3), "min_s": round(min(times), 3),
            "runs": [round(t, 3) for t in times]}


def measure(args: argparse.Namespace) -> dict:
    env = _environment(args.src)
    work = Path(tempfile.mkdtemp(prefix="mlwright-startup-"))
    env["MLWRIGHT_STORE"] = f"sqlite:///{work / 'store.db'}"
    python = [sys.executable, "-c", "from mlwright.cli.app import main; main()"]
    model = work / "lgbm"
    subprocess.run([*python, "train", str(EXAMPLE), "--target", "survived", "--time-limit", "20",
                    "--families", "lightgbm", "--out", str(model)], env=env, cwd=work, check=True,
                   stdout=subprocess.DEVNULL)
    one_row = work / "one_row.csv"
    import pandas as pd

    pd.read_csv(EXAMPLE).drop(columns=["survived"]).head(1).to_csv(one_row, index=False)
    commands = {
        "mlwright --help": [*python, "--help"],
        "mlwright predict MODEL one_row.csv": [*python, "predict", str(model), str(one_row), "-o",
                                               str(work / "scored.csv")],
        "python -c 'import mlwright; mlwright.load(MODEL)'": [
            sys.executable, "-c", f"import mlwright; mlwright.load({str(model / 'model')!r})"],
        "python -c 'import mlwright.train'": [sys.executable, "-c", "import mlwright.train"],
    }
    results = {name: _median_of(command, args.repeat, env, work) for name, command in commands.items()}
    if args.train_budget:
        budget = args.train_budget
        name = f"mlwright train titanic --time-limit {budget}"
        results[name] = {**_median_of([*python, "train", str(EXAMPLE), "--target", "survived", "--time-limit",
                                       str(budget), "--out", str(work / "timed")], args.train_repeat, env, work),
                         "limit_s": round(1.1 * budget + 5, 1)}
    return {"label": args.label, "commit": _commit(args.src or ROOT / "src"), "cores": os.cpu_count(),
            "repeat": args.repeat, "results": results}


def _commit(src: Path) -> str:
    """The commit the measured code is at (a path would name this machine, not the code)."""
    done = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--src", type=Path, help="a checkout's src/ to measure instead of this one's")
    parser.add_argument("--label", default="after")
    parser.add_argument("--train-budget", type=float, default=0, help="also time a whole `train` of this budget")
    parser.add_argument("--train-repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, help="append the figures to this JSON file")
    args = parser.parse_args()
    figures = measure(args)
    for name, row in figures["results"].items():
        limit = f"  (limit {row['limit_s']} s)" if "limit_s" in row else ""
        print(f"{figures['label']:>8}  {row['median_s']:7.2f} s  median of {len(row['runs'])}  {name}{limit}")
    if args.out:
        previous = json.loads(args.out.read_text()) if args.out.exists() else []
        args.out.write_text(json.dumps([*previous, figures], indent=1) + "\n")


if __name__ == "__main__":
    main()
