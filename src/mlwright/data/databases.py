"""Connecting to a database by URL, for SQL data sources and for the experiment store.

Users write the URLs they know (``postgresql://``, ``mysql://``, ``mariadb://``, ``sqlite:///``,
``duckdb:///``); the drivers that ship with mlwright (psycopg 3, PyMySQL) are filled in, so
that a URL works without knowing which Python driver is installed. A server that cannot be
reached is one line naming the URL (its password hidden), never a driver traceback.

SQLAlchemy is imported by the functions that connect or parse, not with the module: the commands
that never touch a database (``predict`` of a file, say) do not pay its half second.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

from mlwright.errors import DatabaseError

#: The driver used when a URL names none: the ones mlwright installs.
DEFAULT_DRIVERS = {"postgresql": "psycopg", "postgres": "psycopg", "mysql": "pymysql", "mariadb": "pymysql"}
#: Seconds a SQLite writer waits for another process's transaction before giving up.
SQLITE_BUSY_SECONDS = 60


def normalize_url(url: str) -> str:
    """The URL with mlwright's driver filled in (``postgresql://`` → ``postgresql+psycopg://``)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(str(url).strip())
    except ArgumentError:
        raise DatabaseError(f"{url!r} is not a database URL.", where="database URL",
                            fix="write it as postgresql://user@host:5432/db, mysql://root@host:3306/db, "
                                "sqlite:///path/file.db or duckdb:///path/file.duckdb.") from None
    backend = parsed.get_backend_name()
    if backend == "postgres":
        parsed = parsed.set(drivername="postgresql")
        backend = "postgresql"
    if "+" not in parsed.drivername and backend in DEFAULT_DRIVERS:
        parsed = parsed.set(drivername=f"{backend}+{DEFAULT_DRIVERS[backend]}")
    return parsed.render_as_string(hide_password=False)


def redact(url: str) -> str:
    """The URL as it may be printed: the password replaced by ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(str(url)).render_as_string(hide_password=True)
    except ArgumentError:
        return "<not a URL>"


def backend_of(url: str) -> str:
    """``postgresql``, ``mysql``, ``mariadb``, ``sqlite`` or ``duckdb``."""
    from sqlalchemy.engine import make_url

    return make_url(normalize_url(url)).get_backend_name()


#: Seconds to wait for a database server to accept a connection.
CONNECT_TIMEOUT_SECONDS = 10


def open_engine(url: str, *, where: str = "database", serialize_sqlite_writes: bool = False) -> Engine:
    """An engine on ``url``, checked by one connection.

    ``serialize_sqlite_writes`` makes every SQLite transaction take the write lock at its start
    (``BEGIN IMMEDIATE``) and wait for it: two processes that both read and then write would
    otherwise fail with "database is locked" instead of taking turns. WAL lets readers go on
    while a writer works.
    """
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import NoSuchModuleError, SQLAlchemyError

    normalized = normalize_url(url)
    backend = make_url(normalized).get_backend_name()
    options: dict = {"pool_pre_ping": True}
    if backend == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_BUSY_SECONDS}
    elif backend in ("postgresql", "mysql", "mariadb") and "connect_timeout" not in normalized:
        # a server that drops packets would otherwise hold a connect for minutes
        options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    try:
        engine = create_engine(normalized, **options)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseError(f"no driver for {redact(url)} ({exc}).", where=where,
                            fix="install the driver for this database, or use postgresql://, mysql://, "
                                "mariadb://, sqlite:/// or duckdb:///.") from None
    if backend == "sqlite" and serialize_sqlite_writes:
        _serialize_sqlite(engine)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"cannot connect to {redact(url)}: {_first_line(exc)}", where=where,
                            fix="check that the server runs, and the host, port, user and database name "
                                "in the URL.") from None
    return engine


def _serialize_sqlite(engine: Engine) -> None:
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # pragma: no cover - called by SQLAlchemy
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):  # pragma: no cover - called by SQLAlchemy
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _first_line(exc: BaseException) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return (message[0] if message else type(exc).__name__).rstrip(".") + "."
