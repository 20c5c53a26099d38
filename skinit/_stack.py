"""Per-network state of a stack of ``K`` networks, and the one way to drop some.

Every object that holds something per network -- parameters, data,
hyperparameters, optimizer state, stopping counters -- is a dataclass whose
per-network fields are declared with :func:`per_network` (the axis that
indexes networks).  :func:`take` and :func:`concatenate` then select or join
networks of any of them, nested ones included, so retiring the networks that
stopped, snapshotting one network or stacking separately planned fits is one
call each (the idea of optax's state dataclasses).
"""

from dataclasses import dataclass, field, fields, is_dataclass, replace
from functools import cached_property

import numpy as np
import scipy.sparse as sp


def per_network(axis=0, **kwargs):
    """A dataclass field holding one entry per network along ``axis``.

    The value may be an ndarray (indexed along ``axis``), a list with one
    item per network, a dataclass with per-network fields of its own, or None.
    """
    return field(metadata={"network_axis": axis}, **kwargs)


def _network_fields(obj):
    return [f for f in fields(obj) if "network_axis" in f.metadata]


def take(obj, index):
    """``obj`` with only the networks ``index`` (boolean mask or positions).

    Works on every dataclass of this module's convention (see
    :func:`per_network`); fields that are not per-network are kept as they are.
    """
    index = np.asarray(index)
    if index.dtype == bool:
        index = np.flatnonzero(index)
    return replace(
        obj,
        **{
            f.name: _take_value(getattr(obj, f.name), index, f.metadata["network_axis"])
            for f in _network_fields(obj)
        },
    )


def _take_value(value, index, axis):
    if value is None:
        return None
    if is_dataclass(value):
        return take(value, index)
    if isinstance(value, np.ndarray):
        return value.take(index, axis=axis)
    return [value[i] for i in index]


def concatenate(objs):
    """One object holding the networks of ``objs``, in order."""
    first = objs[0]
    return replace(
        first,
        **{
            f.name: _concatenate_values(
                [getattr(obj, f.name) for obj in objs], f.metadata["network_axis"]
            )
            for f in _network_fields(first)
        },
    )


def _concatenate_values(values, axis):
    if values[0] is None:
        return None
    if is_dataclass(values[0]):
        return concatenate(values)
    if isinstance(values[0], np.ndarray):
        return np.concatenate(values, axis=axis)
    return [item for value in values for item in value]


# ------------------------------------------------------------ batch gathers
def sample_rows(values):
    """Unit-major ``(m, K, n)`` values as sample-major ``(K * n, m)`` rows: one
    sample's values per contiguous row, the layout to gather a shuffled batch
    from (whole rows, not one cache miss per value)."""
    n_units, n_networks, n_samples = values.shape
    rows = np.ascontiguousarray(values.transpose(1, 2, 0))
    return rows.reshape(n_networks * n_samples, n_units)


def gather_rows(rows, batch, n_samples):
    """Per-network positions ``batch`` ``(K, b)`` of :func:`sample_rows`'
    ``rows``, back in the contiguous unit-major layout ``(m, K, b)``."""
    n_networks = batch.shape[0]
    positions = batch + np.arange(0, n_networks * n_samples, n_samples)[:, None]
    gathered = rows.take(positions.ravel(), axis=0)
    return np.ascontiguousarray(
        gathered.reshape(n_networks, -1, rows.shape[1]).transpose(2, 0, 1)
    )


# ------------------------------------------------------------------- inputs
@dataclass
class DenseInputs:
    """Dense inputs of ``K`` networks, laid out for the first layer.

    ``values`` is unit-major ``(n_features + 1, K, n)`` with a last row of
    ones that the biases multiply (a transposed operand would make the first
    layer's matmul several times slower).
    """

    values: np.ndarray = per_network(axis=1)

    is_sparse = False

    @classmethod
    def from_samples(cls, X):
        """From sample-major ``X`` of shape ``(K, n, n_features)``."""
        values = np.ones((X.shape[2] + 1, X.shape[0], X.shape[1]), dtype=X.dtype)
        values[:-1] = X.transpose(2, 0, 1)
        return cls(values)

    @property
    def n_networks(self):
        return self.values.shape[1]

    @property
    def n_samples(self):
        return self.values.shape[2]

    @cached_property
    def _sample_rows(self):
        """The inputs sample-major (see :func:`sample_rows`)."""
        return sample_rows(self.values)

    def rows(self, batch):
        """The samples ``batch``: a slice, or per-network positions ``(K, b)``.

        Positions are gathered as whole rows of a sample-major copy of the
        inputs, made on the first call: on the large case of issue #10 (20000
        x 64 inputs, batch 200) a column gather from the unit-major values
        missed the cache for nearly every value and took ~280 us a batch in
        float64, ~15 % of a step; whole rows and their transposition back to
        unit-major take ~45 us.  The batch must be unit-major and contiguous:
        OpenBLAS rounds ``layer @ inputs`` differently when ``inputs`` is a
        transposed view (the fit then leaves scikit-learn's bits).
        """
        if isinstance(batch, slice):
            return DenseInputs(self.values[:, :, batch])
        return DenseInputs(gather_rows(self._sample_rows, batch, self.n_samples))

    def first_layer(self, layer, out):
        """``layer @ inputs`` per network into ``out`` ``(K, fan_out, n)``."""
        return np.matmul(layer, self.values.transpose(1, 0, 2), out=out)

    def first_layer_gradient(self, delta, out):
        """``delta @ inputs.T`` per network, ``delta`` ``(K, fan_out, n)``."""
        return np.matmul(delta, self.values.transpose(1, 2, 0), out=out)


@dataclass
class SparseInputs:
    """Sparse inputs of ``K`` networks: ``K`` CSR matrices, sample-major, each
    with a last column of ones."""

    matrices: list = per_network()

    is_sparse = True

    @classmethod
    def from_samples(cls, X):
        """From a list of ``K`` sparse ``(n, n_features)`` matrices."""
        return cls(
            [
                sp.hstack([m, np.ones((m.shape[0], 1), dtype=m.dtype)], format="csr")
                for m in X
            ]
        )

    @property
    def n_networks(self):
        return len(self.matrices)

    @property
    def n_samples(self):
        return self.matrices[0].shape[0]

    def rows(self, batch):
        if isinstance(batch, slice):
            return SparseInputs([matrix[batch] for matrix in self.matrices])
        return SparseInputs(
            [matrix[index] for matrix, index in zip(self.matrices, batch)]
        )

    def first_layer(self, layer, out):
        for k, matrix in enumerate(self.matrices):
            out[k] = (matrix @ layer[k].T).T
        return out

    def first_layer_gradient(self, delta, out):
        for k, matrix in enumerate(self.matrices):
            out[k] = (matrix.T @ delta[k].T).T
        return out


def make_inputs(X):
    """Engine inputs from ``(K, n, n_features)`` dense or ``K`` sparse matrices."""
    if isinstance(X, list):
        return SparseInputs.from_samples(X)
    return DenseInputs.from_samples(X)


# --------------------------------------------------------------------- data
def _unit_major(values):
    """Sample-major ``(K, n, m)`` targets as unit-major ``(m, K, n)``."""
    return None if values is None else np.ascontiguousarray(values.transpose(2, 0, 1))


@dataclass
class StackedData:
    """Training (and optional validation) samples of each network.

    ``X`` is a :class:`DenseInputs` or :class:`SparseInputs`; ``y`` is
    unit-major ``(n_outputs, K, n)`` in the parameters' dtype;
    ``sample_weight`` is ``(K, n)`` or None.  The ``*_val`` fields, laid out
    alike, are set for early stopping.
    """

    X: object = per_network()
    y: np.ndarray = per_network(axis=1)
    sample_weight: object = per_network(default=None)
    X_val: object = per_network(default=None)
    y_val: object = per_network(axis=1, default=None)
    sample_weight_val: object = per_network(default=None)

    @classmethod
    def from_arrays(
        cls, X, y, sample_weight=None, X_val=None, y_val=None, sample_weight_val=None
    ):
        """Build from sample-major ``X`` ``(K, n, f)`` (or K sparse) and ``y``
        ``(K, n, n_outputs)``: lays out the inputs, transposes the targets."""
        return cls(
            X=make_inputs(X),
            y=_unit_major(y),
            sample_weight=sample_weight,
            X_val=None if X_val is None else make_inputs(X_val),
            y_val=_unit_major(y_val),
            sample_weight_val=sample_weight_val,
        )

    @property
    def n_samples(self):
        return self.y.shape[2]

    @property
    def n_validation_samples(self):
        return None if self.y_val is None else self.y_val.shape[2]


# ----------------------------------------------------------- hyperparameters
@dataclass
class Hyperparameters:
    """Per-network numeric hyperparameters, each an array of shape ``(K,)``."""

    alpha: np.ndarray = per_network()
    learning_rate_init: np.ndarray = per_network()
    power_t: np.ndarray = per_network()
    momentum: np.ndarray = per_network()
    beta_1: np.ndarray = per_network()
    beta_2: np.ndarray = per_network()
    epsilon: np.ndarray = per_network()
    tol: np.ndarray = per_network()
    n_iter_no_change: np.ndarray = per_network()
    max_iter: np.ndarray = per_network()

    @classmethod
    def from_estimators(cls, estimators):
        return cls(
            **{
                f.name: np.array(
                    [getattr(estimator, f.name) for estimator in estimators],
                    dtype=float,
                )
                for f in fields(cls)
            }
        )


# -------------------------------------------------------------------- state
@dataclass
class TrainingState:
    """Everything a network carries from one epoch to the next, but its weights.

    Mirrors the private state of scikit-learn's MLP that survives
    ``warm_start`` and ``partial_fit``, plus what makes a paused network
    continue exactly: its optimizer state, the random state its shuffles are
    drawn from, the sample order of its last epoch and its epoch count.  Every
    field holds one entry per network.
    """

    t: np.ndarray = per_network()
    no_improvement_count: np.ndarray = per_network()
    best_loss: np.ndarray = per_network()
    best_validation_score: np.ndarray = per_network()
    #: ``(K, n_params)`` copy of the best weights; early stopping only.
    best_params: object = per_network(default=None)
    loss_curves: list = per_network(default_factory=list)
    validation_scores: list = per_network(default_factory=list)
    #: Epochs run since the fit (or ``partial_fit`` call) started.
    n_iter: np.ndarray = per_network(default=None)
    #: The optimizer (a dataclass of per-network state); None: a fresh one.
    optimizer: object = per_network(default=None)
    #: Each network's source of shuffles.
    random_states: list = per_network(default=None)
    #: ``(K, n)`` sample order of the last epoch; None: in order.
    order: object = per_network(default=None)

    @classmethod
    def new(cls, params, early_stopping):
        """The state of networks that have not trained yet."""
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

    def start_call(self, random_states, *, keep_optimizer):
        """Prepare a new ``fit`` / ``partial_fit`` call, as scikit-learn does:
        the epoch count and the sample order start afresh, the optimizer only
        when not ``keep_optimizer`` (``partial_fit`` keeps it)."""
        self.n_iter = np.zeros(len(self.t), dtype=np.int64)
        self.order = None
        self.random_states = list(random_states)
        if not keep_optimizer:
            self.optimizer = None
