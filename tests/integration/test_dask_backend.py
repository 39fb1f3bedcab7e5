"""The search on a real multi-process Dask cluster on 127.0.0.1: `dask scheduler` and two
`dask worker` processes, started here on a free port and stopped by their process ids."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
from distributed import Client, get_task_stream

import mlwright
from mlwright.execution.dask import DaskExecutor
from tests.conftest import FAST, make_mixed_frame, run_cli
from tests.dask_cluster import START_SECONDS, Cluster

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
SEARCH = {**FAST, "max_trials": 4, "n_jobs": 1}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = Cluster(tmp_path_factory.mktemp("dask"))
    yield started
    started.stop()


def test_the_search_runs_on_both_workers_and_matches_the_local_backend(cluster):
    frame = make_mixed_frame(800)
    executor = DaskExecutor(cluster.address)
    try:
        assert executor.slots == 2
        with get_task_stream(executor.client) as stream:
            on_dask = mlwright.train(frame, "label", store=False, executor=executor, **SEARCH)
        workers = {task["worker"] for task in stream.data}
    finally:
        executor.shutdown()
    assert workers == set(cluster.worker_pids())
    local = mlwright.train(frame, "label", store=False, **SEARCH)
    dask_scores = on_dask.leaderboard().set_index("model")["score"].sort_index()
    local_scores = local.leaderboard().set_index("model")["score"].sort_index()
    assert list(dask_scores.index) == list(local_scores.index) and len(dask_scores) == SEARCH["max_trials"]
    assert dask_scores.to_numpy() == pytest.approx(local_scores.to_numpy(), abs=1e-9)
    assert on_dask.info["estimate"]["value"] == pytest.approx(local.info["estimate"]["value"], abs=1e-9)


def test_train_backend_dask_from_the_command_line(cluster, tmp_path):
    make_mixed_frame(600).to_csv(tmp_path / "loans.csv", index=False)
    result = run_cli("train", str(tmp_path / "loans.csv"), "--target", "label", "--backend", "dask", "--address",
                     cluster.address, "--max-trials", "3", "--families", "lightgbm,linear", "--folds", "3",
                     "--out", str(tmp_path / "run"), "--store", f"sqlite:///{tmp_path / 'store.db'}",
                     "--register", "loans")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "run" / "model" / "manifest.json").exists()
    store = mlwright.open_store(f"sqlite:///{tmp_path / 'store.db'}")
    try:
        run = store.runs.list()[0]
        assert run.status == "finished" and len(store.runs.trials(run.id)) == 3
        assert store.models.get("loans", 1).run_id == run.id
    finally:
        store.close()
    refused = run_cli("train", str(tmp_path / "loans.csv"), "--target", "label", "--address", cluster.address)
    assert refused.returncode == 2 and "--backend dask" in refused.stderr


def test_a_worker_killed_mid_search_does_not_lose_the_run(tmp_path):
    cluster = Cluster(tmp_path)
    try:
        executor = DaskExecutor(cluster.address)
        outcome: dict = {}

        def search() -> None:
            try:
                outcome["model"] = mlwright.train(make_mixed_frame(3000), "label", store=False, executor=executor,
                                                  **{**SEARCH, "max_trials": 6})
            except BaseException as exc:  # surfaced by the assertion below
                outcome["error"] = exc

        runner = threading.Thread(target=search)
        runner.start()
        victim, pid = _busy_worker(executor, cluster)
        os.kill(pid, signal.SIGKILL)
        runner.join(timeout=300)
        executor.shutdown()
        assert not runner.is_alive() and "error" not in outcome, outcome
        board = outcome["model"].leaderboard()
        assert len(board) == 6 and set(board["status"]) <= {"ok", "failed"} and (board["status"] == "ok").any()
        with Client(cluster.address, timeout=START_SECONDS) as client:
            assert victim not in client.scheduler_info()["workers"]
    finally:
        cluster.stop()


def _busy_worker(executor: DaskExecutor, cluster: Cluster) -> tuple[str, int]:
    """A worker in the middle of a trial, and its process id."""
    pids = cluster.worker_pids()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        busy = [address for address, tasks in executor.client.processing().items() if tasks and address in pids]
        if busy:
            return busy[-1], pids[busy[-1]]
        time.sleep(0.05)
    raise AssertionError("no worker started a trial within 120 s")
