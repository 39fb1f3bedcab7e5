"""`mlwright anomalies`: score how unusual each row of a table is, flag the most unusual, say why."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from mlwright.cli.common import (DB_HELP, SQL_HELP, check_jobs, console, data_or_query, friendly_errors, jobs_option,
                                 keep_option, print_recorded, process_started, read_options, register_option,
                                 store_option)


@friendly_errors
def anomalies_command(
    data: Optional[Path] = typer.Argument(None, help="CSV/TSV (any separator, gzip) or Parquet file (or use --sql)."),
    contamination: str = typer.Option("auto", "--contamination", help="Share of rows to flag (such as 0.01), or "
                                      "auto: the share every detector calls an outlier on its own."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for the model (out/model) and every row's score, "
                                       "flag and reasons (out/anomalies.csv)."),
    seed: int = typer.Option(0, help="Random seed: the same seed and data give the same scores."),
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
    """Find the unusual rows of DATA (or --sql): an isolation forest, the local outlier factor and the
    distance to the nearest rows, their rank-normalised scores averaged (higher = more unusual)."""
    started = process_started()
    options = read_options(sep, no_header, columns)
    source = data_or_query(data, sql, db, options)
    check_jobs(jobs)
    from mlwright.unsupervised.anomalies import find_anomalies

    with console.status("finding anomalies", spinner="dots"):
        model = find_anomalies(source, contamination=contamination, out=out, seed=seed, n_jobs=jobs,
                               read_options=options, store=store, keep_columns=tuple(keep or ()), register=register,
                               started_at=started)
    _print_summary(model, out)


def _print_summary(model, out: Optional[Path]) -> None:
    info = model.info
    how = "asked for" if info["contamination_asked"] is not None else "chosen: the share every detector calls unusual"
    console.print(f"{info['flagged']:,} of {info['rows']:,} rows flagged as anomalies (contamination "
                  f"{info['contamination']:.2%}, {how}); score threshold {model.threshold:.4f}", highlight=False)
    table = Table(title="The most unusual rows")
    for column in ("row", "score", "flagged", "what makes it unusual"):
        table.add_column(column, overflow="fold")
    for row in info["most_unusual"]:
        table.add_row(str(row["row"]), f"{row['score']:.4f}", "yes" if row["flagged"] else "no",
                      escape("; ".join(row["why"]) or "an unusual combination of ordinary values"))
    console.print(table)
    for note in info["notes"]:
        console.print(f"note: {escape(note)}", highlight=False)
    if out is not None:
        console.print(f"Model saved to [bold]{out / 'model'}[/]; every row's score in [bold]{out / 'anomalies.csv'}[/]")
    print_recorded(info)
