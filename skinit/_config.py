"""Global configuration of skinit: which training kernel runs the networks.

Modelled on scikit-learn's ``set_config`` / ``get_config`` /
``config_context``, with one difference: the setting is process-wide, not
per-thread.  joblib clones and pickles the tasks of a search in its own
threads (measured: 146 of 152 clones of a 30-candidate ``GridSearchCV`` ran in
loky's manager thread), so a per-thread value set around ``search.fit`` would
not be seen where the tasks are made.
"""

import functools
import importlib.util
import os
import threading
from contextlib import contextmanager

from skinit._sklearn_private import StrOptions, validate_parameter_constraints

KERNELS = ("auto", "numpy", "numba")

_KERNEL_CONSTRAINTS = {"kernel": [StrOptions(set(KERNELS)), None]}

_lock = threading.RLock()


def _validated(kernel, caller):
    validate_parameter_constraints(_KERNEL_CONSTRAINTS, {"kernel": kernel}, caller)
    if kernel == "numba" and not numba_available():
        raise ImportError(
            "kernel='numba' needs numba, which is not installed. Install skinit's "
            "optional compiled kernel with `pip install skinit[fast]`, or use "
            "kernel='auto' (numba when available) or 'numpy'."
        )
    return kernel


def numba_available():
    """Whether numba can be imported (without importing it)."""
    return importlib.util.find_spec("numba") is not None


def _initial_config():
    """The default, or the ``SKINIT_KERNEL`` environment variable's value."""
    kernel = os.environ.get("SKINIT_KERNEL", "auto").strip().lower() or "auto"
    return {"kernel": _validated(kernel, "the SKINIT_KERNEL environment variable")}


_global_config = _initial_config()
_INITIAL_CONFIG = dict(_global_config)


def dispatch_config():
    """The configuration to send along with an unfitted estimator: None when
    it is this process's initial one, which a worker inherits anyway."""
    config = get_config()
    return None if config == _INITIAL_CONFIG else config


def get_config():
    """Retrieve the current value of skinit's configuration.

    Returns
    -------
    config : dict
        Keys are the parameter names of :func:`set_config`.

    See Also
    --------
    config_context : Context manager for skinit's configuration.
    set_config : Set skinit's configuration.

    Examples
    --------
    >>> import skinit
    >>> sorted(skinit.get_config())
    ['kernel']
    """
    return dict(_global_config)


def set_config(kernel=None):
    """Set skinit's configuration for the whole process.

    Parameters
    ----------
    kernel : {'auto', 'numpy', 'numba'}, default=None
        The training kernel of the stochastic solvers ('sgd', 'adam', 'gd').
        'numpy' is the reference engine, exact to scikit-learn.  'numba' is the
        compiled kernel of the optional extra ``skinit[fast]`` (an error when
        numba is not installed); its results equal the numpy engine's within
        the tolerance stated in the user guide's equivalence page.  'auto'
        (the default) uses numba when it is installed, the fit is one it
        covers (dense input) and the network small enough for it to be the
        faster (at most 3000 weights and biases), else numpy.  The initial
        value is read from the environment variable ``SKINIT_KERNEL``.  None
        leaves it unchanged.

    See Also
    --------
    config_context : Context manager for skinit's configuration.
    get_config : Retrieve the current configuration.

    Examples
    --------
    >>> import skinit
    >>> skinit.set_config(kernel="numpy")
    >>> skinit.get_config()["kernel"]
    'numpy'
    >>> skinit.set_config(kernel="auto")
    """
    _set(kernel, "set_config")


def _set(kernel, caller):
    if kernel is not None:
        _global_config["kernel"] = _validated(kernel, caller)


@contextmanager
def config_context(*, kernel=None):
    """Context manager for skinit's configuration.

    Sets the configuration on entry and restores the previous one on exit.
    The setting reaches the joblib workers of skinit's searches and of
    scikit-learn's (an unfitted skinit estimator pickled for a worker carries
    the setting of the moment and fits with it there).

    Parameters
    ----------
    kernel : {'auto', 'numpy', 'numba'}, default=None
        See :func:`set_config`.  None leaves it unchanged.

    Yields
    ------
    None.

    See Also
    --------
    set_config : Set skinit's configuration.
    get_config : Retrieve the current configuration.

    Examples
    --------
    >>> import skinit
    >>> with skinit.config_context(kernel="numpy"):
    ...     skinit.get_config()["kernel"]
    'numpy'
    """
    with _lock:
        previous = get_config()
        _set(kernel, "config_context")
    try:
        yield
    finally:
        with _lock:
            _global_config.update(previous)


def with_config(function):
    """``function`` to be called under the configuration of this moment.

    For tasks made in one process and run in another (joblib workers): the
    configuration is captured now and re-applied around the call.  A
    ``functools.partial`` of a module-level function, so that it pickles and
    so that ``sklearn.utils.parallel.delayed``, which copies the wrapped
    callable's attributes onto its own wrapper, keeps it whole.
    """
    return functools.partial(_call_with_config, get_config(), function)


def _call_with_config(config, function, *args, **kwargs):
    with config_context(**config):
        return function(*args, **kwargs)
