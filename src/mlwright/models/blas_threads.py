"""BLAS threads for the matrix products of linear models and neighbours: one for small tables.

A logistic regression on a few thousand rows multiplies small matrices a few hundred times. With
two BLAS threads on a two-core machine that has any other work, OpenBLAS's threads wait on each
other: 4,400 rows x 40 columns x 11 classes took 5 s a fit instead of 0.2 s with one thread, so
the linear trials of a 60 s search ran out of time on the very table (texture) where they beat
every tree by a factor of five in log loss. Large tables keep the threads the search was given.
"""

from __future__ import annotations

from functools import cache

#: Below this many cells (rows x columns) one BLAS thread is faster than several.
SMALL_CELLS = 2_000_000


@cache
def _controller():
    # created once, at the first fit: by then the BLAS libraries that numpy and scipy load are loaded
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def blas_threads_for(cells: int, threads: int) -> int:
    return 1 if cells < SMALL_CELLS else max(int(threads), 1)


def limited_blas(cells: int, threads: int):
    """A context in which BLAS uses ``blas_threads_for(cells, threads)`` threads."""
    return _controller().limit(limits=blas_threads_for(cells, threads), user_api="blas")
