"""`mlwright export --format docker`: a well-formed build context whose lock names the versions
installed here, and whose own files serve the model (no docker engine here: the image's command
is run from the context folder itself)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from importlib import metadata

import dockerfile
import httpx
import pytest

import mlwright
from tests.conftest import FAST, make_mixed_frame, run_cli
from tests.integration.test_serve import _free_port

INSTRUCTIONS = {"FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER",
                "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("docker")
    mlwright.train(make_mixed_frame(), "label", out=folder / "run", store=False, **FAST)
    result = run_cli("export", str(folder / "run"), "--format", "docker", "--output", str(folder / "image"))
    assert result.returncode == 0, result.stderr
    return folder


def test_the_dockerfile_is_well_formed_and_complete(exported):
    context = exported / "image"
    commands = dockerfile.parse_file(str(context / "Dockerfile"))
    assert {c.cmd.upper() for c in commands} <= INSTRUCTIONS
    assert commands[0].cmd.upper() == "FROM"
    major_minor_patch = ".".join(map(str, sys.version_info[:3]))
    assert commands[0].value[0] == f"python:{major_minor_patch}-slim"
    for copy in (c for c in commands if c.cmd.upper() == "COPY"):
        assert (context / copy.value[0]).exists(), f"COPY names {copy.value[0]}, which the context lacks"
    entrypoint = next(c for c in commands if c.cmd.upper() == "ENTRYPOINT")
    assert entrypoint.json and entrypoint.value[:4] == ("python", "-m", "mlwright", "serve")
    assert any(c.cmd.upper() == "USER" and c.value[0] != "root" for c in commands), "the service runs as non-root"
    assert (context / "model" / "manifest.json").exists() and (context / "mlwright" / "__init__.py").exists()


def test_the_lock_names_the_exact_installed_versions(exported):
    lines = [line for line in (exported / "image" / "requirements.lock").read_text().splitlines()
             if line and not line.startswith("#")]
    lock = dict(line.split("==") for line in lines)
    assert len(lock) == len(lines), "one pinned version a line"
    for needed in ("fastapi", "uvicorn", "lightgbm", "pandas", "numpy", "scikit-learn", "sqlalchemy", "pydantic",
                   "starlette", "uvloop", "httptools"):
        assert needed in lock, f"{needed} is missing from the lock"
    for name, version in lock.items():
        assert metadata.version(name) == version, name
    assert "mlwright" not in lock and "pytest" not in lock, "neither the project itself nor its test tools"


def test_the_images_command_serves_the_model_from_the_context_alone(exported, tmp_path):
    context = exported / "image"
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(context), "MLWRIGHT_STORE": f"sqlite:///{tmp_path / 'store.db'}"}
    command = [sys.executable, "-m", "mlwright", "serve", str(context / "model"), "--host", "127.0.0.1",
               "--port", str(port), "--no-log-predictions"]
    process = subprocess.Popen(command, env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/ready", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        rows = make_mixed_frame(3, seed=5).drop(columns="label")
        records = rows.astype(object).where(rows.notna(), None).to_dict(orient="records")
        answer = httpx.post(f"http://127.0.0.1:{port}/predict", json=records, timeout=30)
        assert answer.status_code == 200, answer.text
        expected = mlwright.load(exported / "run").predict(rows)
        assert answer.json()["predictions"] == expected.tolist()
        where = subprocess.run([sys.executable, "-c", "import mlwright; print(mlwright.__file__)"], env=env,
                               cwd=tmp_path, capture_output=True, text=True).stdout.strip()
        assert where.startswith(str(context)), "the context's own copy of mlwright is the one imported"
    finally:
        process.terminate()
        process.wait(timeout=20)


def test_an_export_replaces_the_previous_one_whole(exported):
    (exported / "image" / "stale.txt").write_text("from before")
    result = run_cli("export", str(exported / "run"), "--format", "docker", "--output", str(exported / "image"))
    assert result.returncode == 0, result.stderr
    assert not (exported / "image" / "stale.txt").exists()


def test_a_folder_that_is_no_export_is_never_replaced(exported, tmp_path):
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    refused = run_cli("export", str(exported / "run"), "--format", "docker", "--output", str(precious))
    assert refused.returncode == 2 and "not an mlwright docker export" in refused.stderr
    assert (precious / "thesis.txt").read_text() == "years of work"
