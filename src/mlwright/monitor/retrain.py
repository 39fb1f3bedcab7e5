"""Champion against challenger: retrain a registered model on new data and promote the result
only when it is better on rows neither model learned from.

The champion is a registered version (the one in production unless a version is named). The
challenger is trained with the champion's recorded settings on the new data — alone, or after
the champion's own training data, or another file, optionally cut to the most recent rows — and
registered as the next version, whatever the outcome, so that it can be looked at later.

The two are judged on the *same* rows: the most recent part of the new data, set aside before
the challenger is trained (recent, because the question is which model serves the coming rows
better). A paired test (:mod:`mlwright.monitor.paired`) says by how much the challenger is
better, how sure that is and how likely chance alone gives as much. The challenger replaces the
champion in production only when asked to and when it is better by at least the margin with a
p-value below alpha; otherwise the champion stays. Either way the decision, its reason and its
evidence are recorded in the store and written as a report.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright._types import DataSource
from mlwright.data.prepare import fingerprint
from mlwright.data.readers import describe_source, read_table
from mlwright.errors import ConfigError, DataError, StoreError
from mlwright.evaluate.metrics import get_metric
from mlwright.monitor.paired import PairedComparison, compare_paired
from mlwright.files import json_ready
from mlwright.monitor.retrain_report import COMPARISON_FILE, REPORT_FILE, render_retrain_report, write_retrain_files
from mlwright.registry.provenance import current_user
from mlwright.registry.runs import Run
from mlwright.registry.store import PROJECT_DIR, Store, open_store
from mlwright.registry.uris import is_model_uri, parse_model_uri
from mlwright.registry.versions import PRODUCTION, ModelVersion
from mlwright.report.evidence import encode_labels

#: Fewer held-out rows than this say nothing about which model is better.
MIN_HOLDOUT_ROWS = 20
#: The champion's recorded settings that the challenger is trained with (besides target,
#: task, metric and time limit); lists in the record are tuples in TrainConfig.
_SETTINGS = ("seed", "folds", "max_trials", "families", "holdout", "max_latency_ms", "max_model_mb", "keep_columns",
             "checks",
             "sensitive", "sensitive_as_feature", "threshold_objective", "calibration", "intended_use")
_TUPLES = ("families", "keep_columns", "sensitive")
TRAINING = "training"


@dataclass(frozen=True)
class Verdict:
    """Whether the challenger is promoted, whether it would have been, and why, in plain words."""

    would_promote: bool
    promoted: bool
    reason: str


@dataclass(frozen=True)
class RetrainOutcome:
    name: str
    champion: ModelVersion
    #: The challenger's version as it stands after the decision (in production when promoted).
    challenger: ModelVersion
    comparison: PairedComparison
    verdict: Verdict
    decision_id: int
    out: Path
    report: Path
    evidence: dict = field(repr=False)

    @property
    def promoted(self) -> bool:
        return self.verdict.promoted


@dataclass(frozen=True)
class _Plan:
    """What the caller asked for, checked once at the door."""

    promote_if_better: bool
    margin: float
    alpha: float
    combine: Any
    window: int | None
    time_column: str | None
    holdout: float
    time_limit: float | None
    by: str
    progress: bool | None
    read_options: dict


def retrain(model: str, new_data: DataSource, *, promote_if_better: bool = False, margin: float = 0.0,
            alpha: float = 0.05, combine: DataSource | None = None, window: int | None = None,
            time_column: str | None = None, holdout: float = 0.2, time_limit: float | None = None,
            store: str | Store | None = None, out: str | os.PathLike | None = None, by: str | None = None,
            progress: bool | None = None, read_options: dict | None = None) -> RetrainOutcome:
    """Train a challenger for the registered ``model`` (``models:/NAME/production``,
    ``models:/NAME/3`` or ``NAME`` for its production version) on ``new_data``, compare it with
    the champion on the most recent ``holdout`` share of ``new_data``, and promote it when
    ``promote_if_better`` and it is better by ``margin`` or more with a p-value below ``alpha``.

    ``combine`` adds earlier rows before the new ones: ``"training"`` for the champion's own
    training data (checked unchanged against the run's fingerprint) or any table; ``window``
    then keeps the most recent rows only. Rows are ordered by ``time_column`` when given, else
    as they come (earlier data first, then the new file in its order). ``time_limit`` defaults
    to the champion's. The challenger's run folder, its training table and the comparison
    report go to ``out`` (by default ``.mlwright/retrain/NAME-TIME`` in the working folder).
    ``read_options`` (``sep``, ``header``, ``columns``) say how to read ``new_data`` and a
    ``combine`` file.
    """
    _check_options(margin=margin, alpha=alpha, holdout=holdout, window=window, time_limit=time_limit)
    plan = _Plan(promote_if_better=bool(promote_if_better), margin=float(margin), alpha=float(alpha), combine=combine,
                 window=window, time_column=time_column, holdout=float(holdout), time_limit=time_limit,
                 by=by or current_user(), progress=progress, read_options=dict(read_options or {}))
    opened = store if isinstance(store, Store) else open_store(store)
    try:
        return _retrain(opened, model, new_data, plan, out)
    finally:
        if opened is not store:
            opened.close()


def _retrain(opened: Store, model: str, new_data: DataSource, plan: _Plan, out) -> RetrainOutcome:
    """Find the champion, assemble the data, train the challenger, compare, decide, record."""
    from mlwright.registry.bundle import load_model  # loads every model library: only when retraining
    from mlwright.train import train

    champion = find_champion(opened, model)
    run = _champion_run(opened, champion)
    champion_model = load_model(opened.models.folder(champion))
    settings = challenger_settings(run, plan.time_limit)
    new = _read_new(new_data, champion_model, plan.time_column, plan.read_options)
    new_rows, held_out, how = split_recent(new, plan.holdout, plan.time_column, where=_where(new_data))
    earlier, sources = _earlier_data(plan.combine, run, champion_model, plan.read_options)
    training, facts = _training_table(earlier, new_rows, held_out, plan.window, plan.time_column,
                                      learned_from=_learned_from(champion_model))
    out = _out_folder(out, champion.name)
    table = _write_table(training, out / "challenger_training")
    challenger_model = train(table, champion_model.target.name, out=out / "challenger", store=opened,
                             register=champion.name, parent=champion.uri, progress=plan.progress, **settings)
    challenger = opened.models.get(*parse_model_uri(challenger_model.info["registered"]))
    comparison, notes = score_both(champion_model, challenger_model, held_out, seed=settings.get("seed", 0),
                                   where=f"the held-out rows of {_where(new_data)}")
    verdict = decide(comparison, margin=plan.margin, alpha=plan.alpha, promote_if_better=plan.promote_if_better)
    data = {"new_data": describe_source(new_data), "held_out": {"rows": comparison.rows, "how": how},
            "training": {"rows": len(training), "table": str(table.resolve()), "sources": sources, **facts},
            "notes": notes}
    record = _record(champion, challenger, comparison, verdict, plan, data, settings, out)
    page = render_retrain_report(record, comparison.differences)  # before promoting: a page that fails, fails first
    if verdict.promoted:
        challenger = opened.models.promote(champion.name, challenger.version, PRODUCTION, by=plan.by,
                                           reason=promotion_line(comparison, plan.margin))
    report = write_retrain_files(out, record, page, comparison.differences)
    decision_id = opened.decisions.record({
        "model_name": champion.name, "champion_id": champion.id, "challenger_id": challenger.id,
        "promoted": verdict.promoted, "metric": comparison.metric, "champion_score": json_ready(comparison.champion_score),
        "challenger_score": json_ready(comparison.challenger_score), "difference": json_ready(comparison.difference),
        "ci_low": json_ready(comparison.ci_low), "ci_high": json_ready(comparison.ci_high),
        "p_value": json_ready(comparison.p_value), "margin": plan.margin, "holdout_rows": comparison.rows,
        "reason": verdict.reason, "evidence": record, "decided_by": plan.by})
    return RetrainOutcome(champion.name, champion, challenger, comparison, verdict, decision_id, out, report, record)


def _record(champion: ModelVersion, challenger: ModelVersion, comparison: PairedComparison, verdict: Verdict,
            plan: _Plan, data: dict, settings: dict, out: Path) -> dict:
    """The decision's evidence: what the store keeps, what ``comparison.json`` holds, what the page shows."""
    return json_ready({
        "model": champion.name, "decided_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "decided_by": plan.by,
        "decision": {"promoted": verdict.promoted, "would_promote": verdict.would_promote, "reason": verdict.reason,
                     "promote_if_better": plan.promote_if_better, "margin": plan.margin, "alpha": plan.alpha},
        "champion": {"uri": champion.uri, "stage_before": champion.stage, "run_id": champion.run_id},
        "challenger": {"uri": challenger.uri, "run_id": challenger.run_id,
                       "run_dir": str((out / "challenger").resolve())},
        "comparison": comparison.to_dict(), "data": data,
        "settings": {**settings, "time_column": plan.time_column, "window": plan.window,
                     "holdout_share": plan.holdout},
        "report": str((out / REPORT_FILE).resolve()), "comparison_file": str((out / COMPARISON_FILE).resolve()),
    })


def decide(comparison: PairedComparison, *, margin: float, alpha: float, promote_if_better: bool) -> Verdict:
    """Promote when asked and the challenger is better by ``margin`` or more with ``p < alpha``."""
    gain, p, metric = comparison.difference, comparison.p_value, comparison.metric
    evidence = f"better by {gain:.4g} {metric} (p = {p:.3g})"
    if not gain > 0:
        scores = f"{metric} {comparison.challenger_score:.4g} against the champion's {comparison.champion_score:.4g}"
        return Verdict(False, False, f"not promoted: the challenger is not better ({scores})")
    if gain < margin:
        return Verdict(False, False, f"not promoted: {evidence} but the margin is {margin:g}")
    if not p < alpha:
        return Verdict(False, False, f"not promoted: {evidence}, but p is not below alpha = {alpha:g}: "
                                     "the gain could be chance")
    if not promote_if_better:
        return Verdict(True, False, f"not promoted: --promote-if-better not given (it would have been promoted: "
                                    f"{evidence}, margin {margin:g})")
    return Verdict(True, True, f"challenger {evidence}, margin {margin:g}: promoted")


def promotion_line(comparison: PairedComparison, margin: float) -> str:
    """The stage history's reason for a promotion: one line with the evidence."""
    c = comparison
    return (f"retrained: {c.metric} {c.challenger_score:.4g} against {c.champion_score:.4g} on {c.rows} held-out rows, "
            f"better by {c.difference:.4g} (95% CI {c.ci_low:.4g} to {c.ci_high:.4g}), p = {c.p_value:.3g}, "
            f"margin {margin:g}")


def find_champion(opened: Store, model: str | os.PathLike) -> ModelVersion:
    """The registered version MODEL names; a plain name means its version in production."""
    text = str(model)
    registered = {entry["name"] for entry in opened.models.names()}
    # a bare word is a name when the registry knows it, even if a folder of that name exists too
    as_path = isinstance(model, os.PathLike) or "/" in text or os.sep in text or \
        (Path(text).is_dir() and text not in registered)
    if not is_model_uri(text) and as_path:
        raise ConfigError("retrain needs a registered model, not a folder: the champion's settings, data and "
                          "stage come from the registry.", where=text,
                          fix="register it first (`mlwright train DATA --target T --register NAME`, then "
                              "`mlwright models promote NAME 1 --stage production`) and pass NAME or models:/NAME/1.")
    name, reference = parse_model_uri(text) if is_model_uri(text) else (text, PRODUCTION)
    try:
        return opened.models.get(name, reference)
    except StoreError:
        if reference != PRODUCTION or name not in registered:
            raise
        raise StoreError(f"model {name!r} has no version in production, so there is no champion.",
                         where=f"models:/{name}",
                         fix=f"promote one (`mlwright models promote {name} VERSION --stage production`) or name a "
                             f"version: models:/{name}/VERSION.") from None


def _champion_run(opened: Store, version: ModelVersion) -> Run:
    if version.run_id is None:
        raise StoreError("this version was registered without its training run, so its settings are unknown.",
                         where=version.uri, fix="train the challenger with `mlwright train ... --register "
                                                f"{version.name} --parent {version.uri}` and compare by hand.")
    return opened.runs.get(version.run_id)


def challenger_settings(run: Run, time_limit: float | None) -> dict[str, Any]:
    """The champion's recorded settings as ``train`` keywords (but the target); its task and
    metric as they were resolved, so that the challenger solves the same problem and is judged
    the same way."""
    params = run.params
    settings: dict[str, Any] = {key: params[key] for key in _SETTINGS if key in params}
    for key in _TUPLES:
        if key in settings:
            settings[key] = tuple(settings[key] or ()) or (None if key == "families" else ())
    return {**settings, "task": run.task or params.get("task"),
            "metric": run.metric or params.get("metric"),
            "time_limit": float(time_limit if time_limit is not None else params.get("time_limit") or 120.0)}


def _read_new(new_data: DataSource, champion_model, time_column: str | None, read_options: dict) -> pd.DataFrame:
    """NEW_DATA with the columns the champion learned from (and the time column): both models
    must be able to answer its rows, and the challenger learns from the same inputs."""
    where = _where(new_data)
    frame = read_table(new_data, **read_options)
    target = champion_model.target.name
    needed = [target] + [c.name for c in champion_model.schema.used]
    missing = [c for c in needed if c not in frame.columns]
    if time_column is not None and time_column not in frame.columns:
        missing.append(time_column)
    if missing:
        named = ", ".join(map(repr, missing))
        raise DataError(f"column{'s' if len(missing) > 1 else ''} {named} missing.", where=where,
                        fix=f"pass new data with the target {target!r} and the columns the champion was trained on"
                            f"{' and the time column' if time_column in missing else ''}.")
    known = _learned_from(champion_model)
    keep = [c for c in frame.columns if c in known or c == time_column]
    return frame.loc[frame[target].notna(), keep].reset_index(drop=True)


def _learned_from(champion_model) -> list[str]:
    """The columns of the champion's training table: its inputs (used or not) and its target."""
    return [c.name for c in champion_model.schema.columns] + [champion_model.target.name]


def split_recent(frame: pd.DataFrame, holdout: float, time_column: str | None, *,
                 where: str) -> tuple[pd.DataFrame, pd.DataFrame, str]:
    """The older rows and the most recent ``holdout`` share: by ``time_column`` when given
    (rows without a time count as oldest), else the last rows in the table's order."""
    ordered = _by_time(frame, time_column, where)
    count = int(math.ceil(holdout * len(ordered)))
    if count < MIN_HOLDOUT_ROWS:
        raise DataError(f"{count} held-out rows ({holdout:g} of {len(ordered)} labelled rows) are too few to compare "
                        f"two models; at least {MIN_HOLDOUT_ROWS} are needed.", where=where,
                        fix="pass more new rows or a larger --holdout.")
    how = (f"the most recent {holdout:.0%} of the new data by {time_column!r}" if time_column else
           f"the last {holdout:.0%} of the new data's rows, in the order of the table")
    older, recent = (part.reset_index(drop=True) for part in (ordered.iloc[:-count], ordered.iloc[-count:]))
    return older, recent, f"{count} rows: {how}"


def _by_time(frame: pd.DataFrame, time_column: str | None, where: str) -> pd.DataFrame:
    if time_column is None:
        return frame.reset_index(drop=True)
    column = frame[time_column].reset_index(drop=True)
    when = column if column.dtype.kind in "iufM" else pd.to_datetime(column, errors="coerce", format="mixed")
    if when.notna().sum() == 0:
        raise DataError(f"the time column {time_column!r} holds no dates or numbers.", where=where,
                        fix="name a column of dates or timestamps with --time-column, or leave it out.")
    order = when.sort_values(na_position="first", kind="stable").index.to_numpy()
    return frame.iloc[order].reset_index(drop=True)


def _earlier_data(combine, run: Run, champion_model, read_options: dict) -> tuple[pd.DataFrame | None, list[dict]]:
    """The rows to learn from before the new ones, and where they came from."""
    if combine is None:
        return None, []
    if isinstance(combine, str) and combine == TRAINING:
        return _champion_training_data(run), [{"role": "the champion's training data", **(run.source or {})}]
    frame = read_table(combine, **read_options)
    if champion_model.target.name not in frame.columns:
        raise DataError(f"the target column {champion_model.target.name!r} is missing.", where=_where(combine),
                        fix="combine with a table that has the labels, or leave --combine-with out.")
    return frame, [{"role": "rows added with combine", **describe_source(combine)}]


def _champion_training_data(run: Run) -> pd.DataFrame:
    """The champion's training table, read as it was; refused when it changed since, because
    then the challenger would not learn from what the champion learned from."""
    source = run.source or {}
    path = Path(source["path"]) if source.get("kind") == "file" and source.get("path") else None
    fix = "pass the rows to add with --combine-with FILE, or leave them out."
    if path is None:
        raise DataError(f"the champion was not trained from a file ({source.get('kind', 'unknown source')}).",
                        where="--combine-training", fix=fix)
    if not path.exists():
        raise DataError("the champion's training file is gone.", where=str(path), fix=fix)
    frame = read_table(path, **(run.params.get("read_options") or {}))
    recorded = (run.data or {}).get("sha256")
    if recorded is None or fingerprint(frame)["sha256"] != recorded:
        raise DataError("the champion's training file changed since it was trained (its SHA-256 no longer matches "
                        "the run's record).", where=str(path), fix=fix)
    return frame


def _training_table(earlier: pd.DataFrame | None, new_rows: pd.DataFrame, held_out: pd.DataFrame,
                    window: int | None, time_column: str | None, *,
                    learned_from: list[str]) -> tuple[pd.DataFrame, dict]:
    """Earlier rows then the older new rows, in time order, cut to the ``window`` most recent,
    with the champion's columns only (a time column it did not learn from orders the rows but is
    no input). Any row identical to a held-out row is left out: the challenger never sees one."""
    columns = list(new_rows.columns)
    parts = [earlier[[c for c in columns if c in earlier.columns]], new_rows] if earlier is not None else [new_rows]
    combined = pd.concat(parts, ignore_index=True)
    if time_column is not None and earlier is not None:
        combined = _by_time(combined, time_column, "the combined training data")
    facts: dict[str, Any] = {"new_rows": len(new_rows), "earlier_rows": 0 if earlier is None else len(earlier),
                             "window": window}
    if window is not None and len(combined) > window:
        combined = combined.iloc[-window:]
    inputs = [c for c in columns if c in learned_from]
    seen = set(pd.util.hash_pandas_object(held_out[inputs], index=False))
    repeated = pd.util.hash_pandas_object(combined[inputs], index=False).isin(seen).to_numpy()
    facts["dropped_as_held_out"] = int(repeated.sum())
    return combined.loc[~repeated, inputs].reset_index(drop=True), facts


def score_both(champion_model, challenger_model, held_out: pd.DataFrame, *, seed: int,
               where: str) -> tuple[PairedComparison, list[str]]:
    """Both models' outputs on the held-out rows, compared on the champion's metric. Labels are
    encoded as the champion learned them; the challenger's class columns follow its order."""
    y, keep, note = encode_labels(champion_model.target, held_out, where)
    rows = held_out.loc[keep, [c for c in held_out.columns if c in _learned_from(champion_model)]]
    champion = champion_model.raw_predict(rows, where=where)
    challenger = _in_classes_of(challenger_model.raw_predict(rows, where=where), challenger_model.target.classes,
                                champion_model.target.classes)
    metric = get_metric(champion_model.metric, champion_model.task)
    return compare_paired(y, champion, challenger, metric, seed=int(seed or 0)), [note] if note else []


def _in_classes_of(output: np.ndarray, classes: tuple, wanted: tuple) -> np.ndarray:
    """Probability columns reordered to ``wanted``; a class the model lacks gets 0."""
    if output.ndim == 1 or tuple(classes) == tuple(wanted):
        return output
    position = {c: i for i, c in enumerate(classes)}
    aligned = np.column_stack([output[:, position[c]] if c in position else np.zeros(len(output)) for c in wanted])
    return aligned / np.clip(aligned.sum(axis=1, keepdims=True), 1e-15, None)


def _write_table(frame: pd.DataFrame, stem: Path) -> Path:
    """The challenger's training table as a file: its run then records a source that a later
    ``combine="training"`` can read back and check. Parquet keeps the types; CSV when a column
    mixes types that Parquet refuses (Arrow's errors are TypeError and ValueError)."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    try:
        frame.to_parquet(stem.with_suffix(".parquet"), index=False)
        return stem.with_suffix(".parquet")
    except (TypeError, ValueError):
        stem.with_suffix(".parquet").unlink(missing_ok=True)
        frame.to_csv(stem.with_suffix(".csv"), index=False)
        return stem.with_suffix(".csv")


def _out_folder(out, name: str) -> Path:
    if out is not None:
        return Path(out)
    base = Path.cwd() / PROJECT_DIR / "retrain" / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}"
    folder, n = base, 1
    while folder.exists():
        n += 1
        folder = base.with_name(f"{base.name}-{n}")
    return folder


def _check_options(*, margin, alpha, holdout, window, time_limit) -> None:
    if not (isinstance(margin, (int, float)) and math.isfinite(margin) and margin >= 0):
        raise ConfigError(f"margin must be a number, 0 or more; got {margin!r}.", where="--margin",
                          fix="give the smallest gain worth a promotion in the metric's units, e.g. 0.01.")
    if not (isinstance(alpha, (int, float)) and 0 < alpha < 1):
        raise ConfigError(f"alpha must be between 0 and 1; got {alpha!r}.", where="--alpha", fix="use e.g. 0.05.")
    if not (isinstance(holdout, (int, float)) and 0 < holdout < 1):
        raise ConfigError(f"holdout must be a fraction between 0 and 1; got {holdout!r}.", where="--holdout",
                          fix="use e.g. 0.2 to judge both models on the most recent fifth of the new data.")
    if window is not None and not (isinstance(window, (int, np.integer)) and not isinstance(window, bool)
                                   and window > 0):
        raise ConfigError(f"window must be a positive number of rows; got {window!r}.", where="--window",
                          fix="give how many of the most recent rows to train on, or leave it out.")
    if time_limit is not None and not (isinstance(time_limit, (int, float)) and time_limit > 0):
        raise ConfigError(f"time_limit must be a positive number of seconds; got {time_limit!r}.",
                          where="--time-limit", fix="e.g. --time-limit 120, or leave it out for the champion's.")


def _where(data: DataSource) -> str:
    return str(data) if isinstance(data, (str, os.PathLike)) else \
        ("the SQL query" if describe_source(data).get("kind") == "sql" else "the new data")
