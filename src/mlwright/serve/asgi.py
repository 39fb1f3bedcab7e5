"""The service as uvicorn's workers build it: from environment variables that `mlwright serve`
sets, because each worker process builds its own application."""

from __future__ import annotations

import json
import os
from pathlib import Path

from mlwright.serve.app import ServiceSettings, create_app, load_served_model

SETTINGS_ENV, MODEL_ENV, KEYS_ENV = "MLWRIGHT_SERVE_SETTINGS", "MLWRIGHT_SERVE_MODEL", "MLWRIGHT_API_KEYS"


def settings_to_env(model: str, settings: ServiceSettings) -> dict[str, str]:
    """What a worker needs to rebuild the service (the keys go in their own variable)."""
    plain = {"max_body_bytes": settings.max_body_bytes, "store": settings.store,
             "reload_seconds": settings.reload_seconds, "log_predictions": settings.log_predictions,
             "spool_dir": str(settings.spool_dir), "strict_categories": settings.strict_categories,
             "cors_origins": list(settings.cors_origins), "runtime": settings.runtime}
    return {MODEL_ENV: model, SETTINGS_ENV: json.dumps(plain), KEYS_ENV: ",".join(settings.api_keys)}


def settings_from_env() -> ServiceSettings:
    plain = json.loads(os.environ.get(SETTINGS_ENV, "{}"))
    keys = tuple(k for k in os.environ.get(KEYS_ENV, "").split(",") if k)
    settings = ServiceSettings(api_keys=keys, store=plain.get("store") or os.environ.get("MLWRIGHT_STORE"))
    for name in ("max_body_bytes", "reload_seconds", "log_predictions", "strict_categories", "runtime"):
        if name in plain:
            setattr(settings, name, plain[name])
    if "spool_dir" in plain:
        settings.spool_dir = Path(plain["spool_dir"])
    settings.cors_origins = tuple(plain.get("cors_origins", ()))
    return settings


def build_app():
    settings = settings_from_env()
    return create_app(load_served_model(os.environ[MODEL_ENV], settings), settings)
