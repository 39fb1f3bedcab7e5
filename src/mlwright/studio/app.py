"""The studio's application: the access rules around every request, the pages, the static files."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from mlwright.errors import MlwrightError
from mlwright.studio.guard import CSRF_COOKIE, Forbidden, authorised
from mlwright.studio.rendering import Studio, studio_of
from mlwright.studio.settings import StudioSettings

#: No page needs another origin's script, frame or form target; Plotly needs inline styles and eval-free JS.
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
                               "'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "x-content-type-options": "nosniff", "referrer-policy": "same-origin", "x-frame-options": "DENY",
}


def build_studio(settings: StudioSettings | None = None) -> FastAPI:
    from mlwright.studio import files, pages_access, pages_models, pages_monitoring, pages_runs, pages_work

    settings = settings or StudioSettings()
    app = FastAPI(title="mlwright studio", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.studio = Studio(settings)

    @app.middleware("http")
    async def guard(request: Request, call_next):
        studio = studio_of(request)
        if not authorised(request, studio.settings):
            if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            return Response("a valid API key is required (X-API-Key header, or sign in at /login).", status_code=401,
                            headers={"www-authenticate": "Bearer"})
        response = await call_next(request)
        new = getattr(request.state, "new_csrf", None)
        if new:
            response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", path="/")
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    @app.exception_handler(Forbidden)
    async def refused(request: Request, error: Forbidden):
        return studio_of(request).page(request, "problem.html.j2", status=error.status, title="Refused",
                                       message=error.message)

    @app.exception_handler(MlwrightError)
    async def problem(request: Request, error: MlwrightError):
        status = _status(error)
        return studio_of(request).page(request, "problem.html.j2", status=status,
                                       title="Not found" if status == 404 else "Cannot do that", message=str(error))

    @app.get("/", include_in_schema=False)
    def home() -> RedirectResponse:
        return RedirectResponse("/runs", status_code=303)

    @app.get("/favicon.ico", include_in_schema=False)
    def no_icon() -> Response:  # the reports the studio shows ask for one: no content, not a 404
        return Response(status_code=204)

    @app.get("/health", include_in_schema=False)
    def health() -> dict:
        return {"status": "ok"}

    @app.get("/static/plotly.js", include_in_schema=False)
    def plotly() -> Response:
        from mlwright.report.plots import plotly_js

        return Response(plotly_js(), media_type="text/javascript", headers={"cache-control": "max-age=86400"})

    @app.get("/static/studio.css", include_in_schema=False)
    def stylesheet() -> Response:
        css = resources.files("mlwright.studio").joinpath("templates", "studio.css").read_text(encoding="utf-8")
        return Response(css, media_type="text/css", headers={"cache-control": "max-age=3600"})

    for module in (pages_access, pages_work, pages_runs, pages_models, pages_monitoring, files):
        app.include_router(module.router)
    return app


def _status(error: MlwrightError) -> int:
    """404 for what the store does not hold ("no run ...", "no model named ..."), else 400."""
    from mlwright.errors import StoreError

    return 404 if isinstance(error, StoreError) and error.problem.startswith("no ") else 400


__all__ = ["build_studio", "StudioSettings", "HTMLResponse"]
