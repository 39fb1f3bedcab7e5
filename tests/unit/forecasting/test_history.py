"""Reading series: times parsed or assembled, the calendar inferred, gaps filled and named,
duplicates and bad values refused with the rows named."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from mlwright.errors import DataError
from mlwright.forecasting.history import check_horizon, read_history
from tests.forecast_fixtures import monthly_series, several_series


def test_a_time_is_assembled_from_a_year_and_month_names():
    frame = pd.DataFrame({"year": [1949] * 12 + [1950] * 12,
                          "month": ["January", "February", "March", "April", "May", "June", "July", "August",
                                    "September", "October", "November", "Dec"] * 2,
                          "passengers": np.arange(24, dtype=float)})
    history = read_history(frame, time="year,month", target="passengers")
    assert history.freq == "MS"
    assert history.times(0)[0] == pd.Timestamp("1949-01-01")
    assert history.times(0)[-1] == pd.Timestamp("1950-12-01")
    assert history.time_name == "year and month"


def test_several_series_are_read_by_their_id():
    history = read_history(several_series(3, 30), time="month", target="sales", id_column="store")
    assert history.ids == ["store-0", "store-1", "store-2"]
    assert [len(v) for v in history.values] == [30, 30, 30]


def test_gaps_are_filled_by_a_straight_line_and_counted():
    frame = monthly_series(24).drop(index=[5, 6]).reset_index(drop=True)
    history = read_history(frame, time="month", target="sales")
    assert len(history.values[0]) == 24
    original = monthly_series(24)["sales"].to_numpy()
    np.testing.assert_allclose(history.values[0][5:7], np.linspace(original[4], original[7], 4)[1:3])
    assert history.filled == {"series": 2}
    assert any("2 missing steps" in note for note in history.notes)


def test_a_repeated_timestamp_is_refused_with_its_lines():
    frame = monthly_series(12)
    frame.loc[len(frame)] = [frame.loc[3, "month"], 1.0]
    with pytest.raises(DataError) as raised:
        read_history(frame, time="month", target="sales")
    message = str(raised.value)
    assert "repeat a timestamp" in message and "lines 5, 14" in message and "--id" in message


@pytest.mark.parametrize("column, value, words", [
    ("month", "not a date", "does not parse as dates"),
    ("sales", "many", "is not a number"),
])
def test_bad_values_are_named(column, value, words):
    frame = monthly_series(12).astype({"sales": object})
    frame.loc[4, column] = value
    with pytest.raises(DataError, match=words) as raised:
        read_history(frame, time="month", target="sales")
    assert "line 6" in str(raised.value) or "'many'" in str(raised.value)


def test_an_unknown_column_suggests_the_near_one():
    with pytest.raises(DataError, match="did you mean 'sales'"):
        read_history(monthly_series(12), time="month", target="Sales ")


@pytest.mark.parametrize("horizon, words", [(0, "at least 1"), (30, "too long for the history")])
def test_a_horizon_of_zero_or_beyond_the_history_is_refused(horizon, words):
    history = read_history(monthly_series(24), time="month", target="sales")
    with pytest.raises(DataError, match=words):
        check_horizon(history, horizon)


def test_series_too_short_for_the_horizon_are_left_out_with_a_note():
    frame = several_series(2, 40)
    frame = frame[~((frame["store"] == "store-1") & (frame.index % 40 >= 10))]
    history = check_horizon(read_history(frame, time="month", target="sales", id_column="store"), 12)
    assert history.ids == ["store-0"]
    assert any("store-1" in note and "left out" in note for note in history.notes)


def test_a_history_of_one_value_is_refused():
    frame = pd.DataFrame({"day": ["2024-01-01", "2024-01-01"], "y": [1.0, 2.0], "id": ["a", "b"]})
    with pytest.raises(DataError, match="one value"):
        check_horizon(read_history(frame, time="day", target="y", id_column="id", freq="D"), 1)


@pytest.mark.parametrize("days", [["2024-01-18"], ["2024-01-18", "2024-01-19"]])
def test_times_of_which_none_is_on_the_calendar_asked_for_are_named(days):
    # a month-start calendar between two mid-month days has no date at all: refused, not a crash
    frame = pd.DataFrame({"day": days, "y": [1.0] * len(days)})
    with pytest.raises(DataError, match=r"not on a MS calendar \(first: 2024-01-18"):
        read_history(frame, time="day", target="y", freq="MS")
