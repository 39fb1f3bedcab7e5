"""The service as uvicorn's workers build it: from environment variables that `mlwright serve`
sets, because each worker process builds its own application."""

from __future__ import annotations

import os

from mlwright.serve.app import DEFAULT_MAX_BODY_BYTES, ServiceSettings, create_app, load_served_model


def build_app():
    keys = tuple(k for k in os.environ.get("MLWRIGHT_API_KEYS", "").split(",") if k)
    settings = ServiceSettings(api_keys=keys, store=os.environ.get("MLWRIGHT_STORE"),
                               max_body_bytes=int(os.environ.get("MLWRIGHT_SERVE_MAX_BODY", DEFAULT_MAX_BODY_BYTES)),
                               reload_seconds=float(os.environ.get("MLWRIGHT_SERVE_RELOAD", 10)))
    served = load_served_model(os.environ["MLWRIGHT_SERVE_MODEL"], store=settings.store)
    return create_app(served, settings)
