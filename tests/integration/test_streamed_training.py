"""Training on data larger than memory: the search on a stratified sample of the file, then the
chosen LightGBM configuration fitted on every row, streamed, with the holdout left out."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.errors import ConfigError
from tests.conftest import make_mixed_frame, run_cli

ROWS = 20_000
SEARCH = dict(time_limit=90, max_trials=3, folds=3, progress=False, store=False)


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("streamed")
    frame = make_mixed_frame(ROWS, seed=11).drop(columns=["note"])
    path = folder / "rows.parquet"
    frame.to_parquet(path, row_group_size=3000)
    return frame, path


@pytest.fixture(scope="module")
def streamed_run(big_file, tmp_path_factory):
    frame, path = big_file
    out = tmp_path_factory.mktemp("run")
    model = mlwright.train(path, "label", sample_rows=3000, out=out, **SEARCH)
    return frame, model, out


def test_the_final_model_is_fitted_on_every_row_but_the_held_out_ones(streamed_run):
    frame, model, _ = streamed_run
    facts = model.info["streamed_fit"]
    assert [m.family for m in model.members] == ["lightgbm"]
    assert facts["rows_in_file"] == ROWS and facts["sample_rows"] == 3000
    held_out = model.info["estimate"]["rows"]
    assert facts["held_out_rows"] == held_out > 0
    assert facts["rows_fitted"] == ROWS - held_out - facts["validation_rows"]
    assert model.info["rows"] == {"train": facts["rows_fitted"], "total": ROWS, "sample": 3000 - held_out}
    assert set(model.leaderboard()["model"].str.split("_").str[0]) == {"lightgbm"}
    assert "streamed from the file" in model.info["notes"][-1]


def test_the_streamed_model_beats_a_model_of_the_sample_alone(streamed_run, big_file):
    """More rows must help on this problem: the same search on the sample's rows in memory
    scores lower on rows neither saw."""
    frame, model, _ = streamed_run
    fresh = make_mixed_frame(8000, seed=99).drop(columns=["note"])
    from sklearn.metrics import roc_auc_score

    sample_only = mlwright.train(frame.sample(3000, random_state=0), "label", families=("lightgbm",), **SEARCH)
    truth = fresh["label"] == "yes"
    streamed_auc = roc_auc_score(truth, model.predict_proba(fresh)["yes"])
    sample_auc = roc_auc_score(truth, sample_only.predict_proba(fresh)["yes"])
    assert streamed_auc > sample_auc


def test_the_saved_model_predicts_as_trained_and_its_report_names_the_strategy(streamed_run):
    frame, model, out = streamed_run
    loaded = mlwright.load(out / "model")
    head = frame.head(300)
    np.testing.assert_allclose(loaded.predict_proba(head).to_numpy(), model.predict_proba(head).to_numpy(),
                               rtol=0, atol=1e-12)
    assert (out / "report.html").exists()
    training = json.loads((out / "model" / "training.json").read_text())
    assert training["streamed_fit"]["rows_fitted"] == model.info["streamed_fit"]["rows_fitted"]


def test_the_cli_trains_a_csv_by_sample(big_file, tmp_path):
    frame, _ = big_file
    csv = tmp_path / "rows.csv"
    frame.to_csv(csv, index=False)
    done = run_cli("train", str(csv), "--target", "label", "--sample-rows", "2000", "--time-limit", "60",
                   "--max-trials", "2", "--folds", "3", "--out", str(tmp_path / "run"),
                   "--store", f"sqlite:///{tmp_path / 'store.db'}")
    assert done.returncode == 0, done.stderr
    training = json.loads((tmp_path / "run" / "model" / "training.json").read_text())
    assert training["streamed_fit"]["rows_in_file"] == ROWS
    assert training["streamed_fit"]["sample_rows"] == 2000


def test_sampling_is_refused_where_it_cannot_apply(big_file):
    frame, path = big_file
    with pytest.raises(ConfigError, match="not one"):
        mlwright.train(frame, "label", sample_rows=3000, **SEARCH)
    with pytest.raises(ConfigError, match="families leaves it out"):
        mlwright.train(path, "label", sample_rows=3000, families=("linear",), **{**SEARCH})
    for too_few in (0, 50):  # refused before the file is read
        with pytest.raises(ConfigError, match="at least 1,000"):
            mlwright.train(path, "label", sample_rows=too_few, **SEARCH)
