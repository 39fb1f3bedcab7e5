"""The retraining report as a person sees it: opened from disk in Chromium, the decision first,
the figures drawn, nothing fetched."""

from __future__ import annotations

import shutil

import pytest

import mlwright
from mlwright.monitor.retrain import retrain
from mlwright.registry.store import open_store
from tests.browser.conftest import ARTIFACTS, undrawn_plots
from tests.conftest import FAST
from tests.integration.test_retrain import drifting_frame


@pytest.fixture(scope="module")
def outcome(tmp_path_factory):
    """A real retraining: a champion that follows x1, new rows where the label follows x2."""
    folder = tmp_path_factory.mktemp("retrain_page")
    drifting_frame(300, 0).to_csv(folder / "old.csv", index=False)
    drifting_frame(300, 1, signal="x2", start="2024-03-01").to_csv(folder / "new.csv", index=False)
    store = f"sqlite:///{folder / 'store.db'}"
    mlwright.train(folder / "old.csv", "y", out=folder / "champion", store=store, register="page", **FAST)
    open_store(store).models.promote("page", 1, "production")
    return retrain("page", folder / "new.csv", promote_if_better=True, margin=0.01, time_column="when", store=store,
                   out=folder / "retrained", progress=False)


@pytest.fixture(scope="module")
def browser_page(outcome, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(outcome.report.resolve().as_uri(), wait_until="load")
    page.wait_for_load_state("networkidle")
    yield page, requests, errors
    page.close()


def test_the_decision_is_the_first_thing_read(browser_page, outcome):
    page, _, _ = browser_page
    decision = page.locator("#decision")
    assert decision.is_visible()
    assert f"The challenger {outcome.challenger.uri} is now in production." in decision.inner_text()
    assert outcome.verdict.reason in decision.inner_text()
    box = decision.bounding_box()
    assert box is not None and box["y"] < 300, "the decision sits at the top of the page"


def test_the_figures_are_drawn(browser_page):
    page, _, _ = browser_page
    for name in ("differences", "scores"):
        plot = page.locator(f'.plot[data-plot="{name}"]')
        assert plot.is_visible()
        assert plot.locator(".main-svg").count() >= 1, f"plotly drew nothing in {name}"
    assert page.locator('.plot[data-plot="differences"] .bars path').count() > 5
    assert page.get_by_text("This plot could not be drawn.").count() == 0
    assert undrawn_plots(page) == {}


def test_both_scores_and_the_test_are_shown(browser_page, outcome):
    page, _, _ = browser_page
    text = page.locator("#scores").inner_text()
    assert outcome.champion.uri in text and outcome.challenger.uri in text
    assert "p-value" in text and "margin" in text and "0.01" in text


def test_nothing_but_the_file_itself_is_requested_and_nothing_fails(browser_page, outcome):
    _, requests, errors = browser_page
    assert requests == [outcome.report.resolve().as_uri()], requests
    assert errors == [], errors


def test_page_fits_the_window_and_is_saved_as_a_screenshot(browser_page, tmp_path):
    page, _, _ = browser_page
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    shot = tmp_path / "retrain_report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "retrain_report.png")
