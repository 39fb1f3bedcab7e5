"""Decision trees as ONNX ``TreeEnsemble`` nodes (ai.onnx.ml opset 5), in double precision.

Every tree family is read into the same small form (``Split`` and ``Leaf``), and one emitter
writes it. Double thresholds, double leaf values and double sums are what make the ONNX graph
agree with the libraries to far better than 1e-5; the float32 thresholds of the usual
converters send inputs that lie between the two roundings of a threshold down the wrong branch.

Libraries that read their inputs as float32 (scikit-learn trees, XGBoost, CatBoost) split on the
rounded value; ``float32_cut`` turns their threshold into the double threshold that sends every
double input the same way, so the graph still takes doubles and agrees with them exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mlwright.portable.onnx_graph import ML, Graph, tensor

BRANCH_LEQ, BRANCH_MEMBER = 0, 6
SUM = 1


@dataclass(slots=True)
class Leaf:
    """A leaf: one value per output of its tree (one per class for multi-output trees)."""

    values: tuple[float, ...]


@dataclass(slots=True)
class Split:
    """``x[feature] <= threshold`` goes to ``yes`` — or, when ``members`` is given, ``x[feature]``
    being one of them does; a missing value goes to ``yes`` when ``missing_yes``."""

    feature: int
    threshold: float
    yes: "Leaf | Split"
    no: "Leaf | Split"
    missing_yes: bool
    members: tuple[float, ...] = ()


Node = Leaf | Split


def float32_cut(threshold: float) -> float:
    """The double ``d`` for which ``float32(x) <= threshold`` exactly when ``x <= d``, for every double x.

    ``float32(x)`` rounds to nearest, ties to even: values up to the midpoint between the largest
    float32 not above the threshold and the next float32 round down to it (the midpoint itself only
    when that float32 is even), so the cut is that midpoint, or the double just below it.
    """
    low = np.float32(threshold)
    if float(low) > threshold:
        low = np.nextafter(low, np.float32(-np.inf))
    high = np.nextafter(low, np.float32(np.inf))
    if np.isinf(high):
        return float("inf")
    middle = (float(low) + float(high)) / 2.0
    even = int(np.asarray(low).view(np.uint32)) & 1 == 0
    return middle if even else float(np.nextafter(middle, -np.inf))


def float32_below(value: float) -> float:
    """The float32 just below ``value`` (a float32): ``float32(x) < value`` is ``float32(x) <= float32_below(value)``
    (XGBoost's strict splits become ``<=`` splits)."""
    return float(np.nextafter(np.float32(value), np.float32(-np.inf)))


class TreeEnsemble:
    """Trees collected for one ``TreeEnsemble`` node whose outputs are summed per target."""

    def __init__(self, n_targets: int):
        self.n_targets = n_targets
        self.roots: list[int] = []
        self.features: list[int] = []
        self.modes: list[int] = []
        self.splits: list[float] = []
        self.missing_yes: list[int] = []
        self.members: list[float] = []
        self.yes_ids: list[int] = []
        self.yes_leaf: list[int] = []
        self.no_ids: list[int] = []
        self.no_leaf: list[int] = []
        self.leaf_targets: list[int] = []
        self.leaf_values: list[float] = []

    def add(self, root: Node, targets: Sequence[int]) -> None:
        """Add a tree whose leaves hold one value per target in ``targets`` (written once per target)."""
        if isinstance(root, Leaf):  # a tree without a split still needs a root node
            root = Split(0, 0.0, root, Leaf(root.values), True)
        for column, target in enumerate(targets):
            self._add_one(root, column, target)

    def _add_one(self, root: Split, column: int, target: int) -> None:
        self.roots.append(len(self.modes))
        stack: list[tuple[Node, int, bool]] = [(root, -1, True)]
        while stack:
            node, parent, is_yes = stack.pop()
            if isinstance(node, Leaf):
                index, is_leaf = len(self.leaf_values), 1
                self.leaf_values.append(float(node.values[column]))
                self.leaf_targets.append(target)
            else:
                index, is_leaf = self._add_split(node), 0
                stack.append((node.no, index, False))
                stack.append((node.yes, index, True))
            if parent >= 0:
                (self.yes_ids if is_yes else self.no_ids)[parent] = index
                (self.yes_leaf if is_yes else self.no_leaf)[parent] = is_leaf

    def _add_split(self, node: Split) -> int:
        index = len(self.modes)
        self.features.append(int(node.feature))
        self.missing_yes.append(int(node.missing_yes))
        if node.members:
            self.modes.append(BRANCH_MEMBER)
            self.splits.append(0.0)
            self.members.extend([*map(float, node.members), float("nan")])
        else:
            self.modes.append(BRANCH_LEQ)
            self.splits.append(float(node.threshold))
        for side in (self.yes_ids, self.yes_leaf, self.no_ids, self.no_leaf):
            side.append(0)
        return index

    def emit(self, graph: Graph, matrix: str) -> str:
        """The node on ``matrix`` (rows x features, double); returns the (rows x targets) sums."""
        members = {"membership_values": tensor(self.members, np.float64)} if self.members else {}
        return graph.op(
            "TreeEnsemble", [matrix], domain=ML, n_targets=self.n_targets, aggregate_function=SUM,
            post_transform=0, tree_roots=self.roots, nodes_featureids=self.features,
            nodes_modes=tensor(self.modes, np.uint8), nodes_splits=tensor(self.splits, np.float64),
            nodes_truenodeids=self.yes_ids, nodes_trueleafs=self.yes_leaf, nodes_falsenodeids=self.no_ids,
            nodes_falseleafs=self.no_leaf, nodes_missing_value_tracks_true=self.missing_yes,
            leaf_targetids=self.leaf_targets, leaf_weights=tensor(self.leaf_values, np.float64), **members)

