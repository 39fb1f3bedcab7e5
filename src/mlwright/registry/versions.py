"""The model registry: named models with numbered versions and stages.

A version is registered in two steps: its files are copied in whole to the artifact store
under a fresh key, then one transaction numbers it (the next version of its name) and records
the digest of every file. A process killed between the two leaves an unreferenced folder,
never a registered version without its files. The database keeps one production version per
name: a unique column holds the name only while a version is in production.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from mlwright.errors import StoreError, closest_name
from mlwright.registry.artifacts import ArtifactStore, digest_folder, verify_folder
from mlwright.registry.provenance import current_user
from mlwright.registry.records import as_utc, now
from mlwright.registry.tables import model_versions, registered_models, stage_changes

NONE, STAGING, PRODUCTION, ARCHIVED = "none", "staging", "production", "archived"
STAGES = (NONE, STAGING, PRODUCTION, ARCHIVED)
#: Files of a run folder that travel with a registered model: the model, and what explains it.
RUN_FILES = ("model", "report.html", "MODEL_CARD.md", "evaluation.json", "held_out.parquet", "profile.html",
             "profile.json", "leaderboard.csv")
MANIFEST = "manifest.json"  # the model directory's (registry.bundle); not imported: it loads every model library
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
_ATTEMPTS = 20


@dataclass(frozen=True)
class ModelVersion:
    id: int
    name: str
    version: int
    stage: str
    run_id: str | None
    parent_id: int | None
    artifact_uri: str
    artifact_digest: str
    artifact_files: dict
    created_at: datetime
    created_by: str | None
    description: str | None

    @classmethod
    def from_row(cls, row) -> "ModelVersion":
        values = {k: v for k, v in row._mapping.items() if k != "production_slot"}
        values["created_at"] = as_utc(values["created_at"])
        return cls(**values)

    @property
    def uri(self) -> str:
        return f"models:/{self.name}/{self.version}"


@dataclass(frozen=True)
class StageChange:
    from_stage: str
    to_stage: str
    changed_at: datetime
    changed_by: str | None
    reason: str | None


class ModelRegistry:
    def __init__(self, engine: Engine, artifacts: ArtifactStore):
        self.engine, self.artifacts = engine, artifacts

    def register(self, name: str, source: str | Path, *, run_id: str | None = None,
                 parent: ModelVersion | None = None, description: str | None = None,
                 by: str | None = None) -> ModelVersion:
        """Register the model in ``source`` (a run folder or a model folder) as the next version of ``name``."""
        check_name(name)
        entries = _entries(Path(source))
        uri = self.artifacts.put(entries, f"models/{name}/{uuid.uuid4().hex}")
        try:
            digest, files = digest_folder(self.artifacts.local_path(uri))
            return self._number(name, uri, digest, files, run_id=run_id, parent=parent, description=description,
                                by=by or current_user())
        except BaseException:
            self.artifacts.delete(uri)
            raise

    def _number(self, name, uri, digest, files, *, run_id, parent, description, by) -> ModelVersion:
        for _ in range(_ATTEMPTS):  # another process may take the same number: then take the next
            try:
                with self.engine.begin() as connection:
                    if connection.execute(select(registered_models.c.name)
                                          .where(registered_models.c.name == name)).first() is None:
                        connection.execute(insert(registered_models).values(name=name, created_at=now(),
                                                                            created_by=by))
                    latest = connection.execute(select(func.max(model_versions.c.version))
                                                .where(model_versions.c.name == name)).scalar()
                    moment = now()
                    connection.execute(insert(model_versions).values(
                        name=name, version=(latest or 0) + 1, stage=NONE, run_id=run_id,
                        parent_id=parent.id if parent else None, artifact_uri=uri, artifact_digest=digest,
                        artifact_files=files, created_at=moment, created_by=by, description=description))
                    return self._get(connection, name, (latest or 0) + 1)
            except IntegrityError:
                continue
        raise StoreError(f"could not number a new version of {name!r}: too many registrations at once.",
                         where="registry", fix="register again.")

    def get(self, name: str, reference: int | str = "latest") -> ModelVersion:
        """A version by number, by stage (``production``, ``staging``) or ``latest``."""
        with self.engine.connect() as connection:
            known = connection.execute(select(registered_models.c.name)).scalars().all()
            if name not in known:
                guess = closest_name(name, known)
                raise StoreError(f"no model named {name!r} in the registry.", where=f"models:/{name}",
                                 fix=f"did you mean {guess!r}?" if guess else
                                 "list the names with `mlwright models list`; register with `train --register NAME`.")
            reference = str(reference).strip().lower()
            if reference.isdigit():
                found = self._get(connection, name, int(reference))
            elif reference == "latest":
                latest = connection.execute(select(func.max(model_versions.c.version))
                                            .where(model_versions.c.name == name)).scalar()
                found = self._get(connection, name, latest) if latest else None
            elif reference in STAGES:
                row = connection.execute(select(model_versions).where(
                    model_versions.c.name == name, model_versions.c.stage == reference)
                    .order_by(model_versions.c.version.desc())).first()
                found = ModelVersion.from_row(row) if row else None
            else:
                raise StoreError(f"{reference!r} is neither a version number nor a stage.", where=f"models:/{name}",
                                 fix=f"use a number, latest, or one of {', '.join(STAGES)}.")
        if found is None:
            raise StoreError(f"model {name!r} has no version {reference!r}.", where=f"models:/{name}/{reference}",
                             fix=f"see its versions with `mlwright models show {name}`.")
        return found

    def by_id(self, version_id: int) -> ModelVersion:
        with self.engine.connect() as connection:
            row = connection.execute(select(model_versions).where(model_versions.c.id == version_id)).first()
        return ModelVersion.from_row(row)

    def names(self) -> list[dict]:
        """Every registered name with its latest version and the version in production."""
        with self.engine.connect() as connection:
            rows = connection.execute(select(registered_models).order_by(registered_models.c.name)).all()
            latest = dict(connection.execute(select(model_versions.c.name, func.max(model_versions.c.version))
                                             .group_by(model_versions.c.name)).all())
            production = dict(connection.execute(select(model_versions.c.name, model_versions.c.version)
                                                 .where(model_versions.c.stage == PRODUCTION)).all())
            staging = dict(connection.execute(select(model_versions.c.name, func.max(model_versions.c.version))
                                              .where(model_versions.c.stage == STAGING)
                                              .group_by(model_versions.c.name)).all())
        return [{"name": r.name, "latest": latest.get(r.name), "production": production.get(r.name),
                 "staging": staging.get(r.name), "created_at": as_utc(r.created_at)} for r in rows]

    def versions(self, name: str) -> list[ModelVersion]:
        self.get(name, "latest")  # a clear error for an unknown name
        with self.engine.connect() as connection:
            rows = connection.execute(select(model_versions).where(model_versions.c.name == name)
                                      .order_by(model_versions.c.version)).all()
        return [ModelVersion.from_row(r) for r in rows]

    def promote(self, name: str, version: int, stage: str, *, by: str | None = None,
                reason: str | None = None) -> ModelVersion:
        """Move a version to ``stage``; promoting to production archives the version that was there,
        in the same transaction, so a name never has two production versions or none between."""
        stage = stage.strip().lower()
        if stage not in STAGES:
            raise StoreError(f"{stage!r} is not a stage.", where="--stage", fix=f"use one of {', '.join(STAGES)}.")
        by = by or current_user()
        target = self.get(name, int(version))
        for _ in range(_ATTEMPTS):
            try:
                with self.engine.begin() as connection:
                    # the name's row first, as every promotion of the name does: they queue on it.
                    # Without it, InnoDB's locking reads over the name's versions deadlock (MariaDB
                    # error 1213, not an IntegrityError). NO KEY UPDATE on PostgreSQL: registrations
                    # (which only check the key) are not held up.
                    connection.execute(select(registered_models.c.name).where(registered_models.c.name == name)
                                       .with_for_update(key_share=True))
                    current = self._locked(connection, target.id)
                    if current.stage == stage:
                        return current
                    if stage == PRODUCTION:
                        for row in connection.execute(select(model_versions).where(
                                model_versions.c.name == name, model_versions.c.stage == PRODUCTION,
                                model_versions.c.id != current.id).with_for_update()).all():
                            self._move(connection, ModelVersion.from_row(row), ARCHIVED, by,
                                       f"replaced in production by version {current.version}")
                    self._move(connection, current, stage, by, reason)
                    return self._get(connection, name, current.version)
            except IntegrityError:  # another promotion to production won the race: look again
                continue
        raise StoreError(f"could not promote {name} version {version}: too many changes at once.",
                         where="registry", fix="promote again.")

    def history(self, version: ModelVersion) -> list[StageChange]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(stage_changes).where(stage_changes.c.version_id == version.id)
                                      .order_by(stage_changes.c.id)).all()
        return [StageChange(r.from_stage, r.to_stage, as_utc(r.changed_at), r.changed_by, r.reason) for r in rows]

    def folder(self, version: ModelVersion) -> Path:
        """The version's files, verified against the digests taken at registration."""
        path = self.artifacts.local_path(version.artifact_uri)
        verify_folder(path, version.artifact_files, where=f"{version.uri} ({path})")
        return path

    def _move(self, connection: Connection, version: ModelVersion, stage: str, by: str, reason: str | None) -> None:
        connection.execute(update(model_versions).where(model_versions.c.id == version.id).values(
            stage=stage, production_slot=version.name if stage == PRODUCTION else None))
        connection.execute(insert(stage_changes).values(version_id=version.id, from_stage=version.stage,
                                                        to_stage=stage, changed_at=now(), changed_by=by,
                                                        reason=reason))

    @staticmethod
    def _locked(connection: Connection, version_id: int) -> ModelVersion:
        row = connection.execute(select(model_versions).where(model_versions.c.id == version_id)
                                 .with_for_update()).first()
        return ModelVersion.from_row(row)

    @staticmethod
    def _get(connection: Connection, name: str, version: int) -> ModelVersion | None:
        row = connection.execute(select(model_versions).where(model_versions.c.name == name,
                                                              model_versions.c.version == version)).first()
        return ModelVersion.from_row(row) if row else None


def check_name(name: str) -> None:
    if not isinstance(name, str) or not _NAME.match(name):
        raise StoreError(f"{name!r} is not a valid model name.", where="--register",
                         fix="use letters, digits, '-', '_' and '.', starting with a letter or digit "
                             "(at most 200 characters).")


def _entries(source: Path) -> dict[str, Path]:
    """What to copy: a run folder's model and reports, or a bare model folder as ``model``."""
    if (source / MANIFEST).exists():
        return {"model": source}
    if (source / "model" / MANIFEST).exists():
        return {name: source / name for name in RUN_FILES if (source / name).exists()}
    raise StoreError("no mlwright model here (manifest.json not found).", where=str(source),
                     fix="register the folder written by `mlwright train --out DIR`.")
