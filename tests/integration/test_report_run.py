"""A real run's report, model card and evaluation record, and the commands around them:
`mlwright report` (rebuild), `mlwright explain` and `mlwright test`."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
from typer.testing import CliRunner

import mlwright
from mlwright.cli.app import app
from tests.conftest import FIXTURES

MODEL_CARD_SECTIONS = ("## Model details", "## Intended use", "## Data", "## Metrics", "## Limitations",
                       "## Ethical considerations", "## Caveats")


def _record(root) -> dict:
    return json.loads((root / "run" / "evaluation.json").read_text())


def test_every_report_file_is_written(reported_run):
    _, root = reported_run
    for name in ("report.html", "MODEL_CARD.md", "evaluation.json", "held_out.parquet", "profile.html"):
        assert (root / "run" / name).stat().st_size > 0, name
    card = (root / "run" / "MODEL_CARD.md").read_text()
    for heading in MODEL_CARD_SECTIONS:
        assert heading in card
    assert "a teaching example" in card and "None" not in card


def test_the_test_file_is_the_primary_set_with_intervals_around_each_value(reported_run):
    model, root = reported_run
    record = _record(root)
    assert [e["set"] for e in record["evaluations"]] == ["test", "out-of-fold"]
    test = record["evaluations"][0]
    assert test["rows"] == 191
    for metric in test["metrics"]:
        if metric["value"] is not None and metric["low"] is not None:
            assert metric["low"] - 1e-9 <= metric["value"] <= metric["high"] + 1e-9, metric["name"]
    auc = next(m for m in test["metrics"] if m["name"] == "roc_auc")
    assert auc["value"] > auc["baseline"] + 0.15
    expected = model.predict_proba(pd.read_csv(root / "test.csv"))[model.classes_[1]]
    from sklearn.metrics import roc_auc_score
    truth = pd.read_csv(root / "test.csv")["survived"] == model.classes_[1]
    assert abs(auc["value"] - roc_auc_score(truth, expected)) <= 1e-12  # the same value, by average ranks


def test_threshold_and_calibration_are_recorded_and_shipped(reported_run):
    model, root = reported_run
    record = _record(root)
    assert record["threshold"]["value"] == model.threshold
    assert record["threshold"]["objective"] == "f1"
    assert record["calibration"]["method"] in ("none", "platt", "isotonic")
    loaded = mlwright.load(root / "run")
    rows = pd.read_csv(root / "test.csv")
    assert loaded.threshold == model.threshold
    np.testing.assert_array_equal(loaded.predict(rows), model.predict(rows))
    said_yes = loaded.predict_proba(rows)[loaded.classes_[1]] >= loaded.threshold
    assert (said_yes == (loaded.predict(rows) == loaded.classes_[1])).all()


def test_sensitive_column_is_audited_but_not_a_feature(reported_run):
    model, root = reported_run
    assert "sex" not in model.feature_names_in_
    fairness = _record(root)["fairness"]
    column = fairness["columns"][0]
    assert column["column"] == "sex" and column["used_as_feature"] is False
    assert {g["group"] for g in column["groups"]} == {"male", "female"}
    assert column["differences"]["demographic_parity_difference"] > 0.1  # titanic: women survived far more
    assert fairness["sentences"]


def test_explanations_and_model_tests_are_in_the_record(reported_run):
    model, root = reported_run
    record = _record(root)
    ranked = [r["column"] for r in record["importance"]["permutation"]]
    assert set(ranked) == set(model.feature_names_in_)
    assert record["importance"]["shap"] and record["dependence"]
    assert record["dependence"][0]["column"] == ranked[0]
    example = record["examples"][0]
    total = example["base"] + sum(c["contribution"] for c in example["contributions"])
    assert abs(total - example["value"]) < 1e-4
    tests = {r["name"]: r["passed"] for r in record["model_tests"]["results"]}
    assert tests["beats guessing on AUC"] is True and tests["finds every survivor"] is False
    assert record["model_tests"]["failed"] >= 1
    assert not [n for n in record["run"]["notes"] if "could not be computed" in n]


def test_report_command_rebuilds_and_can_change_the_audit(reported_run, tmp_path):
    _, original = reported_run
    shutil.copytree(original / "run", tmp_path / "run")  # the shared run stays as trained
    root = tmp_path
    before = _record(root)
    (root / "run" / "report.html").unlink()
    result = CliRunner().invoke(app, ["report", str(root / "run"), "--sensitive", "pclass"])
    assert result.exit_code == 0, result.output
    after = _record(root)
    assert (root / "run" / "report.html").exists()
    assert after["fairness"]["columns"][0]["column"] == "pclass"
    assert after["evaluations"][0]["metrics"] == before["evaluations"][0]["metrics"]
    assert after["run"]["test_source"] == before["run"]["test_source"]


def test_explain_command_explains_rows_of_a_file(reported_run, tmp_path):
    _, root = reported_run
    rows = pd.read_csv(root / "test.csv").head(4)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    result = CliRunner().invoke(app, ["explain", str(root / "run"), str(tmp_path / "rows.csv"), "--top", "3",
                                      "--output", str(tmp_path / "why.csv")])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(tmp_path / "why.csv")
    assert table["row"].nunique() == 4
    sums = table.groupby("row").apply(lambda part: part["base"].iloc[0] + part["contribution"].sum(),
                                      include_groups=False)
    np.testing.assert_allclose(sums.to_numpy(), table.groupby("row")["prediction"].first().to_numpy(), atol=1e-6)


def test_test_command_exit_codes(reported_run):
    _, root = reported_run
    failing = CliRunner().invoke(app, ["test", str(root / "run"), str(root / "test.csv"),
                                       "--spec", str(root / "checks.yml")])
    assert failing.exit_code == 1, failing.output
    assert "finds every survivor" in failing.output
    (root / "pass.yml").write_text("tests:\n  - minimum: {metric: roc_auc, value: 0.6}\n  - refuses_unscorable: {}\n")
    passing = CliRunner().invoke(app, ["test", str(root / "run"), str(root / "test.csv"),
                                       "--spec", str(root / "pass.yml")])
    assert passing.exit_code == 0, passing.output
    bad = CliRunner().invoke(app, ["test", str(root / "run"), str(root / "test.csv"), "--spec", str(root / "none.yml")])
    assert bad.exit_code == 2


def test_a_test_file_without_labels_fails_before_the_search(tmp_path):
    rows = pd.read_csv(FIXTURES / "titanic.csv.gz")
    rows.to_csv(tmp_path / "train.csv", index=False)
    rows.drop(columns="survived").to_csv(tmp_path / "test.csv", index=False)
    result = CliRunner().invoke(app, ["train", str(tmp_path / "train.csv"), "--target", "survived",
                                      "--test", str(tmp_path / "test.csv"), "--out", str(tmp_path / "run")])
    assert result.exit_code == 2
    assert "test.csv: the target column 'survived' is missing" in result.output
    assert not (tmp_path / "run" / "model").exists()  # refused before any model was fitted


def test_large_data_is_judged_on_the_holdout_and_out_of_fold(tmp_path):
    from tests.conftest import FAST, make_mixed_frame

    mlwright.train(make_mixed_frame(6000, seed=3), "label", out=tmp_path / "run", **{**FAST, "families": ("lightgbm",)})
    record = json.loads((tmp_path / "run" / "evaluation.json").read_text())
    sets = {e["set"]: e for e in record["evaluations"]}
    assert list(sets) == ["holdout", "out-of-fold"]
    assert sets["holdout"]["rows"] + sets["out-of-fold"]["rows"] == 6000
    assert record["importance"]["on"].startswith("holdout rows")
    for evaluation in sets.values():
        auc = next(m for m in evaluation["metrics"] if m["name"] == "roc_auc")
        assert auc["low"] <= auc["value"] <= auc["high"]


def test_the_report_says_what_its_importance_was_computed_on(reported_run):
    """The importance sections record their samples, which the report's time sizes: within the
    training budget a short remainder gives each section a quarter second, no deadline three."""
    from mlwright.report.evaluation_record import SECTION_SECONDS, section_seconds

    _, root = reported_run
    importance = _record(root)["importance"]
    held = pd.read_csv(root / "test.csv")
    assert 0 < importance["permutation_rows"] <= len(held) and importance["repeats"] >= 3
    assert 0 < importance["shap_rows"] <= len(held)
    assert "drawn at random" in (root / "run" / "report.html").read_text()
    low, high = SECTION_SECONDS
    assert section_seconds(None) == high and section_seconds(0.0) == low and section_seconds(1e6) == high
    sizes = [section_seconds(s) for s in (0.5, 2.0, 5.0, 10.0, 20.0)]
    assert sizes == sorted(sizes) and sizes[0] < sizes[-1]
