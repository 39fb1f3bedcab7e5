"""`mlwright explain MODEL ROWS`: a saved run explained from the command line.

The command is registered on a local Typer app here, so the test does not depend on how
``cli/app.py`` wires it.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import mlwright
from mlwright.cli.explain_cmd import explain_command
from tests.conftest import make_mixed_frame

app = typer.Typer()
app.command("explain")(explain_command)
app.command("version")(lambda: None)  # a second command keeps "explain" a subcommand, as in the real app


def explain(*args: str):
    return CliRunner().invoke(app, ["explain", *map(str, args)])


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("explain") / "run"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mlwright.train(make_mixed_frame(), "label", out=out, time_limit=8, max_trials=2, folds=2, progress=False,
                       families=("lightgbm", "linear"), checks=False)
    return out


@pytest.fixture
def rows(tmp_path):
    path = tmp_path / "rows.csv"
    make_mixed_frame(rows=30, seed=4).drop(columns="label").to_csv(path, index=False)
    return path


def test_prints_each_row_and_writes_the_long_table(run_dir, rows, tmp_path):
    output = tmp_path / "why.csv"
    result = explain(run_dir, rows, "--top", "3", "--output", output)
    assert result.exit_code == 0, result.output
    assert "row 0: P(yes)" in result.output and "(other columns)" in result.output
    assert "10 more rows" in result.output
    table = pd.read_csv(output)
    assert list(table.columns) == ["row", "class", "prediction", "base", "column", "value", "contribution"]
    assert table["row"].nunique() == 30 and "(other columns)" not in set(table["column"])
    sums = table.groupby("row").agg(p=("prediction", "first"), b=("base", "first"), c=("contribution", "sum"))
    assert np.abs(sums.b + sums.c - sums.p).max() < 1e-9
    assert not list(tmp_path.glob(".*tmp*")), "no temporary file is left behind"


def test_class_option_explains_the_other_class(run_dir, rows, tmp_path):
    output = tmp_path / "why.tsv"
    result = explain(run_dir / "model", rows, "--class", "no", "-o", output)
    assert result.exit_code == 0, result.output
    assert (pd.read_csv(output, sep="\t")["class"] == "no").all()


def test_a_missing_column_is_one_clear_line(run_dir, tmp_path):
    path = tmp_path / "rows.csv"
    make_mixed_frame(rows=5).drop(columns=["label", "x1"]).to_csv(path, index=False)
    result = explain(run_dir, path)
    assert result.exit_code == 2
    message = result.output.strip()
    assert "missing columns the model needs: x1" in message and str(path) in message
    assert "Traceback" not in result.output


def test_no_rows_and_bad_options_are_refused(run_dir, tmp_path):
    empty = tmp_path / "empty.csv"
    make_mixed_frame(rows=5).drop(columns="label").head(0).to_csv(empty, index=False)
    result = explain(run_dir, empty)
    assert result.exit_code == 2 and "no rows to explain" in result.output
    rows = tmp_path / "rows.csv"
    make_mixed_frame(rows=5).drop(columns="label").to_csv(rows, index=False)
    assert "no class 'maybe'" in explain(run_dir, rows, "--class", "maybe").output
    assert ".csv or .tsv" in explain(run_dir, rows, "-o", tmp_path / "why.json").output
    assert "--top" in explain(run_dir, rows, "--top", "0").output
