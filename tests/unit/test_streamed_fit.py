"""The final fit of training on data larger than memory: the rows LightGBM reads batch by
batch from the file must be exactly the rows, in order and encoded, that it would get in memory."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from mlwright.data.prepare import prepare_training_data
from mlwright.data.sampling import sample_file
from mlwright.data.schema import conform_columns
from mlwright.features import TableEncoder
from mlwright.search.streamed_fit import EncodedRows, _encoded_labels
from tests.conftest import make_mixed_frame

ROWS = 6000


@pytest.fixture(scope="module")
def streamed(tmp_path_factory):
    path = tmp_path_factory.mktemp("streamed") / "rows.parquet"
    frame = make_mixed_frame(ROWS, seed=5)
    frame.to_parquet(path, row_group_size=900)
    sampled = sample_file(path, "label", 1500, seed=0)
    prepared = prepare_training_data(sampled.sample, "label", None)
    encoder = TableEncoder(prepared.schema, "tree").fit(prepared.frame)
    keep = np.ones(ROWS, dtype=bool)
    keep[np.arange(0, ROWS, 7)] = False  # rows left out, as the holdout and validation rows are
    return frame, sampled, prepared, encoder, keep


def _in_memory(frame, prepared, encoder, keep):
    kept = frame[keep]
    columns, _ = conform_columns(kept, prepared.schema, ignore=("label",))
    return encoder.transform(columns, len(kept))


def test_batches_are_the_kept_rows_encoded_in_order(streamed):
    frame, sampled, prepared, encoder, keep = streamed
    rows = EncodedRows(sampled, keep, prepared.schema, encoder, "label")
    rows.batch_size = 1000  # batches cross the file's chunks and row groups
    expected = _in_memory(frame, prepared, encoder, keep)
    assert len(rows) == keep.sum()
    served = np.vstack([rows[start:start + 1000] for start in range(0, len(rows), 1000)])
    np.testing.assert_array_equal(served, expected)
    np.testing.assert_array_equal(rows[10:20], expected[10:20])  # out of order: read again from the start
    np.testing.assert_array_equal(rows[3], expected[3])


def test_a_dataset_streamed_from_the_file_trains_the_same_model_as_one_in_memory(streamed):
    frame, sampled, prepared, encoder, keep = streamed
    y_all, known = _encoded_labels(prepared.target, frame["label"])
    assert known.all()
    bins = lgb.Dataset(encoder.transform(prepared.frame), prepared.y, params={"verbose": -1}).construct()
    params = {"objective": "binary", "verbose": -1, "num_threads": 1, "seed": 0, "deterministic": True}
    from_file = lgb.train(params, lgb.Dataset(EncodedRows(sampled, keep, prepared.schema, encoder, "label"),
                                              y_all[keep], reference=bins), num_boost_round=20)
    matrix = _in_memory(frame, prepared, encoder, keep)
    in_memory = lgb.train(params, lgb.Dataset(matrix, y_all[keep], reference=bins), num_boost_round=20)
    np.testing.assert_allclose(from_file.predict(matrix), in_memory.predict(matrix), rtol=0, atol=1e-12)


def test_labels_the_model_does_not_know_are_left_out(streamed):
    _, _, prepared, _, _ = streamed
    encoded, known = _encoded_labels(prepared.target, pd.Series(["yes", None, "maybe", "no"]))
    assert known.tolist() == [True, False, False, True]
    assert encoded[known].tolist() == [prepared.target.classes.index("yes"), prepared.target.classes.index("no")]
