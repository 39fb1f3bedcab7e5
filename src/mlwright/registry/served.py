"""The predictions a service answered, as the store keeps them for monitoring.

Rows arrive in batches from services (see ``mlwright.serve.prediction_log``). A batch may be
sent twice — a service that spooled it while the store was down replays it, and may die between
the store's commit and removing its spool — so rows already stored (same request id and row)
are skipped: replaying is always safe.
"""

from __future__ import annotations

import io
import json
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import json as pa_json
from sqlalchemy import Date, Text, and_, cast, func, insert, select, type_coerce
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
        ``models`` keeps the rows served as one of these references (a folder, a URI).

        A monitor reads a million rows at once, so the JSON columns come back as text and are
        decoded in bulk (see ``_objects``) rather than row by row by the database driver."""
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
        sqlite = self.engine.dialect.name == "sqlite"
        # SQLite keeps times as text: parsed by pandas at once, not by the driver row by row
        served_at = type_coerce(table.c.served_at, Text) if sqlite else table.c.served_at
        facts = [served_at.label("served_at") if c == "served_at" else table.c[c] for c in _FACTS]
        documents = [cast(table.c[c], Text).label(c) for c in _DOCUMENTS]
        # by time, then id: the (model, version, time) index gives that order without sorting the rows
        query = select(*facts, *documents).order_by(table.c.served_at, table.c.id)
        if conditions:
            query = query.where(and_(*conditions))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as connection:
            rows = connection.execute(query).all()
        columns = dict(zip((*_FACTS, *_DOCUMENTS), zip(*rows))) if rows else {c: () for c in (*_FACTS, *_DOCUMENTS)}
        del rows
        if sqlite and columns["served_at"]:
            columns["served_at"] = _sqlite_times(columns["served_at"])
        inputs = _objects(columns.pop("inputs"))
        probabilities = _objects(columns.pop("probabilities")).add_prefix("proba_")
        facts = pd.DataFrame({"prediction": _values(columns.pop("prediction")), **columns})
        return pd.concat([inputs, facts[["prediction"]], probabilities, facts.drop(columns="prediction")], axis=1)

    def summary(self, model_name: str, *, recent: int = 5000) -> dict:
        """What a monitoring page shows of a model's served rows: the count per version and per
        day (all rows, counted by the database), and the latency quantiles and predicted values of
        the ``recent`` latest rows (read, as a page must answer quickly whatever the log's size)."""
        day = func.date(table.c.served_at) if self.engine.dialect.name != "postgresql" else \
            cast(table.c.served_at, Date)
        with self.engine.connect() as connection:
            by_version = connection.execute(select(table.c.model_version, func.count()).where(
                table.c.model_name == model_name).group_by(table.c.model_version).order_by(table.c.model_version)).all()
            by_day = connection.execute(select(day.label("day"), func.count()).where(table.c.model_name == model_name)
                                        .group_by(day).order_by(day)).all()
            latest = connection.execute(select(table.c.latency_ms, cast(table.c.prediction, Text)).where(
                table.c.model_name == model_name).order_by(table.c.served_at.desc(), table.c.id.desc())
                .limit(recent)).all()
        latencies = np.array([r[0] for r in latest if r[0] is not None], dtype=float)
        predictions = _values(tuple(r[1] for r in latest))
        return {"rows": int(sum(n for _, n in by_version)), "by_version": [(v, int(n)) for v, n in by_version],
                "by_day": [(str(d), int(n)) for d, n in by_day], "recent": len(latest),
                "latency_p50": float(np.percentile(latencies, 50)) if len(latencies) else None,
                "latency_p90": float(np.percentile(latencies, 90)) if len(latencies) else None,
                "predicted": pd.Series(predictions, dtype=object).astype(str).value_counts().head(10).to_dict()
                if len(predictions) else {}}

    def count(self) -> int:
        with self.engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(table)).scalar())


_FACTS = ("request_id", "row_index", "served_at", "model", "model_name", "model_version", "latency_ms")
_DOCUMENTS = ("inputs", "prediction", "probabilities")
#: The dtypes pandas gives text and datetimes built from Python objects (``str`` or object; the
#: resolution of datetime64): the bulk paths below produce the same.
_TEXT_DTYPE = pd.Series(["text"]).dtype
_DATETIME_DTYPE = pd.Series([datetime(2000, 1, 1)]).dtype
_SCALARS = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_null, pa.types.is_string,
            pa.types.is_large_string)


def _values(texts: tuple) -> list:
    """JSON texts (None for SQL NULL) decoded in one call: a million calls cost seconds in overhead alone."""
    return json.loads("[" + ",".join("null" if t is None else t for t in texts) + "]")


def _objects(texts: tuple) -> pd.DataFrame:
    """JSON objects (null: no keys) as the frame ``pd.DataFrame(decoded objects)`` builds.

    Arrow's JSON reader parses a million objects in a second or two, where decoding them in
    Python and building the frame takes ten; it is used when every text is one object on one
    line and its columns are what pandas builds (numbers, booleans, text, nulls), else the
    objects are decoded in Python. Arrow reads text that looks like a time as a timestamp: such
    columns are read again as text. (pyarrow 26 crashes on a file of bare ``null`` lines, hence
    nulls become ``{}`` first.)"""
    texts = ["{}" if t is None or t == "null" else t for t in texts]
    if not texts:
        return pd.DataFrame()
    data = "\n".join(texts).encode()
    parsed = None
    if data.count(b"\n") == len(texts) - 1 and all(t.startswith("{") for t in texts):
        try:
            parsed = pa_json.read_json(io.BytesIO(data))
            timed = [f.name for f in parsed.schema if pa.types.is_timestamp(f.type) or pa.types.is_date(f.type)]
            if timed:
                as_text = pa.schema([pa.field(name, pa.string()) for name in timed])
                options = pa_json.ParseOptions(explicit_schema=as_text, unexpected_field_behavior="infer")
                parsed = pa_json.read_json(io.BytesIO(data), parse_options=options).select(parsed.schema.names)
        except pa.ArrowException:  # a column mixing kinds (numbers and words)
            parsed = None
    if parsed is None or parsed.num_rows != len(texts) or \
            not all(any(test(f.type) for test in _SCALARS) for f in parsed.schema):
        return pd.DataFrame(_values(texts))
    text = _TEXT_DTYPE if isinstance(_TEXT_DTYPE, pd.api.extensions.ExtensionDtype) else None
    return parsed.to_pandas(types_mapper=lambda kind: text if pa.types.is_string(kind) or
                            pa.types.is_large_string(kind) else None)


def _sqlite_times(texts: tuple) -> pd.Series:
    """SQLite's stored times (naive UTC text, as SQLAlchemy writes them) as the driver would give them."""
    return pd.to_datetime(pd.Series(texts, dtype=object), format="ISO8601").astype(_DATETIME_DTYPE)
