"""Where trials run. The search only sees the ``Executor`` protocol: ``LocalExecutor`` here, and
``mlwright.execution.dask.DaskExecutor`` (imported on use: it needs ``mlwright[dask]``)."""

from mlwright.execution.base import Executor
from mlwright.execution.local import LocalExecutor

__all__ = ["Executor", "LocalExecutor"]
