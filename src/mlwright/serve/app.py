"""The prediction service: a FastAPI application around one model.

    POST /predict    one record (a JSON object) or a list of records; predictions, class
                     probabilities and the model's version; ``?explain=N`` adds each row's N
                     largest contributions
    GET  /health     the process answers
    GET  /ready      the model is loaded and scores a row
    GET  /metadata   the model's inputs (name, kind, required), target, classes, metrics
    GET  /metrics    Prometheus: requests, latency histograms, rows scored, what was predicted

Records are checked against the model's training schema before scoring: a value a column
cannot hold is a 422 naming the row, the field and the problem; fields the model does not use
are ignored and named in an ``X-Mlwright-Warning`` header. Bodies over ``max_body_bytes`` are
refused with 413 before they are read whole. With API keys, every route but /health needs one
(``X-API-Key`` or ``Authorization: Bearer``), compared in constant time; nothing of a key or of
a request's values is logged.
"""

from __future__ import annotations

import hmac
import json
import math
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from mlwright.data.schema import NUMERIC
from mlwright.files import json_ready
from mlwright.serve.metrics import CONTENT_TYPE_LATEST, ServiceMetrics
from mlwright.serve.reload import RegistryWatcher, follows_registry

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
_OPEN_ROUTES = {"/health", "/docs", "/openapi.json"}
_ROUTES = {"/predict", "/health", "/ready", "/metadata", "/metrics", "/docs", "/openapi.json"}


@dataclass
class ServiceSettings:
    api_keys: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    store: str | None = None
    #: How often a service on models:/NAME/STAGE looks for a new version (0: never).
    reload_seconds: float = 10.0


@dataclass
class LoadedModel:
    """The model a service scores with, and how it was named (a folder or a registry URI)."""

    reference: str
    model: object
    version: str
    loaded_at: float = field(default_factory=time.time)


def load_served_model(reference: str, store: str | None = None) -> LoadedModel:
    from mlwright.registry.uris import is_model_uri, load

    model = load(reference, store=store)
    version = reference
    if is_model_uri(reference):
        from mlwright.registry.store import open_store
        from mlwright.registry.uris import parse_model_uri

        opened = open_store(store)
        try:
            version = opened.models.get(*parse_model_uri(reference)).uri
        finally:
            opened.close()
    return LoadedModel(reference=reference, model=model, version=version)


def create_app(served: LoadedModel, settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        watcher = None
        if settings.reload_seconds > 0 and follows_registry(served.reference):
            watcher = RegistryWatcher(app, settings.reload_seconds)
            watcher.start()
        app.state.watcher = watcher
        yield
        if watcher is not None:
            watcher.stop()

    app = FastAPI(title=f"mlwright: {served.model.target.name}", version=served.version, lifespan=lifespan,
                  description=f"Predicts {served.model.target.name!r} ({served.model.task.value}) with {served.version}.")
    app.state.served, app.state.settings = served, settings
    app.state.metrics = metrics = ServiceMetrics(served.model.task.is_classification)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        started = time.perf_counter()
        route = request.url.path if request.url.path in _ROUTES else "other"
        if settings.api_keys and request.url.path not in _OPEN_ROUTES and not _authorised(request, settings.api_keys):
            response = JSONResponse({"detail": "a valid API key is required (X-API-Key header)."}, status_code=401)
        else:
            length = request.headers.get("content-length")
            if length is not None and length.isdigit() and int(length) > settings.max_body_bytes:
                response = JSONResponse({"detail": f"the body is over {settings.max_body_bytes} bytes."},
                                        status_code=413)
            else:
                response = await call_next(request)
        metrics.observe_request(route, response.status_code, time.perf_counter() - started)
        return response

    @app.get("/metrics")
    def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready")
    def ready() -> JSONResponse:
        model = app.state.served.model
        try:
            model.predict_table(pd.DataFrame([{c.name: None for c in model.schema.used}]))
        except Exception as exc:  # noqa: BLE001 - not ready is an answer, with its reason
            return JSONResponse({"status": "not ready", "reason": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ready", "model": app.state.served.version})

    @app.get("/metadata")
    def metadata() -> dict:
        return describe(app.state.served)

    @app.post("/predict")
    async def predict(request: Request, explain: int = 0) -> JSONResponse:
        body = await _read_body(request, settings.max_body_bytes)
        if isinstance(body, JSONResponse):
            return body
        served = app.state.served
        records, problems, ignored = check_records(body, served.model)
        if problems:
            return JSONResponse({"detail": problems}, status_code=422)
        frame = pd.DataFrame(records, columns=[c.name for c in served.model.schema.used])
        started = time.perf_counter()
        table = served.model.predict_table(frame)
        probabilities = table[[f"proba_{c}" for c in served.model.classes_]].to_numpy() \
            if served.model.task.is_classification else None
        metrics.observe_predictions(table[served.model.target.name].tolist(), probabilities)
        answer = _answer(served, table, frame, explain)
        answer["latency_ms"] = round((time.perf_counter() - started) * 1000, 3)
        headers = {"X-Mlwright-Warning": f"ignored unknown fields: {', '.join(sorted(ignored))}"} if ignored else {}
        return JSONResponse(json_ready(answer), headers=headers)

    return app


def describe(served: LoadedModel) -> dict:
    model = served.model
    return json_ready({
        "model": served.version, "target": model.target.name, "task": model.task.value,
        "classes": model.classes_ if model.task.is_classification else None, "metric": model.metric,
        "estimate": model.info.get("estimate"), "threshold": model.threshold,
        "features": [{"name": c.name, "kind": c.kind, "type": "number" if c.kind == NUMERIC else "string",
                      "required": True, "nullable": True} for c in model.schema.used],
    })


def check_records(body, model) -> tuple[list[dict], list[dict], set[str]]:
    """The records of a body, the problems found (row, field, problem) and the unknown fields."""
    rows = [body] if isinstance(body, dict) else body
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        return [], [{"row": None, "field": None,
                     "problem": "send one record as a JSON object or a non-empty list of objects"}], set()
    used = {c.name: c for c in model.schema.used}
    problems, ignored, records = [], set(), []
    for index, row in enumerate(rows):
        ignored |= set(row) - set(used) - {model.target.name}
        record = {}
        for name, spec in used.items():
            if name not in row:
                problems.append({"row": index, "field": name, "problem": "missing (send null for an unknown value)"})
                continue
            value, problem = _value(row[name], spec.kind == NUMERIC)
            if problem:
                problems.append({"row": index, "field": name, "problem": problem})
            record[name] = value
        records.append(record)
    return records, problems[:100], ignored


def _value(value, numeric: bool):
    if value is None:
        return None, None
    if isinstance(value, bool):
        return (float(value), None) if numeric else (str(value).lower(), None)
    if isinstance(value, (int, float)):
        if not math.isfinite(float(value)) or abs(float(value)) > 1e300:
            return None, "not a finite number"
        return (float(value), None) if numeric else (str(value), None)
    if isinstance(value, str):
        if len(value) > 10_000:
            return None, "longer than 10,000 characters"
        if not numeric:
            return value, None
        try:
            number = float(value)
        except ValueError:
            return None, f"expected a number, got text ({len(value)} characters)"
        return (number, None) if math.isfinite(number) else (None, "not a finite number")
    return None, f"expected a {'number' if numeric else 'string'}, got {type(value).__name__}"


async def _read_body(request: Request, limit: int):
    if "json" not in request.headers.get("content-type", "").lower():
        return JSONResponse({"detail": "send the records as JSON (Content-Type: application/json)."}, status_code=415)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return JSONResponse({"detail": f"the body is over {limit} bytes."}, status_code=413)
        chunks.append(chunk)
    try:
        return json.loads(b"".join(chunks))
    except (ValueError, UnicodeDecodeError):
        return JSONResponse({"detail": "the body is not valid JSON."}, status_code=400)


def _answer(served: LoadedModel, table: pd.DataFrame, frame: pd.DataFrame, explain: int) -> dict:
    model = served.model
    answer: dict = {"model": served.version, "predictions": table[model.target.name].tolist()}
    if model.task.is_classification:
        answer["probabilities"] = [dict(zip(model.classes_, row)) for row in
                                   table[[f"proba_{c}" for c in model.classes_]].to_numpy().tolist()]
    if explain > 0:
        from mlwright.evaluate.explain.rows import explain_frame

        why = explain_frame(model, frame.reset_index(drop=True), top=min(int(explain), 20))
        answer["explanations"] = [group.drop(columns="row").to_dict(orient="records")
                                  for _, group in why.groupby("row", sort=True)]
    return answer


def _authorised(request: Request, keys: tuple[str, ...]) -> bool:
    given = request.headers.get("x-api-key") or ""
    bearer = request.headers.get("authorization", "")
    if not given and bearer.lower().startswith("bearer "):
        given = bearer[7:].strip()
    found = False
    for key in keys:  # every key compared, in constant time: the answer's timing tells nothing
        found |= hmac.compare_digest(given.encode(), key.encode())
    return found
