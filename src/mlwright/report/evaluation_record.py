"""The evaluation record: every fact the report and the model card state, as plain JSON.

It is built once from the shipped model and its held-out sets, saved as ``evaluation.json``,
and rendered by templates that compute nothing; so the page, the card and anything reading
the JSON agree. The schema is documented in ``mlwright.report.training_report``.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from mlwright import __version__
from mlwright.evaluate.held_out import HeldOutSet, baseline_prediction, evaluate_set
from mlwright.files import json_ready
from mlwright.report.evidence import RunEvidence

FORMAT = "mlwright.evaluation"
#: Columns whose partial dependence is drawn: the most important ones.
DEPENDENCE_COLUMNS = 4
EXAMPLE_ROWS = 3
#: Seconds each time-aimed section (SHAP importance, permutation importance, partial
#: dependence) aims at when the report has no deadline (``mlwright report``). Inside ``train`` the
#: report is written within the budget: each gets ``SECTION_SHARE`` of the seconds left, within
#: ``SECTION_SECONDS``, so that a short budget gets a smaller sample rather than a late end.
SECTION_SECONDS, SECTION_SHARE = (0.25, 3.0), 0.2
#: Rows whose SHAP values make the global SHAP importance: TreeSHAP on large boosters costs
#: milliseconds a row, and a few hundred rows rank the columns steadily; fewer on a model so
#: large (thousands of trees fitted on millions of rows) that they would take over its seconds.
SHAP_ROWS, SHAP_PROBE_ROWS = (30, 300), 20
#: Words shown per text column and class, each way.
TEXT_TERMS_SHOWN = 12
#: The fewest and most rows permutation importance shuffles.
PERMUTATION_ROWS = (100, 2000)
#: The fewest and most rows each partial-dependence curve averages, and its grid.
DEPENDENCE_ROWS, DEPENDENCE_GRID = (30, 500), 20
_LEADERBOARD_COLUMNS = ("model", "family", "status", "score", "fit_seconds", "predict_ms_per_row", "ensemble_weight")


def build_evaluation(model, evidence: RunEvidence, *, intended_use: str | None = None, seed: int = 0,
                     seconds: float | None = None) -> dict:
    """``seconds``: the time the report may take (None: no deadline), which sizes the samples of
    the time-aimed sections."""
    started = time.perf_counter()
    class_names = [str(c) for c in model.classes_] if model.task.is_classification else []
    record = {"format": FORMAT, "version": 1, "run": _run_facts(model, evidence, class_names, intended_use),
              "leaderboard": _leaderboard(model)}
    baseline_for = lambda held: baseline_prediction(model.task, evidence.y_train, len(held.y), len(class_names))  # noqa: E731
    timings: dict[str, float] = {}
    record["evaluations"] = [evaluate_set(held, model.task, class_names, baseline_for(held), seed=seed)
                             for held in evidence.sets]
    timings["metrics"] = round(time.perf_counter() - started, 3)
    record["threshold"], record["calibration"] = evidence.threshold, evidence.calibration
    primary = next((held for held in evidence.sets if held.frame is not None), None)
    scorer = evidence.scorer(model, primary)  # the primary rows' outputs came from it, and it has not seen them
    sizing = Sizing(section_seconds(seconds), scorer, primary.frame if primary is not None else None)
    sections = {"importance": partial(_importance, sizing=sizing), "examples": _examples, "fairness": _fairness,
                "model_tests": _model_tests, "text_terms": _text_terms}
    for key, build in sections.items():
        record[key] = _timed(timings, key, _guarded, key, record, build, scorer, primary, evidence, seed)
    record["dependence"] = _timed(timings, "dependence", _guarded, "dependence", record, _dependence, scorer,
                                  primary, record["importance"], seed, sizing) or []
    record["timings"] = {"evaluation_seconds": round(time.perf_counter() - started, 3), "sections": timings}
    return json_ready(record)


@dataclass
class Sizing:
    """What sizes the time-aimed sections: the seconds each aims at, and the model's scoring time
    per row on the primary set, timed once (on a slow model the timing itself costs) and shared."""

    aim: float
    model: Any
    frame: pd.DataFrame | None
    _per_row: float | None = None

    def seconds_per_row(self) -> float:
        if self._per_row is None:
            self._per_row = _seconds_per_row(self.model, self.frame)
        return self._per_row


def section_seconds(seconds: float | None) -> float:
    """Seconds each time-aimed section aims at, out of the report's ``seconds`` (None: no deadline)."""
    low, high = SECTION_SECONDS
    return high if seconds is None else float(np.clip(SECTION_SHARE * seconds, low, high))


def _timed(timings: dict, key: str, call, *args):
    began = time.perf_counter()
    try:
        return call(*args)
    finally:
        timings[key] = round(time.perf_counter() - began, 3)


def _guarded(key: str, record: dict, build, *args):
    """A section that fails is reported as such; the rest of the report still gets written."""
    try:
        return build(*args)
    except Exception as exc:  # noqa: BLE001 - the report says what failed instead of losing the run
        message = f"the {key.replace('_', ' ')} section could not be computed: {type(exc).__name__}: {exc}"
        record["run"]["notes"].append(message)
        warnings.warn(message, stacklevel=2)
        return None


def _run_facts(model, evidence: RunEvidence, class_names: list[str], intended_use: str | None) -> dict:
    info = model.info
    rows = dict(info.get("rows", {}))
    rows.update(holdout=sum(len(h.y) for h in evidence.sets if h.name == "holdout"),
                test=sum(len(h.y) for h in evidence.sets if h.name == "test"))
    return {
        "target": model.target.name, "task": model.task.value, "metric": model.metric, "classes": class_names,
        "positive_class": class_names[1] if model.task.value == "binary" else None, "rows": rows,
        "data_source": evidence.data_source, "test_source": evidence.test_source,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "mlwright_version": __version__,
        "train_seconds": info.get("train_seconds"), "time_limit": info.get("time_limit"), "seed": info.get("seed"),
        "estimate": info.get("estimate"),
        "members": [{"name": m.name, "family": m.family, "weight": m.weight} for m in model.members],
        "used_columns": [{"name": c.name, "kind": c.kind} for c in model.schema.used],
        "excluded_columns": [{"name": c.name, "kind": c.kind, "reason": c.reason} for c in model.schema.dropped],
        "findings": info.get("findings", []), "latency_ms": info.get("single_row_latency_ms"),
        "latency_limit_ms": info.get("latency_limit_ms"), "notes": list(info.get("notes", [])) + evidence.notes,
        "profile_page": "profile.html" if info.get("findings") is not None else None,
        "intended_use": intended_use, "sensitive": list(evidence.sensitive),
    }


def _leaderboard(model) -> list[dict]:
    board = model.leaderboard()
    return board[[c for c in _LEADERBOARD_COLUMNS if c in board.columns]].to_dict(orient="records")


def _on(held: HeldOutSet) -> str:
    """Which rows a check that calls the shipped model ran on: out-of-fold rows are training rows
    to the final model, which was refitted on all of them, so the reader is told."""
    if held.name == "out-of-fold":
        return (f"the {len(held.y):,} training rows (too few rows to hold some out; the final model was fitted "
                "on them, so this shows what it relies on more than how it generalises)")
    return f"{held.name} rows ({len(held.y):,})"


def _text_terms(model, held, evidence, seed) -> list[dict] | None:
    """Per text column and class, the words and word pairs that push its text model toward the
    class and away from it (``evaluate.explain.text_terms``); None for a table without text."""
    from mlwright.evaluate.explain.text_terms import class_terms

    terms = class_terms(model, n=TEXT_TERMS_SHOWN)
    return [{**item, "toward": [{"term": t, "weight": w} for t, w in item["toward"]],
             "away": [{"term": t, "weight": w} for t, w in item["away"]]} for item in terms] or None


def _importance(model, held: HeldOutSet | None, evidence, seed, *, sizing: Sizing) -> dict | None:
    if held is None:
        return None
    from mlwright.evaluate.explain.contributions import shap_importance
    from mlwright.evaluate.explain.importance import permutation_importance

    rows, repeats = _permutation_size(model, sizing)
    permutation = permutation_importance(model, held.frame, held.y, repeats=repeats, max_rows=rows, seed=seed)
    shap_rows = _shap_rows(model, held.frame, seed, sizing.aim)
    shap = shap_importance(model, held.frame, max_rows=shap_rows, seed=seed)
    return {"on": _on(held), "metric": model.metric, "permutation": permutation.to_dict(orient="records"),
            "shap": shap.to_dict(orient="records") if shap is not None else None,
            "permutation_rows": min(rows, len(held.frame)), "repeats": repeats,
            "shap_rows": min(shap_rows, len(held.frame)) if shap is not None else None}


def _permutation_size(model, sizing: Sizing) -> tuple[int, int]:
    """Rows and repeats for permutation importance that fit in about ``sizing.aim`` seconds:
    it scores rows x columns x repeats rows, and a wide table behind a slow member (k-NN) would
    otherwise take half a minute. Timed on the model itself, so the size follows its speed."""
    columns = max(len(model.schema.used), 1)
    repeats = 5 if columns <= 20 else 3
    rows = int(sizing.aim / max(sizing.seconds_per_row() * columns * repeats, 1e-9))
    return int(np.clip(rows, PERMUTATION_ROWS[0], PERMUTATION_ROWS[1])), repeats


def _seconds_per_row(model, frame: pd.DataFrame) -> float:
    """The model's scoring time per row, timed on up to 500 rows of ``frame``."""
    probe = frame.head(500)
    began = time.perf_counter()
    model.raw_predict(probe)
    return (time.perf_counter() - began) / max(len(probe), 1)


def _shap_rows(model, frame: pd.DataFrame, seed, aim: float) -> int:
    """Rows for the SHAP importance within about ``aim`` seconds, timed on a few rows."""
    from mlwright.evaluate.explain.contributions import shap_importance

    began = time.perf_counter()
    shap_importance(model, frame, max_rows=SHAP_PROBE_ROWS, seed=seed)
    per_row = (time.perf_counter() - began) / min(SHAP_PROBE_ROWS, max(len(frame), 1))
    return int(np.clip(aim / max(per_row, 1e-9), *SHAP_ROWS))


def _dependence(model, held: HeldOutSet | None, importance: dict | None, seed, sizing: Sizing) -> list[dict]:
    if held is None or not importance:
        return []
    from mlwright.evaluate.explain.dependence import partial_dependence

    ranked = [row["column"] for row in importance["permutation"]][:DEPENDENCE_COLUMNS]
    # each curve scores rows x grid points: as many rows as fit the seconds, on a large model fewer
    per_curve = sizing.aim / max(len(ranked), 1)
    rows = int(np.clip(per_curve / max(sizing.seconds_per_row() * DEPENDENCE_GRID, 1e-9), *DEPENDENCE_ROWS))
    return [partial_dependence(model, held.frame, column, grid_points=DEPENDENCE_GRID, max_rows=rows, seed=seed)
            for column in ranked]


def _examples(model, held: HeldOutSet | None, evidence, seed) -> list[dict] | None:
    """A few rows explained: the most confident yes and no, and one near the threshold
    (for regression: the highest, lowest and a middle prediction)."""
    if held is None or not len(held.y):
        return None
    from mlwright.evaluate.explain.rows import explain_rows

    score = held.prediction[:, -1] if np.ndim(held.prediction) == 2 else np.asarray(held.prediction)
    middle = model.threshold if model.threshold is not None else float(np.median(score))
    picks = list(dict.fromkeys([int(np.argmax(score)), int(np.argmin(score)), int(np.argmin(np.abs(score - middle)))]))
    chosen = held.frame.iloc[picks[:EXAMPLE_ROWS]]
    table = explain_rows(model, chosen, top=5)
    said = model.predict(chosen).to_numpy()
    examples = []
    for position, part in table.groupby("row", sort=True):
        first = part.iloc[0]
        examples.append({"row": int(chosen.index[int(position)]), "prediction": str(said[int(position)]),
                         "base": float(first["base"]), "value": float(first["prediction"]),
                         "contributions": [{"column": str(r.column), "value": "" if r.value is None else str(r.value),
                                            "contribution": float(r.contribution)} for r in part.itertuples()]})
    return examples


def _fairness(model, held: HeldOutSet | None, evidence: RunEvidence, seed) -> dict | None:
    if held is None or not evidence.sensitive:
        return None
    from mlwright.evaluate.fairness import fairness_audit

    classes = list(model.classes_)
    if model.task.is_classification:
        y_true = np.asarray(classes, dtype=object)[held.y]
        y_pred = np.asarray(classes, dtype=object)[held.labels]
    else:
        y_true, y_pred = held.y, held.prediction
    used = {c.name for c in model.schema.used}
    return fairness_audit(y_true, y_pred, held.frame[list(evidence.sensitive)].reset_index(drop=True),
                          task=model.task.value, classes=classes,
                          proba=held.prediction if model.task.is_classification else None,
                          used_as_feature={c: c in used for c in evidence.sensitive})


def _model_tests(model, held: HeldOutSet | None, evidence: RunEvidence, seed) -> dict | None:
    if held is None:
        return None
    from mlwright.evaluate.model_tests import default_test_suite, load_test_suite, run_model_tests

    suite = load_test_suite(evidence.tests_spec) if evidence.tests_spec else default_test_suite(model)
    results = [r.to_dict() for r in run_model_tests(model, held.frame, suite)]
    passed = sum(1 for r in results if r["passed"])
    return {"passed": passed, "failed": len(results) - passed, "on": _on(held), "results": results}
