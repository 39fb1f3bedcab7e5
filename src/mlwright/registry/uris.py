"""``models:/NAME/REFERENCE``: a registered model named by version number, stage or ``latest``,
accepted wherever a model folder is (`load`, `predict`, `explain`, `export`, the service)."""

from __future__ import annotations

import os
from pathlib import Path

from mlwright.errors import StoreError

SCHEME = "models:/"


def is_model_uri(reference: object) -> bool:
    return isinstance(reference, str) and reference.startswith(SCHEME)


def parse_model_uri(uri: str) -> tuple[str, str]:
    """``models:/churn/production`` → (``churn``, ``production``); no reference means ``latest``."""
    parts = [p for p in uri[len(SCHEME):].split("/") if p]
    if len(parts) == 1:
        return parts[0], "latest"
    if len(parts) == 2:
        return parts[0], parts[1]
    raise StoreError(f"{uri!r} is not a model URI.", where="model",
                     fix="write models:/NAME/VERSION, models:/NAME/production, models:/NAME/staging or "
                         "models:/NAME/latest.")


def model_folder(reference: str | os.PathLike, *, store: str | None = None) -> Path:
    """The folder holding the model named by a path or a ``models:/`` URI (verified when registered)."""
    if not is_model_uri(reference):
        return Path(reference)
    from mlwright.registry.store import open_store

    opened = open_store(store)
    try:
        name, ref = parse_model_uri(str(reference))
        version = opened.models.get(name, ref)
        return opened.models.folder(version)
    finally:
        opened.close()


def load(reference: str | os.PathLike, *, store: str | None = None):
    """Load a model from its folder, its run folder, or the registry (``models:/churn/production``)."""
    from mlwright.registry.bundle import load_model

    return load_model(model_folder(reference, store=store))
