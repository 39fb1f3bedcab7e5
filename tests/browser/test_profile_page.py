"""The profile page as a person sees it: opened from disk in Chromium, with nothing fetched."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mlwright.profile import profile_table
from tests.browser.conftest import ARTIFACTS

@pytest.fixture(scope="module")
def page_file(fixtures, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("page")
    return profile_table(fixtures / "titanic.csv.gz", target="survived").write_html(folder / "titanic.html")


@pytest.fixture(scope="module")
def browser_page(page_file, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_file.as_uri(), wait_until="load")
    yield page, requests
    page.close()


def _finding_row(page, kind: str, column: str):
    return page.locator("tr", has=page.locator("td.kind", has_text=kind)).filter(has_text=column)


def test_the_leak_finding_is_visible(browser_page):
    page, _ = browser_page
    row = _finding_row(page, "target_leak", "alive")
    assert row.count() == 1 and row.is_visible()
    assert "critical" in row.inner_text()
    assert page.get_by_text("'alive' gives the target away").is_visible()


@pytest.mark.parametrize("pair", ["pclass, class", "embarked, embark_town"])
def test_restated_columns_are_visible(browser_page, pair):
    page, _ = browser_page
    row = _finding_row(page, "restated_column", pair)
    assert row.count() == 1 and row.is_visible()


def test_nothing_but_the_file_itself_is_requested(browser_page, page_file):
    page, requests = browser_page
    page.wait_for_load_state("networkidle")
    assert requests == [page_file.as_uri()], requests


def test_page_fits_the_window_and_is_saved_as_a_screenshot(browser_page, tmp_path):
    page, _ = browser_page
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    shot = tmp_path / "profile_page.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(shot, ARTIFACTS / "profile_page.png")
