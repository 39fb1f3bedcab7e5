"""Write BENCHMARKS.md from one run's results folder.

Why generated: the numbers must come from one run on one machine, with the command that made
them, so that nobody edits a table by hand. Everything above "## Notes" is rewritten; the Notes
section, if the file has one, is kept verbatim so that hand-written observations survive.

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

from manifest import REPO_ROOT

HIGHER_IS_BETTER = {"roc_auc": True, "log_loss": False, "rmse": False}
NOTES_HEADING = re.compile(r"^## Notes[ \t]*$", re.MULTILINE)
DEFAULT_NOTES = "## Notes\n\n_Hand-written observations go here; `report.py` keeps this section verbatim._\n"


def load_run(run_dir: Path) -> tuple[dict, dict[tuple[str, str], dict]]:
    """Return the run's config (mlwright listed first) and ``{(dataset, system): result}``."""
    config = json.loads((run_dir / "run.json").read_text())
    config["systems"] = sorted(config["systems"], key=lambda s: s != "mlwright")
    results = {}
    for path in sorted(run_dir.glob("*__*.json")):
        result = json.loads(path.read_text())
        results[(result["dataset"], result["system"])] = result
    return config, results


def ok(result: dict | None) -> bool:
    return result is not None and "error" not in result and result.get("score") is not None


def ranks(config: dict, results: dict) -> dict[str, list[float]]:
    """Rank per dataset on the primary metric (1 = best, ties share the mean rank).

    A failed or missing run takes the last rank, the number of systems, so that failing is never
    better than finishing last.
    """
    systems, out = config["systems"], {s: [] for s in config["systems"]}
    for ds in config["datasets"]:
        done = {s: results[(ds, s)] for s in systems if ok(results.get((ds, s)))}
        if not done:
            continue
        sign = -1 if HIGHER_IS_BETTER[next(iter(done.values()))["metric"]] else 1
        values = {s: sign * r["score"] for s, r in done.items()}
        for s in systems:
            if s in values:
                better = sum(v < values[s] for v in values.values())
                ties = sum(v == values[s] for v in values.values())
                out[s].append(better + (ties + 1) / 2)
            else:
                out[s].append(float(len(systems)))
    return out


def median_of(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


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


def summary_table(config: dict, results: dict) -> list[str]:
    rank_lists = ranks(config, results)
    lines = ["| system | mean rank | failed | median latency p50 (ms) | median throughput (rows/s) "
             "| median model size (MB) | max fit time / budget |", "|---|---:|---:|---:|---:|---:|---:|"]
    for s in config["systems"]:
        runs = [results.get((d, s)) for d in config["datasets"]]
        good = [r for r in runs if ok(r)]
        fits = [r["fit_time_s"] for r in runs if r and r.get("fit_time_s") is not None]
        timeouts = sum(1 for r in runs if r and "timeout" in r.get("error", ""))
        max_ratio = fmt(max(fits) / config["budget"] if fits else None)
        if timeouts:
            max_ratio += f" ({timeouts} timed out)"
        lines.append(
            f"| {s} | {fmt(statistics.mean(rank_lists[s]) if rank_lists[s] else None)} "
            f"| {len(runs) - len(good)}/{len(runs)} "
            f"| {fmt(median_of([r['latency_ms_p50'] for r in good]))} "
            f"| {fmt(median_of([r['throughput_rows_s'] for r in good]), ',.0f')} "
            f"| {fmt(median_of([r['model_size_mb'] for r in good]))} | {max_ratio} |")
    return lines


def ratio_table(config: dict, results: dict) -> list[str]:
    """mlwright against each peer, as medians of per-dataset ratios over datasets both finished."""
    if "mlwright" not in config["systems"]:
        return []
    lines = ["", "mlwright against each peer in this run: medians over the datasets both finished of "
             "the per-dataset ratio mlwright / peer (latency below 1 and throughput above 1 favour mlwright).",
             "", "| peer | datasets | latency ratio | throughput ratio | model size ratio | fit time ratio |",
             "|---|---:|---:|---:|---:|---:|"]
    for peer in (s for s in config["systems"] if s != "mlwright"):
        pairs = [(results[(d, "mlwright")], results[(d, peer)]) for d in config["datasets"]
                 if ok(results.get((d, "mlwright"))) and ok(results.get((d, peer)))]
        cells = [median_of([m[k] / p[k] for m, p in pairs if p[k]]) for k in
                 ("latency_ms_p50", "throughput_rows_s", "model_size_mb", "fit_time_s")]
        lines.append(f"| {peer} | {len(pairs)} | " + " | ".join(fmt(c) for c in cells) + " |")
    return lines


def dataset_section(ds: str, config: dict, results: dict) -> list[str]:
    runs = {s: results.get((ds, s)) for s in config["systems"]}
    any_run = next((r for r in runs.values() if r), None)
    if any_run is None:
        return [f"### {ds}", "", "Not run yet.", ""]
    metric = any_run["metric"]
    arrow = "higher is better" if HIGHER_IS_BETTER[metric] else "lower is better"
    sizes = next((f", {r['train_rows']:,} train / {r['test_rows']:,} test rows"
                  for r in runs.values() if r and "train_rows" in r), "")
    lines = [f"### {ds}", "", f"{any_run['task']}, {metric} ({arrow}){sizes}.", "",
             f"| system | {metric} | fit time (s) | fit / budget | latency p50 (ms) "
             "| throughput (rows/s) | peak memory (MB) | model size (MB) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for s, r in runs.items():
        if r is None:
            lines.append(f"| {s} | not run | | | | | | |")
        elif not ok(r):
            lines.append(f"| {s} | failed: {clean(r.get('error', 'no score'))} | "
                         f"{fmt(r.get('fit_time_s'), '.1f')} | | | | {fmt(r.get('peak_memory_mb'), '.0f')} | |")
        else:
            lines.append(
                f"| {s} | {fmt_score(r['score'])} | {r['fit_time_s']:.1f} | {r['fit_time_s'] / r['budget']:.2f} "
                f"| {r['latency_ms_p50']:.2f} | {r['throughput_rows_s']:,.0f} | {r['peak_memory_mb']:.0f} "
                f"| {r['model_size_mb']:.2f} |")
    return lines + [""]


def versions(config: dict, results: dict) -> str:
    seen = {}
    for (_, s), r in sorted(results.items()):
        if r.get("version") and s not in seen:
            seen[s] = f"{s} {r['version']} (Python {r.get('python')}, pandas {r.get('pandas')})"
    return "; ".join(seen[s] for s in config["systems"] if s in seen) or "–"


METHOD = """\
## Method

- Every system gets the same raw training table (read with pandas defaults, no cleaning) and the
  same held-out test table: a stratified (classification) or plain (regression) 80/20 split with
  seed 0, or the source's own test file (raw_adult, whose test labels' trailing '.' is removed
  only when scoring). Each system is told the task, the primary metric, the budget, 2 threads
  and seed 0, and runs alone, in its own virtual environment and subprocess.
- Primary metric on the test set, computed with scikit-learn by the same code for every system:
  ROC AUC from the positive class's probability (binary), log loss (multiclass), RMSE (regression).
- Fit time: wall time of the whole fit call, including any saving the system does in it.
  fit / budget above 1 means the system overran the budget it was given.
- Latency: median of 200 calls predicting one test row (a 1-row DataFrame), in-process, after a
  warm-up call; the call is `predict_proba` for classification and `predict` for regression.
  Throughput: test rows / seconds for one call on the whole test set, after a warm-up call.
- Peak memory: peak resident set size of the runner process plus that of its largest child.
- Model size: the saved model on disk (AutoGluon's predictor folder, FLAML's pickled AutoML
  object, mlwright's saved model folder).
- Mean rank: rank 1 is best on the primary metric; a failed run takes the last rank.
"""


def render(run_dir: Path) -> str:
    config, results = load_run(run_dir)
    head = [
        "# Benchmarks", "",
        "mlwright against FLAML and AutoGluon, on the same splits, budget and threads. "
        "Generated by `benchmarks/report.py` from one run; edit only the Notes section.", "",
        f"- Command: `{'`, then `'.join(config['commands'])}`",
        f"- Run: {config['run_id']}, started {config['started']}; report written "
        f"{datetime.now(UTC).isoformat(timespec='seconds')}",
        f"- Machine: `os.cpu_count()` = {config['cpu_count']}; {config['threads']} threads per system; "
        "systems run one at a time",
        f"- Budget: {config['budget']:g} s per fit; hard timeout {config['budget'] * 3 + 120:g} s per run",
        f"- Versions: {versions(config, results)}", "", "## Summary", "",
    ]
    body = summary_table(config, results) + ratio_table(config, results) + ["", "## Results per dataset", ""]
    for ds in config["datasets"]:
        body += dataset_section(ds, config, results)
    return "\n".join(head + body) + "\n" + METHOD + "\n"


def write_report(run_dir: Path, output: Path) -> None:
    """Rewrite ``output`` from ``run_dir``, keeping its Notes section verbatim if it has one."""
    notes = DEFAULT_NOTES
    if output.is_file():
        old = output.read_text()
        found = NOTES_HEADING.search(old)
        if found:
            notes = old[found.start():]
    output.write_text(render(run_dir) + notes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path, help="benchmarks/.cache/results/<run-id>")
    parser.add_argument("--output", type=Path, default=REPO_ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    write_report(args.run_dir, args.output)
    print(f"wrote {os.path.relpath(args.output.absolute(), REPO_ROOT)}")


if __name__ == "__main__":
    main()
