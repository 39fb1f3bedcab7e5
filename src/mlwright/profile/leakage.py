"""How strongly each column predicts the target alone, and which columns give the target away.

Association is measured the same way for every kind of column: a cross-validated single-feature
model (a shallow decision tree for numbers and dates, a per-category lookup of the target for
categories), scored with the metric people already read (AUC for binary, balanced accuracy for
multiclass, R² for regression). We prefer it to mutual information because it needs no binning
or k-NN choices, treats categories and numbers alike, is comparable across columns, and its
perfect scores are exactly the leakage test: a column that predicts the target out of fold with
AUC 0.99 on its own was almost surely written after the outcome was known.

A second test catches columns computed *from* the target and other columns (a 'total' that
includes the 'tip' to predict): a linear fit of the column on the other numeric columns plus the
target is near-perfect, while the same fit without the target is clearly worse.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import balanced_accuracy_score, r2_score
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from mlwright._types import Task
from mlwright.data.schema import CATEGORICAL, DATETIME, NUMERIC, ORDINAL, Schema, as_numbers, infer_schema
from mlwright.data.target import TargetInfo
from mlwright.profile.findings import CRITICAL, TARGET_LEAK, Finding

FOLDS = 3
#: A single column scoring at least this out of fold, on its own, leaks the target.
LEAK_THRESHOLDS = {Task.BINARY: ("roc_auc", 0.99), Task.MULTICLASS: ("balanced_accuracy", 0.98),
                   Task.REGRESSION: ("r2", 0.99)}
#: Identity test: R² of the column from [other numeric columns + target] must reach IDENTITY_R2,
#: the fit without the target must stay below it, and the target must explain at least
#: IDENTITY_PARTIAL of the variance the other columns leave unexplained.
IDENTITY_R2, IDENTITY_PARTIAL = 0.99, 0.6
#: ... and only among the numeric columns most associated with the target, when there are more.
IDENTITY_MAX_COLUMNS = 100
#: At most this many numeric and date columns get a tree each; wider tables are screened first.
MAX_TREE_COLUMNS = 200
SCREEN_BLOCK_CELLS = 4_000_000
TREE_DEPTH = {True: 4, False: 6}  # classification, regression: R² needs finer steps than AUC
ACTION = "dropped from training by default; check how and when this column is recorded."


@dataclass(frozen=True)
class Association:
    """A column's out-of-fold score when it alone predicts the target."""

    metric: str
    score: float

    def to_dict(self) -> dict:
        return {"metric": self.metric, "score": round(self.score, 4)}


def single_feature_scores(frame: pd.DataFrame, target: TargetInfo, labels: pd.Series, *,
                          schema: Schema | None = None, seed: int = 0) -> dict[str, Association]:
    """Cross-validated score of each usable column predicting ``labels`` on its own.

    Numeric and date columns beyond ``MAX_TREE_COLUMNS`` are left unscored: only the ones a rank
    screen (see ``rank_screen``) puts first get a tree.
    """
    frame, y = _aligned(frame, target, labels)
    schema = schema or infer_schema(frame)
    folds = _folds(y, target.task, seed)
    metric, _ = LEAK_THRESHOLDS[target.task]
    usable = [s for s in schema.columns if s.name != target.name and s.name in frame.columns]
    numbers = [s.name for s in usable if s.kind in (NUMERIC, DATETIME)]
    if len(numbers) > MAX_TREE_COLUMNS:
        numbers = rank_screen(frame, numbers, y, target.task)[:MAX_TREE_COLUMNS]
    treed = set(numbers)
    scores = {}
    for spec in usable:
        if spec.name in treed:
            predicted = _tree_predictions(_numbers(frame[spec.name]), y, target.task, folds, seed)
        elif spec.kind in (CATEGORICAL, ORDINAL):
            predicted = _lookup_predictions(frame[spec.name], y, target.task, folds)
        else:
            continue
        scores[spec.name] = Association(metric, _score(y, predicted, target.task))
    return scores


def rank_screen(frame: pd.DataFrame, names: list[str], y: np.ndarray, task: Task) -> list[str]:
    """``names`` ordered by how strongly their ranks follow the target, strongest first: the
    absolute Spearman correlation for regression, the largest one-versus-rest AUC distance from
    0.5 for classes. Vectorised over blocks of columns, it ranks 10,000 columns in about a second."""
    strength = np.empty(len(names))
    step = max(1, SCREEN_BLOCK_CELLS // max(len(y), 1))
    for start in range(0, len(names), step):
        block = names[start:start + step]
        ranks = stats.rankdata(np.column_stack([_numbers(frame[n]) for n in block]), axis=0)
        strength[start:start + len(block)] = _rank_strength(ranks, y, task)
    order = np.argsort(-strength, kind="stable")
    return [names[i] for i in order]


def _rank_strength(ranks: np.ndarray, y: np.ndarray, task: Task) -> np.ndarray:
    if task is Task.REGRESSION:
        centred = ranks - ranks.mean(axis=0)
        target = stats.rankdata(y) - (len(y) + 1) / 2
        spread = np.sqrt((centred ** 2).sum(axis=0) * (target ** 2).sum())
        return np.abs(target @ centred) / np.where(spread > 0, spread, 1.0)
    strength = np.zeros(ranks.shape[1])
    for label in np.unique(y):
        members = y == label
        ones, others = members.sum(), len(y) - members.sum()
        if ones and others:
            auc = (ranks[members].sum(axis=0) - ones * (ones + 1) / 2) / (ones * others)
            strength = np.maximum(strength, np.abs(auc - 0.5))
    return strength


def find_leaks(frame: pd.DataFrame, target: TargetInfo, labels: pd.Series, *, schema: Schema | None = None,
               scores: dict[str, Association] | None = None, seed: int = 0) -> list[Finding]:
    """Columns that give the target away, alone or through an identity with other columns."""
    frame, y = _aligned(frame, target, labels)
    schema = schema or infer_schema(frame)
    scores = scores if scores is not None else single_feature_scores(frame, target, labels, schema=schema, seed=seed)
    metric, threshold = LEAK_THRESHOLDS[target.task]
    findings = []
    for name, association in scores.items():
        if association.score >= threshold:
            findings.append(Finding(TARGET_LEAK, CRITICAL, name, f"on its own, {name!r} predicts {target.name!r} "
                                    f"with out-of-fold {metric} {association.score:.3f} ({len(y):,} rows).", ACTION))
    alone = {f.column for f in findings}
    numeric = [s.name for s in schema.columns if s.kind == NUMERIC and s.name in frame.columns
               and s.name != target.name and s.name not in alone]
    if len(numeric) > IDENTITY_MAX_COLUMNS:  # a least-squares fit per column over all others grows as columns^3
        numeric = sorted(numeric, key=lambda n: -scores[n].score if n in scores else 0.0)[:IDENTITY_MAX_COLUMNS]
    findings += _identities(frame[numeric], y, target, scores, seed)
    return findings


def _identities(numeric: pd.DataFrame, y: np.ndarray, target: TargetInfo,
                scores: dict[str, Association], seed: int) -> list[Finding]:
    """Greedy: test the columns most associated with the target first, and take a flagged column out
    of the others, so that the honest parts of an identity (the 'fare' in total = fare + tip) are
    not flagged with the derived one."""
    if numeric.shape[1] == 0:
        return []
    values = numeric.to_numpy(dtype=float)
    values = (values - np.nanmean(values, axis=0)) / np.where(np.nanstd(values, axis=0) > 0, np.nanstd(values, axis=0), 1)
    values = np.nan_to_num(values)
    if target.task is Task.REGRESSION:
        target_block = ((y - y.mean()) / (y.std() or 1.0))[:, None]
    else:
        target_block = np.eye(len(target.classes))[y][:, 1:]
    folds = np.random.default_rng(seed).integers(0, FOLDS, len(y))
    design = np.hstack([np.ones((len(y), 1)), values, target_block])
    grams = np.stack([design[folds == f].T @ design[folds == f] for f in range(FOLDS)])
    with_target = list(range(1 + values.shape[1], design.shape[1]))
    order = sorted(range(values.shape[1]), key=lambda j: -scores.get(numeric.columns[j], Association("", 0)).score)
    pool, findings = set(range(1, 1 + values.shape[1])), []
    for j in (1 + i for i in order):
        others = [0] + sorted(pool - {j})
        r2_with = _cv_r2(grams, others + with_target, j)
        if r2_with < IDENTITY_R2:
            continue
        r2_without = _cv_r2(grams, others, j)
        explained = 1 - (1 - r2_with) / max(1 - r2_without, 1e-12)
        if r2_without < IDENTITY_R2 and explained >= IDENTITY_PARTIAL:
            name = numeric.columns[j - 1]
            pool.discard(j)
            findings.append(Finding(TARGET_LEAK, CRITICAL, name, f"{name!r} is a near-exact linear function of "
                                    f"{target.name!r} and other columns: R² {r2_with:.4f} with the target, "
                                    f"{r2_without:.4f} without (the target explains {explained:.0%} of the rest).",
                                    ACTION))
    return findings


def _cv_r2(grams: np.ndarray, features: list[int], column: int) -> float:
    """Out-of-fold R² of a least-squares fit of design column ``column`` on ``features``, computed
    from per-fold Gram matrices only: one pass over the rows serves every fit."""
    total = grams.sum(axis=0)
    rows, mean = total[0, 0], total[0, column] / total[0, 0]
    variance = total[column, column] - rows * mean ** 2
    if variance <= 1e-12 * max(total[column, column], 1.0):
        return 0.0
    block = np.ix_(features, features)
    error = 0.0
    for test in grams:
        train = total - test
        beta = np.linalg.lstsq(train[block], train[features, column], rcond=None)[0]
        error += test[column, column] - 2 * beta @ test[features, column] + beta @ test[block] @ beta
    return float(1 - error / variance)


def _aligned(frame: pd.DataFrame, target: TargetInfo, labels: pd.Series) -> tuple[pd.DataFrame, np.ndarray]:
    frame = frame.loc[labels.index].drop(columns=[target.name], errors="ignore")
    return frame, target.encode(labels)


def _folds(y: np.ndarray, task: Task, seed: int) -> np.ndarray:
    fold_of = np.empty(len(y), dtype=np.int64)
    stratify = task.is_classification and np.bincount(y).min(initial=len(y)) >= FOLDS
    splitter = (StratifiedKFold if stratify else KFold)(FOLDS, shuffle=True, random_state=seed)
    for fold, (_, test) in enumerate(splitter.split(np.zeros(len(y)), y if stratify else None)):
        fold_of[test] = fold
    return fold_of


def _numbers(column: pd.Series) -> np.ndarray:
    """A number per row; missing values go below the minimum so that a split can isolate them."""
    values = as_numbers(column).to_numpy(dtype=float)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return np.zeros(len(values))
    return np.where(np.isfinite(values), values, finite.min() - (np.ptp(finite) + 1))


def _tree_predictions(x: np.ndarray, y: np.ndarray, task: Task, folds: np.ndarray, seed: int) -> np.ndarray:
    classify = task.is_classification
    k = int(y.max()) + 1 if classify else 0
    predicted = np.zeros((len(y), k)) if classify else np.zeros(len(y))
    model_type = DecisionTreeClassifier if classify else DecisionTreeRegressor
    for fold in range(FOLDS):
        test = folds == fold
        model = model_type(max_depth=TREE_DEPTH[classify], min_samples_leaf=5, random_state=seed)
        model.fit(x[~test, None], y[~test])
        if classify:
            predicted[np.ix_(test, model.classes_)] = model.predict_proba(x[test, None])
        else:
            predicted[test] = model.predict(x[test, None])
    return predicted


def _lookup_predictions(column: pd.Series, y: np.ndarray, task: Task, folds: np.ndarray) -> np.ndarray:
    """Each category predicts the target's mean (or class shares) seen with it in the other folds,
    shrunk by one pseudo-row toward the overall mean; unseen categories get the overall mean."""
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    n_codes = len(uniques)
    targets = np.eye(int(y.max()) + 1)[y] if task.is_classification else y[:, None].astype(float)
    predicted = np.zeros_like(targets)
    for fold in range(FOLDS):
        test = folds == fold
        prior = targets[~test].mean(axis=0)
        sums = np.column_stack([np.bincount(codes[~test], weights=targets[~test, c], minlength=n_codes)
                                for c in range(targets.shape[1])])
        counts = np.bincount(codes[~test], minlength=n_codes)[:, None]
        predicted[test] = ((sums + prior) / (counts + 1))[codes[test]]
    return predicted if task.is_classification else predicted[:, 0]


def _score(y: np.ndarray, predicted: np.ndarray, task: Task) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if task is Task.BINARY:
            return _auc(y, predicted[:, 1])
        if task is Task.MULTICLASS:
            return float(balanced_accuracy_score(y, predicted.argmax(axis=1)))
        return float(r2_score(y, predicted))


def _auc(y: np.ndarray, score: np.ndarray) -> float:
    """ROC AUC from ranks (the Mann-Whitney statistic): the same value as scikit-learn's
    ``roc_auc_score``, ties counted as half, without its per-call checks that cost milliseconds.
    A sample holding one class only scores 0.5: nothing can be learned from it."""
    positive = y == 1
    ones, others = int(positive.sum()), int(len(y) - positive.sum())
    if not ones or not others:
        return 0.5
    return float((stats.rankdata(score)[positive].sum() - ones * (ones + 1) / 2) / (ones * others))
