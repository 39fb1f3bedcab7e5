"""The season the data shows, the conformal intervals' width and coverage, the forecast scores."""

from __future__ import annotations

import numpy as np
import pytest

from mlwright.forecasting.backtest import Backtest
from mlwright.forecasting.choice import best_members, choice_errors, chosen_intervals, leaderboard
from mlwright.forecasting.intervals import RECENT, SEASON_WINDOW, Intervals, calibrate, conformal_quantile, cross_coverage
from mlwright.forecasting.scores import mase, naive_scale, recent_scale, season_window_scale, smape, weighted_quantile_loss
from mlwright.forecasting.seasons import choose_season, proposed_seasons


def test_a_yearly_pattern_in_months_is_found_and_a_random_walk_has_none():
    rng = np.random.default_rng(0)
    t = np.arange(96)
    seasonal = 10 * np.sin(2 * np.pi * t / 12) + 0.5 * t + rng.normal(0, 1, 96)
    walk = np.cumsum(rng.normal(0, 1, 96))
    assert choose_season([seasonal], "MS") == 12
    assert choose_season([walk], "MS") == 1


def test_persistence_in_days_is_not_taken_for_a_week():
    rng = np.random.default_rng(1)
    days = np.arange(800)
    slow = 10 * np.sin(2 * np.pi * days / 365) + np.convolve(rng.normal(0, 1, 806), np.ones(7) / 7, "valid")
    assert choose_season([slow], "D") == 365
    weekly = np.where(days % 7 >= 5, 20.0, 10.0) + rng.normal(0, 1, 800)
    assert choose_season([weekly], "D") == 7


def test_the_calendar_proposes_its_seasons():
    assert proposed_seasons("MS") == [12]
    assert proposed_seasons("D") == [7, 365]
    assert proposed_seasons("QS-JAN") == [4]
    assert proposed_seasons("YS") == []


def test_the_conformal_quantile_takes_the_finite_sample_correction():
    values = np.arange(1, 11, dtype=float)  # ceil(11 × 0.8) = 9th of 10
    assert conformal_quantile(values, 80) == 9.0
    assert conformal_quantile(values, 95) == 10.0


def test_intervals_widen_with_the_step_and_cover_as_asked_on_windows_left_out():
    rng = np.random.default_rng(2)
    growth = np.sqrt(np.arange(1, 13))
    errors = rng.normal(0, 1, (200, 4, 12)) * growth  # series, windows, steps
    intervals = calibrate(errors, (80, 95))
    assert np.all(np.diff(intervals.spread) >= 0) and intervals.spread[-1] > 2.5 * intervals.spread[0]
    coverage = cross_coverage(errors, (80, 95))
    assert coverage[80] == pytest.approx(0.80, abs=0.03)
    assert coverage[95] == pytest.approx(0.95, abs=0.02)
    lower, upper = intervals.bounds(np.zeros(24), 2.0, 95)  # beyond the calibrated 12 steps it keeps widening
    assert upper[-1] > upper[11] > upper[0] > 0 and np.allclose(lower, -upper)


def test_the_scale_follows_the_part_of_the_season_the_horizon_falls_in():
    rng = np.random.default_rng(3)
    month = np.arange(12 * 6) % 12
    y = 100 + rng.normal(0, np.where(month < 6, 1.0, 5.0))  # calm first half-years, restless second ones
    calm, restless = y[:12 * 5], y[:12 * 5 + 6]  # the next 6 steps: the calm half, then the restless one
    assert season_window_scale(restless, 12, 6) > 2 * season_window_scale(calm, 12, 6)
    assert season_window_scale(calm, 1, 6) == recent_scale(calm, 1)  # no season: the recent past's
    assert season_window_scale(y[:13], 12, 6) == recent_scale(y[:13], 12)  # less than a season behind


def test_a_saved_interval_keeps_the_scale_it_was_calibrated_with():
    state = Intervals(np.ones(3), {80: 1.0}).to_state()
    assert Intervals.from_state(state).scaling == SEASON_WINDOW
    del state["scaling"]  # saved before the season window
    assert Intervals.from_state(state).scaling == RECENT


def _backtest(errors_by_method: dict[str, np.ndarray]) -> Backtest:
    shape = next(iter(errors_by_method.values())).shape
    actuals = np.zeros(shape)
    backtest = Backtest(shape[2], 1, shape[1], actuals, np.ones(shape[:2]), np.ones(shape[:2]))
    backtest.forecasts = {name: actuals - errors for name, errors in errors_by_method.items()}
    return backtest


def test_intervals_are_calibrated_on_the_errors_of_choosing_not_of_the_winner():
    # "lucky" wins overall thanks to one window it forecast perfectly; without that window the
    # choice is "steady", which missed it: the winner's own errors flatter the choosing.
    lucky = np.full((1, 5, 4), 1.0)
    lucky[0, 4] = 0.0
    steady = np.full((1, 5, 4), 0.9)
    steady[0, 4] = 2.0
    backtest = _backtest({"lucky": lucky, "steady": steady})
    assert leaderboard(backtest)[0].members == ["lucky"]
    assert best_members(backtest, [0, 1, 2, 3]) == ["steady"]
    errors = choice_errors(backtest, list(range(5)), ["lucky"])
    assert np.allclose(errors[0, 4], 2.0) and np.allclose(errors[0, :4], 1.0)
    chosen = leaderboard(backtest)[0]
    intervals, coverage = chosen_intervals(backtest, chosen)
    own = calibrate(backtest.interval_errors(backtest.forecasts[chosen.members[0]]), (80, 95))
    assert intervals.multipliers[95] * intervals.spread[-1] >= own.multipliers[95] * own.spread[-1]
    assert set(coverage) == {80, 95} and all(0 <= v <= 1 for v in coverage.values())


def test_coverage_cannot_be_measured_on_one_window():
    assert cross_coverage(np.ones((3, 1, 4)), (80,)) == {80: None}


def test_scores_match_their_definitions():
    history = np.array([1.0, 3.0, 2.0, 4.0, 3.0])
    assert naive_scale(history, 1) == pytest.approx(np.mean([2, 1, 2, 1]))
    assert naive_scale(np.ones(5), 1) == 1.0  # a constant history divides by 1, not 0
    actual, predicted = np.array([10.0, 20.0]), np.array([12.0, 16.0])
    assert mase(actual, predicted, 2.0) == pytest.approx(1.5)
    assert smape(actual, predicted) == pytest.approx(100 * np.mean([4 / 22, 8 / 36]))
    assert weighted_quantile_loss(actual, {0.5: actual}) == 0.0
