import gzip

import pandas as pd
import polars as pl
import pytest

from mlwright.data.readers import iter_table, read_table
from mlwright.errors import DataError
from tests.conftest import ADULT_COLUMNS


def test_reads_gzip_csv_with_header(fixtures):
    frame = read_table(fixtures / "titanic.csv.gz")
    assert frame.shape == (891, 15)
    assert "survived" in frame.columns


def test_headerless_file_with_comma_space_separator_and_question_marks(fixtures):
    frame = read_table(fixtures / "adult_raw_head.csv.gz", columns=ADULT_COLUMNS)
    assert list(frame.columns) == ADULT_COLUMNS
    assert frame["workclass"].isna().sum() > 0, "'?' must be read as missing"
    assert not frame["workclass"].dropna().str.startswith(" ").any(), "leading spaces must be stripped"
    assert frame["age"].dtype.kind in "if"


def test_guesses_missing_header_and_names_columns(tmp_path):
    path = tmp_path / "numbers.csv"
    path.write_text("1.5,2,3\n4.5,5,6\n")
    frame = read_table(path)
    assert list(frame.columns) == ["column_1", "column_2", "column_3"]
    assert len(frame) == 2


def test_numeric_column_names_with_a_named_target_are_a_header(tmp_path):
    path = tmp_path / "spam.tsv"  # PMLB writes feature names 0..56 and then 'target'
    rows = ["0\t1\t2\ttarget"] + [f"{i}.5\t{i}\t0.{i}\t{i % 2}" for i in range(20)]
    path.write_text("\n".join(rows) + "\n")
    frame = read_table(path)
    assert list(frame.columns) == ["0", "1", "2", "target"] and len(frame) == 20


def test_headerless_raw_file_with_words_and_numbers_has_no_header(fixtures):
    frame = read_table(fixtures / "adult_raw_head.csv.gz")
    assert list(frame.columns)[:2] == ["column_1", "column_2"], "the first data row must not become the header"
    assert frame["column_1"].dtype.kind in "if"


@pytest.mark.parametrize("sep", [";", "|", "\t"])
def test_sniffs_separator(tmp_path, sep):
    path = tmp_path / "data.txt"
    path.write_text(sep.join(["a", "b", "c"]) + "\n" + sep.join(["1", "x", "2.5"]) + "\n" + sep.join(["2", "y", "3"]) + "\n")
    frame = read_table(path)
    assert list(frame.columns) == ["a", "b", "c"]


def test_parquet_and_polars_sources(tmp_path):
    frame = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", None]})
    frame.to_parquet(tmp_path / "d.parquet")
    assert read_table(tmp_path / "d.parquet").shape == (3, 2)
    assert read_table(pl.DataFrame({"a": [1, 2], "b": ["u", "v"]})).shape == (2, 2)


def test_empty_and_missing_files_name_the_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(DataError, match="empty.csv: the file is empty"):
        read_table(empty)
    with pytest.raises(DataError, match="nope.csv: file not found"):
        read_table(tmp_path / "nope.csv")


def test_duplicate_column_names_are_refused(tmp_path):
    frame = pd.DataFrame([[1, 2]], columns=["a", "a "])
    with pytest.raises(DataError, match="appear twice"):
        read_table(frame)


def test_iter_table_streams_chunks(tmp_path):
    path = tmp_path / "big.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write("a,b\n" + "".join(f"{i},{i % 3}\n" for i in range(1000)))
    chunks = list(iter_table(path, chunk_rows=300))
    assert [len(c) for c in chunks] == [300, 300, 300, 100]
