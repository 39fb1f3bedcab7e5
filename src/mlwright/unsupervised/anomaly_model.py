"""An anomaly model: the training columns in, a score (higher = more unusual) and a flag per row out.

The score is the mean of the three detectors' rank-normalised unusualness (``detectors``): each
detector's value is placed among its values on the training rows (0 = the most ordinary training
row, 1 = at or past the most unusual one), so detectors on different scales weigh alike. The flag
is a score above the training rows' (1 - contamination) quantile. ``reasons`` says which columns
make a row unusual: a number far from its training median in interquartile spreads, or a category
rare (or never seen) in training.

Saved in the model directory format with ``kind: anomalies``::

    manifest.json            kind, input schema, contamination, checksums
    features/linear.json     the fitted encoder (plain data)
    anomalies/detectors.npz  the forest's and the neighbour sample's arrays, the column scale, the
                             training quantiles of each detector (no pickle)
    anomalies/facts.json     threshold, contamination, what is typical of each column
    training.json            facts of the run

Scoring imports NumPy and pandas only.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright._types import DataSource
from mlwright.data.readers import read_table
from mlwright.data.schema import CATEGORICAL, NUMERIC, ORDINAL, Schema, conform_columns
from mlwright.errors import ModelFormatError
from mlwright.features import TableEncoder
from mlwright.predictor import MlwrightWarning
from mlwright.unsupervised.detectors import DETECTORS, IsolationDetector, NeighbourDetector, unusualness
from mlwright.unsupervised.facade import LabelledAnswers, kept_reference

KIND = "anomalies"
SCORE, FLAG = "anomaly_score", "is_anomaly"
DETECTORS_FILE = "anomalies/detectors.npz"
FACTS_FILE = "anomalies/facts.json"
#: Categories whose training share is kept, per column (the others count as rare).
MAX_CATEGORIES = 500
#: A category seen in fewer than this share of training rows counts as rare.
RARE_SHARE = 0.05
#: Deviations (in interquartile spreads from the median) from which a number is called unusual.
UNUSUAL_SPREADS = 3.5


class AnomalyModel(LabelledAnswers):
    """How unusual each row is, against the rows the model was fitted on. To the service and the
    monitor it answers as a classifier of the flag (``facade.LabelledAnswers``); the service adds
    each row's score."""

    kind = KIND
    OUTPUT = FLAG
    LABELS = (False, True)

    def __init__(self, *, schema: Schema, encoder: TableEncoder, scale: np.ndarray, isolation: IsolationDetector,
                 neighbours: NeighbourDetector, quantiles: dict[str, np.ndarray], threshold: float,
                 typical: dict[str, Any], info: dict[str, Any], reference: dict | Path | None = None):
        self.schema, self.encoder, self.scale = schema, encoder, scale
        self.isolation, self.neighbours, self.quantiles = isolation, neighbours, quantiles
        self.threshold, self.typical, self.info = float(threshold), typical, info
        self._reference = reference
        #: The training rows' scores and flags, in the table's order (set by ``find_anomalies``; not saved).
        self.scores_: np.ndarray | None = None

    @property
    def feature_names_in_(self) -> list[str]:
        return [c.name for c in self.schema.used]

    def score_samples(self, data: DataSource) -> pd.Series:
        """Each row's anomaly score, from 0 (ordinary) to 1 (as unusual as anything in training, or more)."""
        frame = read_table(data)
        return pd.Series(self.scores(frame), index=frame.index, name=SCORE)

    def predict(self, data: DataSource) -> pd.Series:
        """True for the rows flagged as anomalies."""
        frame = read_table(data)
        return pd.Series(self.scores(frame) > self.threshold, index=frame.index, name=FLAG)

    def predict_table(self, data: DataSource, *, where: str = "data") -> pd.DataFrame:
        """``anomaly_score`` and ``is_anomaly``: what ``mlwright predict`` writes."""
        frame = read_table(data)
        scores = self.scores(frame, where=where)
        return pd.DataFrame({SCORE: scores, FLAG: scores > self.threshold}, index=frame.index)

    def output_columns(self) -> list[str]:
        return [SCORE, FLAG]

    def predict_arrays(self, frame: pd.DataFrame, *, where: str = "data") -> tuple[np.ndarray, None]:
        return self.scores(frame, where=where) > self.threshold, None

    def prediction_table(self, labels: np.ndarray, probabilities: None = None, index=None) -> pd.DataFrame:
        return pd.DataFrame({FLAG: labels}, index=index)

    def label_positions(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        return (self.scores(frame, where=where) > self.threshold).astype(int)

    def scores(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        if not len(frame):
            return np.zeros(0)
        ranked = self.detector_ranks(self.encode(frame, where=where))
        return np.mean([ranked[name] for name in DETECTORS], axis=0)

    def detector_ranks(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Each detector's unusualness placed among its training values (0 to 1)."""
        raw = unusualness(self.isolation, self.neighbours, X)
        grid = np.linspace(0.0, 1.0, len(next(iter(self.quantiles.values()))))
        return {name: np.interp(raw[name], self.quantiles[name], grid) for name in DETECTORS}

    def encode(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        """The rows as the detectors see them: encoded, scaled, and each category's rarity."""
        conformed, notes = conform_columns(frame, self.schema, where=where)
        for note in notes:
            warnings.warn(note, MlwrightWarning, stacklevel=3)
        return with_rarity(self.encoder.transform(conformed, len(frame), clip=False) / self.scale, conformed,
                           self.typical)

    def reasons(self, data: DataSource, *, top: int = 3) -> list[list[str]]:
        """For each row, up to ``top`` plain statements of what makes it unusual, strongest first."""
        frame = read_table(data)
        conformed, _ = conform_columns(frame, self.schema)
        X = self.encode(frame)
        return [_row_reasons(self.typical, self.encoder, X[i], {k: v[i] for k, v in conformed.items()}, top)
                for i in range(len(frame))]

    def save(self, path: str | Path) -> Path:
        from mlwright.registry.bundle import dump_json, write_folder, write_manifest

        def write(root: Path) -> None:
            (root / "features").mkdir()
            (root / "anomalies").mkdir()
            dump_json(root / "features" / f"{self.encoder.style}.json", self.encoder.to_state())
            np.savez(root / DETECTORS_FILE, scale=self.scale, **self.isolation.arrays(), **self.neighbours.arrays(),
                     **{f"quantiles_{name}": values for name, values in self.quantiles.items()})
            dump_json(root / FACTS_FILE, {"threshold": self.threshold, "typical": self.typical})
            dump_json(root / "training.json", self.info)
            self.write_reference(root)
            write_manifest(root, {"kind": KIND, "input_schema": self.schema.to_list(),
                                  "contamination": self.info.get("contamination")})

        return write_folder(Path(path), write)

    def _repr_html_(self) -> str:
        from mlwright.display.cards import anomaly_model

        return anomaly_model(self).html()

    def __repr__(self) -> str:
        return f"AnomalyModel(contamination={self.info.get('contamination')}, threshold={self.threshold:.4f})"


def with_rarity(X: np.ndarray, columns, typical: dict) -> np.ndarray:
    """``X`` with one more column per categorical input: minus the log of the share of the row's
    category in training. One-hot columns alone make a category that 2 rows in 1,500 hold worth
    one unit of distance, as much as a common one; a rare category must stand out as far as a
    number several spreads from its median does. A category never seen counts as one training row."""
    if not typical["categories"]:
        return X
    floor = 1.0 / (typical["rows"] + 1)
    extra = []
    for name, shares in typical["categories"].items():
        values = np.asarray(columns[name], dtype=object)
        extra.append([-np.log(shares.get(str(v), floor)) if isinstance(v, str) else 0.0 for v in values])
    return np.hstack([X, np.asarray(extra, dtype=float).T.reshape(len(X), -1)])


def typical_values(frame: pd.DataFrame, schema: Schema, X: np.ndarray, encoder: TableEncoder) -> dict[str, Any]:
    """What is ordinary in the training rows: each encoded column's median, each number's 5th to
    95th percentile, each category's share."""
    typical: dict[str, Any] = {"medians": np.median(X, axis=0).tolist() if len(X) else [], "numbers": {},
                               "categories": {}, "rows": int(len(frame))}
    for spec in schema.used:
        column = frame[spec.name]
        if spec.kind == NUMERIC:
            values = pd.to_numeric(column, errors="coerce").dropna()
            if len(values):
                typical["numbers"][spec.name] = [float(values.quantile(0.05)), float(values.quantile(0.95))]
        elif spec.kind in (CATEGORICAL, ORDINAL):
            shares = column.astype("string").value_counts(normalize=True)
            typical["categories"][spec.name] = {str(k): float(v) for k, v in shares.head(MAX_CATEGORIES).items()}
    return typical


def _row_reasons(typical: dict, encoder: TableEncoder, x: np.ndarray, values: dict, top: int) -> list[str]:
    strength: dict[str, tuple[float, str]] = {}
    medians = np.asarray(typical["medians"])
    for j, (name, source) in enumerate(zip(encoder.feature_names_, encoder.feature_sources_)):
        if source in typical["numbers"] and name == source:
            deviation = abs(x[j] - medians[j])
            low, high = typical["numbers"][source]
            value = values.get(source)
            if deviation >= UNUSUAL_SPREADS and value is not None and value == value:
                strength[source] = max(strength.get(source, (0.0, "")),
                                       (deviation, f"{source} = {float(value):,.4g} (typical {low:,.4g} to {high:,.4g})"))
    for source, shares in typical["categories"].items():
        value = values.get(source)
        if value is None or value != value:
            continue
        share = shares.get(str(value), 0.0)
        if share < RARE_SHARE:
            rarity = UNUSUAL_SPREADS * np.log(max(share, 1e-6)) / np.log(RARE_SHARE)
            words = (f"{source} = {value} (never seen in training)" if share == 0
                     else f"{source} = {value} (in {share:.1%} of training rows)")
            strength[source] = max(strength.get(source, (0.0, "")), (float(rarity), words))
    return [words for _, words in sorted(strength.values(), key=lambda pair: -pair[0])[:top]]


def load_anomaly_model(root: Path, manifest: dict) -> AnomalyModel:
    from mlwright.registry.bundle import read_json

    schema = Schema.from_list(manifest["input_schema"])
    (state_file,) = sorted((root / "features").glob("*.json"))
    try:
        with np.load(root / DETECTORS_FILE, allow_pickle=False) as data:
            arrays = {name: data[name] for name in data.files}
    except (OSError, ValueError) as exc:
        raise ModelFormatError(f"cannot read {DETECTORS_FILE}: {exc}.", where=str(root),
                               fix="copy the whole model directory again.") from None
    facts = read_json(root / FACTS_FILE)
    return AnomalyModel(schema=schema, encoder=TableEncoder.from_state(schema, read_json(state_file)),
                        scale=arrays["scale"], isolation=IsolationDetector.from_arrays(arrays),
                        neighbours=NeighbourDetector.from_arrays(arrays),
                        quantiles={name: arrays[f"quantiles_{name}"] for name in DETECTORS},
                        threshold=facts["threshold"], typical=facts["typical"],
                        info=json.loads((root / "training.json").read_text(encoding="utf-8")),
                        reference=kept_reference(root, manifest))
