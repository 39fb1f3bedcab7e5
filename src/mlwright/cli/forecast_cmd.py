"""`mlwright forecast`: the next steps of one or many series, methods chosen by backtesting."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from mlwright.cli.common import (DB_HELP, SQL_HELP, check_jobs, console, data_or_query, friendly_errors,
                                 jobs_option, live_status, print_recorded, process_started, read_options,
                                 register_option, store_option)


@friendly_errors
def forecast_command(
    data: Optional[Path] = typer.Argument(None, help="CSV/TSV (any separator, gzip) or Parquet file (or use --sql)."),
    time: str = typer.Option(..., "--time", help="The time column, or the columns it is assembled from "
                             "(e.g. year,month; months as numbers or names)."),
    target: str = typer.Option(..., "--target", help="The numeric column to forecast."),
    horizon: int = typer.Option(..., "--horizon", help="How many future steps to forecast."),
    id_column: Optional[str] = typer.Option(None, "--id", help="The column that tells several series apart."),
    freq: Optional[str] = typer.Option(None, "--freq", help="The calendar step as a pandas alias (D, W, MS, ME, QS, "
                                       "h); inferred when left out."),
    time_limit: float = typer.Option(60.0, "--time-limit", help="Seconds for the whole command, reading included."),
    out: Optional[Path] = typer.Option(None, "--out", help="Folder for forecast.csv, the model (out/model) and the "
                                       "report (out/report.html)."),
    seed: int = typer.Option(0, help="Random seed: the same seed and data give the same forecast."),
    jobs: Optional[int] = jobs_option(),
    sql: Optional[str] = typer.Option(None, "--sql", help=SQL_HELP),
    db: Optional[str] = typer.Option(None, "--db", envvar="MLWRIGHT_DB", help=DB_HELP),
    sep: Optional[str] = typer.Option(None, help="Column separator (guessed when left out)."),
    store: Optional[str] = store_option(),
    register: Optional[str] = register_option(),
) -> None:
    """Forecast DATA (or --sql) HORIZON steps ahead: seasonal naive, AutoETS, AutoARIMA, AutoTheta and
    a global LightGBM backtested on the last windows of each series; the best, or a mean of the
    best, with 80% and 95% intervals calibrated on the backtest's errors."""
    started = process_started()
    options = read_options(sep, False, None)
    source = data_or_query(data, sql, db, options)
    check_jobs(jobs)
    from mlwright.forecasting.run import forecast

    with live_status("forecasting") as status:
        def on_step(text: str) -> None:
            if status is not None:
                status.update(f"forecasting: {text}")

        model = forecast(source, time=time, target=target, horizon=horizon, id=id_column, freq=freq,
                         time_limit=time_limit, out=out, seed=seed, n_jobs=jobs, read_options=options, store=store,
                         register=register, started_at=started, on_step=on_step)
    _print_summary(model, out)


def _print_summary(model, out: Optional[Path]) -> None:
    from mlwright.report.forecast_page import describe_entry

    info = model.info
    table = Table(title=f"Backtest: {info['windows']} window(s) of {info['horizon']} steps, "
                        f"{info['series']:,} series (step {info['freq']}, season {info['season']})")
    for column in ("method", "MASE", "sMAPE", "80% coverage", "95% coverage"):
        table.add_column(column, overflow="fold", justify="left" if column == "method" else "right")
    for entry in info["leaderboard"][:8]:
        coverage = entry["coverage"]
        table.add_row(escape(entry["name"]), f"{entry['mase']:.3f}", f"{entry['smape']:.2f}",
                      *("—" if coverage[k] is None else f"{coverage[k]:.0%}" for k in ("80", "95")),
                      style="bold" if entry["name"] == info["chosen"]["name"] else None)
    console.print(table)
    console.print(f"Chosen: {escape(describe_entry(info['chosen']))}", highlight=False)
    for note in [*info["notes"], *(f"passed over: {p}" for p in info["passed_over"])]:
        console.print(f"note: {escape(note)}", highlight=False)
    if out is not None:
        console.print(f"Forecast written to [bold]{out / 'forecast.csv'}[/]; model in [bold]{out / 'model'}[/]; "
                      f"report in [bold]{out / 'report.html'}[/]")
    else:
        console.print(model.forecast_.head(12).to_string(index=False), highlight=False)
    print_recorded(info)
