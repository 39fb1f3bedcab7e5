"""Local methods on many series, shared between processes.

statsforecast fits one series at a time in Python; a thousand series take a thousand fits, so
they are spread over ``n_jobs`` forked processes in chunks (forked: the workers inherit the
imported libraries instead of importing them again, which costs seconds). Few fits stay in this
process, where a pool would cost more than it saves.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable

#: Series per task sent to a worker.
CHUNK = 50
#: Below this many jobs a pool costs more than it saves.
PARALLEL_JOBS = 100


def map_series(function: Callable[..., Any], jobs: list[tuple], workers: int) -> list[Any]:
    """``[function(*job) for job in jobs]``, in order, over ``workers`` processes when worth it.
    ``function`` must be defined at a module's top level (it is sent to the workers by name)."""
    if workers <= 1 or len(jobs) < PARALLEL_JOBS:
        return [function(*job) for job in jobs]
    chunks = [jobs[i:i + CHUNK] for i in range(0, len(jobs), CHUNK)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        return [result for results in pool.map(_apply, [function] * len(chunks), chunks) for result in results]


def _apply(function: Callable[..., Any], chunk: list[tuple]) -> list[Any]:
    return [function(*job) for job in chunk]
