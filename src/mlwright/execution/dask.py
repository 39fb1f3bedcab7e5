"""Run trials as tasks on a Dask cluster: an existing one (``address``), or a local cluster of
worker processes started for the run and stopped with it.

The search does not change: this is another ``Executor``. What travels:

- the search context (the training rows, labels, folds and schema) is sent to every worker once,
  with ``scatter(broadcast=True)``, and tasks refer to it; a worker that dies loses only its
  copy, and the others keep theirs;
- each task carries a small trial spec (family, parameters, deadline) and returns the trial's
  result (its out-of-fold predictions: one float per training row and class).

A task whose worker dies is retried once on another worker; after that the trial is recorded as
failed and the search goes on. Each worker runs one trial at a time by default, so the number
of trials in flight is the cluster's worker threads.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import CancelledError
from typing import Any

from mlwright.errors import ConfigError
from mlwright.search.context import SearchContext

#: Connecting to a scheduler that does not answer fails after this many seconds.
CONNECT_SECONDS = 20
RETRIES = 1


def require_distributed():
    """The ``distributed`` package, or an error that says how to install it."""
    try:
        import distributed
    except ImportError:
        raise ConfigError("the dask backend needs dask.distributed, which is not installed.", where="--backend",
                          fix="pip install 'mlwright[dask]' (or leave --backend at local).") from None
    return distributed


class DaskExecutor:
    """Trials as Dask tasks. ``address`` (``tcp://host:8786``) joins a running cluster; without
    it a local cluster of ``workers`` processes with ``threads`` threads each is started."""

    def __init__(self, address: str | None = None, *, workers: int = 2, threads: int = 1):
        distributed = require_distributed()
        self._cluster = None
        try:
            if address is None:
                self._cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=threads,
                                                         processes=True, dashboard_address=None)
                self.client = distributed.Client(self._cluster)
            else:
                self.client = distributed.Client(address, timeout=CONNECT_SECONDS)
        except OSError as exc:
            self.shutdown()
            raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}.", where="--address",
                              fix="check the address (tcp://host:8786) and that the scheduler runs.") from None
        self._scattered: dict[int, Any] = {}
        self._placed: list[tuple[Any, str | None]] = []

    @property
    def slots(self) -> int:
        """Trials kept in flight: one per worker thread (read as workers come and go)."""
        return max(1, sum(self.client.nthreads().values()))

    @property
    def address(self) -> str:
        return self.client.scheduler.address

    def submit(self, fn: Callable[..., Any], /, *args: Any):
        """Each trial goes to the worker with the fewest of this search's trials in flight, so that
        trials spread over the cluster at once rather than queue on the worker that got the data
        first; the scheduler may still move it elsewhere (a worker that left, work stealing)."""
        shipped = [self._scatter(a) if isinstance(a, SearchContext) else a for a in args]
        self._placed = [(f, w) for f, w in self._placed if not f.done()]
        threads = self.client.nthreads()
        busy = {w: sum(1 for _, placed in self._placed if placed == w) / max(n, 1) for w, n in threads.items()}
        worker = min(sorted(busy), key=busy.get) if busy else None
        future = self.client.submit(fn, *shipped, pure=False, retries=RETRIES, workers=[worker] if worker else None,
                                    allow_other_workers=True)
        self._placed.append((future, worker))
        return future

    def wait_any(self, futures: Iterable, timeout: float | None = None) -> tuple[set, set]:
        """Done futures include cancelled ones (their trial's data or worker was lost): their
        ``result()`` raises, and the search records that trial as failed."""
        futures = set(futures)
        try:
            done, _ = require_distributed().wait(list(futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except CancelledError:  # distributed raises when any future was cancelled: sort them by hand
            done = {f for f in futures if f.status in ("finished", "error", "cancelled", "lost")}
        return set(done), futures - set(done)

    def shutdown(self) -> None:
        client, cluster = getattr(self, "client", None), self._cluster
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    def _scatter(self, context: SearchContext):
        """The context on every worker, sent once per search."""
        key = id(context)
        if key not in self._scattered or self._scattered[key].status != "finished":
            self._scattered = {key: self.client.scatter(context, broadcast=True, hash=False)}
        return self._scattered[key]
