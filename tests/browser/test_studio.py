"""The studio in Chromium, as a person uses it: upload a table, train, watch the progress,
promote the model with a reason, try it in the form; compare runs; move about with the keyboard.
Every page visited is scanned by axe-core (no serious or critical violation) and must log no
console error. Screenshots go to test-artifacts/studio/."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.conftest import FIXTURES
from tests.studio_fixtures import filled_store, start_studio

SHOTS = ARTIFACTS / "studio"
#: Training from the browser: the run's budget, and how long the page may take to say it is done.
TRAIN_SECONDS, FINISH_SECONDS = 15, 240


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    folder = tmp_path_factory.mktemp("studio-browser")
    store, ids = filled_store(folder)
    running = start_studio(folder, store, ids)
    yield running
    running.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    opened = context.new_page()
    opened.errors = []
    opened.on("console", lambda message: opened.errors.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    yield opened
    context.close()


def _check(page, name: str) -> None:
    """Screenshot, then axe-core's scan and the console: nothing serious, nothing logged."""
    from axe_playwright_python.sync_playwright import Axe

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    results = Axe().run(page)
    serious = [(v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
               for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, f"{name}: {serious}"
    assert not page.errors, f"{name}: console errors {page.errors}"


def test_upload_train_promote_and_try_a_prediction(studio, page):
    page.goto(f"{studio.url}/train")
    _check(page, "01-train")
    page.set_input_files("#table", str(FIXTURES / "titanic.csv.gz"))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_selector("#target")
    _check(page, "02-uploaded")
    page.select_option("#target", "survived")
    page.fill("#time_limit", str(TRAIN_SECONDS))
    page.fill("#register", "flow")
    page.get_by_role("button", name="Start training").click()
    page.wait_for_url("**/jobs/*")
    expect(page.locator("#trials")).not_to_have_text("0", timeout=FINISH_SECONDS * 1000)  # trials arrive live
    assert page.locator("#progress").evaluate("p => p.value") > 0  # the live view moves
    page.wait_for_selector("#done:not([hidden])", timeout=FINISH_SECONDS * 1000)
    assert page.text_content("#status") == "finished", page.text_content("#log")
    _check(page, "03-trained")

    page.get_by_role("link", name="Model flow, version 1").click()
    page.wait_for_url("**/models/flow")
    _check(page, "04-model")
    page.select_option("#stage-1", "production")
    page.fill("#reason-1", "first model, checked in the studio")
    page.get_by_role("button", name="Change stage").click()
    page.wait_for_url("**/models/flow?changed=1*")
    section = page.locator("#version-1")
    assert "production" in section.locator(".badge").text_content()
    assert "first model, checked in the studio" in section.text_content()
    _check(page, "05-promoted")

    page.get_by_role("link", name="a prediction from a form with version 1").click()
    page.wait_for_url("**/try/flow/1")
    _check(page, "06-try")
    page.get_by_label("sex", exact=True).select_option("female")  # a category: the values it knows
    page.get_by_label("age", exact=True).fill("30")
    page.get_by_role("button", name="Predict").click()
    page.wait_for_selector("#prediction")
    assert page.text_content("#prediction").strip() in {"0", "1"}
    assert page.locator("section[role=status] table tr").count() == 3  # header and two classes
    _check(page, "07-predicted")


def test_runs_are_compared_side_by_side_with_the_differences_marked(studio, page):
    page.goto(f"{studio.url}/runs")
    _check(page, "10-runs")
    for run_id in studio.run_ids:
        page.check(f"#pick-{run_id}")
    page.get_by_role("button", name="Compare ticked runs").click()
    page.wait_for_url("**/compare?*")
    marked = page.locator("tr.differs th").all_text_contents()
    assert "setting: seed" in marked and "status" not in marked
    _check(page, "11-compare")
    page.get_by_role("link", name=studio.run_ids[0][:8]).click()
    page.wait_for_selector("text=Leaderboard")
    _check(page, "12-run")


def test_monitoring_pages_pass_the_scan(studio, page):
    page.goto(f"{studio.url}/monitoring")
    _check(page, "20-monitoring")
    page.get_by_role("link", name="titanic").click()
    page.wait_for_selector("text=Served predictions")
    _check(page, "21-model-monitoring")
    page.goto(f"{studio.url}/models")
    _check(page, "22-models")


def test_the_sign_in_and_problem_pages_pass_the_scan(studio, page):
    page.goto(f"{studio.url}/login")
    _check(page, "30-login")
    answer = page.goto(f"{studio.url}/runs/ffffffffffff")
    assert answer.status == 404
    page.errors.clear()  # the 404 itself is logged by the browser; the page must add nothing
    _check(page, "31-not-found")
    assert "no run" in page.locator("[role=alert]").text_content()


def test_the_main_actions_work_from_the_keyboard(studio, page):
    page.goto(f"{studio.url}/runs")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.goto(f"{studio.url}/runs")
    for _ in range(12):  # the skip link, the brand, then the navigation
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "Models":
            break
    page.keyboard.press("Enter")
    page.wait_for_url("**/models")
    page.goto(f"{studio.url}/models/titanic")
    page.focus("#reason-2")
    page.keyboard.type("staging from the keyboard")
    page.keyboard.press("Shift+Tab")  # back to the stage select: choose staging with the arrow keys
    page.select_option("#stage-2", "staging")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Change stage"
    page.keyboard.press("Enter")
    page.wait_for_url("**/models/titanic?changed=2*")
    assert "staging" in page.locator("#version-2 .badge").text_content()
    assert "staging from the keyboard" in page.locator("#version-2").text_content()
