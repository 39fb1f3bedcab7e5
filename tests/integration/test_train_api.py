"""The Python API end to end on small data: train, predict, save, load, resume."""

import dataclasses
import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright._types import Task
from mlwright.errors import ConfigError, DataError, ModelFormatError, SchemaError
from mlwright.models import registry
from tests.conftest import FAST, make_mixed_frame


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    model = mlwright.train(make_mixed_frame(), "label", out=out, **FAST)
    return model, out


def test_train_returns_a_model_with_leaderboard_estimate_and_latency(trained):
    model, out = trained
    board = model.leaderboard()
    assert len(board) == FAST["max_trials"]
    assert {"model", "score", "fit_seconds", "predict_ms_per_row", "ensemble_weight"} <= set(board.columns)
    assert board["score"].is_monotonic_decreasing, "best validation score first (roc_auc: higher is better)"
    assert board["ensemble_weight"].sum() == pytest.approx(1.0, abs=1e-3)
    assert 0.6 < model.info["estimate"]["value"] <= 1.0
    assert "half" in model.info["estimate"]["method"], "400 rows: no holdout, cross-fitted estimate"
    assert model.info["single_row_latency_ms"] > 0
    assert set(model.info["dropped_columns"]) == {"row_id", "constant"}
    assert (out / "model" / "manifest.json").exists() and (out / "leaderboard.csv").exists()


def test_predictions_have_labels_and_probabilities(trained):
    model, _ = trained
    frame = make_mixed_frame(50, seed=9).drop(columns="label")
    labels = model.predict(frame)
    proba = model.predict_proba(frame)
    assert set(labels) <= {"no", "yes"} and labels.name == "label"
    assert list(proba.columns) == ["no", "yes"]
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert model.threshold is not None and 0 < model.threshold < 1  # binary: chosen for F1 out of fold
    assert ((proba["yes"] >= model.threshold).map({True: "yes", False: "no"}) == labels).all()
    table = model.predict_table(frame)
    assert list(table.columns) == ["label", "proba_no", "proba_yes"]


def test_saved_model_loads_in_a_fresh_process_with_identical_predictions(trained, tmp_path):
    model, out = trained
    frame = make_mixed_frame(80, seed=4).drop(columns="label")
    frame.to_csv(tmp_path / "rows.csv", index=False)
    expected = model.predict_proba(frame).to_numpy()
    code = (f"import mlwright, numpy as np; m = mlwright.load({str(out)!r}); "
            f"np.save({str(tmp_path / 'p.npy')!r}, m.predict_proba({str(tmp_path / 'rows.csv')!r}).to_numpy())")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    np.testing.assert_array_equal(np.load(tmp_path / "p.npy"), expected)


def test_prediction_input_problems_are_handled(trained):
    model, _ = trained
    frame = make_mixed_frame(20, seed=5).drop(columns="label")
    with pytest.raises(SchemaError, match="missing columns the model needs: x1.*Fix:"):
        model.predict(frame.drop(columns="x1"))
    reordered = frame[list(reversed(frame.columns))].assign(unknown=3)
    with pytest.warns(UserWarning, match="unknown"):
        shuffled = model.predict_proba(reordered)
    np.testing.assert_allclose(shuffled.to_numpy(), model.predict_proba(frame).to_numpy())
    odd = frame.assign(colour="purple", x1=[np.inf] + [np.nan] * 19,
                       x2=["garbage"] * 3 + frame["x2"].iloc[3:].tolist())
    with pytest.warns(UserWarning, match="3 values that are not numbers"):
        proba = model.predict_proba(odd)
    assert np.isfinite(proba.to_numpy()).all()
    with pytest.raises(SchemaError, match="column 'x2' holds no numbers.*Fix: send numbers"):
        model.predict(frame.assign(x2="garbage"))


def test_altered_model_files_are_refused(trained, tmp_path):
    import shutil

    _, out = trained
    copy = tmp_path / "copy"
    shutil.copytree(out / "model", copy)
    member = next((copy / "members").iterdir())
    victim = next(member.iterdir())
    victim.write_bytes(victim.read_bytes() + b" ")
    with pytest.raises(ModelFormatError, match="do not match their checksums"):
        mlwright.load(copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["format_version"] = 99
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelFormatError, match="unsupported model format"):
        mlwright.load(copy)


def test_same_seed_same_leaderboard_order():
    frame = make_mixed_frame(300, seed=3)
    settings = {**FAST, "max_trials": 5}
    first = mlwright.train(frame, "label", **settings).leaderboard()
    second = mlwright.train(frame, "label", **settings).leaderboard()
    assert list(first["model"]) == list(second["model"])
    np.testing.assert_allclose(first["score"], second["score"])


def test_regression_and_multiclass(regression_frame, multiclass_frame):
    reg = mlwright.train(regression_frame, "y", **FAST)
    assert reg.task.value == "regression" and reg.metric == "rmse"
    assert reg.info["estimate"]["value"] < regression_frame["y"].std()
    assert reg.predict(regression_frame.head(5)).dtype.kind == "f"
    multi = mlwright.train(multiclass_frame, "label", **FAST)
    assert multi.classes_ == ["alpha", "beta", "gamma"] and multi.metric == "log_loss"
    assert multi.predict_proba(multiclass_frame.head(3)).shape == (3, 3)


def test_the_second_layer_decision_is_recorded_and_can_be_turned_off(multiclass_frame):
    """Whether the layer is kept depends on the data; either way the model says why, and a kept
    layer is what the model predicts with."""
    model = mlwright.train(multiclass_frame, "label", **FAST)
    layer = model.info["second_layer"]
    assert layer["reason"] and layer["applied"] == (model.decision.stacker is not None)
    if layer["applied"]:
        outputs = model.member_outputs(multiclass_frame.head(20))
        np.testing.assert_allclose(model.predict_proba(multiclass_frame.head(20)).to_numpy(),
                                   model.decision.stacker.apply(outputs))
    off = mlwright.train(multiclass_frame, "label", stacking=False, **FAST)
    assert off.decision.stacker is None and off.info["second_layer"]["reason"] == "turned off"


def test_a_regression_metric_trains_regression_on_ratings_the_values_call_classes(tmp_path):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(300, 2))
    rating = np.clip(np.round(2 + 1.2 * x[:, 0] - 0.6 * x[:, 1] + rng.normal(scale=0.4, size=300)), 0, 4)
    frame = pd.DataFrame({"a": x[:, 0], "b": x[:, 1], "rating": rating.astype(int)})
    model = mlwright.train(frame, "rating", metric="rmse", out=tmp_path, **FAST)
    assert model.task.value == "regression" and model.metric == "rmse"
    note = ("the task is regression because the metric 'rmse' was asked for; the values of 'rating' alone looked "
            "like a multiclass task (5 distinct integers).")
    assert note in model.info["notes"]
    assert note in json.loads((tmp_path / "evaluation.json").read_text())["run"]["notes"]
    assert model.info["estimate"]["value"] < frame["rating"].std()
    assert model.predict(frame.head(5)).dtype.kind == "f"
    with pytest.raises(ConfigError, match="metric 'rmse' is for regression, but the task was given as 'multiclass'"):
        mlwright.AutoClassifier(metric="rmse").fit(frame[["a", "b"]], frame["rating"])  # the facade says the task


def test_a_failing_candidate_is_recorded_and_the_search_goes_on(monkeypatch):
    monkeypatch.setenv("MLWRIGHT_TRY", "learned_portfolio")
    entries = {e.family: e for e in registry.learned_portfolio()}
    broken = dataclasses.replace(entries["xgboost"], params={"max_depth": -4})
    monkeypatch.setattr(registry, "learned_portfolio", lambda: (entries["lightgbm"], broken, entries["linear"]))
    model = mlwright.train(make_mixed_frame(), "label", **{**FAST, "families": ("lightgbm", "xgboost", "linear"),
                                                           "max_trials": 3})
    board = model.leaderboard().set_index("family")
    assert board.loc["xgboost", "status"] == "failed" and "max_depth" in board.loc["xgboost", "error"]
    assert (board.loc[["lightgbm", "linear"], "status"] == "ok").all()


def test_larger_data_keeps_an_honest_holdout(fixtures):
    from tests.conftest import ADULT_COLUMNS

    model = mlwright.train(fixtures / "adult_raw_head.csv.gz", "income", read_options={"columns": ADULT_COLUMNS},
                           holdout=True, **FAST)
    assert model.info["estimate"]["method"].startswith("holdout of ")
    assert model.info["rows"]["train"] < model.info["rows"]["total"]


def test_time_limit_is_kept():
    frame = make_mixed_frame(3000, seed=7)
    started = time.time()
    model = mlwright.train(frame, "label", time_limit=12, progress=False)
    elapsed = time.time() - started
    assert elapsed <= 12 * 1.1 + 5
    assert model.info["trials"] >= 2


def test_max_latency_prunes_the_ensemble():
    model = mlwright.train(make_mixed_frame(), "label", max_latency_ms=1e-6, **FAST)
    assert len(model.members) == 1
    assert model.info["latency_limit_met"] is False


def test_default_latency_target_is_recorded_and_inf_turns_it_off(trained):
    model, _ = trained
    assert model.info["latency_limit_ms"] == 1.5
    assert model.info["latency_limit_met"] == (model.info["single_row_latency_ms"] <= 1.5)
    free = mlwright.train(make_mixed_frame(), "label", max_latency_ms=float("inf"), **FAST)
    assert free.info["pruned_for_latency"] == [] and free.info["latency_limit_ms"] is None


def test_resume_reuses_finished_trials(tmp_path):
    frame = make_mixed_frame(300, seed=8)
    first = mlwright.train(frame, "label", out=tmp_path, **{**FAST, "max_trials": 2})
    before = first.leaderboard().set_index("model")["fit_seconds"]
    resumed = mlwright.train(frame, "label", out=tmp_path, resume=True, **{**FAST, "max_trials": 4})
    after = resumed.leaderboard().set_index("model")["fit_seconds"]
    assert len(after) == 4
    pd.testing.assert_series_equal(after.loc[before.index].sort_index(), before.sort_index())
    with pytest.raises(ConfigError, match="data differ"):
        mlwright.train(make_mixed_frame(300, seed=9), "label", out=tmp_path, resume=True, **FAST)


def test_bad_training_input_gets_clear_errors(tmp_path):
    with pytest.raises(DataError, match="has one value only"):
        mlwright.train(pd.DataFrame({"a": range(20), "y": 1}), "y", **FAST)
    with pytest.raises(DataError, match="no target column"):
        mlwright.train(make_mixed_frame(), "nope", **FAST)
    with pytest.raises(DataError, match="no usable feature columns"):
        mlwright.train(pd.DataFrame({"id": range(100), "y": [0, 1] * 50}), "y", **FAST)
    with pytest.raises(ConfigError, match="time_limit must be a positive number"):
        mlwright.train(make_mixed_frame(), "label", time_limit=0)


def test_a_column_of_mixed_garbage_is_used_or_dropped_but_never_breaks_training():
    rng = np.random.default_rng(5)
    frame = make_mixed_frame(300, seed=12)
    garbage = np.where(rng.random(300) < 0.5, rng.normal(size=300).round(3).astype(str),
                       rng.choice(["n/a", "???", "12abc", "", "--", "x"], size=300))
    frame["garbage"] = garbage
    model = mlwright.train(frame, "label", **FAST)
    kinds = {c.name: c.kind for c in model.schema.columns}
    assert kinds["garbage"] in {"categorical", "identifier"}
    assert np.isfinite(model.predict_proba(frame.head(20)).to_numpy()).all()


def test_holdout_validation_scores_only_its_rows_and_ships_the_models_fitted_beside_it(monkeypatch):
    from mlwright.evaluate.metrics import get_metric
    from mlwright.search.validation import HOLDOUT, Validation, holdout_share, validation_folds

    frame = make_mixed_frame(1500, seed=3)
    # refits this small are cheap, and would be done: the search's fits are shipped at any cost here
    monkeypatch.setattr("mlwright.search.refit.REFIT_SHARE", 0.0)
    monkeypatch.setenv("MLWRIGHT_ABLATE", "late_refits")  # nor refitted after the search, time allowing
    # no latency limit: on a busy machine a lone booster over it is cut, and no longer the search's own
    unlimited = {**FAST, "folds": None, "max_latency_ms": float("inf")}
    model = mlwright.train(frame, "label", **unlimited, validation="holdout")
    facts = model.info["validation"]
    assert facts["kind"] == "holdout" and facts["folds"] == 1
    assert facts["rows_scored"] == 300  # 20% of 1,500 rows
    assert "validation holdout of 300 rows" in model.info["estimate"]["method"]
    board = model.leaderboard()
    assert (board["status"] == "ok").all()
    assert len(model.predict(frame.head(7))) == 7
    assert model.info["members_fitted_on"].startswith("the 1,200 rows fitted beside the validation holdout")
    # the shipped members are the search's own: on the validation rows they give the score the search measured
    y = np.searchsorted(model.classes_, frame["label"].to_numpy())
    [(_, valid)] = validation_folds(y, Task.BINARY, Validation(HOLDOUT, 1, "", holdout_share(len(y))), seed=0)
    metric = get_metric(model.metric)
    assert metric.value(y[valid], model.blend(frame.iloc[valid])) == pytest.approx(model.info["oof_score"], rel=1e-9)

    monkeypatch.setenv("MLWRIGHT_ABLATE", "holdout_fits")
    refitted = mlwright.train(frame, "label", **unlimited, validation="holdout")
    assert refitted.info["members_fitted_on"] == "all 1,500 training rows (refitted)"
    assert metric.value(y[valid], refitted.blend(frame.iloc[valid])) != pytest.approx(refitted.info["oof_score"])

    # shipped by the rule, refitted after the search all the same: the time left held the refits
    monkeypatch.delenv("MLWRIGHT_ABLATE")
    late = mlwright.train(frame, "label", **unlimited, validation="holdout")
    assert late.info["members_fitted_on"].startswith("all 1,500 training rows (refitted after the search")
    assert metric.value(y[valid], late.blend(frame.iloc[valid])) != pytest.approx(late.info["oof_score"])
    assert len(late.predict(frame.head(7))) == 7


def test_same_seed_same_leaderboard():
    # without a latency limit: pruning to one is decided by wall-clock timings, which a busy
    # machine changes from run to run (each run records what it pruned, in pruned_for_latency)
    frame = make_mixed_frame(600, seed=4)
    boards = [mlwright.train(frame, "label", **FAST, max_latency_ms=float("inf")).leaderboard() for _ in range(2)]
    columns = ["model", "family", "origin", "status", "score", "ensemble_weight", "params"]
    pd.testing.assert_frame_equal(boards[0][columns], boards[1][columns])
