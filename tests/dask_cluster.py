"""A real multi-process Dask cluster on 127.0.0.1 for the integration tests: `dask scheduler` and
`dask worker` processes, started on a free port and stopped by their process ids."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from distributed import Client

from tests.serve_fixtures import free_port

DASK = Path(sys.executable).parent / "dask"
START_SECONDS = 90
STOP_SECONDS = 5


class Cluster:
    """A scheduler and its workers, each its own process group, stopped by process id. Workers
    run without a nanny, so a killed worker stays dead rather than being restarted."""

    def __init__(self, folder: Path, workers: int = 2):
        self.address = f"tcp://127.0.0.1:{free_port()}"
        port = self.address.rsplit(":", 1)[1]
        self.processes = [self._start(folder / "scheduler.log", "scheduler", "--host", "127.0.0.1", "--port", port,
                                      "--no-dashboard")]
        for n in range(workers):
            self.processes.append(self._start(folder / f"worker{n}.log", "worker", self.address, "--host",
                                              "127.0.0.1", "--nthreads", "1", "--no-nanny", "--no-dashboard"))
        try:
            with Client(self.address, timeout=START_SECONDS) as client:
                client.wait_for_workers(workers, timeout=START_SECONDS)
        except BaseException:
            self.stop()  # no processes left behind for a later test to trip over
            raise

    @staticmethod
    def _start(log: Path, *args: str) -> subprocess.Popen:
        with open(log, "wb") as output:
            return subprocess.Popen([str(DASK), *args], stdout=output, stderr=subprocess.STDOUT, start_new_session=True)

    def worker_pids(self) -> dict[str, int]:
        with Client(self.address, timeout=START_SECONDS) as client:
            return client.run(os.getpid)

    def stop(self) -> None:
        """Asked to stop, then killed: a worker without a nanny can take half a minute to
        close its connections once its scheduler has gone, and nothing of theirs is kept."""
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
