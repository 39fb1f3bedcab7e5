"""A drift check: current data against the model's reference, column by column, then the
model's output and — when labels came with the rows — its performance; one verdict for all.

The verdict is the most severe of its parts (each column weighted, see ``MonitorSettings``):
``stable`` (exit code 0), ``warning`` (1) or ``action`` (2). Every check is recorded in the store,
which keeps the time series the drift page draws. A forecasting model is checked against the
actual values of the times it forecast instead (``forecast_check``).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd
from scipy import stats
from sqlalchemy.exc import SQLAlchemyError

from mlwright._types import DataSource
from mlwright.data.readers import read_table
from mlwright.data.schema import DATETIME, TEXT, conform_columns
from mlwright.profile.text_reference import text_signals
from mlwright.errors import ConfigError, ModelFormatError
from mlwright.files import json_ready
from mlwright.monitor.performance import compare_performance
from mlwright.monitor.settings import ACTION, IGNORED, STABLE, STATUS, WARNING, MonitorSettings
from mlwright.monitor.sources import CurrentData, from_log, from_table, when
from mlwright.monitor.statistics import Shift, categorical_shift, numeric_shift
from mlwright.profile.reference import build_reference, prediction_values

#: At least this many rows with a category unseen in training before it counts.
MIN_NEW_CATEGORY_ROWS = 5
_SEVERITY = {IGNORED: -1, STABLE: 0, WARNING: 1, ACTION: 2}
PREDICTION, PERFORMANCE = "prediction", "performance"


@dataclass
class DriftReport:
    """What a check found. ``status`` is the exit code of `mlwright monitor`."""

    model: str
    model_name: str | None
    model_version: int | None
    checked_at: datetime
    rows: int
    reference_rows: int
    current: dict
    reference: dict
    features: list[dict]
    prediction: dict | None
    performance: dict | None
    settings: MonitorSettings
    verdict: str
    reasons: list[str]
    notes: list[str] = field(default_factory=list)
    check_id: int | None = None

    @property
    def status(self) -> int:
        return STATUS[self.verdict]

    @property
    def drifted(self) -> list[str]:
        """Columns at warning or action, most severe first."""
        return [f["feature"] for f in self.features if f["verdict"] in (WARNING, ACTION)]

    def feature(self, name: str) -> dict:
        return next(f for f in self.features if f["feature"] == name)

    def table(self) -> pd.DataFrame:
        """One row per checked column: statistic, value, p-value, verdict, missing and new values."""
        columns = ["feature", "kind", "verdict", "statistic", "value", "p_value", "psi", "weight", "missing_rate",
                   "reference_missing_rate", "new_category_rate"]
        return pd.DataFrame(self.features, columns=columns)

    def _repr_html_(self) -> str:
        from mlwright.display.cards import drift_report

        return drift_report(self).html()

    def __repr__(self) -> str:
        return (f"DriftReport(verdict={self.verdict}, rows={self.rows}, drifted={self.drifted[:5]}"
                f"{'...' if len(self.drifted) > 5 else ''})")

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "model_name": self.model_name, "model_version": self.model_version,
                "checked_at": self.checked_at.isoformat(), "rows": self.rows, "reference_rows": self.reference_rows,
                "current": self.current, "reference": self.reference, "status": self.status,
                "verdict": self.verdict, "reasons": self.reasons, "notes": self.notes, "features": self.features,
                "prediction": self.prediction, "performance": self.performance,
                "settings": self.settings.to_dict(), "check_id": self.check_id}


def check_drift(model, current: DataSource | None = None, *, reference: DataSource | None = None,
                settings: MonitorSettings | None = None, logged: bool = False, since=None, until=None,
                labels: DataSource | None = None, store: str | Any | bool | None = None,
                read_options: dict | None = None) -> DriftReport:
    """Compare ``current`` (a file, a SQL query or a DataFrame; or, with ``logged=True``, the
    predictions the service logged for this model between ``since`` and ``until``) with the
    model's training data — or with ``reference``, a file — and record the check in ``store``
    (by default MLWRIGHT_STORE or the project's store; ``False`` records nothing).

    ``model`` is a model folder, a ``models:/NAME/STAGE`` URI or a loaded model. ``labels``
    joins the target onto logged rows (by ``request_id`` and ``row_index``); a current table
    that holds the target column is judged on it as it is.
    """
    settings = settings or MonitorSettings()
    if (current is None) == (not logged):
        raise ConfigError("name the current data: a file or query, or the logged predictions.",
                          where="CURRENT / --logged", fix="pass CURRENT, or --logged with --since (e.g. --since 24h).")
    opened = open_check_store(store, needed=logged)
    try:
        loaded = model if isinstance(model, LoadedModel) else resolve_model(model, opened)
        if getattr(loaded.model, "kind", None) == "forecast":
            raise ConfigError("a forecasting model is checked against the actual values of the times it forecast, "
                              "not for drift.", where=loaded.reference,
                              fix="use mlwright.monitor.forecast_check.check_forecasts (or `mlwright monitor MODEL "
                                  "actuals.csv`).")
        if logged:
            data = from_log(opened, loaded.model, model_name=loaded.name, model_version=loaded.version,
                            served_as=loaded.served_as, since=when(since, where="since"),
                            until=when(until, where="until"), labels=labels)
        else:
            data = from_table(current, read_options)
        report = _compare(loaded, data, _reference(loaded.model, reference, read_options), settings)
        if opened is not None:
            report.check_id = record_check(opened, report)
        return report
    finally:
        if opened is not None and not hasattr(store, "engine"):
            opened.close()


@dataclass
class LoadedModel:
    """A model and how the check names it: a folder, or a registered name and version (whose
    served names find its logged predictions). Public so that a command can load the model once
    and choose the check by its kind."""

    model: Any
    reference: str
    name: str | None
    version: int | None
    served_as: list[str]


def resolve_model(model, store) -> LoadedModel:
    """Load ``model`` (a folder, a ``models:/`` URI read from ``store``, or a model in memory)."""
    from mlwright.registry.bundle import load_model
    from mlwright.registry.uris import is_model_uri, parse_model_uri

    if not isinstance(model, (str, os.PathLike)):  # a model in memory, of any kind
        registered = model.info.get("registered") if hasattr(model, "info") else None
        return LoadedModel(model, registered or "a model in memory", None, None, [registered] if registered else [])
    if is_model_uri(str(model)):
        if store is None:
            raise ConfigError("a models:/ reference needs the store.", where="store",
                              fix="leave the store at its default or name one with --store.")
        name, ref = parse_model_uri(str(model))
        version = store.models.get(name, ref)
        return LoadedModel(load_model(store.models.folder(version)), version.uri, name, version.version,
                           [version.uri, str(model)])
    folder = Path(model)
    return LoadedModel(load_model(folder), str(folder.resolve()), None, None,
                       sorted({str(model), str(folder.resolve()), os.fspath(folder)}))


def open_check_store(store, *, needed: bool):
    """The store a check is recorded in: None for ``False`` (refused when ``needed``), an open
    store as it is, else the one ``store`` names."""
    from mlwright.registry.store import open_store

    if store is False:
        if needed:
            raise ConfigError("logged predictions are read from the store.", where="store",
                              fix="leave the store at its default or name one with --store.")
        return None
    return store if hasattr(store, "engine") else open_store(store)


def _reference(model, reference: DataSource | None, read_options) -> dict:
    """The model's kept reference, or one built from a file the same way."""
    if reference is None:
        kept = getattr(model, "reference", None)
        if kept is None:
            raise ModelFormatError("this model was saved before mlwright kept its training data's distributions.",
                                   where="model", fix="pass --reference with its training data (or retrain it).")
        return {**kept, "description": {"kind": "training", "where": "the model's training data"}}
    frame = read_table(reference, **(read_options or {}))
    where = str(reference) if not isinstance(reference, pd.DataFrame) else "reference"
    columns, _ = conform_columns(frame, model.schema, where=where, ignore=(model.target.name,))
    kept = getattr(model, "reference", None) or {}
    built = build_reference(columns, model.schema, task=model.task, classes=list(model.classes_),
                            predictions=model.raw_predict(frame, where=where), metric=kept.get("metric"))
    return {**built, "description": {"kind": "file", "where": where}}


def _compare(loaded: LoadedModel, data: CurrentData, reference: dict, settings: MonitorSettings) -> DriftReport:
    model, frame = loaded.model, data.frame
    where = data.description["where"]
    facts = (model.target.name, *_LOG_FACTS, *[c for c in frame.columns if str(c).startswith("proba_")])
    columns, notes = conform_columns(frame, model.schema, where=where, ignore=facts)
    features, shifts = [], {}
    for spec in model.schema.used:
        summary = reference["columns"].get(spec.name)
        if summary is None:
            raise ModelFormatError(f"the reference has no column {spec.name!r}.", where=reference["description"]["where"],
                                   fix="pass a reference file with every input column of the model.")
        if spec.kind == TEXT:
            weight = settings.weight(spec.name, spec.kind)
            if summary.get("kind") != "text":  # a reference kept before texts had signals
                features.append(_ignored(spec.name, spec.kind, weight, "free text is not compared by this model's "
                                         "reference (retrain to compare its lengths and words)."))
                continue
            for signal, part, summary_kind, values in text_signals(summary, columns[spec.name]):
                shift = numeric_shift(part, values) if summary_kind == "numeric" else categorical_shift(part, values)
                shifts[f"{spec.name} ({signal})"] = (spec, summary_kind, weight, shift)
            continue
        shift = numeric_shift(summary, columns[spec.name]) if summary["kind"] == "numeric" \
            else categorical_shift(summary, columns[spec.name])
        shifts[spec.name] = (spec, summary["kind"], settings.weight(spec.name, spec.kind), shift)
    # only the columns that count share the correction for multiple tests
    adjusted = _adjusted({name: entry[3] for name, entry in shifts.items() if entry[2] > 0})
    for name, (spec, summary_kind, weight, shift) in shifts.items():
        entry = {**judge(name, spec.kind, summary_kind, adjusted.get(name, shift), weight, settings),
                 "p_raw": shift.p_value}
        if weight == 0:
            entry.update(verdict=IGNORED, note="dates move with time: given weight 0 (set a weight to check it)."
                         if spec.kind == DATETIME else "weight 0: not checked.")
        features.append(entry)
    features.sort(key=lambda f: (-_SEVERITY[f["verdict"]], -(f["value"] or 0) * (f["weight"] or 0)))
    outputs = data.logged_outputs if data.logged_outputs is not None else model.raw_predict(frame, where=where)
    prediction = None
    if reference.get("prediction"):
        kind, values = prediction_values(outputs, model.task, list(model.classes_))
        shift = numeric_shift(reference["prediction"], values) if kind == "numeric" \
            else categorical_shift(reference["prediction"], values)
        prediction = judge(PREDICTION, PREDICTION, kind, shift, 1.0, settings)
    performance = compare_performance(model, frame, outputs, reference.get("metric"), settings, where=where)
    verdict, reasons = _verdict(features, prediction, performance, len(frame))
    return DriftReport(model=loaded.reference, model_name=loaded.name, model_version=loaded.version,
                       checked_at=datetime.now(timezone.utc), rows=len(frame), reference_rows=reference["rows"],
                       current=data.description, reference=reference["description"], features=features,
                       prediction=prediction, performance=performance, settings=settings, verdict=verdict,
                       reasons=reasons, notes=notes)


def _adjusted(shifts: dict[str, Shift]) -> dict[str, Shift]:
    """Each column's p-values (of its shift and of its missing values) adjusted for the number of
    columns checked (Benjamini–Hochberg, scipy's ``false_discovery_control``): with thirty
    columns, one of them reaches p < 0.01 by chance in a quarter of checks of unchanged data."""
    if not shifts:
        return {}
    names = list(shifts)
    shift_p = stats.false_discovery_control([shifts[n].p_value for n in names])
    missing_p = stats.false_discovery_control([shifts[n].missing_p_value for n in names])
    return {n: replace(shifts[n], p_value=float(p), missing_p_value=float(q))
            for n, p, q in zip(names, shift_p, missing_p)}


#: Columns of logged rows that are facts of the request, not inputs.
_LOG_FACTS = ("prediction", "request_id", "row_index", "served_at", "model", "model_name", "model_version",
              "latency_ms")


def judge(name: str, kind: str, summary_kind: str, shift: Shift, weight: float, settings: MonitorSettings) -> dict:
    """One column's verdict: the most severe of its distribution shift, its rise in missing
    values and its share of unseen categories — each only when significant."""
    statistic = settings.numeric_statistic if summary_kind == "numeric" else settings.categorical_statistic
    value = shift.values.get(statistic)
    warning_at, action_at = settings.limits(statistic)
    causes: list[tuple[str, str]] = []
    if value is not None and shift.p_value < settings.alpha:
        level = _level(weight * value, warning_at, action_at)
        if level != STABLE:
            causes.append((level, f"{statistic} {value:.3f}" + (f" x weight {weight:g}" if weight != 1 else "")))
    rise = shift.missing_rate - shift.reference_missing_rate
    if shift.missing_p_value < settings.alpha:
        level = _level(rise, *settings.missing_rise)
        if level != STABLE:
            causes.append((level, f"missing in {shift.missing_rate:.1%} of rows against "
                                  f"{shift.reference_missing_rate:.1%} in training"))
    new_rate = shift.new_category_rate or 0.0
    if new_rate * shift.rows * (1 - shift.missing_rate) >= MIN_NEW_CATEGORY_ROWS:
        level = _level(new_rate, *settings.new_categories)
        if level != STABLE:
            causes.append((level, f"{new_rate:.1%} of values never seen in training "
                                  f"({', '.join(shift.new_categories[:3])})"))
    verdict = max((level for level, _ in causes), key=_SEVERITY.get, default=STABLE)
    return {"feature": name, "kind": kind, "statistic": statistic, "value": value, "warning_at": warning_at,
            "action_at": action_at, "test": shift.test, "p_value": shift.p_value, "psi": shift.values.get("psi"),
            "ks": shift.values.get("ks"), "weight": weight, "verdict": verdict,
            "note": "; ".join(text for _, text in causes) or None, "missing_rate": shift.missing_rate,
            "reference_missing_rate": shift.reference_missing_rate, "new_category_rate": shift.new_category_rate,
            "new_categories": shift.new_categories, "histogram": shift.histogram}


def _level(value: float, warning_at: float, action_at: float) -> str:
    if value >= action_at:
        return ACTION
    return WARNING if value >= warning_at else STABLE


def _ignored(name: str, kind: str, weight: float, note: str) -> dict:
    return {"feature": name, "kind": kind, "statistic": None, "value": None, "warning_at": None, "action_at": None,
            "test": None, "p_value": None, "p_raw": None, "psi": None, "ks": None, "weight": weight, "verdict": IGNORED,
            "note": note,
            "missing_rate": None, "reference_missing_rate": None, "new_category_rate": None, "new_categories": [],
            "histogram": {}}


def _verdict(features: list[dict], prediction: dict | None, performance: dict | None,
             rows: int) -> tuple[str, list[str]]:
    parts = [f for f in features if f["verdict"] != IGNORED] + [p for p in (prediction, performance) if p]
    verdict = max((p["verdict"] for p in parts), key=_SEVERITY.get, default=STABLE)
    reasons = []
    checked = [f for f in features if f["verdict"] != IGNORED]
    moved = [f for f in checked if f["verdict"] in (WARNING, ACTION)]
    if moved:
        listed = "; ".join(f"{f['feature']} ({f['note']}, {f['verdict']})" for f in moved[:6])
        reasons.append(f"{len(moved)} of {len(checked)} inputs moved: {listed}" + ("; ..." if len(moved) > 6 else "") + ".")
    if prediction and prediction["verdict"] in (WARNING, ACTION):
        reasons.append(f"The model's predictions moved: {prediction['note']} ({prediction['verdict']}).")
    if performance and performance["verdict"] in (WARNING, ACTION):
        reasons.append(f"Performance fell: {performance['metric']} {performance['current']:.4g} "
                       f"(95% interval {performance['ci_low']:.4g} to {performance['ci_high']:.4g}) against "
                       f"{performance['training']:.4g} estimated at training, {-performance['relative_change']:.1%} "
                       f"worse, p = {performance['p_value']:.2g} ({performance['verdict']}).")
    if not reasons:
        judged = " and performance" if performance and performance.get("training") is not None else ""
        reasons.append(f"No input, prediction{judged} moved beyond the thresholds ({len(checked)} inputs checked "
                       f"on {rows:,} rows).")
    return verdict, reasons


def record_check(store, report: DriftReport) -> int:
    """Store the check and one row per column (plus the prediction and performance)."""
    rows = [_feature_row(f) for f in report.features]
    if report.prediction:
        rows.append(_feature_row(report.prediction))
    if report.performance:
        perf = report.performance
        rows.append({"feature": PERFORMANCE, "kind": PERFORMANCE, "statistic": perf["metric"],
                     "value": json_ready(perf["current"]), "p_value": None, "psi": None, "weight": 1.0,
                     "verdict": perf["verdict"], "missing_rate": None, "new_category_rate": None,
                     "details": json_ready(perf)})
    summary = {"reasons": report.reasons, "notes": report.notes, "reference_rows": report.reference_rows,
               "settings": report.settings.to_dict(), "prediction": json_ready(report.prediction),
               "performance": json_ready(report.performance)}
    try:
        return store.drift.record({"checked_at": report.checked_at, "model": report.model,
                                   "model_name": report.model_name, "model_version": report.model_version,
                                   "current": report.current, "reference": report.reference, "rows": report.rows,
                                   "status": report.status, "verdict": report.verdict, "summary": summary}, rows)
    except SQLAlchemyError as exc:  # the store went away: the check itself stands; say what was not kept
        warnings.warn(f"the check was not recorded in store {store.where}: {exc}", stacklevel=2)
        return None


def _feature_row(entry: dict) -> dict:
    return {"feature": entry["feature"], "kind": entry["kind"], "statistic": entry["statistic"],
            "value": json_ready(entry["value"]), "p_value": json_ready(entry["p_value"]), "psi": json_ready(entry["psi"]),
            "weight": entry["weight"], "verdict": entry["verdict"], "missing_rate": json_ready(entry["missing_rate"]),
            "new_category_rate": json_ready(entry["new_category_rate"]),
            "details": json_ready({k: entry.get(k) for k in ("note", "ks", "p_raw", "reference_missing_rate", "new_categories",
                                                     "histogram", "warning_at", "action_at", "test")})}


def drift_history(report: DriftReport, store=None, *, checks: int = 100) -> pd.DataFrame:
    """The drift time series this report belongs to (the model's last ``checks`` checks, by
    registry name when it has one), as the store keeps it; this check alone without a store."""
    if store is not None and report.check_id is not None:
        if report.model_name:
            return store.drift.history(model_name=report.model_name, limit=checks)
        return store.drift.history(model=report.model, limit=checks)
    rows = [_feature_row(f) for f in report.features] + ([_feature_row(report.prediction)] if report.prediction else [])
    frame = pd.DataFrame(rows)
    frame.insert(0, "check_verdict", report.verdict)
    frame.insert(0, "model_version", report.model_version)
    frame.insert(0, "checked_at", report.checked_at)
    frame.insert(0, "check_id", report.check_id)
    return frame


def write_drift_page(report: DriftReport, path: str | os.PathLike, store=None) -> Path:
    """The drift page: this check, and each column's drift over the checks before it."""
    from mlwright.report.drift_page import write_drift_page as write_page

    return write_page(Path(path), report.to_dict(), drift_history(report, store))
