"""Small trained models shared by the explanation tests (trained once per test session).

``single`` goes through ``mlwright.train``; ``blend_of`` fits one member per family directly,
with few iterations, to hold every family in one ensemble in a fraction of the time.
"""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd

import mlwright
from mlwright.data.prepare import prepare_training_data
from mlwright.data.target import DEFAULT_METRIC
from mlwright.features import TableEncoder
from mlwright.models.base import FitData
from mlwright.models.registry import get_family
from mlwright.predictor import Member, TrainedModel
from tests.conftest import make_mixed_frame

QUICK = dict(time_limit=8, max_trials=1, folds=2, progress=False, checks=False)


def signal_frame(task: str, rows: int = 400, seed: int = 0) -> pd.DataFrame:
    """``signal`` drives the target; ``noise`` and ``shade`` do not."""
    rng = np.random.default_rng(seed)
    signal, noise = rng.normal(size=rows), rng.normal(size=rows)
    shade = rng.choice(["light", "dark", "pale"], size=rows)
    if task == "regression":
        y = 3.0 * signal + rng.normal(scale=0.2, size=rows)
    elif task == "multiclass":
        y = np.select([signal < -0.5, signal > 0.5], ["low", "high"], default="mid")
    else:
        y = np.where(signal + rng.normal(scale=0.3, size=rows) > 0, "yes", "no")
    return pd.DataFrame({"signal": signal, "noise": noise, "shade": shade, "y": y})


def frame_for(task: str) -> tuple[pd.DataFrame, str]:
    if task == "mixed":
        return make_mixed_frame(), "label"
    return signal_frame(task), "y"


@lru_cache(maxsize=None)
def single(task: str, family: str) -> TrainedModel:
    frame, target = frame_for(task)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return mlwright.train(frame, target, families=(family,), **QUICK)


@lru_cache(maxsize=None)
def blend_of(task: str, families: tuple[str, ...]) -> TrainedModel:
    """One ensemble with a member of each family (its first default configuration, few
    iterations), equally weighted: built directly, as ``refit_members`` builds the final one."""
    frame, target = frame_for(task)
    data = prepare_training_data(frame, target, None)
    encoders: dict[str, TableEncoder] = {}
    members = []
    for name in families:
        family = get_family(name)
        if family.style not in encoders:
            encoders[family.style] = TableEncoder(data.schema, family.style).fit(data.frame)
        encoder = encoders[family.style]
        fit = FitData(X=encoder.transform(data.frame), y=data.y, task=data.target.task,
                      n_classes=len(data.target.classes), categorical=tuple(encoder.categorical_indices_),
                      iterations=30 if family.iterative else None)
        learner = family.make(dict(family.portfolio[0]), data.target.task).fit(fit)
        members.append(Member(f"{name}_member", name, family.style, 1.0 / len(families), learner.params, learner))
    return TrainedModel(schema=data.schema, target=data.target, metric=DEFAULT_METRIC[data.target.task],
                        encoders=encoders, members=members, leaderboard=pd.DataFrame(), info={})
