"""Training refuses, before reading, a file that would not fit in memory, and says to train by sample."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest

from mlwright.data.memory import TRAINING_BYTES_PER_TABLE_BYTE, check_fits_in_memory, table_bytes
from mlwright.errors import ConfigError
from tests.conftest import make_mixed_frame


def test_the_stored_size_is_read_from_parquet_metadata_and_text_files(tmp_path):
    frame = make_mixed_frame(3000)
    parquet, csv, gz = tmp_path / "t.parquet", tmp_path / "t.csv", tmp_path / "t.csv.gz"
    frame.to_parquet(parquet)
    frame.to_csv(csv, index=False)
    with gzip.open(gz, "wt") as handle:
        frame.to_csv(handle, index=False)
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(parquet).metadata
    assert table_bytes(parquet) == meta.row_group(0).total_byte_size > 0
    assert table_bytes(csv) == csv.stat().st_size
    assert table_bytes(gz) > gz.stat().st_size


def test_a_table_too_large_for_the_memory_left_is_refused_with_the_way_out(tmp_path):
    path = tmp_path / "t.csv"
    make_mixed_frame(3000).to_csv(path, index=False)
    needed = path.stat().st_size * TRAINING_BYTES_PER_TABLE_BYTE
    check_fits_in_memory(path, available=int(needed) + 1)
    with pytest.raises(ConfigError, match="--sample-rows") as refused:
        check_fits_in_memory(path, available=int(needed / 4))
    assert str(path) in str(refused.value)
    check_fits_in_memory(tmp_path / "missing.csv", available=1)  # the reader names a missing file


def test_training_a_small_file_is_not_refused(tmp_path):
    path = tmp_path / "t.csv"
    pd.DataFrame({"x": range(100), "y": [0, 1] * 50}).to_csv(path, index=False)
    check_fits_in_memory(path)
