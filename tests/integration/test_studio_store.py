"""What the studio's pages ask of the store, on SQLite, PostgreSQL and MariaDB: the light
listing with its filters, the choices for the filters, a run found by its folder, and the
served rows summed up by day and version."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from fastapi.testclient import TestClient

from mlwright.registry.store import open_store
from mlwright.studio.app import build_studio
from mlwright.studio.settings import StudioSettings


def test_the_studios_queries_on_every_database(database_url, tmp_path):
    store = open_store(database_url, artifacts=tmp_path / "artifacts")
    first = store.runs.start(target="churn", params={"seed": 1}, source={"kind": "file", "path": "a.csv"},
                             run_dir=str(tmp_path / "run-a"))
    store.runs.describe_data(first, task="binary", metric="roc_auc", data={"rows": 10}, findings=[])
    store.runs.finish(first, metrics={"estimate": {"value": 0.8}}, timings={"total": 1.0})
    second = store.runs.start(target="price", params={"seed": 2}, source={"kind": "file", "path": "b.csv"})
    store.runs.describe_data(second, task="regression", metric="rmse", data={"rows": 10}, findings=[])
    store.runs.finish(second, metrics={"estimate": {"value": 3.5}}, timings={"total": 1.0})

    light = store.runs.list(limit=None, light=True)
    assert {r.id for r in light} == {first, second} and all(r.params == {} and r.data is None for r in light)
    assert [r.id for r in store.runs.list(limit=None, metric="rmse", light=True)] == [second]
    assert store.runs.list(limit=None, since=datetime.now(timezone.utc) + timedelta(hours=1)) == []
    assert store.runs.distinct_values() == {"status": ["finished"], "target": ["churn", "price"],
                                            "metric": ["rmse", "roc_auc"]}
    assert store.runs.by_run_dir(str(tmp_path / "run-a")).id == first and store.runs.by_run_dir("nowhere") is None

    today = datetime.now(timezone.utc).replace(hour=12, minute=0, second=0, microsecond=0)
    rows = [{"request_id": f"r{i}", "row_index": 0, "served_at": today - timedelta(days=i % 2), "model": "m",
             "model_name": "churn", "model_version": 1 + i % 2, "inputs": {"x": i}, "prediction": "yes" if i % 3 else "no",
             "probabilities": None, "latency_ms": float(i)} for i in range(10)]
    store.served.write(rows)
    summary = store.served.summary("churn")
    assert summary["rows"] == 10 and summary["by_version"] == [(1, 5), (2, 5)]
    assert [count for _, count in summary["by_day"]] == [5, 5]
    assert summary["by_day"][-1][0].startswith(today.strftime("%Y-%m-%d"))
    assert summary["latency_p50"] == 4.5 and summary["predicted"] == {"yes": 6, "no": 4}

    with TestClient(build_studio(StudioSettings(store=database_url, workspace=tmp_path / "ws"))) as client:
        page = client.get("/runs?sort=estimate&order=desc")
        assert page.status_code == 200 and page.text.index(second[:8]) < page.text.index(first[:8])
        assert first[:8] not in client.get("/runs?metric=rmse").text
    store.close()
