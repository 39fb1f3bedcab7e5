"""The one seam between the search and the machines that run its trials.

It is the ``concurrent.futures`` shape: ``submit`` returns a future, ``wait_any`` returns the
futures that are done. A local, in-process executor and a cluster executor both fit it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol


class Future(Protocol):
    def result(self, timeout: float | None = None) -> Any: ...

    def done(self) -> bool: ...


class Executor(Protocol):
    #: How many trials the search keeps in flight at once.
    slots: int

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future: ...

    def wait_any(self, futures: Iterable[Future], timeout: float | None = None) -> tuple[set, set]:
        """Block until at least one future is done; return (done, not done)."""

    def shutdown(self) -> None: ...
