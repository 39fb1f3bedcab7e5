"""A trained model as one ONNX graph, and the export folder that holds it.

    model.onnx            inputs: one per model column, named after it — numbers double
                          (rows x 1, NaN when missing), categories string (rows x 1, "" when
                          missing); outputs: ``probabilities`` (rows x classes, calibrated) and
                          ``label`` (the predicted class's index) for classifiers, ``value`` for
                          regression, all computed as ``TrainedModel.raw_predict`` computes them
    mlwright-onnx.json    what a runtime needs besides the graph: the inputs and their types, the
                          classes in output order, the threshold, the task, the target, the input
                          schema, the members, and the digests of the source model and the graph

The graph is built whole or not at all: every member and column that has no faithful ONNX form
is named in one ``CannotConvert``, so one retraining fixes them all.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnx

from mlwright import __version__
from mlwright.files import check_export_folder, file_sha256, json_ready, replace_folder
from mlwright.portable.onnx_decision import blend, calibrate, label_index, second_layer
from mlwright.portable.onnx_features import INPUT_TYPES, add_inputs, column_refusals, encode
from mlwright.portable.onnx_graph import DOUBLE, INT64, Graph
from mlwright.portable.onnx_links import MemberInput
from mlwright.portable.onnx_members import convert_member
from mlwright.portable.refusal import CannotConvert
from mlwright.predictor import TrainedModel

GRAPH_FILE = "model.onnx"
DESCRIPTION_FILE = "mlwright-onnx.json"
FORMAT = "mlwright.onnx"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Conversion:
    """The ONNX model and the description written beside it."""

    proto: onnx.ModelProto
    description: dict[str, Any]

    def serialized(self) -> bytes:
        return self.proto.SerializeToString()


def build_onnx(model: TrainedModel, *, source_digest: str | None = None) -> Conversion:
    """The whole model as one graph; raises ``CannotConvert`` naming every part that has no ONNX form."""
    if model.kind == "clustering":
        return _cluster_conversion(model, source_digest)
    if model.kind != "supervised":
        raise CannotConvert(f"a {model.kind} model has no ONNX export yet (supervised and clustering models have).",
                            where=f"{model.kind} model",
                            fix="serve it with the default runtime (mlwright serve MODEL), which needs neither "
                                "torch nor scikit-learn.")
    graph = Graph("mlwright")
    refusals = column_refusals(model.schema)
    n_classes = len(model.classes_)
    if refusals:  # members are still checked, against stand-in matrices, so that all refusals come at once
        matrices = {style: graph.fresh(f"unbuilt/{style}") for style in model.encoders}
    else:
        inputs = add_inputs(graph, model.schema)
        matrices = {style: encode(graph, encoder, inputs) for style, encoder in model.encoders.items()}
    outputs = {}
    for member in model.members:
        given = MemberInput(member, matrices[member.style], model.encoders[member.style], model.task, n_classes)
        try:
            outputs[member.name] = convert_member(graph, given)
        except CannotConvert as refusal:
            refusals.append(refusal)
    if refusals:
        raise CannotConvert.combined(refusals)
    stacker = model.decision.stacker
    blended = (second_layer(graph, outputs, stacker) if stacker is not None
               else blend(graph, [(outputs[m.name], m.weight) for m in model.members]))
    if model.task.is_classification:
        proba = blended if stacker is not None else calibrate(graph, blended, model.decision.calibrator, n_classes)
        graph.output(proba, "probabilities", DOUBLE, [None, n_classes])
        graph.output(label_index(graph, proba, model.decision, n_classes), "label", INT64, [None])
    else:
        graph.output(graph.op("Reshape", [blended, graph.const([-1], np.int64)]), "value", DOUBLE, [None])
    proto = graph.model({"mlwright_version": __version__, "task": model.task.value, "target": model.target.name})
    return Conversion(proto, describe(model, proto, source_digest))


def _cluster_conversion(model, source_digest: str | None) -> Conversion:
    """A clustering model's graph (``onnx_clusters``) and its description: the inputs as for every
    export, one output, the cluster number."""
    from mlwright.portable.onnx_clusters import build_cluster_graph

    proto = build_cluster_graph(model).model({"mlwright_version": __version__, "kind": model.kind})
    return Conversion(proto, json_ready({
        "format": FORMAT, "format_version": FORMAT_VERSION, "graph": GRAPH_FILE, "kind": model.kind,
        "method": model.method, "clusters": model.clusters, "inputs": _inputs(model),
        "outputs": [{"name": "cluster", "type": "int64", "shape": [None], "meaning": "cluster number, 0 the largest"}],
        "schema": model.schema.to_list(), "mlwright_version": __version__, "source_model_sha256": source_digest,
        "graph_sha256": hashlib.sha256(proto.SerializeToString()).hexdigest(),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))


def _inputs(model) -> list[dict]:
    return [{"name": c.name, "kind": c.kind, "type": INPUT_TYPES[c.kind][1], "shape": [None, 1],
             "missing": "NaN" if INPUT_TYPES[c.kind][1] == "double" else "empty string"} for c in model.schema.used]


def describe(model: TrainedModel, proto: onnx.ModelProto, source_digest: str | None) -> dict[str, Any]:
    """The export's ``mlwright-onnx.json``: enough to feed the graph and read its answer without mlwright."""
    classification = model.task.is_classification
    outputs = ([{"name": "probabilities", "type": "double", "shape": [None, len(model.classes_)]},
                {"name": "label", "type": "int64", "shape": [None], "meaning": "index into classes"}]
               if classification else [{"name": "value", "type": "double", "shape": [None]}])
    calibrator = model.decision.calibrator
    return json_ready({
        "format": FORMAT, "format_version": FORMAT_VERSION, "graph": GRAPH_FILE,
        "task": model.task.value, "target": model.target.to_dict(), "metric": model.metric,
        "classes": model.classes_ if classification else None, "threshold": model.threshold,
        "calibration": calibrator.method if calibrator is not None else None,
        "second_layer": model.decision.stacker is not None,
        "inputs": _inputs(model),
        "outputs": outputs,
        "schema": model.schema.to_list(),
        "members": [{"name": m.name, "family": m.family, "weight": m.weight} for m in model.members],
        "estimate": model.info.get("estimate"),
        "mlwright_version": __version__,
        "source_model_sha256": source_digest,
        "graph_sha256": hashlib.sha256(proto.SerializeToString()).hexdigest(),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    })


def export_onnx(model_dir: str | Path, output: str | Path) -> Path:
    """Write the model in ``model_dir`` (a model or run folder) as ONNX in ``output``.

    Built beside ``output`` and renamed into place, so a failure never leaves half an export; an
    earlier ONNX export in ``output`` is replaced, any other folder is refused.
    """
    from mlwright.registry.bundle import MANIFEST, load_model, resolve_model_dir

    source = resolve_model_dir(model_dir)
    model = load_model(source)
    output = Path(output)
    _check_target(output, source)
    conversion = build_onnx(model, source_digest=file_sha256(source / MANIFEST))
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.parent / f".{output.name}.tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        (staging / GRAPH_FILE).write_bytes(conversion.serialized())
        (staging / DESCRIPTION_FILE).write_text(json.dumps(conversion.description, indent=1), encoding="utf-8")
        _check_target(output, source)  # again: the folder may have been filled meanwhile
        replace_folder(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output


def is_export(folder: Path) -> bool:
    """Whether ``folder`` holds an export written by ``export_onnx``."""
    try:
        described = json.loads((folder / DESCRIPTION_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(described, dict) and described.get("format") == FORMAT


def _check_target(output: Path, source: Path) -> None:
    check_export_folder(output, source, what="an mlwright ONNX export", is_export=is_export)
