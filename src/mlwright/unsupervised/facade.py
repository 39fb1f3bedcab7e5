"""What the serving and monitoring stages read of a model, for models without a target.

``mlwright serve`` and ``mlwright monitor`` were written for classifiers and regressors: they read
``target``, ``task``, ``classes_``, ``encoders``, ``reference`` and ``raw_predict``. An unsupervised
model answers with labels from a fixed set (a cluster number, a flag), so it can present itself
as a classifier of those labels with a one-hot output: the service then publishes the labels as an
enumerated answer and counts rows per label, and the monitor compares the share of rows per label
with training's, besides every input column. ``kind`` tells them apart where words are shown.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from mlwright._types import Task
from mlwright.data.schema import Schema, conform_columns
from mlwright.data.target import TargetInfo
from mlwright.features import TableEncoder
from mlwright.predictor import read_when_path

REFERENCE = "reference.json"


class LabelledAnswers:
    """Mixed into a model that has ``schema``, ``encoder``, ``labels(frame)``, ``OUTPUT`` and ``LABELS``."""

    kind = "unsupervised"
    metric = None
    schema: Schema
    encoder: TableEncoder
    _reference: dict | Path | None = None

    @property
    def target(self) -> TargetInfo:
        return TargetInfo(self.OUTPUT, Task.MULTICLASS, tuple(self.LABELS))

    @property
    def task(self) -> Task:
        return Task.MULTICLASS

    @property
    def classes_(self) -> list:
        return list(self.LABELS)

    @property
    def encoders(self) -> dict[str, TableEncoder]:
        return {self.encoder.style: self.encoder}

    @property
    def reference(self) -> dict | None:
        """The training rows' distributions and label shares, for drift monitoring (read on first use)."""
        self._reference = read_when_path(self._reference)
        return self._reference

    @reference.setter
    def reference(self, value: dict | None) -> None:
        self._reference = value

    def raw_predict(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        """The labels one-hot (rows x labels): the output the monitor compares."""
        return np.eye(len(self.LABELS))[self.label_positions(frame, where=where)]

    def label_positions(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        raise NotImplementedError

    def build_reference(self, frame: pd.DataFrame, positions: np.ndarray) -> dict:
        """What the monitor compares new rows with: each input column's distribution on the training
        rows, and the share of them with each label."""
        from mlwright.profile.reference import build_reference

        columns, _ = conform_columns(frame, self.schema)
        return build_reference(columns, self.schema, task=self.task, classes=self.classes_,
                               predictions=np.eye(len(self.LABELS))[positions], metric=None)

    def write_reference(self, root: Path) -> None:
        from mlwright.files import json_default

        if self.reference is not None:
            (root / REFERENCE).write_text(json.dumps(self.reference, separators=(",", ":"), default=json_default),
                                          encoding="utf-8")


def kept_reference(root: Path, manifest: dict) -> Path | None:
    return root / REFERENCE if REFERENCE in manifest["files"] else None
