"""What every browser test shares: Debian's Chromium through Playwright, and where screenshots go."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).parents[2] / "test-artifacts"


def require_browser():
    """Chromium is part of the test setup (.ci/run and the README's test command install it):
    without it a browser test fails, saying how to install it, rather than pass unseen."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium), "
                    "as .ci/run does, to run the browser tests")
    from playwright.sync_api import sync_playwright  # in the test extra: pip install -e '.[test]'

    return sync_playwright


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium per test module."""
    sync_playwright = require_browser()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            yield launched
        finally:
            launched.close()


# plotly.js draws a trace type its bundle lacks as nothing, without an error: an unknown type
# becomes an invisible scatter, a WebGL one a plain scatter. So each figure's traces are compared
# with what plotly resolved them to (its _fullData), and the shown ones (not those hidden until
# clicked in the legend) with the trace groups in the drawn SVG.
_DRAWN = """box => {
    const asked = (box.data || []).filter(t => t.visible !== false).map(t => t.type || 'scatter');
    const resolved = (box._fullData || []).filter(t => t.visible !== false);
    return {asked, resolved: resolved.map(t => t.type), shown: resolved.filter(t => t.visible === true).length,
            groups: box.querySelectorAll('.main-svg .cartesianlayer .trace').length,
            svg: box.querySelectorAll('.main-svg').length};
}"""


def undrawn_plots(page) -> dict[str, str]:
    """``{name: why}`` for every ``.plot[data-plot]`` of the page that plotly did not draw in full;
    every figure of the page's ``#plot-data`` block must have its element."""
    figures = page.evaluate("Object.keys(JSON.parse(document.getElementById('plot-data').textContent))")
    boxes = page.locator(".plot[data-plot]")
    names = [boxes.nth(i).get_attribute("data-plot") for i in range(boxes.count())]
    undrawn = {name: "no element on the page" for name in figures if name not in names}
    for i, name in enumerate(names):
        drawn = boxes.nth(i).evaluate(_DRAWN)
        if drawn["svg"] == 0:
            undrawn[name] = "no plot drawn"
        elif not drawn["asked"] or drawn["resolved"] != drawn["asked"]:
            undrawn[name] = f"traces {drawn['asked']} drawn as {drawn['resolved']}"
        elif drawn["groups"] < drawn["shown"]:
            undrawn[name] = f"{drawn['groups']} of {drawn['shown']} shown traces in the drawing"
    return undrawn
