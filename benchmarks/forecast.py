"""Forecast accuracy and interval coverage on the manifest's forecasting datasets (issue 22).

Each dataset is cut at the start of each of its last ``windows`` horizons. At each cut,
``mlwright forecast`` gets the history before it (as a file, through the command line, within
``--time-limit``), and so do the two references: seasonal naive (the last season repeated) and
statsforecast's AutoETS alone, with its own 80% and 95% intervals. All three are scored on the
horizon after the cut: MASE (scaled by the history's in-sample seasonal naive error, per series
and cut, then averaged), sMAPE, and the share of actual values inside the 80% and 95% intervals.

    python benchmarks/forecast.py                    # the three datasets, 60 s per forecast
    python benchmarks/forecast.py --speed            # 1,000 monthly series of 10 years, one forecast

Results go to ``benchmarks/results/forecast.json`` (``forecast_{N}cuts.json`` with ``--windows N``,
``forecast_speed.json`` with ``--speed``) and a Markdown
table on standard output.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
DATASETS_DIR = REPO.parent / "shared" / "datasets"
RESULTS = REPO / "benchmarks" / "results"
#: Per dataset: how mlwright is told its columns, the horizon, the cuts, and the season of the
#: references (a year of months; a year of days for the temperatures, whose week means nothing).
SETUPS = {
    "seaborn_flights": dict(file="seaborn_flights.csv.gz", time="year,month", target="passengers", id=None,
                            horizon=12, windows=3, season=12, ets_season=12),
    "raw_daily_min_temperatures": dict(file="raw_daily-min-temperatures.csv.gz", time="Date", target="Temp", id=None,
                                       horizon=30, windows=4, season=365, ets_season=7),
    "vega_stocks": dict(file="vega_stocks.csv.gz", time="date", target="price", id="symbol", horizon=12, windows=3,
                        season=12, ets_season=12),
}
LEVELS = (80, 95)


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--datasets", default=",".join(SETUPS), help="comma-separated (default: all three)")
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds per mlwright forecast (default 60)")
    p.add_argument("--mlwright", default=str(Path(sys.executable).with_name("mlwright")),
                   help="the mlwright command to run (default: beside this interpreter)")
    p.add_argument("--windows", type=int, help="cuts per dataset (default: each dataset's own, 3 or 4); more cuts "
                   "score more values, so the coverage of one series moves less with one odd year")
    p.add_argument("--speed", action="store_true", help="time one forecast of 1,000 monthly series of 10 years")
    p.add_argument("--series", type=int, default=1000, help="with --speed: how many series")
    return p.parse_args(argv)


def read_series(setup: dict) -> dict[str, pd.Series]:
    """Each series of the dataset as a Series indexed by time, on its regular calendar (as mlwright
    reads it: the same reader fills the two missing days of the temperatures)."""
    from mlwright.data.readers import read_table
    from mlwright.forecasting.history import read_history

    history = read_history(read_table(DATASETS_DIR / setup["file"]), time=setup["time"], target=setup["target"],
                           id_column=setup["id"])
    return {sid: pd.Series(history.values[i], index=history.times(i)) for i, sid in enumerate(history.ids)}


def raw_times(raw: pd.DataFrame, setup: dict) -> pd.Series:
    from mlwright.forecasting.history import parse_times

    columns = [c.strip() for c in setup["time"].split(",")]
    return pd.Series(pd.DatetimeIndex(parse_times(raw, columns, "data")), index=raw.index)


def naive_scale(y: np.ndarray, season: int) -> float:
    lag = season if len(y) > season else 1
    scale = float(np.mean(np.abs(y[lag:] - y[:-lag])))
    return scale if scale > 0 else 1.0


def seasonal_naive(y: np.ndarray, horizon: int, season: int) -> np.ndarray:
    return np.resize(y[-season:], horizon) if len(y) >= season else np.full(horizon, y[-1])


def auto_ets(y: np.ndarray, horizon: int, season: int) -> dict[str, np.ndarray]:
    import warnings

    from statsforecast.models import AutoETS

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fitted = AutoETS(season_length=season if len(y) >= 2 * season + 2 else 1).fit(y)
        out = fitted.predict(horizon, level=list(LEVELS))
    return {"forecast": out["mean"], **{f"lower_{lv}": out[f"lo-{lv}"] for lv in LEVELS},
            **{f"upper_{lv}": out[f"hi-{lv}"] for lv in LEVELS}}


def smape(actual: np.ndarray, predicted: np.ndarray) -> float:
    denominator = np.abs(actual) + np.abs(predicted)
    return float(100 * np.mean(np.where(denominator > 0, 2 * np.abs(actual - predicted) / np.maximum(denominator, 1e-12),
                                        0.0)))


def run_mlwright(command: str, table: pd.DataFrame, setup: dict, time_limit: float,
                 work: Path) -> tuple[pd.DataFrame, float, dict]:
    work.mkdir(parents=True, exist_ok=True)
    table.to_csv(work / "history.csv", index=False)
    args = [command, "forecast", str(work / "history.csv"), "--time", setup["time"], "--target", setup["target"],
            "--horizon", str(setup["horizon"]), "--time-limit", str(time_limit), "--out", str(work / "out"),
            "--store", f"sqlite:///{work / 'store.db'}"]
    if setup["id"]:
        args += ["--id", setup["id"]]
    started = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "COLUMNS": "200"})
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"mlwright forecast failed ({done.returncode}): {done.stderr[-2000:]}")
    training = json.loads((work / "out" / "model" / "training.json").read_text())
    return pd.read_csv(work / "out" / "forecast.csv"), wall, training


def score(rows: list[dict]) -> dict:
    """Pooled figures of one system over series and cuts."""
    actual = np.concatenate([r["actual"] for r in rows])
    result = {"mase": float(np.mean([np.mean(np.abs(r["actual"] - r["forecast"])) / r["scale"] for r in rows])),
              "smape": float(np.mean([smape(r["actual"], r["forecast"]) for r in rows])), "values": int(len(actual))}
    for level in LEVELS:
        if all(f"lower_{level}" in r for r in rows):
            inside = np.concatenate([(r["actual"] >= r[f"lower_{level}"]) & (r["actual"] <= r[f"upper_{level}"])
                                     for r in rows])
            result[f"coverage_{level}"] = float(np.mean(inside))
    return result


def evaluate(name: str, args: argparse.Namespace, work: Path) -> dict:
    from mlwright.data.readers import read_table

    setup = SETUPS[name]
    raw = read_table(DATASETS_DIR / setup["file"])
    times = raw_times(raw, setup)
    series = read_series(setup)
    horizon, season = setup["horizon"], setup["season"]
    longest = max(series.values(), key=len)
    systems: dict[str, list[dict]] = {"mlwright": [], "seasonal_naive": [], "auto_ets": []}
    walls, chosen = [], []
    windows = args.windows or setup["windows"]
    for k in range(windows, 0, -1):
        cut = longest.index[len(longest) - k * horizon]
        table, wall, training = run_mlwright(args.mlwright, raw[times < cut], setup,
                                             args.time_limit, work / f"{name}-cut{k}")
        walls.append(wall)
        chosen.append(training["chosen"]["name"])
        for sid, values in series.items():
            past, future = values[values.index < cut], values[values.index >= cut][:horizon]
            if len(future) < horizon or len(past) < horizon:
                continue
            y, actual = past.to_numpy(), future.to_numpy()
            scale = naive_scale(y, season)
            ours = table[table[setup["id"]].astype(str) == sid] if setup["id"] else table
            systems["mlwright"].append({"actual": actual, "scale": scale,
                                        **{c: ours[c].to_numpy()[:horizon] for c in
                                           ("forecast", "lower_80", "upper_80", "lower_95", "upper_95")}})
            systems["seasonal_naive"].append({"actual": actual, "scale": scale,
                                              "forecast": seasonal_naive(y, horizon, season)})
            systems["auto_ets"].append({"actual": actual, "scale": scale, **auto_ets(y, horizon, setup["ets_season"])})
    return {"dataset": name, "horizon": horizon, "cuts": windows, "season": season,
            "series": len(series), "systems": {s: score(rows) for s, rows in systems.items()},
            "mlwright_wall_s": [round(w, 1) for w in walls], "mlwright_chosen": chosen}


def speed(args: argparse.Namespace, work: Path) -> dict:
    """One forecast of ``--series`` monthly series of 10 years (trend, a yearly season of random
    size and phase, noise), the last year held out and scored against seasonal naive."""
    rng = np.random.default_rng(0)
    months = pd.date_range("2014-01-01", periods=132, freq="MS")
    frames, future = [], {}
    for i in range(args.series):
        t = np.arange(132)
        level = rng.uniform(50, 500)
        values = (level + rng.normal(0, 0.01) * level * t
                  + rng.uniform(0, 0.3) * level * np.sin(2 * np.pi * t / 12 + rng.uniform(0, 2 * np.pi))
                  + rng.normal(0, rng.uniform(0.02, 0.1) * level, 132))
        sid = f"s{i:04d}"
        frames.append(pd.DataFrame({"series": sid, "month": months[:120].strftime("%Y-%m-%d"), "units": values[:120]}))
        future[sid] = (values[:120], values[120:])
    setup = dict(time="month", target="units", id="series", horizon=12)
    table, wall, training = run_mlwright(args.mlwright, pd.concat(frames, ignore_index=True), setup, args.time_limit,
                                         work / "speed")
    ours = {sid: group["forecast"].to_numpy() for sid, group in table.groupby("series")}
    mase = {"mlwright": [], "seasonal_naive": []}
    for sid, (y, actual) in future.items():
        scale = naive_scale(y, 12)
        mase["mlwright"].append(np.mean(np.abs(actual - ours[sid])) / scale)
        mase["seasonal_naive"].append(np.mean(np.abs(actual - seasonal_naive(y, 12, 12))) / scale)
    return {"series": args.series, "months": 120, "horizon": 12, "time_limit": args.time_limit,
            "wall_s": round(wall, 1), "cpu_count": os.cpu_count(), "chosen": training["chosen"]["name"],
            "passed_over": training["passed_over"],
            "mase": {k: round(float(np.mean(v)), 4) for k, v in mase.items()}}


def main(argv: list[str]) -> None:
    args = parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="mlwright-forecast-bench-") as folder:
        if args.speed:
            result = speed(args, Path(folder))
            (RESULTS / "forecast_speed.json").write_text(json.dumps(result, indent=1))
            print(json.dumps(result, indent=1))
            return
        results = [evaluate(name, args, Path(folder)) for name in args.datasets.split(",")]
    record = {"time_limit": args.time_limit, "cpu_count": os.cpu_count(), "datasets": results,
              "written": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    output = "forecast.json" if not args.windows else f"forecast_{args.windows}cuts.json"
    (RESULTS / output).write_text(json.dumps(record, indent=1))
    print("| dataset | horizon × cuts | system | MASE | sMAPE | 80% coverage | 95% coverage |")
    print("|---|---|---|---:|---:|---:|---:|")
    for r in results:
        for system, s in r["systems"].items():
            cover = [f"{s[f'coverage_{lv}']:.1%}" if f"coverage_{lv}" in s else "" for lv in LEVELS]
            print(f"| {r['dataset']} | {r['horizon']} × {r['cuts']} | {system} | {s['mase']:.3f} | {s['smape']:.2f} | "
                  f"{cover[0]} | {cover[1]} |")


if __name__ == "__main__":
    main(sys.argv[1:])
