"""Column kinds (numeric, categorical, ordinal, datetime, text, identifier, constant) and the
input schema a model keeps, so that prediction data is read exactly as the training data was.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from mlwright.data.cleaning import clean_text, clean_value, number_value, to_numeric
from mlwright.errors import SchemaError

NUMERIC, CATEGORICAL, ORDINAL, DATETIME, TEXT, IDENTIFIER, CONSTANT = (
    "numeric", "categorical", "ordinal", "datetime", "text", "identifier", "constant")
#: Kinds the training-time checks give: a column that leaks the target, one of personal data,
#: one that repeats another column.
LEAK, PERSONAL, DUPLICATE = "leak", "personal", "duplicate"
#: A column named sensitive (for the fairness audit) and kept out of the features.
SENSITIVE = "sensitive"
#: Kinds that are dropped before modelling, with the reason recorded in the schema; a dropped
#: column that arrives at predict time is ignored, never read.
DROPPED_KINDS = (IDENTIFIER, CONSTANT, LEAK, PERSONAL, DUPLICATE, SENSITIVE)
_DATE_PATTERN = re.compile(r"\d{1,4}[-/.:]\d{1,2}")
#: ISO 8601 without a time zone: NumPy reads these exactly as pandas does.
_PLAIN_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?)?")
#: Orders people write categories in; a column whose values all belong to one scale is ordinal.
ORDINAL_SCALES: tuple[tuple[str, ...], ...] = (
    ("very low", "low", "medium", "high", "very high"),
    ("low", "med", "high", "vhigh"),
    ("small", "med", "big"),
    ("xs", "s", "m", "l", "xl", "xxl"),
    ("never", "rarely", "sometimes", "often", "always"),
    ("poor", "fair", "good", "very good", "excellent"),
    ("fair", "good", "very good", "premium", "ideal"),
    ("strongly disagree", "disagree", "neutral", "agree", "strongly agree"),
    ("first", "second", "third"),
)


@dataclass(frozen=True)
class ColumnSpec:
    """One input column: how to read it and how it is used (``reason`` says why it is dropped)."""

    name: str
    kind: str
    order: tuple[str, ...] = ()
    reason: str = ""

    @property
    def used(self) -> bool:
        return self.kind not in DROPPED_KINDS


@dataclass(frozen=True)
class Schema:
    """The input columns of a model, in training order."""

    columns: tuple[ColumnSpec, ...] = field(default_factory=tuple)

    @property
    def used(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if c.used)

    @property
    def dropped(self) -> tuple[ColumnSpec, ...]:
        return tuple(c for c in self.columns if not c.used)

    def to_list(self) -> list[dict]:
        return [asdict(c) | {"order": list(c.order)} for c in self.columns]

    @classmethod
    def from_list(cls, items: list[dict]) -> "Schema":
        return cls(tuple(ColumnSpec(i["name"], i["kind"], tuple(i.get("order", ())), i.get("reason", ""))
                         for i in items))


def infer_schema(frame: pd.DataFrame) -> Schema:
    """Decide each column's kind from its cleaned values (see ``clean_frame``)."""
    return Schema(tuple(_infer_column(name, frame[name]) for name in frame.columns))


def _infer_column(name: str, column: pd.Series) -> ColumnSpec:
    present = column.dropna()
    distinct = present.nunique()
    if distinct <= 1:
        return ColumnSpec(name, CONSTANT, reason="holds a single value" if distinct else "is empty")
    if column.dtype.kind in "fiub":
        if _is_integer_id(name, present):
            return ColumnSpec(name, IDENTIFIER, reason="holds a distinct integer on every row, like a row id")
        return ColumnSpec(name, NUMERIC)
    if pd.api.types.is_datetime64_any_dtype(column) or _looks_like_dates(present):
        return ColumnSpec(name, DATETIME)
    text = present.astype(str)
    unique_share = distinct / max(len(present), 1)
    words = text.str.count(" ").mean() + 1
    if words >= 4 and unique_share > 0.3:
        return ColumnSpec(name, TEXT)
    if unique_share > 0.95 and len(present) > 50:
        return ColumnSpec(name, IDENTIFIER, reason="holds a distinct value on almost every row, like a name or an id")
    order = _ordinal_order(set(text.str.lower().unique()))
    if order:
        return ColumnSpec(name, ORDINAL, order=order)
    return ColumnSpec(name, CATEGORICAL)


def _is_integer_id(name: str, present: pd.Series) -> bool:
    if present.dtype.kind not in "iu" and not np.all(np.mod(present.to_numpy(dtype=float), 1) == 0):
        return False
    if present.nunique() != len(present) or len(present) < 50:
        return False
    values = present.to_numpy(dtype=float)
    named = bool(re.search(r"(^|_|\b)(id|index|key|row)$", name.lower()))
    consecutive = np.ptp(values) == len(values) - 1
    return named or consecutive


def _looks_like_dates(present: pd.Series) -> bool:
    sample = present.astype(str).head(200)
    if sample.empty or not sample.str.contains(_DATE_PATTERN).mean() > 0.9:
        return False
    return parse_dates(sample).notna().mean() > 0.95


def parse_dates(values: pd.Series) -> pd.Series:
    """Dates as naive timestamps; values with time zones are converted to UTC first, so that a
    column mixing zones (or zones and none) is read rather than refused."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            stamps = pd.to_datetime(values, errors="coerce", format="ISO8601")
        except (ValueError, TypeError):
            try:
                stamps = pd.to_datetime(values, errors="coerce", format="mixed")
            except (ValueError, TypeError):
                stamps = pd.to_datetime(values, errors="coerce", format="mixed", utc=True)
    if isinstance(stamps.dtype, pd.DatetimeTZDtype):
        stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
    return _outside_nanoseconds(values, stamps)


def _outside_nanoseconds(values: pd.Series, stamps: pd.Series) -> pd.Series:
    """pandas before 3 parses text into nanoseconds, where years before 1677 or after 2262 do
    not fit and become missing; ISO dates of those years are read in microseconds instead, as
    pandas 3 and the few-rows path (``_small_dates``) read them, so that a date means the same
    whichever pandas and path read it."""
    missing = stamps.isna().to_numpy()
    if not missing.any() or not pd.api.types.is_datetime64_any_dtype(stamps) or \
            np.datetime_data(stamps.dtype)[0] != "ns":
        return stamps
    recovered = {}
    for position in np.flatnonzero(missing):
        value = values.iloc[position]
        if isinstance(value, str) and _PLAIN_ISO_DATE.fullmatch(value.strip()):
            try:
                recovered[position] = np.datetime64(value.strip(), "us")
            except ValueError:
                continue
    if not recovered:
        return stamps
    micro = stamps.to_numpy().astype("datetime64[us]")
    for position, stamp in recovered.items():
        micro[position] = stamp
    return pd.Series(micro, index=stamps.index, name=stamps.name)


def as_numbers(column: pd.Series) -> pd.Series:
    """Numbers as floats, dates as their integer time stamps, NaN where missing: one numeric
    scale on which either kind can be binned, ranked or split."""
    if column.dtype.kind in "fiub":
        return column.astype(float)
    stamps = column if pd.api.types.is_datetime64_any_dtype(column) else parse_dates(column.astype("string"))
    return pd.Series(stamps.astype("int64"), index=column.index).where(stamps.notna()).astype(float)


def _ordinal_order(values: set[str]) -> tuple[str, ...]:
    for scale in ORDINAL_SCALES:
        if len(values) >= 3 and values <= set(scale):
            return scale
    return ()


#: Frames up to this many rows are conformed value by value: far faster than column methods.
SMALL_FRAME = 16


def conform(frame: pd.DataFrame, schema: Schema, *, where: str = "data",
            ignore: tuple[str, ...] = ()) -> tuple[pd.DataFrame, list[str]]:
    """``conform_columns`` as a DataFrame."""
    columns, notes = conform_columns(frame, schema, where=where, ignore=ignore)
    return pd.DataFrame(columns, index=frame.index), notes


def conform_columns(frame: pd.DataFrame, schema: Schema, *, where: str = "data",
                    ignore: tuple[str, ...] = ()) -> tuple[dict[str, np.ndarray], list[str]]:
    """Return the used columns of ``frame`` read as at training time (name -> values), with warnings.

    Missing columns are an error; extra columns are ignored (``ignore`` names ones expected,
    like the target); column order does not matter.
    """
    used = schema.used
    names = frame.columns.tolist()  # once: iterating a string Index goes through Arrow value by value
    position = {name: i for i, name in enumerate(names)}  # plain dict: Index look-ups cost ~0.1 ms
    missing = [c.name for c in used if c.name not in position]
    if missing:
        raise SchemaError(f"missing columns the model needs: {', '.join(missing)}.", where=where,
                          fix="add these columns (empty values are allowed) or retrain without them.")
    notes: list[str] = []
    known = {c.name for c in schema.columns} | set(ignore)
    extra = [str(c) for c in names if c not in known]
    if extra:
        notes.append(f"ignored columns the model does not know: {', '.join(extra[:10])}"
                     + (" ..." if len(extra) > 10 else ""))
    if len(frame) <= SMALL_FRAME:
        columns, bad_counts = _read_small_frame(frame, used, [position[spec.name] for spec in used])
    else:
        columns, bad_counts = {}, {}
        for spec in used:
            columns[spec.name], bad_counts[spec.name] = _read_column(frame[spec.name], spec.kind)
    for name, bad in bad_counts.items():
        if bad and np.isnan(np.asarray(columns[name], dtype=float)).all():
            # a few bad cells are read as missing so a batch goes on; a column with no number at
            # all is the wrong column or the wrong file, and predictions from it would be garbage
            raise SchemaError(f"column {name!r} holds no numbers ({bad} values such as text), but the model "
                              "reads it as numeric.", where=where,
                              fix=f"send numbers in {name!r} (leave a value empty when it is unknown).")
        if bad:
            notes.append(f"column {name!r}: {bad} values that are not numbers read as missing.")
    return columns, notes


def _read_column(column: pd.Series, kind: str) -> tuple[np.ndarray, int]:
    if kind == NUMERIC:
        numbers, bad = to_numeric(column)
        return numbers.to_numpy(), bad
    if kind == DATETIME:
        stamps = column if pd.api.types.is_datetime64_any_dtype(column) else parse_dates(clean_text(column))
        return stamps.to_numpy(), 0
    return clean_text(column).to_numpy(dtype=object), 0


def _read_small_frame(frame: pd.DataFrame, used, positions: list[int]) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """The single-row path: one conversion of the whole frame, then plain NumPy per column."""
    values = frame.to_numpy(dtype=object)
    numeric = [(spec.name, position) for spec, position in zip(used, positions) if spec.kind == NUMERIC]
    columns, bad_counts = _small_number_block(values, numeric)
    for spec, position in zip(used, positions):
        raw = values[:, position]
        if spec.kind == NUMERIC:
            continue
        if spec.kind == DATETIME:
            columns[spec.name] = _small_dates(raw)
        else:
            cleaned = np.empty(len(raw), dtype=object)
            cleaned[:] = [clean_value(v) for v in raw]
            columns[spec.name] = cleaned
    return {spec.name: columns[spec.name] for spec in used}, bad_counts  # in the schema's order, as the big path


def _small_dates(raw: np.ndarray) -> np.ndarray:
    """Dates of a few rows: NumPy reads ISO 8601 in microseconds, where building a Series to
    clean and parse costs milliseconds; anything else goes through ``parse_dates``.

    Microseconds, as ``parse_dates`` gives them: years 1 to 9999 fit (nanoseconds would wrap
    past 2262 silently), and a date that does not exist (2021-02-30) is missing, as in a batch.
    """
    stamps = np.empty(len(raw), dtype="datetime64[us]")
    for i, value in enumerate(raw):
        value = clean_value(value)
        if isinstance(value, str) and _PLAIN_ISO_DATE.fullmatch(value):
            try:
                stamps[i] = np.datetime64(value, "us")
            except ValueError:
                stamps[i] = np.datetime64("NaT")
        elif isinstance(value, float):  # missing
            stamps[i] = np.datetime64("NaT")
        else:
            parsed = parse_dates(pd.Series([value], dtype=object))
            stamps[i] = parsed.to_numpy(dtype="datetime64[us]")[0] if pd.api.types.is_datetime64_any_dtype(parsed) \
                else np.datetime64("NaT")
    return stamps


def _small_number_block(values: np.ndarray, numeric: list[tuple[str, int]]) -> tuple[dict, dict[str, int]]:
    """The numeric columns of a few rows, converted together: one conversion instead of one per
    column, which matters for tables of many numeric columns; column by column only when some
    value is not a plain number."""
    if not numeric:
        return {}, {}
    block = values[:, [position for _, position in numeric]]
    try:
        numbers = block.astype(float)
    except (TypeError, ValueError):
        pairs = {name: _small_numbers(block[:, j]) for j, (name, _) in enumerate(numeric)}
        return {name: pair[0] for name, pair in pairs.items()}, {name: pair[1] for name, pair in pairs.items()}
    numbers = np.where(np.isfinite(numbers), numbers, np.nan)
    return {name: numbers[:, j] for j, (name, _) in enumerate(numeric)}, dict.fromkeys((name for name, _ in numeric), 0)


def _small_numbers(raw: np.ndarray) -> tuple[np.ndarray, int]:
    try:
        numbers = raw.astype(float)
        bad = 0
    except (TypeError, ValueError):
        numbers = np.array([number_value(v) for v in raw], dtype=float)
        bad = sum(1 for v, n in zip(raw, numbers) if n != n and clean_value(v) == clean_value(v))
    return np.where(np.isfinite(numbers), numbers, np.nan), bad
