"""L-BFGS training of one network, computed exactly as scikit-learn computes it.

L-BFGS-B's line search amplifies last-bit differences of the loss and gradient
exponentially on a non-convex loss: with the stacked engine's floating-point
order (biases folded into the weights, unit-major signals) a fit drifted from
MLPClassifier's by 1e-13 after 20 iterations and ended in a different minimum
after 200.  L-BFGS is never stacked, so it has this path of its own, on
sample-major ``(n_samples, n_units)`` signals like scikit-learn's: the same
operations on the same operands in the same order, hence the same numbers.

What fixes the order (and is kept so on purpose):

- the parameter vector handed to scipy is in scikit-learn's packing (every
  weight matrix, then every bias vector) and in the data's dtype, as
  scikit-learn's: recent scipy evaluates the function at points of the
  initial vector's dtype (float32 data gives float32 evaluations), older
  scipy at float64 points, and either way as it does for scikit-learn;
- a layer's pre-activation is ``X @ W`` plus the bias, added in place;
- the loss is the weighted average over samples of the per-sample loss
  (cross-entropy by ``xlogy`` of the boolean targets; half squared error;
  half Poisson deviance), reduced over outputs as scikit-learn reduces it,
  plus ``(0.5 * alpha) * sum_l ||W_l||^2 / sw_sum``;
- a weight gradient is ``A.T @ delta``, plus ``alpha * W``, divided by
  ``sw_sum``; a bias gradient is the sum of the deltas over samples divided by
  ``sw_sum``.
"""

import itertools
import warnings

import numpy as np
import scipy.optimize
from scipy.special import xlogy
from sklearn.exceptions import ConvergenceWarning

from skinit._activations_losses import ACTIVATIONS, DERIVATIVES


def _inplace_softmax_rows(z):
    """Softmax over each row of ``(n_samples, n_units)`` ``z``, in place."""
    shifted = z - z.max(axis=1)[:, np.newaxis]
    np.exp(shifted, out=z)
    z /= z.sum(axis=1)[:, np.newaxis]


def _inplace_relu_derivative(a, delta):
    """Zero ``delta`` where the unit was inactive (``a == 0``).

    Assigning through the mask (not multiplying by it, as the engine does)
    leaves a NaN delta of an active unit and the sign of a zero as
    scikit-learn leaves them.
    """
    delta[a == 0] = 0


_OUTPUT_ACTIVATIONS = {
    "logistic": ACTIVATIONS["logistic"],
    "softmax": _inplace_softmax_rows,
    "identity": ACTIVATIONS["identity"],
    "exp": ACTIVATIONS["exp"],
}
_HIDDEN_DERIVATIVES = {**DERIVATIVES, "relu": _inplace_relu_derivative}


def _clipped(prob):
    """``prob`` clipped to ``[eps, 1 - eps]``: no ``log(0)``."""
    eps = np.finfo(prob.dtype).eps
    return np.clip(prob, eps, 1 - eps)


def binary_log_loss(y, prob, sample_weight=None):
    """Binary cross-entropy of each output, averaged over samples and summed.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        Boolean (or 0/1) label indicators.
    prob : ndarray of shape (n_samples, n_outputs)
        Predicted probabilities of the positive labels.
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    loss : float
    """
    prob = _clipped(prob)
    per_sample = xlogy(y, prob) + xlogy(1 - y, 1 - prob)
    return -np.average(per_sample, weights=sample_weight, axis=0).sum()


def log_loss(y, prob, sample_weight=None):
    """Categorical cross-entropy of one-hot ``y``, averaged over samples.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_classes)
        One-hot label indicators.
    prob : ndarray of shape (n_samples, n_classes)
        Predicted class probabilities.
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    loss : float
    """
    per_sample = xlogy(y, _clipped(prob))
    return -np.average(per_sample, weights=sample_weight, axis=0).sum()


def squared_loss(y, prediction, sample_weight=None):
    """Half the squared error, averaged over samples and over outputs.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        Targets.
    prediction : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    loss : float
    """
    squared = (y - prediction) ** 2
    return 0.5 * np.average(squared, weights=sample_weight, axis=0).mean()


def poisson_loss(y, prediction, sample_weight=None):
    """Half the Poisson deviance, averaged over samples and summed over outputs.

    Parameters
    ----------
    y : ndarray of shape (n_samples, n_outputs)
        Non-negative targets (``xlogy`` makes a zero target's term 0).
    prediction : ndarray of shape (n_samples, n_outputs)
        Predicted means, positive.
    sample_weight : ndarray of shape (n_samples,), default=None

    Returns
    -------
    loss : float
    """
    per_sample = xlogy(y, y / prediction) - y + prediction
    return np.average(per_sample, weights=sample_weight, axis=0).sum()


# Each output activation with the loss it is the canonical link of, so that
# the output delta is ``output - y``.
_LOSSES = {
    "logistic": binary_log_loss,
    "softmax": log_loss,
    "identity": squared_loss,
    "exp": poisson_loss,
}


def forward_pass(coefs, intercepts, X, hidden_activation, output_activation):
    """Every layer's activation on ``X``, the input first.

    Parameters
    ----------
    coefs : list of ndarray of shape (fan_in, fan_out)
    intercepts : list of ndarray of shape (fan_out,)
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    hidden_activation : str
    output_activation : {'logistic', 'softmax', 'identity', 'exp'}

    Returns
    -------
    activations : list of ndarray
        ``activations[0]`` is ``X``; ``activations[i]`` is layer ``i``'s output,
        ``(n_samples, fan_out)``.
    """
    activations = [X]
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        signal = activations[i] @ coef
        signal += intercept
        if i < len(coefs) - 1:
            ACTIVATIONS[hidden_activation](signal)
        activations.append(signal)
    _OUTPUT_ACTIVATIONS[output_activation](activations[-1])
    return activations


# Activations that stay within [-1, 1] whatever their input.
_BOUNDED = {"logistic", "tanh"}


def _activation_bound(coefs, intercepts, X, hidden_activation, output_activation):
    """Whether no layer of the network can overflow on ``X``: True when a
    bound on every pre-activation stays far below the dtype's largest value.

    ``|z_j| <= sum_i |W_ij| m + |b_j|`` when every input is at most ``m`` in
    magnitude, and ReLU and the identity keep ``|a| <= |z|`` -- so the bound
    goes from layer to layer in ``O(n_params)``, plus one pass over ``X``,
    instead of a forward pass (measured 0.2-8 ms a fit on 1500 x 20 data,
    the slow end with BLAS threads competing on a busy machine; the sweeps
    of a search plan hundreds of fits).  Softmax and the logistic output
    never overflow on finite input; the exponential output needs its
    pre-activation below ``log(max)``.
    """
    dtype = coefs[0].dtype
    # A sixteenth of the largest value: rounding of the products and sums in
    # ``dtype`` cannot carry a partial sum past the exact bound that far.
    limit = float(np.finfo(dtype).max) / 16
    magnitude = abs(X).max()
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        weights = np.abs(coef, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            bound = float(
                (weights.sum(axis=0) * float(magnitude) + np.abs(intercept)).max()
            )
        if not bound < limit:  # inf and NaN included
            return False
        last = i == len(coefs) - 1
        magnitude = 1.0 if not last and hidden_activation in _BOUNDED else bound
    if output_activation == "exp":
        return magnitude < np.log(limit)
    return True


def check_initial_forward_pass(
    coefs, intercepts, X, hidden_activation, output_activation, scale
):
    """Raise a ValueError naming ``scale`` if the network overflows on ``X``.

    Run on a scaled initial network before training: a scale that makes a
    layer's activations non-finite cannot train (its first gradient is
    already NaN), so the fit stops before spending its iterations.  The
    forward pass runs only when :func:`_activation_bound` cannot rule the
    overflow out.
    """
    if _activation_bound(coefs, intercepts, X, hidden_activation, output_activation):
        return
    with np.errstate(over="ignore", invalid="ignore"):
        activations = forward_pass(
            coefs, intercepts, X, hidden_activation, output_activation
        )
    for layer, activation in enumerate(activations[1:], start=1):
        if not np.isfinite(activation).all():
            raise ValueError(
                f"scale={scale!r} makes the initial network's layer {layer} "
                "activations non-finite on the training data (they overflow "
                f"{activation.dtype.name}), so it cannot train: use a smaller "
                "scale (or standardize the data)."
            )


def loss_and_gradient(
    coefs,
    intercepts,
    X,
    y,
    sample_weight,
    alpha,
    hidden_activation,
    output_activation,
):
    """Penalized loss of one network on ``(X, y)`` and its gradient.

    Parameters
    ----------
    coefs : list of ndarray of shape (fan_in, fan_out)
    intercepts : list of ndarray of shape (fan_out,)
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_outputs)
        Boolean label indicators (classification) or targets (regression),
        as the estimator validated them.
    sample_weight : ndarray of shape (n_samples,) or None
    alpha : float
        L2 penalty, divided by the sample weight sum.
    hidden_activation : str
    output_activation : {'logistic', 'softmax', 'identity', 'exp'}

    Returns
    -------
    loss : float
    coef_grads : list of ndarray of shape (fan_in, fan_out)
    intercept_grads : list of ndarray of shape (fan_out,)
    """
    activations = forward_pass(
        coefs, intercepts, X, hidden_activation, output_activation
    )
    loss = _LOSSES[output_activation](y, activations[-1], sample_weight)
    squared_norm = 0
    for coef in coefs:
        flat = coef.ravel()
        squared_norm += np.dot(flat, flat)
    sw_sum = X.shape[0] if sample_weight is None else sample_weight.sum()
    loss += (0.5 * alpha) * squared_norm / sw_sum

    # Every output activation is its loss's canonical link (_LOSSES): the
    # output delta is ``output - y``.
    delta = activations[-1] - y
    if sample_weight is not None:
        delta *= sample_weight.reshape(-1, 1)
    derivative = _HIDDEN_DERIVATIVES[hidden_activation]
    n_layers = len(coefs)
    coef_grads, intercept_grads = [None] * n_layers, [None] * n_layers
    for i in range(n_layers - 1, -1, -1):
        coef_grad = activations[i].T @ delta
        coef_grad += alpha * coefs[i]
        coef_grad /= sw_sum
        coef_grads[i] = coef_grad
        intercept_grads[i] = np.sum(delta, axis=0) / sw_sum
        if i:
            delta = delta @ coefs[i].T
            derivative(activations[i], delta)
    return loss, coef_grads, intercept_grads


def pack(coefs, intercepts):
    """One vector of every weight matrix, then every bias vector."""
    return np.concatenate([array.ravel() for array in [*coefs, *intercepts]])


def unpack(packed, layer_units):
    """Views of ``packed`` (:func:`pack`) as ``(coefs, intercepts)`` lists."""
    shapes = list(zip(layer_units[:-1], layer_units[1:]))
    coefs, start = [], 0
    for fan_in, fan_out in shapes:
        coefs.append(packed[start : start + fan_in * fan_out].reshape(fan_in, fan_out))
        start += fan_in * fan_out
    intercepts = []
    for _, fan_out in shapes:
        intercepts.append(packed[start : start + fan_out])
        start += fan_out
    return coefs, intercepts


def _warn_if_not_converged(result, max_iter, n_iter):
    """scikit-learn's ConvergenceWarning for an unsuccessful L-BFGS-B run."""
    if result.status == 0:
        return
    message = (
        f"lbfgs failed to converge after {n_iter} iteration(s) "
        f"(status={result.status}):\n{result.message}\n"
    )
    if n_iter == max_iter:
        message += (
            "\nIncrease the number of iterations to improve the "
            f"convergence (max_iter={max_iter})."
        )
    message += (
        "\nYou might also want to scale the data as shown in:\n"
        "    https://scikit-learn.org/stable/modules/preprocessing.html"
    )
    warnings.warn(message, ConvergenceWarning, stacklevel=4)


def fit_lbfgs(
    architecture,
    coefs,
    intercepts,
    X,
    y,
    sample_weight,
    alpha,
    *,
    max_iter,
    max_fun,
    tol,
    on_iteration=None,
):
    """Train one network with scipy's L-BFGS-B, as scikit-learn does.

    Parameters
    ----------
    architecture : Architecture
        Layer sizes and activations.
    coefs, intercepts : lists of ndarray
        The starting network, in the data's dtype.
    X : {ndarray, sparse matrix} of shape (n_samples, n_features)
    y : ndarray of shape (n_samples, n_outputs)
        Boolean label indicators, or regression targets.
    sample_weight : ndarray of shape (n_samples,) or None
    alpha : float
    max_iter, max_fun : int
        Iteration and function-evaluation budgets.
    tol : float
        Projected-gradient tolerance (scipy's ``gtol``).
    on_iteration : callable, default=None
        ``on_iteration(n_iter, coefs, intercepts)``, called after each
        iteration with views of the current float64 parameters.

    Returns
    -------
    coefs : list of ndarray
        The trained weights, float64 (scipy's iterate), as scikit-learn's.
    intercepts : list of ndarray
    loss : float
        The loss at the trained weights.
    n_iter : int
        Iterations run.
    """
    layer_units = architecture.layer_units

    def loss_grad(packed):
        loss, coef_grads, intercept_grads = loss_and_gradient(
            *unpack(packed, layer_units),
            X,
            y,
            sample_weight,
            alpha,
            architecture.hidden_activation,
            architecture.output_activation,
        )
        return loss, pack(coef_grads, intercept_grads)

    callback = None
    if on_iteration is not None:
        iterations = itertools.count(1)

        # The one-argument form (the iterate) is understood by every scipy.
        def callback(x):
            on_iteration(next(iterations), *unpack(x, layer_units))

    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        result = scipy.optimize.minimize(
            loss_grad,
            pack(coefs, intercepts),
            method="L-BFGS-B",
            jac=True,
            callback=callback,
            options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
        )
    n_iter = min(result.nit, max_iter)
    _warn_if_not_converged(result, max_iter, n_iter)
    coefs, intercepts = unpack(result.x, layer_units)
    return coefs, intercepts, result.fun, n_iter
