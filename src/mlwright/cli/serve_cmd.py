"""`mlwright serve`: the prediction service over HTTP (FastAPI on uvicorn)."""

from __future__ import annotations

import atexit
import ipaddress
import os
import shutil
import tempfile
from pathlib import Path
from typing import List, Optional

import typer

from mlwright.cli.common import console, friendly_errors, store_option
from mlwright.errors import ConfigError

KEYS_ENV = "MLWRIGHT_API_KEYS"
RUNTIMES = ("python", "onnx")


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
    runtime: str = typer.Option("python", "--runtime", help="python: the model as trained; onnx: converted to "
                                "ONNX and run by onnxruntime (see `mlwright export --format onnx`)."),
    log_predictions: bool = typer.Option(True, "--log-predictions/--no-log-predictions",
                                         help="Log every scored row to the store, for monitoring."),
    spool_dir: Path = typer.Option(Path(".mlwright/spool"), "--spool-dir", help="Where scored rows wait while the "
                                   "store cannot be reached; replayed when it can."),
    strict_categories: bool = typer.Option(False, "--strict-categories", help="Refuse categories the model never "
                                           "saw (422) instead of scoring them as rare ones."),
    cors_origin: Optional[List[str]] = typer.Option(None, "--cors-origin", help="A browser origin allowed to call "
                                                    "the service (repeat for more); CORS is off without one."),
    store: Optional[str] = store_option(),
) -> None:
    """Serve MODEL: POST /predict (POST /forecast for a forecasting model), GET /health, /ready, /metadata,
    /metrics, and the OpenAPI page at /docs."""
    import uvicorn

    from mlwright.serve.app import ServiceSettings
    from mlwright.serve.asgi import build_app, settings_to_env

    keys = api_keys(api_key_file)
    if not keys and not _loopback(host):
        raise ConfigError(f"serving on {host} without an API key would let anyone on the network call the model.",
                          where="--host", fix=f"set {KEYS_ENV} or pass --api-key-file, or serve on 127.0.0.1.")
    if workers < 1:
        raise ConfigError("--workers must be at least 1.", where="--workers", fix="pass --workers 1 or more.")
    if runtime not in RUNTIMES:
        raise ConfigError(f"unknown runtime {runtime!r}.", where="--runtime", fix=f"use one of: {', '.join(RUNTIMES)}.")
    settings = ServiceSettings(api_keys=keys, max_body_bytes=int(max_body_mb * 1024 * 1024), store=store,
                               reload_seconds=reload_seconds, log_predictions=log_predictions,
                               spool_dir=spool_dir.resolve(), strict_categories=strict_categories,
                               cors_origins=tuple(cors_origin or ()), runtime=runtime)
    os.environ.update(settings_to_env(model, settings))  # read again by each worker process (see serve.asgi)
    if workers > 1:
        _share_metrics_between_workers()
    build_app()  # loads and checks the model once here, so that a bad MODEL fails before listening
    console.print(f"Serving {model} on http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''}; "
                  f"{'API key required' if keys else 'no API key'}; runtime {runtime}; predictions "
                  f"{'logged to the store' if log_predictions else 'not logged'})", highlight=False)
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


def _share_metrics_between_workers() -> None:
    """Prometheus' multiprocess mode: each worker writes its values to files in one fresh folder,
    and /metrics on any worker adds them up. The folder must be set before the workers start."""
    from mlwright.serve.metrics import MULTIPROCESS_ENV

    folder = tempfile.mkdtemp(prefix="mlwright-metrics-")
    os.environ[MULTIPROCESS_ENV] = folder
    atexit.register(shutil.rmtree, folder, ignore_errors=True)


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
