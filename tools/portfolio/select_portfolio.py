"""Choose the learned portfolio from ``meta_results.jsonl`` and write ``src/mlwright/models/portfolio.json``.

Zero-shot greedy selection (TabRepo, arXiv 2311.02971): per table the candidates are ranked by
score (a failed, out-of-time or unsupported trial takes the worst rank; equal scores share their
mean rank) and the ranks normalised to [0, 1]. Starting empty, the candidate that most lowers the
mean over tables of the best (lowest) normalised rank among those chosen is added, until 20 are
chosen; equal gains go to the lower mean fit time.

Each chosen configuration gets a time model from ``fit_times.py`` (trials cut short by the
deadline left out).

    python tools/portfolio/select_portfolio.py [--results FILE] [--size 20] [--out FILE]
"""

from __future__ import annotations

import argparse
import os
import sys
import json
import math
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent


sys.path.insert(0, str(HERE))
import build as _build  # noqa: E402
from fit_times import fit_time_model  # noqa: E402

DEADLINE, DEFAULT_OUT, FOLDS, MAX_ROWS, THREADS = (_build.DEADLINE, _build.DEFAULT_OUT, _build.FOLDS,
                                                    _build.MAX_ROWS, _build.THREADS)
candidates = _build.candidates

DEFAULT_PORTFOLIO = REPO / "src" / "mlwright" / "models" / "portfolio.json"
SIZE = 20
MIN_SECONDS = 1e-4  # a fold fit timed below this is read as this (log of the clock's noise)


def load(path: Path, names: set[str]) -> list[dict]:
    rows = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            row = json.loads(line)
        except json.JSONDecodeError:
            continue
        if row["config"] in names:
            rows[(row["table"], row["config"])] = row  # the last line of a pair wins
    return list(rows.values())


def ok(row: dict | None) -> bool:
    return row is not None and row["status"] == "ok" and row.get("score") is not None \
        and math.isfinite(row["score"])


def rank_matrix(rows: list[dict], configs: list[str]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(tables, normalised ranks, normalised scores), tables x configs; 0 is the best rank."""
    by_table: dict[str, dict[str, dict]] = defaultdict(dict)
    for row in rows:
        by_table[row["table"]][row["config"]] = row
    tables = sorted(by_table)
    n = len(configs)
    ranks = np.ones((len(tables), n))
    scores = np.zeros((len(tables), n))
    for t, table in enumerate(tables):
        got = by_table[table]
        good = [j for j, c in enumerate(configs) if ok(got.get(c))]
        if not good:
            continue
        values = np.array([got[configs[j]]["score"] for j in good])
        ranks[t, good] = (rankdata(-values, method="average") - 1.0) / max(n - 1, 1)  # the rest stay worst (1)
        low, high = values.min(), values.max()
        scores[t, good] = (values - low) / (high - low) if high > low else 1.0
    return tables, ranks, scores


def greedy(ranks: np.ndarray, scores: np.ndarray, fit_time: np.ndarray, size: int) -> list[tuple[int, float, float]]:
    """[(config index, mean best rank after, mean best score after)] in the order chosen."""
    chosen: list[tuple[int, float, float]] = []
    best_rank = np.full(ranks.shape[0], np.inf)
    best_score = np.full(ranks.shape[0], -np.inf)
    left = set(range(ranks.shape[1]))
    while left and len(chosen) < size:
        def key(j: int) -> tuple[float, float, int]:
            return (round(float(np.minimum(best_rank, ranks[:, j]).mean()), 12), float(fit_time[j]), j)
        j = min(left, key=key)
        left.remove(j)
        best_rank = np.minimum(best_rank, ranks[:, j])
        best_score = np.maximum(best_score, scores[:, j])
        chosen.append((j, float(best_rank.mean()), float(best_score.mean())))
    return chosen


def _trimmed(row: dict, deadline: float) -> bool:
    """Whether a fold probably met its deadline (its boosting or trees were cut short): its time
    then says little about the configuration's own cost."""
    used = 0.0
    folds = row.get("folds", FOLDS)
    for i, seconds in enumerate(row["fold_seconds"]):
        if seconds >= 0.95 * (deadline - used) / (folds - i):
            return True
        used += seconds
    return False


def fit_times(rows: list[dict], deadline: float) -> dict[str, dict]:
    """Per configuration, its time model (``fit_times``) from the trials not cut by the deadline."""
    by_config: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        if ok(row) and row.get("fold_seconds") and not _trimmed(row, deadline):
            by_config[(row["family"], row["config"])].append(row)
    return {config: fit_time_model(family, items) for (family, config), items in by_config.items()}


def _round(value: float, digits: int = 6) -> float:
    return float(f"{value:.{digits}g}")


def write_json(path: Path, data: dict) -> None:
    """Sorted keys, indent 1, written whole or not at all."""
    text = json.dumps(data, sort_keys=True, indent=1) + "\n"
    fd, temp = tempfile.mkstemp(prefix=".portfolio-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(temp, 0o644)  # mkstemp makes it private; the package file is read by everyone
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=DEFAULT_OUT, help="the results of build.py")
    parser.add_argument("--size", type=int, default=SIZE, help="configurations to choose (default 20)")
    parser.add_argument("--deadline", type=float, default=DEADLINE, help="the per-trial deadline build.py used")
    parser.add_argument("--out", type=Path, default=DEFAULT_PORTFOLIO, help="the portfolio file to write")
    args = parser.parse_args(argv)

    pool = candidates()
    rows = load(args.results, {c["name"] for c in pool})
    # a candidate with no results was never evaluated (the network, whose family came after the
    # corpus was run): it is left out of the choice and its family keeps its hand-order place
    evaluated = {row["config"] for row in rows}
    pool = [c for c in pool if c["name"] in evaluated]
    by_name = {c["name"]: c for c in pool}
    names = [c["name"] for c in pool]
    tables, ranks, scores = rank_matrix(rows, names)
    seconds = defaultdict(list)
    for row in rows:
        seconds[row["config"]].append(float(row.get("fit_seconds") or 0.0))
    fit_time = np.array([np.mean(seconds[c]) if seconds[c] else np.inf for c in names])
    steps = greedy(ranks, scores, fit_time, args.size)
    timing = fit_times(rows, args.deadline)

    statuses = Counter((r["family"], r["status"]) for r in rows)
    expected = len(tables) * len(names)
    print(f"{len(rows)} results ({expected} pairs expected) on {len(tables)} tables, {len(names)} candidates")
    for family in dict.fromkeys(c["family"] for c in pool):
        counts = {s: n for (f, s), n in statuses.items() if f == family}
        print(f"  {family:14s} {counts}")
    for row in rows:
        if row["status"] == "failed":
            print(f"  failed: {row['table']} {row['config']}: {row.get('error', '')[:160]}")
    print("greedy selection (step, config, mean best normalised rank, mean best normalised score):")
    for step, (j, rank, score) in enumerate(steps, 1):
        print(f"  {step:2d} {names[j]:20s} {rank:.4f} {score:.4f}")
    print("time models (median |log(predicted / measured)| per configuration):")
    for name, fit in sorted(timing.items()):
        print(f"  {name:20s} {fit['median_abs_log_error']:.3f} over {fit['trials']} trials, "
              f"overhead {fit['overhead']:.3f} s")

    configs_out = []
    for j, rank, score in steps:
        c = by_name[names[j]]
        configs_out.append({"name": c["name"], "family": c["family"], "params": c["params"],
                            "time": timing.get(c["name"]), "mean_rank_after": _round(rank),
                            "mean_score_after": _round(score)})
    cpu = sum(float(r.get("cpu_seconds") or 0.0) for r in rows)
    data = {
        "about": ("Configurations chosen greedily (TabRepo's zero-shot portfolio) to minimise the mean best "
                  "normalised rank over a meta corpus, in the order chosen; each one's time model gives the "
                  "seconds of one fold's trial at one thread: overhead + exp(intercept) x fit rows^log_rows x "
                  "feature columns^log_cols x classes^log_classes (classes: 1 unless multiclass)."),
        "built_from": {"corpus": "shared/datasets/meta (65 PMLB tables)", "tables": len(tables), "folds": FOLDS,
                       "max_rows": MAX_ROWS, "threads": THREADS, "trial_deadline_seconds": args.deadline,
                       "candidates": len(names),
                       # a family outside this list keeps its hand-order place (models.registry.portfolio)
                       "families": sorted({c["family"] for c in pool}),
                       "command": "python tools/portfolio/build.py && python tools/portfolio/select_portfolio.py",
                       "evaluation_seconds": round(cpu, 1)},
        "configs": configs_out,
    }
    write_json(args.out, data)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
