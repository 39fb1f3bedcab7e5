"""Served predictions reach the store off the request path, and survive the store going away:
spooled locally, replayed once it is back, never stored twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
from sqlalchemy.engine import make_url

from mlwright.registry.store import open_store
from mlwright.serve.prediction_log import PredictionLogger, ServedRequest, _spooled, rows_of
from tests.databases import postgres_url  # noqa: F401 - fixture
from tests.tcp_proxy import TcpProxy


def _request(number: int, rows: int = 3, model: str = "models:/churn/4") -> ServedRequest:
    frame = pd.DataFrame({"age": np.arange(rows, dtype=float) + number, "city": ["Oslo"] * rows})
    frame.loc[0, "age"] = np.nan
    proba = np.tile([0.25, 0.75], (rows, 1))
    return ServedRequest(request_id=f"req-{number}", served_at=time.time(), model=model, frame=frame,
                         predictions=["yes"] * rows, probabilities=proba, classes=("no", "yes"), latency_ms=1.5)


def _eventually(check, timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} not reached within {timeout} s")


def _spool_files(folder):
    return sorted(folder.iterdir()) if folder.exists() else []


def test_rows_reach_the_store_with_request_version_and_values(sqlite_url, tmp_path):
    logger = PredictionLogger(sqlite_url, tmp_path / "spool", every_seconds=0.05)
    logger.start()
    for number in range(4):
        logger.add(_request(number))
    logger.stop()
    store = open_store(sqlite_url)
    try:
        stored = store.served.frame(model_name="churn")
    finally:
        store.close()
    assert len(stored) == 12 and set(stored["request_id"]) == {f"req-{n}" for n in range(4)}
    assert set(stored["model_version"]) == {4} and set(stored["model"]) == {"models:/churn/4"}
    first = stored[stored["request_id"] == "req-2"].sort_values("row_index")
    assert first["age"].isna().tolist() == [True, False, False]  # NaN stored as null, read back as missing
    assert first["age"].tolist()[1:] == [3.0, 4.0] and set(first["city"]) == {"Oslo"}
    assert first["proba_yes"].tolist() == [0.75] * 3 and set(first["prediction"]) == {"yes"}
    assert not _spool_files(tmp_path / "spool")


def test_an_unreachable_store_spools_and_replays_with_nothing_lost(postgres_url, tmp_path):  # noqa: F811
    open_store(postgres_url).close()  # the tables exist before the network goes
    server = make_url(postgres_url)
    proxy = TcpProxy(server.host, server.port or 5432).start()
    through_proxy = server.set(port=proxy.port).render_as_string(hide_password=False)
    outcomes: dict[str, int] = {}
    spool = tmp_path / "spool"
    logger = PredictionLogger(through_proxy, spool, every_seconds=0.05, retry_seconds=0.3,
                              on_outcome=lambda outcome, rows: outcomes.__setitem__(outcome, outcomes.get(outcome, 0) + rows))
    logger.start()
    try:
        for number in range(5):
            logger.add(_request(number))
        _eventually(lambda: outcomes.get("stored", 0) == 15, what="first rows stored")
        proxy.cut()
        started = time.perf_counter()
        for number in range(5, 25):
            logger.add(_request(number))
        assert time.perf_counter() - started < 0.5, "a request never waits for the store"
        _eventually(lambda: outcomes.get("spooled", 0) >= 60, what="rows spooled while the store is away")
        spooled_lines = sum(len(p.read_text().splitlines()) for p in _spool_files(spool))
        assert spooled_lines >= 60
        proxy.start()  # the same port: the store is back
        _eventually(lambda: outcomes.get("replayed", 0) >= 60 and not _spool_files(spool), what="spool replayed")
        for number in range(25, 27):
            logger.add(_request(number))
    finally:
        logger.stop()
        proxy.cut()
    store = open_store(postgres_url)
    try:
        stored = store.served.frame()
    finally:
        store.close()
    keys = list(zip(stored["request_id"], stored["row_index"]))
    assert len(keys) == len(set(keys)) == 27 * 3, "every row once: none lost, none twice"
    assert not _spool_files(spool)


def test_a_spool_left_by_a_dead_process_is_replayed_once(sqlite_url, tmp_path):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    spool = tmp_path / "spool"
    spool.mkdir()
    rows = rows_of([_request(n) for n in range(3)])
    store = open_store(sqlite_url)
    store.served.write(rows[:2])  # the dead process had stored two rows before it spooled them all
    leftover = spool / f"predictions-{dead.pid}-0000abcd.jsonl"
    leftover.write_text("".join(json.dumps(_spooled(r)) + "\n" for r in rows))
    logger = PredictionLogger(sqlite_url, spool, every_seconds=0.05)
    logger.start()
    try:
        _eventually(lambda: not _spool_files(spool), what="leftover spool replayed")
    finally:
        logger.stop()
    try:
        stored = store.served.frame()
        assert len(stored) == 9 and stored.groupby(["request_id", "row_index"]).size().max() == 1
        assert store.served.write(rows) == 0, "writing the same rows again stores nothing"
    finally:
        store.close()


def test_a_live_workers_spool_is_left_to_it(sqlite_url, tmp_path):
    spool = tmp_path / "spool"
    spool.mkdir()
    other = spool / f"predictions-{os.getppid()}-0000beef.jsonl"  # a running process's own file
    other.write_text(json.dumps(_spooled(rows_of([_request(1)])[0])) + "\n")
    logger = PredictionLogger(sqlite_url, spool, every_seconds=0.05)
    logger.start()
    time.sleep(0.5)
    logger.stop()
    assert other.exists(), "a file another live worker may still be appending to is not claimed"
