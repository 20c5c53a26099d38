"""The private scikit-learn names skinit uses, in one place.

scikit-learn may change or remove private names in any release; importing them
only here makes an upgrade that does so fail at ``import skinit``, in this one
module, instead of somewhere in the middle of a fit.  Each name says why skinit
needs it.  The tested range is ``pyproject.toml``'s (CI runs the suite on its
floors and on the newest release).
"""

# ``fit`` / ``partial_fit`` validate their parameters (and honour
# ``skip_parameter_validation``) exactly as MLPClassifier's do.
from sklearn.base import _fit_context

# The fused searches are BaseSearchCV subclasses: they inherit its fit,
# refit, scoring and ``cv_results_`` so that those equal GridSearchCV's.
from sklearn.model_selection._search import BaseSearchCV

# The fused searches split X, y and sample weights as BaseSearchCV's folds do,
# for every input type it accepts (arrays, sparse, DataFrames, lists).
from sklearn.utils import _safe_indexing

# Optional dependencies (pandas for ``to_frame``, matplotlib for the
# Displays) fail with scikit-learn's own ImportError message.
from sklearn.utils._optional_dependencies import (
    check_matplotlib_support,
    check_pandas_support,
)

# ``_parameter_constraints`` entries for skinit's own parameters (``scale``,
# ``record_every``, ``solver='gd'``, ``n_iter``) are of the constraint types
# scikit-learn's parameter validation understands.
from sklearn.utils._param_validation import Interval, StrOptions

# ``partial_fit``'s first call needs ``classes``, checked with MLPClassifier's
# own rule and message.
from sklearn.utils.multiclass import _check_partial_fit_first_call

# Sample weights are validated (shape, non-negativity, dtype of X) as
# MLPClassifier validates them, so that the same inputs fail the same way.
from sklearn.utils.validation import _check_sample_weight

__all__ = [
    "BaseSearchCV",
    "Interval",
    "StrOptions",
    "_check_partial_fit_first_call",
    "_check_sample_weight",
    "_fit_context",
    "_safe_indexing",
    "check_matplotlib_support",
    "check_pandas_support",
]
