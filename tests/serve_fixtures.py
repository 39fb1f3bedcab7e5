"""The prediction service started as a user starts it (`python -m mlwright serve`) on a free
loopback port, and the helpers of the tests that talk to it over HTTP.

The service's output goes to a file rather than a pipe: a long test would fill a pipe nobody
reads and stall the server, and a file lets a test read what the server logged during one request
(the traceback behind a 500) and put it in its failure message.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import httpx
import pytest

#: Loading a model and starting uvicorn takes seconds; many more on a busy 2-core machine.
START_SECONDS = 120
#: No request may take longer than this: a slower answer counts as a hang.
REQUEST_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RunningService:
    process: subprocess.Popen
    url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    @cached_property
    def http(self) -> httpx.Client:
        """One client for the service's tests: a fresh one per request costs tens of milliseconds."""
        return httpx.Client(base_url=self.url, timeout=REQUEST_SECONDS)

    def log_size(self) -> int:
        return self.log.stat().st_size

    def log_text(self, since: int = 0) -> str:
        """What the service wrote (stdout and stderr) from byte offset ``since`` on."""
        with open(self.log, "rb") as handle:
            handle.seek(since)
            return handle.read().decode("utf-8", errors="replace")

    def stop(self, timeout: float = 30) -> None:
        if "http" in self.__dict__:
            self.http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=timeout)


def start_service(model: Path | str, log: Path, *extra: str, env: dict[str, str] | None = None) -> RunningService:
    """Start `mlwright serve MODEL` with ``extra`` options and wait until /health answers."""
    port = free_port()
    with open(log, "wb") as output:  # the child keeps its own handle
        process = subprocess.Popen([sys.executable, "-m", "mlwright", "serve", str(model), "--port", str(port), *extra],
                                   env={**os.environ, "MLWRIGHT_API_KEYS": "", **(env or {})},
                                   stdout=output, stderr=subprocess.STDOUT)
    service = RunningService(process, f"http://127.0.0.1:{port}", Path(log))
    wait_until_healthy(service, "the service")
    return service


def wait_until_healthy(server, what: str) -> None:
    """Wait until ``server`` (a ``process``, a ``url``, ``log_text()`` and ``stop()``) answers
    /health; an exit or a timeout fails with the end of what it logged."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if server.process.poll() is not None:
            raise AssertionError(f"{what} exited with {server.process.returncode}:\n{server.log_text()[-4000:]}")
        time.sleep(0.2)
    server.stop()
    raise AssertionError(f"{what} did not answer /health within {START_SECONDS} s:\n{server.log_text()[-4000:]}")


def server_error(service: RunningService, since: int) -> tuple[str, str]:
    """The last exception the service logged from byte ``since`` on (``""`` if none), and the log.
    The server logs an error just after it answered, so a moment is allowed for it to appear."""
    deadline = time.monotonic() + 1.0
    while "Traceback" not in (logged := service.log_text(since)) and time.monotonic() < deadline:
        time.sleep(0.02)
    after = logged.rsplit("Traceback (most recent call last):", 1)[1] if "Traceback" in logged else ""
    error = next((line for line in after.splitlines() if re.match(r"[\w.]+(: |$)", line)), "")
    return error, logged


def post(service: RunningService, path: str = "/predict", **request) -> httpx.Response:
    """POST to ``path``; a dropped connection, a 5xx or a traceback in the server's log fails the
    test with what the server logged meanwhile."""
    since = service.log_size()
    try:
        answer = service.http.post(path, **request)
    except httpx.HTTPError as exc:
        pytest.fail(f"no answer ({exc!r}); the service logged:\n{server_error(service, since)[1][-3000:]}")
    logged = server_error(service, since)[1] if answer.status_code >= 500 else service.log_text(since)
    assert answer.status_code < 500 and "Traceback" not in logged, \
        f"{answer.status_code} {answer.text[:300]}; the service logged:\n{logged[-3000:]}"
    return answer


def as_json(body: bytes | str) -> dict:
    """Request options sending ``body`` as it is, labelled JSON."""
    return _labelled(body, "application/json")


def as_csv(body: bytes | str) -> dict:
    return _labelled(body, "text/csv")


def _labelled(body: bytes | str, content_type: str) -> dict:
    return {"content": body.encode() if isinstance(body, str) else body, "headers": {"content-type": content_type}}


def assert_refused(answer: httpx.Response, statuses: set[int]) -> dict:
    """The answer is one of ``statuses``, in JSON with a ``detail``; returns the body."""
    assert answer.status_code in statuses, f"{answer.status_code} {answer.text[:300]}"
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert "detail" in body and body["detail"], body
    return body


def records(frame) -> list[dict]:
    """A table's rows as JSON records, missing values as null."""
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")
