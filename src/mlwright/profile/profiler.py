"""``profile_table``: know the data before the model.

Exact where it is cheap (rows, missing values, distinct values, quantiles, histograms, duplicated
rows and columns, outliers), sampled where exactness buys nothing (associations, leakage,
privacy, restated columns, mixed types, train/test shift run on at most ``sample_rows`` rows),
so that a million rows profile in well under a minute. The page and the JSON say which is which.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from mlwright._types import DataSource, Task
from mlwright.data.cleaning import clean_frame
from mlwright.data.readers import describe_source, read_table
from mlwright.data.schema import DATETIME, NUMERIC, TEXT, Schema, infer_schema
from mlwright.data.target import TargetInfo, analyze_target
from mlwright.errors import ConfigError, DataError
from mlwright.files import write_text_atomic
from mlwright.profile import quality
from mlwright.profile.columns import ColumnProfile, describe_column, describe_columns
from mlwright.profile.drift import distribution_mismatch
from mlwright.profile.findings import CRITICAL, INFO, WARNING, Finding, leaked_columns, pii_columns, sort_findings
from mlwright.profile.leakage import MAX_TREE_COLUMNS, find_leaks, single_feature_scores
from mlwright.profile.privacy import find_personal_text, find_pii

#: Rows used by the sampled checks; exact statistics always use every row.
SAMPLE_ROWS = 50_000
FORMAT_VERSION = 1
JSON_INDENT_MAX_COLUMNS = 500


@dataclass(frozen=True)
class Profile:
    """Everything ``profile_table`` learned; ``to_dict``, ``write_json`` and ``write_html`` share it."""

    source: str
    rows: int
    duplicated_rows: int
    memory_bytes: int
    sample_rows: int
    columns: tuple[ColumnProfile, ...]
    findings: tuple[Finding, ...]
    target: dict = field(default_factory=dict)
    test_rows: int | None = None
    notes: tuple[str, ...] = ()
    seconds: float = 0.0

    @property
    def sampled(self) -> bool:
        """True when the sampled checks saw fewer rows than the table has."""
        return self.sample_rows < self.rows

    def leaked_columns(self) -> list[str]:
        return leaked_columns(self.findings)

    def pii_columns(self) -> list[str]:
        return pii_columns(self.findings)

    def summary(self) -> list[str]:
        """A few plain sentences for the top of the page and the command line."""
        lines = [f"{self.rows:,} rows and {len(self.columns)} columns ({_size(self.memory_bytes)} in memory)."]
        if self.target:
            classes = f" with {len(self.target['classes'])} classes" if self.target.get("classes") else ""
            lines.append(f"Target {self.target['name']!r}: {self.target['task']}{classes}.")
        if self.leaked_columns():
            lines.append(f"{_names(self.leaked_columns())} {_verb(self.leaked_columns(), 'gives', 'give')} the target "
                         "away: dropped from training by default.")
        if self.pii_columns():
            lines.append(f"{_names(self.pii_columns())} {_verb(self.pii_columns(), 'holds', 'hold')} personal data: "
                         "excluded from training, values masked here.")
        counts = {s: sum(f.severity == s for f in self.findings) for s in (CRITICAL, WARNING, INFO)}
        lines.append(f"{_count(counts[CRITICAL], 'critical finding')}, {_count(counts[WARNING], 'warning')}, "
                     f"{_count(counts[INFO], 'note')}.")
        if self.sampled:
            lines.append(f"Counts, missing values and distributions use all {self.rows:,} rows; associations, "
                         f"leakage, privacy and pairwise checks use a random sample of {self.sample_rows:,} rows.")
        else:
            lines.append("Every statistic uses every row.")
        return lines

    def _repr_html_(self) -> str:
        from mlwright.display.cards import profile

        return profile(self).html()

    def __repr__(self) -> str:
        return (f"Profile(source={self.source!r}, rows={self.rows}, columns={len(self.columns)}, "
                f"findings={len(self.findings)})")

    def to_dict(self) -> dict[str, Any]:
        return {"format_version": FORMAT_VERSION, "source": self.source, "rows": self.rows,
                "duplicated_rows": self.duplicated_rows, "memory_bytes": self.memory_bytes,
                "sample_rows": self.sample_rows, "sampled": self.sampled, "test_rows": self.test_rows,
                "target": self.target, "summary": self.summary(), "notes": list(self.notes),
                "seconds": round(self.seconds, 2), "columns": [c.to_dict() for c in self.columns],
                "findings": [f.to_dict() for f in self.findings]}

    def write_json(self, path: str | os.PathLike[str]) -> Path:
        # indented JSON goes through the pure-Python encoder: for very wide tables, the compact C one
        indent = 1 if len(self.columns) <= JSON_INDENT_MAX_COLUMNS else None
        return write_text_atomic(path, json.dumps(self.to_dict(), indent=indent, default=str))

    def write_html(self, path: str | os.PathLike[str]) -> Path:
        from mlwright.report.profile_page import render_profile  # the page is a report; profile does not need it

        return write_text_atomic(path, render_profile(self))


def profile_table(data: DataSource, *, target: str | None = None, test: DataSource | None = None,
                  task: Task | str | None = None, sample_rows: int = SAMPLE_ROWS,
                  read_options: Mapping[str, Any] | None = None, seed: int = 0) -> Profile:
    """Profile a table (a path, a pandas or a polars DataFrame), optionally against a target and a test file.

    ``read_options`` (``sep``, ``header``, ``columns``) apply to ``data`` and ``test`` alike.
    """
    if not isinstance(sample_rows, int) or sample_rows < 100:
        raise ConfigError(f"sample_rows must be an integer of at least 100, got {sample_rows!r}.",
                          where="sample_rows", fix="pass a larger sample, e.g. 50000.")
    started = time.perf_counter()
    options = dict(read_options or {})
    raw = read_table(data, **options)
    if raw.empty:
        raise DataError(f"the table has a header ({_names([_short(c) for c in raw.columns[:5]])}"
                        f"{', ...' if raw.shape[1] > 5 else ''}) but no data rows.", where=_where(data),
                        fix="pass a table with data rows.")
    cleaned, notes = clean_frame(raw)
    notes = list(raw.attrs.get("read_notes", ())) + notes
    sample = cleaned.sample(min(sample_rows, len(cleaned)), random_state=seed).index
    schema = infer_schema(cleaned.loc[sample])
    findings = find_pii(raw.loc[sample], skip=(target,) if target else (), seed=seed)
    masked = {name: f.kind for f in findings for name in f.columns}
    texts = [spec.name for spec in schema.columns if spec.kind == TEXT and spec.name not in masked]
    findings += find_personal_text(raw.loc[sample], texts, seed=seed)
    profiles = describe_columns(cleaned, {spec.name: spec.kind for spec in schema.columns})
    profiles = {n: (p.with_mask(masked[n]) if n in masked else p) for n, p in profiles.items()}
    target_summary: dict = {}
    if target is not None:
        info, labels, target_notes = analyze_target(cleaned, target, Task(task) if task else None,
                                                    where=_where(data))
        notes += target_notes
        target_summary, target_findings, scores = _target_checks(cleaned, sample, schema, info, labels, masked, seed)
        findings += target_findings
        notes += _unscored_note(schema, scores, set(masked) | {target})
        profiles = {n: (replace(p, association=scores[n]) if n in scores else p) for n, p in profiles.items()}
    # a column with a distinct value in every row (an id) rules out repeated rows: skip the hashing
    unique_rows = any(p.distinct == len(cleaned) for p in profiles.values())
    duplicated = 0 if unique_rows else quality.count_duplicated_rows(cleaned)
    features = [p for p in profiles.values() if p.name != target]
    findings += quality.duplicated_rows_finding(duplicated, len(cleaned))
    findings += _quality_checks(raw, cleaned, sample, features, set(masked) | {target})
    test_rows = None
    if test is not None:
        test_clean, _ = clean_frame(read_table(test, **options))
        test_rows = len(test_clean)
        test_sample = test_clean.sample(min(sample_rows, len(test_clean)), random_state=seed)
        findings += distribution_mismatch(cleaned.loc[sample], test_sample, schema, set(masked) | {target})
    return Profile(source=_source_name(data), rows=len(raw), duplicated_rows=duplicated,
                   memory_bytes=int(raw.memory_usage(deep=True).sum()), sample_rows=len(sample),
                   columns=tuple(profiles.values()), findings=tuple(sort_findings(findings)),
                   target=target_summary, test_rows=test_rows, notes=tuple(notes),
                   seconds=time.perf_counter() - started)


def _target_checks(cleaned: pd.DataFrame, sample: pd.Index, schema: Schema, info: TargetInfo, labels: pd.Series,
                   masked: Mapping[str, str], seed: int):
    """The target's distribution (all rows), and associations and leaks (sampled, labelled rows)."""
    summary: dict[str, Any] = {"name": info.name, "task": info.task.value, "labelled": len(labels)}
    findings: list[Finding] = []
    if info.task.is_classification:
        counts = labels.value_counts()
        summary["classes"] = [[str(c), int(counts.get(c, 0))] for c in info.classes]
        findings += quality.class_imbalance({str(c): int(counts.get(c, 0)) for c in info.classes}, True)
    else:
        described = describe_column(info.name, labels, "numeric")
        summary["stats"], summary["histogram"] = described.stats, described.histogram
    sampled_labels = labels.loc[labels.index.intersection(sample)]
    usable = Schema(tuple(s for s in schema.columns if s.name != info.name and s.name not in masked))
    frame = cleaned.loc[sampled_labels.index, [s.name for s in usable.columns]]
    scores = single_feature_scores(frame, info, sampled_labels, schema=usable, seed=seed)
    findings += find_leaks(frame, info, sampled_labels, schema=usable, scores=scores, seed=seed)
    return summary, findings, {name: a.to_dict() for name, a in scores.items()}


def _unscored_note(schema: Schema, scores: Mapping[str, dict], skip: set[str]) -> list[str]:
    unscored = [s.name for s in schema.columns if s.kind in (NUMERIC, DATETIME) and s.name not in skip
                and s.name not in scores]
    if not unscored:
        return []
    return [f"{len(unscored):,} numeric and date columns have no association score: of more than "
            f"{MAX_TREE_COLUMNS} such columns, only the {MAX_TREE_COLUMNS} whose ranks follow the target "
            "most closely were scored (and checked for leaks) one by one."]


def _quality_checks(raw: pd.DataFrame, cleaned: pd.DataFrame, sample: pd.Index,
                    features: list[ColumnProfile], skip: set[str]) -> list[Finding]:
    checked = [p for p in features if p.name not in skip]
    findings = quality.column_findings(features, len(cleaned))
    findings += quality.duplicated_columns(cleaned, checked)
    findings += quality.restated_columns(cleaned.loc[sample], checked)
    findings += quality.mixed_types(raw.loc[sample, [p.name for p in checked]], skip)
    findings += quality.outliers(checked, len(cleaned))
    return findings


def _where(data: Any) -> str:
    """How errors name the data: the path as given, so that it can be pasted back."""
    return str(data) if isinstance(data, (str, os.PathLike)) else _source_name(data)


def _source_name(data: Any) -> str:
    if isinstance(data, (str, os.PathLike)):
        return Path(data).name
    if describe_source(data)["kind"] == "sql":  # "SQL query on postgresql://...", password hidden
        return str(data)
    return f"{type(data).__module__.split('.')[0]} DataFrame"


def _names(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _short(name: Any, most: int = 30) -> str:
    name = str(name)
    return name if len(name) <= most else name[:most - 1] + "…"


def _verb(names: list[str], one: str, many: str) -> str:
    return one if len(names) == 1 else many


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _size(count: int) -> str:
    for unit in ("bytes", "KB", "MB", "GB"):
        if count < 1024 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "bytes" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"
