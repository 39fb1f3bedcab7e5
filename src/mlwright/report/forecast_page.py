"""The forecast's page, written beside the model: what was forecast and how far to trust it.

The top says which method was chosen and how it did in the backtest against the seasonal naive
baseline (MASE below 1 beats it); then each series' history, its last backtest window (what
the chosen method would have forecast then, beside what happened) and the forecast fan (80% and
95% intervals); then the leaderboard by MASE, sMAPE and weighted quantile loss, with the
intervals' coverage as measured on windows their calibration did not see. Like the other pages
it inlines plotly.js once and opens from disk with nothing fetched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mlwright import __version__
from mlwright.files import write_text_atomic
from mlwright.report.plots import Plot, _figure, _text, figures_json, plotly_js

#: Series drawn on the page; a collection larger than this shows the first ones, in id order.
DRAWN_SERIES = 12
#: History shown before the forecast: enough seasons to see the pattern, not decades of days.
SHOWN_HISTORY = 400
METHOD_WORDS = {"seasonal_naive": "seasonal naive (last season repeated)", "naive": "naive (last value repeated)",
                "drift": "drift (the line from first to last value)", "auto_ets": "AutoETS (exponential smoothing)",
                "auto_arima": "AutoARIMA", "auto_theta": "AutoTheta", "mstl": "MSTL (seasonal decomposition)",
                "global_lightgbm": "LightGBM on lags and the calendar, one model for all series",
                "auto_ets_log": "AutoETS on the logarithm", "auto_arima_log": "AutoARIMA on the logarithm"}
#: The forecast pages' templates (this report's and the forecast check's).
TEMPLATES = Environment(loader=PackageLoader("mlwright.report", "templates"),
                           autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def describe_entry(entry: dict) -> str:
    return " + ".join(METHOD_WORDS.get(m, m) for m in entry["members"]) if len(entry["members"]) > 1 else \
        METHOD_WORDS.get(entry["members"][0], entry["members"][0])


def render_forecast_report(model, *, source: str) -> str:
    info = model.info
    plots = [_series_plot(model, i) for i in range(min(len(model.history.ids), DRAWN_SERIES))]
    context = dict(source=source, info=info, chosen=info["chosen"], baseline=info["baseline"],
                   chosen_words=describe_entry(info["chosen"]), board=info["leaderboard"], words=METHOD_WORDS,
                   describe=describe_entry, plots=plots, series=len(model.history.ids), drawn=len(plots),
                   target=model.history.target, version=__version__, plot_json=Markup(figures_json(plots)),
                   plotly_js=Markup(plotly_js()))
    return TEMPLATES.get_template("forecast_report.html.j2").render(context)


def write_forecast_report(path: Path, model, *, source: str) -> Path:
    return write_text_atomic(path, render_forecast_report(model, source=source))


def fan_traces(times: list[str], values: list[float], future: list[str], rows) -> list:
    """The history's line, then the forecast's with its 95% and 80% bands (``rows``: the
    forecast table's columns for ``future``)."""
    def band(level: int, opacity: float):
        return go.Scatter(x=future + future[::-1], y=list(rows[f"upper_{level}"]) + list(rows[f"lower_{level}"])[::-1],
                          fill="toself", mode="lines", fillcolor=f"rgba(91,141,239,{opacity})", line=dict(width=0),
                          name=f"{level}% interval", hoverinfo="skip")

    return [band(95, 0.15), band(80, 0.30),
            go.Scatter(x=times, y=values, mode="lines", name="history", line=dict(color="#1d2430", width=1.5)),
            go.Scatter(x=future, y=rows["forecast"].tolist(), mode="lines", name="forecast",
                       line=dict(color="#5b8def", width=2))]


def _series_plot(model, i: int) -> Plot:
    history = model.history
    sid = history.ids[i]
    times = history.times(i)[-SHOWN_HISTORY:]
    values = history.values[i][-SHOWN_HISTORY:]
    table = model.forecast_
    rows = table[table[history.id_name] == sid] if history.id_name else table
    traces = fan_traces([str(t) for t in times], values.tolist(), [str(t) for t in rows[model.time_column]], rows)
    backtest = getattr(model, "backtest_", None)
    if backtest is not None:
        last = np.mean([backtest.forecasts[m][i, -1] for m in model.members], axis=0)
        window_times = history.times(i)[-backtest.horizon:]  # the last window ends where the history ends
        traces.append(go.Scatter(x=[str(t) for t in window_times], y=last.tolist(), mode="lines",
                                 name="backtest (last window)", line=dict(color="#e8833a", width=1.5, dash="dot")))
    name = sid if history.id_name else history.target  # page text: Jinja escapes it; plotly labels: _text
    return Plot(f"series-{i}", "series", name,
                f"{history.target}: the last {len(values):,} values, the forecast of the next "
                f"{len(rows):,} with its 80% and 95% intervals, and (dotted) what the chosen method forecast for "
                "the last window of the history from the values before it.",
                _figure(traces, x=_text(model.time_column), y=_text(history.target), height=340))
