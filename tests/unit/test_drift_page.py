"""The drift page built from a hand-made check and history: verdict, features, escaping, trend.

:func:`drift_report` and :func:`drift_history` are also what the browser test opens.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from mlwright.report.drift_page import SHOWN_CHECKS, p_value, render_drift_page, write_drift_page
from mlwright.report.plots import plotly_js

HOSTILE = "<b>x</b>"
CHECKED = datetime(2026, 11, 22, 10, 0, tzinfo=timezone.utc)
#: age drifts a little more every day; the other columns hold still
AGE_TREND = (0.04, 0.09, 0.16, 0.24, 0.31)
STABLE = [(f"stable_{i}", "numeric", "wasserstein", 0.02 + 0.005 * i) for i in range(6)]


def _feature(name, kind, statistic, value, verdict, **extra) -> dict:
    warning, action = (0.1, 0.2) if statistic == "wasserstein" else (0.1, 0.25)
    labels = ["<25", "25–35", "35–45", "45–55", "55+"] if kind == "numeric" else ["Private", "Self-emp", "Gov"]
    size = len(labels)
    return {"feature": name, "kind": kind, "statistic": statistic, "value": value, "warning_at": warning,
            "action_at": action, "test": "Kolmogorov-Smirnov" if kind == "numeric" else "chi-square",
            "p_value": 2.3e-9 if verdict == "action" else 0.41, "psi": round(value * 0.9, 3), "weight": 1.0,
            "verdict": verdict, "note": None, "missing_rate": 0.01, "reference_missing_rate": 0.0,
            "new_category_rate": None, "new_categories": [],
            "histogram": {"labels": labels, "reference": [1 / size] * size,
                          "current": [0.05] + [0.95 / (size - 1)] * (size - 1)}, **extra}


def drift_report(*, performance: bool = True, prediction: bool = True) -> dict:
    """A check with one feature needing action (age), one warning (``<b>x</b>``), a stable
    categorical one (workclass), stable numeric ones, and an ignored identifier."""
    features = [
        _feature("age", "numeric", "wasserstein", AGE_TREND[-1], "action", missing_rate=0.04),
        _feature(HOSTILE, "numeric", "wasserstein", 0.13, "warning"),
        _feature("workclass", "categorical", "jensen_shannon", 0.03, "stable", new_category_rate=0.02,
                 new_categories=["Never-worked", HOSTILE]),
        *[_feature(name, kind, statistic, value, "stable") for name, kind, statistic, value in STABLE],
        _feature("customer_id", "numeric", "wasserstein", 0.9, "ignored", weight=0.0,
                 note="An identifier: new customers always have new ids, so its drift is not counted."),
    ]
    return {
        "model": "models:/churn/production", "model_name": "churn", "model_version": 3,
        "checked_at": CHECKED.isoformat(), "rows": 5000, "reference_rows": 30000,
        "current": {"kind": "file", "where": "new.csv"},
        "reference": {"kind": "training", "where": "training data of the model"},
        "status": 2, "verdict": "action",
        "reasons": [f"2 of 9 features drifted: age (wasserstein 0.31), {HOSTILE} (wasserstein 0.13)",
                    "roc_auc fell from 0.910 to 0.850"],
        "features": features,
        "prediction": _feature("prediction", "prediction", "jensen_shannon", 0.12, "warning") if prediction else None,
        "performance": {"metric": "roc_auc", "training": 0.91, "current": 0.85, "ci_low": 0.83, "ci_high": 0.87,
                        "change": -0.06, "relative_change": -0.066, "warning_at": 0.05, "action_at": 0.1,
                        "verdict": "warning", "rows": 4000, "higher_is_better": True} if performance else None,
        "settings": {"thresholds": {"numeric": {"warning": 0.1, "action": 0.2}, "categorical": [0.1, 0.25]},
                     "bins": 10, "label": HOSTILE},
    }


def drift_history(report: dict, checks: int = len(AGE_TREND)) -> pd.DataFrame:
    """The last ``checks`` daily checks, oldest first, ending with ``report`` itself; the model was
    retrained (version 2 to 3) before the third check."""
    rows = []
    for n in range(checks):
        step, last = len(AGE_TREND) - checks + n, n == checks - 1
        check = dict(check_id=n + 1, checked_at=CHECKED - timedelta(days=checks - 1 - n),
                     model_version=3 if step >= 2 else 2, check_verdict=report["verdict"] if last else "stable")
        for f in [*report["features"], *([report["prediction"]] if report["prediction"] else [])]:
            value = AGE_TREND[step] if f["feature"] == "age" else f["value"]
            rows.append(dict(check, feature=f["feature"], kind=f["kind"], statistic=f["statistic"], value=value,
                             verdict=f["verdict"] if last else "stable"))
        if report["performance"]:
            rows.append(dict(check, feature="performance", kind="performance", statistic="roc_auc",
                             value=0.91 - 0.015 * step, verdict="stable"))
    frame = pd.DataFrame(rows)
    for column in ("p_value", "psi", "weight", "missing_rate", "new_category_rate", "details"):
        frame[column] = None
    return frame


def _figures(html: str) -> dict:
    block = re.search(r'<script type="application/json" id="plot-data">(.*?)</script>', html, re.S).group(1)
    return json.loads(block)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> str:
    report = drift_report()
    path = write_drift_page(tmp_path_factory.mktemp("drift") / "drift.html", report, drift_history(report))
    return path.read_text(encoding="utf-8")


def test_the_headline_says_the_verdict_in_plain_words(page):
    assert "Drift that needs action" in page and "verdict-action" in page
    assert "2 of 9 features drifted: age" in page
    assert "churn version 3" in page and "new.csv" in page and "30,000" in page and "5,000" in page
    assert "2026-11-22 10:00 UTC" in page


def test_every_feature_is_in_the_table_and_markup_is_escaped(page):
    for name in ["age", "workclass", "customer_id", *(s[0] for s in STABLE)]:
        assert f'data-feature="{name}"' in page
    assert HOSTILE not in page
    assert "&lt;b&gt;x&lt;/b&gt;" in page
    assert "2.3e-09" in page
    assert 'class="feature verdict-row-ignored ignored"' in page and "its drift is not counted" in page


def test_plotly_is_inlined_once_and_nothing_is_loaded_from_the_network(page):
    bundle = plotly_js()
    assert page.count(bundle) == 1 and page.count("<script") == 3  # plotly.js, the figures, the drawing
    outside = page.replace(bundle, "")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", outside)
    assert "<link" not in outside and "@import" not in outside


def test_drift_over_time_draws_every_feature_across_the_checks(page):
    figures = _figures(page)
    numeric = figures["trend-0"]["data"]
    assert len(numeric) == 1 + 1 + len(STABLE) + 1  # age, <b>x</b>, stable ones, the ignored id
    age = next(t for t in numeric if t["name"] == "age")
    assert age["y"] == list(AGE_TREND) and len(age["x"]) == len(AGE_TREND) and age["visible"] is True
    assert "&lt;b&gt;x&lt;/b&gt;" in [t["name"] for t in numeric]
    assert next(t for t in numeric if t["name"] == "customer_id")["visible"] == "legendonly"
    levels = sorted(s["y0"] for s in figures["trend-0"]["layout"]["shapes"] if s.get("y0") is not None
                    and s.get("yref") != "paper")
    assert levels == [0.1, 0.2]
    assert any("version 3" in a["text"] for a in figures["trend-0"]["layout"]["annotations"])
    assert len(figures["trend-1"]["data"]) == 1  # workclass, the one jensen_shannon input
    assert {"trend-prediction", "trend-performance"} <= set(figures)


def test_histograms_are_drawn_for_the_drifted_features_only(page):
    figures = _figures(page)
    histograms = [name for name in figures if name.startswith("histogram-")]
    assert len(histograms) == 2 and "prediction-histogram" in figures
    bars = figures[histograms[0]]["data"]
    assert [b["name"] for b in bars] == ["training", "now"]


def test_a_single_check_still_draws_its_points():
    report = drift_report()
    html = render_drift_page(report, drift_history(report, checks=1))
    age = next(t for t in _figures(html)["trend-0"]["data"] if t["name"] == "age")
    assert age["y"] == [AGE_TREND[-1]] and "markers" in age["mode"]
    assert "only check known so far" in html


@pytest.mark.parametrize("history", [None, pd.DataFrame()])
def test_without_a_stored_history_the_current_check_is_drawn(history):
    html = render_drift_page(drift_report(), history)
    figures = _figures(html)
    assert next(t for t in figures["trend-0"]["data"] if t["name"] == "age")["y"] == [AGE_TREND[-1]]
    assert figures["trend-performance"]["data"][0]["y"] == [0.85]


def test_a_report_without_performance_or_prediction_says_so():
    report = drift_report(performance=False, prediction=False)
    html = render_drift_page(report, drift_history(report))
    assert 'id="performance"' not in html and 'id="prediction"' not in html
    assert "Not measured" in html and "Not checked." in html
    assert not {"trend-prediction", "trend-performance", "prediction-histogram"} & set(_figures(html))


def test_a_stable_check_reads_green():
    report = drift_report(performance=False) | {"verdict": "stable", "status": 0, "reasons": []}
    report["features"] = [f | {"verdict": "stable"} for f in report["features"]]
    html = render_drift_page(report, None)
    assert "No drift that matters" in html and "verdict-stable" in html
    assert 'id="histograms"' not in html


def test_long_histories_are_cut_to_the_latest_checks():
    report = drift_report(performance=False, prediction=False)
    one = drift_history(report, checks=1)
    frames = [one.assign(check_id=n, checked_at=CHECKED - timedelta(hours=SHOWN_CHECKS + 20 - n))
              for n in range(SHOWN_CHECKS + 20)]
    figures = _figures(render_drift_page(report, pd.concat(frames, ignore_index=True)))
    assert len(figures["trend-0"]["data"][0]["x"]) == SHOWN_CHECKS


def test_naive_times_from_the_store_are_read_as_utc():
    report = drift_report()
    history = drift_history(report)
    history["checked_at"] = history["checked_at"].dt.tz_localize(None)
    age = next(t for t in _figures(render_drift_page(report, history))["trend-0"]["data"] if t["name"] == "age")
    assert age["x"][-1] == "2026-11-22 10:00:00"


def test_p_values_are_written_as_statisticians_read_them():
    assert (p_value(2.3e-9), p_value(0.412), p_value(None), p_value(float("nan"))) == ("2.3e-09", "0.412", None, None)
