"""`mlwright predict`: score a file or an SQL query in chunks; write predictions to a file
(CSV/TSV/Parquet), to a database table, or both."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from mlwright.cli.common import (DB_HELP, SQL_HELP, console, data_or_query, errors, friendly_errors, is_terminal,
                                 read_options, store_option)
from mlwright.errors import ConfigError


@friendly_errors
def predict_command(
    model: str = typer.Argument(..., help="Model folder, run folder, or registered model (models:/NAME/STAGE)."),
    data: Optional[Path] = typer.Argument(None, help="File to score: CSV/TSV (any separator, gzip) or Parquet "
                                          "(or use --sql)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Output file: .csv, .tsv, .parquet (.gz for "
                                          "text). Needed unless --to-table is given."),
    sql: Optional[str] = typer.Option(None, "--sql", help=SQL_HELP),
    db: Optional[str] = typer.Option(None, "--db", envvar="MLWRIGHT_DB", help=DB_HELP + " Also for --to-table."),
    to_table: Optional[str] = typer.Option(None, "--to-table", help="Write the predictions to this table (name or "
                                           "schema.name): created, or appended to, in one transaction."),
    to_db: Optional[str] = typer.Option(None, "--to-db", help="Database URL for --to-table, when not --db."),
    keep_column: Optional[list[str]] = typer.Option(None, "--keep-column", metavar="COLUMN",
                                                    help="Input column copied in front of the predictions, such "
                                                         "as an id (repeat for several)."),
    chunk_rows: int = typer.Option(100_000, help="Rows scored at a time; bounds memory on large tables."),
    sep: Optional[str] = typer.Option(None, help="Column separator of DATA (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="DATA has no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for DATA without header."),
    store: Optional[str] = store_option(),
) -> None:
    """Score DATA (or --sql) with MODEL and write one prediction column (plus proba_<class> columns)."""
    options = read_options(sep, no_header, columns)
    source = data_or_query(data, sql, db, options)
    destination = _table_destination(output, to_table, to_db or db, to_db)
    from mlwright import load
    from mlwright.serve.batch import score_file

    loaded = load(model, store=store)
    with Progress(SpinnerColumn(), TextColumn("scoring {task.completed:,} rows"), TimeElapsedColumn(),
                  console=errors, disable=not is_terminal()) as progress:
        task = progress.add_task("scoring", total=None)
        report = score_file(loaded, source, output, chunk_rows=chunk_rows, read_options=options,
                            to_table=destination, keep_columns=keep_column or (),
                            on_chunk=lambda n: progress.advance(task, n))
    for message in report.warnings:
        errors.print(f"[yellow]warning:[/] {message}", highlight=False)
    if output is not None:
        console.print(f"Wrote {report.rows:,} predictions to [bold]{output}[/]")
    if destination is not None:
        from mlwright.data.databases import redact

        console.print(f"Wrote {report.rows:,} predictions to table [bold]{to_table}[/] on {redact(destination[0])}",
                      highlight=False)


def _table_destination(output: Optional[Path], to_table: Optional[str], url: Optional[str],
                       to_db: Optional[str]) -> tuple[str, str] | None:
    if to_table is None:
        if to_db:
            raise ConfigError("--to-db given without --to-table.", where="--to-db",
                              fix="name the table to write with --to-table NAME, or leave --to-db out.")
        if output is None:
            raise ConfigError("no output given.", where="--output",
                              fix="pass -o predictions.csv, or --to-table NAME to write to a database.")
        return None
    if not url:
        raise ConfigError("--to-table needs a database to write to.", where="--to-table",
                          fix="pass --to-db URL or --db URL (or set MLWRIGHT_DB).")
    from mlwright.data.sql import table_name

    table_name(to_table)  # a bad name fails before the model is loaded
    return url, to_table
