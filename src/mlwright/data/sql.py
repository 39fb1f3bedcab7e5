"""SQL queries as data sources, and predictions written back to a table.

Reading streams: PostgreSQL through a server-side cursor, MariaDB/MySQL through an unbuffered
one, so that neither the server nor the client holds more than a chunk of rows at a time until
the chunks are put together. Values come out as a CSV read would give them (DECIMAL as floats,
NULL as missing, text as strings), so no later stage needs to know that a table came from a
database. A query runs inside a transaction that is rolled back, never committed: reading data
cannot change the database.

Writing is all or nothing: every chunk goes in through one transaction, so a failure midway
(a full disk, a value the column refuses, a crash while scoring) leaves the table as it was.
"""

from __future__ import annotations

import datetime
import decimal
import itertools
import numbers
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mlwright.data.databases import backend_of, normalize_url, open_engine, redact
from mlwright.errors import ConfigError, DatabaseError, DataError

if TYPE_CHECKING:  # SQLAlchemy itself is imported where a query runs (see mlwright.data.databases)
    from sqlalchemy.engine import Connection

#: ``name`` or ``schema.name``: plain identifiers only, so that no quoting rule of any database matters.
TABLE_NAME = re.compile(r"(?:([A-Za-z_][A-Za-z0-9_]*)\.)?([A-Za-z_][A-Za-z0-9_]*)\Z")
#: Databases where CREATE TABLE commits at once: a table created before a failure is dropped again.
_DDL_COMMITS = {"mysql", "mariadb"}
#: Drivers that read ``%`` in a statement as a parameter marker, so a literal one is written ``%%``.
_PERCENT_PARAMSTYLES = {"format", "pyformat"}
_FILE_BACKENDS = {"sqlite", "duckdb"}
#: One part of a table name: quoted ("x", `x`, [x]) or plain.
_NAME_PART = r'(?:"[^"]+"|`[^`]+`|\[[^\]]+\]|[A-Za-z_][\w$]*)'
PANDAS_MAJOR = int(pd.__version__.split(".")[0])
#: What finding a query's first table looks at: names and parentheses; comments and strings are skipped.
_SQL_TOKEN = re.compile(rf"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'|(?P<name>{_NAME_PART}(?:\.{_NAME_PART})*)|(?P<paren>[()])",
                        re.S)


@dataclass(frozen=True, repr=False)
class SqlQuery:
    """The rows of ``query`` on the database at ``url``, read ``chunk_rows`` at a time.

    ``str()`` is the printable place used in error messages (its password hidden):

    >>> str(SqlQuery("SELECT * FROM loans", "postgresql://ann:secret@db:5432/bank"))
    'SQL query on postgresql+psycopg://ann:***@db:5432/bank'
    """

    query: str
    url: str
    chunk_rows: int = 50_000

    def __post_init__(self) -> None:
        if not isinstance(self.query, str) or not self.query.strip():
            raise ConfigError("the SQL query is empty.", where="SQL query",
                              fix="pass a SELECT statement, e.g. --sql 'SELECT * FROM customers'.")
        if not isinstance(self.url, str) or not self.url.strip():
            raise ConfigError("no database URL given for the SQL query.", where="database URL",
                              fix="pass --db URL (or set MLWRIGHT_DB), e.g. postgresql://user@host:5432/db.")
        normalize_url(self.url)  # a malformed URL fails here, before anything runs
        check_chunk_rows(self.chunk_rows)

    def __str__(self) -> str:
        return f"SQL query on {redact(normalize_url(self.url))}"

    def __repr__(self) -> str:  # the dataclass default would print the password
        return f"SqlQuery(query={self.query!r}, url={redact(self.url)!r}, chunk_rows={self.chunk_rows})"

    def describe(self) -> dict:
        """What a run record keeps to say where its data came from (never the password)."""
        return {"kind": "sql", "query": self.query, "url": redact(self.url)}


def read_sql(source: SqlQuery) -> pd.DataFrame:
    """All rows of the query as one DataFrame, read in chunks of ``source.chunk_rows``."""
    chunks = [chunk for chunk in _raw_chunks(source, source.chunk_rows) if len(chunk)]
    if not chunks:
        raise DataError("the query returned no rows.", where=str(source),
                        fix="check the query's WHERE clause, and that the table holds rows.")
    frame = chunks[0] if len(chunks) == 1 else pd.concat(chunks, ignore_index=True)
    return like_csv(frame)  # after concatenating: a column decides its type on all its rows


def iter_sql(source: SqlQuery, chunk_rows: int | None = None) -> Iterator[pd.DataFrame]:
    """Yield the query's rows in chunks (``source.chunk_rows`` unless given), indexed on from the
    previous chunk as ``iter_table`` does. A query with no rows yields nothing."""
    start = 0
    for chunk in _raw_chunks(source, chunk_rows or source.chunk_rows):
        chunk.index = pd.RangeIndex(start, start + len(chunk))
        start += len(chunk)
        yield like_csv(chunk)


def write_table(chunks: Iterable[pd.DataFrame], url: str, table: str, *, where: str = "--to-table") -> int:
    """Write ``chunks`` to ``table`` in one transaction and return the number of rows written.

    The table is created from the first chunk's columns when missing, appended to otherwise;
    an existing table must have the same columns (in any order), checked before any row is
    written. When anything fails, nothing is written (on MariaDB/MySQL, where creating a table
    commits at once, the table created for this write is dropped again). SQLite files are put in
    WAL mode, so that a query may go on reading the file while predictions are written to it.
    """
    schema, name = table_name(table, where=where)
    place = f"{where} {table} on {redact(normalize_url(url))}"
    engine = open_engine(url, where=place, serialize_sqlite_writes=True)
    created, rows = False, 0
    try:
        with engine.begin() as connection:
            chunks = iter(chunks)
            first = next(chunks, None)
            if first is None:
                return 0
            existing = _table_columns(connection, schema, name)
            if existing is None:
                created = True
            else:
                _check_same_columns(existing, [str(c) for c in first.columns], place)
            for chunk in itertools.chain([first], chunks):
                chunk.to_sql(name, connection, schema=schema, if_exists="append", index=False)
                rows += len(chunk)
    except BaseException as exc:
        if created and engine.dialect.name in _DDL_COMMITS:
            _drop_table(engine, schema, name)
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, (SQLAlchemyError, pd.errors.DatabaseError)):
            raise DatabaseError(f"the database refused the predictions: {database_message(exc)} Nothing was "
                                "written.", where=place,
                                fix="check that this user may create and insert into the table, and that "
                                    "its column types fit the predictions.") from None
        raise
    finally:
        engine.dispose()
    return rows


def table_name(table: str, *, where: str = "--to-table") -> tuple[str | None, str]:
    """(schema or None, name) of a table name given as ``name`` or ``schema.name``."""
    match = TABLE_NAME.match(table.strip()) if isinstance(table, str) else None
    if match is None:
        raise ConfigError(f"{table!r} is not a table name mlwright writes to.", where=where,
                          fix="use letters, digits and underscores, not starting with a digit, optionally "
                              "after a schema and a dot: scored or analytics.scored.")
    return match.group(1), match.group(2)


def first_table(query: str) -> str | None:
    """The first table a query reads (as written, without quotes), or None when it names none.

    A FROM counts where a SELECT began in the same parentheses, so the FROM of a function's
    arguments is not taken for a table; a subquery's or a common table expression's is.

    >>> first_table("SELECT EXTRACT(year FROM paid_at) AS y FROM billing.invoices i JOIN customers c ON true")
    'billing.invoices'
    >>> first_table("WITH recent AS (SELECT 'FROM x' AS note, id FROM `Loans`) SELECT * FROM recent")
    'Loans'
    >>> first_table("SELECT 1") is None
    True
    """
    selects, after_from = [False], False  # per open parenthesis: whether a SELECT began in it
    for token in _SQL_TOKEN.finditer(query):
        name, paren = token["name"], token["paren"]
        if name and after_from:
            return re.sub(r'["`\[\]]', "", name)
        if paren == "(":
            selects.append(False)
        elif paren == ")" and len(selects) > 1:
            selects.pop()
        elif name and name.upper() == "SELECT":
            selects[-1] = True
        after_from = bool(name) and name.upper() == "FROM" and selects[-1]
    return None


def check_chunk_rows(chunk_rows: object) -> int:
    if isinstance(chunk_rows, bool) or not isinstance(chunk_rows, int) or chunk_rows < 1:
        raise ConfigError(f"chunk_rows must be a positive integer, got {chunk_rows!r}.", where="chunk_rows",
                          fix="pass the number of rows read at a time, e.g. 50000.")
    return chunk_rows


def like_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its driver objects turned into what reading a CSV file gives: Decimal and
    mixed numbers as floats, dates as datetimes, NULL as NaN, anything else as text."""
    changed = {name: _plain_values(frame[name]) for name in frame.columns if frame[name].dtype == object}
    return frame.assign(**changed) if changed else frame


def database_message(exc: BaseException) -> str:
    """The first line of what the database said, without the driver's wrapping."""
    if isinstance(exc, pd.errors.DatabaseError) and exc.__cause__ is not None:
        exc = exc.__cause__  # pandas wraps the error of an insert in one of its own
    original = getattr(exc, "orig", None) or exc
    args = getattr(original, "args", ())
    if len(args) >= 2 and isinstance(args[0], int) and isinstance(args[1], str):
        message = args[1]  # PyMySQL: (error code, message)
    else:
        message = str(original)
    lines = [line for line in message.strip().splitlines() if line.strip()]
    return (lines[0].strip() if lines else type(original).__name__).rstrip(".") + "."


def _raw_chunks(source: SqlQuery, chunk_rows: int) -> Iterator[pd.DataFrame]:
    from sqlalchemy.exc import SQLAlchemyError

    check_chunk_rows(chunk_rows)
    where = str(source)
    _check_database_file(source.url, where)
    engine = open_engine(source.url, where=where)
    try:
        with engine.connect() as connection:  # never committed: closing rolls back
            streaming = connection.execution_options(stream_results=True)
            try:
                result = streaming.exec_driver_sql(_driver_text(source.query, connection))
                if not result.returns_rows:
                    raise DataError("the statement returns no rows (it was rolled back).", where=where,
                                    fix="pass a SELECT query.")
                columns = [str(name) for name in result.keys()]
                _check_unique(columns, where)
                for rows in result.partitions(chunk_rows):
                    yield pd.DataFrame.from_records(rows, columns=columns, coerce_float=True)
            except SQLAlchemyError as exc:
                raise DatabaseError(f"the database refused the query: {database_message(exc)}", where=where,
                                    fix="check the table and column names and the syntax for "
                                        f"{backend_of(source.url)} (try the query in the database's own "
                                        "client).") from None
    finally:
        engine.dispose()


def _driver_text(query: str, connection: Connection) -> str:
    """The query as the driver must receive it: it goes to the driver as written (no SQLAlchemy
    parsing of ``:name``), so only ``%`` needs doubling for drivers that take it as a marker."""
    if connection.dialect.paramstyle in _PERCENT_PARAMSTYLES:
        return query.replace("%", "%%")
    return query


def _check_database_file(url: str, where: str) -> None:
    """SQLite and DuckDB create a missing file on connecting: for reading, that is a typo."""
    backend = backend_of(url)
    if backend not in _FILE_BACKENDS:
        return
    from sqlalchemy.engine import make_url

    database = make_url(normalize_url(url)).database
    if database and database != ":memory:" and not database.startswith("file:") and not Path(database).exists():
        raise DatabaseError(f"the database file {database} does not exist.", where=where,
                            fix=f"check the path: {backend}:///relative/file, or four slashes for an absolute "
                                f"path ({backend}:////data/file).")


def _check_unique(columns: list[str], where: str) -> None:
    seen: set[str] = set()
    twice = [c for c in columns if c in seen or seen.add(c)]  # type: ignore[func-returns-value]
    if twice:
        raise DataError(f"the query returns columns with the same name: {', '.join(dict.fromkeys(twice))}.",
                        where=where, fix="give each column its own name with AS: SELECT a.id AS a_id, b.id AS b_id.")


def _plain_values(column: pd.Series) -> pd.Series:
    present = column.dropna()
    if present.empty:
        return pd.Series(np.nan, index=column.index, dtype=float)
    kinds = set(map(type, present))
    if all(issubclass(k, datetime.date) for k in kinds):  # datetime.datetime is a date too
        aware = any(getattr(value, "tzinfo", None) is not None for value in present)
        try:
            return pd.to_datetime(column, utc=aware)
        except (ValueError, OverflowError):  # dates out of pandas' range: left as text, as a CSV would
            pass
    elif all(issubclass(k, (numbers.Number, decimal.Decimal)) and not issubclass(k, (bool, np.bool_))
             for k in kinds):
        return column.astype(float)
    elif all(issubclass(k, (bool, np.bool_)) for k in kinds):
        return column.where(column.notna(), np.nan)
    if any(issubclass(k, (bytes, bytearray, memoryview)) for k in kinds):
        column = column.map(lambda v: bytes(v).decode("utf-8", "replace")
                            if isinstance(v, (bytes, bytearray, memoryview)) else v)
    if PANDAS_MAJOR >= 3:
        return column.astype("str")
    return column.astype(str).where(column.notna(), np.nan)  # pandas 2 would write NULL as the text 'None'


def _table_columns(connection: Connection, schema: str | None, name: str) -> list[str] | None:
    from sqlalchemy import inspect as inspect_database
    from sqlalchemy import text

    if not inspect_database(connection).has_table(name, schema=schema):
        return None
    # the names of an empty result, rather than the inspector's get_columns: duckdb-engine's
    # one queries PostgreSQL catalogs that DuckDB lacks
    qualified = f"{schema}.{name}" if schema else name  # checked by TABLE_NAME: nothing to quote
    return [str(c) for c in connection.execute(text(f"SELECT * FROM {qualified} WHERE 1 = 0")).keys()]


def _check_same_columns(existing: list[str], given: list[str], place: str) -> None:
    missing = [c for c in existing if c not in given]
    extra = [c for c in given if c not in existing]
    if not missing and not extra:
        return
    parts = []
    if missing:
        parts.append(f"the table has {', '.join(map(repr, missing))}, which the predictions lack")
    if extra:
        parts.append(f"the predictions have {', '.join(map(repr, extra))}, which the table lacks")
    raise DatabaseError(f"the table exists with other columns: {'; '.join(parts)}. Nothing was written.",
                        where=place, fix=f"write to a new table, or to one with the columns {', '.join(given)}.")


def _drop_table(engine, schema: str | None, name: str) -> None:
    """Best effort: the write has failed already, and that failure is the one to report."""
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    qualified = f"{schema}.{name}" if schema else name
    try:
        with engine.begin() as connection:
            connection.execute(text(f"DROP TABLE IF EXISTS {qualified}"))  # name checked by TABLE_NAME
    except SQLAlchemyError:
        pass
