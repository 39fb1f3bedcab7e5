"""Write a run's report files, at the end of ``train`` or again later with ``mlwright report``.

    evaluation.json    every fact the report states (see ``evaluation_record``)
    held_out.parquet   the held-out rows' outputs, so the report can be rebuilt without retraining
    report.html        the training report (self-contained: opens from disk, no network)
    MODEL_CARD.md      the model card
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from mlwright.data.readers import read_table
from mlwright.errors import ConfigError
from mlwright.files import write_text_atomic
from mlwright.report.evaluation_record import build_evaluation
from mlwright.report.evidence import HELD_OUT_FILE, RunEvidence, encode_labels, load_sets, save_sets

EVALUATION_FILE = "evaluation.json"


def write_run_report(run_dir: str | os.PathLike, model, evidence: RunEvidence, *, intended_use: str | None = None,
                     seed: int = 0, seconds: float | None = None) -> dict[str, Path]:
    """Build the evaluation record and write every report file; returns their paths. ``seconds``:
    what the report may take (inside a training budget), None for no deadline."""
    from mlwright.report.training_report import write_report_files

    run_dir = Path(run_dir)
    record = build_evaluation(model, evidence, intended_use=intended_use, seed=seed, seconds=seconds)
    paths = {"held_out": save_sets(run_dir, evidence.sets)}
    paths["evaluation"] = write_text_atomic(run_dir / EVALUATION_FILE, json.dumps(record, indent=1))
    paths.update(write_report_files(run_dir, record))
    return paths


def rebuild_run_report(run_dir: str | os.PathLike, *, data: str | os.PathLike | None = None,
                       test: str | os.PathLike | None = None, sensitive: tuple[str, ...] | None = None,
                       tests_spec: str | os.PathLike | None = None,
                       intended_use: str | None = None) -> dict[str, Path]:
    """The report of a finished run again, from its saved model and held-out outputs; a new test
    file, sensitive columns or model tests may be given. The training data are read again from
    where the run read them, or from ``data``."""
    from mlwright.evaluate.fairness import resolve_sensitive
    from mlwright.registry.bundle import load_model

    run_dir = Path(run_dir)
    if not (run_dir / HELD_OUT_FILE).exists() or not (run_dir / EVALUATION_FILE).exists():
        raise ConfigError("this folder holds no finished run with a report.", where=str(run_dir),
                          fix="pass the --out folder of `mlwright train` (trained with this version).")
    model = load_model(run_dir)
    previous = json.loads((run_dir / EVALUATION_FILE).read_text(encoding="utf-8"))
    facts = _run_facts(run_dir)
    source = Path(data) if data is not None else Path(facts.get("source") or "")
    if not source.is_file():
        raise ConfigError(f"the training data are not at {str(source) or 'a recorded path'} any more.",
                          where=str(run_dir), fix="pass them with --data FILE.")
    raw = read_table(source, **facts.get("read_options", {}))
    sets = [s for s in load_sets(run_dir, model, {"holdout": raw, "out-of-fold": raw}) if s.name != "test"]
    chosen = sensitive if sensitive is not None else tuple(previous["run"].get("sensitive", ()))
    evidence = RunEvidence(sets=sets, y_train=_training_labels(model, raw, sets, str(source)),
                           data_source=str(source), calibration=previous.get("calibration"),
                           threshold=previous.get("threshold"),
                           sensitive=tuple(resolve_sensitive(raw, list(chosen), where=str(source))) if chosen else (),
                           tests_spec=tests_spec)
    if model.info.get("holdout_in_final_fit"):
        evidence.notes.append("The shipped members were refitted on every row once the holdout had scored them, "
                              "the holdout's rows included: importance, examples and model tests rebuilt here score "
                              "rows the model has seen (the first report scored the members before that refit). "
                              "Pass --test with rows it has not seen.")
    test = test if test is not None else previous["run"].get("test_source")
    if test:
        evidence.add_test(model, test, facts.get("read_options"))
    return write_run_report(run_dir, model, evidence,
                            intended_use=intended_use or previous["run"].get("intended_use"),
                            seed=int(facts.get("seed", 0)))


def _training_labels(model, raw, sets, where: str) -> np.ndarray:
    """Labels of the rows the model was fitted on (all labelled rows but the holdout), for the baselines."""
    y, index, _ = encode_labels(model.target, raw, where)
    holdout = {int(r) for s in sets if s.name == "holdout" for r in s.rows}
    return y[~np.isin(index.to_numpy(), list(holdout))] if holdout else y


def _run_facts(run_dir: Path) -> dict:
    path = run_dir / "checkpoint" / "run.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
