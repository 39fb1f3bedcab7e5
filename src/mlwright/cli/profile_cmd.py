"""`mlwright profile`: statistics, quality, leakage and privacy findings, as an HTML page and JSON."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Optional

import typer
from rich.table import Table

from mlwright.cli.common import DB_HELP, SQL_HELP, console, data_or_query, friendly_errors, read_options

_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


@friendly_errors
def profile_command(
    data: Optional[Path] = typer.Argument(None, help="CSV/TSV (any separator, gzip) or Parquet file (or use --sql)."),
    sql: Optional[str] = typer.Option(None, "--sql", help=SQL_HELP),
    db: Optional[str] = typer.Option(None, "--db", envvar="MLWRIGHT_DB", help=DB_HELP),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Column to predict: adds associations, "
                                         "leakage checks and the class balance."),
    test: Optional[Path] = typer.Option(None, "--test", help="A test file to compare distributions with."),
    output: Path = typer.Option(Path("profile.html"), "--output", "-o",
                                help="HTML page to write; the JSON goes beside it (.json)."),
    sample_rows: int = typer.Option(50_000, help="Rows used by the sampled checks (associations, leakage, privacy)."),
    sep: Optional[str] = typer.Option(None, help="Column separator (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="The file has no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for a file without header."),
) -> None:
    """Profile DATA (or --sql): what each column holds, and what is wrong with it, before any model is trained."""
    from mlwright.profile import profile_table

    options = read_options(sep, no_header, columns)
    source = data_or_query(data, sql, db, options)
    profile = profile_table(source, target=target, test=test, sample_rows=sample_rows, read_options=options)
    if sql is not None:  # profile_table names a source it does not know as a DataFrame
        profile = replace(profile, source=str(source))
    html = profile.write_html(output)
    json_path = profile.write_json(output.with_suffix(".json"))
    _print_findings(profile)
    for line in profile.summary():
        console.print(line, highlight=False)
    console.print(f"Wrote [bold]{html}[/] and [bold]{json_path}[/]")


def _print_findings(profile) -> None:
    if not profile.findings:
        console.print("No findings.")
        return
    table = Table(title=f"Findings for {profile.source}", show_lines=False)
    for column in ("severity", "kind", "column", "evidence", "action"):
        table.add_column(column, overflow="fold")
    for f in profile.findings:
        table.add_row(f"[{_STYLE[f.severity]}]{f.severity}[/]", f.kind, ", ".join(f.columns) or "-",
                      f.evidence, f.action)
    console.print(table, highlight=False)
