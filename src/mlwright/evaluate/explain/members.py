"""One ensemble member's additive attribution over its encoded features, in its own output space.

Each family fills one function (the registry below, keyed by family name, as the model
registry is): boosted trees give exact TreeSHAP from their own libraries, in margin space
(log-odds, or softmax margins); forests give path attributions in probability space (see
``forest_paths``); linear models give exact linear contributions; k-NN has no cheap
attribution, so its whole departure from its average goes to an *unexplained* slot. A family
missing from the registry is treated like k-NN, never refused.

Every attribution holds ``base + phi.sum(features) = output`` before the link, per row.
TreeSHAP costs leaves x depth² per tree and row, against depth for a prediction: a LightGBM
member of 180 trees with 128 leaves takes about 5 ms a row (its libraries run it on one core).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from mlwright._types import Task
from mlwright.evaluate.explain.forest_paths import path_attributions
from mlwright.evaluate.explain.sampled_shapley import baseline_shapley, feature_groups

IDENTITY, SIGMOID, SOFTMAX = "identity", "sigmoid", "softmax"


@dataclass
class MemberAttribution:
    """``phi``: rows x (features + 1) x outputs, the last feature slot being *unexplained*;
    ``base``: rows x outputs; ``link`` turns base + sum(phi) into the member's prediction;
    ``seen``: the class indices the outputs stand for (for ``sigmoid``: the two classes,
    the margin being that of the second)."""

    phi: np.ndarray
    base: np.ndarray
    link: str
    seen: np.ndarray | None


def _margin(contrib: np.ndarray, n_rows: int, task: Task, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Native (rows x outputs x (features + bias)) or flat layouts -> (phi with an empty
    unexplained slot, base)."""
    outputs = n_classes if task is Task.MULTICLASS else 1
    contrib = np.asarray(contrib, dtype=np.float64).reshape(n_rows, outputs, -1)
    phi = contrib.transpose(0, 2, 1).copy()  # rows x (features + bias) x outputs
    base = phi[:, -1, :].copy()
    phi[:, -1, :] = 0.0  # the bias slot becomes the (empty) unexplained slot
    return phi, base


def _boosted(contrib: np.ndarray, n_rows: int, task: Task, n_classes: int) -> MemberAttribution:
    phi, base = _margin(contrib, n_rows, task, n_classes)
    if task is Task.REGRESSION:
        return MemberAttribution(phi, base, IDENTITY, None)
    link = SIGMOID if task is Task.BINARY else SOFTMAX
    return MemberAttribution(phi, base, link, np.arange(n_classes))


def _lightgbm(learner, X: np.ndarray, task: Task, n_classes: int) -> MemberAttribution:
    contrib = learner.booster_.predict(X, num_iteration=learner.iterations_, pred_contrib=True)
    return _boosted(contrib, len(X), task, n_classes)


def _xgboost(learner, X: np.ndarray, task: Task, n_classes: int) -> MemberAttribution:
    import xgboost as xgb

    contrib = learner.booster_.predict(xgb.DMatrix(X, nthread=1), pred_contribs=True)
    return _boosted(contrib, len(X), task, n_classes)


def _catboost(learner, X: np.ndarray, task: Task, n_classes: int) -> MemberAttribution:
    from mlwright.models.catboost_family import _pool

    contrib = learner.model_.get_feature_importance(data=_pool(X, learner.categorical), type="ShapValues",
                                                    thread_count=1)
    return _boosted(contrib, len(X), task, n_classes)


def _forest(learner, X: np.ndarray, task: Task, n_classes: int) -> MemberAttribution:
    credits, base = path_attributions(learner.packed_, X)
    phi = np.concatenate([credits, np.zeros((len(X), 1, credits.shape[2]))], axis=1)
    base = np.broadcast_to(base, (len(X), len(base))).copy()
    seen = np.asarray(learner.params["_seen"], dtype=int) if task.is_classification else None
    return MemberAttribution(phi, base, IDENTITY, seen)


def _linear(learner, X: np.ndarray, task: Task, n_classes: int) -> MemberAttribution:
    """Exact: coefficient x feature, against the encoder's reference row, all zeros: every
    number at its training mean (features are standardised), none missing, and a category
    the model never saw (each known one has its own indicator)."""
    model = learner.model_
    coef = np.atleast_2d(model.coef_)
    intercept = np.atleast_1d(model.intercept_).astype(np.float64)
    credits = X[:, :, None] * coef.T[None, :, :]
    phi = np.concatenate([credits, np.zeros((len(X), 1, coef.shape[0]))], axis=1)
    base = np.broadcast_to(intercept, (len(X), len(intercept))).copy()
    if task is Task.REGRESSION:
        return MemberAttribution(phi, base, IDENTITY, None)
    return MemberAttribution(phi, base, SIGMOID if coef.shape[0] == 1 else SOFTMAX, np.asarray(learner.seen_))


def _network(learner, X: np.ndarray, task: Task, n_classes: int, sources: list[str] | None = None) -> MemberAttribution:
    """Baseline Shapley values of the network's margin (log-odds of the second class, class
    scores, or the value), one player per input column, against the same reference row as
    linear models (all zeros: numbers at their training mean, none missing, no known
    category). Additive to rounding; the split among columns is sampled when there are too
    many columns to walk every ordering (see ``sampled_shapley``)."""
    network = learner.network_

    def margins(rows: np.ndarray) -> np.ndarray:
        scores = network.scores(rows)
        if task is Task.REGRESSION:
            return scores[:, :1] * network.target_scale + network.target_mean
        return scores[:, 1:2] - scores[:, :1] if task is Task.BINARY else scores

    phi, base = baseline_shapley(margins, X, np.zeros(X.shape[1]), feature_groups(sources, X.shape[1]))
    phi = np.concatenate([phi, np.zeros((len(X), 1, phi.shape[2]))], axis=1)
    if task is Task.REGRESSION:
        return MemberAttribution(phi, base, IDENTITY, None)
    return MemberAttribution(phi, base, SIGMOID if task is Task.BINARY else SOFTMAX, np.arange(n_classes))


def _unexplained(learner, X: np.ndarray, task: Task, n_classes: int) -> MemberAttribution:
    """No cheap attribution: the base is the member's average answer (the training class shares
    or mean target), and its departure from it is reported, whole, as unexplained."""
    predicted = np.asarray(learner.predict(X), dtype=np.float64).reshape(len(X), -1)
    base = np.broadcast_to(_average_answer(learner, task, n_classes, predicted), predicted.shape).copy()
    phi = np.zeros((len(X), X.shape[1] + 1, predicted.shape[1]))
    phi[:, -1, :] = predicted - base
    seen = np.arange(n_classes) if task.is_classification else None
    return MemberAttribution(phi, base, IDENTITY, seen)


def _average_answer(learner, task: Task, n_classes: int, predicted: np.ndarray) -> np.ndarray:
    kept = getattr(learner, "average_answer_", None)  # a learner that keeps no training rows may keep this
    if kept is not None:
        return np.asarray(kept, dtype=np.float64)
    targets = getattr(getattr(learner, "model_", None), "_y", None)
    if targets is None:
        return predicted.mean(axis=0)
    if task is Task.REGRESSION:
        return np.array([float(np.mean(targets))])
    seen = np.asarray(getattr(learner, "seen_", np.arange(n_classes)), dtype=int)
    shares = np.bincount(np.asarray(targets, dtype=int), minlength=len(seen)) / len(targets)
    full = np.zeros(n_classes)
    full[seen] = shares[:len(seen)]
    return full


Attributor = Callable[..., MemberAttribution]
#: Families with an exact or path-based tree attribution (``shap_importance`` needs one).
TREE_ATTRIBUTORS: dict[str, Attributor] = {
    "lightgbm": _lightgbm, "xgboost": _xgboost, "catboost": _catboost,
    "extra_trees": _forest, "random_forest": _forest,
}
#: k-NN has no cheap attribution: its departure from the average answer is shown whole, as
#: unexplained (permutation importance still ranks its columns).
ATTRIBUTORS: dict[str, Attributor] = {**TREE_ATTRIBUTORS, "linear": _linear, "knn": _unexplained,
                                      "mlp": _network}
#: Attributors that credit input columns as wholes, and so are told which column each feature is of.
BY_COLUMN = {"mlp"}


def attribute_member(member, X: np.ndarray, task: Task, n_classes: int,
                     sources: list[str] | None = None) -> MemberAttribution:
    """The attribution of one ``Member`` on its encoded matrix ``X``; ``sources`` names the
    input column of each feature (the encoder's ``feature_sources_``)."""
    attributor = ATTRIBUTORS.get(member.family, _unexplained)
    if member.family in BY_COLUMN:
        return attributor(member.learner, X, task, n_classes, sources=sources)
    return attributor(member.learner, X, task, n_classes)


def has_tree_attribution(model) -> bool:
    return any(member.family in TREE_ATTRIBUTORS for member in model.members)
