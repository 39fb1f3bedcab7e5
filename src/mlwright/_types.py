"""Named aliases shared by every stage, so signatures read as the domain speaks."""

from __future__ import annotations

import os
from enum import Enum
from typing import Any, Union

import numpy as np
import pandas as pd

#: Anything ``mlwright`` can read a table from: a path, a pandas or a polars DataFrame, or a
#: ``mlwright.data.sql.SqlQuery``.
DataSource = Union[str, "os.PathLike[str]", pd.DataFrame, Any]
Frame = pd.DataFrame
Array = np.ndarray


class Task(str, Enum):
    """The learning problem, inferred from the target unless given."""

    BINARY = "binary"
    MULTICLASS = "multiclass"
    REGRESSION = "regression"

    @property
    def is_classification(self) -> bool:
        return self is not Task.REGRESSION


def task_words(tasks: frozenset[Task]) -> str:
    """'regression', 'binary or multiclass': a set of tasks in a message, in the enum's order."""
    return " or ".join(t.value for t in Task if t in tasks)
