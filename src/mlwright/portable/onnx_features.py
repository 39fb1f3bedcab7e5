"""The feature encoders as ONNX: one graph input per model column, one double matrix per style.

Inputs are what ``conform_columns`` makes of a table: numbers as double (rows x 1, NaN when
missing) and categories as strings (rows x 1, the empty string or a missing-value token such as
"?" when missing). Every step repeats the arithmetic of ``mlwright.features.parts`` in double:
frequency-ranked codes and the unseen code for trees; median imputation, standardising,
clipping, missing flags and one-hot columns for linear models; ordinal ranks after lower-casing.

Dates and free text have no faithful ONNX form here (calendar arithmetic on strings, regular
expressions over characters), so their columns are refused by name.
"""

from __future__ import annotations

import numpy as np

from mlwright.data.readers import MISSING_TOKENS
from mlwright.data.schema import CATEGORICAL, DATETIME, NUMERIC, ORDINAL, TEXT, Schema
from mlwright.features import TableEncoder
from mlwright.features.parts import CLIP_SD, CategoricalPart, NumericBlock, OrdinalPart, Part, Scaler
from mlwright.portable.onnx_graph import DOUBLE, ML, STRING, Graph, tensor
from mlwright.portable.refusal import CannotConvert

#: Column kind -> the ONNX element type of its graph input, and its name in the export's description.
INPUT_TYPES = {NUMERIC: (DOUBLE, "double"), CATEGORICAL: (STRING, "string"), ORDINAL: (STRING, "string")}
REFUSED_KINDS = {
    DATETIME: "date columns become calendar parts (year, month, weekday...) by date arithmetic that this "
              "export does not write as ONNX.",
    TEXT: "text columns become character statistics (digits, capitals) and the scores of a text model on word "
          "and word-pair presence, which this export does not write as ONNX.",
}


def column_refusals(schema: Schema) -> list[CannotConvert]:
    return [CannotConvert.column(c.name, c.kind, REFUSED_KINDS.get(c.kind, f"the kind {c.kind!r} has no ONNX input."))
            for c in schema.used if c.kind not in INPUT_TYPES]


def add_inputs(graph: Graph, schema: Schema) -> dict[str, str]:
    """One graph input per used column, named after it: column name -> tensor name."""
    return {c.name: graph.input(c.name, INPUT_TYPES[c.kind][0]) for c in schema.used}


def encode(graph: Graph, encoder: TableEncoder, inputs: dict[str, str]) -> str:
    """The encoder's matrix (rows x ``len(encoder.feature_names_)``), double, columns in its order."""
    blocks = [] if encoder.numeric_ is None else [_numeric_block(graph, encoder.numeric_, inputs)]
    blocks += [block for part in encoder.parts_ for block in _part(graph, part, inputs[part.name])]
    return blocks[0] if len(blocks) == 1 else graph.op("Concat", blocks, axis=1)


def _numeric_block(graph: Graph, block: NumericBlock, inputs: dict[str, str]) -> str:
    columns = [inputs[name] for name in block.names]
    matrix = columns[0] if len(columns) == 1 else graph.op("Concat", columns, axis=1)
    if block.style != "linear":
        return matrix
    missing = graph.op("IsNaN", [matrix])
    scaled = _scale(graph, matrix, missing, block.median, block.mean, block.scale)
    if not len(block.flags):
        return scaled
    flags = graph.op("Gather", [missing, graph.const(block.flags, np.int64)], axis=1)
    return graph.op("Concat", [scaled, graph.op("Cast", [flags], to=DOUBLE)], axis=1)


def _scale(graph: Graph, values: str, missing: str, median, mean, scale) -> str:
    """``clip((where(missing, median, x) - mean) / scale, -CLIP_SD, CLIP_SD)`` per column."""
    filled = graph.op("Where", [missing, _row(graph, median), values])
    standard = graph.op("Div", [graph.op("Sub", [filled, _row(graph, mean)]), _row(graph, scale)])
    return graph.op("Clip", [standard, graph.const(-CLIP_SD), graph.const(CLIP_SD)])


def _row(graph: Graph, values) -> str:
    """Per-column constants as one row, broadcast over the rows."""
    return graph.const(np.atleast_1d(np.asarray(values, dtype=np.float64))[None, :])


def _part(graph: Graph, part: Part, column: str) -> list[str]:
    if isinstance(part, CategoricalPart):
        return _one_hot(graph, part, column) if part.style == "linear" else [_codes(graph, part, column)]
    if isinstance(part, OrdinalPart):
        raw = _ordinal_rank(graph, part, column)
        return [raw] if part.style != "linear" else _scaled_part(graph, part.scalers[0], raw)
    raise CannotConvert.column(part.name, part.kind, REFUSED_KINDS.get(part.kind, "this feature has no ONNX form."))


def _codes(graph: Graph, part: CategoricalPart, column: str) -> str:
    """Frequency-ranked codes: a fitted category its rank, any other string the shared unseen code,
    a missing value NaN."""
    missing = [t for t in MISSING_TOKENS if t not in part.categories]
    values = [float(i) for i in range(len(part.categories))] + [np.nan] * len(missing)
    return graph.op("LabelEncoder", [column], domain=ML, keys_strings=list(part.categories) + missing,
                    values_tensor=tensor(values, np.float64),
                    default_tensor=tensor([float(len(part.categories))], np.float64))


def _one_hot(graph: Graph, part: CategoricalPart, column: str) -> list[str]:
    if not part.categories:
        return []
    index = graph.op("LabelEncoder", [column], domain=ML, keys_strings=list(part.categories),
                     values_int64s=list(range(len(part.categories))), default_int64=-1)
    hits = graph.op("Equal", [index, graph.const(np.arange(len(part.categories))[None, :], np.int64)])
    return [graph.op("Cast", [hits], to=DOUBLE)]


def _ordinal_rank(graph: Graph, part: OrdinalPart, column: str) -> str:
    """The value's place in the scale after lower-casing (ASCII, as every scale is), NaN off the scale."""
    flat = graph.op("Reshape", [column, graph.const([-1], np.int64)])
    lowered = graph.op("StringNormalizer", [flat], case_change_action="LOWER", locale="C")
    lowered = graph.op("Reshape", [lowered, graph.const([-1, 1], np.int64)])
    return graph.op("LabelEncoder", [lowered], domain=ML, keys_strings=list(part.order),
                    values_tensor=tensor([float(i) for i in range(len(part.order))], np.float64),
                    default_tensor=tensor([np.nan], np.float64))


def _scaled_part(graph: Graph, scaler: Scaler, raw: str) -> list[str]:
    missing = graph.op("IsNaN", [raw])
    scaled = _scale(graph, raw, missing, scaler.median, scaler.mean, scaler.scale)
    return [scaled, graph.op("Cast", [missing], to=DOUBLE)] if scaler.flag else [scaled]

