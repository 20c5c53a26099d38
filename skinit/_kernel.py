"""The seam between the training loop and the per-step work.

A *kernel* runs the steps of one epoch of a stack: for every batch, the
forward pass, the loss, the gradient and the optimizer's update.  It is all
the arithmetic of training; the loop around it (:mod:`skinit._training`) only
shuffles, keeps the stopping records and retires networks.  A compiled kernel
replaces :class:`NumpyKernel` here, behind the same two methods:

``supports(architecture, config, data) -> bool``
    Whether it can train this stack (else the numpy kernel does).
``run_epoch(architecture, stack, batches) -> ndarray of shape (K,)``
    Run one epoch of ``stack`` (a :class:`skinit._training.Stack`): update
    ``stack.params.flat`` and the optimizer ``stack.state.optimizer`` in
    place, step by step over ``batches`` (slices of the epoch's sample order
    ``stack.state.order``, or of the samples in order when it is None), and
    return each network's mean loss over the epoch (the batch losses times the
    batch sizes, summed from the first batch, divided by the sample count).

and optionally

``run_epochs(architecture, stack, batches, n_epochs) -> ndarray of shape (K, n_run)``
    Run up to ``n_epochs`` epochs in sample order (``stack.state.order`` is
    None) in one call, with the contract of
    :func:`skinit._training.run_epochs_in_order`: keep the stopping records
    of every epoch but the last, end after the first epoch that would plateau
    a network.  The loop uses it when nothing else happens between epochs
    (no shuffling, validation, callback or printing); without it, the loop
    calls ``run_epoch`` once an epoch.
"""

import numpy as np

from skinit._config import get_config, numba_available
from skinit._engine import StackedParameters, Workspace, loss_and_gradient
from skinit._stack import gather_rows, sample_rows


class NumpyKernel:
    """The steps of an epoch with numpy: the engine's ``loss_and_gradient``
    and the optimizer's ``update`` for each batch.  Supports everything."""

    name = "numpy"

    def supports(self, architecture, config, data):
        return True

    def run_epoch(self, architecture, stack, batches):
        data, params = stack.data, stack.params
        optimizer, order = stack.state.optimizer, stack.state.order
        buffers = stack.scratch.get(self.name)
        if buffers is None:
            buffers = stack.scratch[self.name] = BatchBuffers(
                architecture, params.flat.dtype, stack.hyper
            )
        n_samples = data.n_samples
        epoch_loss = None
        for batch in batches:
            size = batch.stop - batch.start
            if order is None and size == n_samples:
                # The whole data in order (full-batch 'gd'): no gathering.
                X, y, sample_weight = data.X, data.y, data.sample_weight
            else:
                index = batch if order is None else order[:, batch]
                X = data.X.rows(index)
                y = _sample_columns(data.y, index, buffers.target_rows(data.y))
                sample_weight = _sample_weights(data.sample_weight, buffers.rows, index)
            workspace, grads, weight_sum = buffers.get(size)
            if sample_weight is not None:
                weight_sum = np.add.reduce(sample_weight, axis=1)[:, None]
            batch_loss = loss_and_gradient(
                architecture,
                params,
                X,
                y,
                sample_weight,
                weight_sum,
                buffers.alpha,
                workspace,
                grads,
            )
            # Accumulates as scikit-learn does, from 0.0 (0.0 + x is x).
            batch_loss *= size
            if epoch_loss is None:
                epoch_loss = batch_loss
            else:
                epoch_loss += batch_loss
            optimizer.update(params.flat, grads.flat)
        epoch_loss /= n_samples
        return epoch_loss


def _sample_columns(values, batch, rows):
    """Samples ``batch`` (a slice or per-network positions) of ``(m, K, n)``
    ``values``; positions are gathered from ``rows``, their sample-major copy.

    On the large case of issue #10 (10 outputs, 20000 samples, batch 200)
    take_along_axis on the unit-major values took ~50 us a batch, a flat take
    ~25 (a cache miss per value), whole sample-major rows ~12.
    """
    if isinstance(batch, slice):
        return values[:, :, batch]
    return gather_rows(rows, batch, values.shape[2])


def _sample_weights(values, rows, batch):
    """Samples ``batch`` of ``(K, n)`` sample weights (``rows``: ``(K, 1)``
    network positions)."""
    if values is None:
        return None
    if isinstance(batch, slice):
        return values[:, batch]
    return values[rows, batch]


class BatchBuffers:
    """What the steps of one stack size reuse: per batch size a workspace,
    gradient storage and the unweighted sample count; the networks' positions
    and their L2 penalties (None when no network is penalized)."""

    def __init__(self, architecture, dtype, hyper):
        self.architecture = architecture
        self.dtype = dtype
        self.n_networks = len(hyper.alpha)
        self.rows = np.arange(self.n_networks)[:, None]
        self.alpha = hyper.alpha if hyper.alpha.any() else None
        self._cache = {}
        self._target_rows = None

    def target_rows(self, y):
        """The stack's targets ``y`` sample-major, copied on the first call."""
        if self._target_rows is None:
            self._target_rows = sample_rows(y)
        return self._target_rows

    def get(self, n_samples):
        if n_samples not in self._cache:
            units = self.architecture.layer_units
            self._cache[n_samples] = (
                Workspace(units, self.n_networks, n_samples, self.dtype),
                StackedParameters(
                    units,
                    np.empty(
                        (self.n_networks, self.architecture.n_params), dtype=self.dtype
                    ),
                ),
                np.full((self.n_networks, 1), n_samples, dtype=self.dtype),
            )
        return self._cache[n_samples]


def select_kernel(architecture, config, data):
    """The kernel that trains this stack, as ``skinit.get_config()['kernel']``
    asks: numba's where it applies (with 'auto': when numba is installed and
    the network is small enough for it to be the faster), else numpy's."""
    choice = get_config()["kernel"]
    if choice == "numpy" or (choice == "auto" and not numba_available()):
        return NumpyKernel()
    # Imported on first use: numba's import and the load of the cached
    # machine code take ~0.3 s, once per process.
    from skinit._numba_kernel import NumbaKernel

    kernel = NumbaKernel()
    if not kernel.supports(architecture, config, data):
        return NumpyKernel()
    if choice == "auto" and not kernel.pays_off(architecture):
        return NumpyKernel()
    return kernel
