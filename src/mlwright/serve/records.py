"""What a caller may send to /predict, derived from the model's training schema: the JSON Schema
of one record (published in the OpenAPI spec) and the checks that enforce it, for JSON and CSV
bodies alike.

Every input the model uses is required (send ``null`` for an unknown value): a misspelt field
would otherwise be scored silently as missing. Numbers must be JSON numbers (booleans count as
0 and 1), finite and within float range; categories and text are strings (integers are read as
their text), at most 10,000 characters. Categories the model never saw are scored as it scores
rare ones and reported in a warning, unless the service runs with strict categories, where they
are refused like any other invalid value. Fields the model does not use are ignored and named.

JSON is validated by pydantic's compiled validator straight from the body's bytes, so that a
single record costs microseconds; its errors are folded into one problem per row and field.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Annotated, Any, Optional, Union

import numpy as np
import pandas as pd
from pydantic import ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from mlwright.data.schema import DATETIME, NUMERIC, ORDINAL, TEXT

MAX_TEXT = 10_000
#: Problems listed in one 422 answer; a batch with more says how many there were.
MAX_PROBLEMS = 100
#: Known values published per categorical field (the model may know more: rare ones share a code).
MAX_LISTED_VALUES = 500
#: Batches up to this many rows are built as one object array (the single-record path).
SMALL_BATCH = 16

#: Integers beyond this are no float: refused here rather than overflowing later.
_LARGEST = int(1.7976931348623157e308)
_Number = Optional[Union[Annotated[StrictFloat, Field(allow_inf_nan=False)],
                         Annotated[StrictInt, Field(ge=-_LARGEST, le=_LARGEST)], StrictBool]]
_Text = Optional[Union[Annotated[StrictStr, Field(max_length=MAX_TEXT)], StrictInt]]


class BadBody(ValueError):
    """The body cannot be read at all (not JSON, not CSV): a 400, not a per-field 422."""


@dataclass
class CheckedRecords:
    """Rows ready to score, or the problems that stop them; plus what was ignored or unseen."""

    frame: pd.DataFrame | None
    problems: list[dict] = field(default_factory=list)
    #: JSON bodies: the validated records the frame was built from (for the prediction log).
    records: list[dict] | None = None
    ignored: set[str] = field(default_factory=set)
    unseen: dict[str, set[str]] = field(default_factory=dict)

    def warnings(self) -> list[str]:
        notes = [f"ignored fields the model does not use: {', '.join(_printable(n) for n in sorted(self.ignored)[:20])}"] \
            if self.ignored else []
        for name, values in sorted(self.unseen.items()):
            shown = ", ".join(ascii(v)[:40] for v in sorted(values)[:5])
            notes.append(f"field {_printable(name)!r}: values the model never saw, scored as rare: {shown}"
                         + (" ..." if len(values) > 5 else ""))
        return notes


def _printable(text: str) -> str:
    """Text fit for an HTTP header: non-ASCII and control characters as escapes."""
    return ascii(str(text))[1:-1]


class RecordSchema:
    """The inputs of one model: their JSON Schema, and the checks of JSON and CSV bodies."""

    def __init__(self, model, *, strict_categories: bool = False):
        self.columns = list(model.schema.used)
        self.names = [c.name for c in self.columns]
        self.kinds = {c.name: c.kind for c in self.columns}
        self._text_names = [c.name for c in self.columns if c.kind != NUMERIC]
        self._index = pd.Index(self.names, dtype=object)
        self.target = model.target.name
        self.known = known_values(model)
        self.strict = strict_categories
        fields = {c.name: (_Number if c.kind == NUMERIC else _Text) for c in self.columns}
        record = TypedDict("Record", fields)  # functional form: any column name is a valid key
        record.__pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[attr-defined]
        self._records = TypeAdapter(Annotated[list[record], Field(min_length=1)])

    # --- the published schema -------------------------------------------------------------

    def record_json_schema(self) -> dict:
        properties = {c.name: self._field_schema(c) for c in self.columns}
        return {"type": "object", "title": "Record", "properties": properties, "required": list(self.names),
                "additionalProperties": True,
                "description": "One row: every input the model uses (null when unknown). Other fields are "
                               "ignored and named in the X-Mlwright-Warning header."}

    def _field_schema(self, column) -> dict:
        if column.kind == NUMERIC:
            return {"type": ["number", "boolean", "null"], "description": "A number (null when unknown)."}
        schema: dict[str, Any] = {"type": ["string", "integer", "null"], "maxLength": MAX_TEXT}
        values = self.known.get(column.name)
        what = {DATETIME: "A date or time, ISO 8601 read fastest", TEXT: "Free text",
                ORDINAL: "One value of an ordered scale"}.get(column.kind, "A category")
        if values:
            listed = values[:MAX_LISTED_VALUES]
            schema["x-known-values"] = listed
            schema["examples"] = listed[:3]
            if self.strict:
                schema = {"enum": [*listed, None], "description": f"{what}: one of the values listed."}
                return schema
            what += "; values the model never saw are scored as a rare category (and named in a warning)"
        schema["description"] = what + " (null when unknown)."
        return schema

    # --- checking bodies ------------------------------------------------------------------

    def check_json(self, body: bytes) -> CheckedRecords:
        """Validate a JSON body: one object or a non-empty list of objects."""
        stripped = body.strip()
        wrapped = stripped if stripped.startswith(b"[") else b"[" + stripped + b"]"
        try:
            rows = self._records.validate_json(wrapped)
        except ValidationError as exc:
            if any(e["type"] == "json_invalid" for e in exc.errors(include_url=False)):
                raise BadBody("the body is not valid JSON.") from None
            return CheckedRecords(None, problems=_fold(exc.errors(include_url=False)))
        ignored = set().union(*(row.keys() for row in rows)) - set(self.names) - {self.target}
        checked = self._checked(self._frame(rows), ignored)
        checked.records = rows
        return checked

    def _frame(self, rows: list[dict]) -> pd.DataFrame:
        """The rows as a frame; integers sent for categories become their text, as in a CSV."""
        for name in self._text_names:
            for row in rows:
                value = row[name]
                if value is not None and not isinstance(value, str):
                    row[name] = str(value)
        if len(rows) <= SMALL_BATCH:
            # one object array under a ready-made object index, and no dtype inference: 20 µs
            # where letting pandas infer (Arrow strings, a string index) costs 450 µs, and
            # reading the frame back as objects costs 3 µs instead of 200 µs
            values = np.empty((len(rows), len(self.names)), dtype=object)
            for i, row in enumerate(rows):
                values[i] = [row[name] for name in self.names]
            return pd.DataFrame(values, columns=self._index, dtype=object, copy=False)
        return pd.DataFrame({name: [row[name] for row in rows] for name in self.names})

    def check_csv(self, body: bytes) -> CheckedRecords:
        """Validate a CSV body with a header row; values are read as text, then as the model reads them."""
        try:
            frame = pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=True, encoding="utf-8", index_col=False)
        except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
            raise BadBody(f"the body is not readable CSV with a header row ({type(exc).__name__}).") from None
        frame.columns = [str(c) for c in frame.columns]
        missing = [name for name in self.names if name not in frame.columns]
        problems = [{"row": None, "field": name, "problem": "missing column (leave cells empty when unknown)"}
                    for name in missing]
        if not len(frame):
            problems.append({"row": None, "field": None, "problem": "send at least one row under the header"})
        if problems:
            return CheckedRecords(None, problems=problems[:MAX_PROBLEMS])
        for name in self.names:
            column = frame[name]
            if self.kinds[name] == NUMERIC:
                # true/false as a CSV reader gives them for a boolean column (as the training file was read)
                flags = column.str.strip().str.lower().map({"true": "1", "false": "0"})
                numbers = pd.to_numeric(flags.fillna(column), errors="coerce")
                bad = column.notna() & ~np.isfinite(numbers.to_numpy(dtype=float, na_value=np.nan))
                problems += [{"row": int(i), "field": name, "problem": "expected a finite number"}
                             for i in np.flatnonzero(bad.to_numpy())[:MAX_PROBLEMS]]
                frame[name] = numbers
            else:
                long = column.str.len().fillna(0).to_numpy() > MAX_TEXT
                problems += [{"row": int(i), "field": name, "problem": f"longer than {MAX_TEXT:,} characters"}
                             for i in np.flatnonzero(long)[:MAX_PROBLEMS]]
        if problems:
            return CheckedRecords(None, problems=sorted(problems, key=_order)[:MAX_PROBLEMS])
        ignored = set(frame.columns) - set(self.names) - {self.target}
        return self._checked(frame[self.names], ignored)

    def _checked(self, frame: pd.DataFrame, ignored: set[str]) -> CheckedRecords:
        unseen = self._unseen(frame)
        if self.strict and unseen:
            problems = []
            for name, values in unseen.items():
                for i in np.flatnonzero(frame[name].astype(object).map(lambda v: str(v) in values).to_numpy()):
                    problems.append({"row": int(i), "field": name,
                                     "problem": "a value the model never saw (see the field's known values)"})
            return CheckedRecords(None, problems=sorted(problems, key=_order)[:MAX_PROBLEMS])
        return CheckedRecords(frame, ignored=ignored, unseen=unseen)

    def _unseen(self, frame: pd.DataFrame) -> dict[str, set[str]]:
        unseen = {}
        for name, values in self.known.items():
            if name not in frame.columns or self.kinds[name] in (DATETIME, TEXT):
                continue
            given = {str(v) for v in frame[name].tolist() if v is not None and v == v}
            lookup = {v.lower() for v in values} if self.kinds[name] == ORDINAL else set(values)
            new = {v for v in given if (v.lower() if self.kinds[name] == ORDINAL else v) not in lookup}
            if new:
                unseen[name] = new
        return unseen


def known_values(model) -> dict[str, list[str]]:
    """Categories each categorical column's encoders know (most frequent first), and ordinal scales."""
    known: dict[str, list[str]] = {}
    for column in model.schema.used:
        if column.kind == ORDINAL and column.order:
            known[column.name] = list(column.order)
    for encoder in getattr(model, "encoders", {}).values():
        for part in getattr(encoder, "parts_", []):
            categories = getattr(part, "categories", None)
            if categories is not None and len(categories) >= len(known.get(part.name, [])):
                known[part.name] = list(categories)
    return known


def _fold(errors: list[dict]) -> list[dict]:
    """Pydantic's errors (one per union branch) as one problem per row and field."""
    problems: dict[tuple, str] = {}
    for error in errors:
        loc = error["loc"]
        row = loc[0] if loc and isinstance(loc[0], int) else None
        name = loc[1] if len(loc) > 1 and isinstance(loc[1], str) else None
        key = (row, name)
        problem = _problem(error["type"], error.get("input"))
        if key not in problems or error["type"] in _SPECIFIC:
            problems[key] = problem
    listed = [{"row": row, "field": name, "problem": problem} for (row, name), problem in problems.items()]
    return sorted(listed, key=_order)[:MAX_PROBLEMS]


#: Errors that say more than "wrong type": the one kept when a union gives several.
_SPECIFIC = ("missing", "finite_number", "string_too_long", "less_than_equal", "greater_than_equal")


def _problem(kind: str, given) -> str:
    if kind == "missing":
        return "missing (send null for an unknown value)"
    if kind in ("finite_number", "less_than_equal", "greater_than_equal"):
        return "not a finite number"
    if kind == "string_too_long":
        return f"longer than {MAX_TEXT:,} characters"
    if kind == "too_short":
        return "send one record as a JSON object or a non-empty list of objects"
    if kind in ("dict_type", "list_type", "model_type", "typed_dict_type"):
        return "each record must be a JSON object"
    if kind in ("float_type", "int_type", "bool_type", "float_parsing", "int_from_float"):
        return f"expected a number (or null), got {_what(given)}"
    if kind in ("string_type",):
        return f"expected a string (or null), got {_what(given)}"
    return "not a value this field can hold"


def _what(value) -> str:
    """The kind of a JSON value, never the value itself."""
    if isinstance(value, str):
        return f"text ({len(value)} characters)"
    return {dict: "an object", list: "a list", bool: "a boolean", float: "a number with a fraction"}.get(
        type(value), type(value).__name__)


def _order(problem: dict) -> tuple:
    return (-1 if problem["row"] is None else problem["row"], problem["field"] or "")
