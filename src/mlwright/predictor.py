"""The trained model: predicts, reports its leaderboard, saves itself. Nothing more.

Reports, the registry and serving live elsewhere and use this public surface.
"""

from __future__ import annotations

import dataclasses
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright._types import DataSource, Task
from mlwright.data.readers import read_table
from mlwright.data.schema import Schema, conform_columns
from mlwright.data.target import TargetInfo
from mlwright.evaluate.decision import Decision
from mlwright.features import TableEncoder
from mlwright.models.base import Learner


class MlwrightWarning(UserWarning):
    """Something in the data was handled, not refused: e.g. extra columns ignored."""


@dataclass
class Member:
    """One model of the final ensemble: refitted on all training rows, or, when the search
    validated on one holdout, as fitted beside it."""

    name: str
    family: str
    style: str
    weight: float
    params: dict[str, Any]
    learner: Learner


class Predicts:
    """The prediction surface every model that answers like mlwright's offers, built on four
    things it has: ``target``, ``schema``, ``decision`` and ``raw_predict`` (the model's
    calibrated probabilities or values for a read frame). One implementation for the trained
    model and its ONNX form, so both give the same columns, labels and types."""

    #: A model with a target; ``mlwright.unsupervised`` models say what they are instead.
    kind = "supervised"

    target: TargetInfo
    schema: Schema
    decision: Decision

    def raw_predict(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        raise NotImplementedError

    @property
    def task(self) -> Task:
        return self.target.task

    @property
    def classes_(self) -> list:
        return list(self.target.classes)

    @property
    def feature_names_in_(self) -> list[str]:
        return [c.name for c in self.schema.used]

    @property
    def threshold(self) -> float | None:
        """Binary models: the probability of the positive class from which ``predict`` says yes."""
        return self.decision.threshold

    def predict_proba(self, data: DataSource) -> pd.DataFrame:
        """Class probabilities, one column per class (in ``classes_`` order)."""
        if not self.task.is_classification:
            raise TypeError("predict_proba is for classifiers; this model predicts numbers: use predict.")
        frame = self._frame(data)
        return pd.DataFrame(self.raw_predict(frame), columns=self.classes_, index=frame.index)

    def predict(self, data: DataSource) -> pd.Series:
        """Predicted labels (classification) or values (regression), named after the target."""
        frame = self._frame(data)
        return pd.Series(self._labels(self.raw_predict(frame)), index=frame.index, name=self.target.name)

    def predict_table(self, data: DataSource, *, where: str = "data") -> pd.DataFrame:
        """The prediction column named after the target and, for classifiers, ``proba_<class>`` columns."""
        frame = self._frame(data)
        return self.prediction_table(*self.predict_arrays(frame, where=where), index=frame.index)

    def prediction_table(self, labels: np.ndarray, probabilities: np.ndarray | None, index=None) -> pd.DataFrame:
        """``predict_arrays``' answer as ``predict_table`` gives it: the target's column, then
        ``proba_<class>`` columns for classifiers."""
        columns = {self.target.name: labels}
        if probabilities is not None:
            columns |= {f"proba_{label}": probabilities[:, i] for i, label in enumerate(self.classes_)}
        # one constructor: adding columns one by one costs ~0.3 ms each, most of a row's latency
        return pd.DataFrame(columns, index=index, copy=False)  # the arrays are new: no copy needed

    def output_columns(self) -> list[str]:
        """The columns ``predict_table`` writes, in order."""
        return [self.target.name] + ([f"proba_{label}" for label in self.classes_] if self.task.is_classification
                                     else [])

    def predict_arrays(self, frame: pd.DataFrame, *, where: str = "data") -> tuple[np.ndarray, np.ndarray | None]:
        """Labels (or values) and, for classifiers, the probabilities (rows x ``classes_``), as
        arrays: ``predict_table`` without building a table, for the prediction service."""
        raw = self.raw_predict(frame, where=where)
        return self._labels(raw), (raw if self.task.is_classification else None)

    def _labels(self, raw: np.ndarray) -> np.ndarray:
        if not self.task.is_classification:
            return raw
        values = np.asarray(self.classes_, dtype=object)[self.decision.label_indices(raw)]
        if all(isinstance(c, (int, np.integer)) for c in self.classes_):
            values = values.astype(np.int64)
        return values


    def _frame(self, data: DataSource) -> pd.DataFrame:
        return read_table(data)


def read_when_path(value: dict | Path | None) -> dict | None:
    """A model's kept JSON part (its reference): read from its file on first use, then kept."""
    return json.loads(value.read_text(encoding="utf-8")) if isinstance(value, Path) else value


class TrainedModel(Predicts):
    """A weighted ensemble of models behind the feature encoders it was trained with."""

    def __init__(self, *, schema: Schema, target: TargetInfo, metric: str, encoders: dict[str, TableEncoder],
                 members: list[Member], leaderboard: pd.DataFrame, info: dict[str, Any],
                 decision: Decision | None = None, reference: dict | Path | None = None):
        self.schema, self.target, self.metric = schema, target, metric
        self.encoders, self.members = encoders, members
        self._leaderboard, self.info = leaderboard, info
        self.decision = decision or Decision()
        self._reference = reference

    @property
    def reference(self) -> dict | None:
        """The training data's distributions (see ``mlwright.profile.reference``), which drift
        monitoring compares new data with; None for a model saved before they were kept. Read
        from the model folder on first use: serving never needs it."""
        self._reference = read_when_path(self._reference)
        return self._reference

    @reference.setter
    def reference(self, value: dict | None) -> None:
        self._reference = value

    def leaderboard(self) -> pd.DataFrame:
        """Every trial of the search: validation score, fit time, latency, ensemble weight."""
        return self._leaderboard.copy()

    def without_member(self, name: str) -> None:
        """Drop one member: the others' weights are renormalised, an encoder no member uses any
        more goes, and the leaderboard's ensemble weights follow. Not once a second layer is
        fitted: it reads every member."""
        if self.decision.stacker is not None:
            raise ValueError("a model with a second layer keeps all its members")
        self.members = [m for m in self.members if m.name != name]
        total = sum(m.weight for m in self.members)
        for member in self.members:
            member.weight /= total
        styles = {m.style for m in self.members}
        self.encoders = {style: encoder for style, encoder in self.encoders.items() if style in styles}
        weights = {m.name: m.weight for m in self.members}
        self._leaderboard["ensemble_weight"] = self._leaderboard["model"].map(weights).fillna(0.0).round(4)

    def only(self, member: Member) -> "TrainedModel":
        """A view with ``member`` alone at its own weight (for timing it; predictions are scaled)."""
        return TrainedModel(schema=self.schema, target=self.target, metric=self.metric,
                            encoders={member.style: self.encoders[member.style]}, members=[member],
                            leaderboard=self._leaderboard, info={},
                            decision=dataclasses.replace(self.decision, stacker=None))

    def raw_predict(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        """The model's output on an already read frame: calibrated probabilities, or values."""
        outputs = self.member_outputs(frame, where=where)
        return self.answer(outputs) if len(frame) else self._empty()

    def answer(self, outputs: dict[str, np.ndarray]) -> np.ndarray:
        """The model's output from its members' outputs: the second layer's, or the calibrated blend."""
        if self.decision.stacker is not None:
            return self.decision.stacker.apply(outputs)
        blended = np.asarray(sum(outputs[m.name] * m.weight for m in self.members))
        return self.decision.probabilities(blended) if self.task.is_classification else blended

    def blend(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        """The members' weighted outputs before calibration (or before the second layer)."""
        outputs = self.member_outputs(frame, where=where)
        if not len(frame):
            return self._empty()
        return np.asarray(sum(outputs[m.name] * m.weight for m in self.members))

    def member_outputs(self, frame: pd.DataFrame, *, where: str = "data") -> dict[str, np.ndarray]:
        """Each member's own output (probabilities or values), by member name."""
        conformed, notes = conform_columns(frame, self.schema, where=where, ignore=(self.target.name,))
        for note in notes:
            warnings.warn(note, MlwrightWarning, stacklevel=4)
        if not len(frame):  # no rows: no libraries asked about nothing
            return {}
        matrices = {style: encoder.transform(conformed, len(frame)) for style, encoder in self.encoders.items()}
        return {member.name: member.learner.predict(matrices[member.style]) for member in self.members}

    def _empty(self) -> np.ndarray:
        return np.zeros((0, len(self.classes_))) if self.task.is_classification else np.zeros(0)

    def explain(self, data: DataSource, *, top: int | None = None) -> pd.DataFrame:
        """Why each row got its prediction: every input column's contribution (see
        ``mlwright.evaluate.explain.rows.explain_rows`` for the table's columns)."""
        from mlwright.evaluate.explain.rows import explain_rows

        return explain_rows(self, data, top=top)

    def save(self, path: str | Path) -> Path:
        """Write the model directory (see ``mlwright.registry.bundle``); returns its path."""
        from mlwright.registry.bundle import save_model

        return save_model(self, Path(path))

    def _repr_html_(self) -> str:
        from mlwright.display.cards import trained_model

        return trained_model(self).html()

    def __repr__(self) -> str:
        members = ", ".join(f"{m.name}×{m.weight:.2f}" for m in self.members)
        value = ((self.info or {}).get("estimate") or {}).get("value")
        estimate = f", {self.metric}={value:.4g}" if value is not None else ""
        return f"TrainedModel(task={self.task.value}, target={self.target.name!r}{estimate}, members=[{members}])"
