"""The predictions a service answered, as the store keeps them for monitoring.

Rows arrive in batches from services (see ``mlwright.serve.prediction_log``). A batch may be
sent twice — a service that spooled it while the store was down replays it, and may die between
the store's commit and removing its spool — so rows already stored (same request id and row)
are skipped: replaying is always safe.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from sqlalchemy import and_, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from mlwright.registry.tables import served_predictions as table

#: Request ids looked up at once when skipping rows already stored.
_LOOKUP_CHUNK = 400


class ServedPredictions:
    def __init__(self, engine: Engine):
        self.engine = engine

    def write(self, rows: list[dict]) -> int:
        """Store rows (dicts with the table's columns but ``id``) in one transaction; returns how
        many were new. New rows, the usual case, go in with one insert; only when some are
        already there (a replay, a caller reusing a request id) are they looked up and skipped."""
        if not rows:
            return 0
        rows = list({(r["request_id"], r["row_index"]): r for r in rows}.values())
        try:
            with self.engine.begin() as connection:
                connection.execute(insert(table), rows)
            return len(rows)
        except IntegrityError:
            return self._write_new(rows)

    def _write_new(self, rows: list[dict]) -> int:
        with self.engine.begin() as connection:
            stored: set[tuple[str, int]] = set()
            ids = sorted({r["request_id"] for r in rows})
            for start in range(0, len(ids), _LOOKUP_CHUNK):
                chunk = ids[start:start + _LOOKUP_CHUNK]
                found = connection.execute(select(table.c.request_id, table.c.row_index)
                                           .where(table.c.request_id.in_(chunk))).all()
                stored |= {(request_id, row_index) for request_id, row_index in found}
            new = [r for r in rows if (r["request_id"], r["row_index"]) not in stored]
            if new:
                connection.execute(insert(table), new)
        return len(new)

    def frame(self, *, model_name: str | None = None, model_version: int | None = None,
              models: list[str] | None = None, since: datetime | None = None, until: datetime | None = None,
              limit: int | None = None) -> pd.DataFrame:
        """Stored rows, oldest first: one column per input, then ``prediction``, ``proba_<class>``
        columns, and the request's facts (``request_id``, ``served_at``, ``model``, ``latency_ms``).
        ``models`` keeps the rows served as one of these references (a folder, a URI)."""
        conditions = []
        if models is not None:
            conditions.append(table.c.model.in_(models))
        if model_name is not None:
            conditions.append(table.c.model_name == model_name)
        if model_version is not None:
            conditions.append(table.c.model_version == model_version)
        if since is not None:
            conditions.append(table.c.served_at >= since)
        if until is not None:
            conditions.append(table.c.served_at < until)
        query = select(table).order_by(table.c.id)
        if conditions:
            query = query.where(and_(*conditions))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).mappings().all()
        inputs = pd.DataFrame([r["inputs"] for r in rows])
        probabilities = pd.DataFrame([r["probabilities"] or {} for r in rows]).add_prefix("proba_")
        facts = pd.DataFrame({key: [r[key] for r in rows] for key in
                              ("prediction", "request_id", "row_index", "served_at", "model", "model_name",
                               "model_version", "latency_ms")})
        return pd.concat([inputs, facts[["prediction"]], probabilities, facts.drop(columns="prediction")], axis=1)

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar())

