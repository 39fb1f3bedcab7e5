"""Champion against challenger, as a team retrains a model in production: a real store, real
training runs (tiny budgets), the registry's stages and the decisions table read back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.errors import ConfigError, DataError, StoreError
from mlwright.monitor.paired import PairedComparison
from mlwright.monitor.retrain import decide, retrain, split_recent
from mlwright.registry.store import open_store
from mlwright.registry.versions import ModelVersion
from tests.conftest import FAST, run_cli

RETRAIN_FAST = dict(progress=False)


def drifting_frame(rows: int, seed: int, *, signal: str = "x1", start: str = "2024-01-01") -> pd.DataFrame:
    """A binary label that depends on ``signal`` (x1 or x2) alone, with an hourly timestamp; the
    rows are shuffled, so that the file's order is not the order in time."""
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=rows), rng.normal(size=rows)
    logit = 3 * (x1 if signal == "x1" else x2)
    label = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    when = pd.date_range(start, periods=rows, freq="h").strftime("%Y-%m-%d %H:%M")
    frame = pd.DataFrame({"when": when, "x1": x1, "x2": x2, "colour": rng.choice(["red", "green"], rows), "y": label})
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


@dataclass(frozen=True)
class Project:
    folder: Path
    store: str
    run_id: str

    def champion(self, name: str) -> ModelVersion:
        """The champion's run registered under a name of its own and put in production: each test
        moves its own name's stages."""
        opened = open_store(self.store)
        version = opened.models.register(name, self.folder / "champion", run_id=self.run_id)
        return opened.models.promote(name, version.version, "production", reason="the first model")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    """One champion, trained on rows where the label follows x1 (without the timestamp column)."""
    folder = tmp_path_factory.mktemp("retrain")
    drifting_frame(400, 0).drop(columns="when").to_csv(folder / "old.csv", index=False)
    drifting_frame(400, 1, signal="x2", start="2024-03-01").to_csv(folder / "shifted.csv", index=False)
    drifting_frame(400, 2, start="2024-03-01").to_csv(folder / "same.csv", index=False)
    store = f"sqlite:///{folder / 'store.db'}"
    model = mlwright.train(folder / "old.csv", "y", out=folder / "champion", store=store, **FAST)
    return Project(folder, store, model.info["run_id"])


def test_a_challenger_that_learned_the_new_relationship_is_promoted(project):
    champion = project.champion("shifted")
    outcome = retrain("shifted", project.folder / "shifted.csv", promote_if_better=True, margin=0.02,
                      time_column="when", store=project.store, out=project.folder / "promoted", by="ann",
                      **RETRAIN_FAST)
    assert outcome.promoted and outcome.verdict.reason.endswith(": promoted")
    assert outcome.comparison.difference >= 0.02 and outcome.comparison.p_value < 0.05
    opened = open_store(project.store)
    versions = {v.version: v for v in opened.models.versions("shifted")}
    assert versions[champion.version].stage == "archived"
    challenger = versions[outcome.challenger.version]
    assert challenger.stage == "production" and challenger.parent_id == champion.id
    assert opened.models.get("shifted", "production").id == challenger.id
    history = opened.models.history(challenger)
    assert history[-1].to_stage == "production" and history[-1].changed_by == "ann"
    assert "p = " in history[-1].reason and "roc_auc" in history[-1].reason

    [decision] = opened.decisions.list("shifted").to_dict("records")
    assert decision["promoted"] and decision["champion_id"] == champion.id
    assert decision["challenger_id"] == challenger.id
    assert decision["difference"] == pytest.approx(outcome.comparison.difference)
    assert decision["holdout_rows"] == 80 and decision["margin"] == 0.02 and decision["decided_by"] == "ann"
    evidence = decision["evidence"]
    assert "'when'" in evidence["data"]["held_out"]["how"] and evidence["data"]["training"]["rows"] == 320
    assert evidence["settings"]["max_trials"] == FAST["max_trials"] and evidence["settings"]["metric"] == "roc_auc"
    assert evidence["comparison"]["bootstrap"]["resamples"] == 1000
    assert Path(evidence["report"]).exists() and evidence["report"] == str(outcome.report.resolve())
    # the timestamp orders the rows; the champion never learned from it, so neither does the challenger
    trained_on = pd.read_parquet(evidence["data"]["training"]["table"])
    assert "when" not in trained_on.columns and len(trained_on) == 320


def test_a_challenger_no_better_is_not_promoted_and_the_champion_stays(project):
    champion = project.champion("steady")
    outcome = retrain(f"models:/steady/{champion.version}", project.folder / "same.csv", promote_if_better=True,
                      margin=0.02, combine="training", window=600, store=project.store,
                      out=project.folder / "kept", **RETRAIN_FAST)
    assert not outcome.promoted and outcome.verdict.reason.startswith("not promoted")
    opened = open_store(project.store)
    assert opened.models.get("steady", "production").id == champion.id
    assert opened.models.get("steady", outcome.challenger.version).stage == "none"
    [decision] = opened.decisions.list("steady").to_dict("records")
    assert not decision["promoted"] and decision["reason"] == outcome.verdict.reason
    training = decision["evidence"]["data"]["training"]
    assert training["earlier_rows"] == 400 and training["new_rows"] == 320 and training["window"] == 600
    assert training["rows"] == 600 - training["dropped_as_held_out"]
    assert training["sources"][0]["path"] == str(project.folder / "old.csv")
    page = outcome.report.read_text()
    assert "stays in production" in page and outcome.verdict.reason in page


def test_the_command_line_reports_without_promoting_unless_asked(project):
    champion = project.champion("asked")
    done = run_cli("retrain", "asked", "shifted.csv", "--margin", "0.02", "--time-column", "when", "--by", "bob",
                   "--store", project.store, cwd=project.folder)
    assert done.returncode == 0, done.stderr
    assert "--promote-if-better not given (it would have been promoted" in " ".join(done.stdout.split())
    assert "champion" in done.stdout and "challenger" in done.stdout and "roc_auc" in done.stdout
    opened = open_store(project.store)
    assert opened.models.get("asked", "production").id == champion.id
    [decision] = opened.decisions.list("asked").to_dict("records")
    assert not decision["promoted"] and decision["decided_by"] == "bob"
    [report] = (project.folder / ".mlwright" / "retrain").glob("asked-*/retrain_report.html")
    assert "stays in production" in report.read_text() and "it would have been promoted" in report.read_text()
    record = json.loads((report.parent / "comparison.json").read_text())
    assert record["decision"]["would_promote"] and len(record["bootstrap_differences"]) == 1000


def test_a_model_folder_is_refused(project):
    with pytest.raises(ConfigError, match="registered model, not a folder.*--register NAME"):
        retrain(str(project.folder / "champion" / "model"), project.folder / "same.csv", store=project.store)


def test_new_data_without_the_target_is_refused_naming_the_file_and_the_column(project):
    project.champion("unlabelled")
    drifting_frame(100, 4).drop(columns="y").to_csv(project.folder / "unlabelled.csv", index=False)
    with pytest.raises(DataError, match=r"unlabelled\.csv: column 'y' missing"):
        retrain("unlabelled", project.folder / "unlabelled.csv", store=project.store)
    done = run_cli("retrain", "unlabelled", "unlabelled.csv", "--store", project.store, cwd=project.folder)
    assert done.returncode == 2 and "unlabelled.csv" in done.stderr and "'y'" in done.stderr
    assert open_store(project.store).decisions.list("unlabelled").empty


def test_a_name_without_a_production_version_has_no_champion(project):
    opened = open_store(project.store)
    opened.models.register("unpromoted", project.folder / "champion", run_id=project.run_id)
    with pytest.raises(StoreError, match="no version in production.*models promote unpromoted"):
        retrain("unpromoted", project.folder / "same.csv", store=project.store)


def test_combining_with_training_data_that_changed_or_went_is_refused(project):
    """A run whose recorded training file no longer holds what it read: the challenger would
    learn from other rows than the champion did."""
    opened = open_store(project.store)
    original = opened.runs.get(project.run_id)
    copy = project.folder / "copied_old.csv"
    copy.write_text((project.folder / "old.csv").read_text())
    for name, source in (("changed", copy), ("gone", project.folder / "no_such.csv")):
        run_id = opened.runs.start(target="y", params=original.params, source={"kind": "file", "path": str(source)})
        opened.runs.describe_data(run_id, task=original.task, metric=original.metric, data=original.data, findings=[])
        opened.runs.finish(run_id, metrics={}, timings={})
        version = opened.models.register(name, project.folder / "champion", run_id=run_id)
        opened.models.promote(name, version.version, "production")
    with copy.open("a") as handle:
        handle.write("0.1,0.2,red,yes\n")
    with pytest.raises(DataError, match="changed since it was trained"):
        retrain("changed", project.folder / "same.csv", combine="training", store=project.store)
    with pytest.raises(DataError, match="training file is gone"):
        retrain("gone", project.folder / "same.csv", combine="training", store=project.store)


@pytest.mark.parametrize("option, value, where", [("margin", -0.1, "--margin"), ("alpha", 1.5, "--alpha"),
                                                  ("holdout", 0.0, "--holdout"), ("window", 0, "--window")])
def test_options_are_checked_before_anything_runs(option, value, where):
    with pytest.raises(ConfigError) as raised:
        retrain("anything", "missing.csv", **{option: value})
    assert raised.value.where == where


def _comparison(difference: float, p_value: float) -> PairedComparison:
    return PairedComparison(metric="roc_auc", champion_score=0.80, challenger_score=0.80 + difference,
                            difference=difference, ci_low=difference - 0.01, ci_high=difference + 0.01,
                            p_value=p_value, rows=200, resamples=1000)


@pytest.mark.parametrize("difference, p_value, asked, promoted, words", [
    (0.031, 0.002, True, True, "challenger better by 0.031 roc_auc (p = 0.002), margin 0.01: promoted"),
    (0.004, 0.01, True, False, "not promoted: better by 0.004 roc_auc (p = 0.01) but the margin is 0.01"),
    (0.031, 0.2, True, False, "but p is not below alpha = 0.05: the gain could be chance"),
    (-0.02, 0.9, True, False, "not promoted: the challenger is not better"),
    (0.031, 0.002, False, False, "not promoted: --promote-if-better not given (it would have been promoted"),
])
def test_the_decision_and_its_reason_in_plain_words(difference, p_value, asked, promoted, words):
    verdict = decide(_comparison(difference, p_value), margin=0.01, alpha=0.05, promote_if_better=asked)
    assert verdict.promoted is promoted and words in verdict.reason
    assert verdict.would_promote is (difference >= 0.01 and p_value < 0.05)


def test_the_held_out_rows_are_the_most_recent():
    frame = drifting_frame(200, 7)
    older, recent, how = split_recent(frame, 0.25, "when", where="new.csv")
    assert len(recent) == 50 and len(older) == 150 and "'when'" in how
    assert pd.to_datetime(older["when"]).max() < pd.to_datetime(recent["when"]).min()
    older, recent, how = split_recent(frame, 0.25, None, where="new.csv")
    assert recent.equals(frame.iloc[-50:].reset_index(drop=True)) and "order of the table" in how
    with pytest.raises(DataError, match="too few"):
        split_recent(frame.head(40), 0.25, None, where="new.csv")
