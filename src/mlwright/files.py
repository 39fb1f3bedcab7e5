"""Writing files so that a reader, or a crash, never meets half of one."""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write to a temporary file beside ``path``, then rename: a reader never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def json_ready(value, *, digits: int | None = None):
    """A copy that ``json.dumps(..., allow_nan=False)`` accepts: NumPy scalars become Python ones,
    NaN and infinities None, recursively; floats rounded to ``digits`` when given."""
    if isinstance(value, dict):
        return {str(k): json_ready(v, digits=digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(v, digits=digits) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, digits) if digits is not None else value
    return value
