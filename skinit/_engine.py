"""The training core: ``K`` independent networks of one shape, trained at once.

The ``K`` networks share their layer sizes, activations and solver, and differ
in everything else: initial weights, training rows, sample weights, learning
rate, regularization, tolerance, iteration budget.

Layout, chosen so that a training step is few and cheap numpy calls:

- Signals are unit-major, ``(units, K, n_samples)``: as in the course's
  ``Z = W A + b`` each network's signal is a ``(units, n_samples)`` matrix
  (its rows ``K * n`` apart, which BLAS takes as a leading dimension), and the
  elementwise work of a layer runs over one contiguous block for all ``K``.
- Biases are folded into the weights: layer ``l`` is one ``(K, fan_out,
  fan_in + 1)`` block whose last column is the bias, and every layer's input
  carries an extra row of ones.  A layer's forward pass is then one batched
  ``np.matmul``, and so is its weight-and-bias gradient.
- All blocks live in one flat ``(K, n_params)`` buffer, so an optimizer step is
  a handful of passes over one contiguous array.  ``coefs`` and ``intercepts``
  are views into it in scikit-learn's ``(fan_in, fan_out)`` orientation.

A single estimator fit is ``K = 1``; the fused search (``InitSearchCV``)
stacks candidates x folds.  Networks that stop (converged, plateaued or out of
iterations) leave the stack and the others carry on.
"""

import warnings
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import gen_batches, shuffle

from skinit._base import ACTIVATIONS, DERIVATIVES, LOSS_FUNCTIONS, OUTPUT_LOSS
from skinit._optimizers import AdamOptimizer, SGDOptimizer


def n_parameters(layer_units):
    """Number of weights and biases of a network with these layer sizes."""
    return sum(
        (fan_in + 1) * fan_out
        for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:])
    )


class StackedParameters:
    """Flat ``(K, n_params)`` storage with per-layer views.

    Attributes
    ----------
    flat : ndarray of shape (K, n_params)
    layers : list of ndarray of shape (K, fan_out, fan_in + 1)
        Each layer's weights with the bias as last column.
    coefs : list of ndarray of shape (K, fan_in, fan_out)
        The weight matrices, as scikit-learn orients them (views).
    intercepts : list of ndarray of shape (K, fan_out)
        The bias vectors (views).
    """

    def __init__(self, layer_units, flat):
        self.layer_units = list(layer_units)
        self.flat = flat
        n_networks = flat.shape[0]
        self.layers, self.coefs, self.intercepts = [], [], []
        start = 0
        for fan_in, fan_out in zip(self.layer_units[:-1], self.layer_units[1:]):
            end = start + (fan_in + 1) * fan_out
            layer = flat[:, start:end].reshape(n_networks, fan_out, fan_in + 1)
            self.layers.append(layer)
            self.coefs.append(layer[:, :, :fan_in].transpose(0, 2, 1))
            self.intercepts.append(layer[:, :, fan_in])
            start = end

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
            [np.ascontiguousarray(coef[k]) for coef in self.coefs],
            [intercept[k].copy() for intercept in self.intercepts],
        )

    @cached_property
    def unit_major_coefs(self):
        """``coefs`` as ``(fan_in, K, fan_out)`` views, to broadcast over signals."""
        return [per_network(coef) for coef in self.coefs]

    @cached_property
    def coef_mask(self):
        """``(n_params,)`` array: 1 at weights, 0 at biases (for the L2 penalty)."""
        mask = StackedParameters(self.layer_units, np.ones((1, self.flat.shape[1])))
        for intercept in mask.intercepts:
            intercept[:] = 0
        return mask.flat[0]

    def sklearn_order(self):
        """Permutation of ``flat`` into scikit-learn's packing: coefs, then biases."""
        index = StackedParameters(self.layer_units, np.arange(self.flat.shape[1])[None])
        parts = [coef[0].ravel() for coef in index.coefs]
        parts += [intercept[0] for intercept in index.intercepts]
        return np.concatenate(parts)


def per_network(signal):
    """View of a unit-major ``(units, K, n)`` signal as ``K`` matrices
    ``(K, units, n)`` (and back): the operand layout of ``np.matmul``."""
    return signal.transpose(1, 0, 2)


def extend_inputs(X):
    """Lay out inputs for the engine, with the row of ones the biases multiply.

    ``X`` is sample-major, ``(K, n, n_features)``, or a list of ``K`` sparse
    matrices.  Dense inputs become unit-major ``(n_features + 1, K, n)`` (a
    transposed operand would make the first layer's matmul several times
    slower); sparse ones stay sample-major, with a column of ones appended.
    """
    if isinstance(X, list):
        return [
            sp.hstack([m, np.ones((m.shape[0], 1), dtype=m.dtype)], format="csr")
            for m in X
        ]
    extended = np.ones((X.shape[2] + 1, X.shape[0], X.shape[1]), dtype=X.dtype)
    extended[:-1] = X.transpose(2, 0, 1)
    return extended


def _first_layer(inputs, layer, out):
    """``layer @ inputs`` per network into ``out`` ``(K, fan_out, n)``."""
    if isinstance(inputs, list):
        for k, matrix in enumerate(inputs):
            out[k] = (matrix @ layer[k].T).T
        return out
    return np.matmul(layer, per_network(inputs), out=out)


def _first_layer_gradient(inputs, delta, out):
    """``delta @ inputs.T`` per network, ``delta`` ``(K, fan_out, n)``."""
    if isinstance(inputs, list):
        for k, matrix in enumerate(inputs):
            out[k] = (matrix.T @ delta[k].T).T
        return out
    return np.matmul(delta, inputs.transpose(1, 2, 0), out=out)


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


class Workspace:
    """Preallocated unit-major signals for ``K`` networks and ``n`` samples.

    ``extended[i]`` is layer ``i``'s output with a row of ones below it, the
    next layer's input; ``outputs[i]`` is the (contiguous) part without it.
    """

    def __init__(self, layer_units, n_networks, n_samples, dtype):
        self.extended = [
            np.ones((units + 1, n_networks, n_samples), dtype=dtype)
            for units in layer_units[1:-1]
        ]
        self.outputs = [signal[:-1] for signal in self.extended]
        self.outputs.append(
            np.empty((layer_units[-1], n_networks, n_samples), dtype=dtype)
        )
        self.deltas = [
            np.empty((units, n_networks, n_samples), dtype=dtype)
            for units in layer_units[1:]
        ]
        # The same buffers in np.matmul's layout, made once: a training step
        # is short enough for view creation to show.
        self.matmul_outputs = [per_network(signal) for signal in self.outputs]
        self.matmul_inputs = [per_network(signal) for signal in self.extended]
        self.matmul_inputs_transposed = [
            signal.transpose(0, 2, 1) for signal in self.matmul_inputs
        ]
        self.matmul_deltas = [per_network(delta) for delta in self.deltas]


def forward(architecture, params, inputs, workspace):
    """Run the networks on ``inputs`` (:func:`extend_inputs`).

    Every layer's activation is left in ``workspace.outputs``; returns the
    output layer's, ``(n_outputs, K, n)``.
    """
    hidden = ACTIVATIONS[architecture.hidden_activation]
    _first_layer(inputs, params.layers[0], workspace.matmul_outputs[0])
    for i, layer in enumerate(params.layers[1:]):
        hidden(workspace.outputs[i])
        np.matmul(
            layer, workspace.matmul_inputs[i], out=workspace.matmul_outputs[i + 1]
        )
    output = workspace.outputs[-1]
    ACTIVATIONS[architecture.output_activation](output)
    return output


def predict_output(architecture, params, X):
    """Output layer of the networks on ``X``, sample-major ``(K, n, n_outputs)``.

    ``X`` is ``(K, n, n_features)`` or a list of ``K`` sparse matrices.
    """
    inputs = extend_inputs(X)
    n_samples = X[0].shape[0]
    workspace = Workspace(
        params.layer_units, params.flat.shape[0], n_samples, params.flat.dtype
    )
    # Huge weights saturate the output layer (inf -> probability 1) instead of
    # warning; a non-finite output is the caller's to report.
    with np.errstate(over="ignore", invalid="ignore"):
        output = forward(architecture, params, inputs, workspace)
    return output.transpose(1, 2, 0)


def loss_and_gradient(
    architecture,
    params,
    inputs,
    y,
    sample_weight,
    sample_weight_sum,
    alpha,
    workspace,
    grads,
):
    """Loss of each network on a batch and its gradient, written into ``grads``.

    Parameters
    ----------
    architecture : Architecture
    params : StackedParameters
    inputs : ndarray of shape (n_features + 1, K, n) or list of K sparse matrices
        The batch, laid out by :func:`extend_inputs`.
    y : ndarray of shape (n_outputs, K, n)
        Targets, unit-major.
    sample_weight : ndarray of shape (K, n) or None
    sample_weight_sum : ndarray of shape (K, 1)
        ``n`` without sample weights, else the sum of the batch's weights.
    alpha : ndarray of shape (K,) or None
        L2 penalty of each network; None when no network is penalized.
    workspace : Workspace
        Buffers for this batch size.
    grads : StackedParameters
        Receives the gradient.

    Returns
    -------
    loss : ndarray of shape (K,)
    """
    output = forward(architecture, params, inputs, workspace)
    loss = LOSS_FUNCTIONS[architecture.loss](y, output, sample_weight)

    # With a canonical link (sigmoid + cross-entropy, softmax + categorical
    # cross-entropy) the output delta is ``a - y``.
    deltas = workspace.deltas
    delta = np.subtract(output, y, out=deltas[-1])
    if sample_weight is not None:
        delta *= sample_weight
    derivative = DERIVATIVES[architecture.hidden_activation]
    matmul_deltas = workspace.matmul_deltas
    for i in range(len(params.layers) - 1, 0, -1):
        np.matmul(
            matmul_deltas[i],
            workspace.matmul_inputs_transposed[i - 1],
            out=grads.layers[i],
        )
        if deltas[i].shape[0] == 1:
            # Through a one-unit layer (a binary output) the product is an
            # outer product: a broadcast multiply gives the same values, fast.
            np.multiply(params.unit_major_coefs[i], deltas[i], out=deltas[i - 1])
        else:
            np.matmul(params.coefs[i], matmul_deltas[i], out=matmul_deltas[i - 1])
        derivative(workspace.outputs[i - 1], deltas[i - 1])
    _first_layer_gradient(inputs, matmul_deltas[0], grads.layers[0])

    if alpha is not None:
        weights = params.flat * params.coef_mask
        loss += (
            0.5
            * alpha
            * np.einsum("kp,kp->k", weights, weights)
            / sample_weight_sum[:, 0]
        )
        weights *= alpha.astype(weights.dtype)[:, None]
        grads.flat += weights
    grads.flat /= sample_weight_sum
    return loss


def _network_axis(array):
    """The axis that indexes networks: 1 in unit-major signals, else 0."""
    return 1 if array.ndim == 3 else 0


@dataclass
class StackedData:
    """Training (and optional validation) samples of each network.

    ``X`` is laid out by :func:`extend_inputs` (unit-major ``(n_features + 1,
    K, n)``, or ``K`` sparse matrices); ``y`` is unit-major ``(n_outputs, K,
    n)`` in the parameters' dtype; ``sample_weight`` is ``(K, n)`` or None.
    The ``*_val`` fields, laid out alike, are set for early stopping.
    """

    X: object
    y: np.ndarray
    sample_weight: object = None
    X_val: object = None
    y_val: object = None
    sample_weight_val: object = None

    @classmethod
    def from_arrays(
        cls, X, y, sample_weight=None, X_val=None, y_val=None, sample_weight_val=None
    ):
        """Build from sample-major ``X`` ``(K, n, f)`` (or K sparse) and ``y``
        ``(K, n, n_outputs)``: extends the inputs and transposes the targets."""

        def targets(values):
            return (
                None
                if values is None
                else np.ascontiguousarray(values.transpose(2, 0, 1))
            )

        return cls(
            X=extend_inputs(X),
            y=targets(y),
            sample_weight=sample_weight,
            X_val=None if X_val is None else extend_inputs(X_val),
            y_val=targets(y_val),
            sample_weight_val=sample_weight_val,
        )

    @property
    def n_samples(self):
        return self.y.shape[2]

    @classmethod
    def concatenate(cls, stacks):
        """One stack from several, network after network."""

        def join(values):
            if values[0] is None:
                return None
            if isinstance(values[0], list):
                return [item for value in values for item in value]
            return np.concatenate(values, axis=_network_axis(values[0]))

        return cls(
            *(
                join([getattr(stack, name) for stack in stacks])
                for name in cls.__dataclass_fields__
            )
        )

    def take(self, keep):
        def select(value):
            if value is None:
                return None
            if isinstance(value, list):
                return [item for item, kept in zip(value, keep) if kept]
            return value.compress(keep, axis=_network_axis(value))

        return StackedData(
            *(select(getattr(self, name)) for name in self.__dataclass_fields__)
        )


@dataclass(frozen=True)
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

    @classmethod
    def concatenate(cls, states):
        """Stack the states of separately planned networks (no optimizer)."""
        best = [state.best_params for state in states]
        return cls(
            **{
                name: np.concatenate([getattr(state, name) for state in states])
                for name in _Progress.FIELDS
            },
            best_params=None if best[0] is None else np.concatenate(best),
            loss_curves=[curve for state in states for curve in state.loss_curves],
            validation_scores=[
                scores for state in states for scores in state.validation_scores
            ],
        )

    def network(self, k):
        """Network ``k``'s state, as a state of one network (no optimizer)."""
        return TrainingState(
            **{name: getattr(self, name)[k : k + 1] for name in _Progress.FIELDS},
            best_params=None
            if self.best_params is None
            else self.best_params[k : k + 1],
            loss_curves=[self.loss_curves[k]],
            validation_scores=[self.validation_scores[k]],
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
            n_params,
            dtype,
            learning_rate_init=hyper.learning_rate_init,
            beta_1=hyper.beta_1,
            beta_2=hyper.beta_2,
            epsilon=hyper.epsilon,
        )
    gd = config.solver == "gd"
    return SGDOptimizer(
        n_params,
        dtype,
        learning_rate_init=hyper.learning_rate_init,
        momentum=np.zeros_like(hyper.momentum) if gd else hyper.momentum,
        power_t=hyper.power_t,
        schedule=config.learning_rate,
        nesterov=config.nesterovs_momentum and not gd,
    )


def _batch_rows(values, rows, batch):
    """Samples ``batch`` (a slice, or per-network index arrays) of sample weights
    ``(K, n)`` or of engine inputs (feature-major, or sparse sample-major)."""
    if values is None:
        return None
    if isinstance(values, list):
        if isinstance(batch, slice):
            return [matrix[batch] for matrix in values]
        return [matrix[index] for matrix, index in zip(values, batch)]
    if values.ndim == 3:
        return _batch_columns(values, batch)
    if isinstance(batch, slice):
        return values[:, batch]
    return values[rows, batch]


def _batch_columns(values, batch):
    """Samples ``batch`` of unit-major ``(m, K, n)`` data."""
    if isinstance(batch, slice):
        return values[:, :, batch]
    return np.take_along_axis(values, batch[None], axis=2)


class _Progress:
    """The per-network stopping record of the networks still training.

    Holds compact copies of the persistent ``TrainingState`` entries of the
    active networks, so that an epoch's bookkeeping is a few vector operations;
    ``write_back`` returns them to the state when networks leave.
    """

    FIELDS = ("t", "no_improvement_count", "best_loss", "best_validation_score")

    def __init__(self, state, origin):
        # ``t`` is kept as it was at the start: every active network has seen
        # ``samples_seen`` more samples since (one addition less per epoch).
        for name in self.FIELDS:
            setattr(self, name, getattr(state, name)[origin].copy())

    def write_back(self, state, origin, mask, samples_seen):
        for name in self.FIELDS:
            getattr(state, name)[origin[mask]] = getattr(self, name)[mask]
        state.t[origin[mask]] += samples_seen

    def take(self, keep):
        for name in self.FIELDS:
            setattr(self, name, getattr(self, name)[keep])


class _History:
    """Per-epoch values of the networks still training (losses, scores).

    Recording keeps the epoch's array as it is; ``write_to`` appends each
    network's values to its list once, at the end, instead of ``K`` list
    appends per epoch.
    """

    def __init__(self):
        self._origins, self._values = [], []

    def record(self, origin, values):
        self._origins.append(origin)
        self._values.append(values)

    def write_to(self, lists):
        if not self._values:
            return
        origins = np.concatenate(self._origins)
        order = np.argsort(origins, kind="stable")
        origins = origins[order]
        values = np.concatenate(self._values)[order].tolist()
        starts = np.flatnonzero(np.diff(origins, prepend=-1))
        for start, stop in zip(starts, [*starts[1:], len(origins)]):
            lists[origins[start]].extend(values[start:stop])


def fit_stochastic(
    architecture,
    params,
    data,
    config,
    hyper,
    state,
    random_states,
    *,
    score,
    incremental=False,
    verbose=False,
    on_epoch=None,
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
    n_samples = data.n_samples
    batches = _batches(config, n_samples)
    shuffle_rows = config.shuffle and config.solver != "gd"
    # One batch of every sample in order ('gd'): the data as it is.
    whole_batch = len(batches) == 1 and not shuffle_rows
    if config.early_stopping:
        message = (
            "Validation score did not improve more than tol=%f for %d "
            "consecutive epochs."
        )
    else:
        message = (
            "Training loss did not improve more than tol=%f for %d consecutive epochs."
        )

    final = np.empty_like(params.flat)
    n_iter_out = np.zeros(n_networks, dtype=np.int64)
    # ``origin[j]`` is the input position of the j-th network still training.
    origin = np.arange(n_networks)
    active = StackedParameters(architecture.layer_units, params.flat.copy())
    progress = _Progress(state, origin)
    losses, scores = _History(), _History()
    random_states = list(random_states)
    order = np.tile(np.arange(n_samples), (n_networks, 1))

    def for_stack(n_active, hyper):
        """What each step reads, made anew whenever the stack shrinks."""
        return (
            _BatchBuffers(architecture, dtype, n_active),
            np.arange(n_active)[:, None],
            hyper.alpha if hyper.alpha.any() else None,
            hyper.max_iter.min(),
        )

    n_active = n_networks
    buffers, rows, alpha, min_budget = for_stack(n_active, hyper)
    n_iter = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        try:
            while True:
                if shuffle_rows:
                    # Each epoch permutes the previous epoch's order (as
                    # scikit-learn does).
                    order = np.stack(
                        [
                            shuffle(row, random_state=rs)
                            for row, rs in zip(order, random_states)
                        ]
                    )
                epoch_loss = None
                for batch in batches:
                    size = batch.stop - batch.start
                    if whole_batch:
                        X_batch, y_batch = data.X, data.y
                        sample_weight = data.sample_weight
                    else:
                        index = order[:, batch] if shuffle_rows else batch
                        X_batch = _batch_rows(data.X, rows, index)
                        y_batch = _batch_columns(data.y, index)
                        sample_weight = _batch_rows(data.sample_weight, rows, index)
                    workspace, grads, weight_sum = buffers.get(size)
                    if sample_weight is not None:
                        weight_sum = np.add.reduce(sample_weight, axis=1)[:, None]
                    batch_loss = loss_and_gradient(
                        architecture,
                        active,
                        X_batch,
                        y_batch,
                        sample_weight,
                        weight_sum,
                        alpha,
                        workspace,
                        grads,
                    )
                    # Accumulates as scikit-learn does, from 0.0 (0.0 + x is x).
                    batch_loss *= size
                    if epoch_loss is None:
                        epoch_loss = batch_loss
                    else:
                        epoch_loss += batch_loss
                    optimizer.update(active.flat, grads.flat)
                n_iter += 1
                epoch_loss /= n_samples
                losses.record(origin, epoch_loss)
                if verbose:
                    for value in epoch_loss:
                        print("Iteration %d, loss = %.8f" % (n_iter, value))

                if config.early_stopping:
                    output = forward(
                        architecture,
                        active,
                        data.X_val,
                        buffers.get(data.y_val.shape[2])[0],
                    )
                    val_score = score(data.y_val, output, data.sample_weight_val)
                    scores.record(origin, val_score)
                    if verbose:
                        for value in val_score:
                            print("Validation score: %f" % value)
                    best = progress.best_validation_score
                    # NaN compares False both ways, exactly as in scikit-learn.
                    not_better = val_score < best + hyper.tol
                    improved = val_score > best
                    if improved.any():
                        progress.best_validation_score = np.where(
                            improved, val_score, best
                        )
                        state.best_params[origin[improved]] = active.flat[improved]
                else:
                    not_better = epoch_loss > progress.best_loss - hyper.tol
                    # fmin, not minimum: a NaN loss must not replace the best one.
                    np.fmin(progress.best_loss, epoch_loss, out=progress.best_loss)
                count = progress.no_improvement_count
                count += 1
                count *= not_better

                if optimizer.needs_time:
                    optimizer.iteration_ends(progress.t + n_iter * n_samples)
                if on_epoch is not None:
                    on_epoch(n_iter, origin, active)

                plateaued = count > hyper.n_iter_no_change
                stopping = None
                if np.logical_or.reduce(plateaued):
                    first = np.flatnonzero(plateaued)[0]
                    stopping = optimizer.trigger_stopping(
                        plateaued,
                        verbose,
                        message % (hyper.tol[first], hyper.n_iter_no_change[first]),
                    )
                    count[plateaued & ~stopping] = 0

                if incremental:
                    final[origin] = active.flat
                    n_iter_out[origin] = n_iter
                    progress.write_back(
                        state, origin, np.ones(n_active, dtype=bool), n_iter * n_samples
                    )
                    break
                if stopping is None:
                    if n_iter < min_budget:
                        continue  # nothing can end before the smallest budget
                    stopping = np.zeros(n_active, dtype=bool)
                done = stopping
                if n_iter >= min_budget:
                    out_of_budget = (n_iter >= hyper.max_iter) & ~stopping
                    for max_iter in hyper.max_iter[out_of_budget]:
                        warnings.warn(
                            "Stochastic Optimizer: Maximum iterations (%d) reached "
                            "and the optimization hasn't converged yet." % max_iter,
                            ConvergenceWarning,
                            stacklevel=4,
                        )
                    done = stopping | out_of_budget
                if not np.logical_or.reduce(done):
                    continue
                leaving = origin[done]
                final[leaving] = (
                    state.best_params[leaving]
                    if config.early_stopping
                    else active.flat[done]
                )
                n_iter_out[leaving] = n_iter
                progress.write_back(state, origin, done, n_iter * n_samples)
                if done.all():
                    break
                # The optimizer now describes only part of the stack: a later
                # incremental call must not reuse it.
                state.optimizer = None
                keep = ~done
                origin = origin[keep]
                active = StackedParameters(architecture.layer_units, active.flat[keep])
                progress.take(keep)
                data = data.take(keep)
                hyper = hyper.take(keep)
                optimizer.take(keep)
                random_states = [rs for rs, kept in zip(random_states, keep) if kept]
                order = order[keep]
                # Buffers of the old stack size will not be used again.
                n_active = len(origin)
                buffers, rows, alpha, min_budget = for_stack(n_active, hyper)
        except KeyboardInterrupt:
            # As scikit-learn: keep what was trained so far.
            warnings.warn("Training interrupted by user.", stacklevel=3)
            final[origin] = (
                state.best_params[origin] if config.early_stopping else active.flat
            )
            n_iter_out[origin] = n_iter
            progress.write_back(
                state, origin, np.ones(len(origin), dtype=bool), n_iter * n_samples
            )

    losses.write_to(state.loss_curves)
    scores.write_to(state.validation_scores)
    return StackedParameters(architecture.layer_units, final), n_iter_out


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
                "sample size. It is going to be clipped",
                stacklevel=4,
            )
        batch_size = int(np.clip(config.batch_size, 1, n_samples))
    return list(gen_batches(n_samples, batch_size))


class _BatchBuffers:
    """Workspace, gradient storage and unweighted sample count per batch size,
    for a stack of ``n_networks``."""

    def __init__(self, architecture, dtype, n_networks):
        self.architecture = architecture
        self.dtype = dtype
        self.n_networks = n_networks
        self._cache = {}

    def get(self, n_samples):
        if n_samples not in self._cache:
            units = self.architecture.layer_units
            n_networks = self.n_networks
            self._cache[n_samples] = (
                Workspace(units, n_networks, n_samples, self.dtype),
                StackedParameters(
                    units, np.empty((n_networks, n_parameters(units)), dtype=self.dtype)
                ),
                np.full((n_networks, 1), n_samples, dtype=self.dtype),
            )
        return self._cache[n_samples]

