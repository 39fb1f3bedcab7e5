"""What every member converter shares: its inputs, and the shapes of its answer.

A member's sub-graph takes its style's feature matrix (rows x features, double) and answers as
the learner's ``predict`` does: probabilities over every class of the model (rows x classes) for
classifiers, values (rows x 1) for regression, all in double.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mlwright._types import Task
from mlwright.features import TableEncoder
from mlwright.portable.onnx_graph import Graph
from mlwright.portable.refusal import CannotConvert
from mlwright.predictor import Member


@dataclass(frozen=True)
class MemberInput:
    """One member to convert, the matrix tensor its style's encoder makes, and the model's task."""

    member: Member
    matrix: str
    encoder: TableEncoder
    task: Task
    n_classes: int

    def refuse(self, reason: str) -> CannotConvert:
        return CannotConvert.member(self.member.name, self.member.family, reason)


def two_columns(graph: Graph, positive: str) -> str:
    """``[1 - p, p]`` from the positive class's probability (rows x 1), as ``binary_to_two_columns``."""
    negative = graph.op("Sub", [graph.const([[1.0]]), positive])
    return graph.op("Concat", [negative, positive], axis=1)


def spread_classes(graph: Graph, proba: str, seen, n_classes: int) -> str:
    """Probabilities over the classes a learner saw, spread over all classes (``align_proba``):
    a product with a 0/1 matrix, exact since every other term is a zero."""
    seen = [int(c) for c in seen]
    if seen == list(range(n_classes)):
        return proba
    placement = np.zeros((len(seen), n_classes))
    placement[np.arange(len(seen)), seen] = 1.0
    return graph.op("MatMul", [proba, graph.const(placement)])


def column(graph: Graph, matrix: str, index: int) -> str:
    """One column of a (rows x k) tensor, kept two-dimensional."""
    return graph.op("Slice", [matrix, graph.const([index], np.int64), graph.const([index + 1], np.int64),
                              graph.const([1], np.int64)])
