"""The command line, run in fresh processes on real files, as a user would."""

import gzip

import pandas as pd
import pytest

from tests.conftest import ADULT_COLUMNS, make_mixed_frame, run_cli

FAST_FLAGS = ["--time-limit", "60", "--max-trials", "3", "--families", "lightgbm,linear,extra_trees", "--folds", "3"]


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory, fixtures):
    out = tmp_path_factory.mktemp("cli") / "titanic"
    result = run_cli("train", str(fixtures / "titanic.csv.gz"), "--target", "survived", "--out", str(out), *FAST_FLAGS)
    assert result.returncode == 0, result.stderr
    return out, result


def test_train_prints_leaderboard_and_saves(cli_run):
    out, result = cli_run
    assert "Leaderboard" in result.stdout and "Estimate roc_auc" in result.stdout
    assert (out / "model" / "manifest.json").exists()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".tsv.gz"])
def test_predict_writes_target_and_probability_columns(cli_run, fixtures, tmp_path, suffix):
    out, _ = cli_run
    target = tmp_path / f"pred{suffix}"
    result = run_cli("predict", str(out), str(fixtures / "titanic.csv.gz"), "-o", str(target), "--chunk-rows", "200")
    assert result.returncode == 0, result.stderr
    table = pd.read_parquet(target) if suffix == ".parquet" else pd.read_csv(target, sep=None, engine="python")
    assert list(table.columns) == ["survived", "proba_0", "proba_1"]
    assert len(table) == 891
    assert table["survived"].isin([0, 1]).all()
    assert not list(tmp_path.glob(".*tmp*")), "no temporary file is left behind"


def test_predict_streams_identically_to_one_chunk(cli_run, fixtures, tmp_path):
    out, _ = cli_run
    one = tmp_path / "one.csv"
    many = tmp_path / "many.csv"
    assert run_cli("predict", str(out), str(fixtures / "titanic.csv.gz"), "-o", str(one)).returncode == 0
    assert run_cli("predict", str(out), str(fixtures / "titanic.csv.gz"), "-o", str(many),
                   "--chunk-rows", "97").returncode == 0
    pd.testing.assert_frame_equal(pd.read_csv(one), pd.read_csv(many))


def one_line_error(result, *needles):
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    text = " ".join(lines)
    assert text.startswith("error:")
    for needle in needles:
        assert needle in text, text


def test_bad_input_errors_are_one_line_with_a_fix(cli_run, tmp_path, fixtures):
    out, _ = cli_run
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    one_line_error(run_cli("train", str(empty), "--target", "y"), "empty.csv", "the file is empty")
    one_line_error(run_cli("train", str(fixtures / "titanic.csv.gz"), "--target", "nope"),
                   "no target column 'nope'", "Fix:")
    # square brackets in a message are text, not terminal markup ("[k]" once vanished as a style tag)
    one_line_error(run_cli("train", str(fixtures / "titanic.csv.gz"), "--target", "income[k]"),
                   "no target column 'income[k]'", "Fix:")
    constant = tmp_path / "constant.csv"
    pd.DataFrame({"a": range(30), "y": 1}).to_csv(constant, index=False)
    one_line_error(run_cli("train", str(constant), "--target", "y"), "one value only", "Fix:")
    partial = tmp_path / "partial.csv"
    pd.read_csv(fixtures / "titanic.csv.gz").drop(columns=["age", "fare"]).to_csv(partial, index=False)
    one_line_error(run_cli("predict", str(out), str(partial), "-o", str(tmp_path / "p.csv")),
                   "missing columns the model needs: age, fare", "Fix:")
    assert not (tmp_path / "p.csv").exists()
    one_line_error(run_cli("predict", str(tmp_path), str(partial), "-o", str(tmp_path / "p.csv")),
                   "no mlwright model here")
    one_line_error(run_cli("predict", str(out), str(partial), "-o", str(tmp_path / "p.xlsx")),
                   "cannot tell the output format")


def test_headerless_raw_file_with_named_columns_and_resume(tmp_path, fixtures):
    out = tmp_path / "adult"
    args = ["train", str(fixtures / "adult_raw_head.csv.gz"), "--target", "income",
            "--columns", ",".join(ADULT_COLUMNS), "--out", str(out), "--time-limit", "60", "--max-trials", "2",
            "--families", "lightgbm,linear", "--folds", "3"]
    assert run_cli(*args).returncode == 0
    result = run_cli("train", "--resume", str(out), "--max-trials", "3", "--time-limit", "60")
    assert result.returncode == 0, result.stderr
    board = pd.read_csv(out / "leaderboard.csv")
    assert len(board) == 3
    test_file = tmp_path / "test.csv.gz"
    with gzip.open(fixtures / "adult_raw_test_head.csv.gz", "rt") as src, gzip.open(test_file, "wt") as dst:
        dst.write(src.read())
    pred = tmp_path / "pred.csv"
    result = run_cli("predict", str(out), str(test_file), "--columns", ",".join(ADULT_COLUMNS), "-o", str(pred))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(pred)
    assert set(table["income"]) <= {"<=50K", ">50K"}
    truth = pd.read_csv(test_file, names=ADULT_COLUMNS, skipinitialspace=True)["income"].str.rstrip(".")
    assert (table["income"] == truth).mean() > 0.75
