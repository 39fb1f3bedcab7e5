"""The report's interactive figures: Plotly figures from the evaluation record, small and escaped.

Each figure is a :class:`Plot` placed in one report section. The page inlines plotly.js once (the
cartesian partial bundle vendored in ``report/vendor``) and draws every figure from one JSON block,
so the file opens from disk with no network. Curves are thinned to :data:`CURVE_POINTS` points and
scatters to :data:`SCATTER_POINTS`, which keeps the page small whatever the record holds.

Data strings (column, class and group names) go through :func:`_text` before they reach Plotly:
Plotly reads a small HTML subset in labels, so ``<b>`` in a column name would turn bold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import plotly.graph_objects as go

from mlwright.errors import MlwrightError
from mlwright.report import facts

CURVE_POINTS = 300
SCATTER_POINTS = 2000
SHOWN_FEATURES = 15
_COLOURS = ("#5b8def", "#e8833a", "#3aa67a", "#a35bd6", "#637083")
_GRID = dict(gridcolor="#e6eaf0", zeroline=False, linecolor="#b8c1cc", showline=True, automargin=True)
_GUIDE = dict(color="#9aa5b1", dash="dot", width=1)
_PLOTLY_BUNDLE = ("vendor", "plotly-cartesian.min.js")


@dataclass(frozen=True)
class Plot:
    """One figure of the report: ``name`` is its stable id (``data-plot``) within ``section``."""

    name: str
    section: str
    title: str
    caption: str
    figure: go.Figure


@lru_cache(maxsize=1)
def plotly_js() -> str:
    """plotly.js's cartesian partial bundle, vendored with mlwright (``report/vendor/README.md``).

    Every page inlines it, so it opens from disk and fetches nothing. The figures draw only
    scatter, bar and histogram traces, all in this 1.5 MB bundle; the full one that the plotly
    package ships is 4.7 MB, nearly all of each page. A missing file is a broken install and an
    error: falling back to a CDN would break the promise that the page needs no network.
    """
    bundle = resources.files("mlwright.report").joinpath(*_PLOTLY_BUNDLE)
    try:
        return bundle.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise MlwrightError("the plotly.js bundle that every report inlines is missing.",
                            where=str(bundle),
                            fix="reinstall mlwright (pip install --force-reinstall mlwright); "
                                "a build from source must keep report/vendor in its package data") from None


def build_plots(evaluation: facts.Record) -> list[Plot]:
    """Every figure the record has data for, in page order; a figure without data is left out."""
    builders = (_roc, _pr, _threshold, _calibration, _residuals, _predicted_actual, _importance, _shap)
    plots = [plot for build in builders if (plot := build(evaluation)) is not None]
    return plots + _dependence(evaluation)


def figures_json(plots: list[Plot]) -> str:
    """``{name: {"data", "layout"}}`` as JSON that is safe inside a ``<script>`` element."""
    body = ",".join(f"{json.dumps(p.name)}:{p.figure.to_json(validate=False, pretty=False)}" for p in plots)
    text = "{" + body + "}"
    # outside strings JSON has no <, > or &; inside them the \u escapes read back the same
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _text(value: object) -> str:
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _thin(limit: int, *columns: list) -> list[list]:
    """Every column cut to ``limit`` evenly spaced points, the first and last kept."""
    size = min((len(c) for c in columns), default=0)
    if size <= limit:
        return [list(c[:size]) for c in columns]
    picks = sorted({round(i * (size - 1) / (limit - 1)) for i in range(limit)})
    return [[c[i] for i in picks] for c in columns]


def _figure(traces: list, *, x: str, y: str, height: int = 340, square: bool = False, **layout) -> go.Figure:
    figure = go.Figure(data=traces)
    figure.update_layout(
        template="none", height=height, margin=dict(l=10, r=12, t=12, b=10), autosize=True,
        font=dict(family="system-ui, -apple-system, Segoe UI, sans-serif", size=12, color="#1d2430"),
        legend=dict(orientation="h", yanchor="top", y=-0.22, x=0), hovermode="closest",
        xaxis=dict(title=dict(text=x), **_GRID), yaxis=dict(title=dict(text=y), **_GRID), **layout)
    if square:
        figure.update_xaxes(range=[-0.01, 1.01])
        figure.update_yaxes(range=[-0.01, 1.01])
    return figure


def _diagonal(name: str) -> go.Scatter:
    return go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name=name, line=_GUIDE, hoverinfo="skip")


def _line(name: str, x: list, y: list, colour: int, mode: str = "lines", **extra) -> go.Scatter:
    return go.Scatter(x=x, y=y, mode=mode, name=_text(name), line=dict(color=_COLOURS[colour % 5], width=2),
                      **extra)


def _sets_with(evaluation: facts.Record, name: str) -> list[tuple[int, dict, dict]]:
    sets = enumerate(facts.evaluation_sets(evaluation))
    return [(i, s, facts.curve(s, name)) for i, s in sets if facts.curve(s, name)]


def _roc(evaluation: facts.Record) -> Plot | None:
    sets = _sets_with(evaluation, "roc")
    if not sets:
        return None
    traces = [_diagonal("guessing")]
    for i, evaluation_set, roc in sets:
        fpr, tpr = _thin(CURVE_POINTS, facts.items(roc, "fpr"), facts.items(roc, "tpr"))
        auc = f" (AUC {roc['auc']:.3f})" if isinstance(roc.get("auc"), (int, float)) else ""
        traces.append(_line(f"{evaluation_set.get('set', 'held-out')}{auc}", fpr, tpr, i))
    figure = _figure(traces, x="false positive rate (negatives flagged)", y="true positive rate",
                     square=True)
    return Plot("roc", "curves", "ROC curve", "The higher and further left the curve, the better the model "
                "separates the two answers; the dotted line is guessing.", figure)


def _pr(evaluation: facts.Record) -> Plot | None:
    sets = _sets_with(evaluation, "pr")
    if not sets:
        return None
    traces = []
    for i, evaluation_set, pr in sets:
        recall, precision = _thin(CURVE_POINTS, facts.items(pr, "recall"), facts.items(pr, "precision"))
        ap = f" (AP {pr['average_precision']:.3f})" if isinstance(pr.get("average_precision"), (int, float)) else ""
        traces.append(_line(f"{evaluation_set.get('set', 'held-out')}{ap}", recall, precision, i))
        if isinstance(pr.get("prevalence"), (int, float)) and i == sets[0][0]:
            traces.insert(0, go.Scatter(x=[0, 1], y=[pr["prevalence"]] * 2, mode="lines", line=_GUIDE,
                                        name=f"guessing (prevalence {pr['prevalence']:.3f})", hoverinfo="skip"))
    figure = _figure(traces, x="recall (true cases found)", y="precision",
                     square=True)
    return Plot("pr", "curves", "Precision and recall", "Each point is one cut-off: finding more true cases "
                "(right) costs precision (down).", figure)


def _threshold(evaluation: facts.Record) -> Plot | None:
    threshold = facts.part(evaluation, "threshold")
    curve = facts.part(threshold, "curve")
    if not facts.items(curve, "threshold"):
        return None
    cut, precision, recall, f1 = _thin(CURVE_POINTS, *(facts.items(curve, k) for k in ("threshold", "precision",
                                                                                       "recall", "f1")))
    traces = [_line("precision", cut, precision, 0), _line("recall", cut, recall, 1), _line("F1", cut, f1, 2)]
    figure = _figure(traces, x="cut-off on the predicted chance", y="value", square=True)
    chosen, default = threshold.get("value"), threshold.get("default_value")
    for value, label, dash in ((chosen, "chosen", "solid"), (default, "default", "dot")):
        if isinstance(value, (int, float)):
            # the label sits on the side away from the other line, so the two never overlap
            side = "left" if label == "chosen" and isinstance(default, (int, float)) and value < default else "right"
            figure.add_vline(x=value, line=dict(color="#1d2430", dash=dash, width=1), annotation_position=f"top {side}",
                             annotation=dict(text=f"{label} {value:.2f}", font=dict(size=11)))
    return Plot("threshold", "threshold", "Precision, recall and F1 by cut-off",
                "The solid line marks the cut-off the model uses, the dotted one the usual 0.5.", figure)


def _calibration(evaluation: facts.Record) -> Plot | None:
    calibration = facts.part(evaluation, "calibration")
    method = calibration.get("method") or "calibration"
    series = [(f"{s.get('set', 'held-out')} (final model)", c) for _, s, c in _sets_with(evaluation, "calibration")]
    series += [(name, facts.part(calibration, key)) for name, key in (
        ("before calibration", "reliability_before"), (f"after {method}", "reliability_after"))]
    traces = [_diagonal("perfectly calibrated")]
    for i, (name, reliability) in enumerate((n, r) for n, r in series if facts.items(r, "predicted")):
        predicted, observed = facts.items(reliability, "predicted"), facts.items(reliability, "observed")
        counts = facts.items(reliability, "count") or [None] * len(predicted)
        traces.append(_line(name, predicted, observed, i, mode="lines+markers", customdata=counts,
                            hovertemplate="stated %{x:.2f}<br>happened %{y:.2f}<br>%{customdata} rows"))
    if len(traces) == 1:
        return None
    stated = "predicted chance of the positive class" if facts.task(evaluation) == "binary" else "confidence"
    figure = _figure(traces, x=stated, y="share that happened", square=True)
    return Plot("calibration", "calibration", "Stated chance against what happened",
                "Points on the dotted diagonal mean the stated chances can be taken at face value.", figure)


def _residual_points(evaluation: facts.Record) -> tuple[list, list, list] | None:
    residuals = facts.curve(facts.primary_set(evaluation), "residuals")
    columns = [facts.items(residuals, k) for k in ("predicted", "actual", "residual")]
    return tuple(_thin(SCATTER_POINTS, *columns)) if columns[0] else None


def _scatter(x: list, y: list) -> go.Scatter:
    return go.Scatter(x=x, y=y, mode="markers", name="rows", showlegend=False,
                      marker=dict(color=_COLOURS[0], size=4, opacity=0.45))


def _residuals(evaluation: facts.Record) -> Plot | None:
    points = _residual_points(evaluation)
    if points is None:
        return None
    predicted, _, residual = points
    figure = _figure([_scatter(predicted, residual)], x="predicted", y="residual (actual minus predicted)")
    figure.add_hline(y=0, line=_GUIDE)
    return Plot("residuals", "curves", "Residuals", "Errors should scatter evenly around zero at every "
                "predicted value; a funnel or a bend shows where the model is off.", figure)


def _predicted_actual(evaluation: facts.Record) -> Plot | None:
    points = _residual_points(evaluation)
    if points is None:
        return None
    predicted, actual, _ = points
    values = [v for v in predicted + actual if isinstance(v, (int, float))]
    figure = _figure([_scatter(predicted, actual)], x="predicted", y="actual")
    if values:
        low, high = min(values), max(values)
        figure.add_trace(go.Scatter(x=[low, high], y=[low, high], mode="lines", line=_GUIDE, name="perfect",
                                    hoverinfo="skip"))
    return Plot("predicted-actual", "curves", "Predicted against actual",
                "Points on the dotted line are predicted exactly.", figure)


def _bars(rows: list[tuple[str, float, float | None]], x: str) -> go.Figure:
    shown = sorted(rows, key=lambda r: r[1])[-SHOWN_FEATURES:]
    errors = [r[2] for r in shown]
    spread = dict(type="data", array=errors, color="#637083") if any(e is not None for e in errors) else None
    bar = go.Bar(x=[r[1] for r in shown], y=[_text(r[0]) for r in shown], orientation="h",
                 marker=dict(color=_COLOURS[0]), name=x, error_x=spread)
    return _figure([bar], x=x, y="", height=max(200, 90 + 24 * len(shown)), showlegend=False)


def _importance(evaluation: facts.Record) -> Plot | None:
    importance = facts.part(evaluation, "importance")
    rows = [(r.get("column"), r.get("importance"), r.get("std")) for r in facts.items(importance, "permutation")
            if isinstance(r.get("importance"), (int, float))]
    if not rows:
        return None
    metric = importance.get("metric") or "the score"
    sample = importance.get("permutation_rows")
    sampled = (f", {sample:,} of them drawn at random, {importance.get('repeats')} shuffles each"
               if isinstance(sample, int) else "")
    return Plot("importance", "importance", "Permutation importance",
                f"How much worse {metric} gets when one column is shuffled (bars: mean, whiskers: spread over "
                f"repeats); measured on {importance.get('on') or 'held-out rows'}{sampled}.",
                _bars(rows, f"{metric} worsens by"))


def _shap(evaluation: facts.Record) -> Plot | None:
    shap = facts.items(facts.part(evaluation, "importance"), "shap")
    rows = [(r.get("column"), r.get("mean_abs"), None) for r in shap if isinstance(r.get("mean_abs"), (int, float))]
    if not rows:
        return None
    sample = facts.part(evaluation, "importance").get("shap_rows")
    on = f" (over {sample:,} rows drawn at random)" if isinstance(sample, int) else ""
    return Plot("shap", "importance", "Mean absolute SHAP value",
                f"How far, on average, each column moves a single prediction{on}.", _bars(rows, "mean |SHAP|"))


def _dependence(evaluation: facts.Record) -> list[Plot]:
    plots = []
    for i, entry in enumerate(facts.items(evaluation, "dependence")):
        grid, average = _thin(CURVE_POINTS, facts.items(entry, "grid"), facts.items(entry, "average"))
        if not grid:
            continue
        output = str(entry.get("output") or "average prediction")
        if entry.get("kind") == "categorical":
            trace = go.Bar(x=[_text(g) for g in grid], y=average, marker=dict(color=_COLOURS[0]), name=_text(output))
        else:
            trace = _line(output, grid, average, 0, mode="lines+markers")
        figure = _figure([trace], x=_text(entry.get("column")), y=_text(output), height=300, showlegend=False)
        if entry.get("kind") == "categorical":
            figure.update_xaxes(type="category")
        plots.append(Plot(f"dependence-{i}", "dependence", str(entry.get("column")),
                          f"Average {output} as {entry.get('column')} changes, other columns as they are.", figure))
    return plots
