"""skinit: weight initialization as a searchable scikit-learn hyperparameter."""

from skinit._mlp import InitMLPClassifier, InitMLPRegressor
from skinit._search import InitRandomizedSearchCV, InitSearchCV

__version__ = "0.1.0.dev0"

__all__ = [
    "InitMLPClassifier",
    "InitMLPRegressor",
    "InitRandomizedSearchCV",
    "InitSearchCV",
    "__version__",
]
