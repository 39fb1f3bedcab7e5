"""Batch scoring on a real multi-process Dask cluster (see tests/dask_cluster.py): the parts run on
both workers and add up to what local `score_file` writes; a failed job leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from distributed import Client, get_task_stream

import mlwright
from mlwright.errors import ConfigError, SchemaError
from mlwright.serve.batch import score_file
from mlwright.serve.dask_batch import score_on_dask
from tests.conftest import FAST, make_mixed_frame, run_cli
from tests.dask_cluster import START_SECONDS, Cluster

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")
TRAIN = {**FAST, "max_trials": 2, "families": ("lightgbm", "linear")}
ROWS = 8000
COLUMNS = ["row_id", "label", "proba_no", "proba_yes"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    started = Cluster(tmp_path_factory.mktemp("dask"))
    yield started
    started.stop()


@pytest.fixture(scope="module")
def client(cluster):
    with Client(cluster.address, timeout=START_SECONDS) as connected:
        yield connected


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A run folder (its model in run/model): what `mlwright predict` is most often given."""
    run = tmp_path_factory.mktemp("trained") / "run"
    mlwright.train(make_mixed_frame(600), "label", store=False, out=run, **TRAIN)
    return run


def _rows() -> pd.DataFrame:
    return make_mixed_frame(ROWS, seed=3)


def _assert_same_predictions(on_dask: pd.DataFrame, local: pd.DataFrame) -> None:
    assert list(on_dask.columns) == list(local.columns) == COLUMNS
    assert on_dask["row_id"].tolist() == local["row_id"].tolist() == list(range(ROWS))
    assert on_dask["label"].tolist() == local["label"].tolist()
    for column in ("proba_no", "proba_yes"):
        np.testing.assert_allclose(on_dask[column], local[column], rtol=0, atol=1e-9)


def _hidden(folder: Path) -> list[str]:
    """Temporary folders and files left beside the output."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_parquet_row_groups_are_scored_on_both_workers_as_locally(cluster, client, run_dir, tmp_path):
    source, out = tmp_path / "rows.parquet", tmp_path / "scored.parquet"
    pq.write_table(pa.Table.from_pandas(_rows(), preserve_index=False), source, row_group_size=ROWS // 4)
    out.mkdir()
    (out / "part-00009.parquet").write_bytes(b"an earlier output's part")  # replaced with the whole folder
    parts: list[int] = []
    with get_task_stream(client) as stream:
        report = score_on_dask(run_dir, source, out, client=client, keep_columns=["row_id"], on_part=parts.append)
    assert {task["worker"] for task in stream.data} == set(cluster.worker_pids())
    assert (report.rows, report.chunks, parts) == (ROWS, 4, [ROWS // 4] * 4)
    assert sorted(p.name for p in out.iterdir()) == [f"part-0000{i}.parquet" for i in range(4)]
    local = score_file(mlwright.load(run_dir), source, tmp_path / "local.parquet", keep_columns=["row_id"])
    _assert_same_predictions(pd.read_parquet(out), pd.read_parquet(tmp_path / "local.parquet"))
    assert report.warnings == local.warnings == []
    assert _hidden(tmp_path) == []


def test_csv_blocks_are_scored_as_locally_though_a_later_block_holds_text_in_a_number_column(
        cluster, client, run_dir, tmp_path):
    """Dask would guess x2's type from the first block and fail on the last; read as text and
    typed per block, the rows score as locally, and the warning from the worker is reported."""
    rows = _rows()
    rows["x2"] = rows["x2"].astype(object)
    rows.loc[ROWS - 900:ROWS - 896, "x2"] = "unknown"
    rows.to_csv(tmp_path / "rows.csv", index=False)
    with get_task_stream(client) as stream:
        report = score_on_dask(run_dir, tmp_path / "rows.csv", tmp_path / "scored.csv", client=client,
                               keep_columns=["row_id"], blocksize=100_000)
    assert {task["worker"] for task in stream.data} == set(cluster.worker_pids())
    assert report.rows == ROWS and report.chunks >= 4
    local = score_file(mlwright.load(run_dir), tmp_path / "rows.csv", tmp_path / "local.csv", keep_columns=["row_id"])
    _assert_same_predictions(pd.read_csv(tmp_path / "scored.csv"), pd.read_csv(tmp_path / "local.csv"))
    assert report.warnings == local.warnings == ["column 'x2': 5 values that are not numbers read as missing."]
    assert _hidden(tmp_path) == []


def test_a_failing_job_leaves_no_part_behind_and_the_earlier_output_as_it_was(client, run_dir, tmp_path):
    """The last row group's x1 holds no number: its task fails after the others have written."""
    rows = _rows()
    rows["x1"] = rows["x1"].astype(str)
    rows.loc[ROWS - ROWS // 4:, "x1"] = "not a number"
    source = tmp_path / "rows.parquet"
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), source, row_group_size=ROWS // 4)
    earlier_folder, earlier_file = tmp_path / "scored.parquet", tmp_path / "scored.csv.gz"
    earlier_folder.mkdir()
    (earlier_folder / "part-00000.parquet").write_bytes(b"earlier")
    earlier_file.write_bytes(b"earlier")
    for out in (earlier_folder, earlier_file):
        with pytest.raises(SchemaError, match="'x1' holds no numbers"):
            score_on_dask(run_dir, source, out, client=client, keep_columns=["row_id"])
    with pytest.raises(ConfigError, match="no column 'row_idx'.*did you mean 'row_id'"):
        score_on_dask(run_dir, source, earlier_file, client=client, keep_columns=["row_idx"])
    assert [p.name for p in earlier_folder.iterdir()] == ["part-00000.parquet"]
    assert (earlier_folder / "part-00000.parquet").read_bytes() == earlier_file.read_bytes() == b"earlier"
    assert _hidden(tmp_path) == []


def test_predict_backend_dask_from_the_command_line(cluster, run_dir, tmp_path):
    _rows().to_csv(tmp_path / "rows.csv", index=False)
    joined = run_cli("predict", str(run_dir), str(tmp_path / "rows.csv"), "-o", str(tmp_path / "scored.parquet"),
                     "--keep-column", "row_id", "--backend", "dask", "--address", cluster.address)
    assert joined.returncode == 0, joined.stdout + joined.stderr
    said = " ".join(joined.stdout.split())  # as printed, wrapped at the width of no terminal
    assert f"Wrote {ROWS:,} predictions to {tmp_path / 'scored.parquet'} (a folder of 1 part)" in said
    scored = pd.read_parquet(tmp_path / "scored.parquet")
    assert list(scored.columns) == COLUMNS and scored["row_id"].tolist() == list(range(ROWS))
    started = run_cli("predict", str(run_dir), str(tmp_path / "rows.csv"), "-o", str(tmp_path / "scored.csv.gz"),
                      "--keep-column", "row_id", "--backend", "dask", "--workers", "1")  # a local cluster of its own
    assert started.returncode == 0, started.stdout + started.stderr
    _assert_same_predictions(pd.read_csv(tmp_path / "scored.csv.gz"), scored)
    assert _hidden(tmp_path) == []


def test_the_command_line_refuses_what_the_dask_backend_cannot_do(run_dir, tmp_path):
    _rows().head(50).to_csv(tmp_path / "rows.csv", index=False)
    model, rows, out, db = str(run_dir), str(tmp_path / "rows.csv"), str(tmp_path / "out.csv"), \
        f"sqlite:///{tmp_path / 'rows.db'}"
    refusals = {
        "--address needs --backend dask": ("predict", model, rows, "-o", out, "--address", "tcp://127.0.0.1:8786"),
        "unknown backend 'spark'": ("predict", model, rows, "-o", out, "--backend", "spark"),
        "--sql cannot be scored with --backend dask": ("predict", model, "--sql", "SELECT 1", "--db", db, "-o", out,
                                                       "--backend", "dask"),
        "--to-table cannot be written with --backend dask": ("predict", model, rows, "--to-table", "scored", "--db", db,
                                                             "--backend", "dask"),
    }
    for message, args in refusals.items():
        refused = run_cli(*args)
        assert refused.returncode == 2 and message in refused.stderr, refused.stderr
        assert "Fix:" in refused.stderr
    assert not (tmp_path / "out.csv").exists()
