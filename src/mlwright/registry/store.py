"""The store: the experiment log and the model registry in one database, their files in an
artifact store.

Where it is, first found first: the ``url`` passed in, then ``MLWRIGHT_STORE``, then a SQLite
file in the project folder (``.mlwright/store.db`` under the working directory) — embedded,
nothing to start. PostgreSQL and MariaDB/MySQL stores are named by URL. Opening a store
upgrades its tables in place when they are older than this mlwright.

The artifact root is fixed when a store is created and recorded in it, so that every process
that opens the store later finds the same files: beside the SQLite file by default, else
``.mlwright/artifacts`` under the working directory of the first process (``MLWRIGHT_ARTIFACTS``
or ``artifacts=`` choose another).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError

from mlwright.data.databases import normalize_url, open_engine, redact
from mlwright.registry.artifacts import ArtifactStore, artifact_store_for
from mlwright.registry.migrate import upgrade
from mlwright.registry.runs import RunLog
from mlwright.registry.tables import store_settings
from mlwright.registry.versions import ModelRegistry

if TYPE_CHECKING:
    from mlwright.registry.decisions import RetrainDecisions
    from mlwright.registry.drift_log import DriftLog
    from mlwright.registry.served import ServedPredictions

STORE_ENV, ARTIFACTS_ENV = "MLWRIGHT_STORE", "MLWRIGHT_ARTIFACTS"
PROJECT_DIR = ".mlwright"


@dataclass
class Store:
    """The store's tables by what they hold. The served rows, drift checks and retraining decisions
    are read into pandas frames: their modules load when first used, not for `runs list`."""

    url: str
    engine: Engine
    artifacts: ArtifactStore
    runs: RunLog
    models: ModelRegistry

    @cached_property
    def served(self) -> ServedPredictions:
        from mlwright.registry.served import ServedPredictions

        return ServedPredictions(self.engine)

    @cached_property
    def drift(self) -> DriftLog:
        from mlwright.registry.drift_log import DriftLog

        return DriftLog(self.engine)

    @cached_property
    def decisions(self) -> RetrainDecisions:
        from mlwright.registry.decisions import RetrainDecisions

        return RetrainDecisions(self.engine)

    @property
    def where(self) -> str:
        return redact(self.url)

    def close(self) -> None:
        self.engine.dispose()


def store_url(url: str | None = None) -> str:
    """The store's URL: the one given, else MLWRIGHT_STORE, else the project's SQLite file."""
    chosen = url or os.environ.get(STORE_ENV)
    if chosen:
        return normalize_url(chosen)
    return f"sqlite:///{(Path.cwd() / PROJECT_DIR / 'store.db').resolve()}"


def open_store(url: str | None = None, *, artifacts: str | os.PathLike | None = None) -> Store:
    """Open (creating or upgrading when needed) the store at ``url``."""
    resolved = store_url(url)
    parsed = make_url(resolved)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = open_engine(resolved, where=f"store {redact(resolved)}", serialize_sqlite_writes=True)
    upgrade(engine, where=f"store {redact(resolved)}")
    root = _artifact_root(engine, resolved, artifacts)
    artifact_store = artifact_store_for(root)
    return Store(url=resolved, engine=engine, artifacts=artifact_store, runs=RunLog(engine),
                 models=ModelRegistry(engine, artifact_store))


def _artifact_root(engine: Engine, url: str, override) -> str:
    chosen = override or os.environ.get(ARTIFACTS_ENV)
    if chosen:
        return Path(chosen).resolve().as_uri() if "://" not in str(chosen) else str(chosen)
    with engine.connect() as connection:
        recorded = connection.execute(select(store_settings.c.value)
                                      .where(store_settings.c.key == "artifact_root")).scalar()
    if recorded:
        return recorded
    database = make_url(url).database
    if make_url(url).get_backend_name() == "sqlite" and database and database != ":memory:":
        default = Path(database).resolve().parent / "artifacts"
    else:
        default = (Path.cwd() / PROJECT_DIR / "artifacts").resolve()
    try:
        with engine.begin() as connection:
            connection.execute(insert(store_settings).values(key="artifact_root", value=default.as_uri()))
    except IntegrityError:  # another process recorded it first: use theirs
        return _artifact_root(engine, url, None)
    return default.as_uri()
