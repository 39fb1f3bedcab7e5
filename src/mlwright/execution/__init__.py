"""Where trials run. The search only sees the ``Executor`` protocol."""

from mlwright.execution.base import Executor
from mlwright.execution.local import LocalExecutor

__all__ = ["Executor", "LocalExecutor"]
