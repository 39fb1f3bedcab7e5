"""The final fit on every row of a file too large to load: the last step of training on data
larger than memory, after the search has chosen a configuration on a sample.

LightGBM builds its training set batch by batch (``lightgbm.Sequence``): each batch of rows
is read from the file, conformed to the schema and encoded exactly as serving will encode it,
binned with the bin edges learned on the in-memory sample, and dropped. Memory then holds the
binned rows (a byte a value), the labels and one batch, never the table. Boosting stops on
validation rows kept outside the sample; the rows the estimate is judged on (the sample's
holdout) are left out, so the estimate stays honest.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

import lightgbm as lgb
import numpy as np
import pandas as pd

from mlwright.data.sampling import FileSample, iter_positions
from mlwright.data.schema import Schema, conform_columns
from mlwright.data.target import TargetInfo
from mlwright.execution.cores import fit_threads
from mlwright.features import TableEncoder
from mlwright.models.registry import get_family
from mlwright.predictor import Member
from mlwright.search.trial import TrialResult

#: The only family fitted this way: LightGBM can build its training set from batches.
STREAMED_FAMILY = "lightgbm"


@dataclass(frozen=True)
class StreamedFit:
    encoder: TableEncoder
    member: Member
    facts: dict[str, Any]


def fit_on_every_row(sampled: FileSample, result: TrialResult, *, sample_frame: pd.DataFrame, sample_y: np.ndarray,
                     schema: Schema, target: TargetInfo, n_classes: int, held_out: np.ndarray, seed: int,
                     threads: int, deadline: float, on_rows: Callable[[int], None] | None = None) -> StreamedFit:
    """Fit ``result``'s configuration on every labelled row of the file but ``held_out`` (file
    positions) and the validation rows. The encoder and the bins are fitted on ``sample_frame``
    (the search's training rows), which the final fit also trains on. ``on_rows(total)`` is
    told the rows read so far."""
    started = time.time()
    family = get_family(result.spec.family)
    encoder = TableEncoder(schema, family.style).fit(sample_frame)
    categorical = list(encoder.categorical_indices_) or "auto"
    params = dict(result.spec.params)
    bins = lgb.Dataset(encoder.transform(sample_frame), sample_y, categorical_feature=categorical,
                       params={**params, "verbose": -1}, free_raw_data=True).construct()
    y_all, known = _encoded_labels(target, sampled.labels)
    keep = known.copy()
    keep[held_out] = False
    keep[sampled.validation_positions] = False
    rows = EncodedRows(sampled, keep, schema, encoder, target.name, on_rows=on_rows)
    train_set = lgb.Dataset(rows, y_all[keep], reference=bins, categorical_feature=categorical)
    valid_y, valid_known = _encoded_labels(target, sampled.validation[target.name])
    valid_X = encoder.transform(_conformed(sampled.validation, schema, target.name, str(sampled.path)),
                                len(sampled.validation))
    valid_set = lgb.Dataset(valid_X[valid_known], valid_y[valid_known], reference=bins,
                            categorical_feature=categorical)
    learner = family.make(params, target.task)
    learner.fit_dataset(train_set, valid_set, n_classes=n_classes, seed=seed, threads=fit_threads(threads),
                        deadline=max(deadline, time.time() + 1.0))
    member = Member(result.spec.name, family.name, family.style, 1.0, dict(learner.params), learner)
    facts = {"source": str(sampled.path), "rows_in_file": sampled.rows, "rows_fitted": int(keep.sum()),
             "sample_rows": len(sampled.sample), "validation_rows": int(valid_known.sum()),
             "held_out_rows": int(len(held_out)), "unlabelled_rows": int((~known).sum()),
             "member": result.spec.name, "iterations": int(learner.iterations_ or 0),
             "seconds": round(time.time() - started, 2)}
    return StreamedFit(encoder, member, facts)


class EncodedRows(lgb.Sequence):
    """The file's kept rows, encoded, served to LightGBM in order, one batch at a time.

    LightGBM asks for consecutive slices when the bins come from a reference; a slice out of
    order restarts the reading (correct, only slower)."""

    batch_size = 100_000

    def __init__(self, sampled: FileSample, keep: np.ndarray, schema: Schema, encoder: TableEncoder, target: str,
                 *, on_rows: Callable[[int], None] | None = None):
        self.sampled, self.keep, self.schema, self.encoder, self.target = sampled, keep, schema, encoder, target
        self.on_rows = on_rows
        self._read = 0  # rows read so far, for ``on_rows``
        self._length = int(keep.sum())
        self._restart(0)

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        if not isinstance(index, slice):
            return self[int(index):int(index) + 1][0]
        start, stop, step = index.indices(self._length)
        if step != 1:
            raise IndexError("rows are served in order, one slice at a time")
        if start != self._served:
            self._restart(start)
        while self._buffered < stop - start:
            self._read_batch()
        out = np.concatenate(self._buffer) if len(self._buffer) > 1 else self._buffer[0]
        taken, rest = out[:stop - start], out[stop - start:]
        self._buffer, self._buffered, self._served = ([rest] if len(rest) else []), len(rest), stop
        return taken

    def _restart(self, start: int) -> None:
        self._batches = iter_positions(self.sampled.path, self.sampled.read_options, chunk_rows=self.batch_size)
        self._buffer, self._buffered, self._served = [], 0, 0
        while self._served + self._buffered < start:  # skip to ``start`` (only after an out-of-order slice)
            self._read_batch()
        skip = start - self._served
        if skip:
            out = np.concatenate(self._buffer)
            self._buffer, self._buffered, self._served = [out[skip:]], len(out) - skip, start

    def _read_batch(self) -> None:
        try:
            first, chunk = next(self._batches)
        except StopIteration:
            raise IndexError("the file has fewer rows than when it was sampled") from None
        kept = chunk[self.keep[first:first + len(chunk)]]
        if len(kept):
            self._buffer.append(self.encoder.transform(_conformed(kept, self.schema, self.target,
                                                                  str(self.sampled.path)), len(kept)))
            self._buffered += len(kept)
            self._read += len(kept)
            if self.on_rows is not None:
                self.on_rows(self._read)


def _conformed(frame: pd.DataFrame, schema: Schema, target: str, where: str) -> dict[str, np.ndarray]:
    columns, _ = conform_columns(frame, schema, where=where, ignore=(target,))
    return columns


def _encoded_labels(target: TargetInfo, raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Every row's label encoded as in training (0 where unusable, so that positions stay file
    positions), and which rows have one the model knows."""
    known, encoded = target.known(raw.reset_index(drop=True))
    every = np.zeros(len(raw), dtype=float)
    every[known] = encoded
    return every, known
