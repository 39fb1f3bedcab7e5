"""Signing in with an API key, when the studio has keys."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse

from mlwright.studio.guard import SESSION_COOKIE, check_form, key_is_valid, session_token
from mlwright.studio.rendering import studio_of

router = APIRouter()


@router.get("/login")
def login_page(request: Request, next: str = "/runs"):  # noqa: A002 - the query's name
    return studio_of(request).page(request, "login.html.j2", title="Sign in", next=_local(next), failed=False)


@router.post("/login")
def sign_in(request: Request, key: str = Form(""), next: str = Form("/runs"), csrf: str = Form("")):  # noqa: A002
    studio = studio_of(request)
    check_form(request, csrf)
    if not studio.settings.api_keys:
        return RedirectResponse(_local(next), status_code=303)
    if not key_is_valid(studio.settings, key.strip()):
        return studio.page(request, "login.html.j2", status=401, title="Sign in", next=_local(next), failed=True)
    response = RedirectResponse(_local(next), status_code=303)
    response.set_cookie(SESSION_COOKIE, session_token(studio.settings, key.strip()), httponly=True,
                        samesite="strict", path="/")
    return response


def _local(path: str) -> str:
    """Only a path of this site: a sign-in link must not send anyone elsewhere afterwards."""
    return path if path.startswith("/") and not path.startswith("//") and "\\\\" not in path else "/runs"
