"""The scikit-learn members as ONNX: forests as tree ensembles, linear models and k-NN as algebra.

Each follows the arithmetic of the scikit-learn call mlwright makes (``predict_proba`` or
``predict``) in double precision: forests average per-tree class shares (scikit-learn reads
inputs as float32, which ``float32_cut`` reproduces), linear models are a product and a link,
k-NN ranks the same distances and votes with the same weights and smoothing.
"""

from __future__ import annotations

import numpy as np

from mlwright._types import Task
from mlwright.models.base import align_proba
from mlwright.portable.onnx_graph import DOUBLE, Graph
from mlwright.portable.onnx_links import MemberInput, spread_classes, two_columns
from mlwright.portable.onnx_trees import Leaf, Split, TreeEnsemble, float32_cut


def forest_member(graph: Graph, given: MemberInput) -> str:
    forest = given.member.learner.model_
    seen = getattr(forest, "classes_", None)
    # binary forests need only the positive class's share: the other is one minus it
    columns = [0] if seen is None else [1] if len(seen) == 2 else list(range(len(seen)))
    ensemble = TreeEnsemble(len(columns))
    for estimator in forest.estimators_:
        ensemble.add(_sklearn_tree(estimator.tree_, seen is not None, columns), range(len(columns)))
    mean = graph.op("Div", [ensemble.emit(graph, given.matrix), graph.const([[float(len(forest.estimators_))]])])
    if seen is None:
        return mean
    proba = two_columns(graph, mean) if len(seen) == 2 else mean
    return spread_classes(graph, proba, seen, given.n_classes)


def _sklearn_tree(tree, classifier: bool, columns: list[int]) -> Leaf | Split:
    value = tree.value[:, 0, :] if tree.value.shape[1] == 1 else tree.value[:, :, 0]
    if classifier:  # as DecisionTreeClassifier.predict_proba: shares of the leaf's samples
        total = value.sum(axis=1, keepdims=True)
        value = value / np.where(total == 0.0, 1.0, total)
    value = value[:, columns]
    missing_left = getattr(tree, "missing_go_to_left", np.zeros(tree.node_count, dtype=np.uint8))
    nodes: list[Leaf | Split | None] = [None] * tree.node_count
    for i in reversed(range(tree.node_count)):  # children always come after their parent
        left, right = tree.children_left[i], tree.children_right[i]
        if left < 0:
            nodes[i] = Leaf(tuple(float(v) for v in value[i]))
        else:
            nodes[i] = Split(int(tree.feature[i]), float32_cut(float(tree.threshold[i])), nodes[left], nodes[right],
                             bool(missing_left[i]))
    return nodes[0]


def linear_member(graph: Graph, given: MemberInput) -> str:
    model = given.member.learner.model_
    coef = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
    intercept = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
    scores = graph.op("Add", [graph.op("MatMul", [given.matrix, graph.const(coef.T)]), graph.const(intercept[None, :])])
    if given.task is Task.REGRESSION:
        return scores
    seen = given.member.learner.seen_
    proba = two_columns(graph, graph.op("Sigmoid", [scores])) if len(seen) == 2 else graph.op(
        "Softmax", [scores], axis=1)
    return spread_classes(graph, proba, seen, given.n_classes)


def knn_member(graph: Graph, given: MemberInput) -> str:
    """The k nearest training rows, their weights, then the vote (or weighted mean) and mlwright's
    smoothing towards the class shares, as scikit-learn's ``predict_proba`` and ``predict`` do."""
    learner = given.member.learner
    model = learner.model_
    fit_x = np.asarray(model._fit_X, dtype=np.float64)
    k = min(int(model.n_neighbors), len(fit_x))
    x = given.matrix
    squared = graph.op("Sub", [graph.op("ReduceSumSquare", [x, graph.const([1], np.int64)], keepdims=1),
                               graph.op("Mul", [graph.op("MatMul", [x, graph.const(fit_x.T)]), graph.const(2.0)])])
    squared = graph.op("Add", [squared, graph.const((fit_x ** 2).sum(axis=1)[None, :])])
    distances = graph.op("Sqrt", [graph.op("Max", [squared, graph.const(0.0)])])
    _, index = graph.op("TopK", [distances, graph.const([k], np.int64)], n_out=2, axis=1, largest=0, sorted=1)
    # as scikit-learn: neighbours found by the expanded form, their distances then computed exactly
    # (the expanded form cancels badly near zero, and an exact match must weigh alone)
    offsets = graph.op("Sub", [graph.op("Gather", [graph.const(fit_x), index], axis=0),
                               graph.op("Unsqueeze", [x, graph.const([1], np.int64)])])
    near = graph.op("Sqrt", [graph.op("ReduceSumSquare", [offsets, graph.const([2], np.int64)], keepdims=0)])
    weights = _weights(graph, near, model.weights)
    total = graph.op("ReduceSum", [weights, graph.const([1], np.int64)], keepdims=1)
    if given.task is Task.REGRESSION:
        targets = graph.op("Gather", [graph.const(np.asarray(model._y, dtype=np.float64)), index], axis=0)
        weighted = graph.op("Mul", [targets, weights])
        return graph.op("Div", [graph.op("ReduceSum", [weighted, graph.const([1], np.int64)], keepdims=1), total])
    n_seen = len(model.classes_)
    one_hot = np.eye(n_seen)[np.asarray(model._y, dtype=int)]
    votes = graph.op("Mul", [graph.op("Gather", [graph.const(one_hot), index], axis=0),
                             graph.op("Unsqueeze", [weights, graph.const([2], np.int64)])])
    votes = graph.op("ReduceSum", [votes, graph.const([1], np.int64)], keepdims=0)
    proba = graph.op("Div", [votes, graph.op("ReduceSum", [votes, graph.const([1], np.int64)], keepdims=1)])
    proba = spread_classes(graph, proba, learner.seen_, given.n_classes)
    counts = np.bincount(np.asarray(model._y, dtype=int), minlength=n_seen).astype(float)
    prior = align_proba((counts / counts.sum())[None, :], learner.seen_, given.n_classes)
    neighbours = float(model.n_neighbors)
    smoothed = graph.op("Add", [graph.op("Mul", [proba, graph.const(neighbours)]), graph.const(prior)])
    return graph.op("Div", [smoothed, graph.const(neighbours + 1.0)])


def _weights(graph: Graph, near: str, kind: str) -> str:
    """Neighbour weights: ones, or inverse distances where a row with an exact match (distance 0)
    gives all its weight to its exact matches."""
    if kind != "distance":
        return graph.op("Add", [graph.op("Mul", [near, graph.const(0.0)]), graph.const(1.0)])
    inverse = graph.op("Reciprocal", [near])
    exact = graph.op("Cast", [graph.op("IsInf", [inverse])], to=DOUBLE)
    any_exact = graph.op("Greater", [graph.op("ReduceMax", [exact, graph.const([1], np.int64)], keepdims=1),
                                     graph.const(0.0)])
    return graph.op("Where", [any_exact, exact, inverse])
