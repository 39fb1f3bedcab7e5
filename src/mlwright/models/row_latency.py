"""Boosting rounds capped by what one row's prediction may cost, while the booster trains.

A model whose one-row prediction alone is over the latency limit cannot ship: pruning leaves it
out of the ensemble, or cuts its rounds at the end with nothing to say what the cut costs. A
26-class XGBoost of depth 9 takes about 0.4 ms plus 0.015 ms a round to answer one row; on
letter at 60 s it boosted for 11-21 s to 800 rounds (10 ms a row) and was then left out as too
slow alone, while the LightGBM that shipped was cut short for want of that time.

Boosters stop adding rounds once the model would be too slow alone: the rounds the limit
allows are known early (one row's time grows linearly with the rounds), the fit ends sooner,
and the trial is scored as the model it ships, so the ensemble chooses with that score.
CatBoost is not capped: its oblivious trees answer one row in microseconds whatever the rounds.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import numpy as np

#: The first round one row's prediction is timed at; then at every doubling of the rounds.
FIRST_CHECK = 10
#: Calls per timing; their median is taken (a busy core makes single calls noisy).
CALLS = 7


class RoundsForLatency:
    """Tells a boosting loop when one more round would make one row's prediction slower than
    ``limit_ms`` milliseconds."""

    def __init__(self, limit_ms: float):
        self.limit_ms = limit_ms
        self.max_rounds: int | None = None  # set once the limit binds
        self._points: list[tuple[int, float]] = []
        self._next_check = FIRST_CHECK

    @property
    def active(self) -> bool:
        return math.isfinite(self.limit_ms)

    def stop_after(self, rounds: int, measure: Callable[[int], float]) -> bool:
        """Whether boosting stops with ``rounds`` rounds done; ``measure(n)`` times one row's
        prediction by the first ``n`` rounds, called only at the checks. ``max_rounds`` then says
        how many rounds the model may keep (fewer when the last timing was already over)."""
        if not self.active:
            return False
        if self.max_rounds is not None and rounds >= self.max_rounds:
            return True
        if rounds < self._next_check:
            return False
        self._next_check = 2 * rounds
        self._points.append((rounds, measure(rounds)))
        self.max_rounds = self._allowed()
        return self.max_rounds is not None and rounds >= self.max_rounds

    def kept(self, rounds: int) -> int:
        """The rounds a model of ``rounds`` keeps under the cap."""
        return max(1, min(rounds, self.max_rounds)) if self.max_rounds is not None else rounds

    def _allowed(self) -> int | None:
        """Rounds under the limit by the line through the first and last timings (a fixed part,
        reading the row, and a part per round); None while the line does not reach it."""
        (r0, ms0), (r1, ms1) = self._points[0], self._points[-1]
        if len(self._points) == 1 or r1 == r0:
            return max(1, int(r0 * self.limit_ms / ms0)) if ms0 > self.limit_ms else None
        slope = (ms1 - ms0) / (r1 - r0)
        if slope <= 0:
            return None if ms1 <= self.limit_ms else r1
        return max(1, int(r0 + (self.limit_ms - ms0) / slope))


def median_call_ms(call: Callable[[int], object], calls: int) -> float:
    """Median milliseconds of ``call(i)`` for i in 0..calls-1, after one untimed ``call(0)`` (the
    first call pays for caches and lazy set-up a service pays once)."""
    call(0)
    samples = []
    for i in range(calls):
        started = time.perf_counter()
        call(i)
        samples.append(time.perf_counter() - started)
    return 1000.0 * float(np.median(samples))


def one_row_ms(predict: Callable[[], object]) -> float:
    """Median milliseconds of ``predict()`` (one row) over ``CALLS`` calls."""
    return median_call_ms(lambda _: predict(), CALLS)
