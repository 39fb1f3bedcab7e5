"""The studio's rules, over HTTP against a running `mlwright ui`: API keys, cross-site forms,
downloads that stay inside their folder, uploads that are size-limited and whole or absent,
and clear answers to bad requests."""

from __future__ import annotations

import os
import re

import httpx
import pytest

from tests.studio_fixtures import filled_store, start_studio

KEY = "studio-test-key-3f9a"


@pytest.fixture(scope="module")
def filled(tmp_path_factory):
    folder = tmp_path_factory.mktemp("studio-rules")
    store, ids = filled_store(folder)
    return folder, store, ids


@pytest.fixture(scope="module")
def studio(filled):
    folder, store, ids = filled
    running = start_studio(folder, store, ids, "--max-upload-mb", "0.01")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def locked(filled, tmp_path_factory):
    folder, store, ids = filled
    running = start_studio(tmp_path_factory.mktemp("locked"), store, ids, env={"MLWRIGHT_API_KEYS": KEY})
    yield running
    running.stop()


def _token(client: httpx.Client, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, page.text[:300]
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def test_every_page_answers_and_names_what_it_shows(studio):
    run = studio.run_ids[0]
    with httpx.Client(base_url=studio.url, timeout=30) as client:
        for path, words in (("/runs", run[:8]), (f"/runs/{run}", "Leaderboard"), ("/models", "titanic"),
                            ("/models/titanic", "Version 2"), ("/monitoring", "titanic"),
                            ("/monitoring/titanic", "No drift check yet"), ("/train", "CSV file"),
                            ("/try/titanic/1", "Predict"),
                            (f"/compare?run={studio.run_ids[0]}&run={studio.run_ids[1]}", "setting: seed")):
            page = client.get(path)
            assert page.status_code == 200 and words in page.text, (path, page.status_code, page.text[:500])
            assert page.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in \
                page.headers["content-security-policy"]


def test_the_runs_table_filters_and_sorts(studio):
    with httpx.Client(base_url=studio.url, timeout=30) as client:
        assert "2 runs" in client.get("/runs").text
        assert "No run matches" in client.get("/runs?status=failed").text
        assert "2 runs" in client.get("/runs?target=survived&metric=roc_auc&period=day").text
        assert "No run matches" in client.get("/runs?data=no-such-file").text
        newest_first = client.get("/runs?sort=date&order=desc").text
        oldest_first = client.get("/runs?sort=date&order=asc").text
        first, second = (studio.run_ids[1][:8], studio.run_ids[0][:8])
        assert newest_first.index(first) < newest_first.index(second)
        assert oldest_first.index(second) < oldest_first.index(first)


def test_a_stage_change_needs_the_forms_token_a_reason_and_this_origin(studio):
    with httpx.Client(base_url=studio.url, timeout=30) as client:
        token = _token(client, "/models/titanic")
        url = "/models/titanic/1/stage"
        assert client.post(url, data={"stage": "production", "reason": "x"}).status_code == 403  # no token
        assert client.post(url, data={"stage": "production", "reason": "x", "csrf": "forged"}).status_code == 403
        foreign = client.post(url, data={"stage": "production", "reason": "x", "csrf": token},
                              headers={"origin": "http://evil.example"})
        assert foreign.status_code == 403 and "evil.example" in foreign.text
        no_reason = client.post(url, data={"stage": "production", "reason": " ", "csrf": token})
        assert no_reason.status_code == 400 and "needs a reason" in no_reason.text
        moved = client.post(url, data={"stage": "production", "reason": "best on the March holdout", "csrf": token})
        assert moved.status_code == 303
        page = client.get("/models/titanic").text
        assert "best on the March holdout" in page and "studio" in page
    import mlwright

    store = mlwright.open_store(studio.store)
    version = store.models.get("titanic", "production")
    assert version.version == 1
    assert store.models.history(version)[-1].reason == "best on the March holdout"  # as the CLI records it


def test_a_runs_page_shows_its_held_out_metrics_with_their_intervals(studio):
    import json

    from mlwright.display.card import number

    run = studio.run_ids[1]
    record = json.loads((studio.folder / "run-5" / "evaluation.json").read_text(encoding="utf-8"))
    roc = next(m for m in record["evaluations"][0]["metrics"] if m["name"] == "roc_auc")
    with httpx.Client(base_url=studio.url, timeout=30) as client:
        page = client.get(f"/runs/{run}").text
    metrics = page[page.index("<h2>Metrics</h2>"):page.index("</table>", page.index("<h2>Metrics</h2>"))]
    row = re.search(r"<tr><td>[^<]*</td><td>" + re.escape(roc["label"]) + r"</td>(.*?)</tr>", metrics)
    assert row, metrics[:800]
    assert f"{number(roc['low'])} to {number(roc['high'])}" in row.group(1) and roc["low"] < roc["value"] < roc["high"]


def test_downloads_stay_inside_the_runs_folder(studio):
    run = studio.run_ids[0]
    run_dir = studio.folder / "run-0"
    outside = studio.folder / "secret.txt"
    outside.write_text("not for the browser")
    (run_dir / "leaderboard.csv").unlink(missing_ok=True)
    os.symlink(outside, run_dir / "leaderboard.csv")  # a listed name that leads out of the folder
    with httpx.Client(base_url=studio.url, timeout=30) as client:
        report = client.get(f"/files/runs/{run}/report.html")
        assert report.status_code == 200 and report.headers["content-type"].startswith("text/html")
        for path in (f"/files/runs/{run}/leaderboard.csv", f"/files/runs/{run}/..%2Fsecret.txt",
                     f"/files/runs/{run}/training.json", f"/files/runs/{run}/%2E%2E/secret.txt",
                     "/files/models/titanic/1/..%2F..%2Fstore.db"):
            answer = client.get(path)
            assert answer.status_code == 404 and "not for the browser" not in answer.text, path
        assert client.get("/files/models/titanic/1/report.html").status_code == 200


def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(studio):
    uploads = studio.folder / "workspace" / "uploads"
    with httpx.Client(base_url=studio.url, timeout=30) as client:
        token = _token(client, "/train")
        big = b"a,b\n" + b"1,2\n" * 5000  # 20 KB over a 10 KB limit
        refused = client.post("/train/upload", data={"csrf": token}, files={"table": ("big.csv", big, "text/csv")})
        assert refused.status_code == 413 and "upload limit" in refused.text
        assert not list(uploads.glob("*")) if uploads.exists() else True
        bad = client.post("/train/upload", data={"csrf": token}, files={"table": ("notes.txt", b"x", "text/plain")})
        assert bad.status_code == 400 and "not a CSV" in bad.text
        one_column = client.post("/train/upload", data={"csrf": token},
                                 files={"table": ("one.csv", b"a\n1\n2\n", "text/csv")})
        assert one_column.status_code == 400 and "one.csv has 1 column" in one_column.text
        assert not [p for p in uploads.glob("*") if p.name.endswith(".part")]


def test_the_upload_preview_masks_personal_data(studio):
    rows = "".join(f"{i},person{i}@example.com,{i % 3},note from +44 20 7946 09{i:02d}\n" for i in range(40))
    with httpx.Client(base_url=studio.url, timeout=30) as client:
        token = _token(client, "/train")
        shown = client.post("/train/upload", data={"csrf": token},
                            files={"table": ("people.csv", ("id,email,label,note\n" + rows).encode(), "text/csv")})
    assert shown.status_code == 200, shown.text[:300]
    assert "person1@example.com" not in shown.text and "7946" not in shown.text
    assert "(masked)" in shown.text and "email holds personal data" in shown.text


def test_unknown_things_get_a_page_that_says_so(studio):
    with httpx.Client(base_url=studio.url, timeout=30) as client:
        assert client.get("/runs/ffffffffffff").status_code == 404
        missing = client.get("/models/nope")
        assert missing.status_code == 404 and "no model named &#39;nope&#39;" in missing.text
        compare = client.get(f"/compare?run={studio.run_ids[0]}")
        assert compare.status_code == 400 and "compare takes 2 to 4" in compare.text
        assert client.get("/jobs/0000").status_code == 404


def test_with_keys_every_page_needs_one_and_the_sign_in_sets_a_session(locked):
    with httpx.Client(base_url=locked.url, timeout=30) as client:
        assert client.get("/runs").status_code == 401
        page = client.get("/runs", headers={"accept": "text/html"})
        assert page.status_code == 303 and page.headers["location"].startswith("/login")
        assert client.get("/files/runs/x/report.html").status_code == 401
        assert client.get("/runs", headers={"x-api-key": KEY}).status_code == 200
        assert client.get("/runs", headers={"authorization": f"Bearer {KEY}"}).status_code == 200
        token = _token(client, "/login")
        wrong = client.post("/login", data={"key": "guess", "csrf": token, "next": "/models"})
        assert wrong.status_code == 401 and "not one of this studio's keys" in wrong.text
        signed = client.post("/login", data={"key": KEY, "csrf": token, "next": "//evil.example/"})
        assert signed.status_code == 303 and signed.headers["location"] == "/runs"  # never off-site
        assert KEY not in signed.headers.get("set-cookie", "")  # the cookie holds an HMAC, not the key
        assert client.get("/models").status_code == 200


def test_the_command_refuses_an_open_address_without_a_key(tmp_path):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "mlwright", "ui", "--host", "0.0.0.0", "--port", "1"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "MLWRIGHT_API_KEYS": ""})
    assert done.returncode == 2 and "without an API key" in done.stderr + done.stdout
