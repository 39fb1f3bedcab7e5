"""The model directory format, version 1.

    manifest.json          format, version, task, target, metric, input schema, members,
                           and the SHA-256 of every other file
    features/<style>.json  fitted encoder state (plain data)
    members/<name>/        one model each, in its library's native format (LightGBM text,
                           XGBoost UBJSON, CatBoost .cbm) or skops for scikit-learn parts
    leaderboard.json       the search's trials
    training.json          facts of the run (timings, estimate, notes)
    decision.json          the probability calibrator and decision threshold (absent before
                           these existed: the model then blends and takes the top class)
    reference.json         the training data's distributions and the model's out-of-fold output,
                           for drift monitoring (absent in older models: monitoring then needs
                           a reference file)

A directory is written under a temporary name and renamed into place, so a crash never leaves
a half-written model; at load every checksum is verified before anything is read.

Models of another kind (``kind`` in the manifest: ``clustering``, ``anomalies``, ``forecast``) share the
format's frame (the manifest, the input schema, ``features/``, ``training.json``, ``reference.json``
and the checksums) and keep their own parts beside it (see ``mlwright.unsupervised.cluster_model``
and ``anomaly_model``, and ``mlwright.forecasting.forecast_model``). They are written
as version 2, which a version of mlwright that knows only supervised models refuses by its number
instead of misreading; a manifest without ``kind`` is a supervised model.
"""

from __future__ import annotations

import json
import shutil
import time
import uuid
from pathlib import Path

import pandas as pd

from mlwright import __version__
from mlwright.data.schema import Schema
from mlwright.data.target import TargetInfo
from mlwright.errors import ModelFormatError
from mlwright.evaluate.decision import Decision
from mlwright.features import TableEncoder
from mlwright.files import file_sha256, json_default, replace_folder
from mlwright.models.registry import get_family
from mlwright.predictor import Member, TrainedModel

FORMAT = "mlwright.model"
FORMAT_VERSION = 1
#: Version 2: a manifest with a ``kind`` other than supervised.
KIND_FORMAT_VERSION = 2
SUPPORTED_VERSIONS = (1, 2)
SUPERVISED = "supervised"
MANIFEST = "manifest.json"
REFERENCE = "reference.json"


def save_model(model: TrainedModel, directory: Path) -> Path:
    return write_folder(directory, lambda root: _write_contents(model, root))


def write_folder(directory: Path, write) -> Path:
    """Run ``write(staging)`` on a new folder beside ``directory``, then swap it into place:
    whatever kind of model, a crash leaves the old folder or the new one, never half of one."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    staging = directory.parent / f".{directory.name}.tmp-{uuid.uuid4().hex[:8]}"
    staging.mkdir()
    try:
        write(staging)
        _swap_into_place(staging, directory)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return directory


def write_manifest(root: Path, fields: dict) -> None:
    """The manifest, last: the format's header, ``fields``, and the SHA-256 of every file written."""
    files = {str(p.relative_to(root)): file_sha256(p) for p in sorted(root.rglob("*")) if p.is_file()}
    version = FORMAT_VERSION if fields.get("kind", SUPERVISED) == SUPERVISED else KIND_FORMAT_VERSION
    _dump(root / MANIFEST, {
        "format": FORMAT, "format_version": version, "mlwright_version": __version__,
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **fields, "files": files})


def _write_contents(model: TrainedModel, root: Path) -> None:
    (root / "features").mkdir()
    for style, encoder in model.encoders.items():
        _dump(root / "features" / f"{style}.json", encoder.to_state())
    members = []
    for member in model.members:
        folder = root / "members" / member.name
        folder.mkdir(parents=True)
        member.learner.save(folder)
        members.append({"name": member.name, "family": member.family, "style": member.style,
                        "weight": member.weight, "params": member.params, "path": f"members/{member.name}"})
    _dump(root / "leaderboard.json", json.loads(model.leaderboard().to_json(orient="records")))
    _dump(root / "training.json", model.info)
    _dump(root / "decision.json", model.decision.to_state())
    if model.reference is not None:  # compact: thousands of numbers, read only by monitoring
        (root / REFERENCE).write_text(json.dumps(model.reference, separators=(",", ":"), default=json_default),
                                      encoding="utf-8")
    write_manifest(root, {"task": model.task.value, "target": model.target.to_dict(), "metric": model.metric,
                          "input_schema": model.schema.to_list(), "members": members})


def _swap_into_place(staging: Path, directory: Path) -> None:
    if directory.exists() and not (directory / MANIFEST).exists() and any(directory.iterdir()):
        raise ModelFormatError("the folder exists and is not a model directory; refusing to replace it.",
                               where=str(directory), fix="choose an empty or new folder for the model.")
    replace_folder(staging, directory)


def resolve_model_dir(path: str | Path) -> Path:
    """Accept a model directory or a run directory that holds one in ``model/``."""
    path = Path(path)
    if (path / MANIFEST).exists():
        return path
    if (path / "model" / MANIFEST).exists():
        return path / "model"
    raise ModelFormatError("no mlwright model here (manifest.json not found).", where=str(path),
                           fix="pass the folder written by `mlwright train --out DIR`.")


def read_manifest(path: str | Path) -> tuple[Path, dict]:
    """The model folder and its manifest, once the format is known and every checksum matches."""
    root = resolve_model_dir(path)
    manifest = _read_json(root / MANIFEST)
    if manifest.get("format") != FORMAT or manifest.get("format_version") not in SUPPORTED_VERSIONS:
        raise ModelFormatError(f"unsupported model format {manifest.get('format')!r} version "
                               f"{manifest.get('format_version')!r}.", where=str(root),
                               fix=f"use mlwright {manifest.get('mlwright_version', 'of the right version')} to load it.")
    verify_checksums(root, manifest["files"])
    return root, manifest


def load_model(path: str | Path) -> TrainedModel:
    """A model of any kind: a ``TrainedModel``, or for ``kind: clustering`` a ``ClusterModel``."""
    root, manifest = read_manifest(path)
    kind = manifest.get("kind", SUPERVISED)
    if kind == "clustering":
        from mlwright.unsupervised.cluster_model import load_cluster_model

        return load_cluster_model(root, manifest)
    if kind == "anomalies":
        from mlwright.unsupervised.anomaly_model import load_anomaly_model

        return load_anomaly_model(root, manifest)
    if kind == "forecast":
        from mlwright.forecasting.forecast_model import load_forecast_model

        return load_forecast_model(root, manifest)
    if kind != SUPERVISED:
        raise ModelFormatError(f"unknown kind of model {kind!r}.", where=str(root),
                               fix=f"use mlwright {manifest.get('mlwright_version', 'of the right version')} to load it.")
    schema = Schema.from_list(manifest["input_schema"])
    target = TargetInfo.from_dict(manifest["target"])
    encoders = {p.stem: TableEncoder.from_state(schema, _read_json(p)) for p in sorted((root / "features").glob("*.json"))}
    members = [Member(m["name"], m["family"], m["style"], m["weight"], m["params"],
                      get_family(m["family"]).load(root / m["path"], m["params"], target.task))
               for m in manifest["members"]]
    leaderboard = pd.DataFrame(_read_json(root / "leaderboard.json"))
    decision = Decision.from_state(_read_json(root / "decision.json") if "decision.json" in manifest["files"] else None)
    return TrainedModel(schema=schema, target=target, metric=manifest["metric"], encoders=encoders,
                        members=members, leaderboard=leaderboard, info=_read_json(root / "training.json"),
                        decision=decision, reference=root / REFERENCE if REFERENCE in manifest["files"] else None)


def verify_checksums(root: Path, files: dict[str, str]) -> None:
    on_disk = {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} - {MANIFEST}
    missing = sorted(set(files) - on_disk)
    if missing:
        raise ModelFormatError(f"files listed in the manifest are missing: {', '.join(missing)}.", where=str(root),
                               fix="copy the whole model directory again.")
    changed = sorted(name for name, digest in files.items() if file_sha256(root / name) != digest)
    if changed:
        raise ModelFormatError(f"files do not match their checksums: {', '.join(changed)}; refusing to load.",
                               where=str(root), fix="restore the directory from its source or retrain.")


def read_json(path: Path) -> dict:
    return _read_json(path)


def dump_json(path: Path, data) -> None:
    _dump(path, data)


def _dump(path: Path, data) -> None:
    path.write_text(json.dumps(data, indent=1, default=json_default), encoding="utf-8")


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelFormatError(f"cannot read {path.name}: {exc}.", where=str(path.parent),
                               fix="copy the whole model directory again.") from None
