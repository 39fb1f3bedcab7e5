"""Probability calibration: checked on out-of-fold predictions, applied only when it helps.

Boosted trees and blends are often over- or under-confident. Platt scaling (a logistic curve
on the log-odds) and isotonic regression (a monotone step curve) are each fitted and scored
cross-fitted over the out-of-fold rows, so the choice is judged on rows its calibrator did
not see. One is kept when it lowers the log loss by a clear margin without costing the run's
own metric (isotonic steps can tie scores and cost a little ROC AUC). The kept calibrator is
stored as plain numbers and applied after the blend, so ``predict_proba`` returns calibrated
probabilities; applying it (``mlwright.evaluate.calibrator``) needs NumPy alone.
"""

from __future__ import annotations

import numpy as np
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from mlwright.config import CALIBRATION_METHODS as METHODS
from mlwright.errors import ConfigError
from mlwright.evaluate.calibrator import _EPS, Calibrator
from mlwright.evaluate.curves import expected_calibration_error, reliability
from mlwright.evaluate.metrics import Metric, _log_loss
from mlwright.evaluate.scores import brier_rows

#: Relative log-loss gain a calibrator must show, cross-fitted, to be applied under "auto".
MIN_GAIN = 0.005
#: How much the expected calibration error may grow under "auto" (a lower log loss can come
#: with worse reliability of the top class when several classes are calibrated one by one).
MAX_ECE_LOSS = 0.002
#: Rows below which "auto" does not calibrate (a calibrator fitted on fewer rows adds noise).
MIN_ROWS = {"platt": 200, "isotonic": 1000}


def fit_calibrator(method: str, y: np.ndarray, proba: np.ndarray) -> Calibrator:
    columns = [1] if proba.shape[1] == 2 else range(proba.shape[1])
    return Calibrator(method, [_fit_curve(method, y == c, proba[:, c]) for c in columns])


def _fit_curve(method: str, hit: np.ndarray, p: np.ndarray) -> dict:
    if hit.all() or not hit.any():
        return {"a": 1.0, "b": 0.0} if method == "platt" else {"x": [0.0, 1.0], "y": [0.0, 1.0]}
    if method == "platt":
        logit = np.log(np.clip(p, _EPS, 1 - _EPS) / np.clip(1 - p, _EPS, 1 - _EPS)).reshape(-1, 1)
        fitted = LogisticRegression(C=1e4, max_iter=1000).fit(logit, hit)
        return {"a": float(fitted.coef_[0, 0]), "b": float(fitted.intercept_[0])}
    fitted = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0).fit(p, hit.astype(float))
    return {"x": [float(v) for v in fitted.X_thresholds_], "y": [float(v) for v in fitted.y_thresholds_]}


def cross_fitted(method: str, y: np.ndarray, proba: np.ndarray, seed: int, folds: int = 5) -> np.ndarray:
    """Each row calibrated by a calibrator fitted on the other folds."""
    out = np.empty_like(proba, dtype=float)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for fit_rows, apply_rows in splitter.split(proba, y):
        out[apply_rows] = fit_calibrator(method, y[fit_rows], proba[fit_rows]).apply(proba[apply_rows])
    return out


def choose_calibration(y: np.ndarray, proba: np.ndarray, metric: Metric, *, method: str = "auto",
                       seed: int = 0) -> tuple[Calibrator | None, dict, np.ndarray]:
    """The calibrator to ship (or None), the facts for the report, and the out-of-fold
    probabilities as the shipped model would give them (cross-fitted when calibrated)."""
    if method not in METHODS:
        raise ConfigError(f"unknown calibration {method!r}.", where="calibration", fix=f"use one of: {', '.join(METHODS)}.")
    y = np.asarray(y, dtype=int)
    proba = np.asarray(proba, dtype=float)
    facts = {"method": "none", "applied": False, "reason": "", "before": _quality(y, proba), "after": None,
             "reliability_before": _reliability(y, proba), "reliability_after": None}
    smallest_class = np.bincount(y, minlength=proba.shape[1]).min()
    candidates = [m for m in ("platt", "isotonic") if method == m or (method == "auto" and len(y) >= MIN_ROWS[m])]
    if method == "none" or not candidates or smallest_class < 5:
        facts["reason"] = ("turned off by the user" if method == "none"
                           else f"not tried: {len(y)} out-of-fold rows are too few to fit a calibrator reliably")
        return None, facts, proba
    tried = {m: cross_fitted(m, y, proba, seed) for m in candidates}
    best = min(tried, key=lambda m: _log_loss(y, tried[m]))
    after = _quality(y, tried[best])
    gain = 1 - after["log_loss"] / max(facts["before"]["log_loss"], 1e-12)
    # the shipped calibrator, on all rows: cross-fitted curves differ by fold and would reorder
    # rows that one monotone curve keeps in order, hiding what a ranking metric really loses
    calibrator = fit_calibrator(best, y, proba)
    before = metric.score(y, proba)
    keeps_metric = metric.score(y, calibrator.apply(proba)) >= before - 1e-4 * abs(before)
    ece_before, ece_after = facts["before"]["ece"], after["ece"]
    keeps_ece = ece_before is None or ece_after is None or ece_after <= ece_before + MAX_ECE_LOSS
    if method == "auto" and not (gain >= MIN_GAIN and keeps_metric and keeps_ece):
        why = (f"{best} would cost {metric.name}" if not keeps_metric
               else f"{best} would widen the gap between stated and observed chances" if not keeps_ece
               else f"the best, {best}, lowers the cross-fitted log loss by only {gain:.1%}" if gain > 0
               else "neither Platt nor isotonic lowers the cross-fitted log loss")
        facts["reason"] = f"{why}; the probabilities are left as the blend gives them"
        return None, facts, proba
    facts.update(method=best, applied=True, after=after,
                 reliability_after=_reliability(y, tried[best]),
                 reason=(f"{best} lowers the cross-fitted log loss by {gain:.1%}" if method == "auto"
                         else f"{best} asked for by the user (cross-fitted log-loss change {-gain:+.1%})"))
    return calibrator, facts, tried[best]


def replaced_by_layer(facts: dict, y: np.ndarray, proba: np.ndarray, reason: str) -> dict:
    """The calibration facts when a second layer over the members makes the probabilities (it is
    calibrated by its fit): ``proba`` is its cross-fitted output, measured as a calibrator's is."""
    y = np.asarray(y, dtype=int)
    return {**facts, "method": "second layer", "applied": True, "after": _quality(y, proba),
            "reliability_after": _reliability(y, proba), "reason": reason}


def _quality(y: np.ndarray, proba: np.ndarray) -> dict:
    observed, predicted = _calibration_pair(y, proba)
    return {"log_loss": float(_log_loss(y, proba)), "brier": float(brier_rows(y, proba).mean()),
            "ece": expected_calibration_error(observed, predicted)}


def _reliability(y: np.ndarray, proba: np.ndarray) -> dict | None:
    return reliability(*_calibration_pair(y, proba))


def _calibration_pair(y: np.ndarray, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Binary: the positive class; several classes: confidence in the top class against its hits."""
    if proba.shape[1] == 2:
        return y == 1, proba[:, 1]
    return proba.argmax(axis=1) == y, proba.max(axis=1)
