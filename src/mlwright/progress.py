"""A Rich progress bar over the time budget, fed by the search's per-trial callback."""

from __future__ import annotations

import sys
import time

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from mlwright.evaluate.metrics import Metric
from mlwright.search.trial import TrialResult


class SearchProgress:
    """Shows elapsed time against the budget, trials done and the best score so far."""

    def __init__(self, budget_seconds: float, metric: Metric, *, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.metric, self.budget = metric, budget_seconds
        self.best: float | None = None
        self.count = 0
        self._progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(),
                                  TextColumn("{task.fields[status]}"), console=Console(stderr=True),
                                  transient=False, disable=not self.enabled)
        self._task = None
        self._started = time.time()

    def __enter__(self) -> "SearchProgress":
        self._progress.start()
        self._task = self._progress.add_task("searching", total=self.budget, status="")
        return self

    def __exit__(self, *exc) -> None:
        self._progress.update(self._task, completed=min(time.time() - self._started, self.budget))
        self._progress.stop()

    def stage(self, name: str) -> None:
        self._progress.update(self._task, description=name, completed=min(time.time() - self._started, self.budget))

    def on_result(self, result: TrialResult) -> None:
        self.count += 1
        if result.ok and (self.best is None or result.score > self.best):
            self.best = result.score
        best = f"best {self.metric.name} {self.metric.to_value(self.best):.4f}" if self.best is not None else ""
        self._progress.update(self._task, completed=min(time.time() - self._started, self.budget),
                              status=f"{self.count} trials  {best}  last: {result.spec.name} ({result.status})")

    def rows_read(self, total: int) -> None:
        """The final fit of a sampled run reads the whole file: its rows so far, and the time."""
        self._progress.update(self._task, completed=min(time.time() - self._started, self.budget),
                              status=f"{total:,} rows read")
