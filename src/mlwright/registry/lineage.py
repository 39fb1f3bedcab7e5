"""Lineage: from a registered version back to what made it — its run, the data that run read
(fingerprint and source), the code (git commit), its report, and the versions it descends
from — and forward to the versions retrained from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from mlwright.registry.artifacts import path_of_file_uri
from mlwright.registry.runs import Run
from mlwright.registry.tables import model_versions
from mlwright.registry.versions import ModelVersion


@dataclass
class Lineage:
    version: ModelVersion
    run: Run | None
    report: Path | None
    model_card: Path | None
    ancestors: list[ModelVersion] = field(default_factory=list)
    children: list[ModelVersion] = field(default_factory=list)

    @property
    def data_fingerprint(self) -> dict | None:
        return self.run.data if self.run is not None else None

    def as_dict(self) -> dict:
        run = self.run
        return {
            "model": self.version.uri, "stage": self.version.stage, "artifact": self.version.artifact_uri,
            "artifact_digest": self.version.artifact_digest,
            "run": None if run is None else {
                "id": run.id, "status": run.status, "started_at": run.started_at.isoformat(), "source": run.source,
                "data": {k: v for k, v in (run.data or {}).items() if k != "schema"}, "git": run.git,
                "estimate": (run.metrics or {}).get("estimate")},
            "report": str(self.report) if self.report else None,
            "model_card": str(self.model_card) if self.model_card else None,
            "parents": [v.uri for v in self.ancestors], "children": [v.uri for v in self.children],
        }


def lineage_of(store, version: ModelVersion) -> Lineage:
    """The lineage of ``version`` in ``store`` (a :class:`mlwright.registry.store.Store`)."""
    run = store.runs.get(version.run_id) if version.run_id else None
    folder = path_of_file_uri(version.artifact_uri)
    ancestors, seen, parent_id = [], {version.id}, version.parent_id
    while parent_id is not None and parent_id not in seen:  # a cycle cannot be registered; guard anyway
        parent = store.models.by_id(parent_id)
        ancestors.append(parent)
        seen.add(parent.id)
        parent_id = parent.parent_id
    with store.engine.connect() as connection:
        rows = connection.execute(select(model_versions).where(model_versions.c.parent_id == version.id)
                                  .order_by(model_versions.c.id)).all()
    return Lineage(version=version, run=run,
                   report=folder / "report.html" if "report.html" in version.artifact_files else None,
                   model_card=folder / "MODEL_CARD.md" if "MODEL_CARD.md" in version.artifact_files else None,
                   ancestors=ancestors, children=[ModelVersion.from_row(r) for r in rows])
