"""skinit: weight initialization as a searchable scikit-learn hyperparameter."""

from skinit._config import config_context, get_config, set_config
from skinit._halving import InitHalvingRandomSearchCV, InitHalvingSearchCV
from skinit._mlp import InitMLPClassifier, InitMLPRegressor
from skinit._search import InitRandomizedSearchCV, InitSearchCV

__version__ = "0.1.0.dev0"

__all__ = [
    "InitHalvingRandomSearchCV",
    "InitHalvingSearchCV",
    "InitMLPClassifier",
    "InitMLPRegressor",
    "InitRandomizedSearchCV",
    "InitSearchCV",
    "__version__",
    "config_context",
    "get_config",
    "set_config",
]
