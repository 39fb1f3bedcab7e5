"""`mlwright monitor`: has the data a model meets drifted from the data it learned from? For a
forecasting model: do its forecasts hold against what happened?

Exit codes, for cron and CI: 0 no drift (forecasts hold), 1 drift warning, 2 drift that needs
action (forecasts degraded), 3 the check could not run (bad input, unreachable store).
"""

from __future__ import annotations

import json
from contextlib import nullcontext
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from mlwright.cli.common import (DB_HELP, SQL_HELP, console, errors, friendly_errors, is_terminal, number, read_options,
                                 store_option)
from mlwright.errors import ConfigError

ERROR_EXIT = 3
_STYLE = {"stable": "green", "warning": "bold yellow", "action": "bold red", "ignored": "dim"}
SHOWN_ROWS = 25
_SHORT = {"wasserstein": "W", "jensen_shannon": "JS", "ks": "KS", "psi": "PSI"}


@friendly_errors(exit_code=ERROR_EXIT)
def monitor_command(
    model: str = typer.Argument(..., help="Model folder, run folder, or registered model (models:/NAME/STAGE)."),
    current: Optional[Path] = typer.Argument(None, help="Current data: CSV/TSV (any separator, gzip) or Parquet "
                                             "(or use --sql, or --logged)."),
    sql: Optional[str] = typer.Option(None, "--sql", help=SQL_HELP),
    db: Optional[str] = typer.Option(None, "--db", envvar="MLWRIGHT_DB", help=DB_HELP),
    logged: bool = typer.Option(False, "--logged", help="Check the predictions the service logged for MODEL."),
    since: Optional[str] = typer.Option(None, help="With --logged: from this time (ISO, or ago: 30m, 24h, 7d)."),
    until: Optional[str] = typer.Option(None, help="With --logged: up to this time (ISO, or ago)."),
    labels: Optional[Path] = typer.Option(None, help="With --logged: file of request_id, row_index and the target, "
                                          "to judge performance."),
    reference: Optional[Path] = typer.Option(None, help="Compare with this file instead of the training data kept "
                                             "with the model."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the check's page (HTML) here: the drift page, or a forecasting model's check."),
    config: Optional[Path] = typer.Option(None, help="TOML file of thresholds, weights and statistics."),
    weight: Optional[list[str]] = typer.Option(None, "--weight", metavar="COLUMN=W",
                                               help="Weight of a column (0 leaves it out, 2 doubles it); repeat."),
    numeric_statistic: Optional[str] = typer.Option(None, help="wasserstein (default), psi or ks."),
    categorical_statistic: Optional[str] = typer.Option(None, help="jensen_shannon (default) or psi."),
    alpha: Optional[float] = typer.Option(None, help="Significance a shift must reach (0.01 when left out)."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    sep: Optional[str] = typer.Option(None, help="Column separator of the files (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="The files have no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for files without header."),
    store: Optional[str] = store_option(),
) -> None:
    """Compare CURRENT with MODEL's training data: drift per input column, in the predictions and,
    when labels are present, in performance. For a forecasting model, CURRENT holds the actual
    values (its time, target and id columns) of times after its history: each is compared with
    the model's forecast. Exit code 0 no drift, 1 warning, 2 action, 3 error."""
    from mlwright.monitor.check import check_drift, resolve_model, write_drift_page
    from mlwright.monitor.settings import load_settings

    settings = load_settings(config, weights=_weights(weight), numeric_statistic=numeric_statistic,
                             categorical_statistic=categorical_statistic, alpha=alpha)
    options = read_options(sep, no_header, columns)
    source = _current(current, sql, db, logged, options)
    if not logged and (since or until or labels):
        raise ConfigError("--since, --until and --labels apply to logged predictions.", where="--logged",
                          fix="add --logged, or leave them out (a file's own target column is used as labels).")
    from mlwright.registry.store import open_store

    opened = open_store(store)
    try:
        loaded = resolve_model(model, opened)
        if getattr(loaded.model, "kind", None) == "forecast":
            _refuse_drift_options(reference=reference, weight=weight, logged=logged,
                                  numeric_statistic=numeric_statistic, categorical_statistic=categorical_statistic)
            raise typer.Exit(_check_forecasts(loaded, source, settings.alpha, opened, options, as_json, output))
        with errors.status("reading the rows and comparing them with the reference ...") if is_terminal() \
                else nullcontext():
            report = check_drift(loaded, source, reference=reference, settings=settings, logged=logged, since=since,
                                 until=until, labels=labels, store=opened, read_options=options)
        if output is not None:
            write_drift_page(report, output, opened)
    finally:
        opened.close()
    if as_json:
        console.print_json(json.dumps(report.to_dict(), default=str))
    else:
        _print(report, output)
    raise typer.Exit(report.status)


def _refuse_drift_options(**given) -> None:
    """Options of the drift check that a forecast check has no use for: named, not ignored."""
    flags = {"reference": "--reference", "weight": "--weight", "logged": "--logged",
             "numeric_statistic": "--numeric-statistic", "categorical_statistic": "--categorical-statistic"}
    for name, value in given.items():
        if value:
            raise ConfigError("an option of the drift check: a forecasting model is checked against the actual "
                              "values of the times it forecast instead.", where=flags[name],
                              fix=f"leave {flags[name]} out (--json prints every figure of the check).")


def _check_forecasts(loaded, source, alpha: float, store, options: dict, as_json: bool,
                     output: Optional[Path] = None) -> int:
    """Check a forecasting model against the actuals and show what it found; the exit code."""
    from mlwright.monitor.forecast_check import check_forecasts

    with errors.status("matching the actuals with the forecasts ...") if is_terminal() else nullcontext():
        check = check_forecasts(loaded, source, alpha=alpha, store=store, read_options=options)
    if output is not None:
        from mlwright.report.forecast_check_page import write_forecast_check_page

        write_forecast_check_page(output, check, loaded.model)
    if as_json:
        console.print_json(json.dumps(check.to_dict(), default=str))
    else:
        _print_forecast_check(check)
        if output is not None:
            console.print(f"Wrote the forecast check's page to [bold]{escape(str(output))}[/]")
    return check.status


def _current(current: Optional[Path], sql: Optional[str], db: Optional[str], logged: bool, options: dict):
    if logged:
        if current is not None or sql is not None:
            raise ConfigError("--logged reads the service's log: no CURRENT file or --sql with it.", where="--logged",
                              fix="leave out either --logged or the file/query.")
        return None
    if current is None and sql is None:
        raise ConfigError("no current data given.", where="CURRENT",
                          fix="pass a file, --sql QUERY --db URL, or --logged --since 24h.")
    from mlwright.cli.common import data_or_query

    return data_or_query(current, sql, db, options)


def _weights(pairs: Optional[list[str]]) -> dict[str, float] | None:
    if not pairs:
        return None
    weights = {}
    for pair in pairs:
        name, sign, value = pair.rpartition("=")
        try:
            weights[name] = float(value)
        except ValueError:
            name = ""
        if not sign or not name:
            raise ConfigError(f"--weight {pair!r} is not COLUMN=NUMBER.", where="--weight",
                              fix="write it as --weight age=2 (0 leaves the column out).")
    return weights


def _print(report, output: Optional[Path]) -> None:
    table = Table(title=f"Drift of {report.model} on {report.rows:,} rows ({report.current['where']})")
    for column in ("column", "verdict", "drift", "p-value", "PSI", "missing", "new"):
        table.add_column(column)
    parts = report.features + [p for p in (report.prediction,) if p]
    for entry in sorted(parts, key=lambda f: f["feature"] != "prediction")[:SHOWN_ROWS]:
        style = _STYLE[entry["verdict"]]
        statistic = f"{_SHORT[entry['statistic']]} {number(entry['value'], 3)}" if entry["statistic"] else "-"
        missing = (f"{entry['missing_rate']:.1%} ({entry['reference_missing_rate']:.1%})"
                   if entry["missing_rate"] is not None else "-")
        new = f"{entry['new_category_rate']:.1%}" if entry.get("new_category_rate") is not None else "-"
        table.add_row(entry["feature"], f"[{style}]{entry['verdict']}[/]", statistic,
                      f"{entry['p_value']:.2g}" if entry["p_value"] is not None else "-", number(entry["psi"], 3),
                      missing, new)
    console.print(table)
    console.print("[dim]drift: W = Wasserstein distance in training standard deviations, JS = Jensen-Shannon "
                  "distance, KS = Kolmogorov-Smirnov distance, PSI = population stability index; missing: "
                  "now (training); new: share of values never seen in training.[/]")
    if len(parts) > SHOWN_ROWS:
        console.print(f"... and {len(parts) - SHOWN_ROWS} more columns (--json or -o page.html shows all).")
    perf = report.performance
    if perf:
        before = f" against {perf['training']:.4g} at training" if perf["training"] is not None else ""
        console.print(f"Performance: {perf['metric']} {perf['current']:.4g} on {perf['rows']:,} labelled rows{before}: "
                      f"[{_STYLE[perf['verdict']]}]{perf['verdict']}[/]", highlight=False)
    console.print(f"[{_STYLE[report.verdict]}]Verdict: {report.verdict}[/] (exit code {report.status})")
    for reason in report.reasons:
        console.print(f"  {escape(reason)}", highlight=False)
    for note in report.notes:
        console.print(f"  [dim]{escape(note)}[/]", highlight=False)
    if output is not None:
        console.print(f"Wrote the drift page to [bold]{output}[/]")


def _print_forecast_check(check) -> None:
    figures = check.figures
    table = Table(title=f"Forecasts of {check.model} against {figures['steps']:,} actuals ({check.current['where']})")
    for column in ("series", "steps", "MASE now", "sMAPE", "in 80%", "in 95%", "mean error"):
        table.add_column(column)
    for entry in sorted(check.series, key=lambda s: -s["mase"])[:SHOWN_ROWS]:
        table.add_row(escape(entry["series"]), str(entry["steps"]), number(entry["mase"], 3), number(entry["smape"], 2),
                      f"{entry['coverage_80']:.0%}", f"{entry['coverage_95']:.0%}", f"{entry['mean_error']:.4g}")
    console.print(table)
    if len(check.series) > SHOWN_ROWS:
        console.print(f"... and {len(check.series) - SHOWN_ROWS} more series, the least degraded (--json shows all).")
    accuracy, coverage = figures["accuracy"], figures["coverage"]
    backtest = f" against {accuracy['backtest']:.3g} in the backtest" if accuracy["backtest"] is not None else ""
    baseline = f" (seasonal naive {accuracy['baseline_backtest']:.3g})" if accuracy["baseline_backtest"] else ""
    console.print(f"Accuracy: MASE now {accuracy['now']:.3g}{backtest}{baseline}; sMAPE now "
                  f"{figures['smape']['now']:.3g}", highlight=False)
    console.print("Intervals: " + ", ".join(f"{entry['share']:.0%} of the actuals inside the {level}% interval"
                                           for level, entry in coverage.items()), highlight=False)
    console.print("[dim]MASE: mean absolute error over the in-sample error of repeating the last season (below 1 "
                  "beats it); mean error: actual minus forecast.[/]")
    console.print(f"[{_STYLE[check.verdict]}]Verdict: {check.verdict}[/] (exit code {check.status})")
    for reason in check.reasons:
        console.print(f"  {escape(reason)}", highlight=False)
    for note in check.notes:
        console.print(f"  [dim]{escape(note)}[/]", highlight=False)
