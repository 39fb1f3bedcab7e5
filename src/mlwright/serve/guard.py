"""What every request passes before a route sees it: the API key, the body-size limit, a request
id, and the request's count and latency in the metrics.

A plain ASGI middleware rather than FastAPI's ``@app.middleware``: that one wraps each request
in extra tasks and streams, which costs a good part of a millisecond — more than scoring a row.
"""

from __future__ import annotations

import hmac
import json
import re
import time
import uuid

#: Routes open without a key: liveness, and the spec that tells a caller how to authenticate.
OPEN_ROUTES = frozenset({"/health", "/docs", "/openapi.json"})
ROUTES = frozenset({"/predict", "/forecast", "/health", "/ready", "/metadata", "/metrics", "/docs",
                    "/openapi.json"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")


class ServiceGuard:
    def __init__(self, app, *, api_keys: tuple[str, ...], max_body_bytes: int, metrics):
        self.app, self.keys, self.limit, self.metrics = app, tuple(k.encode() for k in api_keys), max_body_bytes, metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        path = scope["path"]
        route = path if path in ROUTES else "other"
        headers = dict(scope["headers"])
        given = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500

        async def send_with_id(message):
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            if self.keys and path not in OPEN_ROUTES and not self._authorised(headers):
                await _answer(send_with_id, 401, "a valid API key is required (X-API-Key header, or "
                                                 "Authorization: Bearer KEY).", [(b"www-authenticate", b"Bearer")])
            elif _declared_length(headers) > self.limit:
                await _answer(send_with_id, 413, f"the body is over {self.limit} bytes.")
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            self.metrics.observe_request(route, status, time.perf_counter() - started)

    def _authorised(self, headers: dict) -> bool:
        given = headers.get(b"x-api-key", b"")
        bearer = headers.get(b"authorization", b"")
        if not given and bearer[:7].lower() == b"bearer ":
            given = bearer[7:].strip()
        found = False
        for key in self.keys:  # every key compared, in constant time: the answer's timing tells nothing
            found |= hmac.compare_digest(given, key)
        return found


def _declared_length(headers: dict) -> int:
    length = headers.get(b"content-length", b"")
    return int(length) if length.isdigit() else 0


async def _answer(send, status: int, detail: str, headers: list | None = None) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})
