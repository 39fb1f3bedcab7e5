"""The page of a forecast check (`mlwright monitor MODEL actuals.csv -o page.html`): did the
forecasts hold?

The top gives the verdict and its reasons; then MASE now against the backtest's and the share
of actuals inside each interval against its level; then, for the series that degraded most,
the end of the history, the forecast fan and the actual values on it; then every series'
figures. It inlines plotly.js and opens from disk with nothing fetched, like the other pages.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mlwright import __version__
from mlwright.files import write_text_atomic
from mlwright.report.plots import Plot, _figure, _text, figures_json, plotly_js

#: Series drawn: the most degraded first.
DRAWN_SERIES = 12
#: History drawn before the forecast starts.
SHOWN_HISTORY = 120
_ENVIRONMENT = Environment(loader=PackageLoader("mlwright.report", "templates"),
                           autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def write_forecast_check_page(path: str | Path, check, model) -> Path:
    worst = sorted(check.series, key=lambda s: -s["mase"])[:DRAWN_SERIES]
    plots = [_series_plot(check, model, entry["series"], i) for i, entry in enumerate(worst)]
    html = _ENVIRONMENT.get_template("forecast_check.html.j2").render(
        check=check, figures=check.figures, series=sorted(check.series, key=lambda s: -s["mase"]), plots=plots,
        target=model.history.target, version=__version__, plot_json=Markup(figures_json(plots)),
        plotly_js=Markup(plotly_js()))
    return write_text_atomic(Path(path), html)


def _series_plot(check, model, sid: str, i: int) -> Plot:
    history = model.history
    position = history.ids.index(sid)
    times = [str(t) for t in history.times(position)[-SHOWN_HISTORY:]]
    values = history.values[position][-SHOWN_HISTORY:].tolist()
    rows = check.matched[check.matched["series"] == sid].sort_values("time")
    future = [str(t) for t in rows["time"]]
    band = lambda upper, lower, colour, name: go.Scatter(  # noqa: E731 - two bands, one shape
        x=future + future[::-1], y=list(rows[upper]) + list(rows[lower])[::-1], fill="toself", mode="lines",
        fillcolor=colour, line=dict(width=0), name=name, hoverinfo="skip")
    traces = [band("upper_95", "lower_95", "rgba(91,141,239,0.15)", "95% interval"),
              band("upper_80", "lower_80", "rgba(91,141,239,0.30)", "80% interval"),
              go.Scatter(x=times, y=values, mode="lines", name="history", line=dict(color="#1d2430", width=1.5)),
              go.Scatter(x=future, y=rows["forecast"].tolist(), mode="lines", name="forecast",
                         line=dict(color="#5b8def", width=2)),
              go.Scatter(x=future, y=rows["actual"].tolist(), mode="markers", name="actual",
                         marker=dict(color="#c0392b", size=7))]
    name = sid if history.id_name else history.target
    return Plot(f"series-{i}", "series", name,
                f"{history.target}: the end of the history the model was trained on, its forecast with the 80% and "
                f"95% intervals, and the {len(rows):,} actual values that came (dots).",
                _figure(traces, x=_text(model.time_column), y=_text(history.target), height=320))
