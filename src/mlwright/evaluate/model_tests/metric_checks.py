"""Metric tests: a metric at least (or at most) a value, overall or on a slice, and the model
beating the trivial baseline.

Values come from ``mlwright.evaluate.scores``, the module the training report uses, so a test
and the report never disagree about what "recall" means: label metrics score the labels
``model.predict`` returns (its decision threshold applied), probability metrics score
``model.predict_proba``. Binary precision, recall and F1 are of the positive (second) class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from mlwright.errors import ConfigError
from mlwright.evaluate.held_out import baseline_prediction
from mlwright.evaluate.model_tests.context import TestContext
from mlwright.evaluate.model_tests.fields import Body
from mlwright.evaluate.model_tests.result import NotMeasurable
from mlwright.evaluate.model_tests.slices import Slice
from mlwright.evaluate.scores import GREATER_IS_BETTER, metric_names, metric_value

#: How a bound reads in a default name and in a detail.
_SIGN = {"minimum": ">=", "maximum": "<="}


def check_metric_name(metric: str, where: str) -> None:
    if metric not in GREATER_IS_BETTER:
        raise ConfigError(f"unknown metric {metric!r}.", where=where,
                          fix=f"use one of: {', '.join(GREATER_IS_BETTER)}.")


def check_metric_task(metric: str, ctx: TestContext, where: str) -> None:
    allowed = metric_names(ctx.model.task)
    if metric not in allowed:
        raise ConfigError(f"{metric} does not apply to this {ctx.model.task.value} model.", where=where,
                          fix=f"use one of: {', '.join(allowed)}.")


def measure(ctx: TestContext, metric: str, rows: np.ndarray) -> tuple[float, int]:
    """``metric`` of the model on the labelled rows among ``rows``, and how many there were."""
    y, labelled = ctx.truth()
    rows = rows & labelled
    count = int(rows.sum())
    if count == 0:
        raise NotMeasurable("no labelled rows to measure on.")
    predictions = ctx.predictions
    labels = None if predictions.labels is None else predictions.labels[rows]
    value = metric_value(metric, ctx.model.task, y[rows], predictions.scores[rows], labels)
    if value is None:
        raise NotMeasurable(f"{metric} is undefined on these {count} rows (one class only, or a zero actual for mape).")
    return value, count


@dataclass(frozen=True)
class MetricBound:
    """``minimum: {metric, value, slice}`` or ``maximum: {...}`` for metrics where lower is better."""

    kind: str
    name: str
    where: str
    metric: str
    value: float
    slice: Slice | None = None
    needs_predictions: ClassVar[bool] = True

    @classmethod
    def from_spec(cls, kind: str, body: Body, name: str | None) -> "MetricBound":
        metric = body.text("metric")
        check_metric_name(metric, body.at("metric"))
        if GREATER_IS_BETTER[metric] != (kind == "minimum"):
            other = "maximum" if kind == "minimum" else "minimum"
            better = "higher" if GREATER_IS_BETTER[metric] else "lower"
            raise ConfigError(f"{better} {metric} is better, so a {kind} of it would pass worse models.",
                              where=body.at("metric"), fix=f"write `{other}: {{metric: {metric}, value: ...}}`.")
        value = body.number("value")
        slice_body = body.mapping("slice")
        slice_ = Slice.from_spec(slice_body) if slice_body is not None else None
        body.done()
        on = f" on {slice_.describe()}" if slice_ else ""
        return cls(kind, name or f"{metric} {_SIGN[kind]} {value:g}{on}", body.where, metric, value, slice_)

    def validate(self, ctx: TestContext) -> None:
        check_metric_task(self.metric, ctx, f"{self.where}.metric")
        if self.slice is not None:
            self.slice.validate(ctx.data, ctx.require_column)

    def run(self, ctx: TestContext) -> tuple[bool, str]:
        rows = np.ones(len(ctx.data), dtype=bool)
        on = ""
        if self.slice is not None:
            rows = self.slice.mask(ctx.data)
            on = f" where {self.slice.describe()}"
            if not rows.any():
                raise NotMeasurable(f"no row has {self.slice.describe()} (seen: {self.slice.seen(ctx.data)}).")
        value, count = measure(ctx, self.metric, rows)
        passed = value >= self.value if self.kind == "minimum" else value <= self.value
        return passed, f"{self.metric} = {value:.4f} on {count} rows{on}; {self.kind} {self.value:g}"


@dataclass(frozen=True)
class BeatsBaseline:
    """``beats_baseline: {metric}``: better than predicting the class shares (or the mean) of DATA.

    The baseline is given the label distribution of DATA itself, the strongest constant
    prediction there is, so beating it shows the model learned something from the features.
    """

    kind: str
    name: str
    where: str
    metric: str | None = None  #: None: the metric the model was trained for
    needs_predictions: ClassVar[bool] = True

    @classmethod
    def from_spec(cls, kind: str, body: Body, name: str | None) -> "BeatsBaseline":
        metric = body.text("metric", required=False)
        if metric is not None:
            check_metric_name(metric, body.at("metric"))
        body.done()
        return cls(kind, name or f"beats the baseline{f' on {metric}' if metric else ''}", body.where, metric)

    def validate(self, ctx: TestContext) -> None:
        check_metric_task(self.metric or ctx.model.metric, ctx, f"{self.where}.metric")

    def run(self, ctx: TestContext) -> tuple[bool, str]:
        metric = self.metric or ctx.model.metric
        value, count = measure(ctx, metric, np.ones(len(ctx.data), dtype=bool))
        y, labelled = ctx.truth()
        y = y[labelled]
        scores = baseline_prediction(ctx.model.task, y, len(y), len(ctx.model.classes_))
        what = "class shares" if ctx.is_classifier else "mean"
        baseline = metric_value(metric, ctx.model.task, y, scores)  # argmax labels: the majority class
        if baseline is None:
            raise NotMeasurable(f"{metric} of the baseline is undefined on these {count} rows.")
        passed = value > baseline if GREATER_IS_BETTER[metric] else value < baseline
        return passed, f"{metric} = {value:.4f} vs {baseline:.4f} predicting the {what} of DATA, on {count} rows"
