"""`mlwright retrain`: champion against challenger on new data; promote only a clear winner."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from mlwright.cli.common import (DB_HELP, SQL_HELP, console, data_or_query, friendly_errors, number, read_options,
                                 store_option)
from mlwright.errors import ConfigError


@friendly_errors
def retrain_command(
    model: str = typer.Argument(..., help="Registered model: NAME (its production version), models:/NAME/production "
                                          "or models:/NAME/VERSION."),
    new_data: Optional[Path] = typer.Argument(None, help="Labelled new rows: CSV/TSV or Parquet file (or use --sql)."),
    sql: Optional[str] = typer.Option(None, "--sql", help=SQL_HELP),
    db: Optional[str] = typer.Option(None, "--db", envvar="MLWRIGHT_DB", help=DB_HELP),
    promote_if_better: bool = typer.Option(False, "--promote-if-better", help="Put the challenger in production when "
                                           "it wins by --margin with p below --alpha (else only report)."),
    margin: float = typer.Option(0.0, "--margin", help="Smallest gain, in the metric's units, worth a promotion."),
    alpha: float = typer.Option(0.05, "--alpha", help="The p-value must be below this for a promotion."),
    combine_with: Optional[Path] = typer.Option(None, "--combine-with", help="Also train on these earlier rows "
                                                "(a file), placed before the new ones."),
    combine_training: bool = typer.Option(False, "--combine-training", help="Also train on the champion's own "
                                          "training data (refused when that file changed since)."),
    window: Optional[int] = typer.Option(None, "--window", help="Train on the most recent N rows only, after "
                                         "combining."),
    time_column: Optional[str] = typer.Option(None, "--time-column", help="Column that orders rows in time (by default "
                                              "the order of the file)."),
    holdout: float = typer.Option(0.2, "--holdout", help="Share of the new data, its most recent rows, that both "
                                  "models are judged on; the challenger never learns from it."),
    time_limit: Optional[float] = typer.Option(None, "--time-limit", help="Training budget in seconds (by default the "
                                               "champion's)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Folder for the challenger's run and the report "
                                       "(by default .mlwright/retrain/NAME-TIME)."),
    by: Optional[str] = typer.Option(None, "--by", help="Who decided (by default MLWRIGHT_USER or the login name)."),
    sep: Optional[str] = typer.Option(None, help="Column separator of the files (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="The files have no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for files without header."),
    store: Optional[str] = store_option(),
) -> None:
    """Train a challenger with the champion's settings on NEW_DATA, compare both on the most recent
    held-out rows with a paired test, and write the comparison report; the decision is recorded
    whichever way it goes."""
    from mlwright.monitor.retrain import TRAINING, retrain

    if combine_with is not None and combine_training:
        raise ConfigError("both --combine-with and --combine-training given.", where="--combine-with",
                          fix="add either the champion's training data or another file, not both.")
    options = read_options(sep, no_header, columns)
    source = data_or_query(new_data, sql, db, options)
    outcome = retrain(model, source, promote_if_better=promote_if_better, margin=margin, alpha=alpha,
                      combine=TRAINING if combine_training else combine_with, window=window, time_column=time_column,
                      holdout=holdout, time_limit=time_limit, store=store, out=out, by=by,
                      read_options=options)
    _print_outcome(outcome)


def _print_outcome(outcome) -> None:
    c = outcome.comparison
    table = Table(title=f"{outcome.name}: champion against challenger on {c.rows} held-out rows")
    for column in ("model", "version", c.metric, f"{c.level:.0%} interval"):
        table.add_column(column, justify="left" if column in ("model", "version") else "right")
    table.add_row("champion", outcome.champion.uri, number(c.champion_score, 4),
                  f"{number(c.champion_ci[0], 4)} to {number(c.champion_ci[1], 4)}")
    table.add_row("challenger", outcome.challenger.uri, number(c.challenger_score, 4),
                  f"{number(c.challenger_ci[0], 4)} to {number(c.challenger_ci[1], 4)}")
    console.print(table)
    console.print(f"Difference (challenger better by) {number(c.difference, 4)} {c.metric}, "
                  f"{c.level:.0%} interval {number(c.ci_low, 4)} to {number(c.ci_high, 4)}; p = {c.p_value:.3g}",
                  highlight=False)
    style = "bold green" if outcome.promoted else "bold yellow"
    console.print(f"[{style}]Decision:[/] {escape(outcome.verdict.reason)}", highlight=False)
    in_production = outcome.challenger.uri if outcome.promoted else outcome.champion.uri
    console.print(f"In production: [bold]{in_production}[/]; challenger registered as {outcome.challenger.uri} "
                  f"(decision {outcome.decision_id} recorded)", highlight=False)
    console.print(f"Report: [bold]{outcome.report}[/]", highlight=False)
