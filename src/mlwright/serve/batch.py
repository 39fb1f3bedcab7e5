"""Batch scoring in chunks, so that tables larger than memory can be scored.

The rows come from a file or an SQL query; the predictions go to a file, a database table, or
both. Every destination is all or nothing: a file is written under a temporary name in its
folder and renamed when complete, a table is written in one transaction. A failed run never
leaves partial predictions where the result belongs.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from mlwright.data.documents import PATH_COLUMN, TEXT_COLUMN, is_document_collection, read_documents
from mlwright.data.readers import iter_table
from mlwright.data.schema import TEXT
from mlwright.data.sql import SqlQuery, iter_sql, table_name, write_table
from mlwright.errors import ConfigError, closest_name
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


def score_file(model: TrainedModel, source: str | os.PathLike | SqlQuery, out: str | os.PathLike | None = None, *,
               chunk_rows: int = 100_000, read_options: dict[str, Any] | None = None,
               on_chunk: Callable[[int], None] | None = None, to_table: tuple[str, str] | None = None,
               keep_columns: Sequence[str] = ()) -> ScoringReport:
    """Score ``source`` (a file, or an ``SqlQuery`` read in chunks) into ``out`` (a file),
    ``to_table`` (``(database URL, table name)``, created or appended to), or both.

    ``keep_columns`` copies input columns (an id, say) in front of the prediction columns, so
    that each prediction can be joined back to its row.
    """
    if out is None and to_table is None:
        raise ConfigError("nowhere to write the predictions.", where="score_file",
                          fix="pass an output file (out=...), a table (to_table=(url, table)), or both.")
    keep = kept_names(keep_columns)
    if is_document_collection(source):  # one row per file: its path says which
        keep = (PATH_COLUMN, *(k for k in keep if k != PATH_COLUMN))
    file_format = output_format(Path(out)) if out is not None else None  # both checked before any row is read
    if to_table is not None:
        table_name(to_table[1])
    report = ScoringReport()
    tables = _scored_chunks(model, source, report, chunk_rows=chunk_rows, read_options=read_options or {},
                            keep=keep, on_chunk=on_chunk)
    with ExitStack() as stack:
        sink = None
        if out is not None:
            sink = _FileSink(stack.enter_context(atomic_path(out)), *file_format)
            tables = sink.passing(tables)
        if to_table is not None:
            write_table(tables, *to_table)  # if writing the file fails, the table's transaction rolls back
        else:
            for _ in tables:
                pass
        if sink is not None:
            sink.close(_empty_predictions(model, keep))
    return report


def _scored_chunks(model: TrainedModel, source, report: ScoringReport, *, chunk_rows: int,
                   read_options: dict[str, Any], keep: tuple[str, ...],
                   on_chunk: Callable[[int], None] | None) -> Iterator[pd.DataFrame]:
    where = str(source)
    masked: dict[str, str] | None = None
    for chunk in _read_chunks(source, chunk_rows, read_options, model):
        if masked is None:  # the first chunk decides, so every row of a table is treated alike
            report.warnings.extend(chunk.attrs.get("read_notes", []))  # files of a folder left out, and why
            check_kept(keep, chunk, where)
            masked = personal_columns(model, chunk)
            report.warnings.extend(warning_text(column, evidence) for column, evidence in masked.items())
        table, messages = score_chunk(model, chunk, masked=masked, keep=keep, where=where)
        report.warnings.extend(m for m in messages if m not in report.warnings)
        report.rows += len(table)
        report.chunks += 1
        if on_chunk:
            on_chunk(len(table))
        yield table


def _read_chunks(source, chunk_rows: int, read_options: dict[str, Any], model: TrainedModel) -> Iterator[pd.DataFrame]:
    if is_document_collection(source):
        return iter([documents_to_score(model, read_documents(source), str(source))])
    if isinstance(source, SqlQuery):
        if read_options:
            raise ConfigError(f"{', '.join(sorted(read_options))} apply to files, not to SQL queries.",
                              where=str(source), fix="leave out --sep, --no-header and --columns with --sql.")
        return iter_sql(source, chunk_rows)
    return iter_table(source, chunk_rows=chunk_rows, **read_options)


def documents_to_score(model: TrainedModel, frame: pd.DataFrame, where: str) -> pd.DataFrame:
    """A collection's files as the model's rows: the text under the name of the model's text
    column (a model trained on a table's ``review`` column scores a folder of reviews), without
    the class folders' labels, which are not the model's to read."""
    text_columns = [c.name for c in model.schema.used if c.kind == TEXT]
    if TEXT_COLUMN not in text_columns:
        if len(text_columns) != 1:
            raise ConfigError("the model does not read one text column, so it cannot score a folder of documents.",
                              where=where, fix="score a table with the model's columns instead.")
        frame = frame.rename(columns={TEXT_COLUMN: text_columns[0]})
    notes = frame.attrs.get("read_notes", [])
    frame = frame.drop(columns=[c for c in frame.columns if c not in (PATH_COLUMN, *text_columns)])
    frame.attrs["read_notes"] = notes
    return frame


def score_chunk(model: TrainedModel, chunk: pd.DataFrame, *, masked: Iterable[str], keep: tuple[str, ...],
                where: str) -> tuple[pd.DataFrame, list[str]]:
    """One chunk's predictions with the kept columns in front, and the warnings predicting gave.
    The step local and Dask scoring (``mlwright.serve.dask_batch``) share, so both write the same rows."""
    masked = list(masked)
    features = chunk.assign(**{column: None for column in masked}) if masked else chunk
    if PATH_COLUMN in keep and PATH_COLUMN not in {c.name for c in model.schema.columns}:
        features = features.drop(columns=[PATH_COLUMN])  # a document's path is kept, never read
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # about this process's own unclosed files or processes, met by the garbage collector: not the rows'
        warnings.simplefilter("ignore", ResourceWarning)
        table = model.predict_table(features, where=where)
    if keep:
        check_no_clash(keep, table, where)
        table = pd.concat([chunk[list(keep)], table], axis=1)  # the values as given, even masked ones
    return table, [str(w.message) for w in caught]


def kept_names(keep_columns: Sequence[str] | str) -> tuple[str, ...]:
    if isinstance(keep_columns, str):  # one name, not its letters
        keep_columns = (keep_columns,)
    return tuple(dict.fromkeys(str(name) for name in keep_columns))


def check_kept(keep: tuple[str, ...], chunk: pd.DataFrame, where: str) -> None:
    for name in keep:
        if name not in chunk.columns:
            guess = closest_name(name, chunk.columns)
            hint = f"did you mean {guess!r}?" if guess else f"name one of the input's {chunk.shape[1]} columns."
            raise ConfigError(f"no column {name!r} to keep beside the predictions.", where=where,
                              fix=f"{hint} (--keep-column)")


def check_no_clash(keep: tuple[str, ...], table: pd.DataFrame, where: str) -> None:
    clash = [name for name in keep if name in table.columns]
    if clash:
        raise ConfigError(f"kept column {clash[0]!r} has the name of a prediction column.", where=where,
                          fix="keep other columns, or rename it in the input (SELECT ... AS another_name).")


def _empty_predictions(model: TrainedModel, keep: tuple[str, ...]) -> pd.DataFrame:
    """The header a table with no rows gets: the columns scoring would have written."""
    return pd.DataFrame(columns=list(keep) + model.output_columns())


def write_file(table: pd.DataFrame, out: str | os.PathLike) -> Path:
    """One whole table to ``out`` in the format its name asks for, under a temporary name until
    it is complete."""
    from mlwright.files import atomic_path

    out = Path(out)
    kind, sep, compression = output_format(out)
    with atomic_path(out) as path:
        sink = _FileSink(path, kind, sep, compression)
        sink.write(table)
        sink.close(table.head(0))
    return out


class _FileSink:
    """Appends chunks of predictions to a file in the format its name asks for."""

    def __init__(self, path: Path, kind: str, sep: str | None, compression: str | None):
        self.path, self.kind, self.sep, self.compression = path, kind, sep, compression
        self.chunks = 0
        self._parquet = None

    def passing(self, tables: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        """Write each table as it goes by, for the next destination to take it too."""
        for table in tables:
            self.write(table)
            yield table

    def write(self, table: pd.DataFrame) -> None:
        if self.kind == "parquet":
            self._write_parquet(table)
        else:
            table.to_csv(self.path, sep=self.sep, index=False, mode="a" if self.chunks else "w",
                         header=not self.chunks, compression=self.compression)  # gzip members concatenate into one valid stream
        self.chunks += 1

    def close(self, empty: pd.DataFrame) -> None:
        if self._parquet is not None:
            self._parquet.close()
        elif not self.chunks:
            self.write(empty)

    def _write_parquet(self, table: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        arrow = pa.Table.from_pandas(table, preserve_index=False)
        if self._parquet is None:
            self._parquet = pq.ParquetWriter(self.path, arrow.schema)
        self._parquet.write_table(arrow)
