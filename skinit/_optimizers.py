"""Gradient-descent optimizers for ``K`` stacked networks.

Parameters and gradients are flat buffers of shape ``(K, n_params)``; every
hyperparameter is an array of shape ``(K,)`` so that each network keeps its own
learning rate, momentum and schedule.  The updates perform, element by element,
the same floating-point operations in the same order as scikit-learn's
``SGDOptimizer`` and ``AdamOptimizer``, so a single network follows
scikit-learn's trajectory to the last bit.
"""

import numpy as np


def _column(values, dtype):
    """A ``(K,)`` hyperparameter as a ``(K, 1)`` column broadcasting over params."""
    return np.asarray(values, dtype=dtype)[:, None]


class SGDOptimizer:
    """Stochastic gradient descent with momentum, per network.

    Parameters
    ----------
    n_params : int
        Length of each network's flat parameter vector.
    dtype : dtype
        Floating point type of the parameters.
    learning_rate_init, momentum, power_t : ndarray of shape (K,)
        Per-network hyperparameters, as in ``MLPClassifier``.
    schedule : {'constant', 'invscaling', 'adaptive'}
        Learning-rate schedule shared by the stack.
    nesterov : bool
        Use Nesterov's momentum.
    """

    def __init__(
        self,
        n_params,
        dtype,
        *,
        learning_rate_init,
        momentum,
        power_t,
        schedule,
        nesterov,
    ):
        self.dtype = dtype
        self.learning_rate_init = np.asarray(learning_rate_init, dtype=float)
        self.learning_rate = self.learning_rate_init.copy()
        self.momentum = np.asarray(momentum, dtype=float)
        self.power_t = np.asarray(power_t, dtype=float)
        self.schedule = schedule
        # Whether ``iteration_ends`` must be told the samples seen.
        self.needs_time = schedule == "invscaling"
        self.nesterov = nesterov
        # With zero momentum the velocity is always ``-lr * grad``: keeping none
        # saves two passes over the parameters per step (full-batch 'gd').
        self.velocity = (
            None
            if not self.momentum.any()
            else np.zeros((len(self.momentum), n_params), dtype=dtype)
        )
        self._step = None

    def update(self, params, grads):
        """Apply one step to ``params`` in place."""
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

    @property
    def learning_rate(self):
        """Current learning rate of each network, ``(K,)``."""
        return self._learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self._learning_rate = value
        # Cached: the rate changes only on schedule, the step uses it every batch.
        self._rate_column = _column(value, self.dtype)

    def iteration_ends(self, time_step):
        """Update the learning rate at the end of an epoch (``invscaling``)."""
        if self.schedule == "invscaling":
            self.learning_rate = (
                self.learning_rate_init / (time_step + 1.0) ** self.power_t
            )

    def trigger_stopping(self, plateaued, verbose, message):
        """Decide, for the networks that ``plateaued``, whether they stop.

        The adaptive schedule divides the learning rate by 5 instead, until it
        falls to 1e-6.  Returns a boolean ``(K,)`` array of networks to stop.
        """
        if self.schedule != "adaptive":
            if verbose and plateaued.any():
                print(message + " Stopping.")
            return plateaued
        too_small = plateaued & (self.learning_rate <= 1e-6)
        reduce = plateaued & ~too_small
        self.learning_rate = np.where(
            reduce, self.learning_rate / 5.0, self.learning_rate
        )
        if verbose:
            if too_small.any():
                print(message + " Learning rate too small. Stopping.")
            for rate in self.learning_rate[reduce]:
                print(message + " Setting learning rate to %f" % rate)
        return too_small

    def take(self, keep):
        """Keep only the networks selected by the boolean mask ``keep``."""
        for name in ("learning_rate_init", "learning_rate", "momentum", "power_t"):
            setattr(self, name, getattr(self, name)[keep])
        if self.velocity is not None:
            self.velocity = self.velocity[keep]
        self._step = None


class AdamOptimizer:
    """Adam (Kingma & Ba, 2014), per network.

    Parameters
    ----------
    n_params : int
        Length of each network's flat parameter vector.
    dtype : dtype
        Floating point type of the parameters.
    learning_rate_init, beta_1, beta_2, epsilon : ndarray of shape (K,)
        Per-network hyperparameters, as in ``MLPClassifier``.
    """

    def __init__(self, n_params, dtype, *, learning_rate_init, beta_1, beta_2, epsilon):
        self.dtype = dtype
        self.learning_rate_init = np.asarray(learning_rate_init, dtype=float)
        self.learning_rate = self.learning_rate_init.copy()
        self.beta_1 = np.asarray(beta_1, dtype=float)
        self.beta_2 = np.asarray(beta_2, dtype=float)
        self.epsilon = np.asarray(epsilon, dtype=float)
        n_networks = len(self.learning_rate_init)
        self.t = np.zeros(n_networks, dtype=np.int64)
        self.first_moment = np.zeros((n_networks, n_params), dtype=dtype)
        self.second_moment = np.zeros((n_networks, n_params), dtype=dtype)
        self._scratch = None

    def update(self, params, grads):
        """Apply one step to ``params`` in place."""
        if self._scratch is None or self._scratch.shape != grads.shape:
            self._scratch = np.empty_like(grads)
        scratch = self._scratch
        self.t += 1
        beta_1 = _column(self.beta_1, self.dtype)
        beta_2 = _column(self.beta_2, self.dtype)
        self.first_moment *= beta_1
        self.first_moment += np.multiply(
            grads, _column(1 - self.beta_1, self.dtype), out=scratch
        )
        self.second_moment *= beta_2
        np.square(grads, out=scratch)
        scratch *= _column(1 - self.beta_2, self.dtype)
        self.second_moment += scratch
        self.learning_rate = (
            self.learning_rate_init
            * np.sqrt(1 - self.beta_2**self.t)
            / (1 - self.beta_1**self.t)
        )
        denominator = np.sqrt(self.second_moment, out=scratch)
        denominator += _column(self.epsilon, self.dtype)
        step = self.first_moment * _column(-self.learning_rate, self.dtype)
        step /= denominator
        params += step

    # Adam keeps its learning-rate schedule in ``update``.
    needs_time = False

    def trigger_stopping(self, plateaued, verbose, message):
        """Every network that plateaued stops."""
        if verbose and plateaued.any():
            print(message + " Stopping.")
        return plateaued

    def take(self, keep):
        """Keep only the networks selected by the boolean mask ``keep``."""
        for name in (
            "learning_rate_init",
            "learning_rate",
            "beta_1",
            "beta_2",
            "epsilon",
            "t",
            "first_moment",
            "second_moment",
        ):
            setattr(self, name, getattr(self, name)[keep])
        self._scratch = None
