"""Hand-over of fits trained ahead of time by the fused search.

``InitSearchCV`` trains the candidate x fold fits in stacks and lets
scikit-learn's own search machinery score them: each ``fit`` that machinery
makes finds its network already trained, under a key made of the estimator's
parameters and its training data, and takes it over instead of training again.
Outside a fused search no table is set and ``fit`` trains as usual.

Inside a fused search a Ctrl-C must stop the search, not truncate one fit and
let the search report the rest: ``interrupts_raise`` makes ``fit`` raise
KeyboardInterrupt where it would otherwise warn and keep the partial model.
"""

from contextvars import ContextVar

import joblib

_PRETRAINED = ContextVar("skinit_pretrained_fits", default=None)
_INTERRUPTS_RAISE = ContextVar("skinit_interrupts_raise", default=False)


def data_digest(X, y, sample_weight):
    """A hash of a fit's training data (once per fold when the search plans,
    and once per fit it hands over, in the search's own process).

    SHA-1, not joblib's default MD5: 0.23 against 0.48 ms for 1500 x 20
    float64 samples, where CPUs hash SHA-1 in hardware (x86 SHA extensions,
    ARMv8 crypto); the digest only matches fits within one search.
    """
    return joblib.hash((X, y, sample_weight), hash_name="sha1")


def estimator_key(estimator):
    """A hash of an estimator's type and parameters."""
    return joblib.hash((type(estimator).__qualname__, estimator.get_params(deep=False)))


def fit_key(estimator, digest):
    """What identifies a fit: its estimator's key and its training data's
    digest (two hashes, so that a search hashes each candidate's parameters
    once for all its folds)."""
    return estimator_key(estimator), digest


def take_pretrained(estimator, X, y, sample_weight):
    """Give ``estimator`` its pretrained state; False if there is none.

    A fit that failed ahead of time raises its error again here, so that the
    search records it exactly as it would have recorded it while training.
    """
    table = _PRETRAINED.get()
    if table is None:
        return False
    try:
        key = fit_key(estimator, data_digest(X, y, sample_weight))
    except Exception:  # unhashable (a lambda parameter): never pretrained
        key = None
    fitted = table.take(key, estimator)
    if fitted is None:
        return False
    if isinstance(fitted, BaseException):
        raise fitted
    vars(estimator).update(vars(fitted))
    return True


class pretrained_fits:
    """Context manager making ``table`` visible to fit: an object whose
    ``take(key, estimator)`` gives the fitted estimator (or error) of a key
    (None: unhashable), or None; ``estimator`` is the fit asking."""

    def __init__(self, table):
        self.table = table

    def __enter__(self):
        self._token = _PRETRAINED.set(self.table)
        return self

    def __exit__(self, *exc_info):
        _PRETRAINED.reset(self._token)


class interrupts_raise:
    """Context manager under which a fit re-raises KeyboardInterrupt."""

    def __enter__(self):
        self._token = _INTERRUPTS_RAISE.set(True)
        return self

    def __exit__(self, *exc_info):
        _INTERRUPTS_RAISE.reset(self._token)


def interrupt_raises():
    """Whether a fit interrupted by Ctrl-C must raise (inside a fused search)."""
    return _INTERRUPTS_RAISE.get()
