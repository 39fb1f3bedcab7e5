"""`mlwright profile` and `mlwright predict` on SQL queries and tables, in fresh processes, on
SQLite files and real PostgreSQL and MariaDB servers."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect
from typer.testing import CliRunner

import mlwright
from mlwright.cli.app import app
from mlwright.data.sql import SqlQuery
from mlwright.errors import DatabaseError
from mlwright.serve.batch import score_file
from tests.conftest import FAST, make_mixed_frame, run_cli

ROWS = 300


@pytest.fixture(scope="module")
def scoring(tmp_path_factory):
    """A small trained model, the rows to score as a CSV file, and what `predict` writes for that file."""
    root = tmp_path_factory.mktemp("sql_cli")
    frame = make_mixed_frame(ROWS)
    mlwright.train(frame, "label", out=root / "run", **FAST)
    rows = frame.drop(columns="label")
    rows.to_csv(root / "rows.csv", index=False)
    result = run_cli("predict", str(root / "run"), str(root / "rows.csv"), "-o", str(root / "expected.csv"),
                     "--keep-column", "row_id")
    assert result.returncode == 0, result.stderr
    expected = pd.read_csv(root / "expected.csv")
    assert list(expected.columns) == ["row_id", "label", "proba_no", "proba_yes"], "kept columns come first"
    return root, rows, expected


@pytest.fixture(autouse=True)
def no_default_database(monkeypatch):
    monkeypatch.delenv("MLWRIGHT_DB", raising=False)


def load_rows(url: str, rows: pd.DataFrame, table: str = "customers") -> None:
    engine = create_engine(url)
    try:
        rows.to_sql(table, engine, index=False)
    finally:
        engine.dispose()


def read_back(url: str, table: str) -> pd.DataFrame:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return pd.read_sql(f"SELECT * FROM {table} ORDER BY row_id", connection)
    finally:
        engine.dispose()


def one_line_error(result, *needles: str) -> None:
    """A failed command: exit status 2 and one line on stderr, with a fix and no traceback."""
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    text = " ".join(line for line in result.stderr.strip().splitlines() if line.strip())
    assert text.startswith("error:") and "Fix:" in text, text
    for needle in needles:
        assert needle in text, text


def in_process(*args: str) -> SimpleNamespace:
    """The command line in this process, for the checks of options: a fresh process costs seconds
    of imports, and these fail before any of what only a fresh process would show."""
    result = CliRunner().invoke(app, list(args))
    return SimpleNamespace(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)


def test_predict_writes_a_table_equal_to_the_file_predictions_and_appends(scoring, database_url):
    root, rows, expected = scoring
    load_rows(database_url, rows)
    args = ("predict", str(root / "run"), "--sql", "SELECT * FROM customers", "--db", database_url,
            "--to-table", "scored", "--keep-column", "row_id", "--chunk-rows", "128")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert f"Wrote {ROWS} predictions to table scored" in first.stdout
    written = read_back(database_url, "scored")
    assert list(written.columns) == list(expected.columns)
    assert written["row_id"].tolist() == expected["row_id"].tolist()
    assert written["label"].tolist() == expected["label"].tolist()
    np.testing.assert_allclose(written[["proba_no", "proba_yes"]], expected[["proba_no", "proba_yes"]], rtol=1e-9)

    second = run_cli(*args)
    assert second.returncode == 0, second.stderr
    twice = read_back(database_url, "scored")
    assert len(twice) == 2 * ROWS and (twice["row_id"].value_counts() == 2).all()


def test_predict_reads_the_database_from_the_environment(scoring, sqlite_url, monkeypatch, tmp_path):
    root, rows, expected = scoring
    load_rows(sqlite_url, rows)
    monkeypatch.setenv("MLWRIGHT_DB", sqlite_url)
    out = tmp_path / "from_sql.csv"
    result = run_cli("predict", str(root / "run"), "--sql", "SELECT * FROM customers ORDER BY row_id", "-o", str(out),
                     "--keep-column", "row_id", "--chunk-rows", "64")
    assert result.returncode == 0, result.stderr
    pd.testing.assert_frame_equal(pd.read_csv(out), expected)


def test_profile_reads_a_sql_query(scoring, sqlite_url, tmp_path):
    _, rows, _ = scoring
    load_rows(sqlite_url, rows)
    page = tmp_path / "profile.html"
    result = run_cli("profile", "--sql", "SELECT * FROM customers WHERE row_id < 200", "--db", sqlite_url,
                     "-o", str(page))
    assert result.returncode == 0, result.stderr
    profile = json.loads(page.with_suffix(".json").read_text())
    assert profile["rows"] == 200
    assert profile["source"] == f"SQL query on {sqlite_url}"
    assert {c["name"] for c in profile["columns"]} == set(rows.columns)


def test_a_query_the_database_refuses_is_one_line_from_a_fresh_process(scoring, sqlite_url, tmp_path):
    root, rows, _ = scoring
    load_rows(sqlite_url, rows)
    out = tmp_path / "p.csv"
    one_line_error(run_cli("predict", str(root / "run"), "--sql", "SELECT * FROM no_such_table", "--db", sqlite_url,
                           "-o", str(out)), "SQL query on sqlite", "no_such_table")
    assert not out.exists(), "a failed run leaves no output file"


def test_sql_options_errors_are_one_line_with_a_fix(scoring, sqlite_url, tmp_path):
    root, rows, _ = scoring
    load_rows(sqlite_url, rows)
    model = str(root / "run")
    out = str(tmp_path / "p.csv")
    query = ("--sql", "SELECT * FROM customers", "--db", sqlite_url)
    one_line_error(in_process("predict", model, str(root / "rows.csv"), *query, "-o", out), "both DATA and --sql")
    one_line_error(in_process("predict", model, "-o", out), "no data given")
    one_line_error(in_process("predict", model, "--sql", "SELECT 1", "-o", out), "--sql needs a database",
                   "MLWRIGHT_DB")
    one_line_error(in_process("predict", model, *query), "no output given", "--to-table")
    one_line_error(in_process("predict", model, *query, "--to-table", "bad-name"), "not a table name")
    one_line_error(in_process("predict", model, *query, "-o", out, "--keep-column", "row_ld"), "'row_ld'",
                   "did you mean 'row_id'?")
    one_line_error(in_process("predict", model, *query, "-o", out, "--sep", ";"), "describe files")
    one_line_error(in_process("profile", "--db", sqlite_url), "no data given")
    assert not (tmp_path / "p.csv").exists(), "no failed run leaves an output file"


def test_scoring_into_a_file_and_a_table_is_all_or_nothing_for_both(scoring, sqlite_url, tmp_path):
    root, rows, expected = scoring
    load_rows(sqlite_url, rows)
    model = mlwright.load(root / "run")
    source = SqlQuery("SELECT * FROM customers", sqlite_url)
    both = tmp_path / "both.parquet"
    report = score_file(model, source, both, to_table=(sqlite_url, "scored"), keep_columns=["row_id"],
                        chunk_rows=128)
    assert (report.rows, report.chunks) == (ROWS, 3)
    from_file = pd.read_parquet(both).sort_values("row_id", ignore_index=True)
    pd.testing.assert_frame_equal(from_file, read_back(sqlite_url, "scored"), check_dtype=False)
    assert from_file["label"].tolist() == expected["label"].tolist()

    refused = tmp_path / "refused.csv"  # without row_id, the predictions do not fit the table
    with pytest.raises(DatabaseError, match="'row_id', which the predictions lack"):
        score_file(model, source, refused, to_table=(sqlite_url, "scored"))
    assert not refused.exists() and len(read_back(sqlite_url, "scored")) == ROWS

    empty = tmp_path / "empty.csv"
    none = SqlQuery("SELECT * FROM customers WHERE row_id < 0", sqlite_url)
    report = score_file(model, none, empty, to_table=(sqlite_url, "nothing"), keep_columns=["row_id"])
    assert report.rows == 0 and list(pd.read_csv(empty).columns) == list(expected.columns)
    assert not inspect(create_engine(sqlite_url)).has_table("nothing"), "no rows: no table"
