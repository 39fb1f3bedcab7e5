"""Bring a store's tables to the version this mlwright expects, in place, with Alembic.

Opening a store checks its revision first (a read, no lock); only an older or empty store is
upgraded, under a lock that every process takes the same way — an advisory lock on PostgreSQL,
GET_LOCK on MariaDB/MySQL, a lock file beside a SQLite file — so that two `train` commands
starting at once against a new store do not both create its tables.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from alembic import command
from mlwright.errors import StoreError

MIGRATIONS = Path(__file__).parent / "migrations"
#: The key of the store's migration lock on PostgreSQL (pg_advisory_lock) and MariaDB (GET_LOCK).
LOCK_KEY = 7_261_884_113
LOCK_NAME = "mlwright_store_migration"
LOCK_SECONDS = 120


def head_revision() -> str:
    return ScriptDirectory.from_config(_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, *, where: str, revision: str = "head") -> None:
    """Upgrade the store at ``engine`` to ``revision`` (the newest by default)."""
    scripts = ScriptDirectory.from_config(_config())
    wanted = scripts.get_current_head() if revision == "head" else revision
    found = current_revision(engine)
    if found == wanted:
        return
    if found is not None and not _known(scripts, found):
        raise StoreError(f"the store is at schema revision {found}, which this mlwright does not know: it was "
                         "written by a newer mlwright.", where=where, fix="upgrade mlwright (pip install -U mlwright).")
    with _migration_lock(engine) as connection:
        config = _config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except Exception:  # noqa: BLE001 - alembic raises several kinds for an unknown revision
        return False


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    dialect = engine.dialect.name
    if dialect == "sqlite":
        database = engine.url.database
        lock = FileLock(f"{database}.lock", timeout=LOCK_SECONDS) if database and database != ":memory:" else None
        with lock or contextlib.nullcontext(), engine.connect() as connection:
            yield connection
        return
    with engine.connect() as connection:
        if dialect == "postgresql":
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        elif dialect in ("mysql", "mariadb"):
            connection.execute(text("SELECT GET_LOCK(:name, :seconds)"), {"name": LOCK_NAME, "seconds": LOCK_SECONDS})
        connection.commit()
        try:
            yield connection
        finally:
            if dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
            elif dialect in ("mysql", "mariadb"):
                connection.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": LOCK_NAME})
            connection.commit()


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config
