"""Rich display in a notebook: every result's ``_repr_html_`` shows what a reader looks for
first, escapes what came from the data, and its plain ``repr`` stays one short line."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.report.wording import score
from tests.conftest import FAST, make_mixed_frame


def _text(html: str) -> str:
    """The card's words, without tags or the style block."""
    html = re.sub(r"<style>.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _short(value) -> None:
    shown = repr(value)
    assert "\n" not in shown and len(shown) < 240, shown


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    store = f"sqlite:///{tmp_path_factory.mktemp('display') / 'store.db'}"
    frame = make_mixed_frame(300)
    first = mlwright.train(frame, "label", store=store, **{**FAST, "max_trials": 2})
    second = mlwright.train(frame, "label", store=store, **{**FAST, "max_trials": 3, "seed": 7})
    return store, frame, first, second


def test_a_trained_model_shows_its_estimate_members_latency_and_leaderboard(two_runs):
    _, _, model, _ = two_runs
    html = model._repr_html_()
    text = _text(html)
    estimate = model.info["estimate"]
    low, high = estimate["interval"]
    assert all(score(v) in text for v in (estimate["value"], low, high))
    assert model.metric in text and model.task.value in text
    for member in model.members:
        assert member.name in text
    assert "one-row latency (ms)" in text and "Leaderboard" in text
    assert model.leaderboard()["model"].iloc[0] in text
    assert "<script" not in html  # a card needs nothing to run
    _short(model)
    assert f"{model.metric}=" in repr(model)


def test_values_from_the_data_are_escaped(tmp_path):
    frame = make_mixed_frame(200).rename(columns={"label": "<b>label</b>"})
    profile = mlwright.profile_table(frame, target="<b>label</b>")
    html = profile._repr_html_()
    assert "<b>label</b>" not in html and "&lt;b&gt;label&lt;/b&gt;" in html
    assert f"{profile.rows:,}" in _text(html)
    _short(profile)


def test_a_drift_report_shows_its_verdict_and_the_drifted_columns(two_runs):
    _, frame, model, _ = two_runs
    shifted = frame.copy()
    numeric = next(c for c in frame.columns if c not in ("label", "row_id") and pd.api.types.is_numeric_dtype(frame[c]))
    shifted[numeric] = shifted[numeric] * 5 + 10
    report = mlwright.check_drift(model, shifted.drop(columns=["label"]))
    text = _text(report._repr_html_())
    assert f"Drift: {report.verdict}" in text and numeric in report.drifted and numeric in text
    assert report.verdict in ("warning", "action")
    _short(report)


def test_runs_compared_mark_the_facts_that_differ(two_runs):
    store, _, first, second = two_runs
    comparison = mlwright.compare_runs([first.info["run_id"], second.info["run_id"]], store=store)
    table = comparison.table()
    assert table.loc["status", "differs"] == False  # noqa: E712 - both finished
    assert table.loc["setting: seed", "differs"] == True  # noqa: E712
    html = comparison._repr_html_()
    marked = re.findall(r'<tr><td>([^<]*)</td><td class="mlw-differs">', html)
    assert "setting: seed" in marked and "status" not in marked
    _short(comparison)


def test_clusters_and_anomalies_show_their_result():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(np.vstack([rng.normal(0, 1, (80, 2)), rng.normal(8, 1, (80, 2))]), columns=["a", "b"])
    clusters = mlwright.cluster(frame, k=2, time_limit=30, store=False)
    text = _text(clusters._repr_html_())
    assert "2 clusters" in text and "silhouette" in text and "cluster 0" in text
    _short(clusters)
    unusual = mlwright.find_anomalies(frame, contamination=0.05, store=False)
    text = _text(unusual._repr_html_())
    assert f"{unusual.info['flagged']} unusual rows" in text and "Most unusual rows" in text
    _short(unusual)


def test_a_forecast_shows_its_choice_coverage_and_next_values():
    from tests.forecast_fixtures import monthly_series

    model = mlwright.forecast(monthly_series(60), time="month", target="sales", horizon=6, time_limit=20, store=False)
    text = _text(model._repr_html_())
    assert "backtest MASE" in text and "80% interval coverage" in text and "Forecast" in text
    assert score(model.forecast_["forecast"].iloc[0]) in text
    _short(model)
