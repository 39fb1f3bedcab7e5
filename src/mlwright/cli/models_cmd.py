"""`mlwright models list|show|promote`: the model registry."""

from __future__ import annotations

import json
from typing import Optional

import typer
from rich.table import Table

from mlwright.cli.common import console, friendly_errors, number, store_option

models_app = typer.Typer(no_args_is_help=True, help="Registered models: versions, stages and lineage.")
_STAGE_STYLE = {"production": "bold green", "staging": "cyan", "archived": "dim", "none": ""}


@models_app.command("list")
@friendly_errors
def list_command(store: Optional[str] = store_option()) -> None:
    """Every registered name, its latest version and the versions in production and staging."""
    from mlwright.registry.store import open_store

    opened = open_store(store)
    table = Table(title=f"Registered models in {opened.where}")
    for column in ("name", "latest", "production", "staging", "created (UTC)"):
        table.add_column(column)
    names = opened.models.names()
    for entry in names:
        table.add_row(entry["name"], str(entry["latest"] or "-"), str(entry["production"] or "-"),
                      str(entry["staging"] or "-"), f"{entry['created_at']:%Y-%m-%d %H:%M}")
    console.print(table)
    if not names:
        console.print("Nothing registered yet: `mlwright train ... --register NAME` registers a model.")


@models_app.command("show")
@friendly_errors
def show_command(
    name: str = typer.Argument(..., help="Registered model name."),
    version: Optional[str] = typer.Argument(None, help="Version number or stage; all versions when left out."),
    as_json: bool = typer.Option(False, "--json", help="Print the version's lineage as JSON."),
    store: Optional[str] = store_option(),
) -> None:
    """A model's versions, or one version with its lineage (run, data, report, parents) and stage history."""
    from mlwright.registry.lineage import lineage_of
    from mlwright.registry.store import open_store

    opened = open_store(store)
    if version is None:
        _versions_table(opened, name)
        return
    found = opened.models.get(name, version)
    lineage = lineage_of(opened, found)
    history = opened.models.history(found)
    if as_json:
        record = {**lineage.as_dict(), "history": [change.__dict__ for change in history]}
        console.print_json(json.dumps(record, default=str))
        return
    facts = lineage.as_dict()
    run = facts["run"] or {}
    table = Table(title=f"{found.uri}", show_header=False)
    table.add_column("", style="bold")
    table.add_column("", overflow="fold")
    rows = {"stage": found.stage, "registered": f"{found.created_at:%Y-%m-%d %H:%M:%S} UTC by {found.created_by}",
            "description": found.description or "-", "files": facts["artifact"],
            "digest": found.artifact_digest[:16], "run": run.get("id") or "-",
            "data": _fingerprint(run.get("data")),
            "source": json.dumps(run.get("source")) if run.get("source") else "-",
            "estimate": number((run.get("estimate") or {}).get("value")),
            "git commit": ((run.get("git") or {}).get("commit") or "-"),
            "report": facts["report"] or "-", "model card": facts["model_card"] or "-",
            "parents": " ← ".join(facts["parents"]) or "-", "retrained as": ", ".join(facts["children"]) or "-"}
    for key, value in rows.items():
        table.add_row(key, str(value))
    console.print(table, highlight=False)
    changes = Table(title="Stage history")
    for column in ("when (UTC)", "from", "to", "by", "why"):
        changes.add_column(column, overflow="fold")
    for change in history:
        changes.add_row(f"{change.changed_at:%Y-%m-%d %H:%M:%S}", change.from_stage, change.to_stage,
                        change.changed_by or "-", change.reason or "-")
    console.print(changes)


@models_app.command("promote")
@friendly_errors
def promote_command(
    name: str = typer.Argument(..., help="Registered model name."),
    version: int = typer.Argument(..., help="Version number."),
    stage: str = typer.Option(..., "--stage", help="production, staging, archived or none."),
    reason: Optional[str] = typer.Option(None, "--reason", "-m", help="Why, for the stage history."),
    by: Optional[str] = typer.Option(None, "--by", help="Who decided [default: MLWRIGHT_USER or the login name]."),
    store: Optional[str] = store_option(),
) -> None:
    """Move a version to a stage; the version in production before goes to archived."""
    from mlwright.registry.store import open_store

    opened = open_store(store)
    before = {v.version: v.stage for v in opened.models.versions(name)}
    moved = opened.models.promote(name, version, stage, by=by, reason=reason)
    console.print(f"{moved.uri}: {before[version]} → [{_STAGE_STYLE[moved.stage] or 'bold'}]{moved.stage}[/]",
                  highlight=False)
    for other in opened.models.versions(name):
        if other.version != version and before.get(other.version) != other.stage:
            console.print(f"{other.uri}: {before[other.version]} → {other.stage}", highlight=False)


def _versions_table(opened, name: str) -> None:
    versions = opened.models.versions(name)
    runs = {v.run_id: opened.runs.get(v.run_id) for v in versions if v.run_id}
    parents = {v.id: v.version for v in versions}
    table = Table(title=f"Versions of {name}")
    for column in ("version", "stage", "registered (UTC)", "by", "run", "estimate", "parent"):
        table.add_column(column)
    for v in versions:
        run = runs.get(v.run_id)
        parent = "-" if v.parent_id is None else (f"v{parents[v.parent_id]}" if v.parent_id in parents
                                                  else opened.models.by_id(v.parent_id).uri)
        style = _STAGE_STYLE.get(v.stage, "")
        table.add_row(str(v.version), f"[{style}]{v.stage}[/]" if style else v.stage,
                      f"{v.created_at:%Y-%m-%d %H:%M}", v.created_by or "-", (v.run_id or "-")[:8],
                      number(run.estimate) if run else "-", parent)
    console.print(table, highlight=False)


def _fingerprint(data: dict | None) -> str:
    if not data:
        return "-"
    return f"{data.get('rows')} rows × {data.get('columns')} columns, sha256 {str(data.get('sha256'))[:16]}"
