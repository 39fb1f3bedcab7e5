"""Training started from the browser: `mlwright train` in a process of its own.

A child process, not a thread: a training run holds both cores and gigabytes for minutes, and a
crash in a model library must not take the studio down with it. The run records itself in the
store as any `train` does; the progress view reads its trials from there, so what the page shows
is what the store holds, and the job's own log says what went wrong when it fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from mlwright.studio.settings import StudioSettings

#: Jobs at once: one trains at a time on a small machine; the next waits for the form to say so.
MAX_RUNNING = 1


@dataclass
class Job:
    id: str
    data: Path
    target: str
    time_limit: float
    register: str | None
    folder: Path
    started: float = field(default_factory=time.time)
    process: subprocess.Popen | None = None

    @property
    def run_dir(self) -> Path:
        return self.folder / "run"

    @property
    def log(self) -> Path:
        return self.folder / "train.log"

    @property
    def status(self) -> str:
        code = self.process.poll() if self.process else None
        return "running" if code is None else ("finished" if code == 0 else "failed")

    def last_lines(self, count: int = 6) -> list[str]:
        try:
            lines = self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []
        return [line for line in lines if line.strip()][-count:]


class Jobs:
    def __init__(self, settings: StudioSettings):
        self.settings = settings
        self.jobs: dict[str, Job] = {}

    def running(self) -> list[Job]:
        return [job for job in self.jobs.values() if job.status == "running"]

    def start(self, data: Path, target: str, time_limit: float, register: str | None) -> Job:
        job_id = uuid.uuid4().hex[:12]
        folder = Path(self.settings.workspace).resolve() / "jobs" / job_id
        folder.mkdir(parents=True)
        job = Job(job_id, data, target, time_limit, register, folder)
        command = [sys.executable, "-m", "mlwright", "train", str(data), "--target", target,
                   "--time-limit", str(time_limit), "--out", str(job.run_dir)]
        if self.settings.store:
            command += ["--store", self.settings.store]
        if register:
            command += ["--register", register]
        with open(job.log, "wb") as log:
            job.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                           env={**os.environ, "COLUMNS": "120", "NO_COLOR": "1"})
        self.jobs[job_id] = job
        return job

    def get(self, job_id: str) -> Job | None:
        return self.jobs.get(job_id)

    def stop_all(self) -> None:
        for job in self.running():
            job.process.terminate()
