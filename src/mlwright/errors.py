"""One exception tree for everything mlwright reports to its users.

Every error says *what* went wrong, *where* (file, column or field) and *how to fix it*,
in one line, so that the command line can print it without a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class MlwrightError(Exception):
    """Base of all errors that mlwright raises on purpose."""

    def __init__(self, problem: str, *, where: str | None = None, fix: str | None = None):
        self.problem = problem
        self.where = where
        self.fix = fix
        super().__init__(self.message)

    @property
    def message(self) -> str:
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        return f"{text} Fix: {self.fix}" if self.fix else text


class DataError(MlwrightError, ValueError):
    """The input table cannot be read or used as it is."""


class SchemaError(DataError):
    """Prediction data does not match the columns the model was trained on."""


class ConfigError(MlwrightError, ValueError):
    """A parameter or option has a value that is not allowed."""


class ModelFormatError(MlwrightError):
    """A model directory is missing, from an unknown format version, or was altered."""


class DatabaseError(MlwrightError):
    """A database cannot be reached, or refused what was asked of it."""


class StoreError(MlwrightError):
    """The experiment store or the model registry cannot do what was asked: an unknown run,
    model or version, a stage that does not exist, an artifact that was altered."""


class BudgetError(MlwrightError):
    """The time budget was too small to fit even one model."""


class OptionalDependencyError(MlwrightError, ImportError):
    """A feature needs a package that is not installed."""


def closest_name(name: object, choices: Iterable[object]) -> str | None:
    """The choice a mistyped ``name`` most likely meant, for a "did you mean" in a fix: the same
    name in other case first, then the nearest spelling; None when nothing is near."""
    names = [str(c) for c in choices]
    wanted = str(name).strip().lower()
    same = [c for c in names if c.lower() == wanted]
    if same:
        return same[0]
    close = difflib.get_close_matches(wanted, [c.lower() for c in names], n=1, cutoff=0.6)
    return next((c for c in names if close and c.lower() == close[0]), None)
