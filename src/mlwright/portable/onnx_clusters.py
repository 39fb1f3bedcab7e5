"""A clustering model as one ONNX graph: the inputs, the same encoder as every export, the column
scale, then the nearest centre (k-means, Ward, HDBSCAN's groups) or the most probable Gaussian
component, as an ``int64`` output ``cluster``.

Distances are computed as |x|^2 - 2 x.c + |c|^2, which may order two all but equidistant
centres differently from the model's direct differences; the export's test checks the clusters
agree on held-out rows.
"""

from __future__ import annotations

import numpy as np

from mlwright.portable.onnx_features import add_inputs, column_refusals, encode
from mlwright.portable.onnx_graph import INT64, Graph
from mlwright.portable.refusal import CannotConvert
from mlwright.unsupervised.assign import CentroidAssigner, GaussianAssigner


def build_cluster_graph(model) -> Graph:
    refusals = column_refusals(model.schema)
    if refusals:
        raise CannotConvert.combined(refusals)
    graph = Graph("mlwright")
    inputs = add_inputs(graph, model.schema)
    X = graph.op("Div", [encode(graph, model.encoder, inputs), graph.const(model.scale[None, :])])
    if isinstance(model.assigner, CentroidAssigner):
        scores = _minus_squared_distances(graph, X, model.assigner.centres)
    elif isinstance(model.assigner, GaussianAssigner):
        scores = _log_densities(graph, X, model.assigner)
    else:  # pragma: no cover - every assigner the search makes is above
        raise CannotConvert(f"no ONNX form for {type(model.assigner).__name__}.", where="clustering model",
                            fix="serve it with the default runtime (mlwright serve MODEL).")
    cluster = graph.op("ArgMax", [scores], axis=1, keepdims=0)
    graph.output(cluster, "cluster", INT64, [None])
    return graph


def _minus_squared_distances(graph: Graph, X: str, centres: np.ndarray) -> str:
    """-(|x|^2 - 2 x.c + |c|^2) for each row and centre: the largest is the nearest centre."""
    rows = graph.op("ReduceSum", [graph.op("Mul", [X, X]), graph.const([1], np.int64)], keepdims=1)
    cross = graph.op("MatMul", [X, graph.const(centres.T.copy())])
    squared = graph.op("Add", [graph.op("Sub", [rows, graph.op("Mul", [cross, graph.const(2.0)])]),
                              graph.const((centres ** 2).sum(axis=1)[None, :])])
    return graph.op("Neg", [squared])


def _log_densities(graph: Graph, X: str, mixture: GaussianAssigner) -> str:
    """log(weight) + log N(x | component) per component, as ``GaussianAssigner.log_densities``."""
    n_features = mixture.means.shape[1]
    columns = []
    for k in range(mixture.n_clusters):
        factor = mixture.precisions_cholesky[k]
        if factor.ndim == 2:
            y = graph.op("Sub", [graph.op("MatMul", [X, graph.const(factor)]), graph.const(mixture.means[k] @ factor)])
            log_det = float(np.log(np.diag(factor)).sum())
        else:
            y = graph.op("Mul", [graph.op("Sub", [X, graph.const(mixture.means[k])]), graph.const(factor)])
            log_det = float(np.log(factor).sum())
        quadratic = graph.op("ReduceSum", [graph.op("Mul", [y, y]), graph.const([1], np.int64)], keepdims=1)
        constant = -0.5 * n_features * np.log(2 * np.pi) + log_det + float(np.log(mixture.weights[k]))
        columns.append(graph.op("Add", [graph.op("Mul", [quadratic, graph.const(-0.5)]), graph.const(constant)]))
    return graph.op("Concat", columns, axis=1)
