"""Which converter writes each model family as ONNX: a table, like the family registry itself.

A family missing from ``CONVERTERS`` is refused by name; a converter that meets something it
cannot write faithfully (an objective, a kind of split) refuses with the reason.
"""

from __future__ import annotations

from typing import Callable

from mlwright.portable.onnx_boosters import lightgbm_member, xgboost_member
from mlwright.portable.onnx_catboost import catboost_member
from mlwright.portable.onnx_graph import Graph
from mlwright.portable.onnx_links import MemberInput
from mlwright.portable.onnx_mlp import mlp_member
from mlwright.portable.onnx_sklearn import forest_member, knn_member, linear_member

#: family name -> converter(graph, member input) returning the member's output tensor.
CONVERTERS: dict[str, Callable[[Graph, MemberInput], str]] = {
    "lightgbm": lightgbm_member,
    "xgboost": xgboost_member,
    "catboost": catboost_member,
    "extra_trees": forest_member,
    "random_forest": forest_member,
    "linear": linear_member,
    "knn": knn_member,
    "mlp": mlp_member,
}


def convert_member(graph: Graph, given: MemberInput) -> str:
    """The member's output tensor: probabilities over every class (rows x classes) or values (rows x 1)."""
    converter = CONVERTERS.get(given.member.family)
    if converter is None:
        raise given.refuse(f"the family {given.member.family!r} has no ONNX converter.")
    return converter(graph, given)
