"""The report that `train` itself wrote for a real run, opened in Chromium: every section shown,
every plot drawn, no console error, no request but the file."""

from __future__ import annotations

from mlwright.report.facts import SECTIONS
from tests.browser.conftest import ARTIFACTS
from tests.browser.test_training_report import OpenedReport


def test_a_real_runs_report_renders_completely(reported_run, browser):
    _, root = reported_run
    opened = OpenedReport(browser, root / "run" / "report.html")
    try:
        assert opened.errors == [] and opened.dialogs == []
        assert opened.requests == [(root / "run" / "report.html").as_uri()]
        for section in SECTIONS:
            assert opened.page.locator(f"#{section}").is_visible(), section
        plots = opened.page.locator(".plot")
        assert plots.count() >= 8  # roc, pr, threshold, calibration, importance, shap, dependence...
        for i in range(plots.count()):
            assert plots.nth(i).locator(".main-svg").count() > 0, plots.nth(i).get_attribute("data-plot")
        names = {plots.nth(i).get_attribute("data-plot") for i in range(plots.count())}
        assert {"roc", "pr", "calibration", "threshold", "importance"} <= names
        text = opened.page.inner_text("#fairness")
        assert "sex" in text and "female" in text
        assert "finds every survivor" in opened.page.inner_text("#model-tests")
        assert opened.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        ARTIFACTS.mkdir(exist_ok=True)
        opened.page.screenshot(path=str(ARTIFACTS / "run_report.png"), full_page=True)
    finally:
        opened.page.close()
