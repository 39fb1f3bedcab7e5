"""Drift checks as the store keeps them: one row per check, one per checked feature, so that a
feature's drift can be read back as a time series (``history``) and drawn over time."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import and_, insert, select
from sqlalchemy.engine import Engine

from mlwright.registry.tables import drift_checks, drift_features


class DriftLog:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, check: dict, features: list[dict]) -> int:
        """Store one check (``drift_checks`` columns but ``id``; ``checked_at`` defaults to now)
        and its features (``drift_features`` columns but ``id`` and ``check_id``) in one
        transaction; returns the check's id."""
        check = {"checked_at": datetime.now(timezone.utc), **check}
        with self.engine.begin() as connection:
            check_id = connection.execute(insert(drift_checks), check).inserted_primary_key[0]
            if features:
                connection.execute(insert(drift_features), [{**f, "check_id": check_id} for f in features])
        return int(check_id)

    def checks(self, *, model: str | None = None, model_name: str | None = None, limit: int | None = None) -> pd.DataFrame:
        """Stored checks, oldest first (the latest ``limit`` when given)."""
        query = select(drift_checks).where(and_(*_conditions(model, model_name))).order_by(
            drift_checks.c.checked_at.desc(), drift_checks.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            rows = [dict(r) for r in connection.execute(query).mappings().all()]
        return pd.DataFrame(rows[::-1], columns=[c.name for c in drift_checks.columns])

    def history(self, *, model: str | None = None, model_name: str | None = None,
                limit: int | None = None) -> pd.DataFrame:
        """Every feature of the matching checks (the latest ``limit`` checks), oldest first: one
        row per check and feature, with the check's time, verdict and model version."""
        checks = self.checks(model=model, model_name=model_name, limit=limit)
        columns = ["check_id", "checked_at", "model_version", "check_verdict",
                   *[c.name for c in drift_features.columns if c.name not in ("id", "check_id")]]
        if checks.empty:
            return pd.DataFrame(columns=columns)
        query = select(drift_features).where(drift_features.c.check_id.in_(checks["id"].tolist()))
        with self.engine.connect() as connection:
            features = pd.DataFrame([dict(r) for r in connection.execute(query).mappings().all()])
        facts = checks.rename(columns={"id": "check_id", "verdict": "check_verdict"})[
            ["check_id", "checked_at", "model_version", "check_verdict"]]
        merged = facts.merge(features.drop(columns="id"), on="check_id")
        return merged.sort_values(["checked_at", "check_id", "feature"], kind="stable").reset_index(drop=True)[columns]


def _conditions(model: str | None, model_name: str | None) -> list:
    conditions = []
    if model is not None:
        conditions.append(drift_checks.c.model == model)
    if model_name is not None:
        conditions.append(drift_checks.c.model_name == model_name)
    return conditions or [drift_checks.c.id.isnot(None)]
