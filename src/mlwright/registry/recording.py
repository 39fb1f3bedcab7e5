"""What `train` tells the store: the run as it starts, each trial as it ends, the metrics and
timings when it finishes (or the error when it fails), and the registered version.

The store is a record, not a dependency of the model: when it stops answering in the middle of
a search, training goes on and one warning says what was not recorded.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path
from typing import Any

from mlwright.errors import MlwrightError, StoreError
from mlwright.registry.store import Store, open_store
from mlwright.registry.uris import is_model_uri, parse_model_uri
from mlwright.registry.versions import ModelVersion


class StoreWarning(UserWarning):
    """The store could not record something; the model itself is fine."""


class Laps:
    """Seconds spent in each stage of training, in order."""

    def __init__(self, started: float):
        self.started = self._last = started
        self.seconds: dict[str, float] = {}

    def mark(self, stage: str) -> None:
        moment = time.time()
        self.seconds[stage] = round(self.seconds.get(stage, 0.0) + moment - self._last, 3)
        self._last = moment

    def as_dict(self) -> dict:
        return {"stages": dict(self.seconds), "total": round(time.time() - self.started, 3)}


class RunRecorder:
    """One run's link to the store; ``open`` returns None when tracking is off."""

    def __init__(self, store: Store, run_id: str):
        self.store, self.run_id = store, run_id
        self._broken: str | None = None

    @classmethod
    def open(cls, store: str | Store | bool | None, *, target: str, params: dict, source: dict | None,
             run_dir: Path | None, resumed_from: str | None = None) -> "RunRecorder | None":
        if store is False:
            return None
        opened = store if isinstance(store, Store) else open_store(None if store in (None, True) else str(store))
        run_id = opened.runs.start(target=target, params=params, source=source,
                                   run_dir=str(run_dir.resolve()) if run_dir is not None else None,
                                   resumed_from=resumed_from)
        return cls(opened, run_id)

    def describe_data(self, *, task: str, metric: str, data: dict, findings: list) -> None:
        self._quietly(self.store.runs.describe_data, self.run_id, task=task, metric=metric, data=data,
                      findings=findings)

    def on_trial(self, result, metric) -> None:
        """Record a finished trial (called by the search for each one)."""
        from mlwright.search.leaderboard import trial_record

        record = trial_record(result, metric)
        self._quietly(self.store.runs.log_trial, self.run_id, {**record, "name": record.pop("model")})

    def finish(self, model, *, timings: dict, run_dir: Path | None) -> None:
        self._broken = None  # the end of the run is worth another try
        self._quietly(self.store.runs.finish, self.run_id, metrics=run_metrics(model, run_dir), timings=timings)

    def fail(self, error: BaseException) -> None:
        message = error.message if isinstance(error, MlwrightError) else \
            ("interrupted" if isinstance(error, KeyboardInterrupt) else f"{type(error).__name__}: {error}")
        self._broken = None
        self._quietly(self.store.runs.fail, self.run_id, message)

    def register(self, name: str, source: Path, *, parent: str | None, description: str | None) -> ModelVersion:
        """Register the finished run's folder as the next version of ``name``; not quiet: asked for."""
        return self.store.models.register(name, source, run_id=self.run_id, parent=self.parent_version(parent),
                                          description=description)

    def parent_version(self, parent: str | None) -> ModelVersion | None:
        if parent is None:
            return None
        if not is_model_uri(parent):
            raise StoreError(f"the parent {parent!r} is not a registered model.", where="--parent",
                             fix="name it as models:/NAME/VERSION (or a stage: models:/NAME/production).")
        return self.store.models.get(*parse_model_uri(parent))

    def close(self) -> None:
        self.store.close()

    def _quietly(self, record, *args: Any, **kwargs: Any) -> None:
        if self._broken:
            return
        try:
            record(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 - the store is a record; training goes on without it
            self._broken = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            warnings.warn(f"the store {self.store.where} stopped recording run {self.run_id[:8]}: {self._broken}",
                          StoreWarning, stacklevel=2)


def run_metrics(model, run_dir: Path | None) -> dict:
    """The metrics worth comparing across runs: the honest estimate, the out-of-fold score, the
    latency, and every set the report judged (its metrics' values)."""
    info = model.info
    if getattr(model, "kind", None) == "anomalies":
        return {key: info.get(key) for key in ("contamination", "threshold", "flagged")}
    if getattr(model, "kind", None) == "forecast":  # the backtest's errors, against the seasonal naive
        chosen, baseline = info["chosen"], info.get("baseline") or {}
        return {"mase": chosen["mase"], "smape": chosen["smape"], "wql": chosen["wql"], "method": chosen["name"],
                "coverage_80": chosen["coverage"]["80"], "coverage_95": chosen["coverage"]["95"],
                "baseline_mase": baseline.get("mase")}
    if getattr(model, "kind", None) == "clustering":  # no target: the choice of k is what runs compare on
        return {"clusters": info.get("k"), "method": info.get("method"), **{
            key: info["chosen"][key] for key in ("silhouette", "calinski_harabasz", "davies_bouldin", "stability")}}
    metrics: dict[str, Any] = {"estimate": info.get("estimate"), "oof_score": info.get("oof_score"),
                               "single_row_latency_ms": info.get("single_row_latency_ms"),
                               "members": {m.name: round(m.weight, 4) for m in model.members}}
    if info.get("threshold"):
        metrics["threshold"] = info["threshold"].get("value")
    evaluation = run_dir / "evaluation.json" if run_dir is not None else None
    if evaluation is not None and evaluation.exists():
        record = json.loads(evaluation.read_text(encoding="utf-8"))
        metrics["sets"] = {e["set"]: {m["name"]: m["value"] for m in e["metrics"]} for e in record["evaluations"]}
        if record.get("model_tests"):
            metrics["model_tests"] = {k: record["model_tests"][k] for k in ("passed", "failed")}
    return metrics
