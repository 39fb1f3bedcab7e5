"""A card: the one shape every notebook display takes, rendered by one template.

Each object says what matters about it as facts (label, value), a few small tables and notes;
the template owns the look. Plain HTML with its own scoped style: no script, no network, so a
notebook saved with its outputs shows the same card anywhere, and a value is always escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pandas as pd

from mlwright.report import wording

#: Rows shown of a table in a card; the rest is counted, not shown.
TABLE_ROWS = 8


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Any]]
    hidden: int = 0  # rows left out
    marked: list[bool] = field(default_factory=list)  # per row: its values differ (a comparison)

    @classmethod
    def of(cls, caption: str, frame: pd.DataFrame, most: int = TABLE_ROWS) -> "Table":
        shown = frame.head(most)
        return cls(caption, [str(c) for c in shown.columns], [[_cell(v) for v in row] for row in shown.itertuples(index=False)],
                   max(len(frame) - most, 0))


@dataclass
class Card:
    title: str
    kind: str
    facts: list[tuple[str, Any]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: "good", "warning" or "bad": the colour of the headline fact, when there is a verdict.
    tone: str | None = None

    def html(self) -> str:
        return _template().render(card=self)


def number(value: Any) -> str:
    """A figure as the reports word it (``report.wording``); "—" for nothing, yes or no for a flag."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return wording.count(value)
    if isinstance(value, float):
        return wording.score(value)
    return str(value)


@cache
def _template():
    from jinja2 import Environment, PackageLoader

    environment = Environment(loader=PackageLoader("mlwright.display", "templates"), autoescape=True,
                              trim_blocks=True, lstrip_blocks=True)
    environment.filters["number"] = number
    return environment.get_template("card.html.j2")


def _cell(value: Any) -> str:
    return number(value) if isinstance(value, (int, float, bool)) or value is None else str(value)
