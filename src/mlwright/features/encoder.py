"""A table encoder: the schema's used columns in, one float matrix out.

Fitted on the fit rows of each fold (never on validation rows), and saved as plain JSON
state with the model so that nothing executable is stored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlwright.data.schema import NUMERIC, ORDINAL, Schema
from mlwright.features.parts import PART_FOR_KIND, FitContext, NumericBlock, OrdinalPart, Part

STYLES = ("tree", "linear")


class TableEncoder:
    """``fit`` on a conformed frame, ``transform`` to a float64 matrix with stable columns."""

    def __init__(self, schema: Schema, style: str = "tree"):
        if style not in STYLES:
            raise ValueError(f"style must be one of {STYLES}, got {style!r}")
        self.schema = schema
        self.style = style

    def fit(self, frame: pd.DataFrame, context: FitContext | None = None) -> "TableEncoder":
        """``context``: the rows' labels, for the parts that learn from them (text models); without
        it those parts keep to what needs no labels."""
        numeric = [spec.name for spec in self.schema.used if spec.kind == NUMERIC]
        self.numeric_ = NumericBlock(numeric, self.style).fit(frame) if numeric else None
        self.parts_: list[Part] = [self._make_part(spec).fit(frame[spec.name], context)
                                   for spec in self.schema.used if spec.kind != NUMERIC]
        return self

    def fit_transform(self, frame: pd.DataFrame, context: FitContext | None = None) -> np.ndarray:
        """Fit, and encode the same rows as the models are to be trained on them: a part that
        learns from labels gives these rows its out-of-fold values, not its own fitted outputs."""
        return self.fit(frame, context)._encode(frame, None, fitted=True)

    def transform(self, frame, n_rows: int | None = None, *, clip: bool = True) -> np.ndarray:
        """``frame``: a DataFrame or a mapping of column name to values (see ``conform_columns``).
        ``clip=False`` leaves the linear style's numbers unclipped (see ``NumericBlock.transform``)."""
        return self._encode(frame, n_rows, clip=clip)

    def _encode(self, frame, n_rows: int | None, *, clip: bool = True, fitted: bool = False) -> np.ndarray:
        blocks = [array for part in self.parts_
                  for array in (part.transform_fitted if fitted else part.transform)(frame[part.name])]
        if self.numeric_ is not None:
            numbers = self.numeric_.transform(frame, clip=clip)
            if not blocks:
                return numbers
            return np.hstack([numbers, np.column_stack(blocks)])
        if not blocks:
            return np.zeros((len(frame) if n_rows is None else n_rows, 0))
        return np.column_stack(blocks).astype(np.float64, copy=False)

    @property
    def feature_names_(self) -> list[str]:
        numeric = self.numeric_.names_out() if self.numeric_ is not None else []
        return numeric + [name for part in self.parts_ for name in part.names()]

    @property
    def feature_sources_(self) -> list[str]:
        """The input column each encoded feature comes from, aligned with ``feature_names_``.

        Every feature is a row-wise function of one input column, so explanations can sum
        features back to the columns people know, and permuting a column's features is the
        same as permuting the column.
        """
        numeric: list[str] = []
        if self.numeric_ is not None:
            numeric = list(self.numeric_.names)
            if self.numeric_.style == "linear":
                numeric += [self.numeric_.names[i] for i in self.numeric_.flags]
        return numeric + [part.name for part in self.parts_ for _ in part.names()]

    @property
    def categorical_indices_(self) -> list[int]:
        numeric = [False] * (len(self.numeric_.names_out()) if self.numeric_ is not None else 0)
        flags = numeric + [flag for part in self.parts_ for flag in part.categorical()]
        return [i for i, flag in enumerate(flags) if flag]

    def to_state(self) -> dict:
        return {"style": self.style, "numeric": self.numeric_.state() if self.numeric_ is not None else None,
                "parts": [part.state() for part in self.parts_]}

    @classmethod
    def from_state(cls, schema: Schema, state: dict) -> "TableEncoder":
        encoder = cls(schema, state["style"])
        encoder.numeric_ = NumericBlock.from_state(state["numeric"]) if state.get("numeric") else None
        encoder.parts_ = [encoder._make_part_from_state(s) for s in state["parts"]]
        return encoder

    def _make_part(self, spec) -> Part:
        if spec.kind == ORDINAL:
            return OrdinalPart(spec.name, self.style, spec.order)
        return PART_FOR_KIND[spec.kind](spec.name, self.style)

    def _make_part_from_state(self, state: dict) -> Part:
        part = PART_FOR_KIND[state["kind"]](state["name"], state["style"])
        return part.load(state)
