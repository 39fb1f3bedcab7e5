"""`mlwright train`: search, ensemble and save a model; print its leaderboard."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape
from rich.table import Table

from mlwright.cli.common import (DB_HELP, SQL_HELP, console, data_or_query, executor_for, friendly_errors,
                                 jobs_option, process_started, read_options, store_option)
from mlwright.data.documents import LABEL_COLUMN, is_document_collection
from mlwright.errors import ConfigError

_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


@friendly_errors
def train_command(
    data: Optional[Path] = typer.Argument(None, help="CSV/TSV (any separator, gzip) or Parquet file (or use --sql), "
                                          "or a folder (.zip, .tar.gz) of text files, one subfolder per class."),
    target: Optional[str] = typer.Option(None, "--target", "-t", help="Column to predict (for a folder of "
                                         "documents: the name given to the class, 'label' when left out)."),
    time_limit: float = typer.Option(120.0, "--time-limit", help="Wall-clock budget in seconds, all stages included."),
    metric: Optional[str] = typer.Option(None, help="roc_auc, log_loss, accuracy, balanced_accuracy, f1, rmse, mae, r2."),
    task: Optional[str] = typer.Option(None, help="binary, multiclass or regression (inferred when left out)."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="Run folder; the model goes to OUT/model."),
    resume: Optional[Path] = typer.Option(None, help="Continue the killed or finished search in this run folder."),
    seed: int = typer.Option(0, help="Random seed."),
    jobs: Optional[int] = jobs_option(),
    folds: Optional[int] = typer.Option(None, help="Folds for bagging (default: by data size)."),
    validation: str = typer.Option("auto", help="How the search validates: auto (one holdout when bagging would "
                                   "leave too few trials for the budget), bagged or holdout."),
    max_trials: Optional[int] = typer.Option(None, help="Stop after this many trials even with time left [default: 500]."),
    families: Optional[str] = typer.Option(None, help="Comma-separated model families to try."),
    max_latency_ms: Optional[float] = typer.Option(None, help="One-row latency (ms) the ensemble is pruned to "
                                                   "[default: 1.5]; inf favours accuracy alone."),
    max_model_mb: Optional[float] = typer.Option(None, help="Size (MB) of the members' files the ensemble is pruned "
                                                 "to [default: 15]; inf favours accuracy alone."),
    keep: Optional[list[str]] = typer.Option(None, "--keep", help="Train on this column even though a leak or "
                                             "personal-data check flags it (repeat for several)."),
    skip_checks: bool = typer.Option(False, "--skip-checks", help="Skip the leak, personal-data and duplicate "
                                     "checks: every column reaches the model."),
    test: Optional[Path] = typer.Option(None, "--test", help="Labelled test file the report also judges the model on."),
    sensitive: Optional[list[str]] = typer.Option(None, "--sensitive", help="Column to audit for fairness (repeat for "
                                                  "several); kept out of the features unless --sensitive-as-feature."),
    sensitive_as_feature: bool = typer.Option(False, "--sensitive-as-feature", help="Also train on the --sensitive columns."),
    threshold_objective: Optional[str] = typer.Option(None, "--threshold-objective", help="Binary: what the decision "
                                                      "threshold is chosen for: f1, accuracy, balanced_accuracy, "
                                                      "precision>=0.9, recall>=0.8, cost:fp=1,fn=5 or a number "
                                                      "[default: the metric when it scores labels, else f1]."),
    calibration: str = typer.Option("auto", help="Probability calibration: auto (when it helps), platt, isotonic, none."),
    stacking: bool = typer.Option(True, "--stacking/--no-stacking", help="Try a linear second layer over the "
                                  "ensemble's members, kept only when it beats their blend on rows it was not fitted on."),
    tests: Optional[Path] = typer.Option(None, "--tests", help="Model tests (YAML or Python) to run for the report."),
    intended_use: Optional[str] = typer.Option(None, "--intended-use", help="What the model is for, for the model card."),
    sql: Optional[str] = typer.Option(None, "--sql", help=SQL_HELP),
    db: Optional[str] = typer.Option(None, "--db", envvar="MLWRIGHT_DB", help=DB_HELP),
    register: Optional[str] = typer.Option(None, "--register", help="Register the model as the next version of NAME."),
    parent: Optional[str] = typer.Option(None, "--parent", help="The registered version this one descends from, "
                                         "for lineage (models:/NAME/VERSION)."),
    store: Optional[str] = store_option(),
    sep: Optional[str] = typer.Option(None, help="Column separator (guessed when left out)."),
    no_header: bool = typer.Option(False, "--no-header", help="The file has no header row."),
    columns: Optional[str] = typer.Option(None, help="Comma-separated column names for a file without header."),
    backend: str = typer.Option("local", help="Where trials run: local (this process) or dask (a Dask cluster)."),
    address: Optional[str] = typer.Option(None, help="With --backend dask: the scheduler (tcp://host:8786); without "
                                          "it a local cluster of --workers processes is started."),
    workers: int = typer.Option(2, help="With --backend dask and no --address: worker processes to start."),
    sample_rows: Optional[int] = typer.Option(None, "--sample-rows", help="Data larger than memory: search on a "
                                              "stratified sample of this many rows of DATA, then fit the best "
                                              "LightGBM configuration on every row, streamed from the file."),
) -> None:
    """Train the best model for TARGET within --time-limit seconds; write the model, the report and the model card."""
    from mlwright.train import train

    options = read_options(sep, no_header, columns)
    settings = dict(seed=seed, n_jobs=jobs, folds=folds, validation=validation, max_trials=max_trials or 500, max_latency_ms=max_latency_ms,
                    max_model_mb=max_model_mb,
                    families=tuple(f.strip() for f in families.split(",")) if families else None,
                    keep_columns=tuple(keep or ()), checks=not skip_checks, sensitive=tuple(sensitive or ()),
                    sensitive_as_feature=sensitive_as_feature, threshold_objective=threshold_objective,
                    calibration=calibration, stacking=stacking, intended_use=intended_use, sample_rows=sample_rows)
    source = data_or_query(data, sql, db, options) if sql is not None else None
    if resume is not None:
        data, target, options, out, settings, source = _resumed(resume, data, target, options, settings, source, db)
        settings["max_trials"] = max_trials or settings["max_trials"]
    if target is None and data is not None and is_document_collection(data):
        target = LABEL_COLUMN  # the classes are the folders' names
    if (data is None and source is None) or target is None:
        raise ConfigError("DATA (or --sql) and --target are required.", where="train",
                          fix="run `mlwright train DATA --target COLUMN`, or `mlwright train --resume DIR`.")
    stem = data.name.split('.')[0] if source is None else "sql"
    out = out or Path("runs") / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    executor = executor_for(backend, address, workers)
    if executor is not None and jobs is None:
        settings["n_jobs"] = 1  # one thread per trial: the cluster runs trials side by side
    try:
        model = train(source if source is not None else data, target, time_limit=time_limit, metric=metric,
                      task=task, out=out, resume=resume is not None, read_options=options, test=test,
                      model_tests=tests, store=store, register=register, parent=parent, executor=executor,
                      started_at=process_started(), **settings)
    finally:
        if executor is not None:
            executor.shutdown()
    _print_summary(model, out)


def _resumed(run_dir: Path, data, target, options, settings, source, db):
    facts_path = run_dir / "checkpoint" / "run.json"
    if not facts_path.exists():
        raise ConfigError("no checkpoint to resume here.", where=str(run_dir),
                          fix="pass the --out folder of an earlier `mlwright train`.")
    facts = json.loads(facts_path.read_text())
    data = data or (Path(facts["source"]) if facts.get("source") else None)
    if source is None and data is None and facts.get("sql"):  # the query again; the URL as recorded unless --db
        from mlwright.data.sql import SqlQuery

        source = SqlQuery(facts["sql"]["query"], db or facts["sql"]["url"])
    settings = {**settings, "seed": facts["seed"], "folds": facts["folds"],
                "validation": facts.get("validation", "auto"), "max_trials": facts["max_trials"],
                "families": tuple(facts["families"]) or None, "max_latency_ms": facts["max_latency_ms"],
                "max_model_mb": facts.get("max_model_mb"),
                "holdout": facts["holdout"], "keep_columns": tuple(facts.get("keep_columns", ())),
                "checks": facts.get("checks", True), "sensitive": tuple(facts.get("sensitive", ())),
                "sensitive_as_feature": facts.get("sensitive_as_feature", False),
                "threshold_objective": facts.get("threshold_objective"), "calibration": facts.get("calibration", "auto"),
                "stacking": facts.get("stacking", True), "intended_use": facts.get("intended_use"), "sample_rows": facts.get("sample_rows")}
    return data, target or facts["target"], options or facts["read_options"], run_dir, settings, source


def _print_findings(model, out: Path) -> None:
    """The findings that matter before the leaderboard: what was dropped and what to look at."""
    serious = [f for f in model.info.get("findings", []) if f["severity"] != "info"]
    if not serious:
        return
    table = Table(title="Data findings", show_lines=False)
    for column in ("severity", "kind", "column", "evidence", "action"):
        table.add_column(column, overflow="fold")
    for f in serious:
        column = f["column"] if isinstance(f["column"], str) else ", ".join(f["column"] or []) or "-"
        table.add_row(f"[{_SEVERITY_STYLE[f['severity']]}]{f['severity']}[/]", f["kind"], column, f["evidence"],
                      f["action"])
    console.print(table, highlight=False)
    console.print(f"Full data profile: [bold]{out / 'profile.html'}[/]")


def _print_summary(model, out: Path) -> None:
    _print_findings(model, out)
    board = model.leaderboard()
    table = Table(title="Leaderboard", show_lines=False)
    for column in ("model", "status", "score", "fit s", "ms/row", "weight"):
        table.add_column(column, justify="left" if column in ("model", "status") else "right")
    for row in board.head(15).itertuples():
        score = "" if row.score is None or row.score != row.score else f"{row.score:.5f}"
        latency = "" if row.predict_ms_per_row is None or row.predict_ms_per_row != row.predict_ms_per_row \
            else f"{row.predict_ms_per_row:.4f}"
        table.add_row(row.model, row.status, score, f"{row.fit_seconds:.1f}", latency,
                      f"{row.ensemble_weight:.2f}" if row.ensemble_weight else "")
    console.print(table)
    info = model.info
    estimate = info["estimate"]
    console.print(f"[bold]Estimate[/] {estimate['metric']} = {estimate['value']:.5f}  ({escape(estimate['method'])})")
    validation = info.get("validation") or {}
    scored = ("Validation-holdout" if validation.get("kind") == "holdout" else "Out-of-fold")
    console.print(f"{scored} {info['metric']} of the ensemble = {info['oof_score']:.5f}; "
                  f"one-row latency {info['single_row_latency_ms']:.2f} ms; "
                  f"{info['trials']} trials in {info['train_seconds']:.1f} s")
    if validation:
        console.print(f"Validation: {escape(validation['reason'])}")
    if info.get("threshold"):
        console.print(f"[bold]Decision threshold[/] {info['threshold']['value']:.3f} "
                      f"(objective {info['threshold']['objective']})")
    if info.get("calibration"):
        console.print(f"[bold]Calibration[/] {info['calibration']['method']}: {escape(info['calibration']['reason'])}",
                      highlight=False)
    layer = info.get("second_layer") or {}
    if layer.get("applied"):
        console.print(f"[bold]Second layer[/] over {len(layer['members'])} members: {escape(layer['reason'])}",
                      highlight=False)
    for note in info["notes"]:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)
    console.print(f"Model saved to [bold]{out / 'model'}[/]")
    if info.get("run_id"):
        console.print(f"Run [bold]{info['run_id'][:8]}[/] recorded (`mlwright runs show {info['run_id'][:8]}`)")
    if info.get("registered"):
        console.print(f"Registered as [bold]{info['registered']}[/]")
    if (out / "report.html").exists():
        console.print(f"Report: [bold]{out / 'report.html'}[/]   Model card: [bold]{out / 'MODEL_CARD.md'}[/]")
