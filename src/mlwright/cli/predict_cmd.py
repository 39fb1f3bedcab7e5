"""`mlwright predict`: score a file in chunks and write predictions (CSV/TSV/Parquet)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from mlwright.cli.common import console, errors, friendly_errors, is_terminal, read_options


@friendly_errors
def predict_command(
    model: Path = typer.Argument(..., help="Model folder (or the run folder of `mlwright train`)."),
    data: Path = typer.Argument(..., help="File to score: CSV/TSV (any separator, gzip) or Parquet."),
    output: Path = typer.Option(..., "--output", "-o", help="Output file: .csv, .tsv, .parquet (.gz for text)."),
    chunk_rows: int = typer.Option(100_000, help="Rows scored at a time; bounds memory on large files."),
    sep: Optional[str] = typer.Option(None, help="Column separator of DATA (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="DATA has no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for DATA without header."),
) -> None:
    """Score DATA with MODEL and write one prediction column (plus proba_<class> columns)."""
    from mlwright import load
    from mlwright.serve.batch import score_file

    loaded = load(model)
    with Progress(SpinnerColumn(), TextColumn("scoring {task.completed:,} rows"), TimeElapsedColumn(),
                  console=errors, disable=not is_terminal()) as progress:
        task = progress.add_task("scoring", total=None)
        report = score_file(loaded, data, output, chunk_rows=chunk_rows,
                            read_options=read_options(sep, no_header, columns),
                            on_chunk=lambda n: progress.advance(task, n))
    for message in report.warnings:
        errors.print(f"[yellow]warning:[/] {message}", highlight=False)
    console.print(f"Wrote {report.rows:,} predictions to [bold]{output}[/]")
