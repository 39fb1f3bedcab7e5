"""The drift page of real checks: a model trained here, three checks recorded in a store, the
page written by `mlwright monitor -o` and opened in Chromium."""

from __future__ import annotations

import pytest

import mlwright
from tests.browser.conftest import undrawn_plots
from tests.conftest import FAST, make_mixed_frame, run_cli

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


@pytest.fixture(scope="module")
def page_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checks")
    url = f"sqlite:///{folder / 'store.db'}"
    mlwright.train(make_mixed_frame(1200, seed=0), "label", store=url, register="loans", **FAST)
    for day, shift in enumerate((0.0, 0.4, 1.2)):
        current = make_mixed_frame(600, seed=20 + day)
        current["x1"] += shift
        current.to_csv(folder / f"day{day}.csv", index=False)
        run_cli("monitor", "models:/loans/1", str(folder / f"day{day}.csv"), "--store", url,
                "-o", str(folder / "drift.html"))
    return folder / "drift.html"


def test_the_page_of_three_checks(page_file, browser):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(page_file.as_uri(), wait_until="load")
    assert errors == []
    assert undrawn_plots(page) == {}
    assert page.locator("#headline").inner_text() == "Drift that needs action"
    assert page.locator('tr[data-feature="x1"] .badge').inner_text() == "action"
    # x1's line over the three checks: one point per check, rising
    trend = page.evaluate("""() => {
        for (const box of document.querySelectorAll('.plot[data-plot^="trend-"]')) {
            const trace = (box.data || []).find(t => t.name === 'x1');
            if (trace) return trace.y;
        }
        return null;
    }""")
    assert trend is not None and len(trend) == 3
    assert trend[0] < trend[1] < trend[2]
    page.close()
