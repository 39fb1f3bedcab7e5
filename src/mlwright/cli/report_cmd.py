"""`mlwright report`: write a finished run's report and model card again, without retraining."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Optional

import typer

from mlwright.cli.common import console, friendly_errors


@friendly_errors
def report_command(
    run: Path = typer.Argument(..., help="Run folder written by `mlwright train --out RUN`."),
    data: Optional[Path] = typer.Option(None, "--data", help="Training data, when they moved since training."),
    test: Optional[Path] = typer.Option(None, "--test", help="Labelled test file to judge the model on as well."),
    sensitive: Optional[list[str]] = typer.Option(None, "--sensitive", help="Column to audit for fairness (repeat); "
                                                  "replaces the run's list."),
    tests: Optional[Path] = typer.Option(None, "--tests", help="Model tests (YAML or Python) to run."),
    intended_use: Optional[str] = typer.Option(None, "--intended-use", help="What the model is for, for the model card."),
) -> None:
    """Rebuild RUN/report.html, RUN/MODEL_CARD.md and RUN/evaluation.json."""
    from mlwright.report.run_report import rebuild_run_report

    started = time.perf_counter()
    paths = rebuild_run_report(run, data=data, test=test, sensitive=tuple(sensitive) if sensitive else None,
                               tests_spec=tests, intended_use=intended_use)
    console.print(f"Report: [bold]{paths['report']}[/]   Model card: [bold]{paths['model_card']}[/]  "
                  f"({time.perf_counter() - started:.1f} s)")
