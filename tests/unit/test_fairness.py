import json

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import demographic_parity_difference, demographic_parity_ratio, equalized_odds_difference

from mlwright.errors import ConfigError, DataError
from mlwright.evaluate.fairness import fairness_audit, resolve_sensitive

CLASSES = ["no", "yes"]


def _block(rows: int, positives: int, true_pos: int, false_pos: int) -> tuple[list, list]:
    """Labels and predictions of one group with exactly the given confusion counts."""
    y_true = ["yes"] * positives + ["no"] * (rows - positives)
    y_pred = (["yes"] * true_pos + ["no"] * (positives - true_pos)
              + ["yes"] * false_pos + ["no"] * (rows - positives - false_pos))
    return y_true, y_pred


def _biased(extra_small: int = 0):
    """A: 100 rows, 50 positives, 45 found, 15 false alarms (selection 0.60, TPR 0.90, FPR 0.30).
    B: 100 rows, 50 positives, 18 found, 2 false alarms (selection 0.20, TPR 0.36, FPR 0.04)."""
    a_true, a_pred = _block(100, 50, 45, 15)
    b_true, b_pred = _block(100, 50, 18, 2)
    c_true, c_pred = ["yes"] * extra_small, ["no"] * extra_small
    groups = pd.DataFrame({"sex": ["A"] * 100 + ["B"] * 100 + ["C"] * extra_small})
    return a_true + b_true + c_true, a_pred + b_pred + c_pred, groups


def _column(audit: dict, name: str) -> dict:
    return next(c for c in audit["columns"] if c["column"] == name)


def test_biased_classifier_differences_match_hand_computation():
    y_true, y_pred, groups = _biased()
    column = fairness_audit(y_true, y_pred, groups, task="binary", classes=CLASSES)["columns"][0]
    diffs = column["differences"]
    assert diffs["demographic_parity_difference"] == pytest.approx(0.60 - 0.20)
    assert diffs["demographic_parity_ratio"] == pytest.approx(0.20 / 0.60, abs=1e-6)
    assert diffs["equalized_odds_difference"] == pytest.approx(max(0.90 - 0.36, 0.30 - 0.04))
    b = next(g for g in column["groups"] if g["group"] == "B")
    assert b["rows"] == 100 and b["share"] == pytest.approx(0.5)
    assert b["metrics"]["selection_rate"] == pytest.approx(0.20)
    assert b["metrics"]["recall"] == pytest.approx(0.36)
    assert b["metrics"]["false_positive_rate"] == pytest.approx(0.04)
    assert b["metrics"]["precision"] == pytest.approx(18 / 20)
    assert column["overall"]["rows"] == 200 and column["overall"]["selection_rate"] == pytest.approx(0.40)


def test_disadvantaged_group_is_named_behind():
    y_true, y_pred, groups = _biased()
    audit = fairness_audit(y_true, y_pred, groups, task="binary", classes=CLASSES)
    behind = audit["columns"][0]["behind"]
    selection = [e for e in behind if e["metric"] == "selection_rate"]
    assert [e["group"] for e in selection] == ["B"]
    assert selection[0]["reference"] == pytest.approx(0.60) and selection[0]["gap"] == pytest.approx(-0.40)
    assert {"recall"} <= {e["metric"] for e in behind if e["group"] == "B"}
    # A is the group with the false alarms: behind on false positive rate, never on selection rate
    assert {e["metric"] for e in behind if e["group"] == "A"} == {"false_positive_rate"}  # 0.30 vs 0.17 overall
    text = " ".join(audit["sentences"])
    assert "20% of B rows and 60% of A rows" in text and "above the 0.10 rule of thumb" in text


def test_fair_classifier_names_nobody():
    rng = np.random.default_rng(3)
    y_true = rng.choice(CLASSES, 300).tolist()
    y_pred = [t if rng.random() < 0.8 else rng.choice(CLASSES) for t in y_true]
    groups = pd.DataFrame({"sex": ["A"] * 300 + ["B"] * 300 + ["C"] * 300})
    audit = fairness_audit(y_true * 3, y_pred * 3, groups, task="binary", classes=CLASSES)
    column = audit["columns"][0]
    assert column["behind"] == [] and column["small_groups"] == []
    assert column["differences"]["demographic_parity_difference"] == pytest.approx(0.0)
    assert column["differences"]["equalized_odds_difference"] == pytest.approx(0.0)
    assert any("No group of sex falls behind" in s for s in audit["sentences"])


def test_differences_equal_fairlearns_functions_over_the_judgeable_groups():
    rng = np.random.default_rng(5)
    group = rng.choice(["a", "b", "c", "tiny"], 900, p=[0.5, 0.3, 0.18, 0.02])
    y_true = (rng.random(900) < np.where(group == "a", 0.5, 0.3)).astype(int)
    y_pred = ((rng.random(900) < 0.7) == (y_true == 1)).astype(int)
    column = fairness_audit(y_true, y_pred, pd.DataFrame({"g": group}), task="binary", classes=[0, 1])["columns"][0]
    keep = group != "tiny"
    args = (y_true[keep], y_pred[keep])
    assert column["small_groups"] == ["tiny"]
    assert column["differences"] == pytest.approx({
        "demographic_parity_difference": demographic_parity_difference(*args, sensitive_features=group[keep]),
        "demographic_parity_ratio": demographic_parity_ratio(*args, sensitive_features=group[keep]),
        "equalized_odds_difference": equalized_odds_difference(*args, sensitive_features=group[keep])}, abs=1e-6)


def test_noise_on_a_few_hundred_rows_is_not_named():
    # a coin-flip model: groups of ~75 rows differ by up to 0.1 by chance alone, which is not unfairness
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    groups = pd.DataFrame({"flag": rng.random(300) < 0.5, "age": rng.integers(18, 70, 300),
                           "mixed": rng.choice([1, "a", None], 300), "score": rng.normal(0, 1, 300)})
    audit = fairness_audit(y_true, y_pred, groups, task="binary", classes=[0, 1])
    assert [c["behind"] for c in audit["columns"]] == [[], [], [], []]


def test_small_groups_are_listed_not_named_nor_counted_in_differences():
    y_true, y_pred, groups = _biased(extra_small=5)  # C: 5 positives, none found
    column = fairness_audit(y_true, y_pred, groups, task="binary", classes=CLASSES)["columns"][0]
    assert column["small_groups"] == ["C"]
    assert all(e["group"] != "C" for e in column["behind"])
    assert column["differences"]["demographic_parity_difference"] == pytest.approx(0.40)
    assert [g["group"] for g in column["groups"]] == ["A", "B", "C"]


def test_min_group_rows_is_honoured():
    y_true, y_pred, groups = _biased()
    column = fairness_audit(y_true, y_pred, groups, task="binary", classes=CLASSES, min_group_rows=101)["columns"][0]
    assert column["small_groups"] == ["A", "B"] and column["behind"] == []
    assert column["differences"]["demographic_parity_difference"] is None


def test_rate_without_denominator_is_undefined_and_thin_rates_are_not_judged():
    # group B has no actual positives: recall undefined (None), never a made-up 0 that names B
    a_true, a_pred = _block(100, 50, 40, 10)
    b_true, b_pred = _block(60, 0, 0, 6)
    thin_true, thin_pred = _block(60, 3, 0, 6)  # 3 positives, none found: too few to judge recall
    groups = pd.DataFrame({"g": ["A"] * 100 + ["B"] * 60 + ["T"] * 60})
    column = fairness_audit(a_true + b_true + thin_true, a_pred + b_pred + thin_pred, groups,
                            task="binary", classes=CLASSES)["columns"][0]
    b = next(g for g in column["groups"] if g["group"] == "B")
    assert b["metrics"]["recall"] is None and b["metrics"]["precision"] == 0.0
    assert not any(e["metric"] == "recall" for e in column["behind"])
    assert column["differences"]["equalized_odds_difference"] is None
    assert any("equalized odds" in n and "B" in n for n in column["notes"])


def test_missing_values_form_their_own_group():
    y_true, y_pred, _ = _biased()
    groups = pd.DataFrame({"sex": ["A"] * 150 + [None] * 25 + [np.nan] * 25})
    column = fairness_audit(y_true, y_pred, groups, task="binary", classes=CLASSES)["columns"][0]
    assert [(g["group"], g["rows"]) for g in column["groups"]] == [("A", 150), ("(missing)", 50)]


def test_numeric_column_is_binned_into_readable_ranges():
    rng = np.random.default_rng(0)
    age = pd.Series(rng.integers(18, 80, 400), dtype=float)
    age[:10] = np.nan
    y = rng.choice(CLASSES, 400).tolist()
    column = fairness_audit(y, y, pd.DataFrame({"age": age}), task="binary", classes=CLASSES)["columns"][0]
    names = [g["group"] for g in column["groups"]]
    assert column["binned"] is True and len(names) == 5 and names[-1] == "(missing)"
    assert names[0].startswith("18–") and names[3].endswith("–79")
    lows = [int(n.split("–")[0]) for n in names[:4]]
    assert lows == sorted(lows)
    assert sum(g["rows"] for g in column["groups"]) == 400
    assert any("split into ranges" in s for s in fairness_audit(
        y, y, pd.DataFrame({"age": age}), task="binary", classes=CLASSES)["sentences"])


def test_few_valued_numbers_stay_groups():
    y = ["yes", "no"] * 60
    column = fairness_audit(y, y, pd.DataFrame({"rating": [3, 1, 2] * 40}), task="binary",
                            classes=CLASSES)["columns"][0]
    assert column["binned"] is False and [g["group"] for g in column["groups"]] == ["1", "2", "3"]


def test_regression_gaps_and_underestimated_group():
    rng = np.random.default_rng(1)
    y_true = rng.normal(50, 10, 300)
    group = np.repeat(["x", "y", "z"], 100)
    y_pred = y_true + rng.normal(0, 1, 300) - np.where(group == "z", 5.0, 0.0)
    column = fairness_audit(y_true, y_pred, pd.DataFrame({"g": group}), task="regression", classes=[])["columns"][0]
    means = {g: y_pred[group == g].mean() for g in "xyz"}
    maes = {g: np.abs(y_pred - y_true)[group == g].mean() for g in "xyz"}
    assert column["differences"]["mean_prediction_difference"] == pytest.approx(
        max(means.values()) - min(means.values()), abs=1e-5)
    assert column["differences"]["mae_difference"] == pytest.approx(max(maes.values()) - min(maes.values()), abs=1e-5)
    assert {(e["group"], e["metric"]) for e in column["behind"]} == {("z", "mae"), ("z", "mean_error")}
    z = next(g for g in column["groups"] if g["group"] == "z")
    assert z["metrics"]["mean_error"] == pytest.approx((y_pred - y_true)[group == "z"].mean(), abs=1e-5)


def test_multiclass_reports_class_rates_and_says_dp_is_binary_only():
    y_true = ["a", "b", "c"] * 100
    group = ["x"] * 150 + ["y"] * 150
    y_pred = y_true[:150] + ["a"] * 150  # group y always gets class "a": accuracy 1/3
    column = fairness_audit(y_true, y_pred, pd.DataFrame({"g": group}), task="multiclass",
                            classes=["a", "b", "c"])["columns"][0]
    diffs = column["differences"]
    assert diffs["accuracy_difference"] == pytest.approx(1 - 1 / 3, abs=1e-5)
    assert diffs["selection_rate_difference[a]"] == pytest.approx(1 - 1 / 3, abs=1e-5)
    assert "demographic_parity_difference" not in diffs
    assert any("yes/no predictions only" in n for n in column["notes"])
    assert {e["group"] for e in column["behind"]} == {"y"}


def test_output_is_json_plain_with_the_agreed_shape():
    y_true, y_pred, groups = _biased(extra_small=3)
    groups["age"] = np.arange(203) % 60 + 20
    proba = np.column_stack([np.full(203, 0.4), np.full(203, 0.6)])
    audit = fairness_audit(y_true, y_pred, groups, task="binary", classes=CLASSES, proba=proba,
                           used_as_feature={"sex": False, "age": True})
    json.dumps(audit, allow_nan=False)
    assert set(audit) == {"columns", "sentences", "thresholds"}
    assert audit["thresholds"]["difference"] == 0.1 and audit["thresholds"]["ratio"] == 0.8
    column = _column(audit, "sex")
    assert {"column", "binned", "used_as_feature", "metric_names", "overall", "groups", "differences",
            "behind", "small_groups"} <= set(column)
    assert column["used_as_feature"] is False and _column(audit, "age")["used_as_feature"] is True
    assert column["metric_names"][0] == "selection_rate" and "roc_auc" in column["metric_names"]
    assert column["overall"]["mean_probability"] == pytest.approx(0.6)
    assert all(isinstance(v, (float, int)) and not isinstance(v, bool) for v in audit["thresholds"].values())
    assert set(column["metric_names"]) == set(column["groups"][0]["metrics"])
    assert any("not an input of the model" in s for s in audit["sentences"])


def test_single_group_column_is_reported_with_a_note():
    y_true, y_pred, _ = _biased()
    audit = fairness_audit(y_true, y_pred, pd.DataFrame({"country": ["NL"] * 200}), task="binary", classes=CLASSES)
    column = audit["columns"][0]
    assert [g["group"] for g in column["groups"]] == ["NL"] and column["behind"] == []
    assert column["differences"]["demographic_parity_difference"] is None
    assert any("one group" in n for n in column["notes"])


@pytest.mark.parametrize("groups,match", [
    (pd.DataFrame({"sex": ["A"] * 10}), "sex"),
    (pd.DataFrame(index=range(200)), "sensitive"),
])
def test_bad_groups_frame_is_a_data_error(groups, match):
    y_true, y_pred, _ = _biased()
    with pytest.raises(DataError, match=match) as caught:
        fairness_audit(y_true, y_pred, groups, task="binary", classes=CLASSES)
    assert caught.value.fix


def test_empty_input_and_unknown_labels_are_errors():
    with pytest.raises(DataError, match="no rows"):
        fairness_audit([], [], pd.DataFrame({"sex": []}), task="binary", classes=CLASSES)
    with pytest.raises(DataError, match="not among the classes"):
        fairness_audit(["no", "maybe"], ["no", "no"], pd.DataFrame({"sex": ["A", "B"]}), task="binary", classes=CLASSES)
    with pytest.raises(ConfigError, match="task"):
        fairness_audit(["no"], ["no"], pd.DataFrame({"sex": ["A"]}), task="ranking", classes=CLASSES)
    with pytest.raises(ConfigError, match="min_group_rows"):
        fairness_audit(["no"], ["no"], pd.DataFrame({"sex": ["A"]}), task="binary", classes=CLASSES, min_group_rows=0)
    with pytest.raises(DataError, match="proba"):
        fairness_audit(["no"], ["no"], pd.DataFrame({"sex": ["A"]}), task="binary", classes=CLASSES,
                       proba=np.ones((1, 3)))


def test_resolve_sensitive_matches_case_and_suggests_names():
    frame = pd.DataFrame(columns=["Sex", "age", "income"])
    assert resolve_sensitive(frame, ["sex", "age", "Sex"], where="--sensitive") == ["Sex", "age"]
    with pytest.raises(ConfigError, match="did you mean 'age'") as caught:
        resolve_sensitive(frame, ["agee"], where="--sensitive")
    assert caught.value.where == "--sensitive"
    with pytest.raises(ConfigError, match="income"):
        resolve_sensitive(frame, ["zzz"], where="--sensitive")
