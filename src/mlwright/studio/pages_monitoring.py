"""Monitoring: per registered model, its drift checks over time, what its services answered,
and the retraining decisions with their evidence."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from markupsafe import Markup

from mlwright.studio.rendering import studio_of

router = APIRouter()
#: Checks drawn and listed on a model's page: the latest ones.
CHECKS_SHOWN = 100


@router.get("/monitoring")
def monitoring_page(request: Request):
    studio = studio_of(request)
    names = studio.store.models.names()
    latest = {}
    for entry in names:
        checks = studio.store.drift.checks(model_name=entry["name"], limit=1)
        latest[entry["name"]] = None if checks.empty else checks.iloc[-1].to_dict()
    return studio.page(request, "monitoring.html.j2", title="Monitoring", names=names, latest=latest)


@router.get("/monitoring/{name}")
def model_monitoring_page(request: Request, name: str):
    studio = studio_of(request)
    studio.store.models.get(name, "latest")  # a clear error for an unknown name
    checks = studio.store.drift.checks(model_name=name, limit=CHECKS_SHOWN)
    if not checks.empty:
        features = studio.store.drift.history(model_name=name, limit=CHECKS_SHOWN)
        inputs = features[~features["kind"].isin(["prediction", "performance"])]
        moved = inputs.assign(moved=inputs["verdict"].isin(["warning", "action"])).groupby("check_id")
        checks["columns"] = checks["id"].map(moved.size()).fillna(0).astype(int)
        checks["drifted"] = checks["id"].map(moved["moved"].sum()).fillna(0).astype(int)
        checks["drifted_names"] = checks["id"].map(
            inputs[inputs["verdict"].isin(["warning", "action"])].groupby("check_id")["feature"].apply(
                lambda names: ", ".join(names[:6]) + (" …" if len(names) > 6 else ""))).fillna("")
        checks["reasons"] = [" ".join((summary or {}).get("reasons") or []) for summary in checks["summary"]]
    served = studio.store.served.summary(name)
    decisions = studio.store.decisions.list(name)
    figure = _drift_figure(checks) if not checks.empty else None
    return studio.page(request, "model_monitoring.html.j2", title=f"Monitoring {name}", name=name,
                       checks=checks.iloc[::-1].to_dict("records"), served=served,
                       decisions=decisions.iloc[::-1].to_dict("records"), figure=figure,
                       served_figure=_served_figure(served) if served["by_day"] else None)


def _drift_figure(checks) -> Markup:
    """The share of columns drifted at each check, coloured by the check's verdict."""
    colours = {"stable": "#0b6e4f", "warning": "#b7791f", "action": "#a61b1b"}
    times = [str(t) for t in checks["checked_at"]]
    share = [d / max(c, 1) for d, c in zip(checks["drifted"], checks["columns"])]
    figure = {"data": [{"type": "scatter", "mode": "lines+markers", "x": times, "y": share, "name": "columns drifted",
                        "marker": {"color": [colours.get(v, "#52606d") for v in checks["verdict"]], "size": 10},
                        "text": list(checks["verdict"]), "hovertemplate": "%{x}<br>%{text}: %{y:.0%} of columns"}],
              "layout": {"height": 280, "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
                         "yaxis": {"title": "share of columns drifted", "tickformat": ".0%", "rangemode": "tozero"}}}
    return Markup(json.dumps(figure, default=str).replace("</", "<\\/"))


def _served_figure(served: dict) -> Markup:
    days, counts = zip(*served["by_day"])
    figure = {"data": [{"type": "bar", "x": list(days), "y": list(counts), "name": "rows served",
                        "marker": {"color": "#2f6690"}}],
              "layout": {"height": 240, "margin": {"l": 50, "r": 10, "t": 10, "b": 40},
                         "yaxis": {"title": "rows served per day"}}}
    return Markup(json.dumps(figure, default=str).replace("</", "<\\/"))
