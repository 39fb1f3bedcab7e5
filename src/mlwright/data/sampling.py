"""A stratified sample of a file too large to load, read without ever holding the whole table.

Training on data larger than memory searches on a sample and fits the chosen configuration on
every row afterwards (``mlwright.search.streamed_fit``). This module reads that sample in two
passes over the file: the first reads the target column alone (one value a row fits in memory
even for hundreds of millions of rows), the second keeps the rows chosen. Rows are named by
their position in the file, so that the final fit can leave out exactly the rows held out.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.data.readers import iter_table
from mlwright.data.target import TargetInfo, analyze_target
from mlwright.errors import DataError, closest_name

#: Rows read at a time in every pass: bounds memory whatever the file's size.
CHUNK_ROWS = 100_000
#: Regression targets are stratified by this many quantile bins, so that the tails are sampled.
REGRESSION_STRATA = 10
#: Rows set aside (outside the sample) to stop the final fit's boosting: a share of the file,
#: within these bounds.
VALIDATION_SHARE, VALIDATION_ROWS = 0.02, (2_000, 100_000)


@dataclass
class FileSample:
    """The rows of ``path`` the search sees, and what the final fit needs to read the rest."""

    path: Path
    read_options: dict[str, Any]
    #: Rows in the file.
    rows: int
    #: The search's rows, as read (indexed from 0, as a table read whole would be).
    sample: pd.DataFrame
    #: Each sample row's position in the file.
    sample_positions: np.ndarray
    #: Rows outside the sample that stop the final fit's boosting, and their positions.
    validation: pd.DataFrame
    validation_positions: np.ndarray
    #: The target of every row, as read (missing where a row has none).
    labels: pd.Series


def sample_file(path: str | os.PathLike, target: str, sample_rows: int, *, task: Task | None = None, seed: int = 0,
                read_options: dict[str, Any] | None = None, chunk_rows: int = CHUNK_ROWS) -> FileSample:
    """Read a sample of ``sample_rows`` labelled rows, stratified by the target (its classes,
    or deciles of a number), and the validation rows beside it."""
    path = Path(path)
    options = dict(read_options or {})
    labels = read_target(path, target, options, chunk_rows=chunk_rows)
    info, cleaned, _ = analyze_target(labels.to_frame(), target, task, where=str(path))
    strata = _strata(info, cleaned)
    rng = np.random.default_rng(seed)
    chosen = stratified_positions(cleaned.index.to_numpy(), strata, min(sample_rows, len(cleaned)), rng)
    rest = np.setdiff1d(cleaned.index.to_numpy(), chosen, assume_unique=True)
    n_validation = int(np.clip(VALIDATION_SHARE * len(labels), *VALIDATION_ROWS))
    validation = np.sort(rng.choice(rest, size=min(n_validation, len(rest)), replace=False))
    sample, held = read_positions(path, [chosen, validation], options, chunk_rows=chunk_rows)
    return FileSample(path=path, read_options=options, rows=len(labels), sample=sample, sample_positions=chosen,
                      validation=held, validation_positions=validation, labels=labels)


def read_target(path: Path, target: str, read_options: dict[str, Any], *, chunk_rows: int = CHUNK_ROWS) -> pd.Series:
    """The target column of every row, indexed by position; only that column is read."""
    columns: list[pd.Series] = []
    for start, chunk in iter_positions(path, read_options, columns=[target], chunk_rows=chunk_rows):
        if target not in chunk.columns:
            close = closest_name(target, chunk.columns)
            hint = f" Did you mean {close!r}?" if close else ""
            raise DataError(f"there is no target column {target!r}.{hint}", where=str(path),
                            fix="pass --target with an existing column.")
        columns.append(chunk[target])
    if not columns:
        raise DataError("the file has no rows.", where=str(path), fix="pass a file with a header and data.")
    return pd.concat(columns, ignore_index=True)


def stratified_positions(positions: np.ndarray, strata: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` of ``positions``, each stratum in its share of the whole (at least one row of
    each, so that no class is missing from the search), sorted."""
    kinds, counts = np.unique(strata, return_counts=True)
    quotas = np.maximum(1, np.floor(counts * n / counts.sum()).astype(int))
    short = n - quotas.sum()
    if short > 0:  # the rounding's remainder goes to the largest strata
        for i in np.argsort(-counts)[:short]:
            quotas[i] += 1
    chosen = [rng.choice(positions[strata == kind], size=min(quota, count), replace=False)
              for kind, quota, count in zip(kinds, quotas, counts)]
    return np.sort(np.concatenate(chosen))


def read_positions(path: Path, wanted: list[np.ndarray], read_options: dict[str, Any], *,
                   chunk_rows: int = CHUNK_ROWS) -> list[pd.DataFrame]:
    """One pass over the file keeping the rows at each sorted array of positions (one frame
    each, indexed from 0)."""
    parts: list[list[pd.DataFrame]] = [[] for _ in wanted]
    for start, chunk in iter_positions(path, read_options, chunk_rows=chunk_rows):
        stop = start + len(chunk)
        for kept, positions in zip(parts, wanted):
            here = positions[np.searchsorted(positions, start):np.searchsorted(positions, stop)]
            if len(here):
                kept.append(chunk.iloc[here - start])
    return [pd.concat(kept, ignore_index=True) if kept else pd.DataFrame() for kept in parts]


def iter_positions(path: Path, read_options: dict[str, Any], *, columns: list[str] | None = None,
                   chunk_rows: int = CHUNK_ROWS) -> Iterator[tuple[int, pd.DataFrame]]:
    """(position of the first row, chunk) over the file. ``columns`` reads only those from a
    Parquet file (a text file is parsed whole either way)."""
    if columns is not None and path.suffix.lower() in (".parquet", ".pq"):
        chunks = _parquet_columns(path, columns, chunk_rows)
    else:
        chunks = iter_table(path, chunk_rows=chunk_rows, **read_options)
    start = 0
    for chunk in chunks:
        yield start, chunk.reset_index(drop=True)
        start += len(chunk)


def _parquet_columns(path: Path, columns: list[str], chunk_rows: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    parquet = pq.ParquetFile(path)
    present = [c for c in columns if c in parquet.schema_arrow.names]
    if len(present) < len(columns):  # the caller names what is missing, with the file's columns
        yield pd.DataFrame(columns=parquet.schema_arrow.names)
        return
    for batch in parquet.iter_batches(batch_size=chunk_rows, columns=present):
        yield batch.to_pandas()


def _strata(info: TargetInfo, labels: pd.Series) -> np.ndarray:
    if info.task.is_classification:
        return info.encode(labels)
    bins = pd.qcut(labels.rank(method="first"), REGRESSION_STRATA, labels=False, duplicates="drop")
    return bins.to_numpy()
