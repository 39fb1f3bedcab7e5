"""`mlwright monitor` for a forecasting model, as a user runs it: the actuals that came in after
training are matched with the model's forecasts; the true continuation of the series holds,
actuals moved several standard deviations up are a degradation (exit code 2, with the advice to
retrain), and actuals that cannot be checked end in one line and the monitor's error code 3."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.forecasting.run import forecast
from mlwright.forecasting.scores import naive_scale
from mlwright.monitor.forecast_check import MASE_RATIO, check_forecasts
from tests.conftest import run_cli
from tests.forecast_fixtures import require_statsforecast, several_series

require_statsforecast()

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

#: Four standard deviations of the generator's noise (``monthly_series`` draws it with sd 1).
SHIFT = 4.0
HISTORY_END = pd.Timestamp("2019-12-01")  # 60 months from 2015-01


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model of 3 series x 60 months (horizon 6), the actuals files beside it, and a store."""
    folder = tmp_path_factory.mktemp("forecast_monitor")
    forecast(several_series(3, 60), time="month", target="sales", id="store", horizon=6, time_limit=30,
             out=folder / "run", store=False)
    continued = several_series(3, 66)  # the same draws, six months further
    continued.to_csv(folder / "continued.csv", index=False)  # old rows included: they are set aside
    later = continued[pd.to_datetime(continued["month"]) > HISTORY_END]
    assert len(later) == 3 * 6
    later.assign(sales=later["sales"] + SHIFT).to_csv(folder / "shifted.csv", index=False)
    several_series(3, 60).to_csv(folder / "history.csv", index=False)
    return folder, f"sqlite:///{folder / 'store.db'}"


def _monitor(folder, actuals: str, url: str, *extra: str):
    return run_cli("monitor", str(folder / "run" / "model"), str(folder / actuals), "--store", url, *extra,
                   cwd=folder)


def _words(text: str) -> str:
    """The output with the terminal's line breaks undone."""
    return " ".join(text.split())


def _mase_now(folder, actuals: pd.DataFrame) -> float:
    """MASE now computed here, apart from the monitor: per series mean |error| / naive scale."""
    model = mlwright.load(folder / "run" / "model")
    table = model.forecast(horizon=6)
    actuals = actuals.assign(month=pd.to_datetime(actuals["month"]))
    joined = table.merge(actuals, on=["month", "store"])
    assert len(joined) == 18
    per_series = [np.mean(np.abs(part["sales"] - part["forecast"]))
                  / naive_scale(model.history.values[model.history.ids.index(sid)], model.season)
                  for sid, part in joined.groupby("store")]
    return float(np.mean(per_series))


def test_the_true_continuation_holds(trained):
    folder, url = trained
    shown = _monitor(folder, "continued.csv", url)
    assert shown.returncode == 0, shown.stdout + shown.stderr
    words = _words(shown.stdout)
    assert "Verdict: stable" in words and "The forecasts hold" in words
    assert "MASE now" in words and "180 rows at or before the end of the training history" in words
    report = json.loads(_monitor(folder, "continued.csv", url, "--json").stdout)
    assert report["kind"] == "forecast" and report["status"] == 0 and report["verdict"] == "stable"
    assert report["steps"] == 18 and report["series_matched"] == 3 and report["horizon"] == 6
    later = pd.read_csv(folder / "continued.csv")
    later = later[pd.to_datetime(later["month"]) > HISTORY_END]
    accuracy = report["accuracy"]
    assert accuracy["now"] == pytest.approx(_mase_now(folder, later), rel=1e-9)
    assert accuracy["backtest"] == mlwright.load(folder / "run" / "model").info["chosen"]["mase"]
    assert accuracy["ratio"] < MASE_RATIO and not accuracy["degraded"]
    assert report["coverage"]["80"]["share"] >= 0.6 and not report["coverage"]["80"]["degraded"]
    assert [(s["series"], s["steps"]) for s in report["series"]] == [(f"store-{i}", 6) for i in range(3)]


def test_actuals_moved_up_are_a_degradation_with_advice(trained, tmp_path):
    folder, _ = trained
    url = f"sqlite:///{tmp_path / 'store.db'}"  # a store of its own: these two checks alone
    shown = _monitor(folder, "shifted.csv", url)
    assert shown.returncode == 2, shown.stdout + shown.stderr
    words = _words(shown.stdout)
    assert "Verdict: action" in words and "have degraded" in words
    assert "mlwright forecast" in words and "--id store" in words  # what to do, in the model's columns
    report = json.loads(_monitor(folder, "shifted.csv", url, "--json").stdout)
    assert report["status"] == 2 and report["accuracy"]["degraded"] and report["accuracy"]["ratio"] >= MASE_RATIO
    assert report["coverage"]["80"]["share"] < 0.5 and report["coverage"]["80"]["degraded"]
    assert all(s["mean_error"] > 0 for s in report["series"])  # the actuals lie above the forecasts
    store = mlwright.open_store(url)
    try:
        checks = store.drift.checks(model=str((folder / "run" / "model").resolve()))
        assert checks["verdict"].tolist() == ["action", "action"] and checks["rows"].tolist() == [18, 18]
        history = store.drift.history(model=str((folder / "run" / "model").resolve()))
        mase = history[history["feature"] == "mase"]
        assert len(mase) == 2 and mase["value"].iloc[-1] == pytest.approx(report["accuracy"]["now"])
        assert {"coverage_80", "coverage_95"} <= set(history["feature"])
    finally:
        store.close()


def test_part_of_the_horizon_for_one_series(trained):
    folder, _ = trained
    later = pd.read_csv(folder / "continued.csv")
    some = later[(later["store"] == "store-1") & (pd.to_datetime(later["month"]) > HISTORY_END)].head(3)
    check = check_forecasts(folder / "run" / "model", some, store=False)
    assert check.figures["steps"] == 3 and check.figures["horizon"] == 3
    assert [s["series"] for s in check.series] == ["store-1"] and check.verdict == "stable"
    assert any("only 3 steps matched" in note for note in check.notes)


@pytest.mark.parametrize("actuals, named", [
    ("history.csv", "no row (180 rows read) is after the end of the model's history (2019-12-01)"),
    ("no_target.csv", "no column 'sales'"),
    ("bad_time.csv", "does not parse as dates"),
])
def test_actuals_that_cannot_be_checked_end_in_one_line(trained, actuals, named):
    folder, url = trained
    later = pd.read_csv(folder / "continued.csv").tail(6)
    later.drop(columns="sales").to_csv(folder / "no_target.csv", index=False)
    later.assign(month="next spring").to_csv(folder / "bad_time.csv", index=False)
    result = _monitor(folder, actuals, url)
    assert result.returncode == 3, result.stdout + result.stderr  # the monitor's "could not run"
    assert named in _words(result.stderr) and "Fix:" in result.stderr
    assert "Traceback" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_the_check_writes_its_page(trained, tmp_path):
    folder, _ = trained
    page = tmp_path / "check.html"
    shown = _monitor(folder, "shifted.csv", f"sqlite:///{tmp_path / 'store.db'}", "-o", str(page))
    assert shown.returncode == 2 and "Wrote the forecast check's page" in _words(shown.stdout)
    html = page.read_text()
    assert "The forecasts have degraded" in html and html.count('data-plot="series-') == 3
    assert all(f"store-{i}" in html for i in range(3))


def test_drift_options_are_refused_by_name(trained):
    folder, url = trained
    result = _monitor(folder, "continued.csv", url, "--weight", "sales=2")
    assert result.returncode == 3 and "--weight" in result.stderr and "forecasting model" in result.stderr
