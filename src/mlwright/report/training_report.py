"""The training report: one self-contained HTML page per ``train`` run, and the files beside it.

The page and the model card are rendered from the evaluation record alone, so they can be
rebuilt from ``evaluation.json`` without the model. plotly.js is inlined once and every figure
is drawn from one JSON block: the file opens from disk with nothing fetched. Every data value is
escaped by Jinja's autoescape; values the run did not record render as a dash, never as "None".
Readers in :mod:`mlwright.report.facts` treat any key documented as ``| None`` as optional: it
may be None or absent, and its section then shows a one-line note instead.

The evaluation record (``format`` "mlwright.evaluation", ``version`` 1)::

    {"format": "mlwright.evaluation", "version": 1,
     "run": {"target": str, "task": "binary"|"multiclass"|"regression", "metric": str,
             "classes": [str], "positive_class": str|None,
             "rows": {"train": int, "total": int, "holdout": int, "test": int},
             "data_source": str|None, "test_source": str|None, "created_at": str (ISO),
             "mlwright_version": str, "train_seconds": float, "time_limit": float, "seed": int,
             "estimate": {"metric": str, "value": float, "method": str},
             "members": [{"name": str, "family": str, "weight": float}],
             "used_columns": [{"name": str, "kind": str}],
             "excluded_columns": [{"name": str, "kind": str, "reason": str}],
             "findings": [{"severity": "critical"|"warning"|"info", "kind": str,
                           "column": str|[str]|None, "evidence": str, "action": str}],
             "latency_ms": float, "latency_limit_ms": float|None, "notes": [str],
             "profile_page": "profile.html"|None, "intended_use": str|None, "sensitive": [str]},
     "leaderboard": [{"model": str, "family": str, "status": str, "score": float|None,
                      "fit_seconds": float, "predict_ms_per_row": float|None, "ensemble_weight": float}],
     "evaluations": [   # one per held-out set; the first is the primary one
        {"set": "holdout"|"out-of-fold"|"test", "rows": int, "description": str,
         "metrics": [{"name": str, "label": str, "value": float|None, "low": float|None,
                      "high": float|None, "baseline": float|None, "greater_is_better": bool,
                      "description": str}],
         "per_class": [{"class": str, "precision": float, "recall": float, "f1": float,
                        "support": int}],   # [] for regression
         "confusion": {"labels": [str], "matrix": [[int]]} | None,
         "curves": {"roc": {"fpr": [float], "tpr": [float], "auc": float} | None,   # binary
                    "pr": {"recall": [float], "precision": [float], "average_precision": float,
                           "prevalence": float} | None,
                    "calibration": {"predicted": [float], "observed": [float], "count": [int]} | None,
                    "residuals": {"predicted": [float], "actual": [float],
                                  "residual": [float]} | None,   # regression, <= 2000 points
                    "residual_stats": {"mean", "std", "median", "p05", "p95", "max_abs": float} | None}}],
     "threshold": {"value": float, "objective": str, "description": str, "default_value": 0.5,
                   "at_threshold": {"precision", "recall", "f1", "selection_rate": float},
                   "curve": {"threshold", "precision", "recall", "f1": [float]}} | None,   # binary
     "calibration": {"method": "isotonic"|"platt"|"none", "applied": bool, "reason": str,
                     "before": {"log_loss", "brier", "ece": float}, "after": {...} | None,
                     "reliability_before": {"predicted", "observed": [float], "count": [int]},
                     "reliability_after": {...} | None} | None,
     "importance": {"on": str, "metric": str,
                    "permutation": [{"column": str, "importance": float, "std": float}],
                    "shap": [{"column": str, "mean_abs": float}] | None,
                    "permutation_rows": int, "repeats": int, "shap_rows": int | None} | None,
                    # the rows each was computed on: a sample sized to the report's time
     "dependence": [{"column": str, "kind": "numeric"|"categorical", "grid": [float|str],
                     "average": [float], "output": str}],
     "examples": [{"row": int, "prediction": str, "base": float, "value": float,
                   "contributions": [{"column": str, "value": str, "contribution": float}]}] | None,
     "fairness": {"columns": [{"column": str, "binned": bool, "used_as_feature": bool,
                               "metric_names": [str], "overall": {"rows": int, <metric>: float},
                               "groups": [{"group": str, "rows": int, "share": float,
                                           "metrics": {<metric>: float|None}}],
                               "differences": {"demographic_parity_difference": float|None, ...},
                               "behind": [{"group", "metric": str, "value", "reference", "gap": float,
                                           "reason": str}],
                               "small_groups": [str]}],
                  "sentences": [str], "thresholds": {...}} | None,
     "text_terms": [{"column": str, "class": str, "toward": [{"term": str, "weight": float}],
                     "away": [{"term": str, "weight": float}]}] | None,   # text columns' words, per class
     "model_tests": {"passed": int, "failed": int,
                     "results": [{"name": str, "kind": str, "passed": bool, "detail": str}]} | None,
     "timings": {"evaluation_seconds": float} | None}
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mlwright import __version__
from mlwright.files import write_text_atomic
from mlwright.report import facts, wording
from mlwright.report.model_card import render_model_card
from mlwright.report.plain_language import plain_summary
from mlwright.report.plots import build_plots, figures_json, plotly_js

REPORT_FILE = "report.html"
MODEL_CARD_FILE = "MODEL_CARD.md"
_CONTRIBUTIONS_SHOWN = 8


def _finalize(value: object) -> object:
    return "—" if value is None else value


_ENVIRONMENT = Environment(loader=PackageLoader("mlwright.report", "templates"),
                           autoescape=select_autoescape(default=True, default_for_string=True),
                           trim_blocks=True, lstrip_blocks=True, finalize=_finalize)
_ENVIRONMENT.filters.update(score=wording.score, number=wording.number, count=wording.count,
                            percent=wording.percent, seconds=wording.seconds, column=facts.column_text)


def render_report(evaluation: facts.Record) -> str:
    """The HTML page of one run: every section of :data:`facts.SECTIONS`, plots drawn in the browser."""
    plots = build_plots(evaluation)
    by_section: dict[str, list] = {}
    for plot in plots:
        by_section.setdefault(plot.section, []).append(plot)
    run, task = facts.run(evaluation), facts.task(evaluation)
    context = dict(
        run=run, rows=facts.part(run, "rows"), task=task, task_words=facts.TASK_WORDS.get(task, task or "unknown task"),
        positive=facts.positive_class(evaluation), summary=plain_summary(evaluation),
        main=facts.main_metric(evaluation), primary=facts.primary_set(evaluation),
        findings=facts.sorted_findings(evaluation), sets=[_set_view(s) for s in facts.evaluation_sets(evaluation)],
        threshold=facts.part(evaluation, "threshold"), calibration=facts.part(evaluation, "calibration"),
        importance=facts.part(evaluation, "importance"), examples=_examples_view(evaluation),
        text_terms=facts.items(evaluation, "text_terms"),
        fairness=_fairness_view(evaluation),
        fairness_sentences=facts.items(facts.part(evaluation, "fairness"), "sentences"),
        model_tests=facts.part(evaluation, "model_tests"), timings=facts.part(evaluation, "timings"),
        leaderboard=[dict(r) for r in facts.items(evaluation, "leaderboard")],
        plots=by_section, sections=facts.SECTIONS, sensitive_hint=facts.SENSITIVE_HINT, version=__version__,
        plot_json=Markup(figures_json(plots)), plotly_js=Markup(plotly_js()))
    return _ENVIRONMENT.get_template("training_report.html.j2").render(context)


def write_report_files(run_dir: Path, evaluation: facts.Record) -> dict[str, Path]:
    """Write ``report.html`` and ``MODEL_CARD.md`` into ``run_dir``, each atomically."""
    run_dir = Path(run_dir)
    return {"report": write_text_atomic(run_dir / REPORT_FILE, render_report(evaluation)),
            "model_card": write_text_atomic(run_dir / MODEL_CARD_FILE, render_model_card(evaluation))}


def _set_view(evaluation_set: facts.Record) -> dict:
    """One held-out set as the page shows it: metric rows, and a confusion matrix shaded by row share."""
    view = dict(evaluation_set)
    view["metrics"] = [dict(m) for m in facts.items(evaluation_set, "metrics") if isinstance(m, dict)]
    view["per_class"] = [dict(r) for r in facts.items(evaluation_set, "per_class")]
    confusion = facts.part(evaluation_set, "confusion")
    labels, matrix = facts.items(confusion, "labels"), facts.items(confusion, "matrix")
    view["confusion"] = [
        {"label": label, "cells": [{"count": c, "share": c / max(sum(row), 1), "hit": i == j}
                                   for j, c in enumerate(row)]}
        for i, (label, row) in enumerate(zip(labels, matrix, strict=False))]
    view["confusion_labels"] = labels
    return view


def _examples_view(evaluation: facts.Record) -> list[dict]:
    """Single predictions with their largest contributions, bars scaled to the largest in the row."""
    examples = []
    for example in facts.items(evaluation, "examples"):
        parts = sorted((dict(c) for c in facts.items(example, "contributions")
                        if isinstance(c.get("contribution"), (int, float))),
                       key=lambda c: -abs(c["contribution"]))[:_CONTRIBUTIONS_SHOWN]
        largest = max((abs(c["contribution"]) for c in parts), default=0) or 1
        for c in parts:
            c["width"] = round(100 * abs(c["contribution"]) / largest, 1)
        examples.append(dict(example, contributions=parts))
    return examples


def _fairness_view(evaluation: facts.Record) -> list[dict]:
    """Fairness columns with the cells that fall behind marked, and small groups flagged."""
    columns = []
    for column in facts.items(facts.part(evaluation, "fairness"), "columns"):
        behind = {(str(b.get("group")), str(b.get("metric"))) for b in facts.items(column, "behind")}
        small = {str(g) for g in facts.items(column, "small_groups")}
        groups = [dict(g, small=str(g.get("group")) in small,
                       behind={m for (group, m) in behind if group == str(g.get("group"))})
                  for g in facts.items(column, "groups")]
        columns.append(dict(column, groups=groups, metric_names=facts.items(column, "metric_names"),
                            differences=facts.part(column, "differences"), overall=facts.part(column, "overall")))
    return columns
