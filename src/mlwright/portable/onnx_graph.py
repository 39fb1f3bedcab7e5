"""A small ONNX graph builder: the one place that knows node names, constants and opsets.

The converters of features, members and the decision each add nodes through ``Graph`` and pass
tensor names around, so none of them spells out ``onnx.helper`` calls or worries that two
nodes share a name.
"""

from __future__ import annotations

import itertools

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

#: Opsets the exported graphs use: ai.onnx.ml 5 brings ``TreeEnsemble`` with double thresholds,
#: double leaf values and set-membership splits, which exact agreement needs.
OPSETS = {"": 21, "ai.onnx.ml": 5}
#: The newest ONNX file format that onnxruntime releases of the last two years read.
IR_VERSION = 10
ML = "ai.onnx.ml"

DOUBLE, FLOAT, INT64, STRING, BOOL = (TensorProto.DOUBLE, TensorProto.FLOAT, TensorProto.INT64,
                                      TensorProto.STRING, TensorProto.BOOL)


class Graph:
    """Nodes, constants, inputs and outputs of one graph under construction."""

    def __init__(self, name: str):
        self.name = name
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.inputs: list[onnx.ValueInfoProto] = []
        self.outputs: list[onnx.ValueInfoProto] = []
        self._ids = itertools.count()

    def fresh(self, hint: str) -> str:
        """A tensor name no other tensor has (inputs keep the model's column names)."""
        return f"mlwright/{hint}/{next(self._ids)}"

    def input(self, name: str, element_type: int, width: int = 1) -> str:
        self.inputs.append(helper.make_tensor_value_info(name, element_type, [None, width]))
        return name

    def output(self, tensor: str, name: str, element_type: int, shape: list) -> None:
        self.op("Identity", [tensor], outputs=[name])
        self.outputs.append(helper.make_tensor_value_info(name, element_type, shape))

    def const(self, value, dtype=np.float64, hint: str = "const") -> str:
        name = self.fresh(hint)
        self.initializers.append(numpy_helper.from_array(np.asarray(value, dtype=dtype), name))
        return name

    def op(self, op_type: str, inputs: list[str], *, outputs: list[str] | None = None, n_out: int = 1,
           domain: str = "", **attributes) -> str | list[str]:
        """Add one node; returns its output name (or names when ``n_out`` > 1)."""
        outputs = outputs or [self.fresh(op_type.lower()) for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outputs, name=self.fresh(f"node/{op_type}"),
                                           domain=domain, **attributes))
        return outputs[0] if len(outputs) == 1 else outputs

    def model(self, metadata: dict[str, str] | None = None) -> onnx.ModelProto:
        graph = helper.make_graph(self.nodes, self.name, self.inputs, self.outputs, self.initializers)
        model = helper.make_model(graph, producer_name="mlwright", ir_version=IR_VERSION,
                                  opset_imports=[helper.make_opsetid(d, v) for d, v in OPSETS.items()])
        helper.set_model_props(model, metadata or {})
        return model


def tensor(values, dtype) -> onnx.TensorProto:
    """An attribute tensor (thresholds, leaf values) with an exact element type."""
    return numpy_helper.from_array(np.asarray(values, dtype=dtype))
