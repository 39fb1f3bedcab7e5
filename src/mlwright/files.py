"""Writing files so that a reader, or a crash, never meets half of one."""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np


def _file_mode() -> int:
    """The mode ``open()`` gives a new file under this process's umask (read once, at import:
    reading it means setting it, which is not safe once other threads run)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


_FILE_MODE = _file_mode()


@contextmanager
def atomic_path(path: str | os.PathLike[str], *, make_folder: bool = True) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` when the block ends
    without error, removed when it fails: a reader never sees half a file. ``make_folder=False``
    leaves a missing folder missing (a writer that must not bring back a discarded folder)."""
    path = Path(path)
    if make_folder:
        path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    try:
        yield Path(temporary)
        if os.path.isfile(temporary):  # mkstemp's 0600 would hide a report from the user's colleagues
            os.chmod(temporary, _FILE_MODE)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def replace_folder(staging: str | os.PathLike[str], target: str | os.PathLike[str]) -> Path:
    """Put the finished folder ``staging`` at ``target``, replacing what was there (a folder or a
    file): the old one is renamed aside first, put back if the new one cannot be moved in, and
    removed last, so ``target`` is always whole, old or new."""
    staging, target = Path(staging), Path(target)
    if not target.exists():
        os.replace(staging, target)
        return target
    retired = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(target, retired)
    try:
        os.replace(staging, target)
    except BaseException:
        os.replace(retired, target)
        raise
    if retired.is_dir():
        shutil.rmtree(retired, ignore_errors=True)
    else:
        retired.unlink(missing_ok=True)
    return target


def file_sha256(path: str | os.PathLike[str]) -> str:
    """The SHA-256 of a file's bytes, read in blocks (model files can be large)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` through :func:`atomic_path`."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return Path(path)


def json_default(value):
    """``default=`` for ``json.dumps``: NumPy scalars and arrays as Python values, anything else as text."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


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


def check_export_folder(output: Path, source: Path, *, what: str, is_export) -> None:
    """Refuse an export's target that would lose something: a folder inside the model it exports,
    a file, or a folder that holds anything but an earlier export of the same kind (``is_export``
    recognises one; ``what`` names the kind in the message, e.g. "an MLflow export")."""
    from mlwright.errors import ConfigError, ModelFormatError

    output, source = Path(output), Path(source)
    if output.resolve().is_relative_to(source.resolve()):
        raise ConfigError("the export would be written inside the model it exports.", where=str(output),
                          fix="choose an --output folder outside the model directory.")
    if output.exists() and not output.is_dir():
        raise ModelFormatError(f"a file with this name exists; {what} is a folder.", where=str(output),
                               fix="choose another --output path.")
    if output.is_dir() and any(output.iterdir()) and not is_export(output):
        raise ModelFormatError(f"the folder exists and is not {what}; refusing to replace it.",
                               where=str(output), fix="choose an empty or new folder for --output, or delete it.")
