"""Prediction intervals from the backtest's errors (split conformal, pooled over steps).

A method's own intervals assume its model is right; the backtest's errors say how wrong it was.
Errors are divided by each series' scale at that point of its season (``season_window_scale``),
so series of every size and seasons of every spread pool together, and by a
spread per horizon step (the root mean square error at that step, never smaller than an earlier
step's), so the far steps' larger errors widen the far intervals while every step lends its
errors to one quantile. With few windows that pooling is what makes a 95% quantile estimable.
The quantile takes the conformal correction ceil((n + 1) × level) / n.

Coverage is measured honestly by leaving each window out in turn: the quantile is calibrated on
the other windows and checked on the one left out (with a single window it cannot be measured).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from mlwright.forecasting.scores import recent_scale, season_window_scale

#: How a series' errors are scaled: models saved before the season window say nothing and keep
#: the recent past's scale their intervals were calibrated with.
SEASON_WINDOW, RECENT = "season_window", "recent"


@dataclass
class Intervals:
    spread: np.ndarray  # (horizon,) scaled error spread per step
    multipliers: dict[int, float]  # level -> quantile of |error| / spread
    scaling: str = SEASON_WINDOW

    def scale_of(self, y: np.ndarray, season: int, horizon: int) -> float:
        """The scale of ``y``'s next ``horizon`` errors, as the calibration measured it."""
        return season_window_scale(y, season, horizon) if self.scaling == SEASON_WINDOW else recent_scale(y, season)

    def half_width(self, level: int, steps: int) -> np.ndarray:
        """Scaled half-widths for ``steps`` steps; beyond the backtested horizon the spread grows
        as the square root of the step, as a random walk's would."""
        spread = self.spread
        if steps > len(spread):
            last = len(spread)
            extra = spread[-1] * np.sqrt(np.arange(last + 1, steps + 1) / last)
            spread = np.concatenate([spread, extra])
        return self.multipliers[level] * spread[:steps]

    def bounds(self, forecast: np.ndarray, scale: float, level: int) -> tuple[np.ndarray, np.ndarray]:
        width = self.half_width(level, len(forecast)) * scale
        return forecast - width, forecast + width

    def quantile_paths(self, forecast: np.ndarray, scales: np.ndarray) -> dict[float, np.ndarray]:
        """The median and the interval ends as quantile forecasts, for the weighted quantile loss."""
        paths = {0.5: forecast}
        for level, multiplier in self.multipliers.items():
            width = multiplier * self.spread[None, None, :] * scales[:, :, None]
            tail = (1 - level / 100) / 2
            paths[round(tail, 4)] = forecast - width
            paths[round(1 - tail, 4)] = forecast + width
        return paths

    def to_state(self) -> dict:
        return {"spread": [float(v) for v in self.spread], "scaling": self.scaling,
                "multipliers": {str(k): float(v) for k, v in self.multipliers.items()}}

    @classmethod
    def from_state(cls, state: dict) -> "Intervals":
        return cls(np.asarray(state["spread"], dtype=float), {int(k): float(v) for k, v in state["multipliers"].items()},
                   state.get("scaling", RECENT))


def step_spread(errors: np.ndarray) -> np.ndarray:
    """Root mean square scaled error per step, made non-decreasing; never zero."""
    flat = errors.reshape(-1, errors.shape[-1])
    spread = np.sqrt(np.mean(flat ** 2, axis=0))
    spread = np.maximum.accumulate(np.where(np.isfinite(spread), spread, 0.0))
    floor = max(float(spread.max()) * 1e-3, 1e-9)
    return np.maximum(spread, floor)


def conformal_quantile(values: np.ndarray, level: int) -> float:
    n = len(values)
    if n == 0:
        return float("nan")
    rank = min(math.ceil((n + 1) * level / 100), n)
    return float(np.sort(values)[rank - 1])


def calibrate(errors: np.ndarray, levels: tuple[int, ...]) -> Intervals:
    """``errors``: (series, windows, horizon) scaled errors of the forecast being calibrated."""
    spread = step_spread(errors)
    normalised = np.abs(errors) / spread
    return Intervals(spread, {level: conformal_quantile(normalised.ravel(), level) for level in levels})


def cross_coverage(errors: np.ndarray, levels: tuple[int, ...]) -> dict[int, float | None]:
    """The share of backtest actuals inside intervals calibrated without their window."""
    windows = errors.shape[1]
    if windows < 2:
        return {level: None for level in levels}
    inside = {level: [] for level in levels}
    for w in range(windows):
        others = np.delete(errors, w, axis=1)
        intervals = calibrate(others, levels)
        for level in levels:
            width = intervals.multipliers[level] * intervals.spread
            inside[level].append(np.abs(errors[:, w, :]) <= width[None, :])
    return {level: float(np.mean(np.concatenate([x.ravel() for x in inside[level]]))) for level in levels}
