"""mlwright: an ML engineer in a package.

>>> import mlwright
>>> sorted(mlwright.__all__)[:3]
['AutoClassifier', 'AutoRegressor', 'MlwrightError']
"""

__version__ = "0.1.0"

from mlwright.errors import MlwrightError  # noqa: E402
from mlwright.estimators import AutoClassifier, AutoRegressor  # noqa: E402
from mlwright.predictor import TrainedModel  # noqa: E402
from mlwright.registry.bundle import load_model as load  # noqa: E402
from mlwright.train import train  # noqa: E402

__all__ = ["AutoClassifier", "AutoRegressor", "MlwrightError", "TrainedModel", "__version__", "load", "train"]
