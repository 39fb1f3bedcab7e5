"""The retraining report: one HTML page that says what was decided and shows why, and the
``comparison.json`` record it is drawn from.

The page is for the person who has to trust the decision: the decision in plain words first,
then both models' scores with their intervals, the difference with its interval and p-value
against the margin, the rows and data used, and the bootstrap distribution of the difference.
Like the training report it inlines plotly.js, so it opens from disk with no network.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from mlwright import __version__
from mlwright.files import json_ready, write_text_atomic
from mlwright.report.plots import Plot, figures_json, plotly_js

REPORT_FILE = "retrain_report.html"
COMPARISON_FILE = "comparison.json"
_BINS = 40
_CHAMPION, _CHALLENGER, _GUIDE = "#637083", "#5b8def", "#9aa5b1"


def _finalize(value: object) -> object:
    return "—" if value is None else value


def _number(value: object, digits: int = 4) -> str:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not np.isfinite(value):
        return "—"
    return f"{value:.{digits}g}"


_ENVIRONMENT = Environment(loader=PackageLoader("mlwright.report", "templates"),
                           autoescape=select_autoescape(default=True, default_for_string=True),
                           trim_blocks=True, lstrip_blocks=True, finalize=_finalize)
_ENVIRONMENT.filters["number"] = _number


def render_retrain_report(record: dict, differences: np.ndarray) -> str:
    """The page of one retraining decision (``record`` as :mod:`mlwright.monitor.retrain`
    writes it; ``differences`` the bootstrap distribution of challenger minus champion)."""
    comparison, decision = record["comparison"], record["decision"]
    plots = [_difference_plot(comparison, decision["margin"], differences), _scores_plot(record)]
    return _ENVIRONMENT.get_template("retrain_report.html.j2").render(
        record=record, comparison=comparison, decision=decision, data=record["data"], plots=plots,
        settings=_settings_rows(record["settings"]), version=__version__,
        plot_json=Markup(figures_json(plots)), plotly_js=Markup(plotly_js()))


def write_retrain_files(out: Path, record: dict, page: str, differences: np.ndarray) -> Path:
    """Write ``comparison.json`` (with the bootstrap draws, so the page can be drawn again) and
    the page into ``out``, each to a temporary name renamed when whole; returns the page's path."""
    out = Path(out)
    draws = [round(float(d), 6) for d in np.asarray(differences, dtype=float)]
    full = json_ready({**record, "bootstrap_differences": draws})
    write_text_atomic(out / COMPARISON_FILE, json.dumps(full, indent=2, allow_nan=False))
    return write_text_atomic(out / REPORT_FILE, page)


def _difference_plot(comparison: dict, margin: float, differences: np.ndarray) -> Plot:
    draws = np.asarray(differences, dtype=float)
    draws = draws[np.isfinite(draws)]
    figure = go.Figure(go.Histogram(x=draws.tolist(), nbinsx=_BINS, name="bootstrap resamples",
                                    marker=dict(color=_CHALLENGER, opacity=0.75)))
    guides = [(0.0, "no difference", "dot", _GUIDE), (float(margin), f"margin {margin:g}", "dash", "#e8833a"),
              (comparison["difference"], "observed difference", "solid", "#1d2430")]
    for x, label, dash, colour in guides:
        if x is None or not np.isfinite(x):
            continue
        line = dict(color=colour, dash=dash, width=2)
        figure.add_vline(x=x, line=line)
        # the lines are shapes, which have no legend entry: an empty trace of the same style names each
        figure.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line=line, name=label))
    _layout(figure, x=f"challenger minus champion ({comparison['metric']}, positive = challenger better)",
            y="resamples")
    figure.update_layout(showlegend=True, legend=dict(orientation="h", yanchor="top", y=-0.28, x=0))
    return Plot("differences", "comparison", "Bootstrap distribution of the difference",
                f"The difference on {comparison['resamples']:,} bootstrap resamples of the held-out rows. The "
                "challenger is promoted only when the observed difference reaches the margin and the p-value is "
                "below alpha.", figure)


def _scores_plot(record: dict) -> Plot:
    comparison = record["comparison"]
    names = [f"champion {record['champion']['uri']}", f"challenger {record['challenger']['uri']}"]
    scores = [comparison["champion_score"], comparison["challenger_score"]]
    intervals = [comparison["champion_ci"], comparison["challenger_ci"]]
    plus = [(hi - s) if hi is not None and s is not None else 0 for s, (_, hi) in zip(scores, intervals)]
    minus = [(s - lo) if lo is not None and s is not None else 0 for s, (lo, _) in zip(scores, intervals)]
    figure = go.Figure(go.Scatter(x=scores, y=names, mode="markers", name=comparison["metric"],
                                  marker=dict(size=12, color=[_CHAMPION, _CHALLENGER]),
                                  error_x=dict(type="data", array=plus, arrayminus=minus, thickness=2, width=8)))
    _layout(figure, x=f"{comparison['metric']} on the held-out rows ({comparison['level']:.0%} interval)", y="",
            height=220)
    return Plot("scores", "comparison", "Both models on the same rows",
                "Each model's score with its bootstrap interval. Separate intervals can overlap even when the "
                "paired difference is clear: both models answered the same rows, and the paired test uses that.",
                figure)


def _layout(figure: go.Figure, *, x: str, y: str, height: int = 320) -> None:
    grid = dict(gridcolor="#e6eaf0", zeroline=False, linecolor="#b8c1cc", showline=True, automargin=True)
    figure.update_layout(template="none", height=height, margin=dict(l=10, r=12, t=28, b=10), autosize=True,
                         font=dict(family="system-ui, -apple-system, Segoe UI, sans-serif", size=12, color="#1d2430"),
                         showlegend=False, bargap=0.05, xaxis=dict(title=dict(text=x), **grid),
                         yaxis=dict(title=dict(text=y), **grid))


def _settings_rows(settings: dict) -> list[tuple[str, str]]:
    """The challenger's settings as table rows; empty values left out."""
    rows = []
    for key, value in settings.items():
        if value in (None, [], (), ""):
            continue
        shown = ", ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        rows.append((key.replace("_", " "), shown))
    return rows
