"""The sample a search runs on when the file is larger than memory: stratified, read by
position in a pass over the file, never the whole table at once."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlwright.data.sampling import read_positions, read_target, sample_file, stratified_positions
from mlwright.errors import DataError
from tests.conftest import make_mixed_frame


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sampling")
    frame = make_mixed_frame(5000, seed=3)
    frame.loc[[10, 20, 30], "label"] = None  # rows without a label are never sampled
    parquet, csv = folder / "rows.parquet", folder / "rows.csv"
    frame.to_parquet(parquet, row_group_size=700)  # several row groups, none aligned with the chunks
    frame.to_csv(csv, index=False)
    return frame, parquet, csv


def test_each_stratum_keeps_its_share_and_no_class_is_lost():
    rng = np.random.default_rng(0)
    strata = np.array([0] * 9000 + [1] * 990 + [2] * 10)
    chosen = stratified_positions(np.arange(len(strata)), strata, 1000, rng)
    assert len(chosen) == 1000 and len(np.unique(chosen)) == 1000
    counts = np.bincount(strata[chosen], minlength=3)
    assert counts[0] == pytest.approx(900, abs=2) and counts[1] == pytest.approx(99, abs=2)
    assert counts[2] >= 1
    assert np.all(np.diff(chosen) > 0)


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_rows_are_read_by_position_in_one_pass(files, kind):
    frame, parquet, csv = files
    path = parquet if kind == "parquet" else csv
    wanted = [np.array([0, 699, 700, 2345, 4999]), np.array([1, 1400])]
    first, second = read_positions(path, wanted, {}, chunk_rows=1000)
    assert first["row_id"].tolist() == [0, 699, 700, 2345, 4999]
    assert second["row_id"].tolist() == [1, 1400]
    assert first.index.tolist() == list(range(5))
    pd.testing.assert_series_equal(first["x1"], frame["x1"].iloc[wanted[0]].reset_index(drop=True))


@pytest.mark.parametrize("kind", ["parquet", "csv"])
def test_the_sample_is_stratified_labelled_and_apart_from_the_validation_rows(files, kind):
    frame, parquet, csv = files
    sampled = sample_file(parquet if kind == "parquet" else csv, "label", 1200, seed=1, chunk_rows=900)
    assert read_target(parquet, "label", {}, chunk_rows=900).index.tolist() == list(range(5000))
    assert len(set(sampled.sample_positions)) == 1200
    assert sampled.sample_positions.max() > 4000  # chosen from the whole file, not its first chunk
    assert sampled.rows == 5000 and len(sampled.sample) == 1200
    assert sampled.sample["row_id"].tolist() == sampled.sample_positions.tolist()
    assert sampled.validation["row_id"].tolist() == sampled.validation_positions.tolist()
    assert not set(sampled.sample_positions) & set(sampled.validation_positions)
    assert sampled.sample["label"].notna().all() and sampled.validation["label"].notna().all()
    share = (frame["label"] == "yes").sum() / frame["label"].notna().sum()
    assert (sampled.sample["label"] == "yes").mean() == pytest.approx(share, abs=0.002)
    assert len(sampled.validation) == 2000  # the least validation set; the file has fewer rows than it asks
    again = sample_file(parquet, "label", 1200, seed=1, chunk_rows=900)
    assert again.sample_positions.tolist() == sampled.sample_positions.tolist()


def test_a_regression_target_is_sampled_across_its_range(tmp_path):
    values = np.arange(20_000, dtype=float)
    path = tmp_path / "numbers.parquet"
    pd.DataFrame({"x": values, "y": values}).to_parquet(path)
    sampled = sample_file(path, "y", 1000, seed=0)
    deciles = np.floor(sampled.sample["y"] / 2000).astype(int)
    assert np.bincount(deciles, minlength=10).tolist() == [100] * 10


def test_a_missing_target_is_named(files):
    _, parquet, csv = files
    for path in (parquet, csv):
        with pytest.raises(DataError, match="'lable'.*'label'"):
            read_target(path, "lable", {})
