"""What each result shows in a notebook: the facts a reader looks for first, then the top of its
tables. The builders read only public attributes and ``info``, so a loaded model shows the same
card as the one just trained."""

from __future__ import annotations

from typing import Any

import pandas as pd

from mlwright.display.card import Card, Table, number

LEADERBOARD_COLUMNS = ["model", "family", "score", "fit_seconds", "predict_ms_per_row", "ensemble_weight"]


def trained_model(model) -> Card:
    info = model.info or {}
    estimate = info.get("estimate") or {}
    interval = estimate.get("interval")
    facts: list[tuple[str, Any]] = [("task", model.task.value), ("target", model.target.name),
                                    ("metric", model.metric)]
    if estimate.get("value") is not None:
        shown = number(estimate["value"])
        if interval:
            shown += f" (95% interval {number(interval[0])} to {number(interval[1])})"
        facts.append(("estimate", shown))
    facts += [("members", ", ".join(f"{m.name} × {m.weight:.2f}" for m in model.members)),
              ("one-row latency (ms)", info.get("single_row_latency_ms")), ("size (MB)", info.get("members_mb")),
              ("trained in (s)", info.get("train_seconds"))]
    if model.threshold is not None:
        facts.append(("decision threshold", model.threshold))
    board = model.leaderboard()
    tables = [Table.of("Leaderboard (best first)", board[[c for c in LEADERBOARD_COLUMNS if c in board.columns]], 5)]
    notes = [f"{f['severity']}: {f['evidence']}" for f in (info.get("findings") or [])
             if isinstance(f, dict) and f.get("severity") == "critical"]
    if estimate.get("method"):
        notes.append(f"The estimate: {estimate['method']}.")
    return Card(f"Model for {model.target.name!r}", f"mlwright trained model · {model.task.value}", facts, tables, notes)


def forecast_model(model) -> Card:
    from mlwright.report.forecast_page import describe_entry

    info = model.info or {}
    chosen, baseline = info.get("chosen") or {}, info.get("baseline") or {}
    coverage = chosen.get("coverage") or {}
    facts = [("series", len(model.history.ids)), ("frequency", model.history.freq), ("horizon", model.horizon),
             ("season", model.season), ("chosen", describe_entry(chosen) if chosen else "—"),
             ("backtest MASE", chosen.get("mase")), ("seasonal naive MASE", baseline.get("mase")),
             ("80% interval coverage", _share(coverage.get("80"))), ("95% interval coverage", _share(coverage.get("95")))]
    board = pd.DataFrame(info.get("leaderboard") or [])
    tables = []
    if len(board):
        board = board.assign(coverage_80=[_share((c or {}).get("80")) for c in board["coverage"]])
        tables.append(Table.of("Leaderboard by backtest MASE", board[["name", "mase", "smape", "wql", "coverage_80"]], 6))
    forecast = getattr(model, "forecast_", None)
    if forecast is not None:
        tables.append(Table.of("Forecast", forecast, 6))
    return Card(f"Forecast of {model.history.target!r}", "mlwright forecasting model", facts, tables,
                list(info.get("notes") or [])[:5])


def cluster_model(model) -> Card:
    info = model.info or {}
    chosen = info.get("chosen") or {}
    facts = [("method", model.method), ("clusters", model.n_clusters), ("rows", info.get("rows")),
             ("silhouette", chosen.get("silhouette")), ("stability (adjusted Rand)", chosen.get("stability")),
             ("stable", info.get("stable"))]
    clusters = pd.DataFrame(model.clusters or [])
    tables = [Table.of("Clusters", clusters[[c for c in ("cluster", "rows", "share", "description") if c in clusters]])] \
        if len(clusters) else []
    return Card(f"{model.n_clusters} clusters", "mlwright clustering model", facts, tables,
                list(info.get("notes") or [])[:5], tone=None if info.get("stable", True) else "warning")


def anomaly_model(model) -> Card:
    info = model.info or {}
    facts = [("rows", info.get("rows")), ("flagged", info.get("flagged")), ("contamination", info.get("contamination")),
             ("threshold", model.threshold), ("detectors", ", ".join(info.get("detectors") or []))]
    unusual = pd.DataFrame(info.get("most_unusual") or [])
    tables = [Table.of("Most unusual rows", unusual[[c for c in ("row", "score", "flagged", "why") if c in unusual]])] \
        if len(unusual) else []
    return Card(f"{number(info.get('flagged'))} unusual rows", "mlwright anomaly model", facts, tables,
                list(info.get("notes") or [])[:5])


def drift_report(report) -> Card:
    tone = {"stable": "good", "warning": "warning", "action": "bad"}.get(report.verdict)
    facts = [("model", report.model), ("checked at", f"{report.checked_at:%Y-%m-%d %H:%M} UTC"),
             ("rows checked", report.rows), ("reference rows", report.reference_rows),
             ("columns drifted", ", ".join(report.drifted) or "none")]
    table = report.table()
    tables = [Table.of("Columns, most severe first", table[["feature", "verdict", "statistic", "value", "p_value", "psi"]])]
    return Card(f"Drift: {report.verdict}", "mlwright drift check", facts, tables, list(report.reasons)[:6], tone=tone)


def profile(profile) -> Card:
    facts = [("source", profile.source), ("rows", profile.rows), ("columns", len(profile.columns)),
             ("duplicated rows", profile.duplicated_rows)]
    if profile.target:
        facts.append(("target", f"{profile.target.get('name')} ({profile.target.get('task')})"))
    findings = pd.DataFrame([f.to_dict() for f in profile.findings])
    tables = [Table.of("Findings, most severe first", findings[[c for c in ("severity", "kind", "column", "evidence")
                                                                 if c in findings]])] if len(findings) else []
    tone = "bad" if any(f.severity == "critical" for f in profile.findings) else None
    return Card(f"Profile of {profile.source}", "mlwright data profile", facts, tables, profile.summary(), tone=tone)


def run_comparison(comparison) -> Card:
    header = ["", *[run.id[:8] for run in comparison.runs]]
    rows = [[label, *[number(v) for v in values]] for label, values in comparison.rows]
    table = Table("Runs side by side (differences marked)", header, rows,
                  marked=[comparison.differs(label) for label, _ in comparison.rows])
    differing = sum(table.marked)
    return Card(f"{len(comparison.runs)} runs compared", "mlwright run comparison",
                [("facts that differ", differing), ("facts compared", len(rows))], [table])


def _share(value) -> str:
    return "—" if value is None else f"{100 * float(value):.0f}%"
