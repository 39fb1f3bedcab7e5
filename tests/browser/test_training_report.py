"""The training report as a person sees it: opened from disk in Chromium, every section and plot drawn.

To check a real run instead of the fixture records, point MLWRIGHT_EVALUATION at its
evaluation.json (or change :func:`records_under_test`): every test below runs on each record.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from mlwright.report.facts import SECTIONS
from mlwright.report.plots import build_plots
from mlwright.report.training_report import write_report_files
from tests.browser.conftest import ARTIFACTS, undrawn_plots
from tests.report_fixtures import HOSTILE, RECORDS, hostile_record


def records_under_test() -> dict[str, dict]:
    """The records whose reports are opened: the fixtures, or one real run's evaluation.json."""
    real = os.environ.get("MLWRIGHT_EVALUATION")
    if real:
        return {"run": json.loads(Path(real).read_text(encoding="utf-8"))}
    return {name: build() for name, build in RECORDS.items()}


class OpenedReport:
    """A report file opened in a 1280 px wide page, with what the page logged and fetched."""

    def __init__(self, browser, path: Path):
        self.path, self.errors, self.requests, self.dialogs = path, [], [], []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("requestfailed", lambda r: self.errors.append(f"failed request {r.url}"))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(path.as_uri(), wait_until="load")
        self.page.wait_for_load_state("networkidle")


def _open(browser, tmp_path_factory, name: str, record: dict) -> OpenedReport:
    files = write_report_files(tmp_path_factory.mktemp(name), record)
    return OpenedReport(browser, files["report"])


@pytest.fixture(scope="module", params=sorted(records_under_test()))
def report(request, browser, tmp_path_factory):
    record = records_under_test()[request.param]
    opened = _open(browser, tmp_path_factory, request.param, record)
    opened.name, opened.record = request.param, record
    yield opened
    opened.page.close()


def test_opens_without_errors_and_fetches_nothing_but_itself(report):
    assert report.errors == [], report.errors
    assert report.requests == [report.path.as_uri()], report.requests


def test_every_section_is_visible(report):
    missing = [id_ for id_ in SECTIONS if not report.page.locator(f"section#{id_}").is_visible()]
    assert missing == []
    assert report.page.locator("#summary li").count() >= 3


def test_every_plot_is_drawn(report):
    plots = report.page.locator(".plot[data-plot]")
    assert plots.count() == len(build_plots(report.record)) > 0
    assert undrawn_plots(report.page) == {}


def test_fits_the_window_and_is_saved_as_a_screenshot(report, tmp_path):
    overflow = report.page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"
    shot = tmp_path / "report.png"
    report.page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 50_000
    ARTIFACTS.mkdir(exist_ok=True)
    name = "training_report.png" if report.name in ("binary", "run") else f"training_report_{report.name}.png"
    shutil.copy(shot, ARTIFACTS / name)


def test_markup_in_data_is_shown_as_text_not_run(browser, tmp_path_factory):
    opened = _open(browser, tmp_path_factory, "hostile", hostile_record())
    try:
        assert opened.dialogs == [] and opened.errors == [], (opened.dialogs, opened.errors)
        assert opened.page.locator("#data .chips li", has_text=HOSTILE).count() == 1
        assert opened.page.locator("#importance .plot .main-svg").first.is_visible()
        assert HOSTILE in opened.page.locator("#plot-importance").inner_text()
    finally:
        opened.page.close()
