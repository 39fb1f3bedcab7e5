"""The clustering report as a person sees it: opened from disk in Chromium, nothing fetched, the
verdict, each cluster's description, the picture and the scores that chose k all drawn."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_blobs

from mlwright.unsupervised.cluster import cluster
from tests.browser.conftest import ARTIFACTS, undrawn_plots


def _table(rows: int, centers: int, seed: int) -> pd.DataFrame:
    X, y = make_blobs(n_samples=rows, centers=centers, n_features=3, random_state=seed)
    frame = pd.DataFrame(X, columns=["tenure", "monthly <b>spend</b>", "calls"])  # markup in a name stays text
    frame["plan"] = np.where(y == 0, "basic", "family")
    return frame


@pytest.fixture(scope="module")
def report_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clusters")
    grouped = cluster(_table(300, 3, 4), time_limit=30, out=folder / "grouped", store=False)
    rng = np.random.default_rng(0)
    noise = pd.DataFrame(rng.uniform(size=(300, 6)), columns=[f"x{i}" for i in range(6)])
    scattered = cluster(noise, k=6, time_limit=30, out=folder / "noise", store=False)
    return (folder / "grouped" / "report.html", grouped), (folder / "noise" / "report.html", scattered)


@pytest.fixture(scope="module")
def opened(report_files, browser):
    (path, model), _ = report_files
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(path.as_uri(), wait_until="load")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "cluster_report.png"), full_page=True)
    yield page, requests, path, model
    page.close()


def test_the_page_says_how_many_groups_and_that_they_hold_up(opened):
    page, _, _, model = opened
    assert page.locator("#headline").inner_text() == f"{model.n_clusters} groups that hold up"


def test_each_cluster_is_listed_with_its_description(opened):
    page, _, _, model = opened
    rows = page.locator("#clusters table tr")
    assert rows.count() == model.n_clusters + 1
    for described in model.clusters:
        words = described["description"].split(": ", 1)[1]
        assert page.get_by_text(words, exact=True).is_visible()
    assert page.get_by_text("monthly <b>spend</b>", exact=False).count() >= 1  # shown as text, not bold


def test_the_picture_and_the_scores_are_drawn(opened):
    page, _, _, model = opened
    assert undrawn_plots(page) == {}
    assert page.locator(".plot[data-plot]").count() == 2
    chosen = page.locator("#choice tr.chosen")
    assert chosen.count() == 1 and f"{model.info['chosen']['k']}" in chosen.inner_text()


def test_nothing_but_the_file_itself_is_requested(opened):
    page, requests, path, _ = opened
    page.wait_for_load_state("networkidle")
    assert requests == [path.as_uri()]


def test_clusters_that_do_not_reproduce_are_called_a_split(report_files, browser):
    _, (path, model) = report_files
    assert not model.info["stable"]
    page = browser.new_page()
    page.goto(path.as_uri(), wait_until="load")
    assert page.locator("#headline").inner_text() == "No clear groups"
    assert page.get_by_text("not as segments the data holds").is_visible()
    page.close()


def test_the_anomaly_report_shows_the_unusual_rows_and_why(browser, tmp_path):
    from mlwright.unsupervised.anomalies import find_anomalies
    from tests.unit.test_anomalies import transactions

    frame, planted = transactions(rows=800, seed=8)
    model = find_anomalies(frame, out=tmp_path / "run", store=False)
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    path = tmp_path / "run" / "report.html"
    page.goto(path.as_uri(), wait_until="load")
    page.screenshot(path=str(ARTIFACTS / "anomaly_report.png"), full_page=True)
    assert page.locator("#headline").inner_text() == f"{model.info['flagged']} unusual rows of 800"
    shown = page.locator("#rows table tr")
    assert shown.count() == len(model.info["most_unusual"]) + 1
    top = model.info["most_unusual"][0]
    assert planted[top["row"]]
    assert page.locator("#rows table tr").nth(1).inner_text().startswith(str(top["row"]))
    assert page.get_by_text(top["why"][0], exact=False).first.is_visible()
    assert undrawn_plots(page) == {}
    page.wait_for_load_state("networkidle")
    assert requests == [path.as_uri()]
    page.close()
