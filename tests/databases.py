"""The real database servers the tests use, one fresh database per test.

PostgreSQL and MariaDB are expected on 127.0.0.1 (override with MLWRIGHT_TEST_POSTGRES and
MLWRIGHT_TEST_MARIADB). Where a server cannot be reached the test skips and says why; with
MLWRIGHT_REQUIRE_DATABASES=1 (set by .ci/run) that skip is a failure, so CI always runs them.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.requirements import missing

POSTGRES = os.environ.get("MLWRIGHT_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARIADB = os.environ.get("MLWRIGHT_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/test")


def unavailable(reason: str) -> None:
    """Skip, or fail when the servers are required."""
    missing("DATABASES", reason)


def _fresh_database(admin_url: str, label: str) -> Iterator[str]:
    """Create a database of its own for one test, yield its URL, drop it afterwards."""
    name = f"mlw_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {name}"))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server is a skip reason
        unavailable(f"{label} at {make_url(admin_url).render_as_string(hide_password=True)} is not reachable: "
                    f"{str(exc).splitlines()[0]}")
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            force = " WITH (FORCE)" if admin.dialect.name == "postgresql" else ""
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}{force}"))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from _fresh_database(POSTGRES, "PostgreSQL")


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    yield from _fresh_database(MARIADB, "MariaDB")


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'store.db'}"


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request) -> str:
    """The same test on each of the three databases."""
    name = {"sqlite": "sqlite_url", "postgresql": "postgres_url", "mariadb": "mariadb_url"}[request.param]
    return request.getfixturevalue(name)
