"""What the profile found: one small record per problem, with the evidence and the action taken.

A finding never carries a raw value of a column that holds personal data; its evidence speaks in
shares and counts ("93% of 500 sampled values look like e-mail addresses").
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

INFO, WARNING, CRITICAL = "info", "warning", "critical"
SEVERITIES = (CRITICAL, WARNING, INFO)
#: The finding kind of a column that gives the target away; ``leaked_columns`` reads it.
TARGET_LEAK = "target_leak"
#: Privacy findings are ``pii_<type>``; ``pii_columns`` reads them.
PII_PREFIX = "pii_"

Column = str | tuple[str, ...] | None


@dataclass(frozen=True)
class Finding:
    """One problem in the data: what, how bad, which column(s), the evidence and what happens next."""

    kind: str
    severity: str
    column: Column
    evidence: str
    action: str

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, got {self.severity!r}")

    @property
    def columns(self) -> tuple[str, ...]:
        """The column names involved, as a tuple (empty for table-level findings)."""
        if self.column is None:
            return ()
        return self.column if isinstance(self.column, tuple) else (self.column,)

    def to_dict(self) -> dict:
        column = list(self.column) if isinstance(self.column, tuple) else self.column
        return {"kind": self.kind, "severity": self.severity, "column": column,
                "evidence": self.evidence, "action": self.action}

    @classmethod
    def from_dict(cls, data: dict) -> "Finding":
        column = data.get("column")
        return cls(data["kind"], data["severity"], tuple(column) if isinstance(column, list) else column,
                   data["evidence"], data["action"])


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """Most severe first; stable within a severity, so related findings stay together."""
    return sorted(findings, key=lambda f: SEVERITIES.index(f.severity))


def leaked_columns(findings: Iterable[Finding]) -> list[str]:
    """Columns that give the target away: training drops them by default.

    >>> leaked_columns([Finding("target_leak", "critical", "alive", "AUC 1.00 alone", "dropped")])
    ['alive']
    """
    return _unique(name for f in findings if f.kind == TARGET_LEAK for name in f.columns)


def pii_columns(findings: Iterable[Finding]) -> list[str]:
    """Columns that hold personal data: excluded from training, their values masked in reports."""
    return _unique(name for f in findings if f.kind.startswith(PII_PREFIX) for name in f.columns)


def _unique(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


def percent(share: float) -> str:
    """A share as people read it: '0.4%', '12%', '100%'.

    >>> percent(0.004), percent(0.1234), percent(0.9997), percent(1.0)
    ('0.4%', '12%', '99.9%', '100%')
    """
    value = 100 * share
    if value == round(value) or 10 <= value < 99:
        return f"{value:.0f}%"
    if value >= 99:  # never round 99.97% up to a '100%' that would read as 'all'
        return f"{min(value, 99.9):.1f}%"
    return f"{value:.1f}%" if value >= 0.1 else f"{value:.2f}%"
