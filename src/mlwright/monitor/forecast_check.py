"""A forecasting model's check: the forecasts it made against what happened, and whether they
still hold as well as its backtest said they would.

Figures, over the actuals matched with their forecasts (``forecast_actuals``): MASE now (per
series the mean absolute error divided by the series' in-sample seasonal naive error, then the
mean over series, as the backtest does) against the backtest's; sMAPE likewise; and the
share of actuals inside the 80% and 95% intervals against 80% and 95%; then the same per series.

The verdict is ``action`` — the forecasts have degraded, retrain on the newer history — when
either sign is both large and real, the rule the drift checks follow (``settings``); else
``stable``, the forecasts hold:

- accuracy: MASE now at least ``MASE_RATIO`` (1.5) times the backtest's, and a one-sided t-test
  of the matched steps' scaled absolute errors against the backtest's MASE below ``alpha`` (the
  monitor's ``--alpha``, 0.01). Half as large again leaves room for the backtest's own
  uncertainty (its MASE is a mean over a few windows) and for new times being somewhat harder
  than old ones, while a model that no longer fits — a level shift, a broken trend — errs
  several times as much; the test keeps the few steps of a first check, where one bad month can
  double a mean, from raising the alarm.
- calibration: the share inside an interval ``COVERAGE_SHORTFALL`` (10 points) or more below
  its level, and fewer actuals inside than a calibrated interval would hold in all but ``alpha``
  of checks (the binomial lower tail for the number of matched steps). The gap keeps a long
  check from flagging 78% where 80% was promised; the test keeps 2 misses of 6 from being one.

Both tests treat the steps as independent, though the errors of one series' steps move
together: they read a little optimistic, which the two size floors make up for. There is no
``warning`` level: a forecast is either still to be trusted or due for retraining, and the
exit codes stay those of every check (0 stable, 2 action).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy.exc import SQLAlchemyError

from mlwright._types import DataSource
from mlwright.errors import ConfigError
from mlwright.files import json_ready
from mlwright.forecasting.scores import naive_scale, smape
from mlwright.monitor.check import LoadedModel, open_check_store, resolve_model
from mlwright.monitor.forecast_actuals import MatchedActuals, match_actuals
from mlwright.monitor.settings import ACTION, STABLE, STATUS
from mlwright.monitor.sources import from_table

FORECAST = "forecast"
#: MASE now at or above this multiple of the backtest's is a large decline.
MASE_RATIO = 1.5
#: An interval holding this share or more below its level is a large miss.
COVERAGE_SHORTFALL = 0.10
LEVELS = (80, 95)
#: Fewer matched steps than this show a decline only when it is large; the report says so.
FEW_STEPS = 6


@dataclass
class ForecastCheck:
    """What a check of a forecasting model found. ``status`` is the exit code of `mlwright monitor`."""

    model: str
    model_name: str | None
    model_version: int | None
    checked_at: datetime
    current: dict
    #: the overall figures: steps, series, accuracy (MASE now, backtest, ratio, p-value), sMAPE, coverage per level
    figures: dict
    #: one entry per series: series, steps, first, last, mase, smape, coverage_80, coverage_95, mean_error
    series: list[dict]
    verdict: str
    reasons: list[str]
    notes: list[str] = field(default_factory=list)
    alpha: float = 0.01
    check_id: int | None = None
    #: the matched rows (series, time, step, actual, the forecast's columns), for the page's plots
    matched: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def status(self) -> int:
        return STATUS[self.verdict]

    def to_dict(self) -> dict[str, Any]:
        return json_ready({"kind": FORECAST, "model": self.model, "model_name": self.model_name,
                           "model_version": self.model_version, "checked_at": self.checked_at.isoformat(),
                           "current": self.current, "status": self.status, "verdict": self.verdict,
                           "reasons": self.reasons, "notes": self.notes, **self.figures, "series": self.series,
                           "rule": {"mase_ratio": MASE_RATIO, "coverage_shortfall": COVERAGE_SHORTFALL,
                                    "alpha": self.alpha}, "check_id": self.check_id})


def check_forecasts(model, actuals: DataSource, *, alpha: float = 0.01, store: str | Any | bool | None = None,
                    read_options: dict | None = None) -> ForecastCheck:
    """Compare a forecasting model's forecasts with ``actuals`` (a file, a SQL query or a
    DataFrame in the model's columns) and record the check in ``store`` (by default
    MLWRIGHT_STORE or the project's store; ``False`` records nothing).

    ``model`` is a model folder, a ``models:/NAME/STAGE`` URI, a loaded ``ForecastModel`` or
    what ``check.resolve_model`` returned.
    """
    opened = open_check_store(store, needed=False)
    try:
        loaded = model if isinstance(model, LoadedModel) else resolve_model(model, opened)
        if getattr(loaded.model, "kind", None) != FORECAST:
            raise ConfigError("this model does not forecast: its actuals cannot be matched with forecasts.",
                              where=loaded.reference, fix="check it with mlwright.check_drift.")
        data = from_table(actuals, read_options)
        matched = match_actuals(loaded.model, data.frame, where=data.description["where"])
        check = judge_forecasts(loaded, matched, data.description, alpha)
        if opened is not None:
            check.check_id = record_forecast_check(opened, check)
        return check
    finally:
        if opened is not None and not hasattr(store, "engine"):
            opened.close()


def judge_forecasts(loaded: LoadedModel, matched: MatchedActuals, current: dict, alpha: float) -> ForecastCheck:
    """The figures of ``matched`` against the backtest's, and the verdict."""
    model = loaded.model
    series = series_figures(model, matched)
    figures = overall_figures(model, matched, series, alpha)
    verdict, reasons = _verdict(model, figures, series)
    notes = list(matched.notes)
    if figures["steps"] < FEW_STEPS:
        notes.append(f"only {figures['steps']} steps matched: a decline shows only when it is large; check again as "
                     "more actuals come in.")
    return ForecastCheck(model=loaded.reference, model_name=loaded.name, model_version=loaded.version,
                         checked_at=datetime.now(timezone.utc), current=current, figures=figures, series=series,
                         verdict=verdict, reasons=reasons, notes=notes, alpha=alpha, matched=matched.rows)


def series_figures(model, matched: MatchedActuals) -> list[dict]:
    rows, history, out = matched.rows, model.history, []
    for i, sid in enumerate(history.ids):
        part = rows[rows["series"] == sid]
        if part.empty:
            continue
        actual, forecast = part["actual"].to_numpy(), part["forecast"].to_numpy()
        error = actual - forecast
        out.append({"series": sid, "steps": len(part), "first": part["time"].min().isoformat(),
                    "last": part["time"].max().isoformat(),
                    "mase": float(np.mean(np.abs(error)) / naive_scale(history.values[i], model.season)),
                    "smape": smape(actual, forecast), "mean_error": float(np.mean(error)),
                    **{f"coverage_{level}": _inside(part, level).mean() for level in LEVELS}})
    return out


def overall_figures(model, matched: MatchedActuals, series: list[dict], alpha: float) -> dict:
    rows, chosen, baseline = matched.rows, model.info["chosen"], model.info.get("baseline") or {}
    scales = {sid: naive_scale(model.history.values[i], model.season) for i, sid in enumerate(model.history.ids)}
    scaled = (rows["actual"] - rows["forecast"]).abs().to_numpy() / rows["series"].map(scales).to_numpy()
    now = float(np.mean([s["mase"] for s in series]))
    before = _number(chosen.get("mase"))
    if before:
        ratio = now / before
    else:  # no backtest MASE, or a perfect one: any error now is infinitely worse
        ratio = math.inf if now > 0 else 1.0
    p_value = _excess_p_value(scaled, before)
    accuracy = {"now": now, "backtest": before, "baseline_backtest": _number(baseline.get("mase")), "ratio": ratio,
                "p_value": p_value, "limit": MASE_RATIO,
                "degraded": bool(before is not None and ratio >= MASE_RATIO and p_value < alpha)}
    coverage = {}
    for level in LEVELS:
        inside = int(_inside(rows, level).sum())
        share, nominal = inside / len(rows), level / 100
        p_short = float(stats.binom.cdf(inside, len(rows), nominal))
        coverage[str(level)] = {"inside": inside, "share": share, "nominal": nominal,
                                "backtest": _number((chosen.get("coverage") or {}).get(str(level))),
                                "p_value": p_short,
                                "degraded": bool(share <= nominal - COVERAGE_SHORTFALL and p_short < alpha)}
    return {"steps": len(rows), "series_matched": len(series), "series_in_model": len(model.history.ids),
            "horizon": int(rows["step"].max()), "trained_horizon": model.horizon, "method": chosen.get("name"),
            "accuracy": accuracy, "smape": {"now": float(np.mean([s["smape"] for s in series])),
                                            "backtest": _number(chosen.get("smape"))}, "coverage": coverage}


def _verdict(model, figures: dict, series: list[dict]) -> tuple[str, list[str]]:
    accuracy, coverage, steps = figures["accuracy"], figures["coverage"], figures["steps"]
    signs = []
    if accuracy["degraded"]:
        worst = max(series, key=lambda s: s["mase"])
        side = "above" if worst["mean_error"] > 0 else "below"
        signs.append(f"MASE now {accuracy['now']:.3g} is {accuracy['ratio']:.1f} x the backtest's "
                     f"{accuracy['backtest']:.3g} (the limit is {MASE_RATIO:g} x; p = {accuracy['p_value']:.2g}), "
                     f"worst in series {worst['series']} (MASE {worst['mase']:.3g}, the actuals {side} the "
                     f"forecasts by {abs(worst['mean_error']):.4g} on average)")
    for level, entry in coverage.items():
        if entry["degraded"]:
            signs.append(f"{entry['share']:.0%} of the actuals inside the {level}% interval ({entry['inside']} of "
                         f"{steps}) where it should hold {level}% (p = {entry['p_value']:.2g})")
    scope = f"{steps} steps of {figures['series_matched']} series"
    if not signs:
        before = f" against {accuracy['backtest']:.3g} in the backtest" if accuracy["backtest"] is not None else \
            " (the backtest kept no MASE to compare with)"
        return STABLE, [f"The forecasts hold: MASE now {accuracy['now']:.3g}{before}; "
                        f"{coverage['80']['share']:.0%} of the actuals inside the 80% interval and "
                        f"{coverage['95']['share']:.0%} inside the 95% ({scope})."]
    return ACTION, [f"The forecasts have degraded ({scope}): " + "; ".join(signs) + ".",
                    f"What to do: retrain on the newer history (the training data with these actuals added): "
                    f"{retrain_command(model)}"]


def retrain_command(model) -> str:
    history = model.history
    return (f"mlwright forecast NEWER_HISTORY.csv --time {','.join(model.info['time_columns'])} "
            f"--target {history.target}" + (f" --id {history.id_name}" if history.id_name else "")
            + f" --horizon {model.horizon} --out NEW_FOLDER")


def _inside(rows, level: int) -> np.ndarray:
    actual = rows["actual"].to_numpy()
    return (actual >= rows[f"lower_{level}"].to_numpy()) & (actual <= rows[f"upper_{level}"].to_numpy())


def _excess_p_value(scaled_errors: np.ndarray, backtest: float | None) -> float:
    """One-sided p-value of a mean scaled error this far above the backtest's MASE by chance."""
    if backtest is None or len(scaled_errors) < 2:
        return 1.0
    if np.ptp(scaled_errors) == 0:  # every step the same error: no spread to test with
        return 0.0 if scaled_errors[0] > backtest else 1.0
    return float(stats.ttest_1samp(scaled_errors, backtest, alternative="greater").pvalue)


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def record_forecast_check(store, check: ForecastCheck) -> int | None:
    """Store the check, with the accuracy and each interval's coverage as its checked parts."""
    accuracy = check.figures["accuracy"]
    parts = [("mase", "mase", accuracy["now"], accuracy["p_value"], accuracy["degraded"], accuracy)]
    parts += [(f"coverage_{level}", "coverage", entry["share"], entry["p_value"], entry["degraded"], entry)
              for level, entry in check.figures["coverage"].items()]
    rows = [{"feature": name, "kind": FORECAST, "statistic": statistic, "value": json_ready(value),
             "p_value": json_ready(p_value), "psi": None, "weight": 1.0, "verdict": ACTION if degraded else STABLE,
             "missing_rate": None, "new_category_rate": None, "details": json_ready(details)}
            for name, statistic, value, p_value, degraded, details in parts]
    summary = json_ready({"kind": FORECAST, "reasons": check.reasons, "notes": check.notes, **check.figures,
                          "series": check.series})
    try:
        return store.drift.record({"checked_at": check.checked_at, "model": check.model,
                                   "model_name": check.model_name, "model_version": check.model_version,
                                   "current": check.current, "reference": {"kind": "backtest",
                                                                           "where": "the model's backtest"},
                                   "rows": check.figures["steps"], "status": check.status, "verdict": check.verdict,
                                   "summary": summary}, rows)
    except SQLAlchemyError as exc:  # the store went away: the check itself stands; say what was not kept
        warnings.warn(f"the check was not recorded in store {store.where}: {exc}", stacklevel=2)
        return None


__all__ = ["ForecastCheck", "check_forecasts", "judge_forecasts", "record_forecast_check", "MASE_RATIO",
           "COVERAGE_SHORTFALL"]
