"""`mlwright serve`: the prediction service over HTTP (FastAPI on uvicorn)."""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Optional

import typer

from mlwright.cli.common import console, friendly_errors, store_option
from mlwright.errors import ConfigError

KEYS_ENV = "MLWRIGHT_API_KEYS"


@friendly_errors
def serve_command(
    model: str = typer.Argument(..., help="Model folder, run folder, or registered model (models:/NAME/STAGE)."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on; any other than loopback needs API keys."),
    port: int = typer.Option(8000, help="Port to listen on."),
    workers: int = typer.Option(1, help="Worker processes."),
    api_key_file: Optional[Path] = typer.Option(None, "--api-key-file", help="File of API keys, one a line "
                                                "(or set MLWRIGHT_API_KEYS, comma-separated)."),
    max_body_mb: float = typer.Option(10.0, "--max-body-mb", help="Largest request body accepted (MB); larger: 413."),
    reload_seconds: float = typer.Option(10.0, "--reload-seconds", help="With models:/NAME/STAGE: how often to look "
                                         "for a newly promoted version and swap it in (0: never)."),
    store: Optional[str] = store_option(),
) -> None:
    """Serve MODEL: POST /predict, GET /health, /ready, /metadata, and the OpenAPI page at /docs."""
    import uvicorn

    keys = api_keys(api_key_file)
    if not keys and not _loopback(host):
        raise ConfigError(f"serving on {host} without an API key would let anyone on the network call the model.",
                          where="--host", fix=f"set {KEYS_ENV} or pass --api-key-file, or serve on 127.0.0.1.")
    if workers < 1:
        raise ConfigError("--workers must be at least 1.", where="--workers", fix="pass --workers 1 or more.")
    os.environ["MLWRIGHT_SERVE_MODEL"] = model  # read again by each worker process (see serve.asgi)
    os.environ["MLWRIGHT_SERVE_MAX_BODY"] = str(int(max_body_mb * 1024 * 1024))
    os.environ["MLWRIGHT_SERVE_RELOAD"] = str(reload_seconds)
    os.environ[KEYS_ENV] = ",".join(keys)
    if store:
        os.environ["MLWRIGHT_STORE"] = store
    from mlwright.serve.asgi import build_app

    build_app()  # loads and checks the model once here, so that a bad MODEL fails before listening
    console.print(f"Serving {model} on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''}; "
                  f"{'API key required' if keys else 'no API key'})", highlight=False)
    uvicorn.run("mlwright.serve.asgi:build_app", factory=True, host=host, port=port, workers=workers,
                log_level="warning", access_log=False)


def api_keys(key_file: Path | None) -> tuple[str, ...]:
    keys = [k.strip() for k in os.environ.get(KEYS_ENV, "").split(",") if k.strip()]
    if key_file is not None:
        try:
            keys += [line.strip() for line in key_file.read_text(encoding="utf-8").splitlines() if line.strip()]
        except OSError as exc:
            raise ConfigError(f"cannot read the API key file ({exc.strerror}).", where=str(key_file),
                              fix="pass a readable file with one key a line.") from None
    return tuple(dict.fromkeys(keys))


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
