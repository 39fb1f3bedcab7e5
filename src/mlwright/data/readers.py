"""Readers for the tables users bring: CSV/TSV (any separator, compressed), Parquet, DataFrames.

Reading is deliberately forgiving about format (separator, header, stray spaces, '?' for
missing) and strict about content: an unreadable or empty file is a one-line error naming it.
"""

from __future__ import annotations

import csv
import gzip
import bz2
import lzma
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from mlwright.data.documents import is_document_collection, read_documents
from mlwright.errors import DataError

#: Tokens that mean "no value" in the files people actually have.
MISSING_TOKENS = ["?", "", "NA", "N/A", "n/a", "na", "NaN", "nan", "null", "NULL", "None", "none", "-", "<NA>"]
_MISSING_FIELDS = frozenset(MISSING_TOKENS)
_PARQUET_SUFFIXES = {".parquet", ".pq"}
_OPENERS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def describe_source(source) -> dict:
    """Where a table came from, as records keep it: a file's full path, a query (its password
    hidden), or the kind and size of a frame. Frames are checked first: a DataFrame has a
    ``describe`` method too, which is not a query's."""
    if isinstance(source, (str, os.PathLike)):
        return {"kind": "file", "path": str(Path(source).resolve())}
    if isinstance(source, pd.DataFrame) or _is_polars(source):
        return {"kind": type(source).__name__, "rows": int(len(source))}
    if hasattr(source, "describe"):
        return source.describe()
    return {"kind": type(source).__name__}


def read_table(source: Any, *, sep: str | None = None, header: bool | None = None,
               columns: Sequence[str] | None = None) -> pd.DataFrame:
    """Return ``source`` as a pandas DataFrame with string column names. A folder or archive of
    documents is read as one row per file (``data.documents``).

    ``header=None`` guesses whether the first line is a header; ``columns`` names the
    columns of a file without one (and implies ``header=False``).
    """
    if isinstance(source, pd.DataFrame):
        frame = source  # read-only from here on: cleaning builds new columns, never edits these
    elif _is_polars(source):
        frame = source.to_pandas()
    elif is_document_collection(source):
        frame = read_documents(source)
    elif isinstance(source, (str, os.PathLike)):
        frame = _read_path(Path(source), sep=sep, header=header, columns=columns)
    else:
        from mlwright.data.sql import SqlQuery, read_sql  # here: SQLAlchemy loads only for SQL sources

        if not isinstance(source, SqlQuery):
            raise DataError(f"cannot read data from a {type(source).__name__}.", where="data",
                            fix="pass a file path (CSV, TSV, Parquet), a pandas or a polars DataFrame, or an "
                                "SQL query (mlwright.data.sql.SqlQuery).")
        frame = read_sql(source)
    given = frame.columns.tolist()  # one pass over the index: each pandas Index walk costs tens of µs a row
    names = [str(c).strip() for c in given]
    if names != given:
        frame = frame.set_axis(names, axis=1)
    if len(set(names)) != len(names) or not names:
        _check_columns(frame, str(source) if not isinstance(source, pd.DataFrame) else "DataFrame")
    return frame


def iter_table(path: str | os.PathLike[str], *, chunk_rows: int = 100_000, sep: str | None = None,
               header: bool | None = None, columns: Sequence[str] | None = None) -> Iterator[pd.DataFrame]:
    """Yield a file in chunks of rows, so that files larger than memory can be scored."""
    path = _existing(Path(path))
    if table_kind(path) == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
        return
    options = csv_options(path, sep=sep, header=header, columns=columns)
    try:
        with pd.read_csv(path, chunksize=chunk_rows, **options) as reader:
            for chunk in reader:
                chunk.columns = [str(c).strip() for c in chunk.columns]
                yield chunk
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot parse the file: {_first_line(exc)}", where=str(path),
                        fix="check the separator (--sep) and that the file is text.") from None


def _read_path(path: Path, *, sep: str | None, header: bool | None,
               columns: Sequence[str] | None) -> pd.DataFrame:
    path = _existing(path)
    if table_kind(path) == "parquet":
        try:
            return pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many types for a bad file
            raise DataError(f"cannot read Parquet: {_first_line(exc)}", where=str(path),
                            fix="check that the file is a complete Parquet file.") from None
    options = csv_options(path, sep=sep, header=header, columns=columns)
    try:
        try:
            return pd.read_csv(path, **options)
        except UnicodeDecodeError as exc:
            return _read_not_utf8(path, options, exc)
    except pd.errors.EmptyDataError:
        raise DataError("the file has no rows.", where=str(path), fix="pass a file with a header and data.") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise DataError(f"cannot parse the file: {_first_line(exc)}", where=str(path),
                        fix="check the separator (--sep) and that the file is text.") from None


def _read_not_utf8(path: Path, options: dict[str, Any], error: UnicodeDecodeError) -> pd.DataFrame:
    """Files saved by spreadsheets on Windows are often Windows-1252 (a superset of Latin-1): read
    them so, and say so in ``frame.attrs['read_notes']``, rather than refuse the file."""
    byte = error.object[error.start:error.start + 1].hex()
    for encoding, name in (("cp1252", "Windows-1252"), ("latin-1", "Latin-1")):
        try:
            frame = pd.read_csv(path, encoding=encoding, **options)
        except UnicodeDecodeError:
            continue
        frame.attrs["read_notes"] = [f"the file is not UTF-8 (byte 0x{byte}): read as {name} text; check that "
                                     "accented letters look right, or save the file as UTF-8."]
        return frame
    raise error


def csv_options(path: Path, *, sep: str | None, header: bool | None,
                 columns: Sequence[str] | None) -> dict[str, Any]:
    sample = _head_text(path)
    if not sample.strip():
        raise DataError("the file is empty.", where=str(path), fix="pass a file with a header and data.")
    if _looks_binary(sample):
        raise DataError("the file does not look like text (binary data, or an encoding other than UTF-8 "
                        "and Windows-1252).", where=str(path),
                        fix="pass a CSV, TSV or Parquet file (named .parquet); save spreadsheets and UTF-16 "
                            "exports as UTF-8 CSV.")
    sep = sep or _sniff_separator(sample, path)
    if columns is not None:
        header = False
    elif header is None:
        header = _looks_like_header(sample, sep)
    options: dict[str, Any] = {
        "sep": sep, "na_values": MISSING_TOKENS, "keep_default_na": True,
        "skipinitialspace": True, "low_memory": False,
        "header": 0 if header else None,
    }
    if int(pd.__version__.split(".")[0]) < 3:
        # the number written is the number read: pandas before 3 parses with a faster method that can
        # miss the last bit, and a model scored a saved table a hair apart from the same rows in memory
        options["float_precision"] = "round_trip"
    if not header:
        n_fields = len(next(csv.reader([sample.splitlines()[0]], delimiter=sep)))
        names = list(columns) if columns is not None else [f"column_{i + 1}" for i in range(n_fields)]
        if len(names) != n_fields:
            raise DataError(f"{len(names)} column names given for {n_fields} columns.", where=str(path),
                            fix="pass one name per column with --columns.")
        options["names"] = names
    return options


def _existing(path: Path) -> Path:
    if not path.exists():
        raise DataError("file not found.", where=str(path), fix="check the path.")
    if path.is_dir():
        raise DataError("is a folder, not a table file.", where=str(path), fix="pass a CSV, TSV or Parquet file.")
    if path.stat().st_size == 0:
        raise DataError("the file is empty.", where=str(path), fix="pass a file with a header and data.")
    return path


def is_compressed(path: Path) -> bool:
    """A text file in gzip, bzip2 or xz, which the readers open transparently."""
    return path.suffix.lower() in _OPENERS


def table_kind(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    return "parquet" if suffixes and suffixes[-1] in _PARQUET_SUFFIXES else "text"


def _head_text(path: Path, size: int = 64_000) -> str:
    opener = _OPENERS.get(path.suffix.lower(), open)
    try:
        with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as handle:
            return handle.read(size)
    except (OSError, EOFError) as exc:
        raise DataError(f"cannot read the file: {_first_line(exc)}", where=str(path),
                        fix="check that the file is complete and not corrupted.") from None


def _looks_binary(sample: str) -> bool:
    """NUL bytes, control characters, or mostly bytes that are not UTF-8: not a table. (Latin-1
    text shows a few non-UTF-8 bytes among many letters: it is read, see ``_read_not_utf8``.)"""
    control = sum(1 for c in sample if c < " " and c not in "\t\r\n")
    return "\x00" in sample or control > 0.01 * len(sample) or sample.count("\ufffd") > 0.3 * len(sample)


def _sniff_separator(sample: str, path: Path) -> str:
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut in the middle
    candidates = ["\t", ",", ";", "|"]
    counts = {c: [line.count(c) for line in lines] for c in candidates}
    consistent = [c for c in candidates if counts[c] and min(counts[c]) > 0 and len(set(counts[c])) == 1]
    if consistent:
        return max(consistent, key=lambda c: counts[c][0])
    if ".tsv" in [s.lower() for s in path.suffixes]:
        return "\t"
    present = [c for c in candidates if counts[c] and min(counts[c]) > 0]
    return present[0] if present else ","


def _looks_like_header(sample: str, sep: str) -> bool:
    """Is the first line a header? Yes when some column has a word on the first line and numbers
    below it (so names like '0', '1', ... 'target' are still a header); no when a column has a
    number over numbers and none has a word over numbers (raw UCI files); for all-text tables,
    a first line that is mostly not numbers."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    rows = list(csv.reader(lines, delimiter=sep, skipinitialspace=True))
    if not rows:
        return True
    first, below = [_field(f) for f in rows[0]], rows[1:-1] or rows[1:]  # the last line may be cut short
    numbers_under_number = False
    for position, name in enumerate(first):
        if name in _MISSING_FIELDS:
            continue
        values = [_field(r[position]) for r in below if position < len(r)]
        values = [v for v in values if v not in _MISSING_FIELDS]
        numeric_below = len(values) >= 3 and sum(map(_is_number, values)) >= 0.9 * len(values)
        if numeric_below and not _is_number(name):
            return True
        numbers_under_number |= numeric_below
    if numbers_under_number:  # a number heading a column of numbers, and no word heading one
        return False
    return sum(_is_number(name) for name in first) < max(1, len(first) // 2)


def _field(text: str) -> str:
    return text.strip().strip("'\"").strip()


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_polars(source: Any) -> bool:
    return type(source).__module__.split(".")[0] == "polars" and hasattr(source, "to_pandas")


def _check_columns(frame: pd.DataFrame, where: str) -> None:
    if frame.shape[1] == 0:
        raise DataError("the table has no columns.", where=where, fix="pass a table with a header row.")
    seen: set[str] = set()
    duplicated = [c for c in frame.columns if c in seen or seen.add(c)]  # type: ignore[func-returns-value]
    if duplicated:
        raise DataError(f"column names appear twice: {', '.join(duplicated)}.", where=where,
                        fix="give every column a distinct name.")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
