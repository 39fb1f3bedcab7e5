"""The studio's access rules, checked before any page runs.

- **API key.** With keys configured (the command line insists on them off 127.0.0.1, as `serve`
  does) every request needs one: the ``X-API-Key`` or ``Authorization: Bearer`` header, or the
  session cookie that the sign-in form sets. The cookie holds an HMAC of the key, never the key.
- **Cross-site requests.** Every form that changes something carries a token equal to the
  ``mlw_csrf`` cookie (the double-submit pattern), and its ``Origin``, when the browser sends
  one, must be this host. Cookies are ``SameSite=Strict`` and HttpOnly where scripts need not
  read them.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request

from mlwright.studio.settings import StudioSettings

SESSION_COOKIE, CSRF_COOKIE, CSRF_FIELD = "mlw_session", "mlw_csrf", "csrf"
#: Open without a key: the sign-in page and what it needs to render.
OPEN_PREFIXES = ("/login", "/static/", "/health", "/favicon.ico")


class Forbidden(Exception):
    """A request refused by a rule: the page says which and what to do."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def session_token(settings: StudioSettings, key: str) -> str:
    return hmac.new(settings.secret, key.encode(), hashlib.sha256).hexdigest()


def authorised(request: Request, settings: StudioSettings) -> bool:
    if not settings.api_keys or request.url.path.startswith(OPEN_PREFIXES):
        return True
    given = request.headers.get("x-api-key", "")
    bearer = request.headers.get("authorization", "")
    if not given and bearer[:7].lower() == "bearer ":
        given = bearer[7:].strip()
    if given and any(hmac.compare_digest(given.encode(), k.encode()) for k in settings.api_keys):
        return True
    cookie = request.cookies.get(SESSION_COOKIE, "")
    return bool(cookie) and any(hmac.compare_digest(cookie, session_token(settings, k)) for k in settings.api_keys)


def key_is_valid(settings: StudioSettings, key: str) -> bool:
    return any(hmac.compare_digest(key.encode(), k.encode()) for k in settings.api_keys)


def csrf_token(request: Request) -> str:
    """The request's token: its cookie's, or a new one that the response will set."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return token


def check_form(request: Request, submitted: str | None) -> None:
    """Refuse a state-changing form without the cookie's token, or sent from another origin."""
    cookie = request.cookies.get(CSRF_COOKIE, "")
    if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
        raise Forbidden(403, "this form was not sent from a studio page (its cross-site token is missing or wrong). "
                             "Reload the page and send it again.")
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise Forbidden(403, f"a form from {origin} may not change anything here.")
