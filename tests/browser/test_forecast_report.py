"""The forecast report as a person sees it: opened from disk in Chromium, nothing fetched; the
chosen method against seasonal naive, a fan for every series, the leaderboard."""

from __future__ import annotations

import pandas as pd
import pytest

from mlwright.forecasting.run import forecast
from tests.browser.conftest import ARTIFACTS, undrawn_plots
from tests.forecast_fixtures import require_statsforecast, several_series

require_statsforecast()


@pytest.fixture(scope="module")
def opened(tmp_path_factory, browser):
    out = tmp_path_factory.mktemp("forecast") / "run"
    frame = several_series(3, 60)
    frame["store"] = frame["store"].str.replace("store-2", "<b>north</b>")  # markup in an id stays text
    model = forecast(frame, time="month", target="sales", id="store", horizon=6, time_limit=30, out=out, store=False)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    path = out / "report.html"
    page.goto(path.as_uri(), wait_until="load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "forecast_report.png"), full_page=True)
    yield page, requests, path, model
    page.close()


def test_the_verdict_compares_the_choice_with_seasonal_naive(opened):
    page, _, _, model = opened
    chosen, baseline = model.info["chosen"], model.info["baseline"]
    verdict = page.locator("#verdict").inner_text()
    assert f"{chosen['mase']:.3f}" in verdict and f"{baseline['mase']:.3f}" in verdict
    assert "smaller errors" in verdict  # the trend and season are learnable: the choice beats the baseline


def test_every_series_has_its_fan_drawn(opened):
    page, _, _, model = opened
    assert undrawn_plots(page) == {}
    assert page.locator(".plot[data-plot]").count() == 3
    assert page.get_by_text("<b>north</b>", exact=True).count() >= 1


def test_the_leaderboard_marks_the_choice(opened):
    page, _, _, model = opened
    rows = page.locator("#leaderboard table tr")
    assert rows.count() == len(model.info["leaderboard"]) + 1
    assert page.locator("#leaderboard tr.chosen").count() == 1


def test_nothing_but_the_file_itself_is_requested(opened):
    page, requests, path, _ = opened
    page.wait_for_load_state("networkidle")
    assert requests == [path.as_uri()]


def test_the_forecast_checks_page_draws_the_actuals_on_each_fan(opened, tmp_path, browser):
    from mlwright.monitor.forecast_check import check_forecasts
    from mlwright.report.forecast_check_page import write_forecast_check_page

    _, _, path, model = opened
    later = several_series(3, 66)
    later["store"] = later["store"].str.replace("store-2", "<b>north</b>")
    later = later[pd.to_datetime(later["month"]) > pd.Timestamp("2019-12-01")]
    check = check_forecasts(path.parent / "model", later.assign(sales=later["sales"] + 4.0), store=False)
    page_path = write_forecast_check_page(tmp_path / "check.html", check, model)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_path.as_uri(), wait_until="load")
    page.screenshot(path=str(ARTIFACTS / "forecast_check.png"), full_page=True)
    assert undrawn_plots(page) == {} and page.locator(".plot[data-plot]").count() == 3
    assert "have degraded" in page.locator("#verdict").inner_text()
    assert page.get_by_text("<b>north</b>", exact=True).count() >= 1  # an id with markup stays text
    assert page.locator("#figures table tr").count() == 4
    page.wait_for_load_state("networkidle")
    assert requests == [page_path.as_uri()]
    page.close()
