"""Output written in parts and committed only when every part is written: a failed job leaves
no partial result where the final one belongs, and an earlier output stays as it was.

Parts go into a hidden temporary folder beside the output (the same filesystem, so that the
last step is a rename). Parquet output becomes a folder of part files (``OUT/part-00000.parquet``
..., one dataset for ``pd.read_parquet(OUT)``); CSV/TSV output one file, the parts concatenated
in order. Parts are written by whoever holds their rows (a Dask worker, say), each under a
temporary name renamed when complete.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mlwright.errors import ConfigError, DataError
from mlwright.files import atomic_path, replace_folder

#: What the writers' fix says when a part's folder is not where the job put it.
SHARED_PATHS = ("workers must see the model folder, the input and the output's folder at the same paths as "
                "this machine: use a shared filesystem, or a local cluster (leave out --address).")
PART_SUFFIX = {"parquet": ".parquet", "text": ".txt"}


@dataclass(frozen=True)
class PartFormat:
    kind: str
    sep: str | None
    compression: str | None
    schema: Any  # pyarrow.Schema for Parquet parts, the same for all


def check_replaceable(out: Path, kind: str) -> None:
    """An existing output is replaced; a folder that is not an earlier Parquet output is not."""
    if not out.is_dir():
        return
    others = [p.name for p in out.iterdir() if not (p.name.startswith("part-") and p.suffix == ".parquet")]
    if kind != "parquet" or others:
        raise ConfigError("a folder with this name exists and is not an earlier output; refusing to replace it.",
                          where=str(out), fix="choose another output path, or move the folder away.")


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A hidden temporary folder beside ``out`` for the parts; whatever is left of it at the end
    is removed (all of it when the job failed)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        yield staging
    finally:
        discard(staging)


def discard(folder: Path) -> None:
    """Rename first, then delete: a task still running after a failure writes by the old path,
    which no longer exists, so it cannot put a file back while the folder is being deleted."""
    if not folder.exists():
        return
    discarded = folder.with_name(f"{folder.name}-discarded")
    os.replace(folder, discarded)
    shutil.rmtree(discarded, ignore_errors=True)


def write_part(table: pd.DataFrame, path: str, part_format: PartFormat, first: bool) -> int:
    """Write one part (under a temporary name, renamed when complete); its rows. Runs on a worker."""
    path = Path(path)
    if not path.parent.is_dir():  # never created here: the folder is gone when the job failed
        raise ConfigError("a worker cannot see the output's temporary folder.", where=str(path.parent),
                          fix=SHARED_PATHS)
    with atomic_path(path, make_folder=False) as temporary:
        if part_format.kind == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(_arrow_table(table, part_format.schema, path.name), temporary)
        else:
            table.to_csv(temporary, sep=part_format.sep, index=False, header=first,
                         compression=part_format.compression)
    return len(table)


def _arrow_table(table: pd.DataFrame, schema, part: str):
    import pyarrow as pa

    try:
        return pa.Table.from_pandas(table, schema=schema, preserve_index=False)
    except (pa.ArrowException, TypeError, ValueError):
        for field in schema:
            try:
                pa.array(table[field.name], type=field.type, from_pandas=True)
            except (pa.ArrowException, TypeError, ValueError):
                raise DataError(f"column {field.name!r} holds {table[field.name].dtype} values here, where the first "
                                f"rows gave it type {field.type}: the Parquet parts would disagree.", where=part,
                                fix="give the column one type throughout, or write CSV (-o predictions.csv)."
                                ) from None
        raise


def commit_parts(staging: Path, parts: list[Path], out: Path, kind: str) -> None:
    """Parquet: the folder of parts becomes ``out``. Text: the parts, concatenated in order (the
    first holds the header; compressed members concatenate into one valid stream), become ``out``."""
    for stray in set(staging.iterdir()) - set(parts):  # a part's temporary file from a worker that died
        stray.unlink()
    if kind == "parquet":
        replace_folder(staging, out)
        return
    with atomic_path(out) as combined, open(combined, "wb") as sink:
        for part in parts:
            with open(part, "rb") as piece:
                shutil.copyfileobj(piece, sink, 1 << 20)
