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
from markupsafe import Markup

from mlwright import __version__
from mlwright.files import write_text_atomic
from mlwright.report.forecast_page import TEMPLATES, fan_traces
from mlwright.report.plots import Plot, _figure, _text, figures_json, plotly_js

#: Series drawn: the most degraded first.
DRAWN_SERIES = 12
#: History drawn before the forecast starts.
SHOWN_HISTORY = 120


def write_forecast_check_page(path: str | Path, check, model) -> Path:
    worst = sorted(check.series, key=lambda s: -s["mase"])[:DRAWN_SERIES]
    plots = [_series_plot(check, model, entry["series"], i) for i, entry in enumerate(worst)]
    html = TEMPLATES.get_template("forecast_check.html.j2").render(
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
    traces = [*fan_traces(times, values, [str(t) for t in rows["time"]], rows),
              go.Scatter(x=[str(t) for t in rows["time"]], y=rows["actual"].tolist(), mode="markers", name="actual",
                         marker=dict(color="#c0392b", size=7))]
    name = sid if history.id_name else history.target
    return Plot(f"series-{i}", "series", name,
                f"{history.target}: the end of the history the model was trained on, its forecast with the 80% and "
                f"95% intervals, and the {len(rows):,} actual values that came (dots).",
                _figure(traces, x=_text(model.time_column), y=_text(history.target), height=320))
