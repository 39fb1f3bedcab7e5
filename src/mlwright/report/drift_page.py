"""The drift page of ``mlwright monitor ... -o drift.html``: one self-contained HTML file.

It is read by two audiences. The top says in plain words whether the model's inputs, predictions
and performance moved and what to do, for managers and analysts; below it, the per-feature
statistics, drift over time and histograms are there for the engineer who acts on it.

The page is rendered from the monitor's report dict (documented in :func:`render_drift_page`) and
the store's history of checks (:meth:`mlwright.registry.drift_log.DriftLog.history`), so it can be
rebuilt without the model or the data. Like the training report it inlines plotly.js once and draws
every figure from one JSON block: it opens from disk with nothing fetched. Every data string is
escaped, by Jinja's autoescape in the HTML and by :func:`plots._text` in Plotly labels. Histories
are cut to the last :data:`SHOWN_CHECKS` checks, which keeps the file small however long a
model has been watched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mlwright import __version__
from mlwright.files import write_text_atomic
from mlwright.report import wording
from mlwright.report.facts import items, part
from mlwright.report.plots import Plot, _figure, _text, figures_json, plotly_js
from mlwright.report.wording import _finite

SHOWN_CHECKS = 100
SHOWN_LINES = 8
SHOWN_HISTOGRAMS = 12
SHOWN_BINS = 40
SHOWN_NEW_CATEGORIES = 5
#: verdict -> (headline, what to do); the page's first words, so they avoid statistics jargon
VERDICTS = {
    "stable": ("No drift that matters",
               "The new data looks like the data the model learned from. Nothing to do: keep checking on schedule."),
    "warning": ("Some drift: worth a look",
                "Part of the new data differs from the training data, not yet enough to act. Look at the "
                "features marked below, check again soon, and plan a retrain if the drift grows."),
    "action": ("Drift that needs action",
               "The new data differs from the training data enough that the model's answers may no longer "
               "hold. Retrain on recent data, or find out why the marked features changed, before relying "
               "on its predictions."),
}
STATISTICS = {"wasserstein": "Wasserstein distance", "jensen_shannon": "Jensen-Shannon distance",
              "psi": "population stability index", "ks": "Kolmogorov-Smirnov statistic"}
#: the same, short enough for a table cell
STATISTICS_SHORT = {"wasserstein": "Wasserstein", "jensen_shannon": "Jensen-Shannon", "psi": "PSI", "ks": "KS"}
_STATUS_VERDICTS = ("stable", "warning", "action")
_HISTORY_COLUMNS = ("check_id", "checked_at", "model_version", "feature", "kind", "statistic", "value", "verdict")
_MODEL_SIDE = ("prediction", "performance")
_PALETTE = ("#5b8def", "#e8833a", "#3aa67a", "#a35bd6", "#d6455b", "#2bb3c0", "#b08b2e", "#637083",
            "#e05fb5", "#7a9a2f")
_LEVELS = {"warning": "#d99a00", "action": "#c0392b"}
_REFERENCE, _CURRENT = "#9aa5b1", "#e8833a"
_MARKED_POINTS = 30  # up to this many checks each one is marked; beyond, markers only clutter the line


def _shown(format_):
    """A number filter that leaves unrecorded values as None, which the page prints as a dash."""
    return lambda value, *args: None if _finite(value) is None else format_(value, *args)


def p_value(value: object) -> str | None:
    """A p-value as statisticians read it: exponent form once it is tiny.

    >>> p_value(2.3e-9), p_value(0.0412), p_value(None)
    ('2.3e-09', '0.041', None)
    """
    x = _finite(value)
    if x is None:
        return None
    return f"{x:.1e}" if 0 < x < 0.001 else f"{x:.3f}" if x else "0"


def when(text: object) -> str:
    """An ISO time as a person reads it, in UTC.

    >>> when("2026-11-22T11:30:00+01:00"), when(None)
    ('2026-11-22 10:30 UTC', 'not recorded')
    """
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return str(text or wording.MISSING)
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


_ENVIRONMENT = Environment(loader=PackageLoader("mlwright.report", "templates"),
                           autoescape=select_autoescape(default=True, default_for_string=True),
                           trim_blocks=True, lstrip_blocks=True,
                           finalize=lambda value: "—" if value is None else value)
_ENVIRONMENT.filters.update(number=_shown(wording.number), score=_shown(wording.score), count=_shown(wording.count),
                            percent=_shown(wording.percent), p_value=p_value, when=when,
                            signed=_shown(lambda value: f"{value:+.3f}"),
                            signed_percent=_shown(lambda value: f"{100 * value:+.1f}%"))


def write_drift_page(path: str | os.PathLike[str], report: Mapping, history: pd.DataFrame | None) -> Path:
    """Write the drift page of ``report`` with its ``history`` to ``path``, atomically."""
    return write_text_atomic(path, render_drift_page(report, history))


def render_drift_page(report: Mapping, history: pd.DataFrame | None) -> str:
    """The HTML page of one drift check.

    ``report`` is the monitor's check: ``model``, ``model_name``, ``model_version``, ``checked_at``
    (ISO), ``rows``, ``reference_rows``, ``current`` and ``reference`` (``{"kind", "where"}``),
    ``status`` (0, 1, 2), ``verdict`` ("stable", "warning", "action"), ``reasons`` (sentences),
    ``features`` (most severe first: ``feature``, ``kind``, ``statistic``, ``value``,
    ``warning_at``, ``action_at``, ``test``, ``p_value``, ``psi``, ``weight``, ``verdict`` (or
    "ignored"), ``note``, ``missing_rate``, ``reference_missing_rate``, ``new_category_rate``,
    ``new_categories``, ``histogram`` ``{"labels", "reference", "current"}``), ``prediction`` (a
    feature called "prediction") or None, ``performance`` (``metric``, ``training``, ``current``,
    ``ci_low``, ``ci_high``, ``change``, ``relative_change``, ``verdict``, ``rows``,
    ``higher_is_better``) or None, and ``settings``. ``history`` holds one row per stored check and
    feature, oldest first, the current check included; empty or None draws the current check alone.
    """
    verdict = _verdict(report)
    features = [_feature_view(f) for f in items(report, "features") if isinstance(f, Mapping)]
    prediction = _feature_view(part(report, "prediction")) if part(report, "prediction") else None
    frame, known_checks = _recent_history(report, history)
    trend = _trend_plots(frame, report)
    baseline = "training" if part(report, "reference").get("kind", "training") == "training" else "reference"
    histograms = [p for i, f in enumerate(features) if f["verdict"] in ("warning", "action")
                  if (p := _histogram(f, f"histogram-{i}", baseline)) is not None]
    prediction_plot = _histogram(prediction, "prediction-histogram", baseline) if prediction else None
    plots = trend + histograms[:SHOWN_HISTOGRAMS] + ([prediction_plot] if prediction_plot else [])
    context = dict(
        report=report, verdict=verdict, headline=VERDICTS.get(verdict, ("Drift check", ""))[0],
        advice=VERDICTS.get(verdict, ("", ""))[1], reasons=[str(r) for r in items(report, "reasons")],
        model=_model_words(report), current=part(report, "current"), reference=part(report, "reference"),
        moved=_what_moved(features, prediction, part(report, "performance")), features=features,
        prediction=prediction, prediction_plot=prediction_plot, performance=part(report, "performance"),
        baseline=baseline, trend=trend, known_checks=known_checks, histograms=histograms[:SHOWN_HISTOGRAMS],
        more_histograms=max(0, len(histograms) - SHOWN_HISTOGRAMS), settings=_settings_rows(part(report, "settings")),
        shown_checks=SHOWN_CHECKS, version=__version__,
        plot_json=Markup(figures_json(plots)), plotly_js=Markup(plotly_js()))
    return _ENVIRONMENT.get_template("drift.html.j2").render(context)


def _verdict(report: Mapping) -> str:
    verdict = report.get("verdict")
    if verdict in VERDICTS:
        return verdict
    status = report.get("status")
    return _STATUS_VERDICTS[status] if isinstance(status, int) and 0 <= status < 3 else "unknown"


def _model_words(report: Mapping) -> str:
    name, version = report.get("model_name"), report.get("model_version")
    if name:
        return f"{name} version {version}" if version is not None else str(name)
    return str(report.get("model") or "unnamed model")


def _feature_view(feature: Mapping) -> dict:
    view = dict(feature, verdict=str(feature.get("verdict") or "stable"))
    statistic = str(feature.get("statistic") or "")
    view["statistic_words"] = STATISTICS.get(statistic, statistic.replace("_", " ") or None)
    view["statistic_short"] = STATISTICS_SHORT.get(statistic, view["statistic_words"])
    new = [str(c) for c in items(feature, "new_categories")]
    view["new_categories"] = new[:SHOWN_NEW_CATEGORIES]
    view["more_new_categories"] = max(0, len(new) - SHOWN_NEW_CATEGORIES)
    # a rise of a point or more in missing values is worth a second look even when the values hold still
    before, now = (_finite(feature.get(k)) or 0 for k in ("reference_missing_rate", "missing_rate"))
    view["missing_rose"] = now > before + 0.01
    return view


def _what_moved(features: list[dict], prediction: dict | None, performance: dict) -> list[tuple[str, str, str]]:
    """(part, verdict, sentence) for inputs, predictions and performance: the plain-words answer to "did it move"."""
    checked = [f for f in features if f["verdict"] != "ignored"]
    drifted = [f for f in checked if f["verdict"] in ("warning", "action")]
    worst = "action" if any(f["verdict"] == "action" for f in drifted) else "warning" if drifted else "stable"
    ignored = len(features) - len(checked)
    inputs = (f"{len(drifted)} of {len(checked)} checked features moved: "
              f"{wording.join_words([str(f.get('feature')) for f in drifted[:5]])}"
              f"{f' and {len(drifted) - 5} more' if len(drifted) > 5 else ''}." if drifted
              else f"None of the {len(checked)} checked features moved enough to matter." if checked
              else "No input feature was checked.")
    if ignored:
        inputs += f" {ignored} {'feature was' if ignored == 1 else 'features were'} not counted (see the table)."
    moved = [("Inputs", worst, inputs)]
    if prediction:
        shifted = prediction["verdict"] in ("warning", "action")
        moved.append(("Predictions", prediction["verdict"],
                      f"The model's predictions {'moved' if shifted else 'did not move much'}: "
                      f"{prediction['statistic_words'] or 'drift'} {wording.number(prediction.get('value'))}."))
    else:
        moved.append(("Predictions", "unknown", "Not checked."))
    moved.append(("Performance", *_performance_words(performance)))
    return moved


def _performance_words(performance: dict) -> tuple[str, str]:
    if not performance:
        return "unknown", "Not measured: the new data has no known outcomes to score the model against."
    metric, change = performance.get("metric") or "the score", _finite(performance.get("change"))
    better = performance.get("higher_is_better", True)
    direction = "held steady" if not change else ("improved" if (change > 0) == bool(better) else "got worse")
    return (str(performance.get("verdict") or "unknown"),
            f"{metric} {direction}: {wording.score(performance.get('training'))} at training, "
            f"{wording.score(performance.get('current'))} now.")


def _settings_rows(settings: Mapping, prefix: str = "") -> list[tuple[str, str | None]]:
    """Nested settings as ``(dotted.key, value)`` rows; lists and odd values as JSON text."""
    rows = []
    for key, value in settings.items():
        if isinstance(value, Mapping) and value:
            rows += _settings_rows(value, f"{prefix}{key}.")
        else:
            text = value if isinstance(value, str) or value is None else json.dumps(value, default=str)
            rows.append((f"{prefix}{key}", text))
    return rows


def _recent_history(report: Mapping, history: pd.DataFrame | None) -> tuple[pd.DataFrame, int]:
    """The last :data:`SHOWN_CHECKS` checks of ``history``, times in UTC, with how many checks it
    holds; without a stored history, the current check alone, so the trend still shows one point."""
    needed = {"checked_at", "feature", "value"}
    if history is None or history.empty or not needed <= set(history.columns):
        history = _current_check(report)
    frame = history.reindex(columns=list(dict.fromkeys([*history.columns, *_HISTORY_COLUMNS])))
    # SQLite hands times back without their zone; they were stored in UTC
    frame["checked_at"] = pd.to_datetime(frame["checked_at"], utc=True)
    key = "check_id" if frame["check_id"].notna().all() else "checked_at"
    kept = frame[key].drop_duplicates().tail(SHOWN_CHECKS)
    frame = frame[frame[key].isin(kept) & frame["value"].map(lambda v: _finite(v) is not None)]
    return frame.sort_values("checked_at", kind="stable"), len(kept)


def _current_check(report: Mapping) -> pd.DataFrame:
    rows = [dict(feature=f.get("feature"), kind=f.get("kind"), statistic=f.get("statistic"), value=f.get("value"),
                 verdict=f.get("verdict")) for f in items(report, "features") + [part(report, "prediction")] if f]
    performance = part(report, "performance")
    if performance:
        rows.append(dict(feature="performance", kind="performance", statistic=performance.get("metric"),
                         value=performance.get("current"), verdict=performance.get("verdict")))
    frame = pd.DataFrame(rows, columns=["feature", "kind", "statistic", "value", "verdict"])
    return frame.assign(check_id=0, checked_at=report.get("checked_at") or datetime.now(timezone.utc),
                        model_version=report.get("model_version"))


def _trend_plots(frame: pd.DataFrame, report: Mapping) -> list[Plot]:
    """Drift over time: one chart per statistic over the input features, then the prediction's
    drift and the performance, each a line per feature across the checks."""
    versions = _versions(frame)
    plots = _input_trends(frame, report, versions)
    prediction = frame[frame["feature"] == "prediction"]
    if not prediction.empty:
        levels = _shared_levels([part(report, "prediction")])
        words = _feature_view(part(report, "prediction"))["statistic_words"] or "drift"
        plots.append(Plot("trend-prediction", "trend-model", "Prediction drift over time",
                          "How far the model's predictions are from its predictions on the training data.",
                          _trend_figure(prediction, words, levels, {}, versions)))
    performance = frame[frame["feature"] == "performance"]
    if not performance.empty:
        plots.append(_performance_trend(performance, part(report, "performance"), versions))
    return plots


def _input_trends(frame: pd.DataFrame, report: Mapping, versions: list) -> list[Plot]:
    """One chart per statistic: lines on one chart share a scale and the warning and action levels."""
    by_feature = {str(f.get("feature")): f for f in items(report, "features") if isinstance(f, Mapping)}
    inputs = frame[~frame["kind"].isin(_MODEL_SIDE) & ~frame["feature"].isin(_MODEL_SIDE)]
    plots = []
    for i, (statistic, rows) in enumerate(inputs.groupby(inputs["statistic"].fillna(""), sort=False)):
        words = STATISTICS.get(statistic, str(statistic).replace("_", " ") or "drift")
        levels = _shared_levels([by_feature.get(name, {}) for name in rows["feature"].astype(str).unique()])
        caption = "Each line is one input column; higher means the new data differs more from the training data."
        if rows["feature"].nunique() > SHOWN_LINES:
            caption += (f" The {SHOWN_LINES} columns furthest off now, and any marked warning or action, are "
                        "drawn; click a name in the legend to show or hide any other.")
        plots.append(Plot(f"trend-{i}", "trend-inputs", f"{words[0].upper()}{words[1:]} over time", caption,
                          _trend_figure(rows, words, levels, by_feature, versions)))
    return plots


def _performance_trend(rows: pd.DataFrame, performance: dict, versions: list) -> Plot:
    metric = str(performance.get("metric") or "score")
    figure = _trend_figure(rows, metric, {}, {}, versions)
    training = _finite(performance.get("training"))
    if training is not None:
        figure.add_hline(y=training, line=dict(color="#1d2430", dash="dot", width=1), annotation_position="top left",
                         annotation=dict(text=f"at training {wording.score(training)}", font=dict(size=11)))
    return Plot("trend-performance", "trend-model", f"{metric} over time",
                f"The model's {metric} on each check's labelled rows; the dotted line is its value at training.",
                figure)


def _shared_levels(features: list[Mapping]) -> dict[str, float]:
    """The warning and action levels, when every non-ignored feature of a chart shares them."""
    checked = [f for f in features if f and f.get("verdict") != "ignored"]
    levels = {}
    for level in _LEVELS:
        values = {_finite(f.get(f"{level}_at")) for f in checked}
        if len(values) == 1 and None not in values:
            levels[level] = values.pop()
    return levels


def _versions(frame: pd.DataFrame) -> list[tuple[str, object]]:
    """(first time, version) wherever the checked model version changed: a retrain resets the drift."""
    checks = frame.drop_duplicates("checked_at")[["checked_at", "model_version"]].dropna()
    changed = checks["model_version"].ne(checks["model_version"].shift())
    return [(_stamp(t), v) for t, v in checks[changed].itertuples(index=False, name=None)][1:]


def _stamp(moment: pd.Timestamp) -> str:
    """A UTC time as Plotly reads dates: it does not understand zone offsets."""
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def _trend_figure(rows: pd.DataFrame, axis: str, levels: dict[str, float], by_feature: dict,
                  versions: list) -> go.Figure:
    """A line per feature, furthest off first; ignored and beyond :data:`SHOWN_LINES` hidden until
    clicked in the legend, drifted ones always shown."""
    latest = rows.groupby("feature", sort=False)["value"].last().sort_values(ascending=False, kind="stable")
    order = [name for name in latest.index if by_feature.get(str(name), {}).get("verdict") != "ignored"]
    order += [name for name in latest.index if name not in order]
    traces = []
    for n, name in enumerate(order):
        drifted = by_feature.get(str(name), {}).get("verdict") in ("warning", "action")
        trace = _trend_trace(rows[rows["feature"] == name], name, _PALETTE[n % len(_PALETTE)])
        trace.visible = True if n < SHOWN_LINES or drifted else "legendonly"
        traces.append(trace)
    figure = _figure(traces, x="checked at (UTC)", y=_text(axis), height=380 if len(order) > 1 else 300,
                     showlegend=len(order) > 1)
    # beside the chart, where a long list of columns scrolls instead of pushing the chart away
    figure.update_layout(legend=dict(orientation="v", x=1.01, y=1, yanchor="top"))
    for level, value in levels.items():
        colour = _LEVELS[level]
        figure.add_hline(y=value, line=dict(color=colour, dash="dash", width=1.5), annotation_position="top left",
                         annotation=dict(text=f"{level} {wording.number(value)}", font=dict(size=11, color=colour)))
    for stamp, version in versions:
        figure.add_shape(type="line", x0=stamp, x1=stamp, y0=0, y1=1, yref="paper",
                         line=dict(color="#637083", dash="dot", width=1))
        figure.add_annotation(x=stamp, y=1, yref="paper", yanchor="bottom", showarrow=False,
                              text=f"version {_text(_whole(version))}", font=dict(size=10, color="#637083"))
    return figure


def _trend_trace(line: pd.DataFrame, name: object, colour: str) -> go.Scatter:
    verdicts = line["verdict"].fillna("").astype(str).tolist()
    return go.Scatter(x=[_stamp(t) for t in line["checked_at"]], y=line["value"].astype(float).tolist(),
                      mode="lines+markers" if len(line) <= _MARKED_POINTS else "lines", name=_text(name),
                      customdata=verdicts, line=dict(color=colour, width=2), marker=dict(size=6),
                      hovertemplate="%{fullData.name}<br>%{x}<br>%{y:.3g} %{customdata}<extra></extra>")


def _whole(value: object) -> object:
    """3.0 as 3: versions come back as floats from a frame column that has gaps."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _histogram(feature: dict, name: str, baseline: str) -> Plot | None:
    """Reference against current shares per bin or category, as grouped bars."""
    histogram = part(feature, "histogram")
    labels, reference, current = (items(histogram, k) for k in ("labels", "reference", "current"))
    size = min(len(labels), len(reference), len(current))
    if not size:
        return None
    shown = min(size, SHOWN_BINS)
    x = [_text(label) for label in labels[:shown]]
    bars = [go.Bar(x=x, y=values[:shown], name=label, marker=dict(color=colour),
                   hovertemplate="%{x}<br>%{y:.1%} of rows<extra>" + label + "</extra>")
            for values, label, colour in ((reference, baseline, _REFERENCE), (current, "now", _CURRENT))]
    figure = _figure(bars, x="", y="share of rows", height=300, barmode="group", bargap=0.2)
    figure.update_xaxes(type="category")
    figure.update_yaxes(tickformat=".0%")
    cut = f" The first {shown} of {size} bins are drawn." if shown < size else ""
    return Plot(name, "histograms", str(feature.get("feature")),
                f"{feature.get('statistic_words') or 'drift'} {wording.number(feature.get('value'))}: "
                f"share of rows per {'category' if feature.get('kind') == 'categorical' else 'bin'}, "
                f"{baseline} data against the new data.{cut}", figure)
