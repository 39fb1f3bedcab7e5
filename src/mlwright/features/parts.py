"""Per-column feature makers. Each learns a little state in ``fit`` and turns one column into
one or more float columns in ``transform``.

Two styles: ``tree`` keeps values as they are (categories as integer codes, missing as NaN),
``linear`` imputes, scales and one-hot encodes, for models that need it (linear, k-NN).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from mlwright.features.text_model import TextModel, TextTarget, as_texts

#: Most categories kept as codes for trees, and as one-hot columns for linear models.
MAX_TREE_CATEGORIES = 500
MAX_ONE_HOT = 24
MIN_ONE_HOT_COUNT = 5
#: Values pushed further than this many standard deviations are clipped for linear models.
CLIP_SD = 5.0
_SMALL = 16


def codes_for(values, lookup: dict[str, float], default: float) -> np.ndarray:
    """Map category values to codes; a dict lookup is fastest for the single-row path."""
    if len(values) <= _SMALL:
        return np.array([lookup.get(v, default) if isinstance(v, str) else np.nan for v in values], dtype=float)
    values = np.asarray(values, dtype=object)
    categories = list(lookup)
    codes = pd.Index(categories, dtype=object).get_indexer(values)
    mapped = np.array([lookup[c] for c in categories] + [default], dtype=float)
    out = mapped[np.where(codes < 0, len(categories), codes)]
    out[np.asarray(pd.isna(values), dtype=bool)] = np.nan
    return out


class Scaler:
    """Median imputation, standard scaling and clipping; remembers if a missing flag is needed."""

    def fit(self, values: np.ndarray) -> "Scaler":
        finite = values[~np.isnan(values)]
        self.median = float(np.median(finite)) if finite.size else 0.0
        self.mean = float(finite.mean()) if finite.size else 0.0
        self.scale = float(finite.std()) or 1.0 if finite.size else 1.0
        self.flag = bool(np.isnan(values).any())
        return self

    def transform(self, values: np.ndarray) -> list[np.ndarray]:
        missing = np.isnan(values)
        scaled = np.clip((np.where(missing, self.median, values) - self.mean) / self.scale, -CLIP_SD, CLIP_SD)
        return [scaled, missing.astype(float)] if self.flag else [scaled]

    def names(self, base: str) -> list[str]:
        return [base, f"{base}__missing"] if self.flag else [base]

    def state(self) -> dict:
        return dict(median=self.median, mean=self.mean, scale=self.scale, flag=self.flag)

    @classmethod
    def from_state(cls, state: dict) -> "Scaler":
        scaler = cls()
        scaler.__dict__.update(state)
        return scaler


class Part:
    """Base: turns one column into numeric arrays; subclasses fill ``_raw`` (and maybe ``_fit_raw``)."""

    kind = ""

    def __init__(self, name: str, style: str):
        self.name, self.style = name, style
        self.scalers: list[Scaler] = []

    def fit(self, column: pd.Series, context: "FitContext | None" = None) -> "Part":
        """``context``: what the fold knows beyond the column (its labels), for parts that learn from it."""
        self._fit_raw(column, context)
        raw = self._raw_fitted(column)
        if self.style == "linear":
            self.scalers = [Scaler().fit(r) for r in raw]
        return self

    def transform(self, column: pd.Series) -> list[np.ndarray]:
        return self._scaled(self._raw(column))

    def transform_fitted(self, column: pd.Series) -> list[np.ndarray]:
        """The features of the rows ``fit`` saw: the same as ``transform`` for every part but those
        that learn from labels, which give their out-of-fold values (see ``TextPart``)."""
        return self._scaled(self._raw_fitted(column))

    def _scaled(self, raw: list[np.ndarray]) -> list[np.ndarray]:
        if self.style != "linear":
            return raw
        return [out for scaler, r in zip(self.scalers, raw) for out in scaler.transform(r)]

    def names(self) -> list[str]:
        bases = self._raw_names()
        if self.style != "linear":
            return bases
        return [n for scaler, base in zip(self.scalers, bases) for n in scaler.names(base)]

    def categorical(self) -> list[bool]:
        return [False] * len(self.names())

    def state(self) -> dict:
        return {"kind": self.kind, "name": self.name, "style": self.style,
                "scalers": [s.state() for s in self.scalers], **self._state()}

    def load(self, state: dict) -> "Part":
        self.scalers = [Scaler.from_state(s) for s in state["scalers"]]
        self._load(state)
        return self

    def _fit_raw(self, column: pd.Series, context: "FitContext | None" = None) -> None:
        pass

    def _raw_fitted(self, column: pd.Series) -> list[np.ndarray]:
        return self._raw(column)

    def _state(self) -> dict:
        return {}

    def _load(self, state: dict) -> None:
        pass

    def _raw(self, column: pd.Series) -> list[np.ndarray]:
        raise NotImplementedError

    def _raw_names(self) -> list[str]:
        return [self.name]


class NumericBlock:
    """Every numeric column at once, as one matrix: one operation per step instead of one per column.

    Trees get the values as they are; linear models get them imputed (median), standardised,
    clipped, and a missing-value flag for each column that had missing values in the fit rows.
    """

    kind = "numeric_block"

    def __init__(self, names: list[str], style: str):
        self.names, self.style = list(names), style

    def fit(self, frame) -> "NumericBlock":
        if self.style == "linear":
            X = self._matrix(frame)
            with warnings.catch_warnings():  # an all-missing column has no median: it becomes 0
                warnings.simplefilter("ignore", RuntimeWarning)
                self.median = np.nan_to_num(np.nanmedian(X, axis=0)) if len(X) else np.zeros(X.shape[1])
                self.mean = np.nan_to_num(np.nanmean(X, axis=0)) if len(X) else np.zeros(X.shape[1])
                std = np.nan_to_num(np.nanstd(X, axis=0)) if len(X) else np.ones(X.shape[1])
            self.scale = np.where(std > 0, std, 1.0)
            self.flags = np.flatnonzero(np.isnan(X).any(axis=0))
        return self

    def transform(self, frame, *, clip: bool = True) -> np.ndarray:
        """``clip=False`` keeps values past 5 standard deviations: what anomaly detection looks for."""
        X = self._matrix(frame)
        if self.style != "linear":
            return X
        missing = np.isnan(X)
        scaled = (np.where(missing, self.median, X) - self.mean) / self.scale
        if clip:
            scaled = np.clip(scaled, -CLIP_SD, CLIP_SD)
        return np.hstack([scaled, missing[:, self.flags].astype(float)]) if len(self.flags) else scaled

    def names_out(self) -> list[str]:
        if self.style != "linear":
            return list(self.names)
        return list(self.names) + [f"{self.names[i]}__missing" for i in self.flags]

    def _matrix(self, frame) -> np.ndarray:
        if isinstance(frame, pd.DataFrame):
            return frame[self.names].to_numpy(dtype=float, na_value=np.nan)
        return np.column_stack([np.asarray(frame[n], dtype=float) for n in self.names])

    def state(self) -> dict:
        state = {"kind": self.kind, "names": self.names, "style": self.style}
        if self.style == "linear":
            state |= {"median": self.median.tolist(), "mean": self.mean.tolist(), "scale": self.scale.tolist(),
                      "flags": self.flags.tolist()}
        return state

    @classmethod
    def from_state(cls, state: dict) -> "NumericBlock":
        block = cls(state["names"], state["style"])
        if block.style == "linear":
            block.median, block.mean = np.asarray(state["median"]), np.asarray(state["mean"])
            block.scale, block.flags = np.asarray(state["scale"]), np.asarray(state["flags"], dtype=int)
        return block


class CategoricalPart(Part):
    """Trees get frequency-ranked codes (rare and unseen share one code); linear models one-hot."""

    kind = "categorical"

    def _fit_raw(self, column, context=None):
        counts = column.value_counts()
        if self.style == "linear":
            counts = counts[counts >= MIN_ONE_HOT_COUNT].head(MAX_ONE_HOT)
        else:
            counts = counts.head(MAX_TREE_CATEGORIES)
        self.categories = [str(c) for c in counts.index]

    def _raw(self, column):
        if self.style == "linear":
            values = np.asarray(column, dtype=object)
            return [(values == c).astype(float) for c in self.categories]
        return [codes_for(column, self._codes(), default=float(len(self.categories)))]

    def _codes(self) -> dict[str, float]:
        """Category -> code, built once per list of categories rather than on every call (a
        dict of up to 500 entries per column would be a good part of a row's latency)."""
        cached = getattr(self, "_cached_codes", None)
        if cached is None or cached[0] is not self.categories:
            cached = self._cached_codes = (self.categories, {c: float(i) for i, c in enumerate(self.categories)})
        return cached[1]

    def transform(self, column):
        return self._raw(column) if self.style == "linear" else super().transform(column)

    def names(self):
        return [f"{self.name}={c}" for c in self.categories] if self.style == "linear" else [self.name]

    def fit(self, column, context=None):
        self._fit_raw(column)
        return self

    def transform_fitted(self, column):
        return self.transform(column)

    def categorical(self):
        return [self.style != "linear"] * len(self.names())

    def _state(self):
        return {"categories": self.categories}

    def _load(self, state):
        self.categories = list(state["categories"])


class OrdinalPart(Part):
    kind = "ordinal"

    def __init__(self, name, style, order=()):
        super().__init__(name, style)
        self.order = list(order)

    def _raw(self, column):
        lookup = {v: float(i) for i, v in enumerate(self.order)}
        lowered = [v.lower() if isinstance(v, str) else v for v in column]
        return [codes_for(lowered, lookup, default=np.nan)]

    def _state(self):
        return {"order": self.order}

    def _load(self, state):
        self.order = list(state["order"])


class DatetimePart(Part):
    """Calendar parts a model can split on, plus a running day count for trends."""

    kind = "datetime"
    FIELDS = ("year", "month", "day", "dayofweek", "hour", "days")

    def _raw(self, column):
        """Calendar arithmetic on datetime64 units: the same numbers as pandas' field accessors,
        without building an index (which costs a millisecond a call on one row)."""
        stamps = np.asarray(column)
        if stamps.dtype.kind != "M":
            stamps = pd.to_datetime(pd.Series(column), errors="coerce").to_numpy()
        stamps = stamps.astype("datetime64[s]")
        missing = np.isnat(stamps)
        years, months, days = (stamps.astype(f"datetime64[{unit}]") for unit in ("Y", "M", "D"))
        out = [years.astype("int64") + 1970.0,
               (months - years.astype("datetime64[M]")).astype("int64") + 1.0,
               (days - months.astype("datetime64[D]")).astype("int64") + 1.0,
               np.mod(days.astype("int64") + 3, 7).astype(float),  # 1970-01-01 was a Thursday; Monday is 0
               (stamps - days.astype("datetime64[s]")).astype("int64") // 3600.0,
               stamps.astype("int64") / 86400.0]
        return [np.where(missing, np.nan, np.asarray(r, dtype=float)) for r in out]

    def _raw_names(self):
        return [f"{self.name}.{f}" for f in self.FIELDS]


class TextPart(Part):
    """Text statistics (length, words, digits and capitals) and, where the fold's labels are
    known, a text model's scores and a few SVD components (``features.text_model``)."""

    kind = "text"
    FIELDS = ("chars", "words", "digit_share", "upper_share")

    def _fit_raw(self, column, context=None):
        self.model: TextModel | None = None
        self.fitted_scores_ = None
        if context is None:
            return
        shared = context.text_models.get(self.name) if context.text_models is not None else None
        if shared is None:
            model = TextModel()
            shared = (model, model.fit_scores(as_texts(column), context.target))
            if context.text_models is not None:
                context.text_models[self.name] = shared  # the other style of this fold reuses it
        self.model, self.fitted_scores_ = shared

    def _raw(self, column):
        return self._statistics(column) + self._model_columns(self.model.scores(as_texts(column))
                                                              if self.model is not None else None)

    def _raw_fitted(self, column):
        return self._statistics(column) + self._model_columns(self.fitted_scores_)

    @staticmethod
    def _model_columns(scores: np.ndarray | None) -> list[np.ndarray]:
        return [] if scores is None else [scores[:, k] for k in range(scores.shape[1])]

    @staticmethod
    def _statistics(column) -> list[np.ndarray]:
        text = pd.Series(column, dtype="string")
        missing = text.isna().to_numpy()
        chars = text.str.len().to_numpy(dtype=float, na_value=np.nan)
        words = text.str.split().str.len().to_numpy(dtype=float, na_value=np.nan)
        digits = text.str.count(r"\d").to_numpy(dtype=float, na_value=np.nan)
        upper = text.str.count(r"[A-Z]").to_numpy(dtype=float, na_value=np.nan)
        denom = np.maximum(chars, 1)
        out = [chars, words, digits / denom, upper / denom]
        return [np.where(missing, np.nan, r) for r in out]

    def _raw_names(self):
        model = self.model.names(self.name) if self.model is not None else []
        return [f"{self.name}.{f}" for f in self.FIELDS] + model

    def _state(self):
        return {"model": self.model.state()} if self.model is not None else {}

    def _load(self, state):
        self.model = TextModel.from_state(state["model"]) if state.get("model") else None
        self.fitted_scores_ = None


@dataclass
class FitContext:
    """What a fold knows beyond its columns: the labels text models learn from, and the text
    models already fitted on the same rows for another style (column name -> (model, the rows'
    out-of-fold features)), so that each fold fits each text model once."""

    target: TextTarget | None = None
    text_models: dict | None = None


PART_FOR_KIND = {p.kind: p for p in (CategoricalPart, OrdinalPart, DatetimePart, TextPart)}
