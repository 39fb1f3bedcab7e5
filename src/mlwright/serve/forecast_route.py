"""``POST /forecast``: a forecasting model's future rows over HTTP.

A forecasting model scores no rows, so it has no record schema and no ``/predict``; what a caller
asks for is which series and how far ahead, or a newer history to continue from::

    {"horizon": 6, "id": "store-1"}      one series the model knows (leave id out: every series)
    {"ids": ["store-1", "store-2"]}      several of them (horizon: the trained one)
    {"history": [{"month": "2020-01-01", "store": "store-1", "sales": 118.2}, ...]}
                                          records as the training table had them; the forecast
                                          continues from each series' last time

The answer holds one row per series and step: the time (ISO 8601), the id when the model has
several series, the forecast and its 80% and 95% bounds — the rows of ``ForecastModel.forecast``.
A field the model cannot answer is a 422 naming it (and the record, for history) with its fix,
in the ``Problems`` shape /predict uses; /forecast on a model of another kind is a 404 pointing
to /predict, as /predict on a forecasting model points here. The forecast runs in a worker thread: refitting the statistical
models takes milliseconds a series, too long to hold the event loop.

Forecasts are not written to the prediction log: its rows are a tabular model's inputs and
predictions, which the monitor compares with the training data, and a forecast has neither.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mlwright.errors import DataError, closest_name
from mlwright.files import json_ready
from mlwright.forecasting.forecast_model import LEVELS, OUTPUT_COLUMNS
from mlwright.forecasting.history import History, check_horizon

KIND = "forecast"
FIELDS = ("horizon", "id", "ids", "history")
#: Ids named in a message, and published by /metadata.
SHOWN_IDS, LISTED_IDS = 12, 1_000
#: Integers beyond this are no float: refused here rather than overflowing in pandas.
_LARGEST = int(1.7976931348623157e308)
log = logging.getLogger("mlwright.serve")


class Refusal(Exception):
    """A request the model cannot answer: the field (and history record) at fault, and the fix."""

    def __init__(self, field: str | None, problem: str, row: int | None = None):
        super().__init__(problem)
        self.field, self.problem, self.row = field, problem, row

    def response(self) -> JSONResponse:
        return JSONResponse({"detail": [{"row": self.row, "field": self.field, "problem": self.problem}]},
                            status_code=422)


@dataclass(frozen=True)
class ForecastAsk:
    """A checked request: the horizon, the series wanted (None: all) and the field that named
    them, and the records of a newer history."""

    horizon: int
    ids: list[str] | None
    history: list[dict] | None
    ids_field: str = "id"


def is_forecast(model) -> bool:
    return getattr(model, "kind", None) == KIND


# --- the route -----------------------------------------------------------------------------------

async def answer(request: Request, body: bytes, served, metrics) -> Response:
    """The /forecast answer for ``body`` (read within the size limit by the caller)."""
    model = served.model
    if not is_forecast(model):
        return JSONResponse({"detail": f"this model ({_kind_words(model)}) does not forecast: it scores rows at "
                                       "POST /predict (see GET /metadata for its inputs)."}, status_code=404)
    if request.headers.get("content-type", "").split(";")[0].strip().lower() == "text/csv":
        return JSONResponse({"detail": "send the request as JSON (Content-Type: application/json), e.g. "
                                       '{"horizon": 6, "id": "..."}; a history goes in its "history" field '
                                       "as records."}, status_code=415)
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):
        return JSONResponse({"detail": "the body is not valid JSON."}, status_code=400)
    started = time.perf_counter()
    try:
        ask = read_ask(raw, model)
        table, notes = await run_in_threadpool(forecast_for, model, ask)
    except Refusal as refusal:
        return refusal.response()
    latency_ms = (time.perf_counter() - started) * 1000
    metrics.observe_predictions(table["forecast"].to_numpy(), None)
    headers = {"X-Mlwright-Model": served.version}
    return JSONResponse({"model": served.version, "request_id": request.scope["state"]["request_id"],
                         "horizon": ask.horizon, "time_column": model.time_column,
                         "id_column": model.history.id_name, "forecasts": rows(table, model.time_column),
                         "notes": notes, "latency_ms": round(latency_ms, 3)}, headers=headers)


def refuse_predict(served) -> JSONResponse:
    """/predict on a forecasting model: it scores no rows, and says where its answers are."""
    return JSONResponse({"detail": "this is a forecasting model: it answers POST /forecast (JSON such as "
                                   f'{{"horizon": {served.model.horizon}{_id_example(served.model)}}}), '
                                   "not /predict, which scores rows of a tabular model."}, status_code=404)


# --- reading the request -------------------------------------------------------------------------

def read_ask(raw, model) -> ForecastAsk:
    """The request's fields, each checked against the model; a ``Refusal`` names the first wrong one."""
    if not isinstance(raw, dict):
        raise Refusal(None, f'send one JSON object such as {{"horizon": {model.horizon}{_id_example(model)}}}.')
    unknown = [name for name in raw if name not in FIELDS]
    if unknown:
        near = closest_name(unknown[0], FIELDS)
        raise Refusal(str(unknown[0])[:100], "is not a field of a forecast request"
                      + (f" (did you mean {near!r}?)" if near else "") + f"; send only {', '.join(FIELDS)}.")
    horizon = raw.get("horizon")
    if horizon is None:
        horizon = model.horizon
    elif isinstance(horizon, bool) or not isinstance(horizon, int) or horizon < 1:
        raise Refusal("horizon", f"must be a whole number of steps of at least 1, got {_shown(horizon)}; send "
                                 f"e.g. {model.horizon} (the trained horizon), or leave it out.")
    if raw.get("id") is not None and raw.get("ids") is not None:
        raise Refusal("ids", 'send "id" (one series) or "ids" (several), not both.')
    ids, ids_field = None, "id"
    if raw.get("id") is not None:
        ids = [_one_id(raw["id"], "id")]
    elif raw.get("ids") is not None:
        ids_field = "ids"
        if not isinstance(raw["ids"], list) or not raw["ids"]:
            raise Refusal("ids", f'must be a non-empty list of series ids, got {_shown(raw["ids"])}; '
                                 'e.g. ["a", "b"], or leave it out for every series.')
        ids = list(dict.fromkeys(_one_id(value, "ids") for value in raw["ids"]))
    history = raw.get("history")
    if history is not None:
        _check_records(history, model)
    return ForecastAsk(horizon=horizon, ids=ids, history=history, ids_field=ids_field)


def _one_id(value, field: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise Refusal(field, f"a series id is a string (or an integer), got {_shown(value)}.")
    return str(value)


def _check_records(history, model) -> None:
    """Each record holds the columns the model was trained on, with plain values; the rest (dates
    that parse, one calendar, no repeated times) is ``read_history``'s to check."""
    needed = _history_columns(model)
    example = ", ".join(f'"{name}": ...' for name in needed)
    if not isinstance(history, list) or not history:
        raise Refusal("history", f"must be a non-empty list of records such as {{{example}}}, got {_shown(history)}.")
    for row, record in enumerate(history):
        if not isinstance(record, dict):
            raise Refusal("history", f"each record is an object such as {{{example}}}, got {_shown(record)}.", row)
        for name in needed:
            if name not in record:
                raise Refusal(name, f"history[{row}] has no {name!r}; every record needs {', '.join(needed)}.", row)
            value = record[name]
            wrong = value is not None and (not isinstance(value, (str, int, float)) or isinstance(value, bool))
            if (name == model.history.target and isinstance(value, str)) or \
                    (isinstance(value, int) and abs(value) > _LARGEST):
                wrong = True
            if wrong:
                what = "a number (or null)" if name == model.history.target else "a string or a number"
                what += " within float range" if isinstance(value, int) and not isinstance(value, bool) else ""
                raise Refusal(name, f"history[{row}][{name!r}] must be {what}, got {_shown(value)}.", row)


def _history_columns(model) -> list[str]:
    id_name = model.history.id_name
    return [*model.info["time_columns"], model.history.target, *([id_name] if id_name else [])]


# --- answering -----------------------------------------------------------------------------------

def forecast_for(model, ask: ForecastAsk) -> tuple[pd.DataFrame, list[str]]:
    """The forecast table and the notes on series left out. Each series is forecast on its own,
    so the rows of a chosen series equal those of ``model.forecast()`` for it."""
    notes: list[str] = []
    past = model.history if ask.history is None else _read_records(model, ask.history)
    if ask.history is not None:
        ignored = set().union(*(record.keys() for record in ask.history)) - set(_history_columns(model))
        notes += past.notes + ([f"ignored fields the model does not use: {', '.join(sorted(ignored)[:20])}."]
                               if ignored else [])
    past = _choose_series(past, ask.ids, sent=ask.history is not None, field=ask.ids_field)
    try:
        checked = check_horizon(past, ask.horizon, where="horizon")
    except DataError as exc:
        raise Refusal("horizon" if exc.where == "horizon" else "history", _one_line(exc)) from None
    if ask.ids is not None and len(checked.ids) < len(past.ids):
        short = [sid for sid in past.ids if sid not in set(checked.ids)]
        named = ", ".join(map(_short, short[:SHOWN_IDS]))
        raise Refusal("horizon", f"series {named} {'is' if len(short) == 1 else 'are'} too short for a horizon of "
                                 f"{ask.horizon}; ask for fewer steps"
                                 + (", or send a longer history." if ask.history is not None else "."))
    notes += [note for note in checked.notes if note not in notes]
    try:
        return model.forecast(ask.horizon, history=checked), notes
    except Exception as exc:  # noqa: BLE001 - a statistical library refusing the caller's series is the caller's to fix
        if ask.history is None:  # the series the model was trained on: a fault of ours, a 500
            raise
        log.warning("a sent history could not be forecast: %s", type(exc).__name__)
        first = (str(exc).splitlines() or [""])[0][:200]
        raise Refusal("history", f"its series could not be forecast ({type(exc).__name__}: {first}); send a longer "
                                 "history for each series.") from None


def _read_records(model, records: list[dict]) -> History:
    try:
        return model.read_new_history(pd.DataFrame.from_records(records), where="history")
    except DataError as exc:
        raise Refusal(_field_of(exc, model), _records_not_lines(_one_line(exc))) from None


def _choose_series(past: History, ids: list[str] | None, *, sent: bool, field: str) -> History:
    if ids is None:
        return past
    position = {sid: i for i, sid in enumerate(past.ids)}
    missing = [sid for sid in ids if sid not in position]
    if missing:
        where = "the history sent" if sent else "this model"
        if past.id_name is None:
            raise Refusal(field, f"{where} holds one series and no ids, so there is no series {_short(missing[0])}; "
                                 f"leave {field} out.")
        near = closest_name(missing[0], past.ids)
        shown = ", ".join(past.ids[:SHOWN_IDS]) + (f" and {len(past.ids) - SHOWN_IDS:,} more"
                                                   if len(past.ids) > SHOWN_IDS else "")
        guess = f" (did you mean {near!r}?)" if near else ""
        raise Refusal(field, f"no series {_short(missing[0])} in {where}{guess}; ask for one of: {shown}"
                             + ("." if sent else " (GET /metadata lists them)."))
    return past.subset([position[sid] for sid in ids])


def rows(table: pd.DataFrame, time_column: str) -> list[dict]:
    """The forecast table as JSON records, times in ISO 8601."""
    out = table.assign(**{time_column: np.asarray(iso_times(table[time_column]), dtype=object)})
    return json_ready(out.to_dict(orient="records"))


def iso_times(times) -> list[str]:
    """ISO 8601, the date alone when no time has a time of day (a monthly series' "2020-01-01")."""
    times = pd.DatetimeIndex(times)
    return list(times.strftime("%Y-%m-%d" if (times == times.normalize()).all() else "%Y-%m-%dT%H:%M:%S"))


# --- the other endpoints for a forecasting model ---------------------------------------------------

def check_ready(model) -> None:
    """Forecast one step of the longest series: the model loads, refits and answers (raises if not)."""
    longest = int(np.argmax([len(v) for v in model.history.values]))
    model.forecast(1, history=model.history.subset([longest]))


def describe(served) -> dict:
    """/metadata for a forecasting model: the columns a history needs, its series and calendar,
    and how well the chosen method forecast in the backtest."""
    model = served.model
    history, chosen = model.history, model.info.get("chosen", {})
    return json_ready({
        "model": served.version, "kind": KIND, "task": KIND, "target": history.target,
        "time_column": model.time_column, "time_parts": model.info.get("time_columns"), "id_column": history.id_name,
        "freq": history.freq, "season": model.season, "horizon": model.horizon, "levels": list(LEVELS),
        "series": len(history.ids), "ids": history.ids[:LISTED_IDS] if history.id_name else None,
        "history_ends": dict(zip(history.ids[:LISTED_IDS], iso_times([history.times(i)[-1] for i in
                                                                      range(min(len(history.ids), LISTED_IDS))]))),
        "method": chosen.get("name"), "metric": "mase", "estimate": chosen.get("mase"),
        "coverage": chosen.get("coverage"), "output": OUTPUT_COLUMNS,
    })


def document(spec: dict, model) -> None:
    """/forecast's body and answers in the OpenAPI spec, from the model's columns."""
    history = model.history
    components = spec["components"]["schemas"]
    an_id = {"type": ["string", "integer"], "description": "A series the model knows (GET /metadata lists them)."}
    record = {name: {"type": ["string", "integer"], "description": "A time (ISO 8601) or a part of one."}
              for name in model.info["time_columns"]}
    record[history.target] = {"type": ["number", "null"], "description": "The value (null: a gap, filled)."}
    if history.id_name:
        record[history.id_name] = {"type": ["string", "integer"], "description": "The series."}
    components["HistoryRecord"] = {"type": "object", "properties": record, "required": list(record)}
    components["ForecastRequest"] = {"type": "object", "additionalProperties": False, "properties": {
        # null is read as left out, for every field
        "horizon": {"type": ["integer", "null"], "minimum": 1, "default": model.horizon,
                    "description": "Steps ahead (null or left out: the trained horizon)."},
        **({"id": {**an_id, "type": ["string", "integer", "null"]},
            "ids": {"type": ["array", "null"], "items": an_id, "minItems": 1}} if history.id_name else {}),
        "history": {"type": ["array", "null"], "minItems": 1, "items": {"$ref": "#/components/schemas/HistoryRecord"},
                    "description": "A newer history, as the training table had it: the forecast continues from "
                                   "its end."}}}
    row = {model.time_column: {"type": "string"}, **({history.id_name: {"type": "string"}} if history.id_name else {}),
           **{name: {"type": ["number", "null"]} for name in OUTPUT_COLUMNS}}
    components["Forecast"] = {"type": "object", "required": ["model", "request_id", "forecasts"], "properties": {
        "model": {"type": "string"}, "request_id": {"type": "string"}, "horizon": {"type": "integer"},
        "time_column": {"type": "string"}, "id_column": {"type": ["string", "null"]},
        "forecasts": {"type": "array", "items": {"type": "object", "properties": row}},
        "notes": {"type": "array", "items": {"type": "string"}}, "latency_ms": {"type": "number"}}}
    message = {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}
    operation = spec["paths"]["/forecast"]["post"]
    operation["requestBody"] = {"required": True, "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/ForecastRequest"}}}}
    operation["responses"] = {
        "200": {"description": "One row per series and step.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Forecast"}}}},
        "400": {"description": "The body is not readable JSON.", "content": message},
        "401": {"description": "An API key is required.", "content": message},
        "413": {"description": "The body is over the size limit.", "content": message},
        "415": {"description": "Send application/json.", "content": message},
        "422": {"description": "A field the model cannot answer: the problem names it and the fix.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problems"}}}},
    }


# --- words ---------------------------------------------------------------------------------------

def _id_example(model) -> str:
    return f', "id": "{model.history.ids[0]}"' if model.history.id_name else ""


def _kind_words(model) -> str:
    task = getattr(model, "task", None)
    return task.value if getattr(model, "kind", None) == "supervised" and task is not None else model.kind


def _shown(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an empty array" if not value else "an array"
    return json.dumps(value)[:60]


def _short(text: str) -> str:
    return repr(text) if len(text) <= 60 else repr(text[:57] + "...")


def _one_line(exc: DataError) -> str:
    """The problem and its fix, less the fixes that name a command-line option (``--time``): a
    caller of the service has none to pass."""
    fixes = [part.rstrip(".") for part in (exc.fix or "").split(", or ") if part and "--" not in part]
    return exc.problem + (f" Fix: {', or '.join(fixes)}." if fixes else "")


def _field_of(exc: DataError, model) -> str:
    """The history's column a reading error is about, else the history as a whole."""
    text = exc.problem
    return next((name for name in _history_columns(model) if f"{name!r}" in text), "history")


def _records_not_lines(text: str) -> str:
    """``read_history`` counts a file's lines (the header is line 1); a JSON caller counts records
    from 0, so "line 5" is ``history[3]``."""
    return re.sub(r"\blines? (\d+(?:, \d+)*)",
                  lambda m: ", ".join(f"history[{int(n) - 2}]" for n in m.group(1).split(", ")), text)
