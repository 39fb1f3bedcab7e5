"""The pages of models without a target, written beside the model: the clustering report and the anomaly report.

The top says in plain words how many groups were found and whether they are a structure of the
data (they reproduce on resamples) or only a partition of it; then each cluster's size and what
sets it apart, a 2-D picture of the rows, and the scores that chose k, for whoever wants to check
the choice. Like the training report it inlines plotly.js once and draws every figure from one
JSON block, so it opens from disk with nothing fetched; data strings are escaped by Jinja's
autoescape in the HTML and by ``plots._text`` in Plotly labels.
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

#: Rows drawn in the 2-D picture: enough to see the groups, few enough for a small page.
PROJECTED_ROWS = 2_000
PALETTE = ("#5b8def", "#e8833a", "#3aa67a", "#a35bd6", "#d6455b", "#2bb3c0", "#b08b2e", "#637083",
           "#8c564b", "#1d6b41")
METHOD_WORDS = {"kmeans": "k-means", "gaussian_mixture": "Gaussian mixture", "ward": "Ward's hierarchical clustering",
                "hdbscan": "HDBSCAN (density)"}
_ENVIRONMENT = Environment(loader=PackageLoader("mlwright.report", "templates"),
                           autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)


def projection(X: np.ndarray, labels: np.ndarray, seed: int = 0) -> dict:
    """The first two principal components of up to ``PROJECTED_ROWS`` rows of ``X`` (the rows as
    the clusters see them), with those rows' clusters and the share of variance each axis shows."""
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(len(X), min(len(X), PROJECTED_ROWS), replace=False))
    centred = X[rows] - X[rows].mean(axis=0)
    _, singular, axes = np.linalg.svd(centred, full_matrices=False)
    components = centred @ axes[:2].T if axes.shape[0] >= 2 else np.column_stack([centred @ axes[:1].T,
                                                                                    np.zeros(len(rows))])
    variance = singular ** 2 / max(float((singular ** 2).sum()), 1e-300)
    return {"x": components[:, 0].tolist(), "y": components[:, 1].tolist(), "cluster": labels[rows].tolist(),
            "explained": [float(v) for v in variance[:2]]}


def render_cluster_report(model, *, source: str, projected: dict | None) -> str:
    info = model.info
    chosen = info["chosen"]
    plots = [p for p in (_projection_plot(projected, model.clusters), _scores_plot(info["candidates"], chosen))
             if p is not None]
    context = dict(
        source=source, info=info, chosen=chosen, clusters=model.clusters, method=METHOD_WORDS.get(model.method,
                                                                                                   model.method),
        stable=info["stable"], candidates=info["candidates"], methods=METHOD_WORDS, notes=info["notes"],
        used=[c.name for c in model.schema.used], left_out=[(c.name, c.reason) for c in model.schema.dropped],
        plots=plots, version=__version__, plot_json=Markup(figures_json(plots)), plotly_js=Markup(plotly_js()))
    return _ENVIRONMENT.get_template("cluster_report.html.j2").render(context)


def write_cluster_report(path: Path, model, *, source: str, projected: dict | None) -> Path:
    return write_text_atomic(path, render_cluster_report(model, source=source, projected=projected))


def _projection_plot(projected: dict | None, clusters: list[dict]) -> Plot | None:
    if not projected or not projected["x"]:
        return None
    labels = np.asarray(projected["cluster"])
    x, y = np.asarray(projected["x"]), np.asarray(projected["y"])
    traces = [go.Scatter(x=x[labels == c["cluster"]].tolist(), y=y[labels == c["cluster"]].tolist(),
                           mode="markers", name=f"cluster {c['cluster']}",
                           marker=dict(size=5, opacity=0.7, color=PALETTE[c["cluster"] % len(PALETTE)]),
                           hovertemplate=_text(f"cluster {c['cluster']}") + "<extra></extra>")
              for c in clusters]
    first, second = projected["explained"] + [0.0] * (2 - len(projected["explained"]))
    return Plot("projection", "projection", "The rows in two dimensions",
                f"The first two principal components of the rows as the clustering sees them (scaled and encoded), "
                f"{len(x):,} rows drawn; they show {first:.0%} and {second:.0%} of the spread. Groups that "
                "overlap here may still be apart in the other dimensions.",
                _figure(traces, x="first component", y="second component", height=420))


def _scores_plot(candidates: list[dict], chosen: dict) -> Plot | None:
    if len(candidates) < 2:
        return None
    traces = []
    for i, method in enumerate(dict.fromkeys(c["method"] for c in candidates)):
        rows = sorted((c for c in candidates if c["method"] == method), key=lambda c: c["k"])
        colour = PALETTE[i % len(PALETTE)]
        words = _text(METHOD_WORDS.get(method, method))
        traces.append(go.Scatter(x=[c["k"] for c in rows], y=[c["silhouette"] for c in rows], mode="lines+markers",
                                 name=f"{words}: silhouette", line=dict(color=colour, width=2)))
        traces.append(go.Scatter(x=[c["k"] for c in rows], y=[c["stability"] for c in rows], mode="lines+markers",
                                 name=f"{words}: stability", line=dict(color=colour, width=2, dash="dot")))
    traces.append(go.Scatter(x=[chosen["k"]], y=[chosen["silhouette"]], mode="markers", name="chosen",
                             marker=dict(size=14, symbol="star", color="#1d2430")))
    return Plot("scores", "choice", "How k was chosen",
                "Silhouette (solid: how much closer rows are to their own cluster than to the next, from -1 to 1) "
                "and stability (dotted: adjusted Rand index between fits on resamples of the rows, 1 = the same "
                "clusters every time) for each method and k tried. The star is the choice.",
                _figure(traces, x="k (number of clusters)", y="score", height=360))


DETECTOR_WORDS = (
    ("isolation forest", "a row that random splits set apart in few steps: values far out on any column"),
    ("local outlier factor", "a row in a sparser place than its nearest neighbours: odd next to a dense group"),
    ("nearest-neighbour distance", "a row far from the 20 training rows nearest to it"),
)


def render_anomaly_report(model, *, source: str) -> str:
    from mlwright.unsupervised.anomaly_model import RARE_SHARE, UNUSUAL_SPREADS

    info = model.info
    plots = [p for p in (_score_histogram(model.scores_, model.threshold),) if p is not None]
    context = dict(source=source, info=info, rows=info["most_unusual"], detectors=DETECTOR_WORDS, plots=plots,
                   votes=info.get("auto_votes"), spreads=UNUSUAL_SPREADS, rare=RARE_SHARE,
                   used=[c.name for c in model.schema.used], left_out=[(c.name, c.reason) for c in model.schema.dropped],
                   version=__version__, plot_json=Markup(figures_json(plots)), plotly_js=Markup(plotly_js()))
    return _ENVIRONMENT.get_template("anomaly_report.html.j2").render(context)


def write_anomaly_report(path: Path, model, *, source: str) -> Path:
    return write_text_atomic(path, render_anomaly_report(model, source=source))


def _score_histogram(scores, threshold: float) -> Plot | None:
    if scores is None or not len(scores):
        return None
    scores = np.asarray(scores, dtype=float)
    flagged = scores > threshold
    traces = [go.Histogram(x=scores[~flagged].tolist(), name="not flagged", nbinsx=50,
                           marker=dict(color=PALETTE[0])),
              go.Histogram(x=scores[flagged].tolist(), name="flagged", nbinsx=10, marker=dict(color=PALETTE[4]))]
    figure = _figure(traces, x="anomaly score", y="rows", height=340, barmode="overlay")
    figure.add_vline(x=threshold, line=dict(color="#1d2430", dash="dash", width=1))
    return Plot("scores", "scores", "Every row's anomaly score",
                f"Rows by anomaly score; the dashed line is the threshold ({threshold:.4f}) above which a row is "
                "flagged. Most rows score in the middle: a score places a row among the others, so the scores of "
                "ordinary rows spread evenly.", figure)
