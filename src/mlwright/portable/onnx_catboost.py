"""CatBoost members as ONNX tree ensembles, read from the model's JSON form.

An oblivious tree asks the same question at each depth; written out as an ordinary tree it
has ``2 ** depth`` leaves, the leaf index's bit ``i`` being the answer to split ``i``. Float
splits compare the float32 input with a float32 border (``float32_cut`` makes it a double split).

Categories reach CatBoost as mlwright's integer codes, a small known set per column (the fitted
categories, one code for unseen or rare values, and missing). A split on one category column —
a one-hot split or a target statistic (CTR) of that column alone — is a fixed function of the
code, so CatBoost itself is asked which way each code goes (``calc_leaf_indexes`` on one row per
code) and the split becomes a set-membership split. CTRs over combinations of columns would need
every combination of codes and are refused, naming the columns.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import numpy as np

from mlwright.features.parts import CategoricalPart
from mlwright.portable.onnx_graph import Graph
from mlwright.portable.onnx_links import MemberInput, spread_classes, two_columns
from mlwright.portable.onnx_trees import Leaf, Split, TreeEnsemble, float32_cut

#: The code mlwright gives CatBoost for a missing category.
MISSING_CODE = -1


def catboost_member(graph: Graph, given: MemberInput) -> str:
    model = given.member.learner.model_
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.json"
        model.save_model(str(path), format="json")
        dumped = json.loads(path.read_text(encoding="utf-8"))
    trees = dumped["oblivious_trees"]
    for tree in trees:  # a tree without splits is written with "splits": null
        tree["splits"] = tree.get("splits") or []
    dimension = len(trees[0]["leaf_values"]) >> len(trees[0]["splits"]) if trees else 1
    reader = _SplitReader(dumped, given)
    ensemble = TreeEnsemble(dimension)
    for t, tree in enumerate(trees):
        splits = [reader.split(s, t, level) for level, s in enumerate(tree["splits"])]
        ensemble.add(_expand(splits, tree["leaf_values"], dimension), range(dimension))
    scale, bias = dumped.get("scale_and_bias", [1.0, [0.0] * dimension])
    raw = graph.op("Add", [graph.op("Mul", [ensemble.emit(graph, given.matrix), graph.const([[float(scale)]])]),
                           graph.const([np.asarray(bias, dtype=np.float64)])])
    loss = str(dumped["model_info"]["params"]["loss_function"]["type"])
    if loss == "RMSE":
        return raw
    seen = [int(c) for c in model.classes_]
    if loss == "Logloss":
        proba = two_columns(graph, graph.op("Sigmoid", [raw]))
    elif loss == "MultiClass":
        proba = graph.op("Softmax", [raw], axis=1)
    else:
        raise given.refuse(f"the CatBoost loss {loss!r} has no converter.")
    return spread_classes(graph, proba, seen, given.n_classes)


def _expand(splits: list[tuple], leaf_values: list[float], dimension: int) -> Leaf | Split:
    """The oblivious tree as an ordinary one: depth ``i`` asks split ``i``; "yes" is its bit 0."""
    def node(level: int, index: int) -> Leaf | Split:
        if level == len(splits):
            return Leaf(tuple(float(v) for v in leaf_values[index * dimension:(index + 1) * dimension]))
        feature, threshold, missing_yes, members = splits[level]
        return Split(feature, threshold, node(level + 1, index), node(level + 1, index | (1 << level)),
                     missing_yes, members)
    return node(0, 0)


class _SplitReader:
    """Turns each split of the JSON model into ``(feature, threshold, missing_yes, members)``."""

    def __init__(self, dumped: dict, given: MemberInput):
        info = dumped["features_info"]
        self.given = given
        self.floats = {f["feature_index"]: f for f in info.get("float_features", [])}
        self.categories = {f["feature_index"]: int(f["flat_feature_index"])
                           for f in info.get("categorical_features", [])}
        # split_index counts the model's float borders first, then its one-hot values, then its
        # CTR borders (the model keeps only those its trees use)
        splits = [s for tree in dumped["oblivious_trees"] for s in tree["splits"]]
        offset = sum(len(f.get("borders", [])) for f in info.get("float_features", []))
        offset += len({(s["cat_feature_index"], s["value"]) for s in splits if s["split_type"] == "OneHotFeature"})
        self.ctr_of: dict[int, tuple[dict, float]] = {}
        for ctr in info.get("ctrs", []):
            for border in ctr["borders"]:
                self.ctr_of[offset] = ctr, float(border)
                offset += 1
        self._bits: dict[int, np.ndarray] = {}

    def split(self, split: dict, tree: int, level: int) -> tuple:
        kind = split["split_type"]
        if kind == "FloatFeature":
            feature = self.floats[split["float_feature_index"]]
            # CatBoost's bit is float32(x) > border; "yes" is bit 0
            missing_yes = feature.get("nan_value_treatment", "AsIs") != "AsTrue"
            return int(feature["flat_feature_index"]), float32_cut(float(split["border"])), missing_yes, ()
        if kind == "OneHotFeature":
            return self._by_code(self.categories[split["cat_feature_index"]], tree, level)
        if kind == "OnlineCtr":
            ctr, border = self.ctr_of.get(split["split_index"], ({}, None))
            if border != float(split["border"]):
                raise self.given.refuse("a target-statistic split could not be matched with its statistic.")
            elements = ctr["elements"]
            if len(elements) != 1 or elements[0].get("combination_element") != "cat_feature_value":
                raise self._combination(elements)
            return self._by_code(self.categories[elements[0]["cat_feature_index"]], tree, level)
        raise self.given.refuse(f"CatBoost splits of type {kind!r} are not converted.")

    def _by_code(self, flat: int, tree: int, level: int) -> tuple:
        """A split on one category column: the codes CatBoost sends to bit 0 become the members."""
        codes, bits = self._code_bits(flat)
        bit = (bits[:, tree] >> level) & 1
        missing_yes = bool(bit[codes == MISSING_CODE][0] == 0)
        members = tuple(float(c) for c in codes[(bit == 0) & (codes != MISSING_CODE)])
        if not members:  # no code answers "yes": a split no number passes
            return flat, float("-inf"), missing_yes, ()
        return flat, 0.0, missing_yes, members

    def _code_bits(self, flat: int) -> tuple[np.ndarray, np.ndarray]:
        """Every code of the column, and each tree's leaf index for a row holding that code."""
        codes = np.arange(MISSING_CODE, self._code_count(flat) + 1)
        if flat not in self._bits:
            self._bits[flat] = self._leaf_indexes(flat, codes)
        return codes, self._bits[flat]

    def _code_count(self, flat: int) -> int:
        """Codes a column can take: one per fitted category, and one for unseen or rare values."""
        name = self.given.encoder.feature_sources_[flat]
        part = next(p for p in self.given.encoder.parts_ if p.name == name and isinstance(p, CategoricalPart))
        return len(part.categories)

    def _leaf_indexes(self, flat: int, codes: np.ndarray) -> np.ndarray:
        categorical = sorted(self.categories.values())
        width = len(self.given.encoder.feature_names_)
        data = np.zeros((len(codes), width), dtype=object)
        for i in range(width):  # the other columns' values do not matter: only this split's bit is read
            data[:, i] = 0 if i in categorical else 0.0
        data[:, flat] = codes
        from catboost import Pool  # only models with CatBoost members need it

        model = self.given.member.learner.model_
        return np.asarray(model.calc_leaf_indexes(Pool(data, cat_features=categorical)), dtype=np.int64)

    def _combination(self, elements: list[dict]):
        flats = [self.categories[e["cat_feature_index"]] for e in elements if "cat_feature_index" in e]
        flats += [int(self.floats[e["float_feature_index"]]["flat_feature_index"])
                  for e in elements if "float_feature_index" in e]
        names = sorted({self.given.encoder.feature_sources_[flat] for flat in flats})
        return self.given.refuse(
            f"it splits on target statistics of a combination of columns ({', '.join(names)}), whose values "
            "ONNX cannot look up.")
