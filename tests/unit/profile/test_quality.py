"""Quality findings: each kind fires on a table built to show it, and reads the same in JSON."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from mlwright.profile import profile_table, quality
from mlwright.profile.columns import describe_columns

ROWS = 1000


def _base(rows: int = ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=rows), "colour": rng.choice(["red", "green", "blue"], rows)})


def constant() -> pd.DataFrame:
    return _base().assign(source="web")


def near_constant() -> pd.DataFrame:
    return _base().assign(flag=["a"] * (ROWS - 4) + ["b"] * 4)


def duplicated_rows() -> pd.DataFrame:
    frame = _base()
    return pd.concat([frame, frame.iloc[:30]], ignore_index=True)


def duplicated_column() -> pd.DataFrame:
    frame = _base()
    return frame.assign(y=np.random.default_rng(1).normal(size=ROWS), x_again=frame["x"])


def restated_column() -> pd.DataFrame:
    frame = _base()
    return frame.assign(colour_code=frame["colour"].map({"red": "R", "green": "G", "blue": "B"}))


def determined_column() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    city = rng.choice(["Paris", "Lyon", "Berlin", "Munich", "Rome"], ROWS)
    country = pd.Series(city).map({"Paris": "FR", "Lyon": "FR", "Berlin": "DE", "Munich": "DE", "Rome": "IT"})
    return _base().assign(city=city, country=country)


def identifier() -> pd.DataFrame:
    return _base().assign(customer_id=np.random.default_rng(3).permutation(ROWS) + 5000)


def high_cardinality() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return _base().assign(postcode=[f"P{v:04d}" for v in rng.integers(0, 150, ROWS)])


def mixed_types() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    values = [str(v) for v in rng.integers(10, 90, ROWS)]
    for i in range(0, ROWS, 10):
        values[i] = rng.choice(["unknown", "refused", "over 90"])
    return _base().assign(age=values)


def outliers() -> pd.DataFrame:
    frame = _base()
    frame.loc[:9, "x"] = 1000.0
    return frame


CASES = {
    "constant": (constant, "source", "warning"),
    "near_constant": (near_constant, "flag", "info"),
    "duplicated_rows": (duplicated_rows, None, "warning"),
    "duplicated_column": (duplicated_column, ("x", "x_again"), "warning"),
    "restated_column": (restated_column, ("colour", "colour_code"), "warning"),
    "restated_column/determined": (determined_column, ("city", "country"), "info"),
    "identifier": (identifier, "customer_id", "info"),
    "high_cardinality": (high_cardinality, "postcode", "info"),
    "mixed_types": (mixed_types, "age", "warning"),
    "outliers": (outliers, "x", "info"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_finding_fires_on_the_column_that_shows_it(case):
    build, column, severity = CASES[case]
    kind = case.split("/")[0]
    profile = profile_table(build())
    matching = [f for f in profile.findings if f.kind == kind]
    assert [f.column for f in matching] == [column], [(f.kind, f.column) for f in profile.findings]
    assert matching[0].severity == severity
    assert matching[0].evidence and matching[0].action


@pytest.mark.parametrize("case", list(CASES))
def test_no_other_quality_finding_on_the_plain_columns(case):
    profile = profile_table(CASES[case][0]())
    assert not [f for f in profile.findings if set(f.columns) & {"colour"} and f.kind != "restated_column"]
    assert "x" not in [f.column for f in profile.findings if f.kind != "outliers" and f.kind != "duplicated_column"]


def test_plain_table_has_no_findings():
    assert profile_table(_base()).findings == ()


def test_duplicated_rows_are_counted_exactly():
    profile = profile_table(duplicated_rows())
    assert profile.duplicated_rows == 30
    assert "30 rows" in next(f.evidence for f in profile.findings if f.kind == "duplicated_rows")


def test_class_imbalance_with_a_target():
    frame = _base().assign(fraud=["yes"] * 30 + ["no"] * (ROWS - 30))
    profile = profile_table(frame, target="fraud")
    finding = next(f for f in profile.findings if f.kind == "class_imbalance")
    assert finding.severity == "warning" and "'yes'" in finding.evidence and "3%" in finding.evidence


def test_train_test_mismatch_is_found_with_a_test_file(tmp_path):
    rng = np.random.default_rng(6)
    train = _base(seed=7).assign(amount=rng.normal(100, 10, ROWS))
    test = _base(seed=8).assign(amount=rng.normal(130, 10, ROWS))
    train.to_csv(tmp_path / "train.csv", index=False)
    test.drop(columns=["colour"]).to_csv(tmp_path / "test.csv", index=False)
    profile = profile_table(tmp_path / "train.csv", test=tmp_path / "test.csv")
    shifted = {f.column: f for f in profile.findings if f.kind == "distribution_mismatch"}
    assert set(shifted) == {"amount", "colour"}, "shifted column, and the column the test file lacks"
    assert "PSI" in shifted["amount"].evidence and shifted["amount"].severity == "warning"
    assert "missing from the test file" in shifted["colour"].evidence
    assert profile.test_rows == ROWS


def test_same_distribution_is_not_a_mismatch(tmp_path):
    _base(seed=1).to_csv(tmp_path / "train.csv", index=False)
    _base(seed=2).to_csv(tmp_path / "test.csv", index=False)
    profile = profile_table(tmp_path / "train.csv", test=tmp_path / "test.csv")
    assert not [f for f in profile.findings if f.kind == "distribution_mismatch"]


def test_every_finding_in_json_has_the_five_fields(tmp_path, fixtures):
    profile = profile_table(fixtures / "titanic.csv.gz", target="survived")
    data = json.loads(profile.write_json(tmp_path / "titanic.json").read_text(encoding="utf-8"))
    assert len(data["findings"]) == len(profile.findings) >= 5
    for finding in data["findings"]:
        assert set(finding) == {"kind", "severity", "column", "evidence", "action"}
        assert finding["severity"] in ("critical", "warning", "info")
        assert finding["column"] is None or isinstance(finding["column"], (str, list))
        assert isinstance(finding["evidence"], str) and isinstance(finding["action"], str)
    kinds = {(f["kind"], json.dumps(f["column"])) for f in data["findings"]}
    assert ("target_leak", '"alive"') in kinds
    assert ("restated_column", '["pclass", "class"]') in kinds
    assert ("restated_column", '["embarked", "embark_town"]') in kinds
    severities = [f["severity"] for f in data["findings"]]
    assert severities == sorted(severities, key=["critical", "warning", "info"].index), "most severe first"


def test_relabellings_are_found_among_thousands_of_columns():
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(rng.integers(0, 3, size=(400, 2000)), columns=[f"f{i}" for i in range(2000)])
    frame["f1999_label"] = frame["f1999"].map({0: "low", 1: "mid", 2: "high"})
    kinds = dict.fromkeys(frame.columns, "numeric") | {"f1999_label": "categorical"}
    started = time.perf_counter()
    findings = quality.restated_columns(frame, list(describe_columns(frame, kinds).values()))
    assert time.perf_counter() - started < 20  # about 1 s; pairwise it would be 2 million comparisons
    assert [f.column for f in findings if f.severity == "warning"] == [("f1999", "f1999_label")]
