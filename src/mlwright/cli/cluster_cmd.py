"""`mlwright cluster`: group the rows of a table into clusters of similar rows, k chosen within a budget."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from mlwright.cli.common import (DB_HELP, SQL_HELP, check_jobs, console, data_or_query, friendly_errors,
                                 jobs_option, keep_option, live_status, print_recorded, process_started,
                                 read_options, register_option, store_option)


@friendly_errors
def cluster_command(
    data: Optional[Path] = typer.Argument(None, help="CSV/TSV (any separator, gzip) or Parquet file (or use --sql)."),
    k: str = typer.Option("auto", "--k", help="Number of clusters, or auto (chosen by internal scores and "
                          "stability)."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds for the whole command, reading included."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the model (out/model) and every row's "
                                       "cluster (out/clusters.csv)."),
    seed: int = typer.Option(0, help="Random seed: the same seed and data give the same clusters."),
    jobs: Optional[int] = jobs_option(),
    keep: Optional[list[str]] = keep_option(),
    sql: Optional[str] = typer.Option(None, "--sql", help=SQL_HELP),
    db: Optional[str] = typer.Option(None, "--db", envvar="MLWRIGHT_DB", help=DB_HELP),
    sep: Optional[str] = typer.Option(None, help="Column separator (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="The file has no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for a file without header."),
    store: Optional[str] = store_option(),
    register: Optional[str] = register_option(),
) -> None:
    """Cluster DATA (or --sql): k and the method (k-means, Gaussian mixture, Ward) chosen within the
    time limit; each cluster described by what sets its rows apart."""
    started = process_started()
    options = read_options(sep, no_header, columns)
    source = data_or_query(data, sql, db, options)
    check_jobs(jobs)
    from mlwright.unsupervised.cluster import cluster

    with live_status("clustering") as status:
        def on_candidate(candidate) -> None:
            if status is not None:
                status.update(f"clustering: {candidate.method} with k={candidate.k} "
                              f"(silhouette {candidate.silhouette:.3f}, stability {candidate.stability:.2f})")

        model = cluster(source, k=k, time_limit=time_limit, out=out, seed=seed, n_jobs=jobs, read_options=options,
                        store=store, keep_columns=tuple(keep or ()), register=register, started_at=started,
                        on_candidate=on_candidate)
    _print_summary(model, out)


def _print_summary(model, out: Optional[Path]) -> None:
    info = model.info
    chosen = info["chosen"]
    table = Table(title=f"{model.n_clusters} clusters ({model.method.replace('_', ' ')})")
    for column in ("cluster", "rows", "share", "what sets it apart"):
        table.add_column(column, overflow="fold")
    for described in model.clusters:
        table.add_row(str(described["cluster"]), f"{described['rows']:,}", f"{described['share']:.1%}",
                      escape(described["description"].split(": ", 1)[1]))
    console.print(table)
    console.print(f"Chosen from {len(info['candidates'])} candidates: silhouette {chosen['silhouette']:.3f}, "
                  f"Calinski-Harabasz {chosen['calinski_harabasz']:,.1f}, Davies-Bouldin "
                  f"{chosen['davies_bouldin']:.3f}, stability (adjusted Rand across resamples) "
                  f"{chosen['stability']:.2f}", highlight=False)
    for note in info["notes"]:
        console.print(f"note: {escape(note)}", highlight=False)
    if out is not None:
        console.print(f"Model saved to [bold]{out / 'model'}[/]; every row's cluster in [bold]{out / 'clusters.csv'}[/]")
    print_recorded(info)
