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

# The halving searches subclass scikit-learn's, whose public import needs the
# experimental flag; their rungs, survivors and ``cv_results_`` are its own.
from sklearn.model_selection._search_successive_halving import (
    BaseSuccessiveHalving,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
)

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
# ``skinit.set_config`` validates its values with the same constraints and
# InvalidParameterError message.
from sklearn.utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

# ``partial_fit``'s first call needs ``classes``, checked with MLPClassifier's
# own rule and message.
from sklearn.utils.multiclass import _check_partial_fit_first_call

# Sample weights are validated (shape, non-negativity, dtype of X) as
# MLPClassifier validates them, so that the same inputs fail the same way.
# The fused search counts samples of any input type BaseSearchCV accepts, to
# estimate the training steps of a fit.
from sklearn.utils.validation import _check_sample_weight, _num_samples

__all__ = [
    "BaseSearchCV",
    "BaseSuccessiveHalving",
    "HalvingGridSearchCV",
    "HalvingRandomSearchCV",
    "Interval",
    "StrOptions",
    "_check_partial_fit_first_call",
    "_check_sample_weight",
    "_fit_context",
    "_num_samples",
    "_safe_indexing",
    "check_matplotlib_support",
    "check_pandas_support",
    "validate_parameter_constraints",
]
