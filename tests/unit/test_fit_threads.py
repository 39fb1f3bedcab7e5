"""A fit asks for no more threads than other processes leave free (``mlwright.execution.cores``):
an OpenMP team larger than the free cores spins while a partner waits for a turn on a busy one."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from mlwright.execution import cores
from mlwright.execution.cores import _Reading, fit_threads, other_processes_cores, threads_beside


@pytest.fixture(autouse=True)
def no_earlier_reading(monkeypatch):
    monkeypatch.setattr(cores, "_last", None)


def test_a_thread_is_given_up_for_each_busy_core_but_never_the_last():
    assert threads_beside(2, others=0.0, cores=2) == 2
    assert threads_beside(2, others=0.2, cores=2) == 2  # a fifth of a core: the team keeps both
    assert threads_beside(2, others=0.3, cores=2) == 1
    assert threads_beside(2, others=0.9, cores=2) == 1
    assert threads_beside(8, others=2.0, cores=8) == 6
    assert threads_beside(8, others=2.3, cores=8) == 5
    assert threads_beside(4, others=5.0, cores=2) == 1
    assert threads_beside(2, others=0.0, cores=8) == 2  # never more than asked


def test_this_process_own_work_is_not_counted_as_other_processes():
    first = _Reading(at=0.0, busy=10.0, own=4.0)
    assert other_processes_cores(first, _Reading(at=2.0, busy=13.0, own=6.0)) == pytest.approx(0.5)
    assert other_processes_cores(first, _Reading(at=2.0, busy=12.0, own=6.5)) == 0.0  # ticks rounded apart


def test_spinning_in_this_process_shows_as_its_own_time():
    first = cores._read()
    until = time.monotonic() + 0.6
    while time.monotonic() < until:
        pass
    now = cores._read()
    assert now.own - first.own >= 0.4
    assert other_processes_cores(first, now) <= (now.busy - first.busy) / (now.at - first.at) - 0.4 / 0.6


def test_a_process_keeping_a_core_busy_takes_a_thread_away():
    every = cores._cores()
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.5)  # past its start
        fit_threads(every)  # the first reading
        time.sleep(1.0)
        assert fit_threads(every) <= max(every - 1, 1)
    finally:
        busy.kill()
        busy.wait()


def test_one_thread_asked_is_one_thread_without_a_reading():
    assert fit_threads(1) == 1
    assert cores._last is None


def test_a_forked_child_reads_the_machine_afresh():
    import os

    cores._last = cores._read()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # the parent's reading counts the parent's CPU time, not the child's
        os.write(write, b"1" if cores._last is None else b"0")
        os._exit(0)
    os.waitpid(child, 0)
    assert os.read(read, 1) == b"1"
