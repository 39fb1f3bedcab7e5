"""mlwright: an ML engineer in a package.

>>> import mlwright
>>> sorted(mlwright.__all__)[:3]
['AutoClassifier', 'AutoRegressor', 'MlwrightError']
"""

import sys
import types

from mlwright._lazy import lazy_names

__version__ = "0.1.0"

# OpenMP's wait policy (LightGBM, XGBoost and scikit-learn's forests all run on GNU libgomp) is
# left to libgomp: a short spin. Waiting passively (OMP_WAIT_POLICY=PASSIVE, which this package
# used to set) made LightGBM 8-12 times slower and XGBoost 2-4 times on free cores. A spinning
# team is slow only beside other work, so each fit takes no more threads than the cores other
# processes leave free (mlwright.execution.cores; BENCHMARKS.md "OpenMP waits"). A value the
# user set is theirs.

#: Public names and the modules that define them. They are imported on first use, so that a
#: command that only reads the store does not load every model library first.
_PUBLIC = {
    "AutoClassifier": "mlwright.estimators", "AutoRegressor": "mlwright.estimators",
    "AutoCluster": "mlwright.estimators", "AutoAnomalyDetector": "mlwright.estimators",
    "check_drift": "mlwright.monitor.check", "compare_runs": "mlwright.registry.comparison", "cluster": "mlwright.unsupervised.cluster",
    "find_anomalies": "mlwright.unsupervised.anomalies", "forecast": "mlwright.forecasting.run",
    "MlwrightError": "mlwright.errors", "TrainedModel": "mlwright.predictor", "load": "mlwright.registry.uris",
    "open_store": "mlwright.registry.store", "profile_table": "mlwright.profile",
    "retrain": "mlwright.monitor.retrain", "train": "mlwright.train",
}

__all__ = sorted([*_PUBLIC, "__version__"])


__getattr__, __dir__ = lazy_names(__name__, _PUBLIC)


class _Package(types.ModuleType):
    """``mlwright.train`` is the function, also once its module ``mlwright/train.py`` is imported.

    Importing a submodule sets it as an attribute of its package, so ``import mlwright.train``
    (or any module that imports from it) would otherwise replace the function with the module,
    and ``mlwright.train(...)`` would fail with "'module' object is not callable". The module
    stays reachable as ``sys.modules["mlwright.train"]`` and through ``from mlwright.train import ...``.
    """

    @property
    def train(self):
        return self.__dict__.get("_train") or __getattr__("train")

    @train.setter
    def train(self, value) -> None:
        if not isinstance(value, types.ModuleType):  # the import system's assignment is ignored
            self.__dict__["_train"] = value


sys.modules[__name__].__class__ = _Package

