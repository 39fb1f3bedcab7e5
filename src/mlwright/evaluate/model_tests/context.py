"""What the tests of one run share: the model, the data, its labels and the model's predictions.

Labels and predictions are computed once, on first use, so that ten metric tests cost one
prediction; a suite without metric tests never needs labels at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mlwright.errors import ConfigError, closest_name
from mlwright.evaluate.model_tests.result import NotMeasurable

if TYPE_CHECKING:
    from mlwright.predictor import TrainedModel

#: Perturbation tests (invariance, directional) score at most this many rows, drawn with a fixed
#: seed: each value tried costs one prediction of the sample, and a few thousand rows show a
#: dependence as surely as a million.
MAX_PERTURBED_ROWS = 5_000


@dataclass(frozen=True)
class Predictions:
    """The model's outputs on every row of the data."""

    scores: np.ndarray  #: probabilities (rows x classes) for classifiers, values for regressors
    labels: np.ndarray | None  #: predicted class indices from ``model.predict`` (its threshold applied)


class TestContext:
    """The model and the data a suite runs on; ``features`` is the data without the target."""

    __test__ = False

    def __init__(self, model: "TrainedModel", data: pd.DataFrame):
        self.model, self.data = model, data
        self.target = model.target.name
        self.features = data.drop(columns=[self.target]) if self.target in data.columns else data

    @property
    def is_classifier(self) -> bool:
        return self.model.task.is_classification

    def require_column(self, column: str, where: str) -> None:
        """A test that names a column DATA lacks is a mistake in the spec, reported before any test runs."""
        if column in self.data.columns:
            return
        names = [str(c) for c in self.data.columns]
        close = closest_name(column, names)
        hint = f" Did you mean {close!r}?" if close else ""
        shown = ", ".join(names[:12]) + (" ..." if len(names) > 12 else "")
        raise ConfigError(f"DATA has no column {column!r}.{hint}", where=where, fix=f"use one of: {shown}.")

    def class_index(self, label: object, where: str) -> int:
        """The position of a class named in the spec; YAML reads `1` as a number, so compare as text."""
        classes = self.model.classes_
        for i, known in enumerate(classes):
            if str(known) == str(label):
                return i
        raise ConfigError(f"the model has no class {label!r}.", where=where,
                          fix=f"use one of: {', '.join(map(str, classes)) or 'none (a regressor has no classes)'}.")

    def truth(self) -> tuple[np.ndarray, np.ndarray]:
        """Encoded labels of every row and the mask of rows that have one."""
        if isinstance(self._truth, str):
            raise NotMeasurable(self._truth)
        return self._truth

    @cached_property
    def _truth(self) -> tuple[np.ndarray, np.ndarray] | str:
        if self.target not in self.data.columns:
            return f"DATA has no {self.target!r} column (the target): this test needs labels."
        labels = self.model.target.normalize(self.data[self.target])
        labelled = labels.notna().to_numpy()
        if not self.is_classifier:
            return labels.to_numpy(dtype=float), labelled
        lookup = {c: i for i, c in enumerate(self.model.classes_)}
        unknown = sorted({str(v) for v in labels[labelled] if v not in lookup})
        if unknown:
            return (f"{self.target!r} holds labels the model never saw ({', '.join(unknown[:3])}): "
                    f"the metric cannot be measured.")
        encoded = np.full(len(labels), -1, dtype=np.int64)
        encoded[labelled] = [lookup[v] for v in labels[labelled]]
        return encoded, labelled

    @cached_property
    def predictions(self) -> Predictions:
        if not self.is_classifier:
            return Predictions(self.model.predict(self.features).to_numpy(dtype=float), None)
        lookup = {c: i for i, c in enumerate(self.model.classes_)}
        proba = self.model.predict_proba(self.features).to_numpy(dtype=float)
        labels = np.array([lookup[v] for v in self.model.predict(self.features)], dtype=np.int64)
        return Predictions(proba, labels)

    def outputs(self, frame: pd.DataFrame, class_index: int | None = None) -> np.ndarray:
        """The number a perturbation test compares: the value of a regressor, the probability of
        ``class_index`` (default: the positive class of a binary model), or every class's
        probability (rows x classes) of a multiclass model."""
        if not self.is_classifier:
            return self.model.predict(frame).to_numpy(dtype=float)
        proba = self.model.predict_proba(frame).to_numpy(dtype=float)
        if class_index is not None:
            return proba[:, class_index]
        return proba[:, 1] if proba.shape[1] == 2 else proba

    @cached_property
    def sample(self) -> pd.DataFrame:
        """At most ``MAX_PERTURBED_ROWS`` rows of the features, in their original order."""
        if len(self.features) <= MAX_PERTURBED_ROWS:
            return self.features
        rows = np.sort(np.random.default_rng(0).choice(len(self.features), MAX_PERTURBED_ROWS, replace=False))
        return self.features.iloc[rows]
