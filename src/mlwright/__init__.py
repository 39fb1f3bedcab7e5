"""mlwright: an ML engineer in a package.

>>> import mlwright
>>> sorted(mlwright.__all__)[:3]
['AutoClassifier', 'AutoRegressor', 'MlwrightError']
"""

import os

__version__ = "0.1.0"

# OpenMP threads (LightGBM, XGBoost) spin while they wait by default: on a machine where anything
# else runs, a fit on a few thousand rows then takes a hundred times longer. Waiting passively
# costs nothing measurable when the cores are free. Set before any booster library is loaded;
# a value the user chose is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from mlwright.errors import MlwrightError  # noqa: E402
from mlwright.estimators import AutoClassifier, AutoRegressor  # noqa: E402
from mlwright.predictor import TrainedModel  # noqa: E402
from mlwright.profile import profile_table  # noqa: E402
from mlwright.registry.store import open_store  # noqa: E402
from mlwright.registry.uris import load  # noqa: E402
from mlwright.train import train  # noqa: E402

__all__ = ["AutoClassifier", "AutoRegressor", "MlwrightError", "TrainedModel", "__version__", "load", "open_store",
           "profile_table", "train"]
