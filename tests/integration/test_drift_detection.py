"""Drift detection at the default thresholds: shifted copies are found, untouched resamples stay
quiet. The experiment runs on a generated table of known structure, and on three benchmark
datasets where those are present (see tests/datasets.py; they skip otherwise).

Each model trains once (a small budget, on at most 8,000 rows of a seeded shuffle). Every
current sample comes from the rows it never saw, so that its performance there is honest and an
untouched resample differs from the reference by chance alone. The same experiment at scale
(100 resamples, several sizes and shift sizes) is ``benchmarks/drift_calibration.py``.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.monitor.check import check_drift
from tests.conftest import FAST
from tests.datasets import read_dataset

TRAIN_ROWS = 8_000
ROWS = 2_000
#: Untouched resamples per dataset; at most one may raise an alarm (a false-alarm rate of 5%).
RESAMPLES = 20
SEEDS = range(5)
LABEL_SHARE = 0.2
FLAGGED = ("warning", "action")


@dataclass(frozen=True)
class Case:
    name: str
    #: a numeric input whose mean is moved by half a standard deviation
    moved: str
    #: a category (column, value) holding 10-35% of the rows, whose share is doubled
    doubled: tuple[str, str] | None
    #: the table, its target column and its task
    load: Callable[[], tuple[pd.DataFrame, str, str]]


def _generated(rows: int = 16_000, seed: int = 0) -> tuple[pd.DataFrame, str, str]:
    """Customers who churn or stay: skewed numbers, categories of unequal shares, a noisy binary
    target that depends on most inputs (even the true rule reaches an AUC of only 0.77)."""
    rng = np.random.default_rng(seed)
    tenure = rng.gamma(4.0, 6.0, rows).round(1)
    spend = rng.lognormal(4.0, 0.5, rows).round(2)
    plan = rng.choice(["basic", "plus", "pro", "team"], rows, p=[0.45, 0.25, 0.2, 0.1])
    region = rng.choice(["north", "south", "east", "west"], rows, p=[0.4, 0.3, 0.2, 0.1])
    effect = pd.Series(plan).map({"basic": 0.6, "plus": 0.0, "pro": -0.5, "team": -1.0}).to_numpy()
    logit = -0.08 * (tenure - 24) + 0.8 * np.log(spend / 55) + effect + 0.3 * (region == "south")
    churned = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    frame = pd.DataFrame({"tenure": tenure, "spend": spend, "plan": plan, "region": region, "churned": churned})
    return frame, "churned", "binary"


def _benchmark(name: str) -> Callable[[], tuple[pd.DataFrame, str, str]]:
    def load() -> tuple[pd.DataFrame, str, str]:
        frame, entry = read_dataset(name)
        return frame, entry["target"], entry["task"]
    return load


CASES = (Case("generated", moved="tenure", doubled=("plan", "plus"), load=_generated),
         Case("raw_adult", moved="age", doubled=("relationship", "Not-in-family"), load=_benchmark("raw_adult")),
         Case("seaborn_diamonds", moved="carat", doubled=("cut", "Premium"), load=_benchmark("seaborn_diamonds")),
         Case("pmlb_magic", moved="FLength", doubled=None, load=_benchmark("pmlb_magic")))


@dataclass
class Trained:
    case: Case
    model: Any
    target: str
    task: str
    #: rows the model never saw: every current sample is drawn from them
    unseen: pd.DataFrame

    def sample(self, seed: int, *, labels: bool) -> pd.DataFrame:
        current = self.unseen.sample(ROWS, random_state=seed)
        return current if labels else current.drop(columns=[self.target])


@pytest.fixture(scope="module", params=CASES, ids=lambda case: case.name)
def trained(request) -> Trained:
    case = request.param
    frame, target, task = case.load()
    frame = frame.sample(frac=1, random_state=0).reset_index(drop=True)
    rows = min(TRAIN_ROWS, len(frame) // 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = mlwright.train(frame.iloc[:rows], target, task=task, store=False, **{**FAST, "time_limit": 15})
    return Trained(case, model, target, task, frame.iloc[rows:].reset_index(drop=True))


def _reasons(report) -> str:
    return "; ".join(report.reasons)


def test_untouched_resamples_stay_quiet(trained, record_property):
    alarms = {}
    for seed in range(RESAMPLES):
        report = check_drift(trained.model, trained.sample(seed, labels=True), store=False)
        if report.verdict != "stable":
            alarms[seed] = _reasons(report)
    rate = len(alarms) / RESAMPLES
    record_property("false_alarm_rate", rate)
    print(f"\n{trained.case.name}: false alarms in {len(alarms)} of {RESAMPLES} untouched resamples "
          f"of {ROWS:,} rows ({rate:.0%})")
    assert len(alarms) <= 1, f"false alarms on untouched resamples: {alarms}"


def test_mean_moved_by_half_a_standard_deviation_is_found(trained):
    column = trained.case.moved
    std = trained.model.reference["columns"][column]["std"]
    for seed in SEEDS:
        current = trained.sample(seed, labels=False)
        current[column] = current[column].astype(np.float64) + 0.5 * std
        report = check_drift(trained.model, current, store=False)
        found = report.feature(column)
        assert found["verdict"] in FLAGGED, (seed, found["value"], found["p_value"], found["note"])
        assert report.verdict != "stable"


@pytest.mark.parametrize("trained", [case for case in CASES if case.doubled], indirect=True,
                         ids=lambda case: case.name)
def test_doubled_category_share_is_found(trained):
    column, value = trained.case.doubled
    summary = trained.model.reference["columns"][column]
    share = summary["counts"][value] / summary["present"]
    assert 0.10 <= share <= 0.35, f"{column}={value} holds {share:.1%} of the reference"
    for seed in SEEDS:
        current = _share_doubled(trained, seed, column, value, share)
        assert (current[column] == value).mean() == pytest.approx(2 * share, abs=1 / ROWS)
        report = check_drift(trained.model, current, store=False)
        found = report.feature(column)
        assert found["verdict"] in FLAGGED, (seed, found["value"], found["p_value"], found["note"])
        assert report.verdict != "stable"


def _share_doubled(trained: Trained, seed: int, column: str, value: str, share: float) -> pd.DataFrame:
    """A resample in which rows of other categories are replaced by unseen rows of ``value``
    until it holds twice its reference share; the row count stays."""
    rng = np.random.default_rng(seed)
    current = trained.sample(seed, labels=False)
    is_value = (current[column] == value).to_numpy(dtype=bool)
    extra = round(2 * share * ROWS) - int(is_value.sum())
    unseen = trained.unseen
    donors = unseen[(unseen[column] == value).to_numpy(dtype=bool) & ~unseen.index.isin(current.index)]
    replacing = donors.drop(columns=[trained.target]).sample(extra, random_state=seed)
    kept = current.drop(index=current.index[rng.choice(np.flatnonzero(~is_value), extra, replace=False)])
    return pd.concat([kept, replacing])


def test_changed_labels_are_found_with_inputs_stable(trained):
    """A fifth of the rows get another label (another class; for regression, the target of
    another of those rows): the inputs are as before, the model's performance is not."""
    for seed in SEEDS:
        rng = np.random.default_rng(seed)
        current = trained.sample(seed, labels=True)
        chosen = rng.choice(ROWS, round(LABEL_SHARE * ROWS), replace=False)
        labels = current[trained.target].to_numpy(dtype=object, copy=True)
        if trained.task == "regression":
            labels[chosen] = labels[rng.permutation(chosen)]
        else:
            classes = np.asarray(sorted(trained.unseen[trained.target].dropna().unique()), dtype=object)
            codes = np.searchsorted(classes, labels[chosen])
            labels[chosen] = classes[(codes + rng.integers(1, len(classes), chosen.size)) % len(classes)]
        current[trained.target] = pd.Series(labels, index=current.index).astype(current[trained.target].dtype)
        report = check_drift(trained.model, current, store=False)
        performance = report.performance
        assert performance is not None and performance["verdict"] in FLAGGED, (seed, performance)
        assert report.drifted == [], (seed, _reasons(report))
