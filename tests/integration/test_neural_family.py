"""The neural family through the lifecycle: trained inside the search, saved as arrays with
checksums, and scored, served and exported where torch cannot be imported."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import mlwright
from mlwright.errors import ConfigError
from mlwright.models import mlp_family
from tests.conftest import make_mixed_frame
from tests.requirements import missing

TORCH_MISSING = ("the neural family trains with torch: install the deep extra "
                 "(tools/install_cpu_torch.sh, then pip install -e '.[test,deep]')")
if importlib.util.find_spec("torch") is None:
    missing("TORCH", TORCH_MISSING, module=True)

NEURAL = dict(time_limit=120, max_trials=2, families=("mlp", "linear"), folds=3, progress=False)
#: Put on PYTHONPATH, a ``sitecustomize`` that makes torch absent to the process, as where it was
#: never installed: ``import torch`` and ``importlib.util.find_spec('torch')`` both fail.
NO_TORCH = """import sys


class NoTorch:  # hidden by mlwright's tests
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


sys.meta_path.insert(0, NoTorch())
"""


@pytest.fixture(scope="module")
def neural_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("neural")
    frame = make_mixed_frame(500, seed=4).drop(columns=["when", "note"])  # columns the ONNX export refuses
    model = mlwright.train(frame, "label", out=root / "run", **{**NEURAL, "families": ("mlp",), "max_trials": 1})
    return root, frame, model


def _hide_torch(root: Path) -> dict:
    (root / "hidden").mkdir(parents=True, exist_ok=True)
    (root / "hidden" / "sitecustomize.py").write_text(NO_TORCH)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root / "hidden"), *filter(None, [env.get("PYTHONPATH")])])
    return env


def test_the_network_is_a_member_saved_as_checksummed_arrays_without_pickle(neural_run):
    root, _, model = neural_run
    assert {m.family for m in model.members} == {"mlp"}
    manifest = json.loads((root / "run" / "model" / "manifest.json").read_text())
    names = [m["name"] for m in manifest["members"] if m["family"] == "mlp"]
    assert names
    for name in names:
        assert f"members/{name}/weights.npz" in manifest["files"]
        assert f"members/{name}/network.json" in manifest["files"]
        with np.load(root / "run" / "model" / "members" / name / "weights.npz", allow_pickle=False) as arrays:
            assert all(arrays[key].dtype != object for key in arrays.files)
    board = model.leaderboard()
    assert board.loc[board["family"] == "mlp", "status"].eq("ok").all()


def test_predict_serve_and_export_work_where_torch_cannot_be_imported(neural_run, tmp_path):
    root, frame, model = neural_run
    model.save(tmp_path / "model")
    rows = frame.drop(columns=["label"]).head(60)
    rows.to_csv(tmp_path / "rows.csv", index=False)
    want = model.predict_table(rows)
    env = _hide_torch(tmp_path)
    script = ("import sys, mlwright\n"
              "try:\n    import torch\nexcept ImportError:\n    pass\nelse:\n    sys.exit('torch imported')\n"
              f"m = mlwright.load({str(tmp_path / 'model')!r})\n"
              f"m.predict_table(__import__('pandas').read_csv({str(tmp_path / 'rows.csv')!r}))"
              f".to_csv({str(tmp_path / 'got.csv')!r}, index=False)\n"
              "assert 'torch' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    got = pd.read_csv(tmp_path / "got.csv")
    proba = [c for c in want.columns if c.startswith("proba_")]
    assert np.abs(got[proba].to_numpy(float) - want[proba].to_numpy(float)).max() <= 1e-6
    # the command line, and the ONNX export of the whole model, with torch hidden too
    cli = [sys.executable, "-m", "mlwright"]
    predicted = subprocess.run([*cli, "predict", str(tmp_path / "model"), str(tmp_path / "rows.csv"), "-o",
                                str(tmp_path / "cli.csv")], env=env, capture_output=True, text=True)
    assert predicted.returncode == 0, predicted.stderr
    assert np.abs(pd.read_csv(tmp_path / "cli.csv")[proba].to_numpy(float) - want[proba].to_numpy(float)).max() <= 1e-6
    exported = subprocess.run([*cli, "export", str(tmp_path / "model"), "--format", "onnx", "-o",
                               str(tmp_path / "onnx")], env=env, capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr + exported.stdout
    from mlwright.portable import OnnxModel

    portable = OnnxModel.load(tmp_path / "onnx")
    assert np.abs(portable.predict_table(rows)[proba].to_numpy(float) - want[proba].to_numpy(float)).max() <= 1e-5


def test_the_docker_context_serves_the_network_where_torch_cannot_be_imported(neural_run, tmp_path):
    """The image's lock has no torch, and its own files serve the network over HTTP with torch
    hidden: the answers equal the model's in this process to 1e-6."""
    import httpx

    from tests.integration.test_serve import _free_port

    root, frame, model = neural_run
    context = tmp_path / "image"
    exported = subprocess.run([sys.executable, "-m", "mlwright", "export", str(root / "run"), "--format", "docker",
                               "--output", str(context)], capture_output=True, text=True)
    assert exported.returncode == 0, exported.stderr + exported.stdout
    locked = [line.split("==")[0].strip().lower() for line in (context / "requirements.lock").read_text().splitlines()]
    assert "torch" not in locked and "numpy" in locked
    env = _hide_torch(tmp_path)
    env.update(PYTHONPATH=os.pathsep.join([str(tmp_path / "hidden"), str(context)]),
               MLWRIGHT_STORE=f"sqlite:///{tmp_path / 'store.db'}")
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "mlwright", "serve", str(context / "model"), "--host",
                                "127.0.0.1", "--port", str(port), "--no-log-predictions"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url, ready = f"http://127.0.0.1:{port}", False
        deadline = time.time() + 60
        while time.time() < deadline and not ready and process.poll() is None:
            try:
                ready = httpx.get(f"{url}/ready", timeout=1).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.2)
        assert ready, process.stderr.read().decode() if process.poll() is not None else "not ready in 60 s"
        rows = frame.drop(columns=["label"]).head(20)
        records = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
        answer = httpx.post(f"{url}/predict", json=records, timeout=30)
        assert answer.status_code == 200, answer.text
        served = np.asarray([[row[str(c)] for c in model.classes_] for row in answer.json()["probabilities"]])
        assert np.abs(served - model.predict_proba(rows).to_numpy(float)).max() <= 1e-6
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_training_without_torch_leaves_the_family_out_with_a_note(tmp_path):
    env = _hide_torch(tmp_path)
    frame = make_mixed_frame(200, seed=5)
    frame.to_csv(tmp_path / "table.csv", index=False)
    script = ("import json, mlwright, pandas as pd\n"
              f"m = mlwright.train(pd.read_csv({str(tmp_path / 'table.csv')!r}), 'label', max_trials=1, folds=2,"
              " time_limit=60, progress=False)\n"
              "print(json.dumps(m.info['notes']))\n"
              "try:\n"
              f"    mlwright.train(pd.read_csv({str(tmp_path / 'table.csv')!r}), 'label', families=('mlp',),"
              " max_trials=1, folds=2, time_limit=60, progress=False)\n"
              "except mlwright.errors.ConfigError as exc:\n    print('refused:', exc)\n")
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    notes = json.loads(done.stdout.splitlines()[0])
    assert any("mlp left out" in n and "mlwright[deep]" in n for n in notes)
    assert "refused:" in done.stdout and "mlwright[deep]" in done.stdout


def test_a_table_too_small_for_a_network_skips_the_family_with_a_note():
    frame = make_mixed_frame(90, seed=6)
    model = mlwright.train(frame, "label", **{**NEURAL, "folds": 2})
    assert "mlp" not in set(model.leaderboard()["family"])
    assert any("mlp left out" in n and "too few" in n for n in model.info["notes"])
    with pytest.raises(ConfigError):
        mlwright.train(frame, "label", **{**NEURAL, "families": ("mlp",)})


def test_same_seed_same_weights():
    from mlwright._types import Task
    from mlwright.models.base import FitData

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = (X[:, 0] + np.sin(X[:, 1] * 2) > 0).astype(int)
    nets = []
    for _ in range(2):
        learner = mlp_family.FAMILY.make(dict(mlp_family.FAMILY.portfolio[0], epochs=6), Task.BINARY)
        learner.fit(FitData(X=X, y=y, task=Task.BINARY, n_classes=2, seed=7, threads=2))
        nets.append(learner.network_)
    for (w1, b1), (w2, b2) in zip(nets[0].layers, nets[1].layers):
        np.testing.assert_array_equal(w1, w2)
        np.testing.assert_array_equal(b1, b2)
    np.testing.assert_array_equal(nets[0].frequencies, nets[1].frequencies)


def test_explain_and_report_cover_the_network(neural_run):
    root, frame, _ = neural_run
    html = (root / "run" / "report.html").read_text()
    assert "mlp" in html
    model = mlwright.load(root / "run" / "model")
    explained = model.explain(frame.drop(columns=["label"]).head(5))
    assert len(explained) > 0


def test_the_network_s_contributions_add_up_to_its_answers(neural_run):
    """Per row, base + contributions = the probabilities, with every input column credited and
    nothing left unexplained (the network has an attribution of its own)."""
    from mlwright.evaluate.explain.contributions import UNEXPLAINED, contributions

    _, frame, model = neural_run
    rows = frame.drop(columns=["label"]).head(40)
    explained = contributions(model, rows)
    assert UNEXPLAINED not in explained.columns
    np.testing.assert_allclose(explained.base + explained.values.sum(axis=1), explained.output, atol=1e-6)
    credited = np.abs(explained.values).sum(axis=(0, 2))
    used = [spec.name for spec in model.schema.used]
    assert all(credited[explained.columns.index(name)] > 0 for name in used if name in explained.columns)


def test_a_trial_short_of_time_narrows_the_network_once_and_finishes():
    """The widths follow ``narrower_width``; a restart happens only when the time left holds 16
    epochs of the narrower network; a fit with little time still ends with a network."""
    import time as clock

    from mlwright._types import Task
    from mlwright.models.base import FitData
    from mlwright.models.mlp_training import MIN_EPOCHS, MIN_WIDTH, narrower_width, restart_width

    assert narrower_width(256, MIN_EPOCHS) is None and narrower_width(MIN_WIDTH, 1) is None
    assert narrower_width(256, MIN_EPOCHS / 4) == 128
    assert narrower_width(256, 0.5) == MIN_WIDTH
    # an epoch of 1 s with 64 planned: 100 s left fit them all, 7 s fit 7 at 256 or 16 at 176
    assert restart_width(256, 1.0, 100.0, 64) is None
    narrower = restart_width(256, 1.0, 7.0, 64)
    assert narrower is not None and narrower < 256
    assert restart_width(256, 1.0, 0.5, 64) is None  # too little left even for the narrow one
    assert restart_width(MIN_WIDTH, 1.0, 7.0, 64) is None
    rng = np.random.default_rng(1)
    X = rng.normal(size=(8_000, 12))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    learner = mlp_family.FAMILY.make(dict(mlp_family.FAMILY.portfolio[0]), Task.BINARY)
    learner.fit(FitData(X=X[:6_000], y=y[:6_000], task=Task.BINARY, n_classes=2, X_valid=X[6_000:],
                        y_valid=y[6_000:], seed=0, threads=1, deadline=clock.time() + 0.5))
    assert MIN_WIDTH <= learner.network_.info["width"] <= 256
    assert learner.network_.info["epochs_planned"] >= 1
    assert learner.predict(X[:5]).shape == (5, 2)


def test_the_refit_trains_the_width_the_folds_narrowed_to(tmp_path):
    """A trial whose folds narrowed the network is refitted at that width, not the one asked for;
    the width survives the checkpoint, so a resumed run refits it too."""
    from mlwright._types import Task
    from mlwright.data.schema import infer_schema
    from mlwright.search.checkpoint import Checkpoint
    from mlwright.search.refit import refit_members
    from mlwright.search.trial import OK, TrialResult, TrialSpec, settled

    assert settled({"width": [256, 96, 128], "kind": ["a", "b"]}) == {"width": 96, "kind": "a"}
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    y = (frame["a"] + frame["b"] > 0).astype(int).to_numpy()
    spec = TrialSpec(0, "mlp", dict(mlp_family.FAMILY.portfolio[0]), "portfolio", deadline=time.time() + 60)
    result = TrialResult(spec, OK, score=0.9, oof=np.zeros(400), fold_seconds=[0.1], iterations=[3],
                         trained_params={"width": 96})
    checkpoint = Checkpoint(tmp_path / "checkpoint")
    checkpoint.start({})
    checkpoint.save(result)
    resumed = checkpoint.load()[0]
    assert resumed.refit_params()["width"] == 96 and resumed.spec.params["width"] == 256
    _, members, _ = refit_members(frame, y, schema=infer_schema(frame), task=Task.BINARY, n_classes=2,
                                  results={spec.name: resumed}, weights={spec.name: 1.0}, seed=0, threads=1,
                                  deadline=time.time() + 60, fit_fraction=0.8)
    network = members[0].learner.network_
    assert network.info["width"] == 96 and network.layers[0][0].shape[1] == 96
    assert members[0].params["width"] == 96


def test_the_numpy_network_answers_as_the_torch_one_learned_scale_included(tmp_path):
    """The learned per-column scale is trained, saved and applied by the NumPy forward pass as
    torch applies it; a network saved before the scale existed loads with a scale of one."""
    import torch

    from mlwright._types import Task
    from mlwright.models.base import FitData
    from mlwright.models.mlp_network import WEIGHTS_FILE, Network
    from mlwright.models.mlp_training import TabularNet, embedded_columns

    rng = np.random.default_rng(5)
    X = rng.normal(size=(600, 5))
    X[:, 4] = rng.integers(0, 2, size=600)  # a flag: not embedded
    y = (X[:, 0] + 0.5 * X[:, 1] ** 2 > 0.5).astype(int)
    learner = mlp_family.FAMILY.make(dict(mlp_family.FAMILY.portfolio[0], epochs=8), Task.BINARY)
    learner.fit(FitData(X=X, y=y, task=Task.BINARY, n_classes=2, seed=0, threads=1))
    assert not np.allclose(learner.network_.feature_scale, 1.0)  # it learned something
    torch.manual_seed(0)
    net = TabularNet(5, embedded_columns(X), frequencies=8, embed_dim=4, sigma=0.1, hidden=[32, 32], n_out=3,
                     dropout=0.0, learn_scale=True)
    with torch.no_grad():
        net.feature_scale.copy_(torch.tensor([0.2, 3.0, 1.0, 0.0, 2.0]))
    net.eval()
    with torch.no_grad():
        want = torch.softmax(net(torch.from_numpy(X.astype(np.float32))), dim=1).numpy()
    network = net.to_network(Task.MULTICLASS, 3, 0.0, 1.0, {})
    np.testing.assert_allclose(network.forward(X), want, atol=1e-5)
    network.save(tmp_path)
    with np.load(tmp_path / WEIGHTS_FILE) as arrays:  # as written before the scale existed
        older = {name: arrays[name] for name in arrays.files if name != "feature_scale"}
    np.savez(tmp_path / WEIGHTS_FILE, **older)
    assert np.array_equal(Network.load(tmp_path).feature_scale, np.ones(5, dtype=np.float32))
