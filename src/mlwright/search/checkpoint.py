"""Finished trials on disk, so that a killed search resumes instead of starting over.

Each trial is one line of JSON (appended and flushed) plus its out-of-fold predictions as an
``.npy`` file written under a temporary name and renamed: a crash never leaves half a trial.
"""

from __future__ import annotations

import json
import os
from dataclasses import fields
from pathlib import Path

import numpy as np

from mlwright.files import atomic_path, json_default, write_text_atomic
from mlwright.search.trial import OK, TrialResult, TrialSpec


class Checkpoint:
    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.trials_file = self.directory / "trials.jsonl"

    def start(self, run_facts: dict) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.directory / "run.json", run_facts)

    def run_facts(self) -> dict | None:
        path = self.directory / "run.json"
        return json.loads(path.read_text()) if path.exists() else None

    def save(self, result: TrialResult) -> None:
        if result.oof is not None:
            with atomic_path(self.directory / f"{result.spec.name}.npy") as temporary, open(temporary, "wb") as handle:
                np.save(handle, result.oof)
        record = {f.name: getattr(result, f.name) for f in fields(result) if f.name not in ("oof", "fitted", "spec")}
        record["spec"] = result.spec.record()
        with open(self.trials_file, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=json_default) + "\n")
            handle.flush()
            os.fsync(handle.fileno())

    def load(self) -> list[TrialResult]:
        if not self.trials_file.exists():
            return []
        results = []
        for line in self.trials_file.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut short by a crash
            spec = TrialSpec(**record.pop("spec"))
            result = TrialResult(spec=spec, **{k: v for k, v in record.items() if k != "oof"})
            oof_path = self.directory / f"{spec.name}.npy"
            if result.status == OK:
                if not oof_path.exists():
                    continue
                result.oof = np.load(oof_path)
            results.append(result)
        return results


def write_json_atomic(path: Path, data: dict) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, default=json_default))


