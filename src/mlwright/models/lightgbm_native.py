"""A LightGBM model scored through LightGBM's C API, without importing its Python package.

Importing ``lightgbm`` imports scikit-learn (for its estimator wrappers) and with it SciPy's
statistics: about a second and a half before the first row is scored, several times what the
rest of a one-row ``mlwright predict`` costs. Scoring needs none of it. This module loads the
same shared library the package loads, found by the package's own ``libpath.py``, and makes the
same ``LGBM_BoosterPredictForMat`` call that ``lightgbm.Booster.predict`` makes, so the
predictions are the same numbers. Anything else (contributions, dumps for ONNX) goes through
``lightgbm.Booster``, built from the same model text when first asked for.
"""

from __future__ import annotations

import ctypes
import importlib.util
import weakref
from functools import lru_cache
from pathlib import Path

import numpy as np

from mlwright.errors import ModelFormatError

_FLOAT64 = 1  # C_API_DTYPE_FLOAT64
_ROW_MAJOR = 1
_NORMAL = 0  # C_API_PREDICT_NORMAL: one probability or value per class and row, as Booster.predict


@lru_cache(maxsize=1)
def _library() -> ctypes.CDLL:
    """LightGBM's shared library, located by the package's ``libpath.py`` run on its own: that file
    imports nothing of the package. If it cannot be run so, the package is imported after all."""
    spec = importlib.util.find_spec("lightgbm")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        libpath = Path(folder) / "libpath.py"
        if libpath.is_file():
            loader_spec = importlib.util.spec_from_file_location("_mlwright_lightgbm_libpath", libpath)
            module = importlib.util.module_from_spec(loader_spec)
            try:
                loader_spec.loader.exec_module(module)
                return module._LIB
            except Exception:  # noqa: BLE001 - a layout this does not know: the package finds its library
                break
    import lightgbm.basic

    return lightgbm.basic._LIB


def _check(code: int, lib: ctypes.CDLL) -> None:
    if code != 0:
        lib.LGBM_GetLastError.restype = ctypes.c_char_p
        raise ModelFormatError(f"LightGBM: {lib.LGBM_GetLastError().decode('utf-8', 'replace')}",
                               where="LightGBM member", fix="retrain the model with this version of mlwright.")


class NativeBooster:
    """A LightGBM model loaded from its text, scored row-major in float64."""

    def __init__(self, model_text: str):
        lib = self._lib = _library()
        self._handle = ctypes.c_void_p()
        iterations = ctypes.c_int(0)
        _check(lib.LGBM_BoosterLoadModelFromString(ctypes.c_char_p(model_text.encode("utf-8")),
                                                   ctypes.byref(iterations), ctypes.byref(self._handle)), lib)
        weakref.finalize(self, lib.LGBM_BoosterFree, self._handle)
        classes = ctypes.c_int(0)
        _check(lib.LGBM_BoosterGetNumClasses(self._handle, ctypes.byref(classes)), lib)
        self.iterations, self.n_classes = iterations.value, classes.value

    def predict(self, X: np.ndarray, *, num_iteration: int, num_threads: int) -> np.ndarray:
        """As ``lightgbm.Booster.predict(X, num_iteration=..., num_threads=...)``: one value per row,
        or rows x classes for a multiclass model."""
        data = np.ascontiguousarray(X, dtype=np.float64)
        rows, columns = data.shape
        out = np.empty(rows * self.n_classes, dtype=np.float64)  # a normal prediction: one value per class
        written = ctypes.c_int64(0)
        parameters = f"num_threads={num_threads}"  # 0: OpenMP's default, as in Booster.predict
        _check(self._lib.LGBM_BoosterPredictForMat(
            self._handle, data.ctypes.data_as(ctypes.c_void_p), ctypes.c_int(_FLOAT64), ctypes.c_int32(rows),
            ctypes.c_int32(columns), ctypes.c_int(_ROW_MAJOR), ctypes.c_int(_NORMAL), ctypes.c_int(0),
            ctypes.c_int(num_iteration), ctypes.c_char_p(parameters.encode()), ctypes.byref(written),
            out.ctypes.data_as(ctypes.POINTER(ctypes.c_double))), self._lib)
        return out.reshape(rows, -1) if self.n_classes > 1 else out
