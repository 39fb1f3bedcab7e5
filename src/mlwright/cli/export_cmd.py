"""`mlwright export`: write a trained model in another tool's format (MLflow pyfunc, ONNX), or
the build context of a container image that serves it (docker)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer
from rich.markup import escape

from mlwright.cli.common import console, friendly_errors, store_option
from mlwright.errors import ConfigError, closest_name


def _export_mlflow(model_dir: Path, output: Path) -> Path:
    from mlwright.registry.mlflow_export import export_mlflow  # MLflow takes seconds to import

    return export_mlflow(model_dir, output)


def _export_onnx(model_dir: Path, output: Path) -> Path:
    from mlwright.portable.onnx_export import export_onnx  # onnx loads only when asked for

    return export_onnx(model_dir, output)


def _export_docker(model_dir: Path, output: Path) -> Path:
    from mlwright.portable.docker_export import export_docker

    return export_docker(model_dir, output)


#: Each format: the function that writes it, and the next step for its users.
FORMATS = {"mlflow": (_export_mlflow, "Load it with: mlflow.pyfunc.load_model({path})"),
           "onnx": (_export_onnx, "Load it with: onnxruntime.InferenceSession({path} + '/model.onnx'), or serve "
                                  "the model with `mlwright serve MODEL --runtime onnx`"),
           "docker": (_export_docker, "Build it with: docker build -t my-model {path}; run it with an API key "
                                      "(docker run -p 8000:8000 -e MLWRIGHT_API_KEYS=... my-model): see its README.md")}


@friendly_errors
def export_command(
    model: str = typer.Argument(..., help="Model folder, run folder, or registered model (models:/NAME/STAGE)."),
    format: str = typer.Option("mlflow", "--format", help=f"Format to write: {', '.join(FORMATS)}."),
    output: Path = typer.Option(..., "--output", "-o", help="Folder to write; an earlier export there is replaced."),
    store: Optional[str] = store_option(),
) -> None:
    """Write MODEL to OUTPUT in another tool's format, predicting exactly as mlwright does."""
    if format not in FORMATS:
        guess = closest_name(format, FORMATS)
        raise ConfigError(f"unknown export format {format!r}.", where="--format",
                          fix=(f"did you mean {guess!r}? " if guess else "") + f"use one of: {', '.join(FORMATS)}.")
    write, next_step = FORMATS[format]
    written = write(_model_folder(model, store), output)
    console.print(f"Exported the model to [bold]{escape(str(written))}[/] ({format}).", highlight=False)
    literal = json.dumps(str(written.resolve()))  # a Python string literal, quotes and backslashes escaped
    console.print(escape(next_step.format(path=literal)), highlight=False, soft_wrap=True)


def _model_folder(model: str, store: str | None) -> Path:
    """The model directory MODEL names: a folder, or a registered version (its files verified)."""
    from mlwright.registry.bundle import resolve_model_dir
    from mlwright.registry.uris import model_folder

    return resolve_model_dir(model_folder(model, store=store))
