"""What a studio is started with."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

#: The largest CSV the upload form takes: a studio is for looking and trying, not bulk data.
DEFAULT_UPLOAD_MB = 50.0


@dataclass(frozen=True)
class StudioSettings:
    #: The store's URL (None: the default store, as every command finds it).
    store: str | None = None
    #: Keys that open the studio; required by the command line off the loopback address.
    api_keys: tuple[str, ...] = ()
    max_upload_bytes: int = int(DEFAULT_UPLOAD_MB * 1024 * 1024)
    #: Where uploaded tables and the runs started here are written.
    workspace: Path = Path(".mlwright/studio")
    #: Signs the session cookie; a new one at each start, so sessions end with the process.
    secret: bytes = field(default_factory=lambda: secrets.token_bytes(32))
