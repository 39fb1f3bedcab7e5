"""A forecast within the budget: when the time is gone, the baselines still forecast."""

from __future__ import annotations

import time

from mlwright.forecasting.history import check_horizon, read_history
from mlwright.forecasting.run import fit_forecaster
from tests.forecast_fixtures import several_series


def test_a_spent_budget_still_gives_the_baselines_forecast():
    history = check_horizon(read_history(several_series(2, 48), time="month", target="sales", id_column="store"), 6)
    model = fit_forecaster(history, 6, time_limit=1.0, started=time.time() - 100)
    names = {entry["name"] for entry in model.info["leaderboard"]}
    assert {"seasonal_naive", "naive", "drift"} <= names
    assert not names & {"auto_ets", "auto_arima", "global_lightgbm"}
    assert model.info["passed_over"]
    # past the deadline a statistical method is not even probed: one probing fit can outlast the budget
    assert any(note.startswith("auto_arima: no time was left") for note in model.info["passed_over"])
    table = model.forecast()
    assert len(table) == 12 and table["forecast"].notna().all()
