"""The decision threshold of a binary model, chosen on out-of-fold probabilities for a stated
objective and then used by ``predict``.

A probability of 0.5 is the right cut only when both mistakes cost the same and the classes
are balanced. Objectives, as written on the command line:

    f1 | accuracy | balanced_accuracy   maximise it
    precision>=0.9                      the most recall with at least that precision
    recall>=0.8                         the most precision with at least that recall
    cost:fp=1,fn=5                      the least expected cost of the mistakes
    0.3                                 a fixed threshold
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from mlwright.errors import ConfigError

_CURVE_POINTS = 200
_MAX_CANDIDATES = 4000
_SYNTAX = "f1, accuracy, balanced_accuracy, precision>=0.9, recall>=0.8, cost:fp=1,fn=5 or a number such as 0.3"
#: The objective when none is given: the run's metric when it scores labels, else F1.
DEFAULT_FOR_METRIC = {"accuracy": "accuracy", "balanced_accuracy": "balanced_accuracy", "f1": "f1"}


@dataclass(frozen=True)
class Objective:
    kind: str  # f1, accuracy, balanced_accuracy, precision, recall, cost, fixed
    target: float | None = None
    fp_cost: float = 1.0
    fn_cost: float = 1.0

    @property
    def text(self) -> str:
        if self.kind in ("precision", "recall"):
            return f"{self.kind}>={self.target:g}"
        if self.kind == "cost":
            return f"cost:fp={self.fp_cost:g},fn={self.fn_cost:g}"
        return f"{self.target:g}" if self.kind == "fixed" else self.kind


def parse_objective(text: str) -> Objective:
    """Read an objective as written on the command line; the error shows the syntax."""
    value = str(text).strip().lower().replace(" ", "")
    bad = ConfigError(f"cannot read the threshold objective {text!r}.", where="threshold_objective",
                      fix=f"use one of: {_SYNTAX}.")
    if value in ("f1", "accuracy", "balanced_accuracy"):
        return Objective(value)
    bound = re.fullmatch(r"(precision|recall)>=?([0-9.]+)", value)
    if bound:
        target = float(bound.group(2))
        if not 0 < target <= 1:
            raise bad
        return Objective(bound.group(1), target)
    cost = re.fullmatch(r"cost:fp=([0-9.]+),fn=([0-9.]+)", value) or re.fullmatch(r"cost:fn=([0-9.]+),fp=([0-9.]+)", value)
    if cost:
        fp, fn = (float(cost.group(1)), float(cost.group(2))) if value.index("fp") < value.index("fn") \
            else (float(cost.group(2)), float(cost.group(1)))
        return Objective("cost", fp_cost=fp, fn_cost=fn)
    try:
        fixed = float(value)
    except ValueError:
        raise bad from None
    if not 0 < fixed < 1:
        raise bad
    return Objective("fixed", fixed)


def _counts(y_positive: np.ndarray, score: np.ndarray) -> dict[str, np.ndarray]:
    """Confusion counts when rows scoring at or above each candidate cut are called positive;
    cuts lie halfway between neighbouring distinct scores, plus one above every score."""
    order = np.argsort(-score, kind="mergesort")
    ranked, hits = score[order], y_positive[order].astype(float)
    ends = np.r_[np.flatnonzero(np.diff(ranked)), len(ranked) - 1]
    if len(ends) > _MAX_CANDIDATES:
        ends = ends[np.unique(np.linspace(0, len(ends) - 1, _MAX_CANDIDATES).round().astype(int))]
    tp, flagged = np.cumsum(hits)[ends], ends + 1.0
    below = np.r_[ranked[ends[:-1] + 1], ranked[-1] - 1e-6]
    cuts = np.clip((ranked[ends] + below) / 2, 0.0, 1.0)
    return {"cut": np.r_[min(1.0, ranked[0] + 1e-6), cuts], "tp": np.r_[0.0, tp], "flagged": np.r_[0.0, flagged],
            "positives": np.float64(hits.sum()), "rows": np.float64(len(hits))}


def _rates(c: dict) -> dict[str, np.ndarray]:
    tp, flagged, positives, rows = c["tp"], c["flagged"], c["positives"], c["rows"]
    fp, negatives = flagged - tp, rows - positives
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(flagged > 0, tp / flagged, 1.0)
        recall = tp / positives if positives else np.zeros_like(tp)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
        specificity = (negatives - fp) / negatives if negatives else np.ones_like(tp)
    return {"precision": precision, "recall": recall, "f1": f1, "accuracy": (tp + negatives - fp) / rows,
            "balanced_accuracy": (recall + specificity) / 2, "selection_rate": flagged / rows,
            "fp": fp, "fn": positives - tp}


def choose_threshold(y_positive: np.ndarray, score: np.ndarray, objective: Objective) -> dict:
    """The threshold record for the report: value, objective, what it achieves, and the curve."""
    y_positive, score = np.asarray(y_positive, dtype=bool), np.asarray(score, dtype=float)
    counts = _counts(y_positive, score)
    rates = _rates(counts)
    best, note = _pick(objective, counts["cut"], rates)
    at = {k: float(rates[k][best]) for k in ("precision", "recall", "f1", "selection_rate")}
    value = float(counts["cut"][best])
    thin = np.unique(np.linspace(0, len(counts["cut"]) - 1, min(_CURVE_POINTS, len(counts["cut"]))).round().astype(int))
    return {"value": value, "objective": objective.text, "default_value": 0.5,
            "description": _describe(objective, note), "at_threshold": at,
            "curve": {k: [round(float(v), 5) for v in (counts["cut"] if k == "threshold" else rates[k])[thin]]
                      for k in ("threshold", "precision", "recall", "f1")}}


def _pick(objective: Objective, cuts: np.ndarray, rates: dict) -> tuple[int, str]:
    if objective.kind == "fixed":
        return int(np.argmin(np.abs(cuts - objective.target))), ""
    if objective.kind == "cost":
        return int(np.argmin(rates["fp"] * objective.fp_cost + rates["fn"] * objective.fn_cost)), ""
    if objective.kind in ("precision", "recall"):
        other = "recall" if objective.kind == "precision" else "precision"
        feasible = np.flatnonzero(rates[objective.kind] >= objective.target - 1e-12)
        feasible = feasible[feasible > 0]  # the first cut calls no one: not a model
        if not len(feasible):
            best = 1 + int(np.argmax(rates[objective.kind][1:]))
            return best, (f"{objective.kind} {objective.target:g} is out of reach on the out-of-fold rows; "
                          f"the best there is {rates[objective.kind][best]:.3f}")
        return int(feasible[np.argmax(rates[other][feasible])]), ""
    return int(np.argmax(rates[objective.kind])), ""


def _describe(objective: Objective, note: str) -> str:
    goal = {"f1": "the highest F1", "accuracy": "the highest accuracy", "balanced_accuracy": "the highest balanced accuracy",
            "precision": f"the most recall with precision at least {objective.target}",
            "recall": f"the most precision with recall at least {objective.target}",
            "cost": f"the least cost with a false positive costing {objective.fp_cost:g} and a false negative "
                    f"{objective.fn_cost:g}", "fixed": "a threshold fixed by the user"}[objective.kind]
    text = f"{goal}, on out-of-fold probabilities"
    return f"{text}; note: {note}" if note else text
