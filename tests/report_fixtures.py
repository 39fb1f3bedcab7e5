"""Evaluation records shaped like the evaluate stage's output, for the report tests.

These are inputs, not expected outputs: numbers are plausible for the named data sets (adult
income, penguin species, taxi fares), curves follow closed forms so the records stay small and
deterministic, and the binary record fills every optional part while the others leave some out.
"""

from __future__ import annotations

import copy

import numpy as np

HOSTILE = "<script>alert(1)</script>"


def _metric(name, label, value, low, high, baseline, greater=True, description=""):
    return {"name": name, "label": label, "value": value, "low": low, "high": high, "baseline": baseline,
            "greater_is_better": greater, "description": description or label}


def _passed(name: str, kind: str, detail: str) -> dict:
    return {"name": name, "kind": kind, "passed": True, "detail": detail}


def _run(**facts) -> dict:
    base = {"created_at": "2025-03-14T10:22:31+00:00", "mlwright_version": "0.1.0", "time_limit": 60.0,
            "seed": 0, "latency_limit_ms": None, "notes": [], "profile_page": "profile.html",
            "intended_use": None, "sensitive": [], "findings": [], "excluded_columns": []}
    return base | facts


def _roc(auc: float, points: int = 500) -> dict:
    # tpr = fpr ** (1/k) has area k / (k + 1)
    k = auc / (1 - auc)
    fpr = np.linspace(0, 1, points)
    return {"fpr": fpr.round(4).tolist(), "tpr": (fpr ** (1 / k)).round(4).tolist(), "auc": auc}


def _pr(roc: dict, prevalence: float) -> dict:
    fpr, tpr = np.array(roc["fpr"][1:]), np.array(roc["tpr"][1:])
    precision = prevalence * tpr / (prevalence * tpr + (1 - prevalence) * fpr)
    return {"recall": tpr.round(4).tolist()[::-1], "precision": precision.round(4).tolist()[::-1],
            "average_precision": 0.827, "prevalence": prevalence}


def _reliability(gap: float, rows: int) -> dict:
    predicted = np.linspace(0.05, 0.95, 10)
    observed = np.clip(predicted + gap * np.sin(np.pi * predicted), 0, 1)
    count = (rows * np.exp(-3 * predicted) / np.exp(-3 * predicted).sum()).astype(int)
    return {"predicted": predicted.round(3).tolist(), "observed": observed.round(3).tolist(), "count": count.tolist()}


def _binary_set(name: str, rows: int, auc: float, description: str) -> dict:
    roc = _roc(auc)
    return {
        "set": name, "rows": rows, "description": description,
        "metrics": [
            _metric("roc_auc", "ROC AUC", auc, auc - 0.006, auc + 0.006, 0.5, description="area under the ROC curve"),
            _metric("pr_auc", "PR AUC", 0.827, 0.812, 0.841, 0.239),
            _metric("accuracy", "Accuracy", 0.874, 0.867, 0.881, 0.761, description="share of correct labels"),
            _metric("balanced_accuracy", "Balanced accuracy", 0.847, 0.838, 0.856, 0.5),
            _metric("precision", "Precision", 0.719, 0.701, 0.737, 0.239),
            _metric("recall", "Recall", 0.790, 0.773, 0.806, None),
            _metric("f1", "F1", 0.753, 0.739, 0.766, 0.386),
            _metric("log_loss", "Log loss", 0.281, 0.270, 0.293, 0.551, greater=False),
            _metric("brier", "Brier score", 0.089, 0.085, 0.093, 0.182, greater=False),
        ],
        "per_class": [{"class": "<=50K", "precision": 0.932, "recall": 0.903, "f1": 0.917, "support": 7434},
                      {"class": ">50K", "precision": 0.719, "recall": 0.790, "f1": 0.753, "support": 2335}],
        "confusion": {"labels": ["<=50K", ">50K"], "matrix": [[6714, 720], [490, 1845]]},
        "curves": {"roc": roc, "pr": _pr(roc, 0.239), "calibration": _reliability(0.02, rows),
                   "residuals": None, "residual_stats": None},
    }


def binary_record() -> dict:
    """Adult income, every optional part filled: threshold, calibration, fairness, model tests."""
    cut = np.linspace(0, 1, 101)
    recall = 1 - cut ** 1.6
    precision = 0.239 + (0.97 - 0.239) * cut ** 0.7
    used = ["age", "workclass", "education-num", "marital-status", "occupation", "relationship", "race", "sex",
            "capital-gain", "capital-loss", "hours-per-week", "native-country"]
    return {
        "format": "mlwright.evaluation", "version": 1,
        "run": _run(
            target="income", task="binary", metric="roc_auc", classes=["<=50K", ">50K"], positive_class=">50K",
            rows={"train": 39073, "total": 48842, "holdout": 9769, "test": 16281},
            data_source="adult.csv", test_source="adult_test.csv", train_seconds=58.2,
            estimate={"metric": "roc_auc", "value": 0.927, "method": "5-fold out-of-fold predictions"},
            members=[{"name": "lightgbm_2", "family": "lightgbm", "weight": 0.6},
                     {"name": "catboost_1", "family": "catboost", "weight": 0.3},
                     {"name": "linear_1", "family": "linear", "weight": 0.1}],
            used_columns=[{"name": c, "kind": "numeric" if c in ("age", "education-num", "capital-gain",
                                                                "capital-loss", "hours-per-week") else "categorical"}
                          for c in used],
            excluded_columns=[
                {"name": "salary_band", "kind": "categorical", "reason": "gives the target away (ROC AUC 0.998 alone)"},
                {"name": "education", "kind": "categorical", "reason": "restates education-num"},
                {"name": "fnlwgt", "kind": "numeric", "reason": "sampling weight, not a property of the person"}],
            findings=[
                {"severity": "warning", "kind": "restated_column", "column": ["education", "education-num"],
                 "evidence": "each education value maps to one education-num", "action": "kept education-num"},
                {"severity": "critical", "kind": "target_leak", "column": "salary_band",
                 "evidence": "'salary_band' alone predicts income with ROC AUC 0.998", "action": "dropped"},
                {"severity": "info", "kind": "class_imbalance", "column": "income",
                 "evidence": "24% of rows are >50K", "action": "none needed; metrics report baselines"}],
            latency_ms=0.82, latency_limit_ms=5.0,
            notes=["'?' read as missing in workclass, occupation, native-country"],
            sensitive=["sex", "race"]),
        "leaderboard": [
            {"model": "ensemble", "family": "ensemble", "status": "ok", "score": 0.9281, "fit_seconds": 0.4,
             "predict_ms_per_row": 0.82, "ensemble_weight": 1.0},
            {"model": "lightgbm_2", "family": "lightgbm", "status": "ok", "score": 0.9265, "fit_seconds": 11.2,
             "predict_ms_per_row": 0.31, "ensemble_weight": 0.6},
            {"model": "catboost_1", "family": "catboost", "status": "ok", "score": 0.9251, "fit_seconds": 24.9,
             "predict_ms_per_row": 0.22, "ensemble_weight": 0.3},
            {"model": "linear_1", "family": "linear", "status": "ok", "score": 0.9032, "fit_seconds": 3.1,
             "predict_ms_per_row": 0.05, "ensemble_weight": 0.1},
            {"model": "extra_trees_1", "family": "extra_trees", "status": "ok", "score": 0.9113, "fit_seconds": 9.8,
             "predict_ms_per_row": 0.6, "ensemble_weight": 0.0},
            {"model": "xgboost_1", "family": "xgboost", "status": "failed: out of time budget", "score": None,
             "fit_seconds": 6.0, "predict_ms_per_row": None, "ensemble_weight": 0.0}],
        "evaluations": [
            _binary_set("holdout", 9769, 0.928, "20% of the rows, held out before any model was fitted"),
            _binary_set("test", 16281, 0.924, "adult_test.csv, the separate test file")],
        "threshold": {"value": 0.37, "objective": "f1", "default_value": 0.5,
                      "description": "the cut-off with the highest F1 on out-of-fold predictions",
                      "at_threshold": {"precision": 0.716, "recall": 0.795, "f1": 0.753, "selection_rate": 0.265},
                      "curve": {"threshold": cut.round(3).tolist(), "precision": precision.round(4).tolist(),
                                "recall": recall.round(4).tolist(),
                                "f1": (2 * precision * recall / (precision + recall)).round(4).tolist()}},
        "calibration": {"method": "isotonic", "applied": True, "reason": "lowered out-of-fold log loss",
                        "before": {"log_loss": 0.301, "brier": 0.094, "ece": 0.041},
                        "after": {"log_loss": 0.284, "brier": 0.090, "ece": 0.012},
                        "reliability_before": _reliability(0.09, 39073),
                        "reliability_after": _reliability(0.015, 39073)},
        "importance": {"on": "holdout (9,769 rows)", "metric": "roc_auc",
                       "permutation": [{"column": c, "importance": round(0.08 / (i + 1) ** 1.3, 4),
                                        "std": round(0.004 / (i + 1), 4)} for i, c in enumerate(
                           ["relationship", "capital-gain", "education-num", "age", "occupation", "hours-per-week",
                            "marital-status", "capital-loss", "workclass", "sex", "native-country", "race"])],
                       "shap": [{"column": c, "mean_abs": round(0.9 / (i + 1), 3)} for i, c in enumerate(
                           ["relationship", "age", "capital-gain", "education-num", "marital-status", "occupation"])]},
        "dependence": [
            {"column": "age", "kind": "numeric", "grid": list(range(18, 80, 3)),
             "average": [round(0.05 + 0.3 * np.exp(-((a - 50) / 15) ** 2), 3) for a in range(18, 80, 3)],
             "output": "probability of >50K"},
            {"column": "relationship", "kind": "categorical",
             "grid": ["Husband", "Not-in-family", "Own-child", "Unmarried", "Wife", "Other-relative"],
             "average": [0.42, 0.1, 0.02, 0.06, 0.45, 0.04], "output": "probability of >50K"},
            {"column": "capital-gain", "kind": "numeric", "grid": [0, 2000, 4000, 6000, 8000, 10000, 20000],
             "average": [0.2, 0.21, 0.25, 0.72, 0.8, 0.85, 0.9], "output": "probability of >50K"}],
        "examples": [
            {"row": 17, "prediction": ">50K", "base": 0.24, "value": 0.81, "contributions": [
                {"column": "relationship", "value": "Husband", "contribution": 0.21},
                {"column": "capital-gain", "value": "7298", "contribution": 0.28},
                {"column": "age", "value": "52", "contribution": 0.06},
                {"column": "hours-per-week", "value": "38", "contribution": 0.02}]},
            {"row": 403, "prediction": "<=50K", "base": 0.24, "value": 0.03, "contributions": [
                {"column": "relationship", "value": "Own-child", "contribution": -0.12},
                {"column": "age", "value": "19", "contribution": -0.07},
                {"column": "education-num", "value": "9", "contribution": -0.02}]}],
        "fairness": _fairness(),
        "model_tests": {"passed": 4, "failed": 1, "results": [
            _passed("row order does not matter", "invariance", "0 of 500 changed"),
            _passed("column order does not matter", "invariance", "0 of 500 changed"),
            {"name": "more capital-gain never lowers the chance", "kind": "monotonic", "passed": True,
             "detail": "checked on 200 rows"},
            {"name": "same answer after save and load", "kind": "round_trip", "passed": True, "detail": "identical"},
            {"name": "flipping sex keeps the answer", "kind": "counterfactual", "passed": False,
             "detail": "3.1% of 500 answers changed (limit 1%)"}]},
        "timings": {"evaluation_seconds": 4.2},
    }


def _fairness() -> dict:
    def group(name, rows, share, selection, recall, precision):
        return {"group": name, "rows": rows, "share": share,
                "metrics": {"selection_rate": selection, "recall": recall, "precision": precision}}

    metrics = ["selection_rate", "recall", "precision"]
    return {
        "columns": [
            {"column": "sex", "binned": False, "used_as_feature": True, "metric_names": metrics,
             "overall": {"rows": 9769, "selection_rate": 0.26, "recall": 0.79, "precision": 0.72},
             "groups": [group("Male", 6532, 0.669, 0.34, 0.81, 0.73), group("Female", 3237, 0.331, 0.09, 0.71, 0.68)],
             "differences": {"demographic_parity_difference": 0.25, "equalized_odds_difference": 0.10},
             "behind": [{"group": "Female", "metric": "recall", "value": 0.71, "reference": 0.79, "gap": 0.08,
                         "reason": "recall 0.08 below the overall (limit 0.05)"}],
             "small_groups": []},
            {"column": "race", "binned": False, "used_as_feature": True, "metric_names": metrics,
             "overall": {"rows": 9769, "selection_rate": 0.26, "recall": 0.79, "precision": 0.72},
             "groups": [group("White", 8342, 0.854, 0.27, 0.80, 0.72), group("Black", 946, 0.097, 0.13, 0.72, 0.66),
                        group("Asian-Pac-Islander", 301, 0.031, 0.29, 0.78, 0.70),
                        group("Amer-Indian-Eskimo", 98, 0.01, 0.12, None, 0.61),
                        group("Other", 82, 0.008, 0.09, None, None)],
             "differences": {"demographic_parity_difference": 0.2, "equalized_odds_difference": None},
             "behind": [{"group": "Black", "metric": "recall", "value": 0.72, "reference": 0.79, "gap": 0.07,
                         "reason": "recall 0.07 below the overall (limit 0.05)"}],
             "small_groups": ["Amer-Indian-Eskimo", "Other"]}],
        "sentences": ["For women the model finds about 7 in 10 high earners, against 8 in 10 for men.",
                      "Two race groups have fewer than 100 rows: too few to judge."],
        "thresholds": {"gap": 0.05, "min_rows": 100},
    }


def multiclass_record() -> dict:
    """Penguin species: no threshold, calibration measured but not applied, no fairness or model tests."""
    labels = ["Adelie", "Chinstrap", "Gentoo"]
    matrix = [[28, 2, 0], [3, 11, 0], [0, 0, 25]]
    return {
        "format": "mlwright.evaluation", "version": 1,
        "run": _run(
            target="species", task="multiclass", metric="log_loss", classes=labels, positive_class=None,
            rows={"train": 275, "total": 344, "holdout": 69, "test": 0}, data_source="penguins.csv",
            test_source=None, train_seconds=21.7,
            estimate={"metric": "log_loss", "value": 0.081, "method": "5-fold out-of-fold predictions"},
            members=[{"name": "linear_1", "family": "linear", "weight": 1.0}],
            used_columns=[{"name": c, "kind": k} for c, k in (("island", "categorical"), ("bill_length_mm", "numeric"),
                          ("bill_depth_mm", "numeric"), ("flipper_length_mm", "numeric"), ("body_mass_g", "numeric"))],
            findings=[{"severity": "info", "kind": "missing_values", "column": "sex", "evidence": "11 rows missing",
                       "action": "imputed"}],
            latency_ms=0.1, intended_use="Sorting field records by species for a colony survey."),
        "leaderboard": [{"model": "linear_1", "family": "linear", "status": "ok", "score": 0.081, "fit_seconds": 0.6,
                         "predict_ms_per_row": 0.1, "ensemble_weight": 1.0}],
        "evaluations": [{
            "set": "holdout", "rows": 69, "description": "20% of the rows, held out before any model was fitted",
            "metrics": [_metric("log_loss", "Log loss", 0.153, 0.09, 0.23, 1.06, greater=False),
                        _metric("accuracy", "Accuracy", 0.928, 0.87, 0.97, 0.435),
                        _metric("balanced_accuracy", "Balanced accuracy", 0.898, 0.83, 0.95, 0.333),
                        _metric("f1", "Macro F1", 0.907, None, None, None)],
            "per_class": [{"class": "Adelie", "precision": 0.903, "recall": 0.933, "f1": 0.918, "support": 30},
                          {"class": "Chinstrap", "precision": 0.846, "recall": 0.786, "f1": 0.815, "support": 14},
                          {"class": "Gentoo", "precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 25}],
            "confusion": {"labels": labels, "matrix": matrix},
            "curves": {"roc": None, "pr": None, "calibration": _reliability(-0.04, 69), "residuals": None,
                       "residual_stats": None}}],
        "threshold": None,
        "calibration": {"method": "none", "applied": False, "reason": "too few rows to fit a calibrator (275)",
                        "before": {"log_loss": 0.081, "brier": 0.04, "ece": 0.035}, "after": None,
                        "reliability_before": _reliability(-0.05, 275), "reliability_after": None},
        "importance": {"on": "holdout (69 rows)", "metric": "log_loss", "shap": None, "permutation": [
            {"column": "bill_length_mm", "importance": 0.61, "std": 0.08},
            {"column": "flipper_length_mm", "importance": 0.34, "std": 0.05},
            {"column": "island", "importance": 0.12, "std": 0.03},
            {"column": "bill_depth_mm", "importance": 0.05, "std": 0.02},
            {"column": "body_mass_g", "importance": -0.002, "std": 0.004}]},
        "dependence": [{"column": "bill_length_mm", "kind": "numeric", "grid": [34, 38, 42, 46, 50, 54],
                        "average": [0.97, 0.9, 0.55, 0.2, 0.08, 0.05], "output": "probability of Adelie"}],
        "examples": None, "fairness": None, "model_tests": None, "timings": None,
    }


def regression_record() -> dict:
    """Taxi fares: residuals and their statistics, model tests that all pass, no fairness."""
    rng = np.random.default_rng(7)
    actual = np.round(rng.gamma(2.2, 6.0, 2000) + 2.5, 2)
    predicted = np.round(actual + rng.normal(0, 1.2 + 0.08 * actual), 2)
    residual = np.round(actual - predicted, 2)
    return {
        "format": "mlwright.evaluation", "version": 1,
        "run": _run(
            target="fare", task="regression", metric="rmse", classes=[], positive_class=None,
            rows={"train": 5172, "total": 6433, "holdout": 1261, "test": 0}, data_source="taxis.csv",
            test_source=None, train_seconds=44.0,
            estimate={"metric": "rmse", "value": 2.71, "method": "5-fold out-of-fold predictions"},
            members=[{"name": "lightgbm_1", "family": "lightgbm", "weight": 0.7},
                     {"name": "extra_trees_1", "family": "extra_trees", "weight": 0.3}],
            used_columns=[{"name": c, "kind": k} for c, k in (
                ("distance", "numeric"), ("passengers", "numeric"), ("pickup_borough", "categorical"),
                ("dropoff_borough", "categorical"), ("payment", "categorical"), ("pickup_hour", "numeric"))],
            excluded_columns=[{"name": "total", "kind": "numeric", "reason": "gives the target away (R² 0.97 alone)"},
                              {"name": "tip", "kind": "numeric", "reason": "known only after the ride"}],
            findings=[{"severity": "critical", "kind": "target_leak", "column": "total",
                       "evidence": "'total' alone predicts fare with R² 0.97", "action": "dropped"}],
            latency_ms=0.4),
        "leaderboard": [
            {"model": "ensemble", "family": "ensemble", "status": "ok", "score": 2.71, "fit_seconds": 0.2,
             "predict_ms_per_row": 0.4, "ensemble_weight": 1.0},
            {"model": "lightgbm_1", "family": "lightgbm", "status": "ok", "score": 2.79, "fit_seconds": 8.0,
             "predict_ms_per_row": 0.2, "ensemble_weight": 0.7},
            {"model": "extra_trees_1", "family": "extra_trees", "status": "ok", "score": 3.05, "fit_seconds": 5.5,
             "predict_ms_per_row": 0.3, "ensemble_weight": 0.3}],
        "evaluations": [{
            "set": "holdout", "rows": 1261, "description": "20% of the rows, held out before any model was fitted",
            "metrics": [_metric("rmse", "RMSE", 2.913, 2.61, 3.24, 9.82, greater=False),
                        _metric("mae", "MAE", 1.62, 1.53, 1.71, 6.91, greater=False),
                        _metric("r2", "R²", 0.912, 0.894, 0.927, 0.0),
                        _metric("mape", "MAPE", 0.138, 0.129, 0.147, 0.52, greater=False)],
            "per_class": [], "confusion": None,
            "curves": {"roc": None, "pr": None, "calibration": None,
                       "residuals": {"predicted": predicted.tolist(), "actual": actual.tolist(),
                                     "residual": residual.tolist()},
                       "residual_stats": {"mean": float(residual.mean().round(3)),
                                          "std": float(residual.std().round(3)),
                                          "median": float(np.median(residual).round(3)),
                                          "p05": float(np.quantile(residual, 0.05).round(2)),
                                          "p95": float(np.quantile(residual, 0.95).round(2)),
                                          "max_abs": float(np.abs(residual).max().round(2))}}}],
        "threshold": None, "calibration": None,
        "importance": {"on": "holdout (1,261 rows)", "metric": "rmse", "shap": None, "permutation": [
            {"column": "distance", "importance": 6.1, "std": 0.3},
            {"column": "pickup_borough", "importance": 0.4, "std": 0.05},
            {"column": "pickup_hour", "importance": 0.2, "std": 0.04}]},
        "dependence": [
            {"column": "distance", "kind": "numeric", "grid": [0.5, 1, 2, 4, 8, 16],
             "average": [5.1, 6.4, 9.0, 14.2, 25.0, 48.3], "output": "predicted fare"},
            {"column": "pickup_borough", "kind": "categorical", "grid": ["Manhattan", "Queens", "Brooklyn", "Bronx"],
             "average": [11.2, 19.8, 13.5, 12.1], "output": "predicted fare"}],
        "examples": None, "fairness": None,
        "model_tests": {"passed": 2, "failed": 0, "results": [
            _passed("row order does not matter", "invariance", "0 of 500 changed"),
            _passed("longer rides never cost less", "monotonic", "checked on 200 rows")]},
        "timings": {"evaluation_seconds": 1.9},
    }


def hostile_record() -> dict:
    """The binary record with markup in every kind of data value: column, class, group, note, use."""
    record = copy.deepcopy(binary_record())
    run = record["run"]
    run["used_columns"].append({"name": HOSTILE, "kind": "categorical"})
    run["excluded_columns"].append({"name": HOSTILE, "kind": "text", "reason": HOSTILE})
    run["findings"].append({"severity": "critical", "kind": "target_leak", "column": HOSTILE,
                            "evidence": HOSTILE, "action": HOSTILE})
    run["notes"].append(HOSTILE)
    run["intended_use"] = HOSTILE
    run["positive_class"] = run["classes"][1] = HOSTILE
    record["importance"]["permutation"].insert(0, {"column": HOSTILE, "importance": 0.5, "std": 0.01})
    record["dependence"].append({"column": HOSTILE, "kind": "categorical", "grid": [HOSTILE, "b"],
                                 "average": [0.1, 0.2], "output": HOSTILE})
    record["fairness"]["columns"][0]["groups"][0]["group"] = HOSTILE
    record["fairness"]["sentences"].append(HOSTILE)
    record["evaluations"][0]["confusion"]["labels"][1] = HOSTILE
    record["model_tests"]["results"][0]["detail"] = HOSTILE
    return record


RECORDS = {"binary": binary_record, "multiclass": multiclass_record, "regression": regression_record}
