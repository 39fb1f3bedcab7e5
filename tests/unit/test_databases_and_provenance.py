"""Database URLs as users write them, and the provenance a run records."""

from __future__ import annotations

import subprocess

import pytest

from mlwright.data.databases import normalize_url, open_engine, redact
from mlwright.errors import DatabaseError
from mlwright.registry.provenance import environment, git_state


@pytest.mark.parametrize("given, expected", [
    ("postgresql://ann@db:5432/crm", "postgresql+psycopg://ann@db:5432/crm"),
    ("postgres://ann@db/crm", "postgresql+psycopg://ann@db/crm"),
    ("mysql://root@127.0.0.1:3306/test", "mysql+pymysql://root@127.0.0.1:3306/test"),
    ("mariadb://root@127.0.0.1/test", "mariadb+pymysql://root@127.0.0.1/test"),
    ("postgresql+psycopg2://ann@db/crm", "postgresql+psycopg2://ann@db/crm"),  # a driver named is kept
    ("sqlite:///runs/store.db", "sqlite:///runs/store.db"),
    ("duckdb:///lake.duckdb", "duckdb:///lake.duckdb"),
])
def test_urls_get_the_shipped_drivers(given, expected):
    assert normalize_url(given) == expected


def test_passwords_never_reach_messages():
    assert redact("postgresql://ann:s3cret@db/crm") == "postgresql://ann:***@db/crm"
    with pytest.raises(DatabaseError) as caught:
        open_engine("postgresql://ann:s3cret@127.0.0.1:1/crm", where="--db")
    assert "s3cret" not in caught.value.message and "cannot connect" in caught.value.message
    assert caught.value.where == "--db"


def test_a_malformed_url_is_one_clear_error():
    with pytest.raises(DatabaseError, match="is not a database URL"):
        normalize_url("crm database please")


def test_git_state_of_the_callers_repository(tmp_path):
    assert git_state(tmp_path) is None  # not a repository
    run = lambda *a: subprocess.run(["git", *a], cwd=tmp_path, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    (tmp_path / "train.py").write_text("print(1)\n")
    run("add", "train.py")
    run("-c", "user.email=a@b.c", "-c", "user.name=A", "commit", "-qm", "first")
    state = git_state(tmp_path)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, capture_output=True, text=True).stdout.strip()
    assert state["commit"] == head and state["dirty"] is False
    (tmp_path / "train.py").write_text("print(2)\n")
    assert git_state(tmp_path)["dirty"] is True


def test_environment_names_the_versions_that_shape_a_model():
    facts = environment()
    assert {"python", "packages", "cpu_count"} <= set(facts)
    assert facts["packages"]["lightgbm"] and facts["packages"]["scikit-learn"]
