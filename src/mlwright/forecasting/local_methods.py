"""Models fitted to one series at a time: the naive baselines and statsforecast's statistical
family (AutoETS, AutoARIMA, AutoTheta, MSTL for a season too long for ETS).

Each method fits in two steps so that a saved model needs no pickle: ``choose`` runs the
automatic search on a history and returns a *spec* (plain data: the ETS components, the ARIMA
orders and terms, the Theta variant), and ``forecast_spec`` refits that spec's parameters on a
history and forecasts. The forecast a model folder makes is always ``forecast_spec`` on the
saved history, so training's forecast and a reloaded model's are the same computation; the
parameters are re-estimated (deterministically) from the spec rather than stored.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

#: statsforecast's ETS leaves out seasons longer than this (as R's forecast::ets does).
ETS_MAX_SEASON = 24
#: A seasonal ARIMA search beyond this season length takes minutes per series.
ARIMA_MAX_SEASON = 52
LOCAL_SEASONS = 5
LOCAL_VALUES = 1_000


@dataclass(frozen=True)
class LocalMethod:
    name: str
    #: (history, horizon, season) -> (spec, the automatic model's own forecast)
    choose: Callable[[np.ndarray, int, int], tuple[dict, np.ndarray]]
    #: (history, horizon, spec, season) -> the forecast of the spec refitted on the history
    forecast_spec: Callable[[np.ndarray, int, dict, int], np.ndarray]
    #: Whether the method needs statsforecast (the baselines do not).
    statistical: bool = True
    #: Rough cost relative to AutoETS, to schedule the cheap ones first.
    cost: float = 1.0

    def fit_forecast(self, y: np.ndarray, horizon: int, season: int) -> tuple[np.ndarray, dict]:
        """The automatic model's forecast and its spec (what a backtest needs)."""
        spec, forecast = self.choose(y, horizon, season)
        return forecast, spec


def _baseline(forecast_spec):
    return lambda y, horizon, season: ({}, forecast_spec(y, horizon, {}, season))


def _naive(y: np.ndarray, horizon: int, spec: dict, season: int) -> np.ndarray:
    return np.full(horizon, y[-1], dtype=float)


def _seasonal_naive(y: np.ndarray, horizon: int, spec: dict, season: int) -> np.ndarray:
    if season <= 1 or len(y) < season:
        return _naive(y, horizon, spec, season)
    last = y[-season:]
    return np.resize(last, horizon).astype(float)


def _drift(y: np.ndarray, horizon: int, spec: dict, season: int) -> np.ndarray:
    slope = (y[-1] - y[0]) / max(len(y) - 1, 1)
    return y[-1] + slope * np.arange(1, horizon + 1)


def _quiet(fit: Callable[[], Any]) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with np.errstate(all="ignore"):
            return fit()


#: The shorter season inside a long one, for the methods that cannot take the long one: the week
#: of a year of days, the day of a week of hours. AutoETS with it still weighs non-seasonal models.
INNER_SEASON = {365: 7, 168: 24}


def _ets_season(y: np.ndarray, season: int) -> int:
    season = INNER_SEASON.get(season, season)
    return season if 1 < season <= ETS_MAX_SEASON and len(y) >= 2 * season + 2 else 1


def _ets_choose(y: np.ndarray, horizon: int, season: int) -> tuple[dict, np.ndarray]:
    from statsforecast.models import AutoETS

    fitted = _quiet(lambda: AutoETS(season_length=_ets_season(y, season)).fit(y))
    components = fitted.model_["components"]
    spec = {"model": "".join(components[:3]), "damped": components[3] not in ("N", "False", False)}
    return spec, _quiet(lambda: fitted.predict(horizon)["mean"])


def _ets(y: np.ndarray, horizon: int, spec: dict, season: int) -> np.ndarray:
    from statsforecast.models import AutoETS

    model = AutoETS(season_length=_ets_season(y, season), model=spec["model"], damped=spec["damped"])
    return _quiet(lambda: model.fit(y).predict(horizon)["mean"])


def _arima_season(y: np.ndarray, season: int) -> int:
    season = INNER_SEASON.get(season, season)
    return season if 1 < season <= ARIMA_MAX_SEASON and len(y) >= 2 * season + 2 else 1


def _arima_choose(y: np.ndarray, horizon: int, season: int) -> tuple[dict, np.ndarray]:
    from statsforecast.models import AutoARIMA

    fitted = _quiet(lambda: AutoARIMA(season_length=_arima_season(y, season)).fit(y))
    p, q, big_p, big_q, m, d, big_d = (int(v) for v in fitted.model_["arma"])
    terms = set(fitted.model_["coef"])
    spec = {"order": [p, d, q], "seasonal_order": [big_p, big_d, big_q], "season": m,
            "mean": "intercept" in terms, "drift": "drift" in terms}
    return spec, _quiet(lambda: fitted.predict(horizon)["mean"])


def _arima(y: np.ndarray, horizon: int, spec: dict, season: int) -> np.ndarray:
    from statsforecast.models import ARIMA

    model = ARIMA(order=tuple(spec["order"]), seasonal_order=tuple(spec["seasonal_order"]),
                  season_length=max(spec["season"], 1), include_mean=spec["mean"], include_drift=spec["drift"])
    try:
        return _quiet(lambda: model.fit(y).predict(horizon)["mean"])
    except Exception:  # noqa: BLE001 - a spec the new history cannot carry (e.g. too short): no drift, no mean
        plain = ARIMA(order=tuple(spec["order"]), seasonal_order=tuple(spec["seasonal_order"]),
                      season_length=max(spec["season"], 1), include_mean=False, include_drift=False)
        return _quiet(lambda: plain.fit(y).predict(horizon)["mean"])


def _theta_season(y: np.ndarray, season: int) -> int:
    return season if season > 1 and len(y) >= 2 * season + 2 else 1


def _theta_choose(y: np.ndarray, horizon: int, season: int) -> tuple[dict, np.ndarray]:
    from statsforecast.models import AutoTheta

    fitted = _quiet(lambda: AutoTheta(season_length=_theta_season(y, season)).fit(y))
    return {"variant": str(fitted.model_["modeltype"])}, _quiet(lambda: fitted.predict(horizon)["mean"])


def _theta(y: np.ndarray, horizon: int, spec: dict, season: int) -> np.ndarray:
    from statsforecast.models import AutoTheta

    model = AutoTheta(season_length=_theta_season(y, season), model=spec["variant"])
    return _quiet(lambda: model.fit(y).predict(horizon)["mean"])


def _mstl_seasons(y: np.ndarray, season: int) -> list[int]:
    return [s for s in long_seasons(season) if len(y) >= 2 * s + 2]


def _mstl_choose(y: np.ndarray, horizon: int, season: int) -> tuple[dict, np.ndarray]:
    from statsforecast.models import AutoETS, MSTL

    seasons = _mstl_seasons(y, season)
    fitted = _quiet(lambda: MSTL(season_length=seasons, trend_forecaster=AutoETS(model="ZZN")).fit(y))
    trend = fitted.model_ if isinstance(fitted.model_, dict) else None
    components = fitted.trend_forecaster.model_["components"] if trend is None and \
        getattr(fitted.trend_forecaster, "model_", None) is not None else None
    spec = {"seasons": seasons}
    if components is not None:
        spec.update(model="".join(components[:2]) + "N", damped=components[3] not in ("N", "False", False))
    return spec, _quiet(lambda: fitted.predict(horizon)["mean"])


def _mstl(y: np.ndarray, horizon: int, spec: dict, season: int) -> np.ndarray:
    from statsforecast.models import AutoETS, MSTL

    trend = AutoETS(model=spec.get("model", "ZZN"), damped=spec.get("damped"))
    model = MSTL(season_length=spec["seasons"], trend_forecaster=trend)
    return _quiet(lambda: model.fit(y).predict(horizon)["mean"])


def long_seasons(season: int) -> list[int]:
    """The seasons MSTL takes: a season beyond ETS's reach (a year of days, a week of hours)."""
    return [season] if season > ETS_MAX_SEASON else []


NAIVE = LocalMethod("naive", _baseline(_naive), _naive, statistical=False, cost=0.0)
SEASONAL_NAIVE = LocalMethod("seasonal_naive", _baseline(_seasonal_naive), _seasonal_naive, statistical=False, cost=0.0)
DRIFT = LocalMethod("drift", _baseline(_drift), _drift, statistical=False, cost=0.0)
THETA = LocalMethod("auto_theta", _theta_choose, _theta, cost=0.3)
ETS = LocalMethod("auto_ets", _ets_choose, _ets, cost=1.0)
ARIMA = LocalMethod("auto_arima", _arima_choose, _arima, cost=4.0)
MSTL_METHOD = LocalMethod("mstl", _mstl_choose, _mstl, cost=2.0)

def on_logs(method: LocalMethod) -> LocalMethod:
    """The method on the logarithm of a positive series, its forecast taken back: a season that
    grows with the level (airline passengers) becomes one of constant size, which additive
    models fit, and the forecast stays positive. Offered only where every value is above 0."""
    def choose(y: np.ndarray, horizon: int, season: int) -> tuple[dict, np.ndarray]:
        spec, forecast = method.choose(np.log(y), horizon, season)
        return spec, np.exp(np.minimum(forecast, LOG_CEILING))

    def forecast_spec(y: np.ndarray, horizon: int, spec: dict, season: int) -> np.ndarray:
        return np.exp(np.minimum(method.forecast_spec(np.log(y), horizon, spec, season), LOG_CEILING))

    return LocalMethod(f"{method.name}_log", choose, forecast_spec, statistical=True, cost=method.cost)


#: exp() of more than this overflows: a diverging forecast on logs becomes the largest float, then
#: repeats the last value as every non-finite forecast does.
LOG_CEILING = 700.0
ETS_LOG, ARIMA_LOG = on_logs(ETS), on_logs(ARIMA)
METHODS = {m.name: m for m in (NAIVE, SEASONAL_NAIVE, DRIFT, THETA, ETS, ARIMA, MSTL_METHOD, ETS_LOG, ARIMA_LOG)}
#: The baseline every forecast is judged against, as the M competitions do.
BASELINE = SEASONAL_NAIVE.name


def recent(y: np.ndarray, season: int) -> np.ndarray:
    """The part of a long history a local method learns from: the last ``LOCAL_SEASONS``
    seasons or ``LOCAL_VALUES`` values, whichever is more. The statistical optimisers' cost
    grows with the length (AutoTheta takes 3 s on ten years of days), and a level, trend and
    season estimated on the recent past is what the forecast continues."""
    keep = max(LOCAL_SEASONS * season, LOCAL_VALUES)
    return y[-keep:] if len(y) > keep else y


def statistical_available() -> bool:
    try:
        import statsforecast  # noqa: F401
    except ImportError:
        return False
    return True


def candidate_methods(season: int, shortest: int, positive: bool = False) -> list[LocalMethod]:
    """The local methods worth trying on this calendar, cheapest first; with ``positive`` (every
    value of every series above 0) ETS and ARIMA on logs too."""
    chosen = [SEASONAL_NAIVE, NAIVE, DRIFT]
    if statistical_available():
        chosen += [THETA, ETS, ARIMA]
        if positive:
            chosen += [ETS_LOG, ARIMA_LOG]
        if long_seasons(season) and shortest >= 2 * max(long_seasons(season)) + 2:
            chosen.append(MSTL_METHOD)
    return chosen
