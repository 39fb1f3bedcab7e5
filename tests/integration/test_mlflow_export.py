"""The MLflow export: `mlflow.pyfunc.load_model` predicts exactly as mlwright does, for every task."""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import mlflow.pyfunc as mlflow_pyfunc
import numpy as np
import pandas as pd
import pytest
import yaml
from mlflow.exceptions import MlflowException

import mlwright
from mlwright.errors import ModelFormatError, OptionalDependencyError
from mlwright.registry.mlflow_export import export_mlflow
from tests.conftest import FAST, make_mixed_frame, make_regression_frame, run_cli


def _multiclass_frame() -> pd.DataFrame:
    """Integer classes (the label column comes out as int64) and an int64 feature, which MLflow
    would refuse where a signature declares ``double``."""
    rng = np.random.default_rng(2)
    rows = 240
    a, b = rng.normal(size=rows), rng.normal(size=rows)
    visits = rng.integers(0, 9, rows)
    label = np.select([a + b > 0.7, a - b > 0.5], [1, 2], default=3)
    return pd.DataFrame({"a": a, "b": b, "visits": visits, "label": label})


PROBLEMS = {"binary": (lambda: make_mixed_frame(300), "label"), "multiclass": (_multiclass_frame, "label"),
            "regression": (lambda: make_regression_frame(240, 1), "y")}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """Each problem trained once and exported once: name -> (run folder, export folder, frame)."""
    done = {}
    for name, (make, target) in PROBLEMS.items():
        root = tmp_path_factory.mktemp(name)
        frame = make()
        mlwright.train(frame, target, out=root / "run", **FAST)
        done[name] = root / "run", export_mlflow(root / "run", root / "mlflow"), frame
    return done


def expected(run, data) -> pd.DataFrame:
    return mlwright.load(run).predict_table(data)


@pytest.mark.parametrize("name", sorted(PROBLEMS))
def test_pyfunc_predicts_exactly_as_mlwright(exported, name):
    run, export, frame = exported[name]
    got = mlflow_pyfunc.load_model(str(export)).predict(frame)
    want = expected(run, frame)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.columns[0] == PROBLEMS[name][1]
    assert (name == "regression") == (list(got.columns) == ["y"])


def test_multiclass_labels_keep_their_integer_type(exported):
    run, export, frame = exported["multiclass"]
    got = mlflow_pyfunc.load_model(str(export)).predict(frame.head(20))
    assert got["label"].dtype == np.int64
    assert list(got.columns) == ["label", "proba_1", "proba_2", "proba_3"]
    np.testing.assert_allclose(got.filter(like="proba_").sum(axis=1), 1.0, rtol=0, atol=1e-12)


def test_rows_with_missing_values(exported):
    run, export, frame = exported["binary"]
    model = mlflow_pyfunc.load_model(str(export))
    used = [c.name for c in mlwright.load(run).schema.used]
    rows = frame.head(3).copy()
    rows.loc[rows.index[0], used] = np.nan  # one row with nothing known
    rows.loc[rows.index[1], ["x1", "colour"]] = np.nan
    pd.testing.assert_frame_equal(model.predict(rows), expected(run, rows), check_exact=True)
    # a one-row request as a service gets it: a dict of values, None where unknown
    request = {name: None for name in used} | {"x1": 0.5}
    got = model.predict(request)
    assert len(got) == 1
    pd.testing.assert_frame_equal(got, expected(run, pd.DataFrame([request])), check_exact=True)


def test_inputs_a_typed_signature_would_refuse(exported):
    """int64 numbers, real datetimes, categories and columns given as dicts of lists all work."""
    run, export, frame = exported["binary"]
    model = mlflow_pyfunc.load_model(str(export))
    varied = frame.assign(x2=frame["x2"].fillna(0).round().astype("int64"), when=pd.to_datetime(frame["when"]),
                          colour=frame["colour"].astype("category"))
    pd.testing.assert_frame_equal(model.predict(varied), expected(run, varied), check_exact=True)
    columns = frame.head(4).to_dict(orient="list")
    pd.testing.assert_frame_equal(model.predict(columns), expected(run, frame.head(4)), check_exact=True)


def test_missing_column_is_refused(exported):
    _, export, frame = exported["regression"]
    with pytest.raises(MlflowException, match="missing inputs.*group"):
        mlflow_pyfunc.load_model(str(export)).predict(frame.drop(columns=["group"]))


def test_export_contents(exported):
    run, export, frame = exported["regression"]
    meta = yaml.safe_load((export / "MLmodel").read_text())
    assert meta["metadata"]["mlwright"]["task"] == "regression"
    assert {c["name"]: c["kind"] for c in meta["metadata"]["mlwright"]["columns"]} == {
        "a": "numeric", "b": "numeric", "group": "categorical"}
    assert meta["flavors"]["python_function"]["artifacts"]["model"]["path"] == "artifacts/model"
    inputs = json.loads(meta["signature"]["inputs"])
    assert [(c["name"], c["type"], c["required"]) for c in inputs] == [
        ("a", "any", True), ("b", "any", True), ("group", "any", True)]
    assert json.loads(meta["signature"]["outputs"]) == [{"type": "double", "name": "y", "required": True}]
    assert f"mlwright=={mlwright.__version__}" in (export / "requirements.txt").read_text().split()
    copied, original = export / "artifacts" / "model", run / "model"
    assert sorted(p.relative_to(copied) for p in copied.rglob("*")) == sorted(
        p.relative_to(original) for p in original.rglob("*"))
    assert (copied / "manifest.json").read_bytes() == (original / "manifest.json").read_bytes()
    assert not [p.name for p in export.parent.iterdir() if p.name.startswith(".")], "no temporary folder is left"


def test_tampered_export_is_refused_at_load(exported, tmp_path):
    _, export, _ = exported["binary"]
    copy = shutil.copytree(export, tmp_path / "copy")
    member = next(p for p in sorted((copy / "artifacts" / "model" / "members").rglob("*")) if p.is_file())
    data = bytearray(member.read_bytes())
    data[len(data) // 2] ^= 0x01
    member.write_bytes(bytes(data))
    with pytest.raises(ModelFormatError, match="do not match their checksums"):
        mlflow_pyfunc.load_model(str(copy))


def test_an_earlier_export_is_replaced(exported, tmp_path):
    target = tmp_path / "exported"
    export_mlflow(exported["binary"][0], target)
    (target / "stale.txt").write_text("from the earlier export")
    export_mlflow(exported["regression"][0], target)
    assert yaml.safe_load((target / "MLmodel").read_text())["metadata"]["mlwright"]["task"] == "regression"
    assert not (target / "stale.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exported"], "no temporary folder is left"


def test_a_folder_that_is_not_an_export_is_refused(exported, tmp_path):
    target = tmp_path / "work"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    with pytest.raises(ModelFormatError, match="not an mlwright MLflow export"):
        export_mlflow(exported["binary"][0], target)
    assert sorted(p.name for p in target.iterdir()) == ["notes.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_missing_mlflow_names_the_extra(exported, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "mlflow.pyfunc", None)  # `import mlflow.pyfunc` now fails
    with pytest.raises(OptionalDependencyError) as caught:
        export_mlflow(exported["binary"][0], tmp_path / "out")
    assert 'pip install "mlwright[mlflow]"' in caught.value.message
    assert not (tmp_path / "out").exists()


def test_cli_export_loads_in_a_fresh_process(exported, tmp_path):
    run, _, frame = exported["multiclass"]
    result = run_cli("export", str(run), "--format", "mlflow", "--output", str(tmp_path / "cli-export"))
    assert result.returncode == 0, result.stderr
    assert f'mlflow.pyfunc.load_model({json.dumps(str((tmp_path / "cli-export").resolve()))})' in result.stdout
    frame.to_parquet(tmp_path / "rows.parquet")
    script = textwrap.dedent("""
        import sys
        import mlflow.pyfunc
        import pandas as pd
        model = mlflow.pyfunc.load_model(sys.argv[1])
        model.predict(pd.read_parquet(sys.argv[2])).to_parquet(sys.argv[3])
    """)
    # nothing is unpickled: the export loads where MLflow is told to refuse pickles
    env = {**os.environ, "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "false"}
    loaded = subprocess.run([sys.executable, "-c", script, str(tmp_path / "cli-export"), str(tmp_path / "rows.parquet"),
                             str(tmp_path / "out.parquet")], capture_output=True, text=True, cwd=tmp_path, env=env,
                            timeout=300)
    assert loaded.returncode == 0, loaded.stderr
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "out.parquet"), expected(run, frame), check_exact=True)


def test_unknown_format_is_a_one_line_error(exported, tmp_path):
    result = run_cli("export", str(exported["binary"][0]), "--format", "pmml", "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.stderr
    assert "'pmml'" in lines[0] and "mlflow" in lines[0] and "onnx" in lines[0] and "Fix:" in lines[0]
    assert not (tmp_path / "out").exists()
