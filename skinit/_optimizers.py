"""Gradient-descent optimizers for ``K`` stacked networks, and the solver registry.

Parameters and gradients are flat buffers of shape ``(K, n_params)``; every
hyperparameter is an array of shape ``(K,)`` so that each network keeps its own
learning rate, momentum and schedule.  The updates perform, element by element,
the same floating-point operations in the same order as scikit-learn's
``SGDOptimizer`` and ``AdamOptimizer``, so a single network follows
scikit-learn's trajectory to the last bit.

An optimizer is a dataclass whose per-network fields (hyperparameters and
state) are declared with :func:`skinit._stack.per_network`: ``take`` and
``concatenate`` from :mod:`skinit._stack` drop or join networks, and a
snapshot of one network's optimizer is ``take(optimizer, [k])``.

A new stochastic solver is a :class:`BaseOptimizer` subclass plus a
:class:`Solver` entry in :data:`SOLVERS`.
"""

from dataclasses import dataclass, field, replace

import numpy as np

from skinit._stack import per_network


def _column(values, dtype):
    """A ``(K,)`` hyperparameter as a ``(K, 1)`` column broadcasting over params."""
    return np.asarray(values, dtype=dtype)[:, None]


@dataclass
class BaseOptimizer:
    """What the training loop asks of an optimizer.

    Attributes
    ----------
    dtype : dtype
        Floating point type of the parameters.
    learning_rate_init, learning_rate : ndarray of shape (K,)
        Initial and current learning rate of each network.
    """

    dtype: object
    learning_rate_init: np.ndarray = per_network()

    #: Whether ``iteration_ends`` reads the samples seen: the loop calls it,
    #: with that count up to date, only for optimizers that say so.
    uses_samples_seen = False

    def __post_init__(self):
        self.learning_rate_init = np.asarray(self.learning_rate_init, dtype=float)

    def update(self, params, grads):
        """Apply one step to ``params`` ``(K, n_params)`` in place."""
        raise NotImplementedError

    def iteration_ends(self, time_step):
        """Called at the end of each epoch with the samples seen ``(K,)``,
        when ``uses_samples_seen``."""

    def trigger_stopping(self, plateaued, verbose, message):
        """Decide, for the networks that ``plateaued``, whether they stop.

        Returns a boolean ``(K,)`` array of networks to stop; by default every
        network that plateaued stops.
        """
        if verbose and plateaued.any():
            print(message + " Stopping.")
        return plateaued


@dataclass
class SGDOptimizer(BaseOptimizer):
    """Stochastic gradient descent with momentum, per network.

    Parameters
    ----------
    dtype : dtype
        Floating point type of the parameters.
    learning_rate_init, momentum, power_t : ndarray of shape (K,)
        Per-network hyperparameters, as in ``MLPClassifier``.
    schedule : {'constant', 'invscaling', 'adaptive'}
        Learning-rate schedule shared by the stack.
    nesterov : bool
        Use Nesterov's momentum.
    n_params : int
        Length of each network's flat parameter vector.
    """

    momentum: np.ndarray = per_network(default=None)
    power_t: np.ndarray = per_network(default=None)
    schedule: str = "constant"
    nesterov: bool = False
    n_params: int = 0
    learning_rate: np.ndarray = per_network(default=None)
    # With zero momentum the velocity is always ``-lr * grad``: keeping none
    # saves two passes over the parameters per step (full-batch 'gd').
    velocity: object = per_network(default=None)
    # Scratch buffers, made again for every stack size.
    _step: object = field(default=None, init=False, repr=False)
    _rate_column: object = field(default=None, init=False, repr=False)

    def __post_init__(self):
        super().__post_init__()
        self.momentum = np.asarray(self.momentum, dtype=float)
        self.power_t = np.asarray(self.power_t, dtype=float)
        self.uses_samples_seen = self.schedule == "invscaling"
        self.set_learning_rate(
            self.learning_rate_init.copy()
            if self.learning_rate is None
            else self.learning_rate
        )
        if self.velocity is None and self.momentum.any():
            self.velocity = np.zeros((len(self.momentum), self.n_params), self.dtype)
        self._step = None

    def set_learning_rate(self, value):
        """Set the current learning rates ``(K,)``."""
        self.learning_rate = value
        # Cached: the rate changes only on schedule, the step uses it every batch.
        self._rate_column = _column(value, self.dtype)

    def update(self, params, grads):
        if self._step is None or self._step.shape != grads.shape:
            self._step = np.empty_like(grads)
        step = np.multiply(grads, self._rate_column, out=self._step)
        if self.velocity is None:
            params -= step
            return
        momentum = _column(self.momentum, self.dtype)
        self.velocity *= momentum
        self.velocity -= step
        if self.nesterov:
            nesterov_update = self.velocity * momentum
            nesterov_update -= step
            params += nesterov_update
        else:
            params += self.velocity

    def iteration_ends(self, time_step):
        """The 'invscaling' schedule: ``lr_init / (t + 1) ** power_t``."""
        if self.schedule == "invscaling":
            self.set_learning_rate(
                self.learning_rate_init / (time_step + 1.0) ** self.power_t
            )

    def trigger_stopping(self, plateaued, verbose, message):
        """The adaptive schedule divides the learning rate of a network that
        plateaued by 5 instead of stopping it, until the rate falls to 1e-6."""
        if self.schedule != "adaptive":
            return super().trigger_stopping(plateaued, verbose, message)
        too_small = plateaued & (self.learning_rate <= 1e-6)
        reduce = plateaued & ~too_small
        self.set_learning_rate(
            np.where(reduce, self.learning_rate / 5.0, self.learning_rate)
        )
        if verbose:
            if too_small.any():
                print(message + " Learning rate too small. Stopping.")
            for rate in self.learning_rate[reduce]:
                print(message + " Setting learning rate to %f" % rate)
        return too_small


@dataclass
class AdamOptimizer(BaseOptimizer):
    """Adam (Kingma & Ba, 2014), per network.

    Parameters
    ----------
    dtype : dtype
        Floating point type of the parameters.
    learning_rate_init, beta_1, beta_2, epsilon : ndarray of shape (K,)
        Per-network hyperparameters, as in ``MLPClassifier``.
    n_params : int
        Length of each network's flat parameter vector.
    """

    beta_1: np.ndarray = per_network(default=None)
    beta_2: np.ndarray = per_network(default=None)
    epsilon: np.ndarray = per_network(default=None)
    n_params: int = 0
    learning_rate: np.ndarray = per_network(default=None)
    t: np.ndarray = per_network(default=None)
    first_moment: np.ndarray = per_network(default=None)
    second_moment: np.ndarray = per_network(default=None)
    _scratch: object = field(default=None, init=False, repr=False)
    _columns: object = field(default=None, init=False, repr=False)

    def __post_init__(self):
        super().__post_init__()
        for name in ("beta_1", "beta_2", "epsilon"):
            setattr(self, name, np.asarray(getattr(self, name), dtype=float))
        n_networks = len(self.learning_rate_init)
        if self.t is None:
            self.learning_rate = self.learning_rate_init.copy()
            self.t = np.zeros(n_networks, dtype=np.int64)
            self.first_moment = np.zeros((n_networks, self.n_params), self.dtype)
            self.second_moment = np.zeros((n_networks, self.n_params), self.dtype)
        self._scratch = None
        # The fixed hyperparameters as columns, made once: making five per
        # step cost 3.5 of the 17.5 us an update of 100 parameters takes.
        self._columns = {
            name: _column(value, self.dtype)
            for name, value in (
                ("beta_1", self.beta_1),
                ("beta_2", self.beta_2),
                ("1 - beta_1", 1 - self.beta_1),
                ("1 - beta_2", 1 - self.beta_2),
                ("epsilon", self.epsilon),
            )
        }

    def update(self, params, grads):
        if self._scratch is None or self._scratch.shape != grads.shape:
            self._scratch = np.empty_like(grads)
        scratch = self._scratch
        columns = self._columns
        self.t += 1
        self.first_moment *= columns["beta_1"]
        self.first_moment += np.multiply(grads, columns["1 - beta_1"], out=scratch)
        self.second_moment *= columns["beta_2"]
        np.square(grads, out=scratch)
        scratch *= columns["1 - beta_2"]
        self.second_moment += scratch
        # Python's ``**`` (C pow) per network, as scikit-learn's scalar code:
        # numpy's array power takes shortcuts (x**2 as x*x) that round
        # differently in the last bit.
        t = self.t.tolist()
        beta_1_power = np.array([b**n for b, n in zip(self.beta_1.tolist(), t)])
        beta_2_power = np.array([b**n for b, n in zip(self.beta_2.tolist(), t)])
        self.learning_rate = (
            self.learning_rate_init * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)
        )
        denominator = np.sqrt(self.second_moment, out=scratch)
        denominator += columns["epsilon"]
        step = self.first_moment * _column(-self.learning_rate, self.dtype)
        step /= denominator
        params += step


# ------------------------------------------------------------------ registry
@dataclass(frozen=True)
class Solver:
    """A stochastic solver: how it makes its optimizer, how it batches.

    ``make_optimizer(config, hyper, n_params, dtype)`` builds the stack's
    optimizer from the shared :class:`~skinit._training.StochasticConfig` and
    the per-network :class:`~skinit._stack.Hyperparameters`.  A
    ``full_batch`` solver takes one step per epoch on all samples in order
    (no batches, no shuffles).
    """

    make_optimizer: object
    full_batch: bool = False


def _sgd(config, hyper, n_params, dtype):
    return SGDOptimizer(
        dtype,
        hyper.learning_rate_init,
        momentum=hyper.momentum,
        power_t=hyper.power_t,
        schedule=config.learning_rate,
        nesterov=config.nesterovs_momentum,
        n_params=n_params,
    )


def _gd(config, hyper, n_params, dtype):
    """'gd' is SGD on one batch of all samples, without momentum."""
    return _sgd(
        replace(config, nesterovs_momentum=False),
        replace(hyper, momentum=np.zeros_like(hyper.momentum)),
        n_params,
        dtype,
    )


def _adam(config, hyper, n_params, dtype):
    return AdamOptimizer(
        dtype,
        hyper.learning_rate_init,
        beta_1=hyper.beta_1,
        beta_2=hyper.beta_2,
        epsilon=hyper.epsilon,
        n_params=n_params,
    )


#: The stochastic solvers, by the name the estimators' ``solver`` takes.
SOLVERS = {
    "sgd": Solver(_sgd),
    "adam": Solver(_adam),
    "gd": Solver(_gd, full_batch=True),
}
