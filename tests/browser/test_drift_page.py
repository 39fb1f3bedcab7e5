"""The drift page as a person sees it: opened from disk in Chromium, verdict first, every chart drawn."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlwright.report.drift_page import write_drift_page
from tests.browser.conftest import ARTIFACTS, undrawn_plots
from tests.unit.test_drift_page import HOSTILE, STABLE, drift_history, drift_report


@pytest.fixture(scope="module")
def page_file(tmp_path_factory) -> Path:
    report = drift_report()
    return write_drift_page(tmp_path_factory.mktemp("drift") / "drift.html", report, drift_history(report))


@pytest.fixture(scope="module")
def opened(page_file, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests, errors, dialogs = [], [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(page_file.as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    yield page, requests, errors + dialogs
    page.close()


def _traces(page, name: str) -> int:
    return page.evaluate(f"document.querySelector('[data-plot=\"{name}\"]').data.length")


def test_opens_without_errors_and_fetches_nothing_but_itself(opened, page_file):
    page, requests, errors = opened
    assert errors == [], errors
    assert requests == [page_file.as_uri()], requests


def test_every_chart_is_drawn(opened):
    page, _, _ = opened
    assert page.locator(".plot[data-plot]").count() >= 7  # prediction, four trends, two histograms
    assert undrawn_plots(page) == {}


def test_the_verdict_is_the_first_thing_seen(opened):
    page, _, _ = opened
    headline = page.locator("#headline")
    assert headline.is_visible() and headline.inner_text() == "Drift that needs action"
    assert headline.bounding_box()["y"] < 300
    assert page.locator(".reasons li").first.is_visible()


def test_the_drifted_features_show_their_verdict(opened):
    page, _, _ = opened
    assert page.locator('tr[data-feature="age"] .badge').inner_text() == "action"
    assert page.locator(f'tr[data-feature="{HOSTILE}"] .badge').inner_text() == "warning"
    assert page.locator("tr.feature").first.get_attribute("data-feature") == "age"
    assert page.locator("tr.ignored").is_visible()


def test_drift_over_time_is_drawn_with_one_line_per_feature(opened):
    page, _, _ = opened
    assert page.locator("#trend .js-plotly-plot").count() == 4  # two statistics, prediction, performance
    assert _traces(page, "trend-0") == 1 + 1 + len(STABLE) + 1
    assert page.locator('[data-plot="trend-0"] .scatterlayer .trace').count() >= 3
    assert HOSTILE in page.locator('[data-plot="trend-0"] .legend').text_content()


def test_histograms_are_drawn_for_the_drifted_features(opened):
    page, _, _ = opened
    assert page.locator("#histograms .js-plotly-plot").count() == 2
    assert page.locator("#histograms .main-svg").first.is_visible()
    assert _traces(page, "prediction-histogram") == 2


def test_fits_the_window_and_is_saved_as_a_screenshot(opened, tmp_path):
    page, _, _ = opened
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    shot = tmp_path / "drift_page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "drift_page.png")
