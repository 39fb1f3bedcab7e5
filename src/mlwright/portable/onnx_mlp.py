"""The tabular network as ONNX: the NumPy forward pass of ``models.mlp_network``, node for node.

In double precision, as NumPy runs it (the weights were trained in float32 and are widened):
soft clipping, the learned scale per column, the periodic embeddings as a batched product per embedded column, the SiLU
layers, and a softmax or the scaled-back value.
"""

from __future__ import annotations

import numpy as np

from mlwright._types import Task
from mlwright.models.mlp_network import CLIP_SCALE
from mlwright.portable.onnx_graph import Graph
from mlwright.portable.onnx_links import MemberInput, column


def mlp_member(graph: Graph, given: MemberInput) -> str:
    network = given.member.learner.network_
    x = given.matrix
    scaled = graph.op("Div", [x, graph.const(CLIP_SCALE)])
    clipped = graph.op("Div", [x, graph.op("Sqrt", [graph.op("Add", [graph.const(1.0),
                                                                     graph.op("Mul", [scaled, scaled])])])])
    clipped = graph.op("Mul", [clipped, graph.const(network.feature_scale[None, :])])
    hidden = clipped
    if len(network.embedded):
        picked = graph.op("Gather", [clipped, graph.const(network.embedded, np.int64)], axis=1)  # rows x E
        picked = graph.op("Unsqueeze", [picked, graph.const([2], np.int64)])  # rows x E x 1
        angles = graph.op("Mul", [graph.op("Mul", [graph.const(2.0 * np.pi), picked]),
                                  graph.const(network.frequencies[None, :, :])])
        angles = graph.op("Add", [angles, graph.const(network.phases[None, :, :])])
        waves = graph.op("Transpose", [graph.op("Cos", [angles])], perm=[1, 0, 2])  # E x rows x k
        embedded = graph.op("MatMul", [waves, graph.const(network.embed_weight)])  # E x rows x d
        embedded = graph.op("Relu", [graph.op("Add", [embedded, graph.const(network.embed_bias[:, None, :])])])
        embedded = graph.op("Transpose", [embedded], perm=[1, 0, 2])  # rows x E x d
        width = len(network.embedded) * network.embed_bias.shape[1]
        embedded = graph.op("Reshape", [embedded, graph.const([-1, width], np.int64)])
        hidden = graph.op("Concat", [clipped, embedded], axis=1)
    for index, (weight, bias) in enumerate(network.layers):
        hidden = graph.op("Add", [graph.op("MatMul", [hidden, graph.const(weight)]), graph.const(bias[None, :])])
        if index < len(network.layers) - 1:
            hidden = graph.op("Mul", [hidden, graph.op("Sigmoid", [hidden])])
    if given.task is Task.REGRESSION:
        value = graph.op("Mul", [column(graph, hidden, 0), graph.const(network.target_scale)])
        return graph.op("Add", [value, graph.const(network.target_mean)])
    return graph.op("Softmax", [hidden], axis=1)
