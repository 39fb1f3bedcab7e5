"""What counts as drift: the statistic per column type, its thresholds, the significance every
shift must also reach, feature weights, and the performance drop that matters.

A shift is flagged only when it is both large (the statistic at or above its threshold) and
real (its test's p-value under ``alpha``, after the columns' p-values are adjusted for their
number, Benjamini–Hochberg). Size alone would flag the noise of a few dozen rows;
significance alone flags every trifle in a million logged predictions. The defaults were chosen
on the shared datasets (see BENCHMARKS.md, "Drift monitoring"): a mean moved by half a standard
deviation or a category's share doubled is found, untouched resamples stay quiet.

Settings come from keyword arguments or a TOML file (``mlwright monitor --config``)::

    numeric_statistic = "wasserstein"      # or "psi", "ks"
    categorical_statistic = "jensen_shannon"  # or "psi"
    alpha = 0.01
    [thresholds]
    wasserstein = [0.1, 0.2]               # warning, action
    [weights]
    age = 2.0                              # twice as sensitive
    zip_code = 0                           # not checked
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from mlwright.errors import ConfigError

NUMERIC_STATISTICS = ("wasserstein", "psi", "ks")
CATEGORICAL_STATISTICS = ("jensen_shannon", "psi")
#: (warning, action) per statistic. Wasserstein is in reference standard deviations; PSI's are
#: the conventional 0.1 ("moderate") and 0.25 ("large"); Jensen–Shannon is the distance, base 2.
DEFAULT_THRESHOLDS = {"wasserstein": (0.1, 0.2), "psi": (0.1, 0.25), "ks": (0.1, 0.2),
                      "jensen_shannon": (0.1, 0.2)}
STABLE, WARNING, ACTION, IGNORED = "stable", "warning", "action", "ignored"
#: Exit codes of `mlwright monitor`, for cron and CI: the verdict's severity.
STATUS = {STABLE: 0, WARNING: 1, ACTION: 2}


@dataclass(frozen=True)
class MonitorSettings:
    numeric_statistic: str = "wasserstein"
    categorical_statistic: str = "jensen_shannon"
    thresholds: dict[str, tuple[float, float]] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    #: a shift must also be significant: its test's p-value below this
    alpha: float = 0.01
    #: a column's statistic is multiplied by its weight before the thresholds (0: not checked);
    #: columns not named weigh 1, date columns 0 (dates move with time by nature)
    weights: dict[str, float] = field(default_factory=dict)
    date_weight: float = 0.0
    #: missing values: a rise of this share of rows (warning, action), when significant
    missing_rise: tuple[float, float] = (0.05, 0.2)
    #: categories never seen in training: this share of rows (warning, action)
    new_categories: tuple[float, float] = (0.05, 0.2)
    #: performance: a drop of this fraction of the training metric (warning, action), when the
    #: current metric's confidence interval excludes the training value
    performance_drop: tuple[float, float] = (0.05, 0.1)

    def __post_init__(self) -> None:
        _choice("numeric_statistic", self.numeric_statistic, NUMERIC_STATISTICS)
        _choice("categorical_statistic", self.categorical_statistic, CATEGORICAL_STATISTICS)
        thresholds = {**DEFAULT_THRESHOLDS, **{k: tuple(v) for k, v in self.thresholds.items()}}
        for name, pair in thresholds.items():
            _choice("thresholds", name, tuple(DEFAULT_THRESHOLDS))
            _pair(f"thresholds.{name}", pair)
        object.__setattr__(self, "thresholds", thresholds)
        for name in ("missing_rise", "new_categories", "performance_drop"):
            object.__setattr__(self, name, _pair(name, getattr(self, name)))
        if not 0 < self.alpha < 1:
            raise ConfigError(f"alpha must lie between 0 and 1, not {self.alpha!r}.", where="alpha",
                              fix="use a significance level such as 0.01.")
        for name, weight in {**self.weights, "date_weight": self.date_weight}.items():
            if not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight < 0:
                raise ConfigError(f"the weight of {name!r} must be a number of 0 or more, not {weight!r}.",
                                  where=f"weights.{name}", fix="use 0 to leave a column out, 1 for normal, 2 for double.")

    def weight(self, column: str, kind: str) -> float:
        if column in self.weights:
            return float(self.weights[column])
        return self.date_weight if kind == "datetime" else 1.0

    def limits(self, statistic: str) -> tuple[float, float]:
        return self.thresholds[statistic]

    def with_weights(self, weights: dict[str, float]) -> "MonitorSettings":
        return replace(self, weights={**self.weights, **weights})

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(self).items()}


def load_settings(path: str | Path | None = None, **overrides: Any) -> MonitorSettings:
    """Settings from a TOML file (when given), then ``overrides`` (None values ignored)."""
    values: dict[str, Any] = {}
    if path is not None:
        path = Path(path)
        try:
            values = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("the settings file does not exist.", where=str(path),
                              fix="pass an existing TOML file to --config.") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"not a valid TOML file: {exc}.", where=str(path),
                              fix="write settings as `key = value` lines (see `mlwright monitor --help`).") from None
        unknown = set(values) - set(MonitorSettings.__dataclass_fields__)
        if unknown:
            raise ConfigError(f"unknown settings: {', '.join(sorted(unknown))}.", where=str(path),
                              fix=f"use only: {', '.join(MonitorSettings.__dataclass_fields__)}.")
    for key, value in overrides.items():
        if value is not None:  # weights add to the file's; anything else replaces it
            values[key] = {**values.get(key, {}), **value} if key == "weights" else value
    try:
        return MonitorSettings(**values)
    except TypeError as exc:
        raise ConfigError(f"bad settings: {exc}.", where=str(path or "settings"),
                          fix="check the names and types of the settings.") from None


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ConfigError(f"{name} cannot be {value!r}.", where=name, fix=f"use one of: {', '.join(allowed)}.")


def _pair(name: str, value) -> tuple[float, float]:
    try:
        warning, action = (float(v) for v in value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be two numbers (warning, action), not {value!r}.", where=name,
                          fix="write it as [warning, action], e.g. [0.1, 0.2].") from None
    if not 0 <= warning <= action:
        raise ConfigError(f"{name}: the warning level {warning} must be at least 0 and at most the action "
                          f"level {action}.", where=name, fix="write it as [warning, action] with warning <= action.")
    return warning, action
