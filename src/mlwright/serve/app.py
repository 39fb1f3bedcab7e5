"""The prediction service: a FastAPI application around one model.

    POST /predict    one record (a JSON object), a list of records, or CSV with a header row
                     (Content-Type: text/csv); predictions, class probabilities, the model's
                     version and the request id; ``?explain=N`` adds each row's N largest
                     contributions; ``Accept: text/csv`` answers in CSV
    GET  /health     the process answers
    GET  /ready      the model is loaded and scores a row
    GET  /metadata   the model's inputs (name, kind, type, known values), target, classes, metrics
    GET  /metrics    Prometheus: requests, latency histograms, rows scored, what was predicted
    POST /forecast   a forecasting model's future rows, in place of /predict (``serve.forecast_route``)

The request body's schema in the OpenAPI spec (/openapi.json, /docs) is the model's training
schema (see ``serve.records``): a record that breaks it is a 422 naming the row, the field and
the problem. API keys, the body limit and request ids are the guard's (``serve.guard``). Every
scored row is logged to the store off the request path (``serve.prediction_log``). Nothing of a
key or of a request's values is written to the service's log.
"""

from __future__ import annotations

import gc
import io
import logging
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from mlwright.data.schema import NUMERIC
from mlwright.errors import ConfigError, MlwrightError
from mlwright.files import json_ready
from mlwright.serve import forecast_route
from mlwright.serve.forecast_route import is_forecast
from mlwright.serve.guard import ServiceGuard
from mlwright.serve.metrics import CONTENT_TYPE_LATEST, ServiceMetrics
from mlwright.serve.prediction_log import PredictionLogger, ServedRequest
from mlwright.serve.records import BadBody, RecordSchema
from mlwright.serve.reload import RegistryWatcher, follows_registry

DEFAULT_MAX_BODY_BYTES = 10 * 1024 * 1024
MAX_EXPLAINED = 20
log = logging.getLogger("mlwright.serve")


@dataclass
class ServiceSettings:
    api_keys: tuple[str, ...] = ()
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    store: str | None = None
    #: How often a service on models:/NAME/STAGE looks for a new version (0: never).
    reload_seconds: float = 10.0
    #: Log every scored row to the store (off the request path), spooling here when it is down.
    log_predictions: bool = True
    spool_dir: Path = Path(".mlwright/spool")
    #: Refuse categories the model never saw (422) instead of scoring them as rare ones.
    strict_categories: bool = False
    #: Browser origins allowed to call the service (CORS); none by default.
    cors_origins: tuple[str, ...] = ()
    #: "python" (the model as trained) or "onnx" (the same model converted, run by onnxruntime).
    runtime: str = "python"


@dataclass
class LoadedModel:
    """The model a service scores with, how it was named (a folder or a registry URI), and the
    schema of what callers may send it (None for a forecasting model: it reads no records)."""

    reference: str
    model: object
    version: str
    inputs: RecordSchema | None
    loaded_at: float = field(default_factory=time.time)


def load_served_model(reference: str, settings: ServiceSettings | None = None) -> LoadedModel:
    from mlwright.registry.uris import is_model_uri, load

    settings = settings or ServiceSettings()
    model = load(reference, store=settings.store)
    version = reference
    if is_model_uri(reference):
        from mlwright.registry.store import open_store
        from mlwright.registry.uris import parse_model_uri

        opened = open_store(settings.store)
        try:
            version = opened.models.get(*parse_model_uri(reference)).uri
        finally:
            opened.close()
    if is_forecast(model):
        if settings.runtime != "python":
            raise ConfigError("a forecasting model has no ONNX form.", where="--runtime",
                              fix="serve it with --runtime python.")
        forecast_route.check_ready(model)  # the first forecast compiles the statistical methods: not on a request
        return LoadedModel(reference=reference, model=model, version=version, inputs=None)
    if settings.runtime == "onnx":
        from mlwright.portable.onnx_runtime import OnnxModel

        model = OnnxModel.from_trained(model)
    return LoadedModel(reference=reference, model=model, version=version,
                       inputs=RecordSchema(model, strict_categories=settings.strict_categories))


def create_app(served: LoadedModel, settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings()
    metrics = ServiceMetrics(not is_forecast(served.model) and served.model.task.is_classification)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        watcher = None
        if settings.reload_seconds > 0 and follows_registry(served.reference):
            watcher = RegistryWatcher(app, settings.reload_seconds)
            watcher.start()
        if app.state.prediction_log is not None:
            app.state.prediction_log.start()
        app.state.watcher = watcher
        _settle_garbage_collector()
        yield
        if watcher is not None:
            watcher.stop()
        if app.state.prediction_log is not None:
            app.state.prediction_log.stop()

    target = served.model.history.target if is_forecast(served.model) else served.model.target.name
    app = FastAPI(title=f"mlwright: {target}", version=served.version, lifespan=lifespan,
                  description=f"{'Forecasts' if is_forecast(served.model) else 'Predicts'} {target!r} "
                              f"({task_words(served.model)}) with {served.version}.")
    app.state.served, app.state.settings, app.state.metrics = served, settings, metrics
    app.state.prediction_log = PredictionLogger(settings.store, settings.spool_dir, on_outcome=metrics.observe_logged) \
        if settings.log_predictions else None
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    app.add_middleware(ServiceGuard, api_keys=settings.api_keys, max_body_bytes=settings.max_body_bytes,
                       metrics=metrics)
    if settings.cors_origins:  # outermost, so that a browser's preflight needs no key
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type", "X-API-Key", "Authorization", "X-Request-ID"],
                           expose_headers=["X-Request-ID", "X-Mlwright-Model", "X-Mlwright-Warning"])

    @app.exception_handler(RequestValidationError)
    async def invalid_parameters(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [{"row": None, "field": str(e["loc"][-1]), "problem": e["msg"]} for e in exc.errors()]
        return JSONResponse({"detail": problems}, status_code=422)

    @app.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    def prometheus() -> Response:
        return Response(metrics.exposition(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/health", summary="The process answers")
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready", summary="The model is loaded and scores a row",
             responses={503: {"description": "The model cannot score yet."}})
    def ready() -> JSONResponse:
        model = app.state.served.model
        try:
            if is_forecast(model):
                forecast_route.check_ready(model)
            else:
                model.predict_table(pd.DataFrame([{c.name: None for c in model.schema.used}]))
        except Exception as exc:  # noqa: BLE001 - not ready is an answer, with its reason
            return JSONResponse({"status": "not ready", "reason": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ready", "model": app.state.served.version})

    @app.get("/metadata", summary="The model's inputs, target, classes and metrics")
    def metadata() -> dict:
        served = app.state.served
        return forecast_route.describe(served) if is_forecast(served.model) else describe(served)

    @app.post("/predict", summary="Score one record, a list of records, or CSV rows",
              openapi_extra={"x-mlwright-predict": True})
    async def predict(request: Request,
                      explain: int = Query(0, ge=0, le=MAX_EXPLAINED,
                                           description="Add each row's N largest contributions.")) -> Response:
        request_id = request.scope["state"]["request_id"]
        if is_forecast(app.state.served.model):
            return forecast_route.refuse_predict(app.state.served)
        body = await _read_body(request, settings.max_body_bytes)
        if isinstance(body, Response):
            return body
        served = app.state.served  # one read: a swap by the watcher never splits a request
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        try:
            checked = served.inputs.check_csv(body) if content_type == "text/csv" else served.inputs.check_json(body)
        except BadBody as exc:
            return JSONResponse({"detail": str(exc)}, status_code=400)
        if checked.problems:
            return JSONResponse({"detail": checked.problems}, status_code=422)
        started = time.perf_counter()
        model = served.model
        scores = None
        try:
            if model.kind == "anomalies":  # the score is the answer; the flag is the score against the threshold
                scores = model.scores(checked.frame)
                labels, probabilities = scores > model.threshold, None
            else:
                labels, probabilities = model.predict_arrays(checked.frame)
        except MlwrightError as exc:  # the model refused the values: the caller's to fix
            return JSONResponse({"detail": [{"row": None, "field": getattr(exc, "where", None),
                                             "problem": str(exc)}]}, status_code=422)
        latency_ms = (time.perf_counter() - started) * 1000
        predictions = labels.tolist()
        metrics.observe_predictions(predictions, probabilities)
        if app.state.prediction_log is not None:
            app.state.prediction_log.add(ServedRequest(
                request_id=request_id, served_at=time.time(), model=served.version, frame=checked.frame,
                predictions=predictions, probabilities=probabilities, classes=tuple(model.classes_)
                if model.task.is_classification else (), latency_ms=latency_ms, records=checked.records))
        headers = {"X-Mlwright-Model": served.version}
        if checked.warnings():
            headers["X-Mlwright-Warning"] = "; ".join(checked.warnings())[:2000]
        if "text/csv" in request.headers.get("accept", ""):
            out = io.StringIO()
            table = model.prediction_table(labels, probabilities)
            if scores is not None:
                table.insert(0, "anomaly_score", scores)
            table.to_csv(out, index=False)
            return Response(out.getvalue(), media_type="text/csv", headers=headers)
        answer = {"model": served.version, "request_id": request_id, "predictions": json_ready(predictions)}
        if scores is not None:
            answer["scores"] = scores.tolist()
        if probabilities is not None:  # built directly: json_ready over every number costs more than scoring
            keys = [str(c) for c in model.classes_]
            answer["probabilities"] = [dict(zip(keys, row)) for row in probabilities.tolist()]
        if explain > 0 and model.kind != "supervised":
            return JSONResponse({"detail": [{"row": None, "field": "explain", "problem": f"a {model.kind} model has "
                                             "no per-row contributions; leave explain out."}]}, status_code=422)
        if explain > 0:
            answer["explanations"] = json_ready(_explanations(model, checked.frame, explain))
        answer["latency_ms"] = round(latency_ms, 3)
        return JSONResponse(answer, headers=headers)

    @app.post("/forecast", summary="A forecasting model's next steps, for its series or a newer history")
    async def forecast(request: Request) -> Response:
        served = app.state.served  # one read: a swap by the watcher never splits a request
        body = await _read_body(request, settings.max_body_bytes)
        if isinstance(body, Response):
            return body
        return await forecast_route.answer(request, body, served, metrics)

    return app


def _settle_garbage_collector() -> None:
    """Keep Python's full garbage collections off the request path.

    A loaded model, pandas, scikit-learn and SQLAlchemy leave a few hundred thousand long-lived
    objects; a full collection walks them all (100-200 ms here) whenever enough new objects were
    made — every second or two under load, and the prediction log's rows make plenty. Freezing
    what exists at start-up leaves it out of every collection; requests' own garbage is still
    collected as usual.
    """
    gc.collect()
    gc.freeze()


def describe(served: LoadedModel) -> dict:
    model = served.model
    known = served.inputs.known
    return json_ready({
        "model": served.version, "kind": model.kind, "target": model.target.name, "task": task_words(model),
        "classes": model.classes_ if model.task.is_classification else None, "metric": model.metric,
        "estimate": model.info.get("estimate"), "threshold": model.threshold,
        "features": [{"name": c.name, "kind": c.kind, "type": "number" if c.kind == NUMERIC else "string",
                      "required": True, "nullable": True, **({"known_values": known[c.name]} if c.name in known else {})}
                     for c in model.schema.used],
    })


async def _read_body(request: Request, limit: int):
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "text/csv" and not (content_type == "application/json" or content_type.endswith("+json")):
        return JSONResponse({"detail": "send the records as JSON (Content-Type: application/json) "
                                       "or CSV with a header row (Content-Type: text/csv)."}, status_code=415)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return JSONResponse({"detail": f"the body is over {limit} bytes."}, status_code=413)
        chunks.append(chunk)
    return b"".join(chunks)


def task_words(model) -> str:
    """The task as published: a supervised model's task, or what an unsupervised model does."""
    return model.task.value if model.kind == "supervised" else model.kind


def _explanations(model, frame: pd.DataFrame, top: int) -> list:
    from mlwright.evaluate.explain.rows import explain_frame

    why = explain_frame(model, frame.reset_index(drop=True), top=min(int(top), MAX_EXPLAINED))
    return [group.drop(columns="row").to_dict(orient="records") for _, group in why.groupby("row", sort=True)]


def _openapi(app: FastAPI) -> dict:
    """FastAPI's spec, with the model's own route described from its columns: /predict's body
    and answers from the training schema, or a forecasting model's /forecast (the route the
    model does not answer is left out)."""
    if app.openapi_schema:
        return app.openapi_schema
    served = app.state.served
    spec = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    components["Problems"] = {"type": "object", "properties": {"detail": {"type": "array", "items": {
        "type": "object", "properties": {"row": {"type": ["integer", "null"]}, "field": {"type": ["string", "null"]},
                                         "problem": {"type": "string"}}}}}}
    components["Message"] = {"type": "object", "properties": {"detail": {"type": "string"}}}
    if is_forecast(served.model):
        del spec["paths"]["/predict"]
        forecast_route.document(spec, served.model)
    else:
        del spec["paths"]["/forecast"]
        _document_predict(spec, served)
    app.openapi_schema = spec
    return spec


def _document_predict(spec: dict, served: LoadedModel) -> None:
    components = spec["components"]["schemas"]
    components["Record"] = served.inputs.record_json_schema()
    components["Prediction"] = _prediction_schema(served.model)
    one = {"$ref": "#/components/schemas/Record"}
    operation = spec["paths"]["/predict"]["post"]
    operation.pop("x-mlwright-predict", None)
    operation["requestBody"] = {"required": True, "content": {
        "application/json": {"schema": {"oneOf": [one, {"type": "array", "items": one, "minItems": 1}]}},
        "text/csv": {"schema": {"type": "string", "description": "CSV with a header row naming the inputs."}},
    }}
    message = {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}
    operation["responses"] = {
        "200": {"description": "Predictions, one per record, in order.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Prediction"}},
                            "text/csv": {"schema": {"type": "string"}}}},
        "400": {"description": "The body is not readable JSON or CSV.", "content": message},
        "401": {"description": "An API key is required.", "content": message},
        "413": {"description": "The body is over the size limit.", "content": message},
        "415": {"description": "Send application/json or text/csv.", "content": message},
        "422": {"description": "Records that break the schema: each problem names its row and field.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problems"}}}},
    }


def _prediction_schema(model) -> dict:
    if model.task.is_classification:
        label = {"enum": [json_ready(c) for c in model.classes_]}
        extra = {"probabilities": {"type": "array", "items": {"type": "object", "additionalProperties": {
            "type": "number", "minimum": 0, "maximum": 1}}}}
    else:
        label, extra = {"type": "number"}, {}
    return {"type": "object", "required": ["model", "request_id", "predictions"], "properties": {
        "model": {"type": "string"}, "request_id": {"type": "string"},
        "predictions": {"type": "array", "items": label}, **extra,
        "explanations": {"type": "array", "items": {"type": "array", "items": {"type": "object"}}},
        "latency_ms": {"type": "number"}}}
