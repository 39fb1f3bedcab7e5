"""Perturbation tests: change one column of real rows and watch the prediction.

`invariance` sets a column the model should not care about to other values and bounds how
far the prediction moves; `directional` raises (or lowers) a number and requires that the
prediction does not move against the expected direction. Both compare the number in
``TestContext.outputs``: the positive-class probability of a binary model, the value of a
regressor, one chosen class's probability (or, for invariance, every class's) of a multiclass one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from mlwright.data.cleaning import to_numeric
from mlwright.errors import ConfigError
from mlwright.evaluate.model_tests.context import TestContext
from mlwright.evaluate.model_tests.fields import Body
from mlwright.evaluate.model_tests.result import NotMeasurable

#: Seen values an invariance test tries at most: the most frequent ones, or quantiles of a number.
MAX_VALUES = 20
#: Moves smaller than this are rounding in the blend of members, not a dependence.
_EPS = 1e-9


@dataclass(frozen=True)
class Invariance:
    """``invariance: {column, max_change, values, class}``."""

    kind: str
    name: str
    where: str
    column: str
    max_change: float
    values: tuple | None = None  #: None: the values seen in DATA
    class_: object = None
    needs_predictions: ClassVar[bool] = True

    @classmethod
    def from_spec(cls, kind: str, body: Body, name: str | None) -> "Invariance":
        column = body.text("column")
        max_change = body.number("max_change", minimum=0.0)
        values = body.values("values", required=False)
        class_ = body.raw("class")
        body.done()
        return cls(kind, name or f"invariance to {column}", body.where, column, max_change,
                   tuple(values) if values else None, class_)

    def validate(self, ctx: TestContext) -> None:
        ctx.require_column(self.column, f"{self.where}.column")
        if self.class_ is not None:
            ctx.class_index(self.class_, f"{self.where}.class")

    def run(self, ctx: TestContext) -> tuple[bool, str]:
        values = list(self.values) if self.values else seen_values(ctx.data[self.column])
        if len(values) < 2 and not self.values:
            raise NotMeasurable(f"{self.column!r} takes one value in DATA; list the ones to try in `values`.")
        class_index = None if self.class_ is None else ctx.class_index(self.class_, self.where)
        rows = ctx.sample
        base = ctx.outputs(rows, class_index)
        worst, at, to = -1.0, 0, values[0]
        for value in values:
            change = np.abs(ctx.outputs(rows.assign(**{self.column: value}), class_index) - base)
            change = change.max(axis=1) if change.ndim == 2 else change
            if len(change) and change.max() > worst:
                worst, at, to = float(change.max()), int(change.argmax()), value
        if worst < 0:
            raise NotMeasurable("DATA has no rows.")
        tried = f"over {len(values)} values x {len(rows)} rows; allowed {self.max_change:g}"
        if worst <= _EPS:
            return True, f"no prediction changed {tried}"
        before = rows[self.column].iloc[at] if self.column in rows.columns else None
        return worst <= self.max_change + _EPS, (
            f"largest change {worst:.4g} (row {_show(rows.index[at])}: {self.column} {_show(before)} -> "
            f"{_show(to)}) {tried}")


@dataclass(frozen=True)
class Directional:
    """``directional: {column, direction, by | factor, tolerance, class}``."""

    kind: str
    name: str
    where: str
    column: str
    increasing: bool
    by: float | None
    factor: float | None
    tolerance: float = 0.0
    class_: object = None
    needs_predictions: ClassVar[bool] = True

    @classmethod
    def from_spec(cls, kind: str, body: Body, name: str | None) -> "Directional":
        column = body.text("column")
        direction = body.text("direction", choices=("increasing", "decreasing"))
        how = body.one_of(("by", "factor"))
        amount = body.number(how)
        tolerance = body.number("tolerance", required=False, default=0.0, minimum=0.0)
        class_ = body.raw("class")
        body.done()
        step = f"+{amount:g}" if how == "by" else f"x{amount:g}"
        return cls(kind, name or f"{direction} in {column} ({step})", body.where, column, direction == "increasing",
                   amount if how == "by" else None, amount if how == "factor" else None, tolerance, class_)

    def validate(self, ctx: TestContext) -> None:
        ctx.require_column(self.column, f"{self.where}.column")
        if not to_numeric(ctx.data[self.column])[0].notna().any():
            raise ConfigError(f"{self.column!r} holds no numbers; a direction needs a numeric column.",
                              where=f"{self.where}.column", fix="name a numeric column, or use `invariance`.")
        if self.class_ is not None:
            ctx.class_index(self.class_, f"{self.where}.class")
        elif ctx.is_classifier and len(ctx.model.classes_) > 2:
            raise ConfigError("a multiclass model has one probability per class; say which must follow the column.",
                              where=f"{self.where}.class", fix=f"add `class:` with one of: "
                              f"{', '.join(map(str, ctx.model.classes_))}.")

    def run(self, ctx: TestContext) -> tuple[bool, str]:
        class_index = None if self.class_ is None else ctx.class_index(self.class_, self.where)
        rows = ctx.sample
        before = to_numeric(rows[self.column])[0]
        after = before + self.by if self.by is not None else before * self.factor
        moved = np.sign((after - before).fillna(0.0).to_numpy())
        if not moved.any():
            raise NotMeasurable(f"the change moves no value of {self.column!r} in the {len(rows)} rows scored.")
        change = ctx.outputs(rows.assign(**{self.column: after}), class_index) - ctx.outputs(rows, class_index)
        against = -change * moved * (1.0 if self.increasing else -1.0)  # > 0: moved the wrong way
        against[moved == 0] = 0.0
        worst = int(against.argmax())
        beyond = int((against > self.tolerance + _EPS).sum())
        direction = "increasing" if self.increasing else "decreasing"
        scored = f"{int((moved != 0).sum())} rows"
        if against[worst] <= _EPS:
            return True, f"no prediction moved against '{direction}' on {scored}"
        return beyond == 0, (
            f"{beyond} of {scored} moved against '{direction}' by more than {self.tolerance:g}; "
            f"worst {float(against[worst]):.4g} (row {_show(rows.index[worst])}: {self.column} "
            f"{_show(before.iloc[worst])} -> {_show(after.iloc[worst])})")


def seen_values(column: pd.Series) -> list:
    """The values an invariance test tries: all seen, or ``MAX_VALUES`` of them (quantiles of a
    number, the most frequent categories) when there are more."""
    present = column.dropna()
    distinct = pd.unique(present)
    if len(distinct) <= MAX_VALUES:
        return list(distinct)
    if column.dtype.kind in "fiub":
        return list(np.unique(np.quantile(present.to_numpy(dtype=float), np.linspace(0, 1, MAX_VALUES))))
    return list(present.value_counts().index[:MAX_VALUES])


def _show(value: object) -> str:
    """A value as a person reads it in a detail: 0.483655, 'Female', 1000."""
    value = value.item() if isinstance(value, np.generic) else value
    return f"{value:.6g}" if isinstance(value, float) else repr(value)
