"""One exception tree for everything mlwright reports to its users.

Every error says *what* went wrong, *where* (file, column or field) and *how to fix it*,
in one line, so that the command line can print it without a traceback.
"""

from __future__ import annotations


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


class BudgetError(MlwrightError):
    """The time budget was too small to fit even one model."""


class OptionalDependencyError(MlwrightError, ImportError):
    """A feature needs a package that is not installed."""
