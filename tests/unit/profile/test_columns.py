"""Column statistics computed in blocks agree with plain NumPy and pandas, column by column."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from mlwright.profile import columns as columns_module
from mlwright.profile.columns import HISTOGRAM_BINS, QUANTILES, describe_column, describe_columns
from mlwright.profile.leakage import _auc, rank_screen
from mlwright._types import Task


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = 2000
    skewed = rng.lognormal(size=rows)
    skewed[rng.choice(rows, 150, replace=False)] = np.nan
    return pd.DataFrame({
        "normal": rng.normal(size=rows), "skewed": skewed, "small": rng.integers(0, 4, rows).astype(float),
        "empty": np.full(rows, np.nan), "same": np.full(rows, 7.0), "word": rng.choice(["a", "b"], rows),
    })


KINDS = {"normal": "numeric", "skewed": "numeric", "small": "numeric", "empty": "constant", "same": "constant",
         "word": "categorical"}


@pytest.mark.parametrize("block_cells", [4_000_000, 2_000])  # one block, and one column per block
def test_numeric_statistics_match_numpy(monkeypatch, block_cells):
    monkeypatch.setattr(columns_module, "BLOCK_CELLS", block_cells)
    frame = _frame()
    profiles = describe_columns(frame, KINDS)
    assert list(profiles) == list(KINDS)
    for name in ("normal", "skewed", "small"):
        values = frame[name].dropna().to_numpy()
        profile = profiles[name]
        assert profile.missing == frame[name].isna().sum()
        assert profile.distinct == frame[name].nunique()
        expected = np.quantile(values, QUANTILES)
        got = [profile.stats[k] for k in ("min", "p05", "p25", "median", "p75", "p95", "max")]
        np.testing.assert_allclose(got, expected, rtol=1e-5)
        assert profile.stats["mean"] == pytest.approx(values.mean(), rel=1e-5)
        assert profile.stats["std"] == pytest.approx(values.std(ddof=1), rel=1e-5)
        assert sum(profile.histogram["counts"]) == len(values)
        assert len(profile.histogram["counts"]) == HISTOGRAM_BINS
        assert len(profile.histogram["edges"]) == HISTOGRAM_BINS + 1


def test_histogram_matches_numpy_on_the_inner_range():
    values = _frame()["normal"].to_numpy()
    profile = describe_column("normal", pd.Series(values), "numeric")
    low, high = np.quantile(values, (0.005, 0.995))
    expected, _ = np.histogram(np.clip(values, low, high), bins=HISTOGRAM_BINS, range=(low, high))
    assert np.abs(np.array(profile.histogram["counts"]) - expected).sum() <= 2  # edge rounding only


def test_few_values_get_top_counts_and_integer_labels():
    profile = describe_columns(_frame(), KINDS)["small"]
    assert [label for label, _ in profile.top] and all("." not in label for label, _ in profile.top)
    assert sum(count for _, count in profile.top) == 2000
    counts = [count for _, count in profile.top]
    assert counts == sorted(counts, reverse=True)


def test_empty_and_constant_columns():
    profiles = describe_columns(_frame(), KINDS)
    assert profiles["empty"].missing == 2000 and profiles["empty"].distinct == 0 and not profiles["empty"].stats
    assert profiles["same"].distinct == 1 and profiles["same"].histogram == {}
    assert profiles["same"].stats["min"] == profiles["same"].stats["max"] == 7.0


def test_outliers_are_counted_beyond_the_far_fences():
    values = np.r_[np.linspace(0, 1, 990), np.full(10, 50.0)]
    profile = describe_column("v", pd.Series(values), "numeric")
    assert profile.stats["outliers"] == 10


def test_ten_thousand_columns_are_described_in_about_a_second():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(50, 10_000)), columns=[f"c{i}" for i in range(10_000)])
    started = time.perf_counter()
    profiles = describe_columns(frame, dict.fromkeys(frame.columns, "numeric"))
    assert time.perf_counter() - started < 15  # about 1 s here; generous for a loaded CI machine
    assert len(profiles) == 10_000 and profiles["c9999"].distinct == 50


def test_rank_auc_equals_scikit_learn():
    rng = np.random.default_rng(2)
    y = rng.integers(0, 2, 500)
    score = np.round(rng.normal(size=500) + y, 1)  # rounded: ties count half in both
    assert _auc(y, score) == pytest.approx(roc_auc_score(y, score))
    assert _auc(np.zeros(10, dtype=int), score[:10]) == 0.5, "one class only: nothing learned"


@pytest.mark.parametrize("task", [Task.BINARY, Task.REGRESSION])
def test_rank_screen_puts_the_informative_column_first(task):
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(rng.normal(size=(400, 30)), columns=[f"n{i}" for i in range(30)])
    signal = frame["n17"] + 0.3 * rng.normal(size=400)
    y = (signal > 0).astype(int).to_numpy() if task is Task.BINARY else signal.to_numpy()
    assert rank_screen(frame, list(frame.columns), y, task)[0] == "n17"


def test_text_columns_get_lengths_vocabulary_repeats_and_a_prose_share():
    texts = pd.Series(["The plot was slow but the cast was wonderful.", "The plot was slow but the cast was wonderful.",
                       "A short one.", "SKU-99812 / 44-1", None, "Quite a good film, all in all, I think."])
    stats = describe_column("review", texts, "text").stats
    assert stats["repeated_rows"] == 1 and stats["max_length"] == 45
    assert stats["median_words"] == 9  # weighted by rows: the repeated review counts twice
    assert stats["vocabulary"] == len({"the", "plot", "was", "slow", "but", "cast", "wonderful", "short", "one",
                                       "sku", "quite", "good", "film", "all", "in", "think"})
    assert stats["prose_share"] == 0.5  # of 4 distinct texts: the code and the 3-word "A short one." are not prose
