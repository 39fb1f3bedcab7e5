"""Where a run came from: who ran it on which machine, with which packages, at which commit of
the caller's repository. Enough to rebuild the environment and find the code that trained it."""

from __future__ import annotations

import getpass
import os
import platform
import socket
import subprocess
from importlib import metadata
from pathlib import Path

#: The packages whose versions change a model's result or its files.
TRACKED_PACKAGES = ("mlwright", "numpy", "pandas", "scikit-learn", "lightgbm", "xgboost", "catboost", "optuna",
                    "pyarrow", "sqlalchemy")


def current_user() -> str:
    """MLWRIGHT_USER when set (a service account acting for someone), else the login name."""
    try:
        return os.environ.get("MLWRIGHT_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def environment() -> dict:
    packages = {}
    for name in TRACKED_PACKAGES:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return {"python": platform.python_version(), "platform": platform.platform(), "host": socket.gethostname(),
            "cpu_count": os.cpu_count(), "packages": packages}


def git_state(directory: str | os.PathLike | None = None) -> dict | None:
    """The commit, branch and whether the work tree had changes; None outside a repository."""
    cwd = Path(directory or os.getcwd())

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "branch": git("rev-parse", "--abbrev-ref", "HEAD"),
            "dirty": bool(status) if status is not None else None, "root": git("rev-parse", "--show-toplevel")}
