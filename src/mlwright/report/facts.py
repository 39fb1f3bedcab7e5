"""The evaluation record as the report reads it: defensive readers over it.

The evaluate stage writes the record (``evaluation.json`` in the run folder); the report, the
model card and the plain-language summary only read it. Any key documented as ``| None`` may be
None or absent, so every reader here returns an empty value instead of raising.

The schema is in :mod:`mlwright.report.training_report`, the module that renders the record.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Record = Mapping[str, Any]

#: Section ids of the report, in page order; the browser test checks each one is visible.
SECTIONS = ("summary", "findings", "metrics", "threshold", "calibration", "curves", "importance",
            "dependence", "fairness", "model-tests", "leaderboard", "data")
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}
TASK_WORDS = {"binary": "yes/no classification", "multiclass": "classification into several classes",
              "regression": "regression (predicting a number)"}
SENSITIVE_HINT = "pass --sensitive COLUMN to mlwright train"


def part(record: Record | None, key: str) -> dict:
    """``record[key]`` when it is a mapping, else an empty dict: absent and None read the same."""
    value = record.get(key) if isinstance(record, Mapping) else None
    return dict(value) if isinstance(value, Mapping) else {}


def items(record: Record | None, key: str) -> list:
    """``record[key]`` when it is a list, else an empty list."""
    value = record.get(key) if isinstance(record, Mapping) else None
    return list(value) if isinstance(value, (list, tuple)) else []


def run(record: Record) -> dict:
    return part(record, "run")


def task(record: Record) -> str:
    return str(run(record).get("task") or "")


def evaluation_sets(record: Record) -> list[dict]:
    return [s for s in items(record, "evaluations") if isinstance(s, Mapping)]


def primary_set(record: Record) -> dict:
    """The first held-out set: the one the summary and the model card quote."""
    sets = evaluation_sets(record)
    return dict(sets[0]) if sets else {}


def metric(evaluation_set: Record, name: str) -> dict:
    """The metric row called ``name`` in one held-out set, or {} when it was not measured."""
    for row in items(evaluation_set, "metrics"):
        if isinstance(row, Mapping) and row.get("name") == name and row.get("value") is not None:
            return dict(row)
    return {}


def main_metric(record: Record) -> dict:
    """The metric the run optimised, as measured on the primary held-out set."""
    return metric(primary_set(record), str(run(record).get("metric") or ""))


def curve(evaluation_set: Record, name: str) -> dict:
    return part(part(evaluation_set, "curves"), name)


def positive_class(record: Record) -> str | None:
    """The class a binary model says "yes" to: the run's, else the last class (scikit-learn's)."""
    run_facts = run(record)
    if run_facts.get("positive_class") is not None:
        return str(run_facts["positive_class"])
    classes = items(run_facts, "classes")
    return str(classes[-1]) if task(record) == "binary" and classes else None


def top_features(record: Record, count: int = 3) -> list[str]:
    """Columns that moved the score most when shuffled (permutation), else by mean |SHAP|."""
    importance = part(record, "importance")
    rows = [(r.get("importance"), r.get("column")) for r in items(importance, "permutation")]
    if not rows:
        rows = [(r.get("mean_abs"), r.get("column")) for r in items(importance, "shap")]
    ranked = sorted(((float(v), str(c)) for v, c in rows if isinstance(v, (int, float)) and v > 0),
                    reverse=True)
    return [column for _, column in ranked[:count]]


def most_confused(confusion: Record | None) -> dict:
    """The largest off-diagonal cell: which true class is most often taken for which other one."""
    labels, matrix = items(confusion, "labels"), items(confusion, "matrix")
    best: dict = {}
    for i, row in enumerate(matrix[:len(labels)]):
        for j, count in enumerate(row[:len(labels)]):
            if i != j and count and count > best.get("count", 0):
                best = {"true": str(labels[i]), "predicted": str(labels[j]), "count": int(count),
                        "of": int(sum(row))}
    return best


def sorted_findings(record: Record) -> list[dict]:
    findings = [dict(f) for f in items(run(record), "findings") if isinstance(f, Mapping)]
    return sorted(findings, key=lambda f: SEVERITY_ORDER.get(f.get("severity"), 3))


def column_text(column: Any) -> str:
    """A finding's column: one name, several joined, or "table" when it is about the whole table."""
    if column is None:
        return "table"
    if isinstance(column, (list, tuple)):
        return ", ".join(str(c) for c in column)
    return str(column)
