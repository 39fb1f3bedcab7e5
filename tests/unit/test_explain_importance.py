"""Permutation importance: the driving column first, a noise column about zero, and the
encode-once shortcut giving exactly what shuffling raw columns gives."""

import numpy as np
import pytest

from mlwright.errors import ConfigError, DataError
from mlwright.evaluate.explain import importance
from mlwright.evaluate.explain.importance import permutation_importance
from tests.unit.explain_models import blend_of, frame_for, signal_frame, single


def _held_out(model, task, rows=400):
    frame = signal_frame(task, rows=rows, seed=11)
    return frame, model.target.encode(frame["y"])


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_the_driving_column_ranks_first_and_noise_scores_about_zero(task):
    model = single(task, "lightgbm")
    frame, y = _held_out(model, task)
    table = permutation_importance(model, frame, y)
    assert list(table.columns) == ["column", "importance", "std"]
    assert table["column"].iloc[0] == "signal" and table["importance"].iloc[0] > 0.1
    noise = table.set_index("column").loc["noise"]
    assert abs(noise["importance"]) < 0.02 * table["importance"].iloc[0] + 3 * noise["std"] + 1e-3


def test_encoded_shortcut_equals_shuffling_raw_columns(monkeypatch):
    model = blend_of("mixed", ("lightgbm", "linear", "knn"))
    frame, _ = frame_for("mixed")
    y = model.target.encode(frame["label"])
    fast = permutation_importance(model, frame, y, metric="log_loss", repeats=3, max_rows=150, seed=2)
    monkeypatch.setattr(importance, "_encoded_shuffles", lambda *args: None)
    slow = permutation_importance(model, frame, y, metric="log_loss", repeats=3, max_rows=150, seed=2)
    np.testing.assert_allclose(fast.set_index("column").sort_index().to_numpy(),
                               slow.set_index("column").sort_index().to_numpy(), atol=1e-9)
    assert set(fast["column"]) == {spec.name for spec in model.schema.used}


def test_bad_targets_and_options_are_refused():
    model = blend_of("binary", ("lightgbm",))
    frame, y = _held_out(model, "binary", rows=50)
    with pytest.raises(DataError, match="49 values for 50 rows"):
        permutation_importance(model, frame, y[:-1])
    with pytest.raises(DataError, match="class indices.*target.encode"):
        permutation_importance(model, frame, frame["y"].to_numpy())
    with pytest.raises(ConfigError, match="repeats"):
        permutation_importance(model, frame, y, repeats=0)
    with pytest.raises(ConfigError, match="metric 'rmse'"):
        permutation_importance(model, frame, y, metric="rmse")
    with pytest.raises(DataError, match="no rows"):
        permutation_importance(model, frame.head(0), y[:0])
