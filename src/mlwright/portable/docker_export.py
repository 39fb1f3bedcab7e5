"""`mlwright export MODEL --format docker`: a build context for an image that serves MODEL.

    OUT/Dockerfile          python:<this Python>-slim, the locked packages, mlwright, the model;
                            runs `mlwright serve` as a non-root user on port 8000
    OUT/requirements.lock   every package the service imports, at the exact version installed
                            here (mlwright's dependencies, followed through their own, with
                            the extras they ask for), so the image runs what was tested here
    OUT/mlwright/           this mlwright's own source, as installed here
    OUT/model/              the model directory, checksums and all
    OUT/.dockerignore, OUT/README.md

The lock is read from the installed distributions' metadata, not from a resolver: the image
gets the versions this machine ran, which is what makes a model reproducible in production.
Everything is written to a temporary folder and renamed into place.
"""

from __future__ import annotations

import platform
import shutil
import uuid
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import mlwright
from mlwright.errors import ConfigError
from mlwright.files import check_export_folder, replace_folder

PORT = 8000
#: System libraries the wheels expect: LightGBM and XGBoost link OpenMP's runtime.
SYSTEM_PACKAGES = ("libgomp1",)


def export_docker(model_dir: Path, output: Path) -> Path:
    """Write the build context for MODEL to ``output`` (replacing an earlier export there)."""
    model_dir, output = Path(model_dir), Path(output)
    check_export_folder(output, model_dir, what="an mlwright docker export", is_export=is_export)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = output.parent / f".{output.name}.tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        lock = locked_requirements("mlwright")
        (staging / "requirements.lock").write_text(render_lock(lock), encoding="utf-8")
        shutil.copytree(model_dir, staging / "model", ignore=shutil.ignore_patterns(".*"))
        shutil.copytree(Path(mlwright.__file__).parent, staging / "mlwright",
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        (staging / "Dockerfile").write_text(render_dockerfile(), encoding="utf-8")
        (staging / ".dockerignore").write_text("**/__pycache__\n**/*.pyc\n", encoding="utf-8")
        (staging / "README.md").write_text(render_readme(), encoding="utf-8")
        return replace_folder(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def is_export(folder: Path) -> bool:
    """A folder this export wrote: only such a folder is replaced by a new export."""
    return all((Path(folder) / name).is_file() for name in ("Dockerfile", "requirements.lock", "model/manifest.json"))


def locked_requirements(root: str) -> dict[str, str]:
    """The installed distributions ``root`` needs to run (name -> exact version), without ``root``.

    Follows each requirement whose environment marker holds here, and the extras requested on
    the way (``uvicorn[standard]`` brings uvloop and httptools); ``root``'s own extras (its test
    tools) are left out.
    """
    wanted: dict[str, set[str]] = {}
    pending: list[tuple[str, frozenset[str]]] = [(root, frozenset())]
    while pending:
        name, extras = pending.pop()
        key = canonicalize_name(name)
        seen = wanted.get(key)
        if seen is not None and extras <= seen:
            continue
        wanted[key] = (seen or set()) | set(extras)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            raise ConfigError(f"the package {name!r} that the service needs is not installed.", where="docker export",
                              fix=f"install it (pip install {name}) and export again.") from None
        for line in requires:
            requirement = Requirement(line)
            if _applies(requirement, wanted[key]):
                pending.append((requirement.name, frozenset(requirement.extras)))
    wanted.pop(canonicalize_name(root))
    return {name: metadata.version(name) for name in sorted(wanted)}


def _applies(requirement: Requirement, extras: set[str]) -> bool:
    if requirement.marker is None:
        return True
    return any(requirement.marker.evaluate({"extra": extra}) for extra in (extras or {""}))


def render_lock(lock: dict[str, str]) -> str:
    lines = ["# Exact versions of every package the mlwright service runs with, as installed where this",
             f"# image was exported (Python {platform.python_version()}, mlwright {mlwright.__version__}).",
             "# Installed with --no-deps: this list is already complete."]
    return "\n".join(lines + [f"{name}=={version}" for name, version in lock.items()]) + "\n"


def render_dockerfile() -> str:
    python = platform.python_version()
    return f"""\
# The mlwright prediction service for one model: `docker build -t my-model .` here, then
# `docker run -p {PORT}:{PORT} -e MLWRIGHT_API_KEYS=secret-key my-model` (see README.md).
FROM python:{python}-slim

ENV PYTHONDONTWRITEBYTECODE=1 \\
    PYTHONUNBUFFERED=1 \\
    PIP_NO_CACHE_DIR=1 \\
    PIP_DISABLE_PIP_VERSION_CHECK=1 \\
    PYTHONPATH=/srv

RUN apt-get update \\
    && apt-get install -y --no-install-recommends {' '.join(SYSTEM_PACKAGES)} \\
    && rm -rf /var/lib/apt/lists/*

WORKDIR /srv
COPY requirements.lock /srv/requirements.lock
RUN pip install --no-deps --requirement /srv/requirements.lock

COPY mlwright /srv/mlwright
COPY model /srv/model
RUN useradd --create-home --uid 10001 mlwright \\
    && mkdir -p /srv/.mlwright \\
    && chown -R mlwright /srv/.mlwright
USER mlwright

EXPOSE {PORT}
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s \\
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:{PORT}/health', timeout=2)"]
ENTRYPOINT ["python", "-m", "mlwright", "serve", "/srv/model", "--host", "0.0.0.0", "--port", "{PORT}"]
"""


def render_readme() -> str:
    return f"""\
# The model, served

    docker build -t my-model .
    docker run -p {PORT}:{PORT} -e MLWRIGHT_API_KEYS=choose-a-long-key my-model

The service listens on all interfaces inside the container, so it refuses to start without an
API key (`MLWRIGHT_API_KEYS`, comma-separated). Then:

    curl -H "X-API-Key: choose-a-long-key" -H "Content-Type: application/json" \\
         -d '{{...one record...}}' http://127.0.0.1:{PORT}/predict

The request schema is at /openapi.json (interactive page: /docs). Served predictions are logged
to the store named by `MLWRIGHT_STORE` (e.g. `-e MLWRIGHT_STORE=postgresql://user@db/mlwright`);
without it they go to a SQLite file inside the container, lost with it. More options go after
the image name, e.g. `--workers 2`. `requirements.lock` pins every package at the version the
model was exported with.
"""
