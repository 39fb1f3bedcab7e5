"""Doing: upload a CSV, start a training run and watch it (server-sent events), then try a
registered model in a form built from its schema."""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from pathlib import Path

import pandas as pd
from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, StreamingResponse

from mlwright.errors import ConfigError, DataError
from mlwright.studio.guard import Forbidden, check_form
from mlwright.studio.jobs import MAX_RUNNING
from mlwright.studio.rendering import studio_of

router = APIRouter()
CHUNK = 1 << 20
#: Rows of an uploaded table shown before training it.
PREVIEW_ROWS = 5
EVENT_SECONDS = 1.0


@router.get("/train")
def train_page(request: Request):
    return studio_of(request).page(request, "train.html.j2", title="Train a model", upload=None)


@router.post("/train/upload")
async def upload(request: Request, table: UploadFile, csrf: str = Form("")):
    studio = studio_of(request)
    check_form(request, csrf)
    name = Path(table.filename or "table.csv").name
    if not name.lower().endswith((".csv", ".csv.gz")):
        raise ConfigError(f"{name!r} is not a CSV file.", where="table", fix="upload a .csv (or .csv.gz) file.")
    folder = Path(studio.settings.workspace).resolve() / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{uuid.uuid4().hex[:12]}-{_safe(name)}"
    partial = stored.with_name(stored.name + ".part")
    size, limit = 0, studio.settings.max_upload_bytes
    try:
        with open(partial, "wb") as out:
            while chunk := await table.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise Forbidden(413, f"{name} is over the studio's upload limit of {limit / 2**20:.0f} MB. "
                                         "Train on it from the command line: mlwright train FILE --target COLUMN.")
                out.write(chunk)
        preview = _preview(partial, name)
        os.replace(partial, stored)  # whole or not at all: a half-written upload never looks like a table
    finally:
        partial.unlink(missing_ok=True)
    rows, personal = _masked(preview)
    return studio.page(request, "train.html.j2", title="Train a model",
                       upload={"file": stored.name, "name": name, "columns": list(preview.columns), "preview": rows,
                               "personal": personal, "size": size})


@router.post("/train/start")
def start(request: Request, file: str = Form(...), target: str = Form(...), time_limit: float = Form(60.0),
          register_as: str = Form("", alias="register"), csrf: str = Form("")):
    studio = studio_of(request)
    check_form(request, csrf)
    data = Path(studio.settings.workspace).resolve() / "uploads" / Path(file).name
    if not data.is_file():
        raise ConfigError(f"the upload {file!r} is gone.", where="file", fix="upload the table again.")
    if not 10 <= time_limit <= 3600:
        raise ConfigError(f"a time limit of {time_limit:g} s is out of range.", where="time_limit",
                          fix="give 10 to 3600 seconds.")
    if len(studio.jobs.running()) >= MAX_RUNNING:
        raise ConfigError("a training run started here is still running.", where="train",
                          fix="wait for it to finish (see its page), then start the next one.")
    register = register_as.strip() or None
    if register:
        from mlwright.registry.versions import check_name

        check_name(register)
    job = studio.jobs.start(data, target, time_limit, register)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}")
def job_page(request: Request, job_id: str):
    studio = studio_of(request)
    job = _job(studio, job_id)
    return studio.page(request, "job.html.j2", title="Training", job=job)


@router.get("/jobs/{job_id}/events")
async def job_events(request: Request, job_id: str):
    """One event a second: the job's state, its run's trials and best score from the store; the
    last event says where the run and its model are."""
    studio = studio_of(request)
    job = _job(studio, job_id)

    async def events():
        while True:
            state = await asyncio.to_thread(_state, studio, job)
            yield f"data: {json.dumps(state, default=str)}\n\n"
            if state["status"] != "running" or await request.is_disconnected():
                return
            await asyncio.sleep(EVENT_SECONDS)

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"cache-control": "no-store", "x-accel-buffering": "no"})


@router.get("/try/{name}/{version}")
def try_page(request: Request, name: str, version: int):
    studio = studio_of(request)
    model, found = _model(studio, name, version)
    return studio.page(request, "try.html.j2", title=f"Try {name} v{version}", name=name, version=found,
                       fields=_fields(model), given={}, answer=None)


@router.post("/try/{name}/{version}")
async def try_predict(request: Request, name: str, version: int):
    studio = studio_of(request)
    form = await request.form()
    check_form(request, form.get("csrf"))
    model, found = _model(studio, name, version)
    fields = _fields(model)
    given = {f["name"]: str(form.get(f["field"], "")).strip() for f in fields}
    row = {}
    for f in fields:
        value = given[f["name"]]
        if value == "":
            row[f["name"]] = None
        elif f["kind"] == "number":
            try:
                row[f["name"]] = float(value)
            except ValueError:
                raise ConfigError(f"{value!r} is not a number.", where=f["name"], fix="type a number, or leave it "
                                  "empty for an unknown value.") from None
        else:
            row[f["name"]] = value
    frame = pd.DataFrame([row])
    answer = {"prediction": model.predict(frame)[0]}
    if model.task.is_classification:
        answer["probabilities"] = model.predict_proba(frame).iloc[0].to_dict()
        answer["threshold"] = model.threshold
    return studio.page(request, "try.html.j2", title=f"Try {name} v{version}", name=name, version=found,
                       fields=fields, given=given, answer=answer)


def _state(studio, job) -> dict:
    run = studio.store.runs.by_run_dir(str(job.run_dir))
    trials = studio.store.runs.trials(run.id) if run else []
    scores = [t["score"] for t in trials if t["score"] is not None]
    status = job.status
    state = {"status": status, "elapsed": round(time.time() - job.started, 1), "budget": job.time_limit,
             "trials": len(trials), "best": max(scores) if scores else None, "metric": run.metric if run else None,
             "latest": trials[-1]["name"] if trials else None, "run": run.id if run else None}
    if status != "running":
        state["log"] = job.last_lines()
        if job.register and status == "finished":
            state["model"] = job.register
            state["version"] = studio.store.models.get(job.register, "latest").version
    return state


def _job(studio, job_id: str):
    job = studio.jobs.get(job_id)
    if job is None:
        raise Forbidden(404, f"no training job {job_id!r} here (jobs are kept while the studio runs).")
    return job


def _model(studio, name: str, version: int):
    found = studio.store.models.get(name, version)
    key = found.id
    if key not in studio.models:
        from mlwright.registry.bundle import load_model
        from mlwright.studio.rendering import LOADED_MODELS

        studio.models[key] = load_model(studio.store.models.folder(found))
        while len(studio.models) > LOADED_MODELS:
            studio.models.popitem(last=False)
    studio.models.move_to_end(key)
    model = studio.models[key]
    if getattr(model, "kind", "supervised") != "supervised":
        raise ConfigError(f"{found.uri} is a {model.kind} model; the form tries models with a target.",
                          where=found.uri, fix="try a model trained with `mlwright train`.")
    return model, found


def _fields(model) -> list[dict]:
    from mlwright.data.schema import NUMERIC
    from mlwright.serve.records import known_values

    known = known_values(model)
    return [{"name": c.name, "field": f"f{i}", "kind": "number" if c.kind == NUMERIC else "text",
             "choices": known.get(c.name, [])[:200]} for i, c in enumerate(model.schema.used)]


def _preview(path: Path, name: str) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, nrows=200, compression="gzip" if name.lower().endswith(".gz") else None)
    except Exception as exc:  # noqa: BLE001 - any reading failure is the file's, said in one line
        raise DataError(f"cannot read {name} as CSV: {str(exc).splitlines()[0][:200]}", where=name,
                        fix="upload a comma-separated file with a header row.") from None
    if frame.shape[1] < 2:
        raise DataError(f"{name} has {frame.shape[1]} column; training needs a target and at least one input.",
                        where=name, fix="upload a comma-separated file with a header row.")
    return frame


def _masked(preview: pd.DataFrame) -> tuple[list[list[str]], list[str]]:
    """The first rows as the reports would show them: columns of personal data masked, and
    e-mail addresses and phone numbers inside texts replaced by words."""
    from mlwright.profile.privacy import find_pii, mask_personal_text

    personal = sorted({c for f in find_pii(preview) for c in ([f.column] if isinstance(f.column, str) else f.column or [])})
    shown = preview.head(PREVIEW_ROWS).astype(str)
    for column in shown.columns:
        shown[column] = "(masked)" if column in personal else shown[column].map(mask_personal_text)
    return shown.values.tolist(), personal


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[-80:]
