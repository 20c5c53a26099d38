"""The training core: ``K`` independent networks of one shape, trained at once.

The ``K`` networks share their layer sizes, activations and solver, and differ
in everything else: initial weights, training rows, sample weights, learning
rate, regularization, tolerance, iteration budget.  Their parameters live in
one flat buffer of shape ``(K, n_params)`` laid out as scikit-learn's ``_pack``
does (all weight matrices, then all bias vectors); the weight matrices and
bias vectors are views into it, so a layer is one batched ``np.matmul`` and an
optimizer step is a handful of passes over one contiguous array.

A single estimator fit is ``K = 1``; the fused search (``InitSearchCV``)
stacks candidates x folds.  Networks that stop (converged, plateaued or out of
iterations) leave the stack and the others carry on.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches, shuffle

from skinit._base import ACTIVATIONS, DERIVATIVES, LOSS_FUNCTIONS, OUTPUT_LOSS
from skinit._optimizers import AdamOptimizer, SGDOptimizer


class StackedParameters:
    """Flat ``(K, n_params)`` storage with per-layer views.

    Parameters
    ----------
    layer_units : list of int
        Units of every layer, input and output included.
    flat : ndarray of shape (K, n_params)
        The buffer the views look into.
    """

    def __init__(self, layer_units, flat):
        self.layer_units = list(layer_units)
        self.flat = flat
        self.coefs, self.intercepts = _layer_views(self.layer_units, flat)

    @classmethod
    def from_layers(cls, layer_units, coefs, intercepts, dtype):
        """Stack per-network lists of 2-D coefs and 1-D intercepts.

        ``coefs[k][i]`` is network ``k``'s weight matrix of layer ``i``.
        """
        flat = np.empty((len(coefs), n_parameters(layer_units)), dtype=dtype)
        params = cls(layer_units, flat)
        for k, (network_coefs, network_intercepts) in enumerate(zip(coefs, intercepts)):
            for view, value in zip(params.coefs, network_coefs):
                view[k] = value
            for view, value in zip(params.intercepts, network_intercepts):
                view[k] = value
        return params

    def network(self, k):
        """Copies of network ``k``'s ``(coefs, intercepts)`` as 2-D / 1-D lists."""
        return (
            [np.array(coef[k]) for coef in self.coefs],
            [np.array(intercept[k]) for intercept in self.intercepts],
        )


def n_parameters(layer_units):
    """Number of weights and biases of a network with these layer sizes."""
    return sum(
        (fan_in + 1) * fan_out for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:])
    )


def _layer_views(layer_units, flat):
    """Views of ``flat`` as per-layer ``(K, fan_in, fan_out)`` and ``(K, fan_out)``."""
    n_networks = flat.shape[0]
    coefs, intercepts = [], []
    start = 0
    for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:]):
        end = start + fan_in * fan_out
        coefs.append(flat[:, start:end].reshape(n_networks, fan_in, fan_out))
        start = end
    for fan_out in layer_units[1:]:
        intercepts.append(flat[:, start : start + fan_out])
        start += fan_out
    return coefs, intercepts


def _dot(inputs, coef, out=None):
    """``inputs @ coef`` per network; ``inputs`` may be a list of sparse matrices."""
    if isinstance(inputs, list):
        result = np.empty((coef.shape[0], inputs[0].shape[0], coef.shape[2]), coef.dtype)
        for k, matrix in enumerate(inputs):
            result[k] = matrix @ coef[k]
        return result
    return np.matmul(inputs, coef, out=out)


def _transposed_dot(inputs, delta, out):
    """``inputs.T @ delta`` per network, written into ``out``."""
    if isinstance(inputs, list):
        for k, matrix in enumerate(inputs):
            out[k] = matrix.T @ delta[k]
        return out
    return np.matmul(inputs.transpose(0, 2, 1), delta, out=out)


@dataclass
class Architecture:
    """What all networks of a stack share."""

    layer_units: list
    hidden_activation: str
    output_activation: str

    @property
    def loss(self):
        return OUTPUT_LOSS[self.output_activation]

    @property
    def n_params(self):
        return n_parameters(self.layer_units)

    @property
    def n_coef_params(self):
        units = self.layer_units
        return sum(fan_in * fan_out for fan_in, fan_out in zip(units[:-1], units[1:]))


def forward_pass(architecture, coefs, intercepts, inputs, buffers=None):
    """Activations of every layer, the input included.

    ``buffers``, if given, holds one preallocated ``(K, n, units)`` array per
    layer to write into.
    """
    activations = [inputs]
    last = len(coefs) - 1
    for i, (coef, intercept) in enumerate(zip(coefs, intercepts)):
        out = None if buffers is None else buffers[i]
        z = _dot(activations[-1], coef, out=out)
        z += intercept[:, None, :]
        activation = architecture.output_activation if i == last else architecture.hidden_activation
        ACTIVATIONS[activation](z)
        activations.append(z)
    return activations


def loss_and_gradient(
    architecture, params, inputs, y, sample_weight, sample_weight_sum, alpha, workspace,
    grads,
):
    """Loss of each network on a batch and its gradient, written into ``grads``.

    Parameters
    ----------
    architecture : Architecture
    params : StackedParameters
    inputs : ndarray of shape (K, n, n_features) or list of K sparse matrices
    y : ndarray of shape (K, n, n_outputs)
    sample_weight : ndarray of shape (K, n) or None
    sample_weight_sum : ndarray of shape (K, 1)
        ``n`` without sample weights, else the sum of the batch's weights.
    alpha : ndarray of shape (K,)
        L2 penalty of each network.
    workspace : Workspace
        Buffers for this batch size.
    grads : StackedParameters
        Receives the gradient.

    Returns
    -------
    loss : ndarray of shape (K,)
    """
    activations = forward_pass(
        architecture, params.coefs, params.intercepts, inputs, workspace.activations
    )
    loss = LOSS_FUNCTIONS[architecture.loss](y, activations[-1], sample_weight)
    penalize = bool(alpha.any())
    if penalize:
        coef_part = params.flat[:, : architecture.n_coef_params]
        squared_norm = np.einsum("kp,kp->k", coef_part, coef_part)
        loss = loss + 0.5 * alpha * squared_norm / sample_weight_sum[:, 0]

    # With a canonical link (sigmoid + cross-entropy, softmax + categorical
    # cross-entropy, identity + squared error) the output delta is ``a - y``.
    deltas = workspace.deltas
    delta = np.subtract(activations[-1], y, out=deltas[-1])
    if sample_weight is not None:
        delta *= sample_weight[:, :, None]
    alpha_column = alpha.astype(params.flat.dtype)[:, None, None]
    derivative = DERIVATIVES[architecture.hidden_activation]
    for i in range(len(params.coefs) - 1, -1, -1):
        _transposed_dot(activations[i], delta, out=grads.coefs[i])
        if penalize:
            grads.coefs[i] += alpha_column * params.coefs[i]
        np.sum(delta, axis=1, out=grads.intercepts[i])
        if i > 0:
            delta = np.matmul(delta, params.coefs[i].transpose(0, 2, 1), out=deltas[i - 1])
            derivative(activations[i], delta)
    grads.flat /= sample_weight_sum
    return loss


class Workspace:
    """Preallocated activations and deltas for ``K`` networks and ``n`` rows."""

    def __init__(self, layer_units, n_networks, n_samples, dtype):
        self.activations = [
            np.empty((n_networks, n_samples, units), dtype=dtype) for units in layer_units[1:]
        ]
        self.deltas = [
            np.empty((n_networks, n_samples, units), dtype=dtype) for units in layer_units[1:]
        ]


@dataclass
class StackedData:
    """Training (and optional validation) rows of each network.

    ``X`` is ``(K, n, n_features)`` or a list of ``K`` sparse matrices; ``y`` is
    ``(K, n, n_outputs)`` in the parameters' dtype; ``sample_weight`` is
    ``(K, n)`` or None.  The ``*_val`` fields are set for early stopping.
    """

    X: object
    y: np.ndarray
    sample_weight: object = None
    X_val: object = None
    y_val: object = None
    sample_weight_val: object = None

    @property
    def n_samples(self):
        return self.y.shape[1]

    def take(self, keep):
        def select(value):
            if value is None:
                return None
            if isinstance(value, list):
                return [item for item, kept in zip(value, keep) if kept]
            return value[keep]

        return StackedData(*(select(getattr(self, name)) for name in self.__dataclass_fields__))


@dataclass
class StochasticConfig:
    """Settings of a stochastic solver shared by all networks of a stack."""

    solver: str  # 'sgd', 'adam' or 'gd'
    batch_size: object = "auto"
    shuffle: bool = True
    learning_rate: str = "constant"
    nesterovs_momentum: bool = True
    early_stopping: bool = False


@dataclass
class TrainingState:
    """What each network carries from one call of ``fit_stochastic`` to the next.

    Mirrors the private state of scikit-learn's MLP that survives
    ``warm_start`` and ``partial_fit``.  Every array has one entry per network.
    """

    t: np.ndarray
    no_improvement_count: np.ndarray
    best_loss: np.ndarray
    best_validation_score: np.ndarray
    best_params: object  # (K, n_params) copy of the best weights, early stopping only
    loss_curves: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    optimizer: object = None

    @classmethod
    def new(cls, params, early_stopping):
        n_networks = params.flat.shape[0]
        return cls(
            t=np.zeros(n_networks, dtype=np.int64),
            no_improvement_count=np.zeros(n_networks, dtype=np.int64),
            best_loss=np.full(n_networks, np.inf),
            best_validation_score=np.full(n_networks, -np.inf),
            best_params=params.flat.copy() if early_stopping else None,
            loss_curves=[[] for _ in range(n_networks)],
            validation_scores=[[] for _ in range(n_networks)],
        )


@dataclass
class Hyperparameters:
    """Per-network numeric hyperparameters, each an array of shape ``(K,)``."""

    alpha: np.ndarray
    learning_rate_init: np.ndarray
    power_t: np.ndarray
    momentum: np.ndarray
    beta_1: np.ndarray
    beta_2: np.ndarray
    epsilon: np.ndarray
    tol: np.ndarray
    n_iter_no_change: np.ndarray
    max_iter: np.ndarray

    @classmethod
    def from_estimators(cls, estimators):
        return cls(
            **{
                name: np.array([getattr(est, name) for est in estimators], dtype=float)
                for name in cls.__dataclass_fields__
            }
        )

    def take(self, keep):
        return Hyperparameters(
            **{name: getattr(self, name)[keep] for name in self.__dataclass_fields__}
        )


def make_optimizer(config, hyper, n_params, dtype):
    """The stacked optimizer of ``config.solver``; 'gd' is SGD without momentum."""
    if config.solver == "adam":
        return AdamOptimizer(
            n_params, dtype, learning_rate_init=hyper.learning_rate_init,
            beta_1=hyper.beta_1, beta_2=hyper.beta_2, epsilon=hyper.epsilon,
        )
    gd = config.solver == "gd"
    return SGDOptimizer(
        n_params, dtype, learning_rate_init=hyper.learning_rate_init,
        momentum=np.zeros_like(hyper.momentum) if gd else hyper.momentum,
        power_t=hyper.power_t, schedule=config.learning_rate,
        nesterov=config.nesterovs_momentum and not gd,
    )


def _take_rows(values, rows, batch):
    """Rows ``batch`` (a slice, or per-network index arrays) of each network."""
    if values is None:
        return None
    if isinstance(values, list):
        if isinstance(batch, slice):
            return [matrix[batch] for matrix in values]
        return [matrix[index] for matrix, index in zip(values, batch)]
    if isinstance(batch, slice):
        return values[:, batch]
    return values[rows, batch]


def fit_stochastic(
    architecture, params, data, config, hyper, state, random_states, *, score,
    incremental=False, verbose=False, on_epoch=None,
):
    """Train ``K`` networks with 'sgd', 'adam' or full-batch 'gd'.

    Follows scikit-learn's ``_fit_stochastic`` epoch by epoch for each network:
    the same shuffles drawn from each network's own random state, the same
    batches, loss bookkeeping, ``tol`` / ``n_iter_no_change`` logic, learning
    rate schedules and early stopping.  A network leaves the stack when it
    stops; the others go on.

    Parameters
    ----------
    architecture : Architecture
    params : StackedParameters
        Initial parameters of the ``K`` networks.  Not modified.
    data : StackedData
    config : StochasticConfig
    hyper : Hyperparameters
    state : TrainingState
        Updated in place, one entry per network; its ``optimizer`` is reused
        when ``incremental`` (which never retires a network).
    random_states : list of RandomState
        Each network's source of shuffles.
    score : callable
        ``score(y_true, output, sample_weight) -> (K,)``: the validation score
        used by early stopping.
    incremental : bool
        One epoch only (``partial_fit``).
    verbose : bool
    on_epoch : callable, default=None
        ``on_epoch(n_iter, origin, params)`` after every epoch, with the input
        positions ``origin`` of the networks still training and their current
        ``StackedParameters``; for monitoring, it must not modify them.

    Returns
    -------
    final : StackedParameters
        The trained networks, in input order.
    n_iter : ndarray of shape (K,)
        Epochs each network ran in this call.
    """
    n_networks, dtype = params.flat.shape[0], params.flat.dtype
    if state.optimizer is None or not incremental:
        state.optimizer = make_optimizer(config, hyper, architecture.n_params, dtype)
    optimizer = state.optimizer
    batches = _batches(config, data.n_samples)
    shuffle_rows = config.shuffle and config.solver != "gd"

    final = np.empty_like(params.flat)
    n_iter_out = np.zeros(n_networks, dtype=np.int64)
    # The stack trains ``active`` networks; ``origin[j]`` is the input position
    # of the j-th of them, where its persistent state is kept.
    origin = np.arange(n_networks)
    active = StackedParameters(architecture.layer_units, params.flat.copy())
    random_states = list(random_states)
    workspaces = _WorkspaceCache(architecture, dtype)
    order = np.tile(np.arange(data.n_samples), (n_networks, 1))
    n_iter = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        while len(origin):
            n_active = len(origin)
            rows = np.arange(n_active)[:, None]
            if shuffle_rows:
                # Each epoch permutes the previous epoch's order, as scikit-learn does.
                order = np.stack(
                    [shuffle(row, random_state=rs) for row, rs in zip(order, random_states)]
                )
            epoch_loss = np.zeros(n_active)
            for batch in batches:
                size = batch.stop - batch.start
                workspace, grads = workspaces.get(n_active, size)
                index = order[:, batch] if shuffle_rows else batch
                sample_weight = _take_rows(data.sample_weight, rows, index)
                if sample_weight is None:
                    weight_sum = np.full((n_active, 1), size, dtype=dtype)
                else:
                    weight_sum = sample_weight.sum(axis=1, keepdims=True)
                batch_loss = loss_and_gradient(
                    architecture, active, _take_rows(data.X, rows, index),
                    _take_rows(data.y, rows, index), sample_weight, weight_sum,
                    hyper.alpha, workspace, grads,
                )
                epoch_loss += batch_loss * size
                optimizer.update(active.flat, grads.flat)
            n_iter += 1
            epoch_loss /= data.n_samples

            state.t[origin] += data.n_samples
            for position, value in zip(origin, epoch_loss):
                state.loss_curves[position].append(float(value))
            if verbose:
                for value in epoch_loss:
                    print("Iteration %d, loss = %.8f" % (n_iter, value))
            if config.early_stopping:
                output = forward_pass(
                    architecture, active.coefs, active.intercepts, data.X_val
                )[-1]
                val_score = score(data.y_val, output, data.sample_weight_val)
                not_better = _record_validation(state, origin, active, val_score, hyper.tol)
                if verbose:
                    for value in val_score:
                        print("Validation score: %f" % value)
                message = "Validation score did not improve more than tol=%f for %d consecutive epochs."
            else:
                best = state.best_loss[origin]
                not_better = epoch_loss > best - hyper.tol
                state.best_loss[origin] = np.minimum(best, epoch_loss)
                message = "Training loss did not improve more than tol=%f for %d consecutive epochs."
            count = np.where(not_better, state.no_improvement_count[origin] + 1, 0)

            optimizer.iteration_ends(state.t[origin])
            if on_epoch is not None:
                on_epoch(n_iter, origin, active)

            plateaued = count > hyper.n_iter_no_change
            stopping = np.zeros(n_active, dtype=bool)
            if plateaued.any():
                first = np.flatnonzero(plateaued)[0]
                stopping = optimizer.trigger_stopping(
                    plateaued, verbose,
                    message % (hyper.tol[first], hyper.n_iter_no_change[first]),
                )
                count[plateaued & ~stopping] = 0
            state.no_improvement_count[origin] = count

            if incremental:
                final[origin] = active.flat
                n_iter_out[origin] = n_iter
                break
            out_of_budget = (n_iter >= hyper.max_iter) & ~stopping
            for max_iter in hyper.max_iter[out_of_budget]:
                warnings.warn(
                    "Stochastic Optimizer: Maximum iterations (%d) reached and the "
                    "optimization hasn't converged yet." % max_iter,
                    ConvergenceWarning,
                )
            done = stopping | out_of_budget
            if done.any():
                leaving = origin[done]
                final[leaving] = (
                    state.best_params[leaving] if config.early_stopping else active.flat[done]
                )
                n_iter_out[leaving] = n_iter
                if done.all():
                    break
                # The optimizer now describes only part of the stack: a later
                # incremental call must not reuse it.
                state.optimizer = None
                keep = ~done
                origin = origin[keep]
                active = StackedParameters(architecture.layer_units, active.flat[keep])
                data = data.take(keep)
                hyper = hyper.take(keep)
                optimizer.take(keep)
                random_states = [rs for rs, kept in zip(random_states, keep) if kept]
                order = order[keep]
    return StackedParameters(architecture.layer_units, final), n_iter_out


def _record_validation(state, origin, active, val_score, tol):
    """Append the validation scores, keep the best weights; -> not-better mask."""
    for position, value in zip(origin, val_score):
        state.validation_scores[position].append(float(value))
    best = state.best_validation_score[origin]
    # NaN compares False both ways, exactly as in scikit-learn.
    not_better = val_score < best + tol
    improved = val_score > best
    if improved.any():
        state.best_validation_score[origin[improved]] = val_score[improved]
        state.best_params[origin[improved]] = active.flat[improved]
    return not_better


def _batches(config, n_samples):
    """The epoch's batch slices, as scikit-learn cuts them."""
    if config.solver == "gd":
        return [slice(0, n_samples)]
    if config.batch_size == "auto":
        batch_size = min(200, n_samples)
    else:
        if config.batch_size > n_samples:
            warnings.warn(
                "Got `batch_size` less than 1 or larger than "
                "sample size. It is going to be clipped"
            )
        batch_size = int(np.clip(config.batch_size, 1, n_samples))
    return list(gen_batches(n_samples, batch_size))


class _WorkspaceCache:
    """Buffers and gradient storage per (active networks, batch size)."""

    def __init__(self, architecture, dtype):
        self.architecture = architecture
        self.dtype = dtype
        self._cache = {}

    def get(self, n_networks, n_samples):
        key = (n_networks, n_samples)
        if key not in self._cache:
            units = self.architecture.layer_units
            self._cache[key] = (
                Workspace(units, n_networks, n_samples, self.dtype),
                StackedParameters(
                    units, np.empty((n_networks, n_parameters(units)), dtype=self.dtype)
                ),
            )
        return self._cache[key]


def fit_lbfgs(architecture, params, X, y, sample_weight, alpha, *, max_iter, max_fun, tol):
    """Train one network (``K = 1``) with scipy's L-BFGS-B, as scikit-learn does.

    Returns the optimal flat parameters, the loss there and the iteration count.
    """
    dtype = params.flat.dtype
    work = StackedParameters(architecture.layer_units, params.flat.copy())
    grads = StackedParameters(architecture.layer_units, np.empty_like(work.flat))
    workspace = Workspace(architecture.layer_units, 1, y.shape[1], dtype)
    weight_sum = np.array(
        [[y.shape[1] if sample_weight is None else sample_weight.sum()]], dtype=dtype
    )
    alpha = np.asarray([alpha], dtype=float)

    def loss_grad(packed):
        work.flat[0] = packed
        loss = loss_and_gradient(
            architecture, work, X, y, sample_weight, weight_sum, alpha, workspace, grads
        )
        return float(loss[0]), grads.flat[0].copy()

    result = scipy.optimize.minimize(
        loss_grad, work.flat[0].copy(), method="L-BFGS-B", jac=True,
        options={"maxfun": max_fun, "maxiter": max_iter, "gtol": tol},
    )
    n_iter = min(result.nit, max_iter)
    if result.status != 0:
        warnings.warn(
            f"lbfgs failed to converge after {n_iter} iteration(s) "
            f"(status={result.status}):\n{result.message}\n",
            ConvergenceWarning,
        )
    work.flat[0] = result.x
    return work, result.fun, n_iter
