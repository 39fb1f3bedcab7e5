"""``OnnxModel``: a trained model answered by onnxruntime, with ``TrainedModel``'s prediction surface.

The graph computes everything from the encoders to the calibrated probabilities and the chosen
class (see ``onnx_export``); Python only reads the table as ``TrainedModel`` does
(``conform_columns``), hands the graph its columns, and turns class indices into labels. So the
prediction service can hold either kind of model, and ``predict_table`` gives the same columns,
labels and numbers from both (within 1e-5: about 1e-15 for most families, about 1e-7 where
XGBoost turns its float32 margins into probabilities).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright._types import DataSource
from mlwright.data.schema import NUMERIC, Schema, conform_columns
from mlwright.data.target import TargetInfo
from mlwright.errors import ModelFormatError
from mlwright.evaluate.decision import Decision
from mlwright.portable.refusal import CannotConvert
from mlwright.portable.onnx_export import DESCRIPTION_FILE, FORMAT, GRAPH_FILE, build_onnx
from mlwright.predictor import MlwrightWarning, Predicts, TrainedModel

#: Rows up to which onnxruntime runs on one thread: starting threads costs more than it saves.
FEW_ROWS = 256


class OnnxModel(Predicts):
    """Predicts through onnxruntime; built from a ``TrainedModel`` or loaded from an export folder."""

    def __init__(self, graph: bytes, description: dict[str, Any], trained: TrainedModel | None = None):
        self.description = description
        self.schema = Schema.from_list(description["schema"])
        self.target = TargetInfo.from_dict(description["target"])
        self.metric = description["metric"]
        self.trained = trained
        # the calibrator is inside the graph: the decision left here only picks the class
        self.decision = Decision(threshold=description["threshold"]) if trained is None else trained.decision
        self._kinds = {c["name"]: c["kind"] for c in description["inputs"]}
        self._graph = graph
        self._sessions: dict[int, Any] = {}

    @classmethod
    def from_trained(cls, model: TrainedModel) -> "OnnxModel":
        """Convert ``model`` in memory (``CannotConvert`` names what has no ONNX form)."""
        if model.kind != "supervised":
            raise CannotConvert(f"serving a {model.kind} model through onnxruntime is not built.",
                                where="--runtime onnx", fix="serve it with the default runtime (leave --runtime out).")
        conversion = build_onnx(model)
        return cls(conversion.serialized(), conversion.description, trained=model)

    @classmethod
    def load(cls, folder: str | Path) -> "OnnxModel":
        """An export folder written by ``export_onnx`` (``mlwright export MODEL --format onnx``)."""
        folder = Path(folder)
        try:
            description = json.loads((folder / DESCRIPTION_FILE).read_text(encoding="utf-8"))
            graph = (folder / GRAPH_FILE).read_bytes()
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelFormatError(f"no readable ONNX export here: {exc}.", where=str(folder),
                                   fix="pass the folder written by `mlwright export MODEL --format onnx`.") from None
        if description.get("format") != FORMAT:
            raise ModelFormatError(f"{DESCRIPTION_FILE} does not describe an mlwright ONNX export.", where=str(folder),
                                   fix="pass the folder written by `mlwright export MODEL --format onnx`.")
        return cls(graph, description)

    @property
    def info(self) -> dict[str, Any]:
        return self.trained.info if self.trained is not None else {"estimate": self.description.get("estimate")}

    @property
    def members(self) -> list:
        """The wrapped model's members; an export loaded from disk lists their names, families and weights."""
        return self.trained.members if self.trained is not None else list(self.description["members"])

    @property
    def encoders(self) -> dict:
        return self.trained.encoders if self.trained is not None else {}

    def raw_predict(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        """Calibrated probabilities (rows x classes) or values, from the graph."""
        conformed, notes = conform_columns(frame, self.schema, where=where, ignore=(self.target.name,))
        for note in notes:
            warnings.warn(note, MlwrightWarning, stacklevel=3)
        if not len(frame):
            return np.zeros((0, len(self.classes_))) if self.task.is_classification else np.zeros(0)
        return self._session(1 if len(frame) <= FEW_ROWS else 0).run([self._output], self.feeds(conformed))[0]

    def feeds(self, conformed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The graph's inputs from conformed columns: numbers as doubles, anything else as strings
        with "" for a missing value (a value that is not text is missing, as the encoders read it)."""
        feeds = {}
        for name, kind in self._kinds.items():
            values = conformed[name]
            if kind == NUMERIC:
                feeds[name] = np.asarray(values, dtype=np.float64).reshape(-1, 1)
            else:
                feeds[name] = np.array([v if isinstance(v, str) else "" for v in values], dtype=object).reshape(-1, 1)
        return feeds

    def explain(self, data: DataSource, *, top: int | None = None) -> pd.DataFrame:
        """The wrapped model's explanation (explanations are not part of the graph)."""
        if self.trained is None:
            raise ModelFormatError("an ONNX export loaded from disk cannot explain its predictions.",
                                   where="explain", fix="explain with the mlwright model the export was made from.")
        return self.trained.explain(data, top=top)

    def _session(self, threads: int):
        """One session per thread setting, made when first needed (0: onnxruntime's default)."""
        if threads not in self._sessions:
            import onnxruntime

            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = threads
            options.log_severity_level = 3
            self._sessions[threads] = onnxruntime.InferenceSession(self._graph, options,
                                                                   providers=["CPUExecutionProvider"])
        return self._sessions[threads]

    @property
    def _output(self) -> str:
        return "probabilities" if self.task.is_classification else "value"

    def __repr__(self) -> str:
        members = ", ".join(f"{m['name'] if isinstance(m, dict) else m.name}" for m in self.members)
        return f"OnnxModel(task={self.task.value}, target={self.target.name!r}, members=[{members}])"

