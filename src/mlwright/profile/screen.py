"""The checks that run inside ``train``: which columns must never reach the model, and why.

A column that gives the target away would make every validation score a lie, and a column of
personal data would put people's details into a model file that gets copied around. Both are
excluded before the search starts, unless the user names them in ``keep_columns``; every other
finding is reported and left to the user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from mlwright._types import Task
from mlwright.data.schema import DUPLICATE, LEAK, NUMERIC, ORDINAL, PERSONAL
from mlwright.errors import ConfigError, MlwrightError
from mlwright.profile.findings import TARGET_LEAK, WARNING, Finding
from mlwright.profile.profiler import Profile, profile_table

#: Rows the training-time checks look at; findings need a sample, not every row.
SCREEN_SAMPLE_ROWS = 20_000


@dataclass(frozen=True)
class Exclusion:
    """A column kept away from the model: ``kind`` is ``leak`` or ``personal``."""

    column: str
    kind: str
    reason: str


@dataclass(frozen=True)
class Screening:
    """What the checks found, the columns excluded for it, and the flagged ones the user kept."""

    profile: Profile | None  # None when the checks were turned off
    excluded: tuple[Exclusion, ...]
    kept: tuple[str, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        return self.profile.findings if self.profile is not None else ()


def screen_training_table(raw: pd.DataFrame, target: str, task: Task | None, *, keep: Sequence[str] = (),
                          seed: int = 0, where: str = "data", sample_rows: int = SCREEN_SAMPLE_ROWS) -> Screening:
    """Profile (a sample of) the training table and decide which columns to exclude."""
    unknown = [name for name in keep if name not in raw.columns]
    if unknown:
        raise ConfigError(f"keep_columns names columns the data lack: {', '.join(map(repr, unknown))}.",
                          where="keep_columns", fix="name columns of the training table, or leave them out.")
    sample = raw if len(raw) <= sample_rows else raw.sample(sample_rows, random_state=seed)
    try:
        profile = profile_table(sample, target=target, task=task, sample_rows=max(len(sample), 100), seed=seed)
    except MlwrightError as error:  # the same problem, said about the user's file rather than our sample
        raise type(error)(error.problem, where=where, fix=error.fix) from None
    profile = replace(profile, source=Path(where).name)
    excluded, kept = [], []
    personal = _personal(profile)
    kinds = {column.name: column.kind for column in profile.columns}
    for finding in profile.findings:
        if finding.kind == TARGET_LEAK:
            kind, columns = LEAK, finding.columns
        elif finding in personal:
            kind, columns = PERSONAL, finding.columns
        elif _is_copy(finding):
            kind, columns = DUPLICATE, _copies_to_drop(finding.columns, kinds)
        else:
            continue
        for column in columns:
            if column in keep:
                kept.append(column)
            elif column not in {e.column for e in excluded}:
                excluded.append(Exclusion(column, kind, _reason(kind, finding)))
    profile = replace(profile, findings=tuple(_with_action_taken(f, excluded, kept) for f in profile.findings))
    return Screening(profile, tuple(excluded), tuple(dict.fromkeys(kept)))


def _with_action_taken(finding: Finding, excluded: list[Exclusion], kept: list[str]) -> Finding:
    """Say what training did about the finding, not what the profile would advise."""
    dropped = [e.column for e in excluded if e.column in finding.columns]
    kept_here = [c for c in kept if c in finding.columns]
    if dropped:
        action = f"dropped {', '.join(map(repr, dropped))} from training."
    elif kept_here:
        action = f"kept {', '.join(map(repr, kept_here))} in training, as asked (keep_columns)."
    else:
        return finding
    return replace(finding, action=action)


def _copies_to_drop(columns: tuple[str, ...], kinds: dict[str, str]) -> tuple[str, ...]:
    """Keep one column of a pair: a numeric or ordinal one over a categorical relabelling of it
    (its order is information a tree can split on), else the first."""
    keep = next((c for c in columns if kinds.get(c) in (NUMERIC, ORDINAL)), columns[0])
    return tuple(c for c in columns if c != keep)


def _is_copy(finding: Finding) -> bool:
    """The same column twice, or a one-to-one relabelling: training on both adds nothing."""
    return finding.kind == "duplicated_column" or (finding.kind == "restated_column" and finding.severity == WARNING)


def _personal(profile: Profile) -> list[Finding]:
    names = set(profile.pii_columns())
    return [f for f in profile.findings if f.kind.startswith("pii_") and set(f.columns) <= names]


def _reason(kind: str, finding: Finding) -> str:
    """Reads after 'column X not used: it ...'."""
    evidence = finding.evidence.rstrip(".")
    if kind == LEAK:
        return f"gives the target away ({evidence}); pass keep_columns (--keep) to train on it anyway"
    if kind == DUPLICATE:
        return f"repeats another column ({evidence})"
    what = finding.kind.removeprefix("pii_").replace("_", " ")
    return f"holds personal data, {what} ({evidence}); its values are masked everywhere"
