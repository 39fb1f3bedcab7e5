"""What a report is built from: the held-out sets with the shipped model's output on them.

Training hands these over in memory; ``held_out.parquet`` keeps them in the run folder so that
``mlwright report RUN`` rebuilds the report later without retraining (out-of-fold predictions
cannot be remade from the final model, which saw every training row).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright._types import DataSource
from mlwright.data.readers import read_table
from mlwright.data.target import TargetInfo
from mlwright.errors import DataError
from mlwright.evaluate.held_out import HeldOutSet
from mlwright.files import atomic_path

HELD_OUT_FILE = "held_out.parquet"


@dataclass
class RunEvidence:
    """Primary held-out set first; then the others. ``y_train`` gives the baselines."""

    sets: list[HeldOutSet]
    y_train: np.ndarray
    data_source: str | None = None
    test_source: str | None = None
    calibration: dict | None = None
    threshold: dict | None = None
    sensitive: tuple[str, ...] = ()
    tests_spec: str | os.PathLike | None = None
    notes: list[str] = field(default_factory=list)
    #: The model the holdout's outputs came from, when the shipped members were refitted on every
    #: row afterwards, the holdout's included: the sections that score the holdout's rows again
    #: (importance, dependence, examples, model tests) score it, which has not seen them.
    judged_by: Any = None

    def scorer(self, model, held: HeldOutSet | None):
        """The model a section scoring ``held``'s rows again should use."""
        return self.judged_by if self.judged_by is not None and held is not None and held.name == "holdout" else model

    def add_test(self, model, data: DataSource | pd.DataFrame, read_options: dict | None = None,
                 where: str | None = None) -> None:
        """Score a labelled test table (a file, or a table already read) with the shipped model;
        it becomes the primary set."""
        where = where or (str(data) if isinstance(data, (str, os.PathLike)) else "test data")
        frame = data if isinstance(data, pd.DataFrame) else read_table(data, **(read_options or {}))
        y, keep, note = encode_labels(model.target, frame, where)
        if note:
            self.notes.append(note)
        frame = frame.loc[keep]
        prediction = model.raw_predict(frame, where=where)
        self.sets.insert(0, _held_out(model, "test", f"the test file {Path(where).name}: {len(frame):,} rows that "
                                      "took no part in training", frame.index.to_numpy(), y, prediction, frame))
        self.test_source = where


def encode_labels(target: TargetInfo, frame: pd.DataFrame, where: str) -> tuple[np.ndarray, pd.Index, str]:
    """The target column of ``frame`` encoded as in training; rows with no label, or a class the
    model never saw, are left out with a note."""
    name = target.name
    if name not in frame.columns:
        raise DataError(f"the target column {name!r} is missing, so the model cannot be judged on it.",
                        where=where, fix=f"pass a file with the {name!r} column (the labels).")
    known, encoded = target.known(frame[name])
    dropped = int((~known).sum())
    note = f"{dropped:,} rows of {where} left out: no label, or a class unseen in training." if dropped else ""
    if not known.any():
        raise DataError("no row has a label the model knows.", where=where,
                        fix=f"check the {name!r} column: its values must be among {list(target.classes)[:10]}.")
    return encoded, frame.index[known], note


def training_sets(model, raw: pd.DataFrame, prepared, train_rows: np.ndarray, holdout_rows: np.ndarray,
                  holdout_output: np.ndarray | None, oof_output: np.ndarray, *,
                  validation: str = "bagged", holdout_refitted: bool = False) -> list[HeldOutSet]:
    """The holdout (when one was kept) first, then the out-of-fold rows of the training set
    (``train_rows``: those the search scored; all of them when bagged, its own holdout's when
    ``validation`` is "holdout"). The outputs are the shipped model's: its predictions on the
    holdout, and the calibrated out-of-fold blend. Only the first set keeps its rows for
    importance, fairness and tests. ``holdout_refitted``: the members were refitted on every row
    once the holdout had scored them; its outputs are those of the members before."""
    sets = []
    if len(holdout_rows):
        index = prepared.source_index[holdout_rows]
        fits = ("fits of the members it scored (the shipped members were refitted on every row afterwards, "
                "these included)" if holdout_refitted else "members' fits")
        sets.append(_held_out(model, "holdout", f"{len(index):,} rows kept out of the search, the ensemble "
                              f"selection and the {fits}", index.to_numpy(), prepared.y[holdout_rows],
                              holdout_output, raw.loc[index]))
    index = prepared.source_index[train_rows]
    which = (f"the {len(index):,} training rows" if validation != "holdout" else
             f"the {len(index):,} training rows the search validated on")
    sets.append(_held_out(model, "out-of-fold", f"out-of-fold predictions of {which} (each "
                          "from a model that did not see the row; the ensemble weights were chosen on these rows, "
                          "so slightly optimistic)", index.to_numpy(), prepared.y[train_rows], oof_output,
                          None if sets else raw.loc[index]))
    return sets


def _held_out(model, name, description, rows, y, prediction, frame) -> HeldOutSet:
    labels = model.decision.label_indices(prediction) if model.task.is_classification else None
    return HeldOutSet(name, description, np.asarray(rows), np.asarray(y), np.asarray(prediction), labels, frame)


def save_sets(run_dir: Path, sets: list[HeldOutSet]) -> Path:
    """One row per held-out row: set, row, y, and the output columns; written atomically."""
    parts = []
    for held in sets:
        output = np.asarray(held.prediction, dtype=float)
        output = output.reshape(len(output), -1)
        part = pd.DataFrame(output, columns=[f"out_{i}" for i in range(output.shape[1])])
        part.insert(0, "y", np.asarray(held.y, dtype=float))
        part.insert(0, "row", np.asarray(held.rows))
        part.insert(0, "set", held.name)
        part["description"] = held.description
        parts.append(part)
    path = Path(run_dir) / HELD_OUT_FILE
    with atomic_path(path) as temporary:
        pd.concat(parts, ignore_index=True).to_parquet(temporary, index=False)
    return path


def load_sets(run_dir: Path, model, frames: dict[str, pd.DataFrame]) -> list[HeldOutSet]:
    """The saved sets, joined again to the rows of ``frames`` (set name to the table it came from)."""
    table = pd.read_parquet(Path(run_dir) / HELD_OUT_FILE)
    sets = []
    for name, part in table.groupby("set", sort=False):
        output = part[[c for c in part.columns if c.startswith("out_")]].to_numpy()
        output = output if model.task.is_classification else output[:, 0]
        y = part["y"].to_numpy()
        y = y.astype(int) if model.task.is_classification else y
        frame = frames.get(name)
        rows = part["row"].to_numpy()
        sets.append(_held_out(model, name, str(part["description"].iloc[0]), rows, y, output,
                              frame.loc[rows] if frame is not None else None))
    return sets
