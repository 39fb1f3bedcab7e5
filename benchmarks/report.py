"""Write BENCHMARKS.md from one run's results folder.

Why generated: the numbers must come from one run on one machine, with the command that made
them, so that nobody edits a table by hand. Everything above "## Notes" is rewritten; from the
Notes heading to the end of the file (the Notes and every hand-written section after them) the
file is kept verbatim, so that hand-written observations survive.

A dataset with several split seeds is scored on each; its per-dataset numbers are the means over
the seeds, and ranks and normalized scores are computed on those means. Each mlwright row (the
defaults, ``mlwright_inf``, an ablation) is ranked against the peers alone, so that two mlwright
rows never push each other down; a peer is ranked against the peers and the plain ``mlwright``.

Usage: python benchmarks/report.py RESULTS_DIR [--output BENCHMARKS.md]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
from datetime import UTC, datetime
from pathlib import Path

import manifest
from manifest import REPO_ROOT
from systems import ABLATION_BASE, SYSTEMS, ablated_lever

HIGHER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False}
NOTES_HEADING = re.compile(r"^## Notes[ \t]*$", re.MULTILINE)
DEFAULT_NOTES = "## Notes\n\n_Hand-written observations go here; `report.py` keeps this section verbatim._\n"
MLWRIGHT_RUNNER = "run_mlwright.py"
# The goal's checks on the mlwright default row, per dataset (every split seed must pass).
LATENCY_MAX_MS = 2.0
MODEL_MAX_MB = 20.0
PROCESS_SLACK, PROCESS_EXTRA_S = 1.1, 5.0

Results = dict[tuple[str, int, str], dict]


def is_mlwright(system: str) -> bool:
    """Whether ``system`` runs mlwright (its defaults, other options, or an ablation)."""
    known = SYSTEMS.get(system)
    if ablated_lever(system):
        return True
    return known.runner == MLWRIGHT_RUNNER if known else system.startswith("mlwright")


def load_run(run_dir: Path) -> tuple[dict, Results]:
    """Return the run's config (mlwright rows first) and ``{(dataset, split seed, system): result}``.

    A run made before split seeds (no ``split_seeds`` in run.json, no ``split_seed`` in its
    results, files named ``<dataset>__<system>.json``) is read as split seed 0 everywhere.
    """
    config = json.loads((run_dir / "run.json").read_text())
    order = {s: i for i, s in enumerate(config["systems"])}
    config["systems"] = sorted(config["systems"], key=lambda s: (s != "mlwright", not is_mlwright(s),
                                                                  bool(ablated_lever(s)), order[s]))
    seeds = config.get("split_seeds") or {}
    config["split_seeds"] = {d: [int(k) for k in seeds.get(d, [0])] for d in config["datasets"]}
    results = {}
    for path in sorted(run_dir.glob("*__*.json")):
        result = json.loads(path.read_text())
        results[(result["dataset"], int(result.get("split_seed", 0)), result["system"])] = result
    return config, results


def ok(result: dict | None) -> bool:
    return result is not None and "error" not in result and result.get("score") is not None


def mean_of(values: list[float]) -> float | None:
    return statistics.mean(values) if values else None


def median_of(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def aggregate(config: dict, results: Results, ds: str, system: str) -> dict | None:
    """One system on one dataset over its split seeds, or None when no seed has been run.

    ``score`` is the mean over the seeds, and only when every seed finished: a system that
    failed on one seed has failed on the dataset. The other numbers are means (and maxima) over
    the seeds that finished.
    """
    seeds = config["split_seeds"][ds]
    runs = {k: results.get((ds, k, system)) for k in seeds}
    if all(r is None for r in runs.values()):
        return None
    good = [r for r in runs.values() if ok(r)]
    agg = {"seeds": len(seeds), "ok": len(good), "runs": [r for r in runs.values() if r is not None],
           "errors": {k: r.get("error", "no score") for k, r in runs.items() if r is not None and not ok(r)},
           "missing": [k for k, r in runs.items() if r is None],
           "score": mean_of([r["score"] for r in good]) if len(good) == len(seeds) else None,
           "score_sd": statistics.stdev([r["score"] for r in good]) if len(good) > 1 else None,
           "partial_score": mean_of([r["score"] for r in good])}
    for key in ("fit_time_s", "process_wall_s", "latency_ms_p50", "throughput_rows_s", "peak_memory_mb",
                "model_size_mb"):
        values = [r[key] for r in good if r.get(key) is not None]
        agg[key], agg["max_" + key] = mean_of(values), (max(values) if values else None)
        agg["n_" + key] = len(values)
    fits = [r["fit_time_s"] for r in agg["runs"] if r.get("fit_time_s") is not None]
    agg["max_fit_any"] = max(fits) if fits else None  # failed runs' fit times count against the budget too
    agg["timeouts"] = sum(1 for r in agg["runs"] if "timeout" in r.get("error", ""))
    return agg


def table(config: dict, results: Results) -> dict[tuple[str, str], dict | None]:
    return {(d, s): aggregate(config, results, d, s) for d in config["datasets"] for s in config["systems"]}


def metric_of(config: dict, results: Results, ds: str) -> str | None:
    return next((r["metric"] for (d, _, _), r in results.items() if d == ds and r.get("metric")), None)


def oriented(metric: str, value: float) -> float:
    """The value with larger = better, for comparisons."""
    return value if HIGHER_IS_BETTER[metric] else -value


def normalized(metric: str, value: float, best: float) -> float:
    """1 for the best; score/best for AUC, best/score for log loss and RMSE."""
    if HIGHER_IS_BETTER[metric]:
        return value / best if best else 1.0
    return best / value if value else 1.0


def peers_of(config: dict) -> list[str]:
    return [s for s in config["systems"] if not is_mlwright(s)]


def primary_mlwright(config: dict) -> str | None:
    variants = [s for s in config["systems"] if is_mlwright(s)]
    return ABLATION_BASE if ABLATION_BASE in variants else (variants[0] if variants else None)


def pool_of(config: dict, system: str) -> list[str]:
    """Whom ``system`` is ranked and normalized against: an mlwright row against the peers, a
    peer against the peers and the plain mlwright."""
    peers = peers_of(config)
    if is_mlwright(system):
        return [system, *peers]
    primary = primary_mlwright(config)
    return peers + ([primary] if primary else [])


def standing(config: dict, results: Results, cells: dict, system: str, pool: list[str] | None = None
             ) -> tuple[list[float], list[float]]:
    """Per-dataset ranks (1 = best, ties share the mean rank) and normalized scores of
    ``system`` within its pool, on the means over split seeds.

    A failed or missing system takes the last rank (the pool's size) and normalized score 0, so
    that failing is never better than finishing last. A dataset no system of the pool finished
    is left out.
    """
    pool = pool or pool_of(config, system)
    rank_list, norm_list = [], []
    for ds in config["datasets"]:
        metric = metric_of(config, results, ds)
        done = {s: cells[(ds, s)]["score"] for s in pool
                if cells.get((ds, s)) is not None and cells[(ds, s)]["score"] is not None}
        if not done or metric is None:
            continue
        if system not in done:
            rank_list.append(float(len(pool)))
            norm_list.append(0.0)
            continue
        values = {s: oriented(metric, v) for s, v in done.items()}
        mine = values[system]
        better = sum(v > mine for v in values.values())
        ties = sum(v == mine for v in values.values())
        rank_list.append(better + (ties + 1) / 2)
        best = max(done.values()) if HIGHER_IS_BETTER[metric] else min(done.values())
        norm_list.append(normalized(metric, done[system], best))
    return rank_list, norm_list


def fmt(value: float | None, spec: str = ".2f") -> str:
    return "–" if value is None else format(value, spec)


def fmt_score(value: float) -> str:
    return f"{value:.1f}" if abs(value) >= 100 else f"{value:.4f}"


def clean(text: str) -> str:
    """An error message fit for a table cell, naming no path of this machine."""
    for root, name in ((REPO_ROOT, "."), (REPO_ROOT.parent, ".."), (Path.home(), "~")):
        text = text.replace(str(root), name)
    text = " ".join(text.split()).replace("|", "\\|")
    return text if len(text) <= 140 else text[:137] + "..."


def summary_table(config: dict, results: Results, cells: dict) -> list[str]:
    peers = peers_of(config)
    lines = [f"Ranks and normalized scores per dataset on the means over split seeds; each mlwright row "
             f"against the peers ({', '.join(peers) or 'none in this run'}), each peer against the peers and "
             f"{primary_mlwright(config) or 'no mlwright'}. Normalized score: the best of the pool = 1, "
             "others score / best (ROC AUC) or best / score (log loss, RMSE); a failure scores 0.", "",
             "| system | mean rank | mean normalized score | datasets | failed runs | median latency p50 (ms) "
             "| median throughput (rows/s) | median model size (MB) | max fit time / budget |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s in config["systems"]:
        rank_list, norm_list = standing(config, results, cells, s)
        aggs = [a for d in config["datasets"] if (a := cells[(d, s)]) is not None]
        runs = sum(len(a["runs"]) for a in aggs)
        planned = sum(len(config["split_seeds"][d]) for d in config["datasets"])
        failed = sum(len(a["errors"]) for a in aggs)
        fits = [a["max_fit_any"] for a in aggs if a["max_fit_any"] is not None]
        timeouts = sum(a["timeouts"] for a in aggs)
        max_ratio = fmt(max(fits) / config["budget"] if fits else None)
        if timeouts:
            max_ratio += f" ({timeouts} timed out)"
        not_run = f", {planned - runs} not run" if runs < planned else ""
        lines.append(
            f"| {s} | {fmt(mean_of(rank_list))} | {fmt(mean_of(norm_list), '.4f')} | {len(rank_list)} "
            f"| {failed}/{runs}{not_run} "
            f"| {fmt(median_of([a['latency_ms_p50'] for a in aggs if a['latency_ms_p50'] is not None]))} "
            f"| {fmt(median_of([a['throughput_rows_s'] for a in aggs if a['throughput_rows_s'] is not None]), ',.0f')} "
            f"| {fmt(median_of([a['model_size_mb'] for a in aggs if a['model_size_mb'] is not None]))} "
            f"| {max_ratio} |")
    return lines


def ratio_table(config: dict, cells: dict) -> list[str]:
    """mlwright against each peer, as medians of per-dataset ratios over datasets both finished."""
    if "mlwright" not in config["systems"] or not peers_of(config):
        return []
    lines = ["", "mlwright against each peer in this run: medians over the datasets both finished (every split "
             "seed) of the per-dataset ratio mlwright / peer, on the means over seeds (latency below 1 and "
             "throughput above 1 favour mlwright).",
             "", "| peer | datasets | latency ratio | throughput ratio | model size ratio | fit time ratio |",
             "|---|---:|---:|---:|---:|---:|"]
    for peer in peers_of(config):
        pairs = [(cells[(d, "mlwright")], cells[(d, peer)]) for d in config["datasets"]
                 if cells[(d, "mlwright")] and cells[(d, peer)]
                 and cells[(d, "mlwright")]["score"] is not None and cells[(d, peer)]["score"] is not None]
        ratios = [median_of([m[k] / p[k] for m, p in pairs if p[k] and m[k] is not None]) for k in
                  ("latency_ms_p50", "throughput_rows_s", "model_size_mb", "fit_time_s")]
        lines.append(f"| {peer} | {len(pairs)} | " + " | ".join(fmt(c) for c in ratios) + " |")
    return lines


def process_limit(budget: float) -> float:
    return PROCESS_SLACK * budget + PROCESS_EXTRA_S


def checks_table(config: dict, cells: dict) -> list[str]:
    """The goal's per-dataset checks for each mlwright row (ablations aside), every seed passing."""
    rows = [s for s in config["systems"] if is_mlwright(s) and not ablated_lever(s)]
    if not rows:
        return []
    limit = process_limit(config["budget"])
    checks = (("latency p50 ≤ 2 ms", "max_latency_ms_p50", LATENCY_MAX_MS, "latency_ms_p50"),
              ("model ≤ 20 MB", "max_model_size_mb", MODEL_MAX_MB, "model_size_mb"),
              (f"process wall ≤ {PROCESS_SLACK:g} × budget + {PROCESS_EXTRA_S:g} s = {limit:g} s",
               "max_process_wall_s", limit, "process_wall_s"))
    lines = ["", "## Checks", "",
             "Per dataset, on the worst split seed: a failed seed fails every check; a result without the "
             "number (a runner that did not measure it) counts as unknown. The goal's checks apply to the "
             "defaults row (`mlwright`); `process wall` is the whole `mlwright train` process, imports "
             "included, as the runner's clock saw it.", "",
             "| system | datasets | " + " | ".join(c[0] for c in checks) + " | all three | worst latency (ms) "
             "| worst model (MB) | worst process wall (s) |",
             "|---|---:|" + "---:|" * (len(checks) + 4)]
    failing: dict[str, list[str]] = {}
    for s in rows:
        aggs = {d: a for d in config["datasets"] if (a := cells[(d, s)]) is not None}
        cols, all_pass = [], set(aggs)
        for label, key, bound, base in checks:
            passed = unknown = 0
            for d, a in aggs.items():
                complete = a["score"] is not None
                value = a[key]
                if complete and value is not None and a["n_" + base] == a["seeds"]:
                    if value <= bound:
                        passed += 1
                        continue
                    failing.setdefault(s, []).append(f"{d} ({label.split(' ≤')[0]} {value:.2f})")
                elif complete and (value is None or a["n_" + base] < a["seeds"]):
                    unknown += 1
                else:
                    failing.setdefault(s, []).append(f"{d} (failed)")
                all_pass.discard(d)
            cols.append(f"{passed}/{len(aggs)}" + (f" ({unknown} unknown)" if unknown else ""))
        worst = [max((a[k] for a in aggs.values() if a[k] is not None), default=None)
                 for k in ("max_latency_ms_p50", "max_model_size_mb", "max_process_wall_s")]
        lines.append(f"| {s} | {len(aggs)} | " + " | ".join(cols) + f" | {len(all_pass)}/{len(aggs)} | "
                     f"{fmt(worst[0])} | {fmt(worst[1])} | {fmt(worst[2], '.1f')} |")
    for s in rows:
        if failing.get(s):
            lines += ["", f"{s} misses on: " + ", ".join(dict.fromkeys(failing[s])) + "."]
    return lines


def ablation_table(config: dict, results: Results, cells: dict) -> list[str]:
    """Each ablated lever against the plain mlwright of the same run."""
    ablations = [s for s in config["systems"] if ablated_lever(s)]
    if not ablations or ABLATION_BASE not in config["systems"]:
        return []
    pool = [ABLATION_BASE, *ablations]
    lines = ["", "## Ablation", "",
             f"Each lever off in turn (`MLWRIGHT_ABLATE=LEVER`), against `{ABLATION_BASE}` with every lever on, "
             "in the same run, on the means over split seeds. Normalized score per dataset: the best of "
             f"`{ABLATION_BASE}` and the ablated rows = 1 (a failure scores 0). Lost: turning the lever off "
             "scored worse (or failed where the lever on finished); won: it scored better. Score ratio: off / on "
             "for ROC AUC, on / off for log loss and RMSE, so that above 1 means the lever off did better.", "",
             "| system | lever off | datasets | mean normalized score | lost | won | tied | median score ratio "
             "(>1: off better) | median fit time off / on |", "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    _, base_norm = standing(config, results, cells, ABLATION_BASE, pool)
    lines.append(f"| {ABLATION_BASE} | none | {len(base_norm)} | {fmt(mean_of(base_norm), '.4f')} | | | | | |")
    for s in ablations:
        _, norm_list = standing(config, results, cells, s, pool)
        lost = won = tied = 0
        ratios, fit_ratios = [], []
        for d in config["datasets"]:
            on, off, metric = cells[(d, ABLATION_BASE)], cells[(d, s)], metric_of(config, results, d)
            on_score = on["score"] if on else None
            off_score = off["score"] if off else None
            if on is None or off is None or metric is None or (on_score is None and off_score is None):
                continue
            if off_score is None:
                lost += 1
            elif on_score is None:
                won += 1
            else:
                diff = oriented(metric, off_score) - oriented(metric, on_score)
                lost, won, tied = lost + (diff < 0), won + (diff > 0), tied + (diff == 0)
                ratios.append(normalized(metric, off_score, on_score) if HIGHER_IS_BETTER[metric]
                              else (on_score / off_score if off_score else 1.0))
                if on["fit_time_s"] and off["fit_time_s"] is not None:
                    fit_ratios.append(off["fit_time_s"] / on["fit_time_s"])
        lines.append(f"| {s} | {ablated_lever(s)} | {len(norm_list)} | {fmt(mean_of(norm_list), '.4f')} | {lost} "
                     f"| {won} | {tied} | {fmt(median_of(ratios), '.4f')} | {fmt(median_of(fit_ratios))} |")
    return lines


def dataset_section(ds: str, config: dict, results: Results, cells: dict) -> list[str]:
    aggs = {s: cells[(ds, s)] for s in config["systems"]}
    seeds = config["split_seeds"][ds]
    any_run = next((r for (d, _, _), r in results.items() if d == ds), None)
    if any_run is None:
        return [f"### {ds}", "", "Not run yet.", ""]
    metric = any_run["metric"]
    arrow = "higher is better" if HIGHER_IS_BETTER[metric] else "lower is better"
    sizes = next((f", {r['train_rows']:,} train / {r['test_rows']:,} test rows"
                  for (d, _, _), r in results.items() if d == ds and "train_rows" in r), "")
    seed_text = (f" Split seeds {', '.join(map(str, seeds))}: means over the seeds, ± their standard deviation."
                 if len(seeds) > 1 else f" Split seed {seeds[0]}.")
    lines = [f"### {ds}", "", f"{any_run['task']}, {metric} ({arrow}){sizes}.{seed_text}", "",
             f"| system | {metric} | seeds | fit time (s) | fit / budget | latency p50 (ms) "
             "| throughput (rows/s) | peak memory (MB) | model size (MB) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for s, a in aggs.items():
        if a is None:
            lines.append(f"| {s} | not run | 0/{len(seeds)} | | | | | | |")
            continue
        done = f"{a['ok']}/{a['seeds']}"
        fit_ratio = a["fit_time_s"] / config["budget"] if a["fit_time_s"] is not None else None
        numbers = (f"{fmt(a['fit_time_s'], '.1f')} | {fmt(fit_ratio)} "
                   f"| {fmt(a['latency_ms_p50'])} | {fmt(a['throughput_rows_s'], ',.0f')} "
                   f"| {fmt(a['peak_memory_mb'], '.0f')} | {fmt(a['model_size_mb'])} |")
        if a["score"] is not None:
            cell = fmt_score(a["score"]) + (f" ± {fmt_score(a['score_sd'])}" if a["score_sd"] is not None else "")
        elif a["errors"]:
            which = ", ".join(str(k) for k in a["errors"])
            first = next(iter(a["errors"].values()))
            cell = f"failed on seed {which}: {clean(first)}"
        else:
            cell = f"seed {', '.join(map(str, a['missing']))} not run"
        lines.append(f"| {s} | {cell} | {done} | {numbers}")
    return lines + [""]


def versions(config: dict, results: Results) -> str:
    seen = {}  # systems that ran the same library version (mlwright's rows) share one entry
    for s in config["systems"]:
        r = next((r for (_, _, name), r in sorted(results.items()) if name == s and r.get("version")), None)
        if r is not None:
            key = (r.get("version"), r.get("python"), r.get("pandas"), is_mlwright(s) or s)
            seen.setdefault(key, []).append(s)
    return "; ".join(f"{', '.join(names)} {v} (Python {py}, pandas {pd})"
                     for (v, py, pd, _), names in seen.items()) or "–"


def seeds_line(config: dict) -> str:
    multi = [d for d in config["datasets"] if len(config["split_seeds"][d]) > 1]
    if not multi:
        return "split seed 0 for every dataset"
    sets = sorted({", ".join(map(str, config["split_seeds"][d])) for d in multi})
    return (f"split seeds {' / '.join(sets)} for {len(multi)} of {len(config['datasets'])} datasets (those under "
            "2,000 rows), seed 0 for the others; numbers per dataset are means over its seeds")


def systems_line(config: dict) -> str:
    shown = []
    for s in config["systems"]:
        known = SYSTEMS.get(s)
        if ablated_lever(s):
            shown.append(f"`{s}` (MLWRIGHT_ABLATE={ablated_lever(s).replace('+', ',')})")
        elif known and known.options:
            shown.append(f"`{s}` ({', '.join(f'{k}={v}' for k, v in known.options.items())})")
        else:
            shown.append(f"`{s}`")
    return ", ".join(shown)


METHOD = """\
## Method

- Every system gets the same raw training table (read with pandas defaults, no cleaning) and the
  same held-out test table: a stratified (classification) or plain (regression) 80/20 split, or the
  source's own test file (raw_adult, whose test labels' trailing '.' is removed only when scoring).
  Datasets under 2,000 rows are split with seeds 0, 1 and 2 and scored on each split; the others
  with seed 0. Each system is told the task, the primary metric, the budget, 2 threads and seed 0
  (the systems' seed, whatever the split seed), and runs alone, in its own virtual environment
  and subprocess.
- mlwright is trained as a user trains it, by `python -m mlwright train TRAIN --target T
  --time-limit B --out DIR --task ... --metric ... --jobs 2` in a process of its own; its fit time
  is the wall time of that whole process (start-up and imports included), and its model is then
  loaded with `mlwright.load` for the prediction timings. `mlwright_inf` adds `--max-latency-ms inf`.
- Primary metric on the test set, computed with scikit-learn by the same code for every system:
  ROC AUC from the positive class's probability (binary), log loss (multiclass), RMSE (regression).
- Fit time: wall time of the whole fit call, including any saving the system does in it (for
  mlwright, of the whole `mlwright train` process). fit / budget above 1 means the system overran
  the budget it was given.
- Latency: median of 200 calls predicting one test row (a 1-row DataFrame), in-process, after a
  warm-up call; the call is `predict_proba` for classification and `predict` for regression.
  Throughput: test rows / seconds for one call on the whole test set, after a warm-up call.
- Peak memory: peak resident set size of the runner process plus that of its largest child.
- Model size: the saved model on disk (AutoGluon's predictor folder, FLAML's pickled AutoML
  object, mlwright's saved model folder).
- Mean rank: rank 1 is best on the primary metric (the mean over split seeds); a failed run takes
  the last rank. Each mlwright row is ranked against the peers alone; each peer against the
  peers and the plain `mlwright`. Mean normalized score: per dataset, the best of that pool = 1,
  the others score / best (ROC AUC) or best / score (log loss, RMSE), a failure 0.
"""


def leaks_line(config: dict) -> str:
    """What the run did with the columns that restate the target (see ``manifest.TARGET_LEAKS``)."""
    left_out = {name: cols for name, cols in manifest.TARGET_LEAKS.items() if name in config["datasets"]}
    if config.get("keep_leaks", True) or not left_out:
        return "kept: every system saw the raw table" if left_out else "none in these datasets"
    return ("left out of every system's table, so that the ranking measures models: "
            + "; ".join(f"{name} without {', '.join(repr(c) for c in cols)}" for name, cols in left_out.items())
            + " (mlwright drops them by itself; `--keep-leaks` keeps them)")


def render(run_dir: Path) -> str:
    config, results = load_run(run_dir)
    cells = table(config, results)
    head = [
        "# Benchmarks", "",
        "mlwright against FLAML and AutoGluon, on the same splits, budget and threads. "
        "Generated by `benchmarks/report.py` from one run; edit only the Notes section and what follows it.", "",
        f"- Command: `{'`, then `'.join(config['commands'])}`",
        f"- Run: {config['run_id']}, started {config['started']}; report written "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- Machine: `os.cpu_count()` = {config['cpu_count']}; {config['threads']} threads per system; "
        "systems run one at a time",
        f"- Budget: {config['budget']:g} s per fit; hard timeout {config['budget'] * 3 + 120:g} s per run",
        f"- Splits: {seeds_line(config)}",
        f"- Target leaks: {leaks_line(config)}",
        f"- Systems: {systems_line(config)}",
        f"- Versions: {versions(config, results)}", "", "## Summary", "",
    ]
    body = (summary_table(config, results, cells) + ratio_table(config, cells) + checks_table(config, cells)
            + ablation_table(config, results, cells) + ["", "## Results per dataset", ""])
    for ds in config["datasets"]:
        body += dataset_section(ds, config, results, cells)
    return "\n".join(head + body) + "\n" + METHOD + "\n"


def write_report(run_dir: Path, output: Path) -> None:
    """Rewrite ``output`` from ``run_dir``, keeping everything from its Notes heading on verbatim."""
    notes = DEFAULT_NOTES
    if output.is_file():
        old = output.read_text()
        found = NOTES_HEADING.search(old)
        if found:
            notes = old[found.start():]
    output.write_text(render(run_dir) + notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="benchmarks/results/runs/<run-id>")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    write_report(args.run_dir, args.output)
    print(f"wrote {os.path.relpath(args.output.absolute(), REPO_ROOT)}")


if __name__ == "__main__":
    main()
