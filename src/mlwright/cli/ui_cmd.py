"""`mlwright ui`: the studio, a web UI over the store (see ``mlwright.studio``)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from mlwright.cli.common import console, friendly_errors, store_option
from mlwright.cli.serve_cmd import KEYS_ENV, _loopback, api_keys
from mlwright.errors import ConfigError


@friendly_errors
def ui_command(
    port: int = typer.Option(8080, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on; any other than loopback needs API keys."),
    api_key_file: Optional[Path] = typer.Option(None, "--api-key-file", help="File of API keys, one a line "
                                                "(or set MLWRIGHT_API_KEYS, comma-separated)."),
    max_upload_mb: float = typer.Option(50.0, "--max-upload-mb", help="Largest CSV the upload form takes (MB)."),
    workspace: Path = typer.Option(Path(".mlwright/studio"), "--workspace",
                                   help="Where uploads and the runs started from the studio are written."),
    store: Optional[str] = store_option(),
) -> None:
    """Browse runs and models, compare runs, promote versions, watch drift, upload a table and
    train, and try a model in a form: http://HOST:PORT in a browser."""
    import uvicorn

    from mlwright.studio.app import build_studio
    from mlwright.studio.settings import StudioSettings

    keys = api_keys(api_key_file)
    if not keys and not _loopback(host):
        raise ConfigError(f"a studio on {host} without an API key would let anyone on the network promote models.",
                          where="--host", fix=f"set {KEYS_ENV} or pass --api-key-file, or listen on 127.0.0.1.")
    if max_upload_mb <= 0:
        raise ConfigError("--max-upload-mb must be positive.", where="--max-upload-mb", fix="pass e.g. 50.")
    settings = StudioSettings(store=store, api_keys=keys, max_upload_bytes=int(max_upload_mb * 1024 * 1024),
                              workspace=workspace)
    app = build_studio(settings)
    console.print(f"mlwright studio on http://{host}:{port} (store {app.state.studio.store.where}"
                  f"{'; API key required' if keys else ''}). Ctrl+C stops it.", highlight=False)
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        app.state.studio.jobs.stop_all()
