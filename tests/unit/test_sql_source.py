"""SQL sources and table writing, against real SQLite and DuckDB files and real PostgreSQL and
MariaDB servers (see tests/databases.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, event, inspect
from sqlalchemy.engine import Engine

from mlwright.data.readers import read_table
from mlwright.data.sql import SqlQuery, iter_sql, read_sql, write_table
from mlwright.errors import ConfigError, DatabaseError, DataError

#: Literal SQL that every one of the four databases accepts, so the stored types are the declared ones.
TYPED_TABLE = ("CREATE TABLE typed (id INTEGER, amount DECIMAL(10, 2), ratio DOUBLE PRECISION, name VARCHAR(40), "
               "born DATE, note VARCHAR(10))")
TYPED_ROWS = ("INSERT INTO typed VALUES (1, 12.50, 0.25, 'ann', '2021-03-04', NULL), "
              "(2, NULL, NULL, NULL, NULL, NULL), (3, 7.25, 1.5, 'bo%', '2022-12-31', NULL), "
              "(4, -3.00, 2.0, 'cy', '2020-01-01', NULL), (5, 0.10, -1.0, 'dee', '2019-07-08', NULL)")


@pytest.fixture
def duckdb_url(tmp_path) -> str:
    return f"duckdb:///{tmp_path / 'data.duckdb'}"


@pytest.fixture(params=["sqlite", "duckdb", "postgresql", "mariadb"])
def any_url(request) -> str:
    """The same test on the two database files (created, empty) and the two servers."""
    url = request.getfixturevalue({"sqlite": "sqlite_url", "duckdb": "duckdb_url", "postgresql": "postgres_url",
                                   "mariadb": "mariadb_url"}[request.param])
    run(url, "SELECT 1")  # connecting creates a database file; reading refuses a missing one
    return url


def run(url: str, *statements: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.exec_driver_sql(statement)
    finally:
        engine.dispose()


def count(url: str, table: str) -> int:
    return len(read_sql(SqlQuery(f"SELECT * FROM {table}", url)))


def has_table(url: str, table: str) -> bool:
    engine = create_engine(url)
    try:
        return inspect(engine).has_table(table)
    finally:
        engine.dispose()


@pytest.fixture
def typed(any_url) -> str:
    run(any_url, TYPED_TABLE, TYPED_ROWS.replace("%", "%%") if any_url.startswith(("postgresql", "mysql"))
        else TYPED_ROWS)
    return any_url


def test_values_come_out_as_a_csv_read_gives_them(typed):
    frame = read_sql(SqlQuery("SELECT * FROM typed ORDER BY id", typed))
    assert list(frame.columns) == ["id", "amount", "ratio", "name", "born", "note"]
    assert frame["id"].tolist() == [1, 2, 3, 4, 5] and frame["id"].dtype.kind in "iu"
    assert frame["amount"].dtype == np.float64, "DECIMAL must become float, not Decimal objects"
    np.testing.assert_allclose(frame["amount"], [12.5, np.nan, 7.25, -3.0, 0.1])
    np.testing.assert_allclose(frame["ratio"], [0.25, np.nan, 1.5, 2.0, -1.0])
    assert frame["name"].tolist()[0] == "ann" and frame["name"][2] == "bo%" and pd.isna(frame["name"][1])
    assert frame["name"].dropna().map(type).eq(str).all()  # text as str: pandas 3's string column, pandas 2's object
    assert frame["note"].isna().all() and frame["note"].dtype == np.float64, "an all-NULL column is all missing"
    # SQLite stores dates as text (read as text, like a CSV); the others as dates (read as datetimes)
    if not typed.startswith("sqlite"):
        assert pd.api.types.is_datetime64_any_dtype(frame["born"])
    dates = pd.to_datetime(frame["born"]).tolist()
    assert dates[:3] == [pd.Timestamp("2021-03-04"), pd.NaT, pd.Timestamp("2022-12-31")]


def test_reading_in_chunks_gives_the_frame_of_one_read(typed):
    query = "SELECT * FROM typed ORDER BY id"
    whole = read_sql(SqlQuery(query, typed, chunk_rows=1_000))
    pd.testing.assert_frame_equal(read_sql(SqlQuery(query, typed, chunk_rows=2)), whole)
    chunks = list(iter_sql(SqlQuery(query, typed), 2))
    assert [len(c) for c in chunks] == [2, 2, 1]
    assert [c.index[0] for c in chunks] == [0, 2, 4], "chunks are indexed on, as iter_table does"
    pd.testing.assert_frame_equal(pd.concat(chunks)[["id", "amount", "name"]], whole[["id", "amount", "name"]])


def test_read_table_reads_an_sql_query(sqlite_url):
    pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]}).to_sql("t", create_engine(sqlite_url), index=False)
    frame = read_table(SqlQuery("SELECT a, b FROM t WHERE a > 1", sqlite_url))
    assert frame["a"].tolist() == [2, 3] and frame["b"][0] == "y" and pd.isna(frame["b"][1])


@pytest.mark.parametrize("server", ["postgres_url", "mariadb_url"])
def test_servers_stream_through_a_server_side_cursor(server, request):
    url = request.getfixturevalue(server)
    run(url, "CREATE TABLE t (a INTEGER)", "INSERT INTO t VALUES (1), (2), (3)")
    cursors = []

    def record(connection, cursor, statement, parameters, context, executemany):
        if "FROM t" in statement:
            cursors.append(type(cursor).__name__)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        assert len(read_sql(SqlQuery("SELECT a FROM t", url, chunk_rows=2))) == 3
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    assert cursors == [{"postgres_url": "ServerCursor", "mariadb_url": "SSCursor"}[server]]


def test_percent_and_colon_in_a_query_reach_the_database_as_written(any_url):
    frame = read_sql(SqlQuery("SELECT 'a%b' AS p, '10:30' AS t", any_url))
    assert frame.iloc[0].tolist() == ["a%b", "10:30"]


def test_a_syntax_error_names_the_place_and_the_database_message(database_url):
    run(database_url, "SELECT 1")
    with pytest.raises(DatabaseError) as caught:
        read_sql(SqlQuery("SELEC 1", database_url))
    message = caught.value.message
    assert message.startswith("SQL query on ") and "refused the query" in message and "syntax" in message.lower()
    assert "Fix:" in message and "\n" not in message


def test_an_unknown_table_is_named(any_url):
    with pytest.raises(DatabaseError, match="no_such_table"):
        read_sql(SqlQuery("SELECT * FROM no_such_table", any_url))


def test_an_unreachable_server_is_one_line_without_the_password():
    source = SqlQuery("SELECT 1", "postgresql://ann:s3cret@127.0.0.1:9/db")
    with pytest.raises(DatabaseError, match="cannot connect") as caught:
        read_sql(source)
    assert "s3cret" not in caught.value.message and "s3cret" not in str(source) and "s3cret" not in repr(source)
    assert str(source) == "SQL query on postgresql+psycopg://ann:***@127.0.0.1:9/db"
    assert source.describe() == {"kind": "sql", "query": "SELECT 1", "url": "postgresql://ann:***@127.0.0.1:9/db"}


def test_a_missing_database_file_is_an_error_and_is_not_created(tmp_path):
    path = tmp_path / "typo.db"
    with pytest.raises(DatabaseError, match="does not exist"):
        read_sql(SqlQuery("SELECT 1", f"sqlite:///{path}"))
    assert not path.exists()


def test_no_rows_is_a_data_error_and_a_statement_is_rolled_back(sqlite_url):
    run(sqlite_url, "CREATE TABLE t (a INTEGER)", "INSERT INTO t VALUES (1)")
    with pytest.raises(DataError, match="no rows"):
        read_sql(SqlQuery("SELECT * FROM t WHERE a > 5", sqlite_url))
    assert list(iter_sql(SqlQuery("SELECT * FROM t WHERE a > 5", sqlite_url))) == []
    with pytest.raises(DataError, match="returns no rows"):
        read_sql(SqlQuery("DELETE FROM t", sqlite_url))
    assert count(sqlite_url, "t") == 1, "reading never commits"


def test_columns_with_the_same_name_are_refused(sqlite_url):
    run(sqlite_url, "SELECT 1")
    with pytest.raises(DataError, match="same name: a"):
        read_sql(SqlQuery("SELECT 1 AS a, 2 AS a", sqlite_url))


def test_queries_are_checked_at_the_door():
    with pytest.raises(ConfigError, match="empty"):
        SqlQuery("  ", "sqlite:///x.db")
    with pytest.raises(ConfigError, match="chunk_rows"):
        SqlQuery("SELECT 1", "sqlite:///x.db", chunk_rows=0)
    with pytest.raises(DatabaseError, match="not a database URL"):
        SqlQuery("SELECT 1", "not a url")


def predictions(ids, label="yes") -> pd.DataFrame:
    ids = list(ids)
    return pd.DataFrame({"row_id": ids, "label": [label] * len(ids), "proba_yes": np.linspace(0, 1, len(ids))})


def test_write_table_creates_then_appends(any_url):
    assert write_table([predictions(range(3)), predictions(range(3, 5))], any_url, "scored") == 5
    assert write_table(iter([predictions(range(5, 7))]), any_url, "scored") == 2
    table = read_sql(SqlQuery("SELECT * FROM scored ORDER BY row_id", any_url))
    assert list(table.columns) == ["row_id", "label", "proba_yes"]
    assert table["row_id"].tolist() == list(range(7)) and (table["label"] == "yes").all()
    np.testing.assert_allclose(table["proba_yes"][:5], np.r_[np.linspace(0, 1, 3), np.linspace(0, 1, 2)])


def test_a_failure_midway_writes_nothing(any_url):
    def failing():
        yield predictions(range(3))
        raise RuntimeError("scoring broke")

    with pytest.raises(RuntimeError, match="scoring broke"):
        write_table(failing(), any_url, "scored")
    assert not has_table(any_url, "scored"), "the table created for a failed write is gone"

    write_table([predictions(range(2))], any_url, "scored")
    refused = predictions(range(2, 4)).assign(unknown=1.0)  # the database refuses the second chunk
    with pytest.raises(DatabaseError, match="refused the predictions.*Nothing was written"):
        write_table([predictions(range(10, 13)), refused], any_url, "scored")
    assert count(any_url, "scored") == 2, "the first chunk of the failed write was rolled back"


def test_an_existing_table_with_other_columns_is_named_before_writing(database_url):
    write_table([predictions(range(2))], database_url, "scored")
    other = predictions(range(2)).drop(columns="row_id").assign(proba_no=0.5)
    with pytest.raises(DatabaseError) as caught:
        write_table([other], database_url, "scored")
    assert "'row_id', which the predictions lack" in caught.value.message
    assert "'proba_no', which the table lacks" in caught.value.message
    assert count(database_url, "scored") == 2


@pytest.mark.parametrize("name", ["scored; DROP TABLE x", "1st", "a.b.c", "my-table", ""])
def test_bad_table_names_are_refused_before_connecting(name):
    with pytest.raises(ConfigError, match="not a table name"):
        write_table([predictions(range(1))], "postgresql://nobody@127.0.0.1:9/none", name)


def test_a_schema_qualified_table_name_is_written(postgres_url):
    run(postgres_url, "CREATE SCHEMA analytics")
    assert write_table([predictions(range(3))], postgres_url, "analytics.scored") == 3
    assert count(postgres_url, "analytics.scored") == 3


def test_a_query_and_a_write_on_the_same_file_take_turns(tmp_path, duckdb_url, sqlite_url):
    for url in (sqlite_url, duckdb_url):
        write_table([predictions(range(4))], url, "source")
        copied = write_table(iter_sql(SqlQuery("SELECT * FROM source", url), 1), url, "copy")
        assert copied == 4 and count(url, "copy") == 4


@pytest.mark.parametrize("query, table", [
    ("SELECT * FROM customers", "customers"),
    ("select a, b from Sales.Orders o join customers c on o.id = c.id", "Sales.Orders"),
    ("SELECT EXTRACT(year FROM paid_at) AS y FROM billing.invoices", "billing.invoices"),
    ("-- FROM comments\nSELECT 'FROM strings' AS note /* FROM x */ FROM \"Loans\"", "Loans"),
    ("WITH recent AS (SELECT id FROM `events`) SELECT * FROM recent", "events"),
    ("SELECT 1", None),
])
def test_first_table_names_what_a_run_read(query, table):
    from mlwright.data.sql import first_table

    assert first_table(query) == table
