"""Each drift statistic against scipy on raw samples, and the summaries they read."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from mlwright._types import Task
from mlwright.monitor.statistics import categorical_shift, numeric_shift
from mlwright.profile.reference import (EXACT_VALUES, SKETCH_POINTS, categorical_summary, numeric_summary,
                                        prediction_values)


def test_exact_values_give_scipys_ks_and_wasserstein():
    rng = np.random.default_rng(0)
    reference, current = rng.integers(0, 40, 5000).astype(float), rng.integers(2, 42, 800).astype(float)
    shift = numeric_shift(numeric_summary(reference), current)
    assert shift.values["ks"] == pytest.approx(stats.ks_2samp(reference, current).statistic, abs=1e-12)
    assert shift.values["wasserstein"] == pytest.approx(
        stats.wasserstein_distance(reference, current) / reference.std(), rel=1e-9)


def test_the_sketch_of_a_continuous_column_is_close_to_the_rows():
    rng = np.random.default_rng(1)
    reference, current = rng.lognormal(size=20_000), rng.lognormal(0.2, size=3000)
    summary = numeric_summary(reference)
    assert len(summary["sketch"]["values"]) == SKETCH_POINTS > EXACT_VALUES
    shift = numeric_shift(summary, current)
    exact = stats.ks_2samp(reference, current)
    assert shift.values["ks"] == pytest.approx(exact.statistic, abs=2 / SKETCH_POINTS)
    assert shift.p_value < 1e-6 and exact.pvalue < 1e-6
    assert shift.values["wasserstein"] == pytest.approx(
        stats.wasserstein_distance(reference, current) / reference.std(), rel=0.02)


def test_the_ks_p_value_follows_scipy_for_samples_alike():
    rng = np.random.default_rng(2)
    reference, current = rng.normal(size=10_000), rng.normal(size=500)
    shift = numeric_shift(numeric_summary(reference), current)
    assert shift.p_value == pytest.approx(stats.ks_2samp(reference, current).pvalue, abs=0.05)
    assert shift.p_value > 0.01


def test_missing_values_are_counted_apart_and_tested():
    rng = np.random.default_rng(3)
    reference = rng.normal(size=2000)
    reference[:20] = np.nan  # 1% at training
    current = rng.normal(size=1000)
    current[:150] = np.nan  # 15% now
    shift = numeric_shift(numeric_summary(reference), current)
    assert shift.reference_missing_rate == pytest.approx(0.01)
    assert shift.missing_rate == pytest.approx(0.15)
    assert shift.missing_p_value < 1e-10
    assert shift.values["wasserstein"] < 0.15  # the present values did not move


def test_dates_are_compared_as_seconds():
    stamps = pd.date_range("2024-01-01", periods=500, freq="D").to_numpy()
    summary = numeric_summary(stamps)
    assert summary["missing"] == 0 and summary["min"] == pytest.approx(pd.Timestamp("2024-01-01").timestamp())
    shift = numeric_shift(summary, stamps + np.timedelta64(400, "D"))
    assert shift.values["ks"] > 0.7


def test_categories_jensen_shannon_chi_square_and_new_values():
    reference = np.array(["a"] * 600 + ["b"] * 300 + ["c"] * 100, dtype=object)
    current = np.array(["a"] * 300 + ["b"] * 300 + ["c"] * 300 + ["zzz"] * 100, dtype=object)
    shift = categorical_shift(categorical_summary(reference), current)
    expected_js = jensenshannon([0.6, 0.3, 0.1, 0.0], [0.3, 0.3, 0.3, 0.1], base=2)
    assert shift.values["jensen_shannon"] == pytest.approx(expected_js)
    assert shift.p_value == pytest.approx(
        stats.chi2_contingency(np.array([[600, 300, 100, 0], [300, 300, 300, 100]]))[1])
    assert shift.new_category_rate == pytest.approx(0.1) and shift.new_categories == ["zzz"]
    assert shift.histogram["labels"][:3] == ["a", "b", "c"]


def test_same_categories_in_the_same_shares_do_not_move():
    values = np.array(["x", "y", "y", None] * 250, dtype=object)
    shift = categorical_shift(categorical_summary(values), values)
    assert shift.values["jensen_shannon"] == pytest.approx(0.0, abs=1e-7)
    assert shift.values["psi"] == pytest.approx(0.0, abs=1e-9)
    assert shift.p_value == pytest.approx(1.0)
    assert shift.missing_rate == shift.reference_missing_rate == pytest.approx(0.25)


def test_pooled_rare_categories_are_not_called_new(monkeypatch):
    import mlwright.profile.reference as reference_module

    monkeypatch.setattr(reference_module, "TOP_CATEGORIES", 2)
    summary = categorical_summary(np.array(["a"] * 5 + ["b"] * 4 + ["c"] * 3 + ["d"], dtype=object))
    assert summary["other"] == 4
    shift = categorical_shift(summary, np.array(["c", "d", "a"], dtype=object))
    assert shift.new_category_rate == 0.0


def test_prediction_values_by_task():
    proba = np.array([[0.2, 0.8], [0.9, 0.1]])
    assert prediction_values(proba, Task.BINARY, ["no", "yes"])[1].tolist() == [0.8, 0.1]
    kind, labels = prediction_values(np.array([[0.1, 0.2, 0.7]]), Task.MULTICLASS, [1, 2, 3])
    assert kind == "categorical" and labels.tolist() == ["3"]
    assert prediction_values(np.array([1.5, 2.5]), Task.REGRESSION, [])[0] == "numeric"
