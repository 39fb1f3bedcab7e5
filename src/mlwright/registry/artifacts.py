"""Where registered files live: the local filesystem by default, behind a small interface that
an object store (S3, GCS, Azure) can implement later without touching the registry.

An artifact is a folder copied in whole under a fresh key, so a version's files never change
after registration: the registry records a digest of every file and refuses to load a folder
that no longer matches.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from mlwright.errors import StoreError
from mlwright.files import file_sha256


class ArtifactStore(Protocol):
    """What the registry needs of a place that keeps files."""

    def put(self, entries: dict[str, Path], key: str) -> str:
        """Copy files and folders (artifact name → local path) in whole under ``key``; return its URI."""

    def local_path(self, uri: str) -> Path:
        """A local folder holding the artifact (for a remote store: a verified download)."""

    def delete(self, uri: str) -> None:
        """Remove an artifact that was never registered (cleaning up after a failure)."""


class LocalArtifactStore:
    """Artifacts as folders under ``root``; their URIs are ``file://`` URLs."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root).resolve()

    @property
    def uri(self) -> str:
        return self.root.as_uri()

    def put(self, entries: dict[str, Path], key: str) -> str:
        target = self.root / key
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:8]}"
        try:
            staging.mkdir()
            for name, path in entries.items():
                if Path(path).is_dir():
                    shutil.copytree(path, staging / name)
                else:
                    shutil.copy2(path, staging / name)
            os.replace(staging, target)  # whole or not at all: a killed copy leaves only a .tmp folder
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return target.as_uri()

    def local_path(self, uri: str) -> Path:
        path = path_of_file_uri(uri)
        if not path.is_dir():
            raise StoreError("the artifact folder is missing.", where=str(path),
                             fix="restore it from a backup, or register the model again.")
        return path

    def delete(self, uri: str) -> None:
        shutil.rmtree(path_of_file_uri(uri), ignore_errors=True)


def artifact_store_for(uri: str) -> ArtifactStore:
    """The artifact store named by a URI (only ``file://`` for now)."""
    scheme = urlparse(uri).scheme
    if scheme in ("", "file"):
        return LocalArtifactStore(path_of_file_uri(uri) if scheme else uri)
    raise StoreError(f"artifact location {uri!r} uses the scheme {scheme!r}, which mlwright cannot store to yet.",
                     where="artifacts", fix="use a local folder (file://...).")


def path_of_file_uri(uri: str) -> Path:
    parsed = urlparse(uri)
    return Path(unquote(parsed.path)) if parsed.scheme == "file" else Path(uri)


def digest_folder(folder: Path) -> tuple[str, dict[str, str]]:
    """The SHA-256 of each file, and one digest over all of them (names included)."""
    files = {str(p.relative_to(folder)): file_sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}
    overall = hashlib.sha256()
    for name, digest in sorted(files.items()):
        overall.update(f"{name}\x00{digest}\n".encode())
    return overall.hexdigest(), files


def verify_folder(folder: Path, files: dict[str, str], *, where: str) -> None:
    """Refuse a folder whose files differ from those registered: changed, missing or added."""
    digest, found = digest_folder(folder)
    changed = sorted(n for n in files if n in found and found[n] != files[n])
    missing = sorted(set(files) - set(found))
    added = sorted(set(found) - set(files))
    if changed or missing or added:
        parts = [f"{label}: {', '.join(names[:5])}" for label, names in
                 (("changed", changed), ("missing", missing), ("added", added)) if names]
        raise StoreError(f"the registered files were altered on disk ({'; '.join(parts)}); refusing to load.",
                         where=where, fix="restore the folder from a backup, or register the model again.")
