"""Where a table came from, as run records, retrain decisions and drift checks keep it."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import polars as pl

from mlwright.data.readers import describe_source
from mlwright.data.sql import SqlQuery
from mlwright.monitor.sources import describe


def test_a_dataframe_is_a_frame_not_a_query():
    # a DataFrame has a describe() method too: it used to be recorded as its summary statistics
    frame = pd.DataFrame({"a": [1, 2, 3]})
    assert describe_source(frame) == {"kind": "DataFrame", "rows": 3}
    assert describe_source(pl.DataFrame({"a": [1, 2]})) == {"kind": "DataFrame", "rows": 2}
    assert describe(frame)["where"] == "a DataFrame"
    json.dumps(describe(frame))


def test_files_and_queries(tmp_path):
    assert describe_source(tmp_path / "x.csv") == {"kind": "file", "path": str((tmp_path / "x.csv").resolve())}
    query = describe_source(SqlQuery("SELECT 1", "postgresql://me:secret@db/x"))
    assert query["kind"] == "sql" and "secret" not in json.dumps(query)
    assert describe(SqlQuery("SELECT 1", "sqlite:///a.db"))["where"] == "SQL query"
    assert describe(Path("new.csv"))["where"] == "new.csv"
