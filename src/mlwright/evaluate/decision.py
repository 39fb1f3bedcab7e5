"""What turns the members' outputs into the model's answer: the second layer or the
calibrator, and the threshold.

All are chosen on out-of-fold predictions after the ensemble is fixed, and both travel with
the model (``decision.json`` in the model directory), so that ``predict`` in the service says
what the report describes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlwright.ensemble.stacking import Stacker
from mlwright.evaluate.calibrator import Calibrator


@dataclass
class Decision:
    calibrator: Calibrator | None = None
    #: Binary only: the positive class is predicted when its probability is at least this.
    threshold: float | None = None
    objective: str | None = None
    #: When set, the model's output is this layer over the members' outputs, not their blend
    #: (and there is no calibrator: the layer's output is calibrated already).
    stacker: Stacker | None = None

    def probabilities(self, blended: np.ndarray) -> np.ndarray:
        return self.calibrator.apply(blended) if self.calibrator is not None else blended

    def label_indices(self, proba: np.ndarray) -> np.ndarray:
        if self.threshold is not None and proba.shape[1] == 2:
            return (proba[:, 1] >= self.threshold).astype(np.int64)
        return proba.argmax(axis=1)

    def to_state(self) -> dict:
        return {"calibration": self.calibrator.to_state() if self.calibrator else None,
                "threshold": self.threshold, "objective": self.objective,
                "second_layer": self.stacker.to_state() if self.stacker else None}

    @classmethod
    def from_state(cls, state: dict | None) -> "Decision":
        state = state or {}
        return cls(Calibrator.from_state(state.get("calibration")), state.get("threshold"), state.get("objective"),
                   Stacker.from_state(state.get("second_layer")))
