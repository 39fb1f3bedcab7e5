"""Set a later run's mlwright rows beside an earlier run's rows, against the earlier run's peers.

A change to mlwright is measured by running mlwright alone on the datasets and split seeds of
a run that holds the peers (FLAML, AutoGluon): the peers need not run again. This pools the
later run's mlwright rows (as ``mlwright@LATER``) with every row of the earlier run, ranks and
normalizes each mlwright row against the earlier run's peers (``report.standing``), and lists
per dataset the later row against the earlier ``mlwright`` row.

    python benchmarks/compare_runs.py benchmarks/results/runs/LATER benchmarks/results/runs/EARLIER

Only the datasets the later run has finished are compared (every split seed of the earlier run,
for each of its mlwright systems). ``--carry-from RUN`` fills the datasets the later run did not
rerun with RUN's mlwright rows, for a change that cannot reach them (one that acts only on tables
of a few thousand rows and more, say); the output names the datasets carried.
Where either run has ``mlwright_inf`` rows (``--max-latency-ms inf``), they are listed too.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import report

#: The mlwright rows carried over: the defaults and the one without a latency limit.
KEPT = ("mlwright", "mlwright_inf")


def merged(later: Path, earlier: Path, carry_from: Path | None = None) -> tuple[dict, report.Results, str]:
    """The earlier run's config and results with the later run's mlwright rows added (and where
    it has none for a dataset, ``carry_from``'s)."""
    config, results = report.load_run(earlier)
    _, later_results = report.load_run(later)
    if carry_from is not None:  # only the systems the later run has: its rows decide what is compared
        later_results = {**carried(report.load_run(carry_from)[1], later_results), **later_results}
    name = f"mlwright@{later.name}"
    added = sorted({f"{system}@{later.name}" for (_, _, system) in later_results if system in KEPT})
    for (ds, seed, system), result in later_results.items():
        if system in KEPT and ds in config["split_seeds"]:
            results[(ds, seed, f"{system}@{later.name}")] = {**result, "system": f"{system}@{later.name}"}
    systems = {system for (_, _, system) in later_results if system in KEPT}
    config["datasets"] = [d for d in config["datasets"] if all((d, seed, system) in later_results
                                                               for seed in config["split_seeds"][d] for system in systems)]
    config["systems"] = [s for s in config["systems"] if s in KEPT or not report.is_mlwright(s)] + added
    return config, results, name


def carried(source: report.Results, later_results: report.Results) -> report.Results:
    """``source``'s rows of the datasets ``later_results`` has no row for, for the mlwright
    systems ``later_results`` has."""
    rerun = {ds for (ds, _, _) in later_results}
    systems = {system for (_, _, system) in later_results if system in KEPT}
    return {key: result for key, result in source.items() if key[2] in systems and key[0] not in rerun}


def render(later: Path, earlier: Path, carry_from: Path | None = None) -> str:
    config, results, name = merged(later, earlier, carry_from)
    cells = report.table(config, results)
    _, later_results = report.load_run(later)
    rerun = {ds for (ds, _, _) in later_results}
    kept = [d for d in config["datasets"] if d not in rerun]
    lines = [f"{len(config['datasets'])} datasets; pool: each mlwright row with "
             f"{', '.join(report.peers_of(config))} of run {earlier.name}", ""]
    if kept:
        lines[-1:-1] = [f"carried over from run {carry_from.name} (not rerun): {', '.join(kept)}"]
    lines += ["| system | mean rank | mean normalized score | model ≤ 20 MB | latency p50 ≤ 2 ms |",
              "|---|---:|---:|---:|---:|"]
    for system in config["systems"]:
        ranks, norms = report.standing(config, results, cells, system)
        sizes = [cells[(d, system)] for d in config["datasets"] if cells.get((d, system))]
        small = sum(1 for c in sizes if (c["max_model_size_mb"] or 0) <= report.MODEL_MAX_MB)
        fast = sum(1 for c in sizes if (c["max_latency_ms_p50"] or 0) <= report.LATENCY_MAX_MS)
        lines.append(f"| {system} | {report.mean_of(ranks):.2f} | {report.mean_of(norms):.4f} | "
                     f"{small}/{len(sizes)} | {fast}/{len(sizes)} |")
    lines += ["", f"| dataset | metric | splits | mlwright ({earlier.name}) | {name} | change | best peer |",
              "|---|---|---:|---:|---:|---:|---:|"]
    rows = []
    for ds in config["datasets"]:
        metric = report.metric_of(config, results, ds)
        before, after = cells.get((ds, "mlwright")), cells.get((ds, name))
        if metric is None or not before or not after or before["score"] is None or after["score"] is None:
            continue
        change = (report.oriented(metric, after["score"]) - report.oriented(metric, before["score"])) / abs(before["score"])
        peers = [cells[(ds, p)]["score"] for p in report.peers_of(config)
                 if cells.get((ds, p)) and cells[(ds, p)]["score"] is not None]
        best_peer = max(peers, key=lambda v: report.oriented(metric, v)) if peers else None
        rows.append((change, f"| {ds} | {metric} | {before['seeds']} | {report.fmt_score(before['score'])} | "
                             f"{report.fmt_score(after['score'])} | {100 * change:+.2f}% | "
                             f"{report.fmt_score(best_peer) if best_peer is not None else '—'} |"))
    lines += [row for _, row in sorted(rows, key=lambda r: -r[0])]
    better = sum(1 for change, _ in rows if change > 0)
    lines += ["", f"{name} better on {better} of {len(rows)} datasets."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("later", type=Path, help="the run with the new mlwright rows")
    p.add_argument("earlier", type=Path, help="the run with the peers' rows")
    p.add_argument("--carry-from", type=Path, default=None,
                   help="a run whose mlwright rows stand in for the datasets the later run did not rerun")
    args = p.parse_args(argv)
    print(render(args.later, args.earlier, args.carry_from))


if __name__ == "__main__":
    main()
