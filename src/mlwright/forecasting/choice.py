"""Choosing the forecast: the leaderboard of the backtest, and combinations of its best methods.

Combinations are equal-weight means of the k best methods by backtest MASE (k = 2 to 4): the M4
competition found 12 of its 17 most accurate methods were combinations, and equal weights are
hard to beat when there are few windows to learn weights from. The chosen forecast is the entry,
single method or combination, with the lowest mean MASE over series and windows.

The chosen entry's intervals are calibrated on the errors of choosing, not on its own: each
window is forecast by the entry the other windows would have chosen. The winner's own backtest
errors flatter it (it won on them), and intervals calibrated on them covered 56% instead of 80%
of the next year's airline passengers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlwright.forecasting import global_boosting
from mlwright.forecasting.backtest import Backtest
from mlwright.forecasting.intervals import Intervals, calibrate, cross_coverage
from mlwright.forecasting.local_methods import BASELINE
from mlwright.forecasting.scores import smape, weighted_quantile_loss

MAX_COMBINED = 4
LEVELS = (80, 95)


@dataclass
class Entry:
    name: str
    members: list[str]
    mase: float
    smape: float
    wql: float
    coverage: dict[int, float | None]
    seconds: float

    def record(self) -> dict:
        return {"name": self.name, "members": self.members, "mase": round(self.mase, 4),
                "smape": round(self.smape, 3), "wql": round(self.wql, 4),
                "coverage": {str(k): (None if v is None else round(v, 3)) for k, v in self.coverage.items()},
                "seconds": round(self.seconds, 2)}


def combined(backtest: Backtest, members: list[str]) -> np.ndarray:
    return np.mean([backtest.forecasts[m] for m in members], axis=0)


def score_entry(backtest: Backtest, name: str, members: list[str]) -> Entry:
    forecast = combined(backtest, members)
    errors = backtest.scaled_errors(forecast)
    mase = float(np.mean(np.abs(errors).mean(axis=2)))
    interval_errors = backtest.interval_errors(forecast)
    smapes = [smape(a, f) for a, f in zip(backtest.actuals.reshape(-1, backtest.horizon),
                                         forecast.reshape(-1, backtest.horizon))]
    intervals = calibrate(interval_errors, LEVELS)
    quantiles = intervals.quantile_paths(forecast, backtest.spreads)
    wql = weighted_quantile_loss(backtest.actuals.ravel(), {q: path.ravel() for q, path in quantiles.items()})
    return Entry(name, members, mase, float(np.mean(smapes)), wql, cross_coverage(interval_errors, LEVELS),
                 sum(backtest.seconds.get(m, 0.0) for m in members))


def leaderboard(backtest: Backtest) -> list[Entry]:
    """Every method alone and the combinations of the best, best first (by mean MASE)."""
    singles = sorted((score_entry(backtest, name, [name]) for name in backtest.forecasts), key=lambda e: e.mase)
    ranked = [e.name for e in singles]
    combos = [score_entry(backtest, "mean of " + ", ".join(ranked[:k]), ranked[:k])
              for k in range(2, min(MAX_COMBINED, len(ranked)) + 1)]
    return sorted(singles + combos, key=lambda e: (e.mase, len(e.members)))


def best_members(backtest: Backtest, windows: list[int]) -> list[str]:
    """The members of the entry the leaderboard would put first from ``windows`` alone."""
    def mase(members: list[str]) -> float:
        return float(np.mean(np.abs(backtest.scaled_errors(combined(backtest, members))[:, windows])))

    ranked = sorted(backtest.forecasts, key=lambda name: mase([name]))
    candidates = [[name] for name in ranked] + [ranked[:k] for k in range(2, min(MAX_COMBINED, len(ranked)) + 1)]
    return min(candidates, key=lambda members: (mase(members), len(members)))


def choice_errors(backtest: Backtest, windows: list[int], chosen: list[str]) -> np.ndarray:
    """(series, len(windows), horizon) interval errors, each window forecast by the entry the
    other ``windows`` choose; ``chosen``'s own errors where there is no other window to choose by."""
    columns = []
    for w in windows:
        others = [v for v in windows if v != w]
        members = best_members(backtest, others) if others else chosen
        columns.append(backtest.interval_errors(combined(backtest, members))[:, w])
    return np.stack(columns, axis=1)


def refit_seconds(backtest: Backtest, entry: Entry) -> float:
    """What refitting ``entry`` on the whole history should cost: a window of its backtest per
    member, twice for a statistical member (its automatic search, then the rebuilt spec that the
    saved model will forecast with)."""
    return sum(backtest.seconds.get(m, 0.0) / backtest.windows * (1 if m == global_boosting.NAME else 2)
               for m in entry.members)


def choose(board: list[Entry], backtest: Backtest, seconds_left: float) -> tuple[Entry, str | None]:
    """The best entry whose refit fits in the time left, and a note when a better one did not;
    the cheapest when none fits (the baselines cost nothing)."""
    for entry in board:
        if refit_seconds(backtest, entry) <= seconds_left:
            if entry is board[0]:
                return entry, None
            return entry, (f"{board[0].name} (backtest MASE {board[0].mase:.3f}) would take about "
                           f"{refit_seconds(backtest, board[0]):.0f} s to refit on the whole history, more than the "
                           f"{max(seconds_left, 0):.0f} s left: {entry.name} (MASE {entry.mase:.3f}) was chosen instead.")
    cheapest = min(board, key=lambda e: refit_seconds(backtest, e))
    return cheapest, f"no time was left to refit {board[0].name}: {cheapest.name} was chosen instead."


def baseline_entry(board: list[Entry]) -> Entry | None:
    return next((e for e in board if e.members == [BASELINE]), None)


def chosen_intervals(backtest: Backtest, entry: Entry) -> tuple[Intervals, dict[int, float | None]]:
    """The chosen entry's intervals, calibrated on the errors of choosing (``choice_errors``), and
    their coverage measured the same way one level down: each window left out of the choices and
    the calibration that are checked on it."""
    every = list(range(backtest.windows))
    intervals = calibrate(choice_errors(backtest, every, entry.members), LEVELS)
    if backtest.windows < 2:
        return intervals, {level: None for level in LEVELS}
    inside: dict[int, list[np.ndarray]] = {level: [] for level in LEVELS}
    for w in every:
        others = [v for v in every if v != w]
        held_out = calibrate(choice_errors(backtest, others, entry.members), LEVELS)
        members = best_members(backtest, others)
        errors = np.abs(backtest.interval_errors(combined(backtest, members))[:, w])
        for level in LEVELS:
            inside[level].append(errors <= held_out.multipliers[level] * held_out.spread[None, :])
    return intervals, {level: float(np.mean(np.concatenate([x.ravel() for x in inside[level]]))) for level in LEVELS}
