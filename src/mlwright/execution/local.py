"""Run trials one after another in this process: deterministic and free of copying.

Each trial already uses every core through its model's own threads, so running trials side by
side on one machine would only make them fight for the same cores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import Future
from typing import Any


class LocalExecutor:
    slots = 1

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        future: Future = Future()
        try:
            future.set_result(fn(*args))
        except BaseException as exc:  # handed to the caller through the future, like a pool would
            future.set_exception(exc)
        return future

    def wait_any(self, futures: Iterable[Future], timeout: float | None = None) -> tuple[set, set]:
        futures = set(futures)
        done = {f for f in futures if f.done()}
        return done, futures - done

    def shutdown(self) -> None:
        pass
