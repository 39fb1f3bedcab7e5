"""Export a model as an MLflow pyfunc model, so MLflow tools load and serve it unchanged.

The exported folder:

    MLmodel                 MLflow's description: the python_function flavour, the signature, and
                            ``metadata.mlwright`` (version, task, target, column kinds), which also
                            marks the folder as an mlwright export that a later export may replace
    mlwright_pyfunc.py      "models from code": a few lines that hand MLflow an ``MlwrightPyfunc``
    artifacts/model/        the mlwright model directory, byte for byte, manifest and checksums
                            included: loading goes through ``mlwright.load``, which verifies them
    requirements.txt, python_env.yaml, conda.yaml   ``mlwright==<version>``, nothing inferred

Why models from code rather than a pickled ``PythonModel``: MLflow warns on every pickled model
and can be set to refuse unpickling them (``MLFLOW_ALLOW_PICKLE_DESERIALIZATION``); a code file
needs nothing unpickled, only mlwright importable where the model is loaded.

Why every input column is typed ``Any`` in the signature: MLflow enforces the signature before
the model sees the data, and its rules reject inputs mlwright reads well: an int64 column where
``double`` is declared (``age``, counts), a numeric column that arrives as ``None`` (a one-row
request with a missing value), a category sent as numbers, dates sent as ``datetime64`` where
``string`` is declared. With ``Any`` MLflow still checks that every column the model uses is
there, drops extra columns, and passes the values as they are; mlwright then reads them exactly
as ``TrainedModel.predict_table`` does, so predictions are identical. The kinds mlwright reads
the columns as are kept in ``metadata.mlwright.columns``. The price: MLflow passes over every
value in Python (some microseconds a cell); ``mlwright predict`` scores large files faster.

No input example is saved: an example needs real rows, which a model does not keep.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from mlwright import __version__
from mlwright.errors import ConfigError, OptionalDependencyError
from mlwright.files import check_export_folder, replace_folder
from mlwright.predictor import TrainedModel
from mlwright.registry.bundle import MANIFEST, load_model, resolve_model_dir, verify_checksums

try:  # the wrapper must be an MLflow PythonModel; without MLflow, export_mlflow says what to install
    from mlflow.pyfunc import PythonModel
except ImportError:  # pragma: no cover - exercised only where mlflow is missing
    PythonModel = object

#: The name of the mlwright model among the MLflow model's artifacts.
ARTIFACT = "model"
#: The key under MLmodel's ``metadata`` that describes the model and marks an mlwright export.
METADATA_KEY = "mlwright"
CODE_FILE = "mlwright_pyfunc.py"
_PROGRESS_BAR = "MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR"
_CODE = '''"""Loads an mlwright model for MLflow (written by `mlwright export --format mlflow`)."""

from mlflow.models import set_model

from mlwright.registry.mlflow_export import MlwrightPyfunc

set_model(MlwrightPyfunc())
'''


class MlwrightPyfunc(PythonModel):
    """The MLflow face of an mlwright model: ``predict`` returns ``TrainedModel.predict_table``."""

    def load_context(self, context) -> None:
        self.model = load_model(context.artifacts[ARTIFACT])

    # Typed as a DataFrame: MLflow turns a dict of columns (or of one row's values) into one before
    # calling, and the type tells it not to look for a signature in the hints.
    def predict(self, context, model_input: pd.DataFrame, params: dict[str, Any] | None = None) -> pd.DataFrame:
        """The prediction column named after the target and, for classifiers, ``proba_<class>``."""
        return self.model.predict_table(model_input)


def export_mlflow(model_dir: str | Path, output: str | Path) -> Path:
    """Write the model in ``model_dir`` (a model or run folder) as an MLflow pyfunc model in
    ``output``; ``mlflow.pyfunc.load_model(output)`` then predicts as ``mlwright.load`` does.

    The export is built beside ``output`` and renamed into place, so a failure never leaves a
    half-written model; an earlier export in ``output`` is replaced, any other folder is refused.
    """
    pyfunc = _require_mlflow()
    source = resolve_model_dir(model_dir)
    model = load_model(source)  # verifies the checksums before anything is copied
    if model.kind != "supervised":
        raise ConfigError(f"a {model.kind} model has no MLflow export yet (supervised models have).",
                          where=str(source), fix="export it with --format docker, or serve it with mlwright serve.")
    output = Path(output)
    _check_target(output, source)
    output.parent.mkdir(parents=True, exist_ok=True)
    work = output.parent / f".{output.name}.tmp-{uuid.uuid4().hex[:8]}"
    work.mkdir()
    try:
        code = work / CODE_FILE
        code.write_text(_CODE, encoding="utf-8")
        staging = work / "export"
        with _quietly():
            pyfunc.save_model(path=str(staging), python_model=str(code), artifacts={ARTIFACT: str(source)},
                              signature=build_signature(model), metadata={METADATA_KEY: describe(model)},
                              pip_requirements=[f"mlwright=={__version__}"])
        _verify_copy(staging / "artifacts" / ARTIFACT)
        _swap_into_place(staging, output, source)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return output


def _require_mlflow():
    """MLflow's pyfunc module, or the error that says what to install."""
    try:
        import mlflow
        import mlflow.pyfunc
    except ImportError:
        raise OptionalDependencyError("exporting to MLflow needs the mlflow package, which is not installed.",
                                      where="--format mlflow", fix='pip install "mlwright[mlflow]"') from None
    try:
        from mlflow.types.schema import AnyType  # noqa: F401 - the signature's input type, MLflow 2.19 on
    except ImportError:
        raise OptionalDependencyError(f"exporting to MLflow needs MLflow 2.19 or later; {mlflow.__version__} is "
                                      "installed.", where="--format mlflow",
                                      fix='pip install -U "mlflow-skinny>=2.19"') from None
    return mlflow.pyfunc


@contextmanager
def _quietly() -> Iterator[None]:
    """Silence two things MLflow says that tell the user nothing here: a "Downloading artifacts"
    bar while it copies a local folder, and a warning that no input example was given (an
    example needs data rows, which a model does not keep). A bar the user asked for stays."""
    unset = _PROGRESS_BAR not in os.environ
    if unset:
        os.environ[_PROGRESS_BAR] = "false"
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*input example was not provided", category=UserWarning)
            yield
    finally:
        if unset:
            os.environ.pop(_PROGRESS_BAR, None)


def build_signature(model: TrainedModel):
    """Inputs: the columns the model uses, required, typed ``Any`` (see the module docstring).
    Outputs: the columns of ``predict_table``."""
    from mlflow.models import ModelSignature
    from mlflow.types.schema import AnyType, ColSpec, DataType, Schema

    inputs = Schema([ColSpec(AnyType(), column.name) for column in model.schema.used])
    if not model.task.is_classification:
        return ModelSignature(inputs=inputs, outputs=Schema([ColSpec(DataType.double, model.target.name)]))
    outputs = [ColSpec(_label_type(model.classes_), model.target.name)]
    outputs += [ColSpec(DataType.double, f"proba_{label}") for label in model.classes_]
    return ModelSignature(inputs=inputs, outputs=Schema(outputs))


def _label_type(classes: list):
    """The type of ``predict_table``'s label column: integer classes (booleans too) come out as
    int64, any other classes as they are."""
    from mlflow.types.schema import AnyType, DataType

    if all(isinstance(c, (int, np.integer)) for c in classes):
        return DataType.long
    if all(isinstance(c, str) for c in classes):
        return DataType.string
    if all(isinstance(c, (float, np.floating)) for c in classes):
        return DataType.double
    return AnyType()


def describe(model: TrainedModel) -> dict[str, Any]:
    """What MLmodel's ``metadata.mlwright`` says: enough to know the model without loading it."""
    return {"mlwright_version": __version__, "artifact": ARTIFACT, "task": model.task.value,
            "target": model.target.name, "classes": model.classes_,
            "columns": [{"name": c.name, "kind": c.kind} for c in model.schema.used]}


def _verify_copy(root: Path) -> None:
    """The copy must pass the same checksums: a model replaced while it was being copied would
    otherwise be exported half old, half new."""
    manifest = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
    verify_checksums(root, manifest["files"])


def is_export(folder: Path) -> bool:
    """Whether ``folder`` holds an MLflow model written by ``export_mlflow``."""
    try:
        meta = yaml.safe_load((folder / "MLmodel").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(meta, dict) and isinstance(meta.get("metadata"), dict) and METADATA_KEY in meta["metadata"]


def _check_target(output: Path, source: Path) -> None:
    check_export_folder(output, source, what="an mlwright MLflow export", is_export=is_export)


def _swap_into_place(staging: Path, output: Path, source: Path) -> None:
    _check_target(output, source)  # again: the folder may have been filled while we exported
    replace_folder(staging, output)
