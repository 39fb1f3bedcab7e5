"""Portable exports: a trained model as an ONNX graph that onnxruntime (or any ONNX runtime) runs
without mlwright, predicting what ``TrainedModel`` predicts.

``export_onnx(model_dir, output)`` writes the export folder; ``OnnxModel`` predicts through
onnxruntime with ``TrainedModel``'s surface, built in memory (``OnnxModel.from_trained``) or
loaded from an export (``OnnxModel.load``). Parts with no faithful ONNX form raise ``CannotConvert``.

The names load on first use: importing the package (or a sibling export module) does not
import onnx and the model libraries.
"""

from __future__ import annotations

from importlib import import_module

_HOMES = {"build_onnx": "onnx_export", "export_onnx": "onnx_export", "OnnxModel": "onnx_runtime",
          "CannotConvert": "refusal"}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
