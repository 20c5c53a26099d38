"""The stacked math: ``K`` independent networks of one shape, computed at once.

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
stacks candidates x folds.  The training loop around this math is
:mod:`skinit._training`; the per-network state it keeps, :mod:`skinit._stack`.
"""

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from skinit._activations_losses import (
    ACTIVATIONS,
    DERIVATIVES,
    LOSS_FUNCTIONS,
    OUTPUT_LOSS,
)
from skinit._stack import make_inputs, per_network


def n_parameters(layer_units):
    """Number of weights and biases of a network with these layer sizes."""
    return sum(
        (fan_in + 1) * fan_out
        for fan_in, fan_out in zip(layer_units[:-1], layer_units[1:])
    )


@dataclass
class StackedParameters:
    """Flat ``(K, n_params)`` storage with per-layer views.

    Attributes
    ----------
    layer_units : list of int
    flat : ndarray of shape (K, n_params)
    layers : list of ndarray of shape (K, fan_out, fan_in + 1)
        Each layer's weights with the bias as last column.
    coefs : list of ndarray of shape (K, fan_in, fan_out)
        The weight matrices, as scikit-learn orients them (views).
    intercepts : list of ndarray of shape (K, fan_out)
        The bias vectors (views).
    """

    layer_units: list
    flat: np.ndarray = per_network()

    def __post_init__(self):
        self.layer_units = list(self.layer_units)
        n_networks = self.flat.shape[0]
        self.layers, self.coefs, self.intercepts = [], [], []
        start = 0
        for fan_in, fan_out in zip(self.layer_units[:-1], self.layer_units[1:]):
            end = start + (fan_in + 1) * fan_out
            layer = self.flat[:, start:end].reshape(n_networks, fan_out, fan_in + 1)
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
        return [matmul_layout(coef) for coef in self.coefs]


def matmul_layout(signal):
    """View of a unit-major ``(units, K, n)`` signal as ``K`` matrices
    ``(K, units, n)`` (and back): the operand layout of ``np.matmul``."""
    return signal.transpose(1, 0, 2)


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
        self.matmul_outputs = [matmul_layout(signal) for signal in self.outputs]
        self.matmul_inputs = [matmul_layout(signal) for signal in self.extended]
        self.matmul_inputs_transposed = [
            signal.transpose(0, 2, 1) for signal in self.matmul_inputs
        ]
        self.matmul_deltas = [matmul_layout(delta) for delta in self.deltas]
        self._shape = (layer_units, n_networks, dtype)

    @cached_property
    def penalized_weights(self):
        """``(K, n_params)`` parameters to hold the L2 penalty's weights (made
        on the first penalized step)."""
        layer_units, n_networks, dtype = self._shape
        flat = np.empty((n_networks, n_parameters(layer_units)), dtype=dtype)
        return StackedParameters(layer_units, flat)


def forward(architecture, params, inputs, workspace):
    """Run the networks on ``inputs`` (:class:`~skinit._stack.DenseInputs` or
    :class:`~skinit._stack.SparseInputs`).

    Every layer's activation is left in ``workspace.outputs``; returns the
    output layer's, ``(n_outputs, K, n)``.
    """
    hidden = ACTIVATIONS[architecture.hidden_activation]
    inputs.first_layer(params.layers[0], workspace.matmul_outputs[0])
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
    inputs = make_inputs(X)
    n_samples = X[0].shape[0]
    workspace = Workspace(
        params.layer_units, params.flat.shape[0], n_samples, params.flat.dtype
    )
    # Huge weights saturate the output layer (inf -> probability 1) instead of
    # warning; a non-finite output is the caller's to report.
    with np.errstate(over="ignore", invalid="ignore"):
        output = forward(architecture, params, inputs, workspace)
    return output.transpose(1, 2, 0)


def _weights_without_biases(params, out):
    """``params.flat`` with zeros at the biases, in ``out`` (parameters of the
    same shape): the weights the L2 penalty counts.

    A copy and a zeroed bias column, in the parameters' dtype: a 0/1 mask's
    product read one more array (72 -> 47 us float64, 46 -> 25 us float32 on
    the large case of issue #10), and the float64 mask it had made float32's
    penalty a float64 pass, cast back (140-200 us against 55 a batch), and
    rounded unlike scikit-learn's float32 ``alpha * coef``.  Biases get +0
    where the mask gave -0 to negative ones: equal values, and a sign of zero
    that the penalty's square and its sum with the gradient drop.
    """
    np.copyto(out.flat, params.flat)
    for intercept in out.intercepts:
        intercept[...] = 0
    return out.flat


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
    inputs : DenseInputs or SparseInputs
        The batch.
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
    # cross-entropy, identity + squared error, exp + Poisson deviance) the
    # output delta is ``a - y``.
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
    inputs.first_layer_gradient(matmul_deltas[0], grads.layers[0])

    if alpha is not None:
        weights = _weights_without_biases(params, workspace.penalized_weights)
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

