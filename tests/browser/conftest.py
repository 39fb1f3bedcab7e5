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
