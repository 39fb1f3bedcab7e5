"""LightGBM and XGBoost members as ONNX tree ensembles, read from each booster's own dump.

LightGBM compares doubles with double thresholds and sums in double, which the ensemble does
as it is; its categorical splits become set-membership splits. XGBoost reads inputs as float32
and adds its trees one by one in float32: the ensemble gives each tree's exact leaf value as its
own output, and a float32 running sum adds them in XGBoost's order, so even large regression
values come out bit for bit.
"""

from __future__ import annotations

import json

import numpy as np

from mlwright._types import Task
from mlwright.portable.onnx_graph import FLOAT, DOUBLE, Graph
from mlwright.portable.onnx_links import MemberInput, two_columns
from mlwright.portable.onnx_trees import Leaf, Split, TreeEnsemble, float32_below, float32_cut

#: LightGBM objectives whose raw score is the prediction.
_IDENTITY_OBJECTIVES = ("regression", "regression_l1", "huber", "fair", "quantile", "mape")


def lightgbm_member(graph: Graph, given: MemberInput) -> str:
    learner = given.member.learner
    dump = learner.booster_.dump_model(num_iteration=learner.iterations_)
    if dump.get("average_output"):
        raise given.refuse("a random-forest mode LightGBM (average_output) is not converted.")
    per_iteration = int(dump["num_tree_per_iteration"])
    ensemble = TreeEnsemble(per_iteration)
    for i, info in enumerate(dump["tree_info"]):
        ensemble.add(_lightgbm_node(info["tree_structure"], given), [i % per_iteration])
    raw = ensemble.emit(graph, given.matrix)
    objective, *options = str(dump["objective"]).split()
    if objective == "binary":
        scale = float(dict(o.split(":") for o in options).get("sigmoid", 1.0))
        scaled = raw if scale == 1.0 else graph.op("Mul", [raw, graph.const([[scale]])])
        return two_columns(graph, graph.op("Sigmoid", [scaled]))
    if objective == "multiclass":
        return graph.op("Softmax", [raw], axis=1)
    if objective in _IDENTITY_OBJECTIVES:
        return raw
    raise given.refuse(f"the LightGBM objective {objective!r} has no converter.")


def _lightgbm_node(node: dict, given: MemberInput) -> Leaf | Split:
    if "leaf_value" in node:
        return Leaf((float(node["leaf_value"]),))
    yes, no = _lightgbm_node(node["left_child"], given), _lightgbm_node(node["right_child"], given)
    feature = int(node["split_feature"])
    if node["decision_type"] == "==":  # categories listed go left; missing and the rest go right
        members = tuple(float(v) for v in str(node["threshold"]).split("||"))
        return Split(feature, 0.0, yes, no, missing_yes=False, members=members)
    threshold = float(node["threshold"])
    missing = node["missing_type"]
    if missing == "Zero":
        raise given.refuse(f"feature {feature} treats zero as missing (zero_as_missing), which has no ONNX split.")
    # without a learned direction LightGBM reads a missing value as 0.0
    missing_yes = bool(node["default_left"]) if missing == "NaN" else 0.0 <= threshold
    return Split(feature, threshold, yes, no, missing_yes)


def xgboost_member(graph: Graph, given: MemberInput) -> str:
    learner = json.loads(given.member.learner.booster_.save_raw(raw_format="json"))["learner"]
    booster = learner["gradient_booster"]
    if booster.get("name") != "gbtree":
        raise given.refuse(f"the XGBoost booster {booster.get('name')!r} is not converted (only gbtree).")
    trees, groups_of = booster["model"]["trees"], [int(g) for g in booster["model"]["tree_info"]]
    groups = max(groups_of, default=0) + 1
    rounds = max(np.bincount(groups_of, minlength=groups)) if groups_of else 0
    objective = learner["objective"]["name"]
    base = _xgboost_base_margins(learner, objective, groups)
    # targets: per group, the base margin first, then its trees in order
    ensemble = TreeEnsemble(groups * (rounds + 1))
    for group in range(groups):
        ensemble.add(Leaf((float(base[group]),)), [group * (rounds + 1)])
    placed = [0] * groups
    for tree, group in zip(trees, groups_of):
        placed[group] += 1
        ensemble.add(_xgboost_tree(tree, given), [group * (rounds + 1) + placed[group]])
    terms = graph.op("Cast", [ensemble.emit(graph, given.matrix)], to=FLOAT)
    terms = graph.op("Reshape", [terms, graph.const([-1, groups, rounds + 1], np.int64)])
    running = graph.op("CumSum", [terms, graph.const(2, np.int64)])
    margin = graph.op("Gather", [running, graph.const(rounds, np.int64)], axis=2)
    return _xgboost_link(graph, margin, objective, given)


def _xgboost_base_margins(learner: dict, objective: str, groups: int) -> np.ndarray:
    text = str(learner["learner_model_param"]["base_score"]).strip("[]")
    base = np.array([float(v) for v in text.split(",")], dtype=np.float32)
    base = np.broadcast_to(base, (groups,)) if base.size == 1 else base
    if objective == "binary:logistic":  # XGBoost keeps the probability and starts from its log-odds
        one = np.float32(1.0)
        base = -np.log(one / base - one)
    return base.astype(np.float32)


def _xgboost_tree(tree: dict, given: MemberInput) -> Leaf | Split:
    left, right = tree["left_children"], tree["right_children"]
    feature, condition = tree["split_indices"], tree["split_conditions"]
    default_left, kinds = tree["default_left"], tree.get("split_type", [0] * len(left))

    def node(i: int) -> Leaf | Split:
        if left[i] == -1:
            return Leaf((float(np.float32(condition[i])),))
        if kinds[i] != 0:
            raise given.refuse("the booster has categorical splits (enable_categorical), which are not converted.")
        # XGBoost goes left when float32(x) < condition
        cut = float32_cut(float32_below(condition[i]))
        return Split(int(feature[i]), cut, node(left[i]), node(right[i]), bool(default_left[i]))

    return node(0)


def _xgboost_link(graph: Graph, margin: str, objective: str, given: MemberInput) -> str:
    """XGBoost's transform in float32, as XGBoost computes it, then doubles as mlwright reads them."""
    if objective == "binary:logistic":
        positive = graph.op("Cast", [graph.op("Sigmoid", [margin])], to=DOUBLE)
        return two_columns(graph, positive)
    if objective == "multi:softprob":
        return graph.op("Cast", [graph.op("Softmax", [margin], axis=1)], to=DOUBLE)
    if objective == "reg:squarederror" and given.task is Task.REGRESSION:
        return graph.op("Cast", [margin], to=DOUBLE)
    raise given.refuse(f"the XGBoost objective {objective!r} has no converter.")
