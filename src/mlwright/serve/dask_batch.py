"""Batch scoring on a Dask cluster: the input's partitions (the row groups of Parquet, blocks of
about 64 MB of CSV) are scored side by side as tasks and written as parts, which become the
output only when every one of them is written.

What travels to the workers, and why:

- the model's folder *path*, never the model: each worker loads the model from its artifact
  folder inside the task and keeps it for the tasks after (``cached_model``). A model scattered
  to a worker dies with that worker; a path does not, so the task the scheduler reruns elsewhere
  when a worker dies (``distributed.scheduler.allowed-failures`` times) still finds it, and
  writes the same part again;
- the decisions ``score_file`` takes from its first chunk, taken here once on the driver from
  the first rows: which columns holding personal data are scored as missing, and the output's
  column types, so that every part has the same schema.

So the workers must see the model folder, the input and the output's folder at the same paths
as this process: one machine, or a shared filesystem.

The output is all or nothing, as with ``score_file``: parts are written into a hidden temporary
folder beside it (the same filesystem, so that the last step is a rename). Parquet output becomes
a folder of part files (``OUT/part-00000.parquet`` ..., one dataset for ``pd.read_parquet(OUT)``);
CSV/TSV output one file, the parts concatenated on the driver. An existing output is replaced
only once the new one is complete; a failed job removes the temporary folder and leaves the
output as it was.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from mlwright.data.readers import csv_options, is_compressed, table_kind
from mlwright.errors import ConfigError, DataError, ModelFormatError
from mlwright.execution.dask import require_distributed
from mlwright.files import file_sha256
from mlwright.predictor import TrainedModel
from mlwright.registry.bundle import MANIFEST, load_model, resolve_model_dir
from mlwright.registry.uris import model_folder
from mlwright.serve.batch import ScoringReport, check_kept, kept_names, output_format, score_chunk
from mlwright.serve.part_output import (PART_SUFFIX, SHARED_PATHS, PartFormat, check_replaceable, commit_parts,
                                        staging_folder, write_part)
from mlwright.serve.privacy_guard import personal_columns, warning_text

#: Bytes of CSV per partition: large enough that a task's overhead is small beside its work.
BLOCK_BYTES = 64 * 2**20
#: Rows read on the driver to take the decisions every part shares (``score_file``'s first chunk).
SAMPLE_ROWS = 100_000
#: Of those, rows scored on the driver to learn the output's columns and types (and fail early).
SCHEMA_ROWS = 1_000
#: Models a worker keeps loaded, so that jobs taking turns with a few models do not reload them.
CACHED_MODELS = 4
#: The text dtype pandas reads strings as ("str" from pandas 3 on): parts declare their text
#: columns with it, or Parquet parts would disagree on a column's type.
_TEXT = pd.Series(["text"]).dtype if isinstance(pd.Series(["text"]).dtype, pd.StringDtype) else pd.StringDtype()
_TRUE, _FALSE = frozenset({"True", "TRUE", "true"}), frozenset({"False", "FALSE", "false"})


@dataclass(frozen=True)
class PartJob:
    """What each task is told: small and plain, so that it travels with every task for nothing."""

    model_dir: str
    fingerprint: str  # of the manifest: every part is scored by the model the driver checked
    where: str
    masked: tuple[str, ...]
    keep: tuple[str, ...]
    text_columns: tuple[str, ...]
    typed_by_pandas: bool  # CSV, read as text: give columns the types pandas would have given
    topic: str  # the job's own event topic, on which workers report the warnings scoring gave


def score_on_dask(model_location: str | os.PathLike, source: str | os.PathLike, out: str | os.PathLike, *,
                  client, keep_columns: Sequence[str] = (), read_options: dict[str, Any] | None = None,
                  on_part: Callable[[int], None] | None = None, store: str | None = None,
                  sample_rows: int = SAMPLE_ROWS, blocksize: int = BLOCK_BYTES) -> ScoringReport:
    """Score ``source`` (CSV/TSV, Parquet file or folder of Parquet files) on ``client``'s
    cluster with the model at ``model_location`` (a model folder, a run folder or
    ``models:/NAME/STAGE``, looked up in ``store``); write the predictions to ``out`` as
    ``score_file`` would, except that Parquet output is a folder of parts.

    ``on_part(rows)`` is called on the driver as each part is written. ``blocksize`` is the
    bytes of uncompressed CSV per partition (a compressed file is one partition).
    """
    import dask

    source_path, out = _checked_source(source), Path(out).absolute()
    kind, sep, compression = output_format(out)
    check_replaceable(out, kind)
    model_dir = resolve_model_dir(model_folder(model_location, store=store)).resolve()
    model = load_model(model_dir)
    with dask.config.set({"dataframe.convert-string": False}):  # partitions typed as pandas reads them
        frame, typed_by_pandas = _dask_frame(source_path, read_options or {}, blocksize)
        job, part_format, meta, report = _plan(model, model_dir, frame, typed_by_pandas, kept_names(keep_columns),
                                               str(source_path), (kind, sep, compression), sample_rows)
        scored = frame.map_partitions(score_partition, job=job, meta=meta)
        with staging_folder(out) as staging:
            parts = _write_parts(client, scored, staging, part_format, report, on_part, str(source_path))
            report.warnings.extend(_worker_warnings(client, job.topic, report.warnings))
            commit_parts(staging, parts, out, kind)
    return report


def _plan(model: TrainedModel, model_dir: Path, frame, typed_by_pandas: bool, keep: tuple[str, ...], where: str,
          out_format: tuple, sample_rows: int) -> tuple[PartJob, PartFormat, pd.DataFrame, ScoringReport]:
    """The decisions every part shares, from the first rows: the masked columns, the output's
    columns and types. Scoring a few rows here also fails a job with a missing column before
    any task starts."""
    sample = frame.head(sample_rows, npartitions=1, compute=False).compute(scheduler="sync")
    if typed_by_pandas:
        sample = typed_like_pandas(sample)
    check_kept(keep, sample, where)
    masked = personal_columns(model, sample)
    report = ScoringReport(warnings=[warning_text(column, evidence) for column, evidence in masked.items()])
    head, _ = score_chunk(model, sample.head(SCHEMA_ROWS), masked=masked, keep=keep, where=where)
    text = tuple(name for name in head.columns if _holds_text(head[name]))
    head = head.astype({name: _TEXT for name in text})
    job = PartJob(str(model_dir), model_fingerprint(model_dir), where, tuple(masked), keep, text, typed_by_pandas,
                  f"mlwright-scoring-{uuid.uuid4().hex}")
    schema = _arrow_schema(head) if out_format[0] == "parquet" else None
    return job, PartFormat(*out_format, schema), head.iloc[:0], report


def score_partition(part: pd.DataFrame, job: PartJob) -> pd.DataFrame:
    """One partition's predictions, kept columns in front: runs on a worker."""
    model = cached_model(job.model_dir, job.fingerprint)
    if job.typed_by_pandas:
        part = typed_like_pandas(part)
    table, messages = score_chunk(model, part, masked=job.masked, keep=job.keep, where=job.where)
    if messages:
        require_distributed().get_worker().log_event(job.topic, list(dict.fromkeys(messages)))
    return table.astype({name: _TEXT for name in job.text_columns}) if job.text_columns else table


_models: OrderedDict[tuple[str, str], TrainedModel] = OrderedDict()
_models_lock = threading.Lock()


def cached_model(model_dir: str, fingerprint: str) -> TrainedModel:
    """The model in ``model_dir``, loaded once per worker process and kept for the tasks after.
    Refused when its manifest no longer matches ``fingerprint``: the folder changed after the
    job started, and parts scored by two models would be one output."""
    key = (model_dir, fingerprint)
    with _models_lock:  # threads of one worker wait for one load rather than each loading
        if key in _models:
            _models.move_to_end(key)
            return _models[key]
        if not (Path(model_dir) / MANIFEST).is_file():
            raise ModelFormatError("a worker cannot see the model folder.", where=model_dir, fix=SHARED_PATHS)
        if model_fingerprint(Path(model_dir)) != fingerprint:
            raise ModelFormatError("the model folder changed while the job ran.", where=model_dir,
                                   fix="score again, and replace a model only between jobs.")
        _models[key] = load_model(model_dir)
        while len(_models) > CACHED_MODELS:
            _models.popitem(last=False)
        return _models[key]


def model_fingerprint(model_dir: Path) -> str:
    """The manifest's SHA-256: it lists every file's checksum, so it names the model's content."""
    return file_sha256(Path(model_dir) / MANIFEST)


def typed_like_pandas(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns read as text, given the types ``pd.read_csv`` infers: numbers, then booleans,
    else text. CSV is read as text so that no block can contradict the types Dask would guess
    from the first one; this makes each partition what the local reader's chunk would be."""
    return pd.DataFrame({name: _typed(column) for name, column in frame.items()}, index=frame.index)


def _typed(column: pd.Series) -> pd.Series:
    present = column.notna()
    count = int(present.sum())
    numbers = pd.to_numeric(column, errors="coerce")  # parses exactly as read_csv's C parser does
    if int(numbers.notna().sum()) == count:
        return numbers
    if set(column[present].unique()) <= _TRUE | _FALSE:
        flags = column.map(lambda value: value in _TRUE, na_action="ignore")
        return flags.astype(bool) if count == len(column) else flags
    return column.astype(_TEXT)


def _holds_text(column: pd.Series) -> bool:
    if not (column.dtype == object or isinstance(column.dtype, pd.StringDtype)):
        return False
    return all(isinstance(value, str) for value in column.dropna())


def _arrow_schema(head: pd.DataFrame):
    """The schema every Parquet part is written with; a column with no value in the first rows
    (no type to learn) is text."""
    import pyarrow as pa

    schema = pa.Schema.from_pandas(head, preserve_index=False)
    for i, field in enumerate(schema):
        if pa.types.is_null(field.type):
            schema = schema.set(i, field.with_type(pa.large_string()))
    return schema


def _checked_source(source) -> Path:
    if not isinstance(source, (str, os.PathLike)):
        raise ConfigError("the dask backend scores files, not SQL queries.", where="--sql",
                          fix="score the query with --backend local, or export it to Parquet first.")
    path = Path(source).absolute()
    if not path.exists():
        raise DataError("file not found.", where=str(path), fix="check the path.")
    if path.is_dir() and not any(p.suffix.lower() in (".parquet", ".pq") for p in path.iterdir()):
        raise DataError("is a folder without Parquet files.", where=str(path),
                        fix="pass a CSV, TSV or Parquet file, or a folder of Parquet files.")
    if path.is_file() and path.stat().st_size == 0:
        raise DataError("the file is empty.", where=str(path), fix="pass a file with a header and data.")
    return path


def _dask_frame(source: Path, read_options: dict[str, Any], blocksize: int):
    """The input as a Dask frame, and whether it was read as text (CSV). Parquet: one partition
    per row group. CSV: separator, header and names as the local reader finds them; every
    column as text, typed per partition by ``typed_like_pandas``."""
    import dask.dataframe as dd

    if source.is_dir() or table_kind(source) == "parquet":
        return dd.read_parquet(str(source), split_row_groups=True), False
    options = csv_options(source, **{"sep": None, "header": None, "columns": None, **read_options})
    compressed = is_compressed(source)  # a compressed stream cannot be cut into blocks
    frame = dd.read_csv(str(source), blocksize=None if compressed else blocksize, dtype=object, **options)
    names = [str(c).strip() for c in frame.columns]
    if names != list(frame.columns):
        frame = frame.rename(columns=dict(zip(frame.columns, names)))
    return frame, True


def _write_parts(client, scored, staging: Path, part_format: PartFormat, report: ScoringReport,
                 on_part: Callable[[int], None] | None, where: str) -> list[Path]:
    """Write each partition as a part, in tasks; the parts' paths in order. The first error
    cancels the remaining tasks and is raised (as an mlwright error where it is one we know)."""
    from dask import delayed

    partitions = scored.to_delayed()
    width = max(5, len(str(len(partitions) - 1)))
    paths = [staging / f"part-{i:0{width}d}{PART_SUFFIX[part_format.kind]}" for i in range(len(partitions))]
    writes = [delayed(write_part, pure=False)(partition, str(path), part_format, i == 0)
              for i, (partition, path) in enumerate(zip(partitions, paths))]
    futures = client.compute(writes)  # no retries: an error in a part is no less an error the second time
    try:
        for future in require_distributed().as_completed(futures):
            rows = future.result()
            report.rows += rows
            report.chunks += 1
            if on_part:
                on_part(rows)
    except BaseException as exc:
        client.cancel(futures)
        _raise_known(exc, where)
        raise
    return paths


def _raise_known(exc: BaseException, where: str) -> None:
    """Errors from reading inside a task, raised as the local reader raises them."""
    if isinstance(exc, (pd.errors.ParserError, UnicodeDecodeError)):
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise DataError(f"cannot parse the file: {first}", where=where,
                        fix="check the separator (--sep) and that the file is text.") from None
    if isinstance(exc, FileNotFoundError):
        raise ConfigError(f"a worker cannot find a file: {exc}.", where=where, fix=SHARED_PATHS) from None


def _worker_warnings(client, topic: str, known: list[str]) -> list[str]:
    """The warnings workers reported for this job, each once, in the order they came."""
    messages = [m for _, batch in client.get_events(topic) for m in batch]
    return [m for m in dict.fromkeys(messages) if m not in known]


