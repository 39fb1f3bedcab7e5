"""A second layer: a regularised linear model over the ensemble members' outputs, kept only
when it beats the greedy blend on rows it was not fitted on.

Why linear, and over the members greedy selection already chose: the blend's weights are one
number per member, shared by every class; a multinomial model on the members' centred log
probabilities learns a weight per member and class (one member may be trusted on some classes
and not others) and recalibrates at once. Kept to the chosen members, it costs nothing at
prediction time beyond a small matrix product, and nothing to refit.

The guard, against the stacking leak (a second layer that looks better on out-of-fold rows than
it is on new data): the layer is scored by cross-fitting on the out-of-fold rows (fitted on four
fifths, scored on the fifth), against the blend as shipped, calibration cross-fitted; and when
the run keeps a holdout, also on the holdout's rows as the refitted members predict them, which
is how it will be fed in service. Out-of-fold outputs that carry more about the target than the
members' answers on new rows can (the leak) pass the first test and fail the second.

Applying it needs NumPy alone: a loaded model does not import scikit-learn to predict.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mlwright._types import Task

if TYPE_CHECKING:
    from mlwright.evaluate.metrics import Metric

_EPS = 1e-6
#: Inverse regularisation strengths tried, by cross-fitting (the strongest first).
STRENGTHS = (0.01, 0.03, 0.1, 0.3, 1.0)
#: The second layer must beat the blend by this share of the blend's cross-fitted loss (or of the
#: AUC's distance from 1): a smaller gain is within the noise of one cross-fitting.
MIN_GAIN = 0.01
#: Fewer out-of-fold rows per fitted coefficient than this and the layer is not tried.
MIN_ROWS_PER_COEFFICIENT = 10
FOLDS = 5
#: Each fit sees at most this many rows (a random subset of its fold's): more rarely moves a few
#: hundred coefficients, and the 26 fits must stay a few seconds on large multiclass tables.
MAX_FIT_ROWS = 10_000


@dataclass
class Stacker:
    """``output = link(features(member outputs) @ coef.T + intercept)``, members in ``members`` order.

    ``kind``: "multiclass" (softmax over centred log probabilities), "binary" (sigmoid over
    log-odds) or "regression" (identity over values).
    """

    kind: str
    members: list[str]
    coef: np.ndarray
    intercept: np.ndarray

    def apply(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        """The model's probabilities (or values) from each member's output, by member name."""
        return self.on_features(stack_features([outputs[name] for name in self.members], self.kind))

    def on_features(self, features: np.ndarray) -> np.ndarray:
        margin = features @ self.coef.T + self.intercept
        if self.kind == "regression":
            return margin[:, 0]
        if self.kind == "binary":
            positive = 0.5 * (1.0 + np.tanh(0.5 * margin[:, 0]))
            return np.column_stack([1.0 - positive, positive])
        shifted = np.exp(margin - margin.max(axis=1, keepdims=True))
        return shifted / shifted.sum(axis=1, keepdims=True)

    def to_state(self) -> dict:
        return {"kind": self.kind, "members": list(self.members), "coef": self.coef.tolist(),
                "intercept": self.intercept.tolist()}

    @classmethod
    def from_state(cls, state: dict | None) -> "Stacker | None":
        if not state:
            return None
        return cls(state["kind"], list(state["members"]), np.asarray(state["coef"], dtype=np.float64),
                   np.asarray(state["intercept"], dtype=np.float64))


def kind_of(task: Task) -> str:
    return {Task.BINARY: "binary", Task.MULTICLASS: "multiclass"}.get(task, "regression")


def stack_features(outputs: list[np.ndarray], kind: str) -> np.ndarray:
    """Rows x features: per member, its value, its log-odds, or its centred log probabilities
    (log p minus the row's mean over classes: the member's softmax margins up to a constant)."""
    columns = []
    for output in outputs:
        output = np.asarray(output, dtype=np.float64)
        if kind == "regression":
            columns.append(output.reshape(-1, 1))
            continue
        logs = np.log(np.clip(output, _EPS, 1.0))
        columns.append(logs[:, 1:2] - logs[:, 0:1] if kind == "binary" else logs - logs.mean(axis=1, keepdims=True))
    return np.hstack(columns)


@dataclass
class Holdout:
    """The holdout's rows as the shipped members answer them: what the second layer must not lose on."""

    outputs: dict[str, np.ndarray]
    y: np.ndarray
    blend_output: np.ndarray


def choose_stacker(oofs: dict[str, np.ndarray], y: np.ndarray, blend_oof: np.ndarray, metric: "Metric", task: Task,
                   *, n_classes: int, seed: int, holdout: Holdout | None = None,
                   deadline: float | None = None) -> tuple[Stacker | None, dict, np.ndarray]:
    """The second layer to ship (or None), the facts for the report, and its cross-fitted
    out-of-fold output (``blend_oof`` when refused). ``blend_oof``: the blend as shipped, on the
    same rows, its calibration cross-fitted. No further strength is tried when it would end past
    ``deadline`` (a ``time.time()`` value), judged by the time the last one took."""
    kind = kind_of(task)
    members = sorted(oofs)
    baseline = metric.value(y, blend_oof)
    facts = {"applied": False, "members": members, "blend_cross_fitted": baseline, "cross_fitted": None,
             "holdout": None, "strength": None, "reason": ""}
    width = (n_classes if kind == "multiclass" else 1) * (len(members) * (n_classes if kind == "multiclass" else 1) + 1)
    if len(y) < MIN_ROWS_PER_COEFFICIENT * width:
        facts["reason"] = f"not tried: {len(y)} out-of-fold rows are too few for {width} coefficients"
        return None, facts, blend_oof
    if kind != "regression" and np.bincount(y, minlength=n_classes).min() < FOLDS:
        facts["reason"] = f"not tried: a class has fewer than {FOLDS} out-of-fold rows"
        return None, facts, blend_oof
    features = stack_features([oofs[m] for m in members], kind)
    folds = _folds(y, kind, seed)
    tried, last = {}, 0.0
    for strength in STRENGTHS:  # the strongest first: it converges fastest, and is kept if time runs out
        # a weaker strength takes at least as long as the one before: start it only when that fits
        if tried and deadline is not None and time.time() + last > deadline:
            break
        began = time.time()
        tried[strength] = _cross_fit(features, y, kind, strength, folds, n_classes, seed)
        last = time.time() - began
    strength = max(tried, key=lambda c: (metric.score(y, tried[c]), -c))
    crossed = tried[strength]
    value = metric.value(y, crossed)
    facts.update(cross_fitted=value, strength=strength)
    if _gain(metric, baseline, value) < MIN_GAIN:
        facts["reason"] = (f"the second layer's cross-fitted {metric.name} {value:.4g} does not beat the blend's "
                           f"{baseline:.4g} by {MIN_GAIN:.0%}")
        return None, facts, blend_oof
    stacker = _fit(*_capped(features, y, seed), kind, strength, members, n_classes)
    if holdout is not None:
        layer, blended = (metric.value(holdout.y, stacker.apply(holdout.outputs)),
                          metric.value(holdout.y, holdout.blend_output))
        facts["holdout"] = {"second_layer": layer, "blend": blended, "rows": int(len(holdout.y))}
        if (layer <= blended if metric.greater_is_better else layer >= blended):
            facts["reason"] = (f"refused by the leak guard: out of fold it beats the blend ({value:.4g} against "
                               f"{baseline:.4g}), but on the {len(holdout.y)} holdout rows, fed as in service, "
                               f"it does not ({layer:.4g} against {blended:.4g})")
            return None, facts, blend_oof
    facts.update(applied=True, reason=(f"cross-fitted {metric.name} {value:.4g} against the blend's {baseline:.4g}"
                                       + (" and better on the holdout" if holdout is not None else "")))
    return stacker, facts, crossed


def _gain(metric: "Metric", baseline: float, value: float) -> float:
    """Relative improvement: of the loss, or of the distance from a perfect score."""
    if metric.greater_is_better:
        room = max(1.0 - baseline, 1e-12) if baseline <= 1.0 else max(abs(baseline), 1e-12)
        return (value - baseline) / room
    return (baseline - value) / max(abs(baseline), 1e-12)


def _folds(y: np.ndarray, kind: str, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import KFold, StratifiedKFold

    splitter = (KFold(FOLDS, shuffle=True, random_state=seed) if kind == "regression"
                else StratifiedKFold(FOLDS, shuffle=True, random_state=seed))
    return list(splitter.split(np.zeros(len(y)), y))


def _capped(features: np.ndarray, y: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``MAX_FIT_ROWS`` rows, drawn at random (every row when there are fewer)."""
    if len(y) <= MAX_FIT_ROWS:
        return features, y
    keep = np.sort(np.random.default_rng(seed).permutation(len(y))[:MAX_FIT_ROWS])
    return features[keep], y[keep]


def _cross_fit(features, y, kind, strength, folds, n_classes, seed) -> np.ndarray:
    """Each fold's rows scored by a layer fitted on (at most ``MAX_FIT_ROWS`` of) the others."""
    out = np.zeros((len(y),) if kind == "regression" else (len(y), n_classes))
    for fit_rows, score_rows in folds:
        layer = _fit(*_capped(features[fit_rows], y[fit_rows], seed), kind, strength, None, n_classes)
        out[score_rows] = layer.on_features(features[score_rows])
    return out


def _fit(features, y, kind, strength, members, n_classes) -> Stacker:
    from sklearn.linear_model import LogisticRegression, Ridge

    if kind == "regression":
        scale = max(float(np.std(y)), 1e-12)
        model = Ridge(alpha=1.0 / strength).fit(features / scale, y / scale)
        return Stacker(kind, members or [], np.asarray(model.coef_, dtype=np.float64).reshape(1, -1),
                       np.asarray([model.intercept_ * scale], dtype=np.float64))
    model = LogisticRegression(C=strength, max_iter=2000).fit(features, y)
    coef, intercept = np.asarray(model.coef_, dtype=np.float64), np.asarray(model.intercept_, dtype=np.float64)
    if kind == "multiclass" and len(model.classes_) < n_classes:  # a class absent here gets no mass
        full_coef, full_intercept = np.zeros((n_classes, coef.shape[1])), np.full(n_classes, -30.0)
        full_coef[model.classes_], full_intercept[model.classes_] = coef, intercept
        coef, intercept = full_coef, full_intercept
    return Stacker(kind, members or [], coef, intercept)
