"""The decisions of champion/challenger retraining: what was compared, on which rows, with what
result, and whether the challenger was promoted — recorded whichever way it went."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
from sqlalchemy import insert, select
from sqlalchemy.engine import Engine

from mlwright.registry.tables import retrain_decisions


class RetrainDecisions:
    def __init__(self, engine: Engine):
        self.engine = engine

    def record(self, decision: dict) -> int:
        """Store one decision (``retrain_decisions`` columns but ``id``; ``decided_at`` defaults
        to now); returns its id."""
        row = {"decided_at": datetime.now(timezone.utc), **decision}
        with self.engine.begin() as connection:
            return int(connection.execute(insert(retrain_decisions), row).inserted_primary_key[0])

    def list(self, model_name: str | None = None) -> pd.DataFrame:
        """Decisions, oldest first."""
        query = select(retrain_decisions).order_by(retrain_decisions.c.decided_at, retrain_decisions.c.id)
        if model_name is not None:
            query = query.where(retrain_decisions.c.model_name == model_name)
        with self.engine.connect() as connection:
            rows = [dict(r) for r in connection.execute(query).mappings().all()]
        return pd.DataFrame(rows, columns=[c.name for c in retrain_decisions.columns])
