"""How many threads a fit should ask for now: no more than the cores other processes leave free.

LightGBM, XGBoost, scikit-learn's histogram boosting and torch run their threads as OpenMP teams
that meet at every parallel step. libgomp spins at those meetings before it sleeps, which is what
makes a team fast on free cores: waiting passively instead (``OMP_WAIT_POLICY=PASSIVE``) made
LightGBM 8-12 times slower here. But when another process keeps a core busy, a team as large as
the machine spins while its partner waits for a turn on the shared core. Measured on two cores
(``benchmarks/openmp_waits.py --pair``), two trainings of two threads each, side by side, took
10-40 times as long as either alone (LightGBM, 26 classes: 53 s a fit against 1.4 s), while one
thread each ran at the speed of one free core. A team no larger than the free cores never waits
for a partner that has no core, so each fit asks for that many threads: all of them on an idle
machine, fewer beside other work (a second training, a Dask worker on the same host, a busy
laptop).

Other processes' load is read from the system's CPU times less this process's own, over the
time since the previous fit asked (the first fit: since this module was imported, when the
training began to read its data), so it costs nothing between fits. Two trainings or two Dask
workers that start together see each other that way, not two idle machines.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

#: The shortest span a reading is trusted over: the kernel counts CPU time in 10 ms ticks.
SHORTEST_SPAN = 0.2
#: A thread is given up once other processes keep more than this share of a core busy on average:
#: a thread too few costs a fit 1.5 times its time, a team spinning beside busy work 3-40 times.
TOLERATED_SHARE = 0.25


@dataclass(frozen=True)
class _Reading:
    at: float
    busy: float  # seconds of CPU time the whole machine spent on anything, over all cores
    own: float  # seconds of CPU time this process spent, over all its threads


_lock = threading.Lock()


def fit_threads(asked: int) -> int:
    """``asked`` threads, less one for each core other processes kept busy of late (a core
    counts once they use more than ``TOLERATED_SHARE`` of it), and at least one. One thread asked
    is one thread: it never waits for a partner."""
    global _last
    asked = max(int(asked), 1)
    if asked == 1:
        return 1
    with _lock:
        first = _last or _read()
        if first is None:  # no CPU times on this system: trust what was asked
            return asked
        if time.monotonic() - first.at < SHORTEST_SPAN:
            time.sleep(SHORTEST_SPAN - (time.monotonic() - first.at))
        now = _read()
        _last = now
    others = other_processes_cores(first, now)
    return threads_beside(asked, others, _cores())


def threads_beside(asked: int, others: float, cores: int) -> int:
    """The threads a team may take on ``cores`` while other processes keep ``others`` cores busy."""
    free = cores - others
    return max(1, min(asked, int(free + TOLERATED_SHARE)))


def other_processes_cores(first: _Reading, now: _Reading) -> float:
    span = now.at - first.at
    if span <= 0:
        return 0.0
    return max((now.busy - first.busy) - (now.own - first.own), 0.0) / span


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _read() -> _Reading | None:
    try:
        import psutil

        times = psutil.cpu_times()
    except (ImportError, OSError, RuntimeError):
        return None
    idle = times.idle + getattr(times, "iowait", 0.0)
    total = sum(times) - getattr(times, "guest", 0.0) - getattr(times, "guest_nice", 0.0)  # guest is in user
    own = os.times()
    return _Reading(at=time.monotonic(), busy=total - idle, own=own.user + own.system)


def _forget() -> None:
    global _last
    _last = None


_last: _Reading | None = _read()
if hasattr(os, "register_at_fork"):  # a forked child's own CPU time starts again from nothing
    os.register_at_fork(after_in_child=_forget)
