"""`mlwright test MODEL DATA`: a table of results and exit codes 0 (all pass), 1 (a test fails),
2 (bad model, data or spec), on a real saved model."""

import json

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

import mlwright
from mlwright.cli import test_cmd

# until the command is registered in cli/app.py, a local app with the same wiring
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command("test")(test_cmd.test_command)


@app.callback()
def _root() -> None:
    """Keep `test` a subcommand, as in the real app."""


def frame(rows: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x, colour = rng.normal(size=rows), rng.choice(["red", "blue"], size=rows)
    logit = 2.5 * x + (colour == "red") * 1.0
    label = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame({"x": x, "colour": colour, "amount": rng.uniform(0, 100, rows), "label": label})


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    root = tmp_path_factory.mktemp("model_tests_cli")
    mlwright.train(frame(500, 0), "label", out=root / "run", time_limit=120, max_trials=3, families=("lightgbm",),
                   progress=False)
    data = root / "data.csv"
    frame(300, 1).to_csv(data, index=False)
    return root / "run", data


def invoke(*args: str):
    return CliRunner().invoke(app, ["test", *map(str, args)])


def write(folder, name: str, text: str):
    path = folder / name
    path.write_text(text)
    return path


def one_line_error(result, *needles: str) -> str:
    assert result.exit_code == 2, (result.exit_code, result.output)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_default_suite_passes_and_exits_zero(saved, tmp_path):
    run_dir, data = saved
    output = tmp_path / "out" / "results.json"
    result = invoke(run_dir, data, "--output", output)
    assert result.exit_code == 0, result.output
    assert "Model tests (default suite)" in result.stdout and result.stdout.count("PASS") == 2
    assert "all 2 tests passed" in result.stdout
    payload = json.loads(output.read_text())
    assert payload["passed"] is True and payload["spec"] == "default suite"
    assert [r["kind"] for r in payload["results"]] == ["refuses_unscorable", "beats_baseline"]
    assert not list(output.parent.glob(".*tmp")), "atomic write leaves no temporary file"


def test_a_failing_test_exits_one_and_says_what_was_measured(saved, tmp_path):
    run_dir, data = saved
    spec = write(tmp_path, "checks.yml", "tests:\n"
                 "  - name: overall AUC\n    minimum: {metric: roc_auc, value: 0.7}\n"
                 "  - minimum: {metric: accuracy, value: 0.99, slice: {column: colour, equals: red}}\n"
                 "  - invariance: {column: colour, max_change: 0.001}\n"
                 "  - directional: {column: x, direction: increasing, by: 1, tolerance: 0.05}\n"
                 "  - refuses_unscorable: {}\n")
    output = tmp_path / "results.json"
    result = invoke(run_dir / "model", data, "--spec", spec, "-o", output)
    assert result.exit_code == 1, result.output
    assert result.stdout.count("PASS") == 3 and result.stdout.count("FAIL") == 2
    assert "2 of 5 tests failed" in result.stdout
    results = json.loads(output.read_text())["results"]
    assert [(r["name"], r["passed"]) for r in results] == [
        ("overall AUC", True), ("accuracy >= 0.99 on colour = red", False), ("invariance to colour", False),
        ("increasing in x (+1)", True), ("refuses data it cannot score", True)]
    assert "where colour = red; minimum 0.99" in results[1]["detail"]


def test_python_spec_checks_run_with_the_loaded_model(saved, tmp_path):
    run_dir, data = saved
    spec = write(tmp_path, "checks.py", "def check_predicts_both_classes(model, data):\n"
                                        "    assert set(model.predict(data)) == {'no', 'yes'}, 'one class only'\n\n"
                                        "def check_enough_rows(model, data):\n"
                                        "    return len(data) >= 300 or f'only {len(data)} rows'\n")
    result = invoke(run_dir, data, "--spec", spec)
    assert result.exit_code == 0, result.output
    assert "check_predicts_both_classes" in result.stdout and "all 2 tests passed" in result.stdout
    small = write(tmp_path, "small.csv", "")
    pd.read_csv(data).head(50).to_csv(small, index=False)
    result = invoke(run_dir, small, "--spec", spec)
    assert result.exit_code == 1 and "only 50 rows" in result.stdout


def test_headerless_data_with_named_columns(saved, tmp_path):
    run_dir, data = saved
    bare = tmp_path / "bare.tsv"
    pd.read_csv(data).to_csv(bare, index=False, header=False, sep="\t")
    result = invoke(run_dir, bare, "--no-header", "--sep", "tab", "--columns", "x,colour,amount,label")
    assert result.exit_code == 0, result.output


def test_bad_input_exits_two_with_one_line(saved, tmp_path):
    run_dir, data = saved
    typo = write(tmp_path, "typo.yml", "tests:\n  - invariance: {column: color, max_change: 0.1}\n")
    one_line_error(invoke(run_dir, data, "--spec", typo), "typo.yml:2 tests[0].invariance.column",
                   "no column 'color'", "Did you mean 'colour'?", "Fix:")
    kind = write(tmp_path, "kind.yml", "tests:\n  - monotone: {column: x}\n")
    one_line_error(invoke(run_dir, data, "--spec", kind), "kind.yml:2 tests[0].monotone", "unknown test kind")
    metric = write(tmp_path, "metric.yml", "tests:\n  - minimum: {metric: auc, value: 0.8}\n")
    one_line_error(invoke(run_dir, data, "--spec", metric), "metric.yml:2 tests[0].minimum.metric", "unknown metric")
    missing = write(tmp_path, "missing.yml", "tests:\n  - minimum: {metric: roc_auc}\n")
    one_line_error(invoke(run_dir, data, "--spec", missing), "missing.yml:2 tests[0].minimum.value", "missing")
    partial = tmp_path / "partial.csv"
    pd.read_csv(data).drop(columns="x").to_csv(partial, index=False)
    one_line_error(invoke(run_dir, partial), "missing columns the model needs: x")
    one_line_error(invoke(tmp_path, data), "no mlwright model here")
    one_line_error(invoke(run_dir, data, "--spec", tmp_path / "absent.yml"), "no such spec file")
