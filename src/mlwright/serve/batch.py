"""Batch scoring of a file in chunks, so that files larger than memory can be scored.

The output is written under a temporary name in the destination folder and renamed when
complete: a failed run never leaves a partial file where the result belongs.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from mlwright.data.readers import iter_table
from mlwright.errors import ConfigError
from mlwright.files import atomic_path
from mlwright.predictor import TrainedModel
from mlwright.serve.privacy_guard import personal_columns, warning_text

_TEXT_SEPARATORS = {".csv": ",", ".tsv": "\t", ".txt": ","}


@dataclass
class ScoringReport:
    rows: int = 0
    chunks: int = 0
    warnings: list[str] = field(default_factory=list)


def output_format(path: Path) -> tuple[str, str | None, str | None]:
    """(kind, separator, compression) from the output file name."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = {".gz": "gzip", ".bz2": "bz2", ".xz": "xz"}.get(suffixes[-1] if suffixes else "")
    if compression:
        suffixes = suffixes[:-1]
    last = suffixes[-1] if suffixes else ""
    if last in (".parquet", ".pq"):
        return "parquet", None, None
    if last in _TEXT_SEPARATORS:
        return "text", _TEXT_SEPARATORS[last], compression
    raise ConfigError(f"cannot tell the output format from {path.name!r}.", where=str(path),
                      fix="end the output name with .csv, .tsv, .parquet (optionally .gz for text).")


def score_file(model: TrainedModel, source: str | os.PathLike, out: str | os.PathLike, *, chunk_rows: int = 100_000,
               read_options: dict[str, Any] | None = None,
               on_chunk: Callable[[int], None] | None = None) -> ScoringReport:
    out = Path(out)
    kind, sep, compression = output_format(out)
    report = ScoringReport()
    writer = None
    masked: dict[str, str] | None = None
    with atomic_path(out) as temporary:
        for chunk in iter_table(source, chunk_rows=chunk_rows, **(read_options or {})):
            if masked is None:  # the first chunk decides, so every row of a file is treated alike
                masked = personal_columns(model, chunk)
                report.warnings.extend(warning_text(column, evidence) for column, evidence in masked.items())
            if masked:
                chunk = chunk.assign(**{column: None for column in masked})
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                table = model.predict_table(chunk, where=str(source))
            report.warnings.extend(str(w.message) for w in caught if str(w.message) not in report.warnings)
            if kind == "parquet":
                writer = _write_parquet(table, temporary, writer)
            else:
                table.to_csv(temporary, sep=sep, index=False, mode="a" if report.chunks else "w",
                             header=not report.chunks, compression=compression)  # gzip members concatenate into one valid stream
            report.rows += len(table)
            report.chunks += 1
            if on_chunk:
                on_chunk(len(table))
        if writer is not None:
            writer.close()
        if report.chunks == 0:
            pd.DataFrame(columns=[model.target.name]).to_csv(temporary, index=False)
    return report


def _write_parquet(table: pd.DataFrame, path: Path, writer):
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrow = pa.Table.from_pandas(table, preserve_index=False)
    if writer is None:
        writer = pq.ParquetWriter(path, arrow.schema)
    writer.write_table(arrow)
    return writer

