"""`mlwright predict`: score a file or an SQL query in chunks; write predictions to a file
(CSV/TSV/Parquet), to a database table, or both. With ``--backend dask`` a file's partitions are
scored as tasks on a Dask cluster (see ``mlwright.serve.dask_batch``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from mlwright.cli.common import (DB_HELP, SQL_HELP, console, data_or_query, errors, executor_for, friendly_errors,
                                 is_terminal, read_options, store_option)
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
    chunk_rows: int = typer.Option(100_000, help="Rows scored at a time; bounds memory on large tables. With "
                                   "--backend dask the file's partitions are the unit instead."),
    sep: Optional[str] = typer.Option(None, help="Column separator of DATA (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="DATA has no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for DATA without header."),
    store: Optional[str] = store_option(),
    backend: str = typer.Option("local", help="Where scoring runs: local (this process) or dask (the file's "
                                "partitions as tasks on a Dask cluster, whose workers must see MODEL, DATA and the "
                                "output's folder at the same paths). Parquet output is then a folder of parts."),
    address: Optional[str] = typer.Option(None, help="With --backend dask: the scheduler (tcp://host:8786); without "
                                          "it a local cluster of --workers processes is started for the job."),
    workers: int = typer.Option(2, help="With --backend dask and no --address: worker processes to start."),
    horizon: Optional[int] = typer.Option(None, "--horizon", help="For a forecasting model: how many future steps "
                                          "(default: the horizon it was trained for). DATA is then a newer history "
                                          "of the same series, or left out to continue the training history."),
) -> None:
    """Score DATA (or --sql) with MODEL and write one prediction column (plus proba_<class> columns);
    for a forecasting model, write the future rows of each series with their intervals."""
    options = read_options(sep, no_header, columns)
    loaded = None
    if backend == "local":
        from mlwright import load

        loaded = load(model, store=store)
        if getattr(loaded, "kind", None) == "forecast":
            return _write_forecast(loaded, data, sql, db, options, output, horizon)
    if horizon is not None:
        raise ConfigError(f"--horizon is for forecasting models; {model} is not one.", where="--horizon",
                          fix="leave --horizon out, or name a model made by mlwright forecast.")
    source = data_or_query(data, sql, db, options)
    destination = _table_destination(output, to_table, to_db or db, to_db)
    if backend == "dask":
        _refuse_for_dask(sql, to_table)
    keep = keep_column or ()
    executor = executor_for(backend, address, workers)  # checks --address and --backend; starts or joins a cluster
    try:
        with _progress() as advance:
            if executor is None:
                from mlwright.serve.batch import score_file

                report = score_file(loaded, source, output, chunk_rows=chunk_rows,
                                    read_options=options, to_table=destination, keep_columns=keep, on_chunk=advance)
            else:
                from mlwright.serve.dask_batch import score_on_dask

                # the first --chunk-rows rows decide what the local backend's first chunk decides
                report = score_on_dask(model, source, output, client=executor.client, store=store,
                                       read_options=options, keep_columns=keep, on_part=advance, sample_rows=chunk_rows)
    finally:
        if executor is not None:
            executor.shutdown()
    for message in report.warnings:
        errors.print(f"[yellow]warning:[/] {escape(message)}", highlight=False)
    if output is not None:
        parts = f" (a folder of {report.chunks} part{'s' * (report.chunks != 1)})" \
            if executor is not None and _is_parquet(output) else ""
        console.print(f"Wrote {report.rows:,} predictions to [bold]{output}[/]{parts}")
    if destination is not None:
        from mlwright.data.databases import redact

        console.print(f"Wrote {report.rows:,} predictions to table [bold]{to_table}[/] on {redact(destination[0])}",
                      highlight=False)


def _write_forecast(loaded, data: Optional[Path], sql: Optional[str], db: Optional[str], options: dict,
                    output: Optional[Path], horizon: Optional[int]) -> None:
    """A forecasting model's future rows to ``output``: from DATA's history when given, else
    continuing the history it was trained on."""
    if output is None:
        raise ConfigError("no output given.", where="--output", fix="pass -o forecast.csv.")
    history = None
    if data is not None or sql is not None:
        history = loaded.read_new_history(data_or_query(data, sql, db, options), where=str(data or "--sql"))
    from mlwright.serve.batch import write_file

    table = loaded.forecast(horizon, history=history)
    write_file(table, output)
    series = table[loaded.history.id_name].nunique() if loaded.history.id_name else 1
    console.print(f"Wrote {len(table):,} forecast rows ({series:,} series) to [bold]{output}[/]")


@contextmanager
def _progress() -> Iterator[Callable[[int], None]]:
    """Rows scored so far, on the terminal: the function to call with each chunk's or part's rows."""
    with Progress(SpinnerColumn(), TextColumn("scoring {task.completed:,} rows"), TimeElapsedColumn(),
                  console=errors, disable=not is_terminal()) as progress:
        task = progress.add_task("scoring", total=None)
        yield lambda rows: progress.advance(task, rows)


def _refuse_for_dask(sql: Optional[str], to_table: Optional[str]) -> None:
    if sql is not None:
        raise ConfigError("--sql cannot be scored with --backend dask: the dask backend scores files.", where="--sql",
                          fix="leave out --backend dask (queries are read in chunks here), or export the query to "
                              "Parquet and score that file.")
    if to_table is not None:
        raise ConfigError("--to-table cannot be written with --backend dask: the dask backend writes files.",
                          where="--to-table", fix="leave out --backend dask, or write a file (-o predictions.parquet) "
                                                  "and load it into the database.")


def _is_parquet(output: Path) -> bool:
    from mlwright.serve.batch import output_format

    return output_format(output)[0] == "parquet"


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
