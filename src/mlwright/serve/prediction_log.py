"""Every served prediction, logged to the store for monitoring without slowing the answer.

A request only appends what it scored to an in-memory queue (a deque append: no I/O, no lock
held while scoring). A background thread drains the queue every second (or sooner when it
fills), turns each request into rows — inputs, prediction, probabilities, model version, latency,
request id — and writes them to the store in one transaction.

When the store cannot be reached, the service keeps serving: the batch is appended to a spool
file of its own (JSON lines, flushed and fsynced) in the spool folder, and retried every few
seconds; once the store answers, spooled rows are replayed before new ones and the file removed.
Spool files left by a process that died are claimed (by an atomic rename, so two workers never
replay the same file) and replayed when a service starts. Rows already stored are skipped on
replay, so a file replayed twice stores nothing twice. Only what sits in the queue — at most a
second of traffic — is lost if the process is killed outright; a normal stop drains it.

Inputs are the columns the model uses, as the service read them: columns dropped at training
(identifiers, personal data, leaks) are never read, so never logged.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

log = logging.getLogger("mlwright.serve")

#: Rows written to the store in one transaction at most.
BATCH_ROWS = 2_000
#: Queued requests that wake the writer before its next cycle.
WAKE_REQUESTS = 1_000
#: Seconds between retries while the store cannot be reached.
RETRY_SECONDS = 5.0
PENDING, CLAIMED = ".jsonl", ".claimed-"
#: Seconds a thread may hold the GIL while another waits for it (Python's default: 0.005).
SWITCH_INTERVAL = 0.0005


@dataclass(frozen=True)
class ServedRequest:
    """What one request scored, as the handler hands it over (converted to rows later)."""

    request_id: str
    served_at: float
    model: str
    frame: pd.DataFrame
    predictions: list
    probabilities: np.ndarray | None
    classes: tuple
    latency_ms: float
    #: The records as the caller sent them (JSON bodies): converting the frame back to records
    #: costs about a millisecond a request, which the writer would spend holding the GIL.
    records: list[dict] | None = None


class PredictionLogger:
    def __init__(self, store_url: str | None, spool_dir: Path, *, every_seconds: float = 1.0,
                 retry_seconds: float = RETRY_SECONDS, on_outcome=None):
        self.store_url, self.spool_dir = store_url, Path(spool_dir)
        self.every, self.retry = every_seconds, retry_seconds
        self.on_outcome = on_outcome or (lambda outcome, rows: None)
        self._queue: deque[ServedRequest] = deque()
        self._wake, self._stopping = threading.Event(), threading.Event()
        self._writing = threading.Lock()  # the writer's work, and a stop's final drain, one at a time
        self._thread = threading.Thread(target=self._loop, name="mlwright-prediction-log", daemon=True)
        self._store = None
        self._next_try = 0.0
        self._spool = self.spool_dir / f"predictions-{os.getpid()}-{uuid.uuid4().hex[:8]}{PENDING}"

    # --- the request side -------------------------------------------------------------------

    def add(self, request: ServedRequest) -> None:
        self._queue.append(request)
        if len(self._queue) >= WAKE_REQUESTS:
            self._wake.set()

    # --- lifecycle --------------------------------------------------------------------------

    def start(self) -> None:
        # The writer shares the GIL with the request loop. Python hands the GIL over every 5 ms
        # by default, so a request arriving while the writer converts a batch could wait that
        # long at each step; a shorter interval bounds the wait at a fraction of a millisecond.
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Drain the queue (to the store, or to the spool when it cannot be reached)."""
        self._stopping.set()
        self._wake.set()
        self._thread.join(timeout=timeout)
        if self._store is not None:
            self._store.close()

    # --- the writer thread ------------------------------------------------------------------

    def _loop(self) -> None:
        scanned = -math.inf
        while not self._stopping.is_set():
            if time.monotonic() - scanned > self.retry:
                with self._writing:
                    self._replay_orphans()
                scanned = time.monotonic()
            self._wake.wait(self.every)
            self._wake.clear()
            self._drain(final=False)
        self._drain(final=True)

    def _drain(self, *, final: bool) -> None:
        with self._writing:
            self._drain_queue(final=final)

    def _drain_queue(self, *, final: bool) -> None:
        """Write what was queued when the drain began; what arrives meanwhile waits for the next
        cycle (or, at the end, is drained too): a transaction per cycle, not one per straggler."""
        waiting = len(self._queue)
        while self._queue and (waiting > 0 or final):
            requests = []
            rows = 0
            while self._queue and rows < BATCH_ROWS and (waiting > 0 or final):
                waiting -= 1
                request = self._queue.popleft()
                requests.append(request)
                rows += len(request.frame)
            self._deliver(rows_of(requests), final=final)
        if self._spool.exists() and not final:
            self._replay_own_spool()

    def _deliver(self, rows: list[dict], *, final: bool) -> None:
        if self._spool.exists() and not self._replay_own_spool():
            self._append_spool(rows)
            return
        if self._write(rows):
            self.on_outcome("stored", len(rows))
        else:
            self._append_spool(rows)

    def _write(self, rows: list[dict]) -> bool:
        """Write to the store; False (and no exception) when it cannot be reached now."""
        if time.monotonic() < self._next_try:
            return False
        try:
            if self._store is None:
                from mlwright.registry.store import open_store

                self._store = open_store(self.store_url)
            self._store.served.write(rows)
            return True
        except Exception as exc:  # noqa: BLE001 - any failure of the store: keep serving, spool
            log.warning("prediction log: the store cannot be reached (%s); spooling to %s",
                        type(exc).__name__, self.spool_dir)
            self._next_try = time.monotonic() + self.retry
            if self._store is not None:
                self._store.close()
                self._store = None
            return False

    def _append_spool(self, rows: list[dict]) -> None:
        self.spool_dir.mkdir(parents=True, exist_ok=True)
        with open(self._spool, "a", encoding="utf-8") as spool:
            spool.write("".join(json.dumps(_spooled(row)) + "\n" for row in rows))
            spool.flush()
            os.fsync(spool.fileno())
        self.on_outcome("spooled", len(rows))

    def _replay_own_spool(self) -> bool:
        claimed = self._claim(self._spool)
        return claimed is None or self._replay(claimed)

    def _replay_orphans(self) -> None:
        if not self.spool_dir.is_dir():
            return
        for path in sorted(self.spool_dir.iterdir()):
            if path == self._spool or not _orphaned(path):
                continue
            claimed = self._claim(path)
            if claimed is not None and not self._replay(claimed):
                return  # the store is down: the file stays claimed by us, replayed on the next start

    def _claim(self, path: Path) -> Path | None:
        claimed = path.with_name(path.name.split(CLAIMED)[0] + f"{CLAIMED}{os.getpid()}")
        try:
            os.replace(path, claimed) if path != claimed else None
        except FileNotFoundError:  # another worker claimed it first
            return None
        return claimed

    def _unclaim(self, claimed: Path) -> None:
        if claimed.name.startswith(self._spool.name):
            os.replace(claimed, self._spool)  # ours again: new rows keep appending to it
        # another process's file stays claimed by us; it is an orphan again once we exit

    def _replay(self, claimed: Path) -> bool:
        if time.monotonic() < self._next_try:  # the store was down a moment ago: don't read the file yet
            self._unclaim(claimed)
            return False
        rows = [_unspooled(json.loads(line)) for line in claimed.read_text(encoding="utf-8").splitlines() if line]
        for start in range(0, len(rows), BATCH_ROWS):
            if not self._write(rows[start:start + BATCH_ROWS]):
                self._unclaim(claimed)  # rows written before stay: the replay skips stored rows
                return False
        claimed.unlink()
        self.on_outcome("replayed", len(rows))
        log.warning("prediction log: replayed %d spooled rows to the store", len(rows))
        return True


def rows_of(requests: list[ServedRequest]) -> list[dict]:
    """The store's rows for some requests: one per scored row."""
    rows = []
    for request in requests:
        name, version = _registry_name(request.model)
        served_at = datetime.fromtimestamp(request.served_at, tz=timezone.utc)
        if request.records is not None:
            names = request.frame.columns.tolist()
            records = [{name: record[name] for name in names} for record in request.records]
        else:
            records = request.frame.to_dict(orient="records")
        for index, record in enumerate(records):
            probabilities = None
            if request.probabilities is not None:
                probabilities = {str(c): float(p) for c, p in zip(request.classes, request.probabilities[index])}
            rows.append({"request_id": request.request_id, "row_index": index, "served_at": served_at,
                         "model": request.model, "model_name": name, "model_version": version,
                         "inputs": {k: _plain(v) for k, v in record.items()},
                         "prediction": _plain(request.predictions[index]), "probabilities": probabilities,
                         "latency_ms": request.latency_ms})
    return rows


def _plain(value):
    """A JSON value: NaN and NaT become null, NumPy scalars plain numbers, dates ISO text."""
    if value is None:
        return None
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (pd.Timestamp, datetime)):
        return None if pd.isna(value) else value.isoformat()
    if value is pd.NaT:
        return None
    return value


def _registry_name(model: str) -> tuple[str | None, int | None]:
    from mlwright.registry.uris import is_model_uri, parse_model_uri

    if is_model_uri(model):
        name, reference = parse_model_uri(model)
        if reference.isdigit():
            return name, int(reference)
    return None, None


def _spooled(row: dict) -> dict:
    return {**row, "served_at": row["served_at"].isoformat()}


def _unspooled(row: dict) -> dict:
    return {**row, "served_at": datetime.fromisoformat(row["served_at"])}


def _orphaned(path: Path) -> bool:
    """A spool file whose writer (or claimer) is no longer running: a live worker's own file is
    its to replay, and may be half-way through an append."""
    if path.name.endswith(PENDING):
        owner = path.name.split("-")[1] if path.name.count("-") >= 2 else ""
    elif CLAIMED in path.name:
        owner = path.name.rsplit(CLAIMED, 1)[1]
    else:
        return False
    return not owner.isdigit() or int(owner) == os.getpid() or not psutil.pid_exists(int(owner))
