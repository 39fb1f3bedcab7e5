"""`mlwright test`: run model tests on labelled data, print a table, exit 1 when any fails."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from mlwright.cli.common import console, friendly_errors, read_options, store_option


@friendly_errors
def test_command(
    model: str = typer.Argument(..., help="Model folder, run folder, or registered model (models:/NAME/STAGE)."),
    data: Path = typer.Argument(..., help="Labelled data to test on: CSV/TSV (any separator, gzip) or Parquet."),
    spec: Optional[Path] = typer.Option(None, "--spec", "-s", help="Tests to run: a .yml/.yaml file of declared "
                                        "tests or a .py file of check_* functions (default: refuses data it "
                                        "cannot score, beats the trivial baseline)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Also write the results as JSON here."),
    sep: Optional[str] = typer.Option(None, help="Column separator of DATA (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="DATA has no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for DATA without header."),
    store: Optional[str] = store_option(),
) -> None:
    """Test MODEL on DATA: minimum metrics overall and per slice, invariance, directional
    expectations, refusing data it cannot score. Exit 0 when all pass, 1 when any fails,
    2 when MODEL, DATA or the spec is wrong."""
    from mlwright import load
    from mlwright.data.readers import read_table
    from mlwright.evaluate.model_tests import default_test_suite, load_test_suite, run_model_tests
    from mlwright.files import write_text_atomic

    suite = load_test_suite(spec) if spec is not None else None  # a bad spec fails before the model loads
    loaded = load(model, store=store)
    suite = suite or default_test_suite(loaded)
    results = run_model_tests(loaded, read_table(data, **read_options(sep, no_header, columns)), suite)
    _print_results(results, suite.source)
    failed = sum(not r.passed for r in results)
    if output is not None:
        payload = {"model": str(model), "data": str(data), "spec": suite.source, "passed": failed == 0,
                   "results": [r.to_dict() for r in results]}
        write_text_atomic(output, json.dumps(payload, indent=2) + "\n")
        console.print(f"Wrote [bold]{escape(str(output))}[/]")
    if failed:
        raise typer.Exit(1)


def _print_results(results, source: str) -> None:
    table = Table(title=f"Model tests ({escape(source)})", show_lines=False)
    table.add_column("test", overflow="fold")
    table.add_column("kind")
    table.add_column("result")
    table.add_column("detail", overflow="fold")
    for r in results:
        verdict = "[bold green]PASS[/]" if r.passed else "[bold red]FAIL[/]"
        table.add_row(escape(r.name), r.kind, verdict, escape(r.detail))
    console.print(table, highlight=False)
    failed = sum(not r.passed for r in results)
    summary = f"[bold red]{failed} of {len(results)} tests failed[/]" if failed else \
        f"[bold green]all {len(results)} tests passed[/]"
    console.print(summary)


test_command.__test__ = False  # a command, not a pytest test, wherever it is imported
