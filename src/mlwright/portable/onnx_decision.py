"""The blend, the calibrator, the second layer and the decision as ONNX, so that any runtime
gets the model's answer.

The graph's outputs are the calibrated probabilities (or the blended values) in double, and for
classifiers the index of the predicted class under the model's threshold or the top class; they
repeat ``TrainedModel.blend``, ``Calibrator.apply``, ``Stacker.apply`` and
``Decision.label_indices`` step by step.
"""

from __future__ import annotations

import numpy as np

from mlwright.ensemble.stacking import Stacker
from mlwright.evaluate.calibrator import _EPS, Calibrator
from mlwright.evaluate.decision import Decision
from mlwright.portable.onnx_graph import INT64, Graph
from mlwright.portable.onnx_links import column, two_columns


def blend(graph: Graph, outputs: list[tuple[str, float]]) -> str:
    """The members' outputs times their weights, added in the members' order."""
    total = None
    for tensor_name, weight in outputs:
        weighted = graph.op("Mul", [tensor_name, graph.const(float(weight))])
        total = weighted if total is None else graph.op("Add", [total, weighted])
    return total


def second_layer(graph: Graph, outputs: dict[str, str], stacker: Stacker) -> str:
    """``Stacker.apply``: each member's features (value, log-odds or centred log probabilities),
    side by side, times the layer's coefficients, through its link."""
    features = []
    for name in stacker.members:
        output = outputs[name]
        if stacker.kind == "regression":
            features.append(graph.op("Reshape", [output, graph.const([-1, 1], np.int64)]))
            continue
        logs = graph.op("Log", [graph.op("Clip", [output, graph.const(_EPS), graph.const(1.0)])])
        if stacker.kind == "binary":
            features.append(graph.op("Sub", [column(graph, logs, 1), column(graph, logs, 0)]))
        else:
            mean = graph.op("ReduceMean", [logs, graph.const([1], np.int64)], keepdims=1)
            features.append(graph.op("Sub", [logs, mean]))
    matrix = features[0] if len(features) == 1 else graph.op("Concat", features, axis=1)
    margin = graph.op("Add", [graph.op("MatMul", [matrix, graph.const(stacker.coef.T)]),
                              graph.const(stacker.intercept[None, :])])
    if stacker.kind == "regression":
        return margin
    if stacker.kind == "binary":
        return two_columns(graph, graph.op("Sigmoid", [margin]))
    return graph.op("Softmax", [margin], axis=1)


def calibrate(graph: Graph, proba: str, calibrator: Calibrator | None, n_classes: int) -> str:
    if calibrator is None:
        return proba
    if n_classes == 2:
        return two_columns(graph, _curve(graph, calibrator, calibrator.curves[0], column(graph, proba, 1)))
    columns = [_curve(graph, calibrator, curve, column(graph, proba, i)) for i, curve in enumerate(calibrator.curves)]
    stacked = graph.op("Concat", columns, axis=1)
    total = graph.op("ReduceSum", [stacked, graph.const([1], np.int64)], keepdims=1)
    positive = graph.op("Greater", [total, graph.const(0.0)])
    divisor = graph.op("Where", [positive, total, graph.const(1.0)])
    return graph.op("Where", [positive, graph.op("Div", [stacked, divisor]), proba])


def _curve(graph: Graph, calibrator: Calibrator, curve: dict, p: str) -> str:
    if calibrator.method == "platt":
        one = graph.const(1.0)
        low, high = graph.const(_EPS), graph.const(1 - _EPS)
        odds = graph.op("Div", [graph.op("Clip", [p, low, high]),
                                graph.op("Clip", [graph.op("Sub", [one, p]), low, high])])
        z = graph.op("Add", [graph.op("Mul", [graph.op("Log", [odds]), graph.const(float(curve["a"]))]),
                             graph.const(float(curve["b"]))])
        return graph.op("Div", [one, graph.op("Add", [one, graph.op("Exp", [graph.op("Neg", [z])])])])
    return _interpolate(graph, p, np.asarray(curve["x"], dtype=np.float64), np.asarray(curve["y"], dtype=np.float64))


def _interpolate(graph: Graph, p: str, x: np.ndarray, y: np.ndarray) -> str:
    """``np.interp(p, x, y)``: the segment whose left knot is the last one not above p, flat outside."""
    if len(x) == 1:
        return graph.op("Add", [graph.op("Mul", [p, graph.const(0.0)]), graph.const(float(y[0]))])
    clipped = graph.op("Clip", [p, graph.const(float(x[0])), graph.const(float(x[-1]))])
    passed = graph.op("GreaterOrEqual", [clipped, graph.const(x[None, 1:-1])])
    segment = graph.op("ReduceSum", [graph.op("Cast", [passed], to=INT64), graph.const([1], np.int64)], keepdims=0)
    slopes = (y[1:] - y[:-1]) / (x[1:] - x[:-1])

    def at_segment(values: np.ndarray) -> str:
        picked = graph.op("Gather", [graph.const(values), segment], axis=0)
        return graph.op("Unsqueeze", [picked, graph.const([1], np.int64)])

    offset = graph.op("Sub", [clipped, at_segment(x[:-1])])
    return graph.op("Add", [graph.op("Mul", [at_segment(slopes), offset]), at_segment(y[:-1])])


def label_index(graph: Graph, proba: str, decision: Decision, n_classes: int) -> str:
    """The predicted class's index (rows,): the binary threshold when there is one, else the top class."""
    if decision.threshold is not None and n_classes == 2:
        chosen = graph.op("GreaterOrEqual", [column(graph, proba, 1), graph.const(float(decision.threshold))])
        return graph.op("Reshape", [graph.op("Cast", [chosen], to=INT64), graph.const([-1], np.int64)])
    return graph.op("ArgMax", [proba], axis=1, keepdims=0)
