"""The tabular network's forward pass in NumPy: how a trained network answers without torch.

Training needs torch (``mlp_training``, the ``deep`` extra); scoring does not: the weights are
plain arrays, saved as ``weights.npz`` (read with ``allow_pickle=False``) beside
``network.json``, and this module runs them. The search scores its folds through this same
code, so a network answers alike in the search, after loading and in service; the ONNX export
(``portable.onnx_mlp``) writes the same arithmetic as a graph.

The architecture, in the spirit of RealMLP (arXiv 2407.04491), on the ``linear`` feature style
(imputed, standardised, one-hot, with missing-value flags):

1. soft clipping ``x / sqrt(1 + (x/3)^2)``, so that a far value cannot push a unit to
   saturation, then a learned scale per column (RealMLP's scaling layer: a column the data says
   is noise can be turned down before anything mixes it with the others; 1 in networks trained
   without it);
2. periodic embeddings of every column with more than two values (PLR, arXiv 2203.05556): per
   column, ``k`` cosines of learned frequencies and phases, then a per-column linear map to
   ``d`` values and a ReLU; the clipped columns themselves are kept beside them;
3. an MLP of SiLU layers, then a linear head: class scores through a softmax, or the
   standardised target (scaled back by the target's mean and standard deviation).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mlwright._types import Task

WEIGHTS_FILE = "weights.npz"
NETWORK_FILE = "network.json"
CLIP_SCALE = 3.0


@dataclass
class Network:
    """A trained network as arrays (float32, as trained) and the few numbers around them.

    ``feature_scale`` has one number per input column (None: ones, as networks saved before it
    were trained); ``embedded`` lists the input columns with periodic embeddings; ``frequencies`` and
    ``phases`` are (embedded, k), ``embed_weight`` (embedded, k, d) and ``embed_bias``
    (embedded, d); ``layers`` is the list of (weight (in, out), bias (out,)) of the MLP, the
    last one the head.
    """

    task: Task
    n_classes: int
    n_inputs: int
    embedded: np.ndarray
    frequencies: np.ndarray
    phases: np.ndarray
    embed_weight: np.ndarray
    embed_bias: np.ndarray
    layers: list[tuple[np.ndarray, np.ndarray]]
    target_mean: float = 0.0
    target_scale: float = 1.0
    info: dict = field(default_factory=dict)
    feature_scale: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.feature_scale is None:
            self.feature_scale = np.ones(self.n_inputs, dtype=np.float32)
        # widened once: the forward pass runs in double precision, a one-row call included
        self._embedding = tuple(np.asarray(a, dtype=np.float64) for a in (
            self.frequencies, self.phases, self.embed_weight, self.embed_bias))
        self._feature_scale = np.asarray(self.feature_scale, dtype=np.float64)
        self._layers = [(np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)) for w, b in self.layers]

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Probabilities (rows x classes) or values (rows,), computed in double precision."""
        return self.answer(self.scores(X))

    def scores(self, X: np.ndarray) -> np.ndarray:
        """The head's output, rows x outputs: class scores before the softmax, or the
        standardised target (what explanations attribute, before the link)."""
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 2 or X.shape[1] != self.n_inputs:
            raise ValueError(f"the network expects {self.n_inputs} columns, got {X.shape[-1]}")
        hidden = self.inputs(X)
        last = len(self._layers) - 1
        for index, (weight, bias) in enumerate(self._layers):
            hidden = hidden @ weight + bias
            if index < last:
                hidden = silu(hidden)
        return hidden

    def inputs(self, X: np.ndarray) -> np.ndarray:
        """The first layer's input: the clipped columns, then each embedded column's ``d`` values."""
        clipped = soft_clip(np.nan_to_num(X, nan=0.0, posinf=0.0, neginf=0.0)) * self._feature_scale
        if not len(self.embedded):
            return clipped
        frequencies, phases, embed_weight, embed_bias = self._embedding
        picked = clipped[:, self.embedded]  # rows x embedded
        angles = 2.0 * np.pi * picked[:, :, None] * frequencies + phases  # rows x embedded x k
        waves = np.cos(angles).transpose(1, 0, 2)  # embedded x rows x k: one product per column
        embedded = np.maximum(np.matmul(waves, embed_weight) + embed_bias[:, None, :], 0.0)
        return np.hstack([clipped, embedded.transpose(1, 0, 2).reshape(len(X), -1)])

    def answer(self, scores: np.ndarray) -> np.ndarray:
        if self.task is Task.REGRESSION:
            return scores[:, 0] * self.target_scale + self.target_mean
        scores = scores - scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    # -- files ------------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        arrays = {"embedded": self.embedded.astype(np.int64), "frequencies": self.frequencies,
                  "phases": self.phases, "embed_weight": self.embed_weight, "embed_bias": self.embed_bias,
                  "feature_scale": self.feature_scale}
        for index, (weight, bias) in enumerate(self.layers):
            arrays[f"layer{index}_weight"], arrays[f"layer{index}_bias"] = weight, bias
        with open(directory / WEIGHTS_FILE, "wb") as handle:
            np.savez(handle, **arrays)
        (directory / NETWORK_FILE).write_text(json.dumps({
            "task": self.task.value, "n_classes": self.n_classes, "n_inputs": self.n_inputs,
            "n_layers": len(self.layers), "target_mean": self.target_mean, "target_scale": self.target_scale,
            "info": self.info}, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> "Network":
        meta = json.loads((directory / NETWORK_FILE).read_text(encoding="utf-8"))
        with np.load(directory / WEIGHTS_FILE, allow_pickle=False) as arrays:
            layers = [(arrays[f"layer{i}_weight"], arrays[f"layer{i}_bias"]) for i in range(int(meta["n_layers"]))]
            return cls(task=Task(meta["task"]), n_classes=int(meta["n_classes"]), n_inputs=int(meta["n_inputs"]),
                       embedded=arrays["embedded"].astype(int), frequencies=arrays["frequencies"],
                       phases=arrays["phases"], embed_weight=arrays["embed_weight"],
                       embed_bias=arrays["embed_bias"], layers=layers, target_mean=float(meta["target_mean"]),
                       target_scale=float(meta["target_scale"]), info=dict(meta.get("info", {})),
                       feature_scale=arrays["feature_scale"] if "feature_scale" in arrays else None)


def soft_clip(X: np.ndarray) -> np.ndarray:
    return X / np.sqrt(1.0 + (X / CLIP_SCALE) ** 2)


def silu(X: np.ndarray) -> np.ndarray:
    """``x * sigmoid(x)``; below -60 the unit is zero to far below float precision, and the
    clip keeps ``exp`` from overflowing there."""
    return X / (1.0 + np.exp(-np.maximum(X, -60.0)))
