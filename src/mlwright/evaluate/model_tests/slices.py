"""Slices of the data a metric test can be restricted to: `equals`, `in` or `between`.

Values are matched as the data holds them: numerically in a numeric column (so YAML's `1`
matches a CSV's `1.0`), as cleaned text otherwise (so `Female` matches ` Female`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlwright.data.cleaning import clean_text, number_value, to_numeric
from mlwright.errors import ConfigError
from mlwright.evaluate.model_tests.fields import Body

_HOW = ("equals", "in", "between")


@dataclass(frozen=True)
class Slice:
    """Rows whose ``column`` equals one of ``values``, or lies in ``[low, high]`` for `between`."""

    column: str
    how: str
    values: tuple
    where: str

    @classmethod
    def from_spec(cls, body: Body) -> "Slice":
        column = body.text("column")
        how = body.one_of(_HOW)
        if how == "equals":
            values = (body.raw("equals", required=True),)
        elif how == "in":
            values = tuple(body.values("in"))
        else:
            low, high = body.values("between", length=2)
            values = (_bound(low, body, 0), _bound(high, body, 1))
        body.done()
        return cls(column, how, values, body.where)

    def validate(self, data: pd.DataFrame, require_column) -> None:
        """Before any test runs: the column exists and the values can be compared with it."""
        require_column(self.column, f"{self.where}.column")
        self.mask(data)

    def describe(self) -> str:
        if self.how == "equals":
            return f"{self.column} = {self.values[0]}"
        if self.how == "in":
            return f"{self.column} in [{', '.join(map(str, self.values))}]"
        return f"{self.column} between {self.values[0]:g} and {self.values[1]:g}"

    def mask(self, data: pd.DataFrame) -> np.ndarray:
        """Which rows belong to the slice (the column was checked to exist before)."""
        column = data[self.column]
        if self.how == "between":
            numbers = to_numeric(column)[0].to_numpy()
            return (numbers >= self.values[0]) & (numbers <= self.values[1])
        if column.dtype.kind in "fiub":
            wanted = [number_value(v) for v in self.values]
            if any(w != w for w in wanted):
                raise ConfigError(f"{self.column!r} holds numbers; {list(self.values)} are not all numbers.",
                                  where=self.where, fix="compare a numeric column with numbers.")
            return column.astype(float).isin(wanted).to_numpy()
        return clean_text(column).isin([str(v).strip() for v in self.values]).to_numpy()

    def seen(self, data: pd.DataFrame, limit: int = 5) -> str:
        """A few values of the column, to say what a slice that selects nothing could have matched."""
        values = data[self.column].dropna().astype(str).str.strip().value_counts().index[:limit]
        return ", ".join(values)


def _bound(value: object, body: Body, position: int) -> float:
    number = number_value(value) if not isinstance(value, bool) else float("nan")
    if number != number:
        raise body.wrong("between", "two numbers [low, high]", value)
    return number
