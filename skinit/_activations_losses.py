"""Activations, their derivatives, the losses and the output score of an MLP.

Every function works on ``K`` independent networks at once.  Signals are
unit-major: activations are ``(n_units, K, n_samples)`` and targets
``(n_outputs, K, n_samples)``; sample weights are ``(K, n_samples)``.  A
single network is simply ``K = 1``.

Activations and their derivatives work in place, as scikit-learn's do, so that
a training step allocates nothing.  The losses return one value per network
and are computed so that they equal scikit-learn's to rounding: predicted
probabilities are clipped to ``[eps, 1 - eps]`` before the logarithm, so no
``log(0)`` is ever taken.
"""

import numpy as np
from scipy.special import expit, xlogy


def inplace_identity(z):
    """Leave ``z`` unchanged: ``f(z) = z``."""


def inplace_logistic(z):
    """Logistic sigmoid ``f(z) = 1 / (1 + exp(-z))`` in place.

    ``scipy.special.expit`` saturates to exactly 0 or 1 without an overflow
    warning, whatever the magnitude of ``z``.
    """
    expit(z, out=z)


def inplace_tanh(z):
    """Hyperbolic tangent in place."""
    np.tanh(z, out=z)


def inplace_relu(z):
    """Rectified linear unit ``f(z) = max(z, 0)`` in place."""
    np.maximum(z, 0.0, out=z)


def inplace_exp(z):
    """Exponential in place: the output of Poisson regression, always positive."""
    np.exp(z, out=z)


def inplace_softmax(z):
    """Softmax over the units axis (axis 0) in place.

    Each sample's maximum is subtracted first, so ``exp`` never overflows.
    """
    z -= z.max(axis=0)
    np.exp(z, out=z)
    z /= z.sum(axis=0)


ACTIVATIONS = {
    "identity": inplace_identity,
    "logistic": inplace_logistic,
    "tanh": inplace_tanh,
    "relu": inplace_relu,
    "softmax": inplace_softmax,
    "exp": inplace_exp,
}


def inplace_identity_derivative(a, delta):
    """Backpropagate through the identity: nothing to do."""


def inplace_logistic_derivative(a, delta):
    """Multiply ``delta`` by ``f'(z) = a (1 - a)``, with ``a`` the output."""
    delta *= a
    delta *= 1 - a


def inplace_tanh_derivative(a, delta):
    """Multiply ``delta`` by ``f'(z) = 1 - a**2``, with ``a`` the output."""
    delta *= 1 - a**2


def inplace_relu_derivative(a, delta):
    """Zero ``delta`` where the unit was inactive (``a == 0``).

    Multiplying by the mask is about twice as fast as assigning through it.
    """
    np.multiply(delta, a > 0, out=delta)


DERIVATIVES = {
    "identity": inplace_identity_derivative,
    "logistic": inplace_logistic_derivative,
    "tanh": inplace_tanh_derivative,
    "relu": inplace_relu_derivative,
}


def _sum_over_outputs(per_output):
    """``(m, K)`` -> ``(K,)``; a single output is returned as it is (exactly
    its sum), saving a reduction on the common binary case."""
    return per_output[0] if len(per_output) == 1 else np.add.reduce(per_output, axis=0)


def _mean_over_samples(per_sample, sample_weight, sign=1):
    """``sign`` times the (weighted) mean over samples: ``(m, K, n)`` -> ``(m, K)``.

    Dividing by ``-n`` negates exactly, one pass cheaper than negating after.
    """
    if sample_weight is None:
        return np.add.reduce(per_sample, axis=-1) / (sign * per_sample.shape[-1])
    weighted = np.add.reduce(per_sample * sample_weight, axis=-1)
    return weighted / (sign * np.add.reduce(sample_weight, axis=-1))


# Machine epsilon of each float type: probabilities are clipped to [eps, 1 - eps].
_EPS = {np.dtype(t): np.finfo(t).eps for t in (np.float16, np.float32, np.float64)}


def _clip_probability(prob):
    """Clip to ``[eps, 1 - eps]`` in place, as scikit-learn's losses clip."""
    eps = _EPS[prob.dtype]
    np.maximum(prob, eps, out=prob)
    np.minimum(prob, 1 - eps, out=prob)
    return prob


def binary_log_loss(y_true, y_prob, sample_weight=None):
    """Mean binary cross-entropy summed over outputs, one value per network.

    ``y_true`` holds 0/1 indicators.  The likelihood of each observed label,
    ``p`` where ``y = 1`` and ``1 - p`` where ``y = 0``, is clipped to
    ``[eps, 1 - eps]`` exactly where scikit-learn clips ``p``.
    """
    # |(1 - y) - p| is p where y = 1 and 1 - p where y = 0, exactly; three
    # cheap passes beat one np.where on many networks.
    likelihood = np.subtract(1 - y_true, y_prob)
    np.abs(likelihood, out=likelihood)
    np.log(_clip_probability(likelihood), out=likelihood)
    return _sum_over_outputs(_mean_over_samples(likelihood, sample_weight, -1))


def log_loss(y_true, y_prob, sample_weight=None):
    """Mean categorical cross-entropy of one-hot ``y_true``, one per network."""
    log_prob = _clip_probability(y_prob.copy())
    np.log(log_prob, out=log_prob)
    log_prob *= y_true
    return _sum_over_outputs(_mean_over_samples(log_prob, sample_weight, -1))


def squared_error(y_true, y_pred, sample_weight=None):
    """Half the mean squared error, averaged over outputs, one per network.

    Half, as in scikit-learn, so that its gradient with respect to an identity
    output is ``y_pred - y_true``.
    """
    residual = np.subtract(y_true, y_pred)
    np.square(residual, out=residual)
    return 0.5 * _mean_over_samples(residual, sample_weight).mean(axis=0)


def poisson_loss(y_true, y_pred, sample_weight=None):
    """Half the mean Poisson deviance, summed over outputs, one per network.

    ``y log(y / mu) - y + mu`` with ``0 log 0 = 0``, the constant
    ``y log y - y`` included as scikit-learn includes it; its gradient with
    respect to the pre-activation of an exponential output ``mu = exp(z)`` is
    ``mu - y``.
    """
    deviance = xlogy(y_true, y_true / y_pred)
    deviance -= y_true
    deviance += y_pred
    return _sum_over_outputs(_mean_over_samples(deviance, sample_weight))


LOSS_FUNCTIONS = {
    "binary_log_loss": binary_log_loss,
    "log_loss": log_loss,
    "squared_error": squared_error,
    "poisson": poisson_loss,
}

# The output activation each loss is the canonical link of: with these pairs the
# gradient of the loss with respect to the output pre-activation is
# ``output - y``.
OUTPUT_LOSS = {
    "logistic": "binary_log_loss",
    "softmax": "log_loss",
    "identity": "squared_error",
    "exp": "poisson",
}


def accuracy_from_output(output_activation, y_true, output, sample_weight=None):
    """Accuracy of each network's predictions, from its output layer.

    The predicted labels are those of ``MLPClassifier.predict``: the arg-max of
    a softmax output, else each logistic output thresholded at 0.5 (a sample
    counts as correct when all its labels are).  A network whose output is not
    finite scores NaN, as in scikit-learn.

    Parameters
    ----------
    output_activation : {'logistic', 'softmax'}
    y_true : ndarray of shape (n_outputs, K, n)
        0/1 label indicators.
    output : ndarray of shape (n_outputs, K, n)
    sample_weight : ndarray of shape (K, n), default=None

    Returns
    -------
    accuracy : ndarray of shape (K,)
    """
    if output_activation == "softmax":
        correct = output.argmax(axis=0) == y_true.argmax(axis=0)
    else:
        correct = ((output > 0.5) == (y_true > 0.5)).all(axis=0)
    accuracy = _mean_over_samples(correct[None].astype(float), sample_weight)[0]
    finite = np.isfinite(output).all(axis=(0, 2))
    return np.where(finite, accuracy, np.nan)


def r2_from_output(y_true, output, sample_weight=None):
    """Coefficient of determination R^2 of each network, from its output layer.

    As scikit-learn's ``MLPRegressor`` scores a validation set: ``r2_score``
    of each output, uniformly averaged.  An output whose targets are constant
    scores 1 when predicted exactly, else 0 (no division by zero); a network
    whose output is not finite scores NaN.

    Parameters
    ----------
    y_true : ndarray of shape (n_outputs, K, n)
    output : ndarray of shape (n_outputs, K, n)
    sample_weight : ndarray of shape (K, n), default=None

    Returns
    -------
    r2 : ndarray of shape (K,)
    """
    weight = 1.0 if sample_weight is None else sample_weight
    residual = np.subtract(y_true, output)
    np.square(residual, out=residual)
    numerator = np.add.reduce(weight * residual, axis=-1)
    mean = _mean_over_samples(y_true, sample_weight)[..., None]
    spread = np.square(y_true - mean)
    denominator = np.add.reduce(weight * spread, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        explained = 1 - numerator / denominator
    r2 = np.where(numerator == 0, 1.0, np.where(denominator == 0, 0.0, explained))
    finite = np.isfinite(output).all(axis=(0, 2))
    return np.where(finite, r2.mean(axis=0), np.nan)
