"""The experiment log: every `train` is a run, with every trial of its search.

A run is inserted as ``running`` when training starts and updated as it goes, so a run that
dies leaves a row that says so. Reading the log reconciles it: a ``running`` run whose process
is gone from this machine (killed, crashed, power lost) is marked ``failed``, and resumable
when its run folder kept a checkpoint.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import func, insert, select, update
from sqlalchemy.engine import Engine

from mlwright.errors import ConfigError, StoreError
from mlwright.registry.provenance import current_user, environment, git_state
from mlwright.registry.records import as_utc, finite, now, plain
from mlwright.registry.tables import model_versions, runs, trials

RUNNING, FINISHED, FAILED = "running", "finished", "failed"
#: The columns of a light listing (``RunLog.list(light=True)``).
LISTED = ("id", "status", "started_at", "finished_at", "user", "host", "pid", "target", "task", "metric", "source",
          "metrics", "run_dir")
STATUSES = (RUNNING, FINISHED, FAILED)



@dataclass
class Run:
    """One run as the store holds it."""

    id: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    user: str | None
    host: str | None
    pid: int | None
    target: str | None
    task: str | None
    metric: str | None
    source: dict | None
    params: dict = field(default_factory=dict)
    data: dict | None = None
    findings: list | None = None
    metrics: dict | None = None
    timings: dict | None = None
    environment: dict | None = None
    git: dict | None = None
    run_dir: str | None = None
    error: str | None = None
    resumed_from: str | None = None

    @classmethod
    def from_row(cls, row) -> "Run":
        values = dict(row._mapping)
        values.pop("heartbeat_at", None)
        values["started_at"] = as_utc(values["started_at"])
        values["finished_at"] = as_utc(values["finished_at"])
        values["params"] = values.get("params") or {}
        return cls(**values)

    @property
    def seconds(self) -> float | None:
        return (self.finished_at - self.started_at).total_seconds() if self.finished_at else None

    @property
    def estimate(self) -> float | None:
        return ((self.metrics or {}).get("estimate") or {}).get("value")

    @property
    def resumable(self) -> bool:
        return _resumable(self.run_dir)

    @property
    def data_name(self) -> str:
        return data_name(self.source)


class RunLog:
    """Runs and trials in the store."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def start(self, *, target: str, params: dict, source: dict | None, run_dir: str | None = None,
              resumed_from: str | None = None) -> str:
        run_id = uuid.uuid4().hex
        moment = now()
        with self.engine.begin() as connection:
            connection.execute(insert(runs).values(
                id=run_id, status=RUNNING, started_at=moment, heartbeat_at=moment, host=socket.gethostname(),
                pid=os.getpid(), user=current_user(), target=target, params=plain(params), source=plain(source),
                environment=plain(environment()), git=plain(git_state()), run_dir=run_dir, resumed_from=resumed_from))
        return run_id

    def describe_data(self, run_id: str, *, task: str, metric: str, data: dict, findings: list) -> None:
        self._update(run_id, task=task, metric=metric, data=plain(data), findings=plain(findings))

    def log_trial(self, run_id: str, trial: dict[str, Any]) -> None:
        """Record one finished trial (``name``, ``family``, ``origin``, ``status``, ``score``,
        ``fit_seconds``, ``predict_ms_per_row``, ``params``, ``error``)."""
        moment = now()
        with self.engine.begin() as connection:
            connection.execute(insert(trials).values(
                run_id=run_id, name=trial["name"], family=trial["family"], origin=trial.get("origin"),
                status=trial["status"], score=finite(trial.get("score")), fit_seconds=finite(trial.get("fit_seconds")),
                predict_ms_per_row=finite(trial.get("predict_ms_per_row")), params=plain(trial.get("params") or {}),
                error=trial.get("error") or None, recorded_at=moment))
            connection.execute(update(runs).where(runs.c.id == run_id).values(heartbeat_at=moment))

    def finish(self, run_id: str, *, metrics: dict, timings: dict) -> None:
        self._update(run_id, status=FINISHED, finished_at=now(), metrics=plain(metrics), timings=plain(timings))

    def fail(self, run_id: str, error: str) -> None:
        self._update(run_id, status=FAILED, finished_at=now(), error=error[:2000])

    def get(self, run_id: str) -> Run:
        """A run by its id or an unambiguous prefix of it (as `runs list` shows them)."""
        self.reconcile()
        key = run_id.strip().lower()
        with self.engine.connect() as connection:
            rows = connection.execute(select(runs).where(runs.c.id.like(f"{key}%")).limit(2)).all()
        if not rows:
            raise StoreError(f"no run {run_id!r} in the store.", where="run",
                             fix="list the runs with `mlwright runs list` and pass one of their ids.")
        if len(rows) > 1:
            raise StoreError(f"{run_id!r} matches more than one run.", where="run", fix="give more of the id.")
        return Run.from_row(rows[0])

    def list(self, *, limit: int | None = 20, status: str | None = None, target: str | None = None,
             model: str | None = None, data: str | None = None, metric: str | None = None,
             since: datetime | None = None, light: bool = False) -> list[Run]:
        """The newest ``limit`` runs (all with None) that pass every filter given: their ``status``,
        the ``target`` they predict, their ``metric``, started ``since`` a moment, a ``model`` name
        they were registered under, and ``data``: text found, in any case, in their data's path,
        query or kind (``DataFrame``). ``light``: only what a table of runs shows (no settings,
        data fingerprint, findings, timings or environment), for listing thousands at once."""
        status = check_status(status)
        self.reconcile()
        columns = [runs.c[name] for name in LISTED] if light else [runs]
        query = select(*columns).order_by(runs.c.started_at.desc(), runs.c.id)
        if limit is not None:
            query = query.limit(limit)
        if status:
            query = query.where(runs.c.status == status)
        if target:
            query = query.where(runs.c.target == target)
        if metric:
            query = query.where(runs.c.metric == metric)
        if since is not None:
            query = query.where(runs.c.started_at >= since)
        if model:
            query = query.where(runs.c.id.in_(select(model_versions.c.run_id).where(model_versions.c.name == model)))
        if data:
            query = query.where(func.lower(_source_text()).contains(data.strip().lower(), autoescape=True))
        with self.engine.connect() as connection:
            return [Run.from_row(row) for row in connection.execute(query)]

    def by_run_dir(self, run_dir: str) -> Run | None:
        """The latest run that wrote to ``run_dir``, if one has started."""
        with self.engine.connect() as connection:
            row = connection.execute(select(runs).where(runs.c.run_dir == run_dir)
                                     .order_by(runs.c.started_at.desc()).limit(1)).first()
        return Run.from_row(row) if row else None

    def distinct_values(self) -> dict[str, list[str]]:
        """The statuses, targets and metrics that runs have: what a filter can choose from."""
        with self.engine.connect() as connection:
            return {name: sorted(v for v in connection.execute(select(runs.c[name]).distinct()).scalars() if v)
                    for name in ("status", "target", "metric")}

    def registered_as(self, run_ids: list[str]) -> dict[str, list[str]]:
        """``name/version`` of every model version registered from each run, oldest first."""
        if not run_ids:
            return {}
        query = (select(model_versions.c.run_id, model_versions.c.name, model_versions.c.version)
                 .where(model_versions.c.run_id.in_(run_ids)).order_by(model_versions.c.id))
        found: dict[str, list[str]] = {}
        with self.engine.connect() as connection:
            for row in connection.execute(query):
                found.setdefault(row.run_id, []).append(f"{row.name}/{row.version}")
        return found

    def trials(self, run_id: str) -> list[dict]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(trials).where(trials.c.run_id == run_id).order_by(trials.c.id)).all()
        return [{k: (as_utc(v) if k == "recorded_at" else v) for k, v in row._mapping.items() if k not in ("id", "run_id")}
                for row in rows]

    def trial_counts(self, run_ids: list[str]) -> dict[str, int]:
        if not run_ids:
            return {}
        query = select(trials.c.run_id, func.count()).where(trials.c.run_id.in_(run_ids)).group_by(trials.c.run_id)
        with self.engine.connect() as connection:
            return dict(connection.execute(query).all())

    def reconcile(self) -> int:
        """Mark failed the running runs of this machine whose process is gone; returns how many."""
        host = socket.gethostname()
        with self.engine.connect() as connection:
            alive = connection.execute(select(runs.c.id, runs.c.pid, runs.c.started_at, runs.c.run_dir)
                                       .where(runs.c.status == RUNNING, runs.c.host == host)).all()
        lost = [row for row in alive if not _process_alive(row.pid, as_utc(row.started_at))]
        for row in lost:
            how = f" Resume it with `mlwright train --resume {row.run_dir}`." if _resumable(row.run_dir) else ""
            with self.engine.begin() as connection:
                connection.execute(update(runs).where(runs.c.id == row.id, runs.c.status == RUNNING).values(
                    status=FAILED, error=f"the training process (pid {row.pid}) ended without finishing: "
                                         f"killed or crashed.{how}"))
        return len(lost)

    def _update(self, run_id: str, **values) -> None:
        with self.engine.begin() as connection:
            connection.execute(update(runs).where(runs.c.id == run_id).values(heartbeat_at=now(), **values))


def check_status(status: str | None) -> str | None:
    """``status`` as the store writes it, or a clear error naming the statuses a run can have."""
    if status is None:
        return None
    given = status.strip().lower()
    if given not in STATUSES:
        raise ConfigError(f"{status!r} is not a run status.", where="--status",
                          fix=f"use one of {', '.join(STATUSES)}.")
    return given


def data_name(source: dict | None) -> str:
    """A run's data in a word: a file's name, the first table its query reads, or the kind of frame."""
    if not source:
        return "-"
    if source.get("kind") == "file":
        return str(source.get("path") or "-").replace("\\", "/").rsplit("/", 1)[-1]
    if source.get("kind") == "sql":
        from mlwright.data.sql import first_table  # here: that module loads pandas, which a listing lacks

        return first_table(source.get("query") or "") or "SQL query"
    return str(source.get("kind") or "-")


def _source_text():
    """What ``--data`` searches in the store: a file's path, a query's text, else the kind of data."""
    return func.coalesce(runs.c.source["path"].as_string(), runs.c.source["query"].as_string(),
                         runs.c.source["kind"].as_string())


def _resumable(run_dir: str | None) -> bool:
    """The run folder kept a checkpoint that `train --resume` can continue."""
    return bool(run_dir) and (Path(run_dir) / "checkpoint" / "run.json").exists()


def _process_alive(pid: int | None, started_at: datetime | None) -> bool:
    """True when ``pid`` runs and was started before the run (not a later process given its number)."""
    if not pid:
        return False
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            return False
        created = process.create_time()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False
    return started_at is None or created <= started_at.timestamp() + 1.0
