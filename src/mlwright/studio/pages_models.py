"""Models: the registered names, one name's versions with their stages and lineage, and moving
a version to another stage with a reason, recorded as `mlwright models promote` records it."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from mlwright.errors import ConfigError
from mlwright.registry.versions import STAGES
from mlwright.studio.guard import check_form
from mlwright.studio.rendering import studio_of

router = APIRouter()
#: Who a change made here is recorded as: the studio's user has no login name.
CHANGED_BY = "studio"


@router.get("/models")
def models_page(request: Request):
    studio = studio_of(request)
    return studio.page(request, "models.html.j2", title="Models", names=studio.store.models.names())


@router.get("/models/{name}")
def model_page(request: Request, name: str):
    from mlwright.registry.lineage import lineage_of
    from mlwright.studio.files import version_files

    studio = studio_of(request)
    versions = list(reversed(studio.store.models.versions(name)))
    facts = []
    for version in versions:
        lineage = lineage_of(studio.store, version)
        facts.append({"version": version, "history": studio.store.models.history(version), "run": lineage.run,
                      "parent": lineage.ancestors[0] if lineage.ancestors else None,
                      "files": version_files(studio, version)})
    return studio.page(request, "model.html.j2", title=f"Model {name}", name=name, facts=facts, stages=STAGES,
                       changed=request.query_params.get("changed"))


@router.post("/models/{name}/{version}/stage")
def change_stage(request: Request, name: str, version: int, stage: str = Form(...), reason: str = Form(""),
                 csrf: str = Form("")):
    studio = studio_of(request)
    check_form(request, csrf)
    reason = reason.strip()
    if not reason:
        raise ConfigError("a stage change needs a reason.", where="reason",
                          fix="say why, e.g. 'beats version 3 on the March holdout'.")
    studio.store.models.promote(name, version, stage, by=CHANGED_BY, reason=reason[:500])
    return RedirectResponse(f"/models/{name}?changed={version}#version-{version}", status_code=303)
