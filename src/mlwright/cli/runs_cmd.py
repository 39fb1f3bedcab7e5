"""`mlwright runs list|show|compare`: the experiment log, as tables."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.markup import escape
from rich import box
from rich.table import Table
from rich.text import Text

from mlwright.cli.common import console, friendly_errors, number, store_option
from mlwright.errors import ConfigError

runs_app = typer.Typer(no_args_is_help=True, help="Every `train` is a run: list, show and compare them.")
_STATUS_STYLE = {"finished": "green", "running": "cyan", "failed": "red"}
#: `runs list`'s columns, with the narrowest and widest a name may be (None: a fixed-size value).
#: A longer name wraps onto a second line rather than losing its end: the end of a file name is
#: often what tells two runs apart.
_LIST_COLUMNS = (("run", None), ("started UTC", None), ("status", None), ("target", (6, 12)), ("data", (10, 32)),
                 ("model", (5, 12)), ("metric", (6, 9)), ("estimate", None), ("trials", None), ("commit", None))
#: Below this terminal width the commit is left out (`runs show` has it), to leave room for names.
_COMMIT_FROM_WIDTH = 100


@runs_app.command("list")
@friendly_errors
def list_command(
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many matching runs, newest first."),
    status: Optional[str] = typer.Option(None, help="Only runs with this status: running, finished, failed."),
    target: Optional[str] = typer.Option(None, help="Only runs that predict this column."),
    model: Optional[str] = typer.Option(None, "--model", help="Only runs registered under this model name."),
    data: Optional[str] = typer.Option(None, "--data", help="Only runs whose data's path or SQL query contains "
                                                            "this text (any case)."),
    store: Optional[str] = store_option(),
) -> None:
    """The latest runs: when, on which data, what they predicted, how they scored, what they became."""
    from mlwright.registry.store import open_store

    opened = open_store(store)
    if model:
        opened.models.get(model)  # an unknown name is an error naming the closest one, not an empty table
    found = opened.runs.list(limit=limit, status=status, target=target, model=model, data=data)
    ids = [r.id for r in found]
    counts, registered = opened.runs.trial_counts(ids), opened.runs.registered_as(ids)
    table = Table(title=f"Runs in {opened.where}", box=box.SIMPLE_HEAD, padding=0, show_edge=False)
    with_commit = console.width >= _COMMIT_FROM_WIDTH
    for column, widths in _LIST_COLUMNS:
        if column == "commit" and not with_commit:
            continue
        low, high = widths or (None, None)
        table.add_column(column, justify="right" if column in ("estimate", "trials") else "left",
                         no_wrap=widths is None, min_width=low, max_width=high)
    for run in found:
        names = (run.target or "-", run.data_name, ", ".join(registered.get(run.id, [])) or "-", run.metric or "-")
        commit = [((run.git or {}).get("commit") or "-")[:7]] if with_commit else []
        table.add_row(run.id[:8], run.started_at.strftime("%m-%d %H:%M"),
                      f"[{_STATUS_STYLE.get(run.status, 'white')}]{run.status}[/]",
                      *[Text(name, overflow="fold") for name in names],
                      number(run.estimate, 4), str(counts.get(run.id, 0)), *commit)
    console.print(table)
    if not found:
        console.print("No runs match these filters." if any((status, target, model, data)) else
                      "No runs yet: `mlwright train DATA --target COLUMN` records one.")


@runs_app.command("show")
@friendly_errors
def show_command(
    run_id: str = typer.Argument(..., help="Run id (the first characters are enough)."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole record as JSON."),
    store: Optional[str] = store_option(),
) -> None:
    """Everything recorded about one run: settings, data, findings, trials, metrics, timings, versions."""
    from mlwright.registry.store import open_store

    opened = open_store(store)
    run = opened.runs.get(run_id)
    trials = opened.runs.trials(run.id)
    if as_json:
        record = {**run.__dict__, "trials": trials}
        console.print_json(json.dumps(record, default=str))
        return
    console.print(f"[bold]Run {run.id}[/]  [{_STATUS_STYLE.get(run.status, 'white')}]{run.status}[/]  "
                  f"started {run.started_at:%Y-%m-%d %H:%M:%S} UTC by {run.user} on {run.host}", highlight=False)
    if run.error:
        console.print(f"[red]error:[/] {escape(run.error)}", highlight=False)
    console.print(_facts_table("Run", _summary(run)))
    console.print(_facts_table("Settings", {k: v for k, v in run.params.items() if v not in (None, [], {}, "")}))
    if run.findings:
        table = Table(title="Data findings")
        for column in ("severity", "kind", "column", "action"):
            table.add_column(column, overflow="fold")
        for finding in run.findings:
            column = finding["column"] if isinstance(finding["column"], str) else ", ".join(finding["column"] or [])
            table.add_row(finding["severity"], finding["kind"], column or "-", finding["action"])
        console.print(table)
    console.print(_trials_table(trials))
    for name, values in ((run.metrics or {}).get("sets") or {}).items():
        console.print(_facts_table(f"Metrics on {name}", {k: number(v) for k, v in values.items()}))
    if run.timings:
        console.print(_facts_table("Timings (s)", {**run.timings.get("stages", {}), "total": run.timings.get("total")}))
    if run.environment:
        console.print(_facts_table("Environment", {"python": run.environment.get("python"),
                                                   **(run.environment.get("packages") or {})}))


@runs_app.command("compare")
@friendly_errors
def compare_command(
    run_ids: list[str] = typer.Argument(..., help="Two or more run ids."),
    store: Optional[str] = store_option(),
) -> None:
    """Runs side by side; the rows where they differ are highlighted."""
    from mlwright.registry.comparison import compare_runs
    from mlwright.registry.store import open_store

    if len(run_ids) < 2:
        raise ConfigError("compare needs two runs or more.", where="runs compare",
                          fix="pass two run ids: `mlwright runs compare ID1 ID2`.")
    comparison = compare_runs(run_ids, open_store(store))
    table = Table(title="Runs compared")
    table.add_column("")
    for run in comparison.runs:
        table.add_column(run.id[:8], overflow="fold")
    for label, values in comparison.rows:
        style = "bold yellow" if comparison.differs(label) else ""
        table.add_row(label, *[f"[{style}]{v}[/]" if style else str(v) for v in values])
    console.print(table, highlight=False)


def _summary(run) -> dict:
    data = run.data or {}
    estimate = (run.metrics or {}).get("estimate") or {}
    return {"target": run.target, "task": run.task, "metric": run.metric,
            "source": json.dumps(run.source) if run.source else "-",
            "data": f"{data.get('rows', '-')} rows × {data.get('columns', '-')} columns, "
                    f"sha256 {(data.get('sha256') or '-')[:16]}",
            "estimate": f"{number(estimate.get('value'))} ({estimate.get('method', '-')})" if estimate else "-",
            "out-of-fold": number((run.metrics or {}).get("oof_score")),
            "run folder": run.run_dir or "-", "resumable": "yes" if run.status == "failed" and run.resumable else "-",
            "resumed from": run.resumed_from or "-",
            "git": f"{run.git['commit'][:12]} on {run.git.get('branch')}{' (uncommitted changes)' if run.git.get('dirty') else ''}"
            if run.git else "-"}


def _facts_table(title: str, facts: dict) -> Table:
    table = Table(title=title, show_header=False)
    table.add_column("", style="bold")
    table.add_column("", overflow="fold")
    for key, value in facts.items():
        table.add_row(str(key), value if isinstance(value, str) else json.dumps(value, default=str))
    return table


def _trials_table(trials: list[dict]) -> Table:
    table = Table(title=f"Trials ({len(trials)})")
    for column in ("trial", "status", "score", "fit s", "ms/row", "configuration"):
        table.add_column(column, justify="right" if column in ("score", "fit s", "ms/row") else "left",
                         overflow="fold")
    for trial in trials:
        table.add_row(trial["name"], trial["status"], number(trial["score"]), number(trial["fit_seconds"], 2),
                      number(trial["predict_ms_per_row"], 4),
                      trial["error"] or json.dumps(trial["params"], default=str)[:200])
    return table
