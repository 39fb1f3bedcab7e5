"""A clustering model: the training columns in, one cluster number per row out.

Rows are read and encoded as at training (``conform_columns``, the fitted ``TableEncoder``),
divided by the saved column scale, and given to the assigner (``unsupervised.assign``). Saved in
the model directory format with ``kind: clustering``::

    manifest.json           kind, input schema, method, number of clusters, checksums
    features/linear.json    the fitted encoder (plain data)
    clustering/assigner.npz the centres or the mixture, and the column scale (no pickle)
    clustering/clusters.json each cluster's size and description, and every candidate's scores
    training.json           facts of the run (timings, notes, the choice of k)

Scoring imports NumPy and pandas only: no scikit-learn, no pickle.

To the stages that serve and watch models it answers as a classifier of cluster numbers
(``facade.LabelledAnswers``): ``mlwright serve`` publishes the cluster as an enumerated answer
and counts rows per cluster, ``mlwright monitor`` compares the share of rows in each cluster with
training's, besides every input column.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mlwright._types import DataSource
from mlwright.data.readers import read_table
from mlwright.data.schema import Schema, conform_columns
from mlwright.predictor import MlwrightWarning
from mlwright.features import TableEncoder
from mlwright.unsupervised.assign import Assigner, load_assigner, save_assigner
from mlwright.unsupervised.facade import LabelledAnswers, kept_reference

KIND = "clustering"
OUTPUT = "cluster"
ASSIGNER_FILE = "clustering/assigner.npz"
CLUSTERS_FILE = "clustering/clusters.json"


class ClusterModel(LabelledAnswers):
    """Which cluster each row belongs to, for rows with the training table's columns."""

    kind = KIND
    OUTPUT = OUTPUT
    threshold = None

    def __init__(self, *, schema: Schema, encoder: TableEncoder, scale: np.ndarray, assigner: Assigner,
                 method: str, clusters: list[dict], info: dict[str, Any], reference: dict | Path | None = None):
        self.schema, self.encoder, self.scale, self.assigner = schema, encoder, scale, assigner
        self.method, self.clusters, self.info = method, clusters, info
        self._reference = reference
        #: The training rows' clusters, in the table's order (set by ``cluster``; not saved).
        self.labels_: np.ndarray | None = None

    @property
    def n_clusters(self) -> int:
        return self.assigner.n_clusters

    @property
    def LABELS(self) -> tuple[int, ...]:  # noqa: N802 - the facade's name for the answer's values
        return tuple(range(self.n_clusters))

    @property
    def feature_names_in_(self) -> list[str]:
        return [c.name for c in self.schema.used]

    def label_positions(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        return self.assign(frame, where=where)

    def predict(self, data: DataSource) -> pd.Series:
        """The cluster of each row (0 is the largest cluster of the training rows)."""
        frame = read_table(data)
        return pd.Series(self.assign(frame), index=frame.index, name=OUTPUT)

    def predict_table(self, data: DataSource, *, where: str = "data") -> pd.DataFrame:
        """A one-column table, ``cluster``: what ``mlwright predict`` writes."""
        frame = read_table(data)
        return self.prediction_table(*self.predict_arrays(frame, where=where), index=frame.index)

    def predict_arrays(self, frame: pd.DataFrame, *, where: str = "data") -> tuple[np.ndarray, None]:
        return self.assign(frame, where=where), None

    def prediction_table(self, labels: np.ndarray, probabilities: None = None, index=None) -> pd.DataFrame:
        return pd.DataFrame({OUTPUT: labels}, index=index)

    def output_columns(self) -> list[str]:
        return [OUTPUT]

    def assign(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        return self.assigner.assign(self.encode(frame, where=where)) if len(frame) else np.zeros(0, dtype=np.int64)

    def encode(self, frame: pd.DataFrame, *, where: str = "data") -> np.ndarray:
        """The rows as the clusters see them: encoded, then divided by the column scale."""
        conformed, notes = conform_columns(frame, self.schema, where=where)
        for note in notes:
            warnings.warn(note, MlwrightWarning, stacklevel=3)
        return self.encoder.transform(conformed, len(frame)) / self.scale

    def save(self, path: str | Path) -> Path:
        from mlwright.registry.bundle import dump_json, write_folder, write_manifest

        def write(root: Path) -> None:
            (root / "features").mkdir()
            (root / "clustering").mkdir()
            dump_json(root / "features" / f"{self.encoder.style}.json", self.encoder.to_state())
            save_assigner(self.assigner, self.scale, root / ASSIGNER_FILE)
            dump_json(root / CLUSTERS_FILE, {"method": self.method, "clusters": self.clusters})
            dump_json(root / "training.json", self.info)
            self.write_reference(root)
            write_manifest(root, {"kind": KIND, "input_schema": self.schema.to_list(), "method": self.method,
                                  "n_clusters": self.n_clusters})

        return write_folder(Path(path), write)

    def _repr_html_(self) -> str:
        from mlwright.display.cards import cluster_model

        return cluster_model(self).html()

    def __repr__(self) -> str:
        return f"ClusterModel(method={self.method}, clusters={self.n_clusters})"


def load_cluster_model(root: Path, manifest: dict) -> ClusterModel:
    """Read a ``kind: clustering`` folder whose checksums ``registry.bundle.read_manifest`` checked."""
    from mlwright.registry.bundle import read_json

    schema = Schema.from_list(manifest["input_schema"])
    (state_file,) = sorted((root / "features").glob("*.json"))
    encoder = TableEncoder.from_state(schema, read_json(state_file))
    assigner, scale = load_assigner(root / ASSIGNER_FILE)
    described = read_json(root / CLUSTERS_FILE)
    return ClusterModel(schema=schema, encoder=encoder, scale=scale, assigner=assigner,
                        method=described["method"], clusters=described["clusters"],
                        info=read_json(root / "training.json"),
                        reference=kept_reference(root, manifest))
