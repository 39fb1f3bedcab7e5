"""The calibrator a model ships: per-class curves stored as plain numbers, applied after the blend.

Applying it needs NumPy alone, so a loaded model does not import the libraries that fitted it
(``mlwright.evaluate.calibration`` fits and chooses one).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

_EPS = 1e-6


@dataclass
class Calibrator:
    """Per-class curves: Platt ``{"a", "b"}`` or isotonic ``{"x": [...], "y": [...]}``."""

    method: str
    curves: list[dict] = field(default_factory=list)

    def apply(self, proba: np.ndarray) -> np.ndarray:
        proba = np.asarray(proba, dtype=float)
        if proba.shape[1] == 2:
            positive = self._curve(self.curves[0], proba[:, 1])
            return np.column_stack([1.0 - positive, positive])
        columns = np.column_stack([self._curve(c, proba[:, i]) for i, c in enumerate(self.curves)])
        total = columns.sum(axis=1, keepdims=True)
        return np.where(total > 0, columns / np.where(total > 0, total, 1.0), proba)

    def _curve(self, curve: dict, p: np.ndarray) -> np.ndarray:
        if self.method == "platt":
            logit = np.log(np.clip(p, _EPS, 1 - _EPS) / np.clip(1 - p, _EPS, 1 - _EPS))
            return 1.0 / (1.0 + np.exp(-(curve["a"] * logit + curve["b"])))
        return np.interp(p, curve["x"], curve["y"])

    def to_state(self) -> dict:
        return {"method": self.method, "curves": self.curves}

    @classmethod
    def from_state(cls, state: dict | None) -> "Calibrator | None":
        return cls(state["method"], state["curves"]) if state else None
