"""Zero-downtime model change: a service started on ``models:/NAME/production`` (or another
stage, or ``latest``) looks at the registry every few seconds; when the reference names another
version, the new model is loaded and verified beside the old one, then swapped in with one
assignment. A request holds the model it started with, so none is dropped or answered half by
one version and half by the other. A version that fails to load is logged and the old one kept.
"""

from __future__ import annotations

import gc
import logging
import threading

from mlwright.registry.uris import is_model_uri, parse_model_uri

log = logging.getLogger("mlwright.serve")


def follows_registry(reference: str) -> bool:
    """A URI whose version can change under it: a stage or latest, not a number."""
    return is_model_uri(reference) and not parse_model_uri(reference)[1].isdigit()


class RegistryWatcher:
    def __init__(self, app, every_seconds: float):
        self.app, self.every = app, every_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="mlwright-registry-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def check_once(self) -> bool:
        """Swap in the version the reference names now, if it changed; True when swapped."""
        from mlwright.registry.store import open_store
        from mlwright.serve.app import load_served_model

        served, settings = self.app.state.served, self.app.state.settings
        store = open_store(settings.store)
        try:
            current = store.models.get(*parse_model_uri(served.reference)).uri
        finally:
            store.close()
        if current == served.version:
            return False
        replacement = load_served_model(served.reference, settings)
        self.app.state.served = replacement  # one assignment: requests see the old model or the new
        self.app.openapi_schema = None  # the new version's inputs may differ: the spec is rebuilt
        gc.freeze()  # the new model's objects join the long-lived ones (see app._settle_garbage_collector)
        log.warning("now serving %s (was %s)", replacement.version, served.version)
        return True

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.check_once()
            except Exception as exc:  # noqa: BLE001 - keep serving the model we have
                log.warning("could not check the registry for a new version: %s", type(exc).__name__)
