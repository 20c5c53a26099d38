"""Per-layer diagnostics of an MLP: the measurements.

Public through :mod:`skinit.diagnostics`, where the statistics are defined.
This module measures and never plots: the Displays in :mod:`skinit._plot`
read what it computes.
"""


from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.utils import check_consistent_length, column_or_1d
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from skinit._engine import (
    Architecture,
    StackedParameters,
    Workspace,
    forward,
    loss_and_gradient,
    matmul_layout,
)
from skinit._sklearn_private import _check_sample_weight, check_pandas_support
from skinit._stack import StackedData, make_inputs

__all__ = [
    "SATURATED_SAMPLES",
    "SATURATION_LEVEL",
    "DiagnosticReport",
    "TrainingRecord",
    "diagnose",
    "initial_network",
]

#: A tanh value beyond ``±SATURATION_LEVEL``, or a logistic / softmax value
#: outside ``[1 - SATURATION_LEVEL, SATURATION_LEVEL]``, is in the flat part.
SATURATION_LEVEL = 0.99
#: A unit is saturated when it is in the flat part on at least this fraction
#: of the samples.
SATURATED_SAMPLES = 0.99

#: Per-layer statistics: arrays of shape (n_layers - 1,), layer 1 first.
LAYER_STATISTICS = (
    "preactivation_mean",
    "preactivation_std",
    "activation_std",
    "dead_fraction",
    "saturated_fraction",
    "gradient_norm",
    "coef_norm",
    "gradient_ratio",
)
#: Whole-network statistics: floats.
NETWORK_STATISTICS = (
    "loss",
    "output_std",
    "output_min",
    "output_max",
    "output_saturated_fraction",
)

#: Plain-language names, for tables and plot labels.
STATISTIC_LABELS = {
    "preactivation_mean": "pre-activation mean",
    "preactivation_std": "pre-activation std",
    "activation_std": "activation std",
    "dead_fraction": "fraction of dead units",
    "saturated_fraction": "fraction of saturated units",
    "gradient_norm": "gradient norm ||dL/dW||",
    "coef_norm": "weight norm ||W||",
    "gradient_ratio": "||dL/dW|| / ||W||",
    "loss": "loss",
    "output_std": "output probability std",
    "output_min": "output probability min",
    "output_max": "output probability max",
    "output_saturated_fraction": "fraction of saturated outputs",
}
# A regressor's output is a prediction in target units, not a probability.
_REGRESSION_OUTPUT_LABELS = {
    "output_std": "output std (target units)",
    "output_min": "output min (target units)",
    "output_max": "output max (target units)",
}
_PROBABILITY_OUTPUTS = ("logistic", "softmax")


def _statistic_label(name, output_activation):
    """The plain-language name of a statistic of a network with this output."""
    if output_activation not in _PROBABILITY_OUTPUTS:
        return _REGRESSION_OUTPUT_LABELS.get(name, STATISTIC_LABELS[name])
    return STATISTIC_LABELS[name]


# ----------------------------------------------------------------- statistics
def _saturated(activation, values):
    """Boolean mask of the entries in the flat part of ``activation``, or None."""
    if activation == "tanh":
        return np.abs(values) > SATURATION_LEVEL
    if activation in ("logistic", "softmax"):
        return (values < 1 - SATURATION_LEVEL) | (values > SATURATION_LEVEL)
    return None


def _network_statistics(architecture, params, data, alpha):
    """Every statistic of ``K`` stacked networks on their training data.

    The loss and gradient are the engine's (:func:`loss_and_gradient`); the
    activations are those of the engine's forward pass, and the
    pre-activations of layer ``l`` the engine's forward pass through that one
    layer, with the identity as activation, from the activations of layer
    ``l - 1``.

    Parameters
    ----------
    architecture : Architecture
    params : StackedParameters
        The ``K`` networks; not modified.
    data : StackedData
        Their training samples, as the engine lays them out.
    alpha : float
        L2 penalty, as the estimator's ``alpha``.

    Returns
    -------
    statistics : dict
        Per-layer statistics as arrays of shape (K, n_layers - 1) and network
        statistics as arrays of shape (K,).
    """
    units = architecture.layer_units
    n_networks, n_samples = params.flat.shape[0], data.n_samples
    dtype = params.flat.dtype
    sample_weight = data.sample_weight
    if sample_weight is None:
        weight_sum = np.full((n_networks, 1), n_samples, dtype=dtype)
    else:
        weight_sum = np.add.reduce(sample_weight, axis=1)[:, None]
    # As the solver does: no penalty term at all when alpha is 0.
    penalty = None if alpha == 0 else np.full(n_networks, alpha, dtype=float)
    n_layers = len(units) - 1
    stats = {name: np.full((n_networks, n_layers), np.nan) for name in LAYER_STATISTICS}
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        grads = StackedParameters(units, np.empty_like(params.flat))
        loss = loss_and_gradient(
            architecture,
            params,
            data.X,
            data.y,
            sample_weight,
            weight_sum,
            penalty,
            Workspace(units, n_networks, n_samples, dtype),
            grads,
        )
        workspace = Workspace(units, n_networks, n_samples, dtype)
        forward(architecture, params, data.X, workspace)
        # Per-network views of the unit-major activations: (K, units, n_samples).
        activations = [matmul_layout(signal) for signal in workspace.outputs]
        for i in range(n_layers):
            layer_input = (
                data.X
                if i == 0
                else make_inputs(activations[i - 1].transpose(0, 2, 1))
            )
            single_units = [units[i], units[i + 1]]
            single = StackedParameters.from_layers(
                single_units,
                [[coef] for coef in params.coefs[i]],
                [[intercept] for intercept in params.intercepts[i]],
                dtype,
            )
            z = matmul_layout(
                forward(
                    Architecture(single_units, "identity", "identity"),
                    single,
                    layer_input,
                    Workspace(single_units, n_networks, n_samples, dtype),
                )
            )
            a = activations[i]
            activation = (
                architecture.output_activation
                if i == n_layers - 1
                else architecture.hidden_activation
            )
            stats["preactivation_mean"][:, i] = z.mean(axis=(1, 2))
            stats["preactivation_std"][:, i] = z.std(axis=(1, 2))
            stats["activation_std"][:, i] = a.std(axis=(1, 2))
            if activation == "relu":
                dead = ~(a > 0).any(axis=2)
                stats["dead_fraction"][:, i] = dead.mean(axis=1)
            saturated = _saturated(activation, a)
            if saturated is not None:
                unit_saturated = saturated.mean(axis=2) >= SATURATED_SAMPLES
                stats["saturated_fraction"][:, i] = unit_saturated.mean(axis=1)
            stats["gradient_norm"][:, i] = np.linalg.norm(grads.coefs[i], axis=(1, 2))
            stats["coef_norm"][:, i] = np.linalg.norm(params.coefs[i], axis=(1, 2))
        stats["gradient_ratio"] = stats["gradient_norm"] / stats["coef_norm"]
        output = activations[-1]
        stats["loss"] = np.asarray(loss, dtype=float)
        stats["output_std"] = output.std(axis=(1, 2))
        stats["output_min"] = output.min(axis=(1, 2))
        stats["output_max"] = output.max(axis=(1, 2))
        saturated = _saturated(architecture.output_activation, output)
        if saturated is None:
            stats["output_saturated_fraction"] = np.full(n_networks, np.nan)
        else:
            stats["output_saturated_fraction"] = saturated.all(axis=1).mean(axis=1)
    return {name: np.asarray(value, dtype=float) for name, value in stats.items()}


# --------------------------------------------------------------------- report
def _network_title(layer_units, hidden_activation, output_activation):
    """E.g. ``'2-10-5-1 network (relu hidden, logistic output)'``."""
    architecture = "-".join(str(units) for units in layer_units)
    return (
        f"{architecture} network ({hidden_activation} hidden, "
        f"{output_activation} output)"
    )


def _layer_names(n_layers, output_separator=" "):
    """``'1'``, ``'2'``, ..., the last one ``'L (output)'``."""
    return [str(i) for i in range(1, n_layers)] + [
        f"{n_layers}{output_separator}(output)"
    ]


def _format_value(value, percent=False):
    if np.isnan(value):
        return "-"
    if percent:
        return f"{100 * value:.0f}%"
    return f"{value:.3g}"


def _table(header, rows):
    """Right-aligned text table."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = [
        "  ".join(str(cell).rjust(width) for cell, width in zip(row, widths))
        for row in [header, *rows]
    ]
    return "\n".join(lines)


@dataclass
class DiagnosticReport:
    """Per-layer statistics of one network on one data set.

    Made by :func:`diagnose`, and by the training record
    (:class:`TrainingRecord`) of an estimator fitted with ``record_every``.
    Layer ``l`` (1-based) is the weight matrix ``coefs_[l - 1]`` and the units
    it feeds; the last layer is the output layer.  ``print(report)`` shows a
    table; :meth:`to_frame` gives the per-layer statistics as a DataFrame.
    See :mod:`skinit.diagnostics` for the definitions.

    Parameters
    ----------
    layer_units : list of int
        Units of every layer, input and output included.
    hidden_activation : str
        Activation of the hidden layers.
    output_activation : str
        Activation of the output layer.
    n_samples : int
        Number of samples the statistics were measured on.
    stage : {'init', 'fitted', 'training'}
        Which weights: the initial ones, the fitted ones, or those recorded
        during training.
    iteration : int or None
        Iterations of training the weights have had (0 at initialization).
    preactivation_mean, preactivation_std : ndarray of shape (n_layers - 1,)
        Mean and standard deviation of ``z_l = a_{l-1} W_l + b_l`` over the
        samples and units of layer ``l``.
    activation_std : ndarray of shape (n_layers - 1,)
        Standard deviation of ``a_l = f(z_l)`` over samples and units.
    dead_fraction : ndarray of shape (n_layers - 1,)
        Fraction of the layer's ReLU units that are 0 on every sample; NaN
        unless the layer is ReLU.
    saturated_fraction : ndarray of shape (n_layers - 1,)
        Fraction of the layer's logistic / tanh / softmax units saturated on
        at least 99 % of the samples; NaN for ReLU and identity layers.
    gradient_norm : ndarray of shape (n_layers - 1,)
        Frobenius norm of the gradient of the loss with respect to ``W_l``.
    coef_norm : ndarray of shape (n_layers - 1,)
        Frobenius norm of ``W_l``.
    gradient_ratio : ndarray of shape (n_layers - 1,)
        ``gradient_norm / coef_norm`` (inf or NaN for an all-zero ``W_l``).
    loss : float
        The training loss of these weights (penalty included), as the solver
        computes it.
    output_std, output_min, output_max : float
        Spread of the output layer's values: the predicted probabilities of a
        classifier, the predictions of a regressor (in target units).
    output_saturated_fraction : float
        Fraction of the samples whose output probabilities are all outside
        ``[0.01, 0.99]``; NaN for a regressor's identity or exp output.

    See Also
    --------
    diagnose : Measure a report.
    TrainingRecord : Reports recorded during training.

    Examples
    --------
    >>> from skinit import InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> from skinit.diagnostics import diagnose
    >>> X, y, _, _ = load_circles()
    >>> clf = InitMLPClassifier(hidden_layer_sizes=(10, 5), initializer="normal",
    ...                         scale=10, random_state=3)
    >>> report = diagnose(clf, X, y, at="init")
    >>> report.layer_units
    [2, 10, 5, 1]
    >>> report.activation_std.shape
    (3,)
    >>> print(report)  # doctest: +ELLIPSIS
    2-10-5-1 network (relu hidden, logistic output), initial weights, 300 samples
    loss ...
    layer  units  pre-act mean  pre-act std  act std  dead  saturated  ||dL/dW||...
    """

    layer_units: list
    hidden_activation: str
    output_activation: str
    n_samples: int
    stage: str
    iteration: int | None
    preactivation_mean: np.ndarray
    preactivation_std: np.ndarray
    activation_std: np.ndarray
    dead_fraction: np.ndarray
    saturated_fraction: np.ndarray
    gradient_norm: np.ndarray
    coef_norm: np.ndarray
    gradient_ratio: np.ndarray
    loss: float
    output_std: float
    output_min: float
    output_max: float
    output_saturated_fraction: float

    @classmethod
    def _measure(cls, architecture, params, data, alpha, stage, iteration):
        """The report of the one network ``params`` on its training ``data``.

        The arguments are those of :func:`_network_statistics`, with ``K = 1``.
        """
        statistics = _network_statistics(architecture, params, data, alpha)
        values = {name: statistics[name][0].copy() for name in LAYER_STATISTICS}
        values.update({name: float(statistics[name][0]) for name in NETWORK_STATISTICS})
        return cls(
            layer_units=list(architecture.layer_units),
            hidden_activation=architecture.hidden_activation,
            output_activation=architecture.output_activation,
            n_samples=int(data.n_samples),
            stage=stage,
            iteration=iteration,
            **values,
        )

    @property
    def layer_names(self):
        """Labels of the layers: ``'1'``, ``'2'``, ..., the last one ``'L (output)'``.

        Returns
        -------
        names : list of str
        """
        return _layer_names(len(self.layer_units) - 1)

    def __str__(self):
        stage = {
            "init": "initial weights",
            "fitted": f"fitted weights ({self.iteration} iterations)",
            "training": f"weights at iteration {self.iteration}",
        }.get(self.stage, self.stage)
        network = _network_title(
            self.layer_units, self.hidden_activation, self.output_activation
        )
        title = f"{network}, {stage}, {self.n_samples} samples"
        spread = (
            f"std {self.output_std:.3g}, min {self.output_min:.3g}, "
            f"max {self.output_max:.3g}"
        )
        if self.output_activation in _PROBABILITY_OUTPUTS:
            summary = (
                f"loss {self.loss:.4g}; output probability {spread}, saturated on "
                f"{_format_value(self.output_saturated_fraction, percent=True)} "
                "of the samples"
            )
        else:
            summary = f"loss {self.loss:.4g}; output {spread} (target units)"
        header = [
            "layer",
            "units",
            "pre-act mean",
            "pre-act std",
            "act std",
            "dead",
            "saturated",
            "||dL/dW||",
            "||W||",
            "ratio",
        ]
        rows = []
        for i, name in enumerate(self.layer_names):
            rows.append(
                [
                    name,
                    self.layer_units[i + 1],
                    _format_value(self.preactivation_mean[i]),
                    _format_value(self.preactivation_std[i]),
                    _format_value(self.activation_std[i]),
                    _format_value(self.dead_fraction[i], percent=True),
                    _format_value(self.saturated_fraction[i], percent=True),
                    _format_value(self.gradient_norm[i]),
                    _format_value(self.coef_norm[i]),
                    _format_value(self.gradient_ratio[i]),
                ]
            )
        # Left-align the layer names.
        width = max(len(row[0]) for row in [header, *rows])
        header[0] = header[0].ljust(width)
        for row in rows:
            row[0] = row[0].ljust(width)
        return f"{title}\n{summary}\n{_table(header, rows)}"

    def to_frame(self):
        """The per-layer statistics as a DataFrame, one row per layer.

        The network statistics (``loss``, ``output_*``) are attributes of the
        report, not columns.

        Returns
        -------
        frame : pandas.DataFrame
            Indexed by ``layer`` (1, 2, ...), with the columns ``units`` and
            the per-layer statistics (``preactivation_mean``,
            ``preactivation_std``, ``activation_std``, ``dead_fraction``,
            ``saturated_fraction``, ``gradient_norm``, ``coef_norm``,
            ``gradient_ratio``).

        Raises
        ------
        ImportError
            If pandas is not installed.

        Examples
        --------
        >>> from skinit import InitMLPClassifier
        >>> from skinit.datasets import load_circles
        >>> from skinit.diagnostics import diagnose
        >>> X, y, _, _ = load_circles()
        >>> clf = InitMLPClassifier(hidden_layer_sizes=(10, 5), random_state=0)
        >>> frame = diagnose(clf, X, y, at="init").to_frame()
        >>> frame.shape
        (3, 9)
        """
        pd = check_pandas_support(f"{type(self).__name__}.to_frame")
        n_layers = len(self.layer_units) - 1
        frame = pd.DataFrame(
            {
                "units": self.layer_units[1:],
                **{name: getattr(self, name) for name in LAYER_STATISTICS},
            },
            index=pd.RangeIndex(1, n_layers + 1, name="layer"),
        )
        return frame


# ------------------------------------------------------------------ recording
@dataclass
class TrainingRecord:
    """Diagnostics recorded during training, every ``every`` iterations.

    The ``training_record_`` attribute of an estimator fitted with
    ``record_every=every`` and a stochastic solver ('sgd', 'adam', 'gd').  It
    holds one :class:`DiagnosticReport` per recorded iteration, measured on the
    training data of the fit (the training part with ``early_stopping``):

    - iteration 0: the weights the call to ``fit`` starts from (the initial
      weights, or the previous weights with ``warm_start``), recorded when
      training starts;
    - iterations ``every``, ``2 * every``, ...: the weights after that many
      iterations (epochs; steps with ``solver='gd'``) of this call.  The last
      iteration is recorded only if it is a multiple of ``every``.

    With ``solver='gd'`` and no early stopping, the loss recorded at iteration
    ``t`` is ``loss_curve_[t]``: ``loss_curve_`` holds the loss *before* each
    step.  Recording never changes the fit.  Each ``partial_fit`` call starts a
    new record (iterations 0 and, if ``every`` is 1, 1).

    Parameters
    ----------
    layer_units : list of int
        Units of every layer, input and output included.
    hidden_activation, output_activation : str
        Activations of the hidden and output layers.
    every : int
        Recording period, in iterations.
    reports : list of DiagnosticReport
        The recorded reports, by increasing iteration; filled during training.

    Attributes
    ----------
    iterations : ndarray of shape (n_records,)
        The recorded iterations.
    preactivation_mean, preactivation_std, activation_std, dead_fraction, \
saturated_fraction, gradient_norm, coef_norm, gradient_ratio : \
ndarray of shape (n_records, n_layers - 1)
        The per-layer statistics of :class:`DiagnosticReport`, one row per
        recorded iteration.
    loss, output_std, output_min, output_max, output_saturated_fraction : \
ndarray of shape (n_records,)
        The network statistics, one per recorded iteration.

    See Also
    --------
    DiagnosticReport : The statistics of one iteration.
    TrainingRecordDisplay : Plot a statistic over training.

    Examples
    --------
    >>> from skinit import InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> X, y, _, _ = load_circles()
    >>> clf = InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd",
    ...                         learning_rate_init=0.01, max_iter=100, tol=0,
    ...                         initializer="he_normal", record_every=25,
    ...                         random_state=3)
    >>> record = clf.fit(X, y).training_record_
    >>> record.iterations
    array([  0,  25,  50,  75, 100])
    >>> record.gradient_norm.shape
    (5, 3)
    >>> bool(record.loss[0] == clf.loss_curve_[0])
    True
    """

    layer_units: list
    hidden_activation: str
    output_activation: str
    every: int
    reports: list = field(default_factory=list)

    def __len__(self):
        return len(self.reports)

    def __getitem__(self, index):
        return self.reports[index]

    @property
    def iterations(self):
        """The recorded iterations, one per report."""
        return np.array([report.iteration for report in self.reports], dtype=np.int64)

    def _stack(self, name):
        if name in LAYER_STATISTICS:
            n_layers = len(self.layer_units) - 1
            values = [getattr(report, name) for report in self.reports]
            return np.array(values, dtype=float).reshape(len(values), n_layers)
        return np.array([getattr(report, name) for report in self.reports], dtype=float)

    def __str__(self, max_rows=12):
        n_layers = len(self.layer_units) - 1
        network = _network_title(
            self.layer_units, self.hidden_activation, self.output_activation
        )
        title = (
            f"Training record of a {network}: "
            f"{len(self)} records, every {self.every} iterations"
        )
        header = ["iteration", "loss"]
        header += [f"||dL/dW_{i}||" for i in range(1, n_layers + 1)]
        header += ["output std"]
        rows = [
            [report.iteration, _format_value(report.loss)]
            + [_format_value(value) for value in report.gradient_norm]
            + [_format_value(report.output_std)]
            for report in self.reports
        ]
        if len(rows) > max_rows:
            half = max_rows // 2
            rows = rows[:half] + [["..."] * len(header)] + rows[-half:]
        return f"{title}\n{_table(header, rows)}"

    def to_frame(self):
        """All recorded statistics as a long DataFrame.

        Returns
        -------
        frame : pandas.DataFrame
            One row per (recorded iteration, layer), indexed by the MultiIndex
            ``(iteration, layer)``, with the columns ``units``, the per-layer
            statistics, then the network statistics (``loss``,
            ``output_std``, ...), repeated on every layer's row.

        Raises
        ------
        ImportError
            If pandas is not installed.
        """
        pd = check_pandas_support(f"{type(self).__name__}.to_frame")
        frames = []
        for report in self.reports:
            frame = report.to_frame()
            for name in NETWORK_STATISTICS:
                frame[name] = getattr(report, name)
            frame["iteration"] = report.iteration
            frames.append(frame.reset_index())
        columns = ["iteration", "layer", "units"]
        columns += [*LAYER_STATISTICS, *NETWORK_STATISTICS]
        if not frames:
            return pd.DataFrame(columns=columns).set_index(["iteration", "layer"])
        return pd.concat(frames, ignore_index=True)[columns].set_index(
            ["iteration", "layer"]
        )


def _stacked_statistic(name):
    def getter(self):
        return self._stack(name)

    getter.__doc__ = f"{STATISTIC_LABELS[name].capitalize()}, one row per record."
    return property(getter)


for _name in LAYER_STATISTICS + NETWORK_STATISTICS:
    setattr(TrainingRecord, _name, _stacked_statistic(_name))
del _name


def _training_recorder(estimator, architecture, data, every):
    """A callback for ``fit_stochastic`` and the record it fills.

    Records, for a single fit (``K = 1``), the statistics of the weights the
    fit starts from (iteration 0, measured now from ``estimator.coefs_`` /
    ``intercepts_``) and of the weights after every ``every``-th iteration.
    The callback only reads the parameters it is given, with its own buffers.

    Parameters
    ----------
    estimator : InitMLPClassifier or InitMLPRegressor
        The estimator being fitted; its ``coefs_`` / ``intercepts_`` are the
        starting weights and its ``alpha`` the L2 penalty.
    architecture : Architecture
    data : StackedData
        The training data of the one network.
    every : int
        Recording period, in iterations.

    Returns
    -------
    callback : callable
        ``callback(event)`` with an :class:`~skinit._training.EpochEvent`.
    record : TrainingRecord
        Filled in place by ``callback``.
    """
    n_networks = data.X.n_networks
    if n_networks != 1:
        raise ValueError(f"A training record is for one network; got {n_networks}.")
    record = TrainingRecord(
        layer_units=list(architecture.layer_units),
        hidden_activation=architecture.hidden_activation,
        output_activation=architecture.output_activation,
        every=int(every),
    )
    alpha = float(estimator.alpha)

    def measure(params, iteration):
        record.reports.append(
            DiagnosticReport._measure(
                architecture, params, data, alpha, "training", iteration
            )
        )

    start = StackedParameters.from_layers(
        architecture.layer_units,
        [estimator.coefs_],
        [estimator.intercepts_],
        estimator.coefs_[0].dtype,
    )
    measure(start, 0)

    def callback(event):
        n_iter = int(event.n_iter[0])
        if n_iter % every == 0:
            measure(event.params, n_iter)

    return callback, record


# ------------------------------------------------------------------ functions
def initial_network(estimator, X, y):
    """The network a configuration starts from on given data, untrained.

    Runs the first part of ``fit`` on a clone of ``estimator`` -- parameter
    and data validation (and a classifier's label binarization), then the
    estimator's own
    initialization from ``check_random_state(random_state)`` -- and stops
    before training.  The weights are therefore exactly those ``fit`` starts
    from: ``initial_network(est, X, y).coefs_`` equals
    ``clone(est).fit(X, y).init_coefs_``.

    Parameters
    ----------
    estimator : InitMLPClassifier or InitMLPRegressor
        The configuration; it is cloned, never modified (a ``RandomState``
        instance given as ``random_state`` is copied, not advanced).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Training data.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target labels (classifier) or values (regressor).

    Returns
    -------
    network : InitMLPClassifier or InitMLPRegressor
        A clone whose ``coefs_`` and ``intercepts_`` (and ``init_coefs_``,
        ``init_intercepts_``) are the initial weights, with ``n_iter_ = 0``.
        It predicts, but has no ``loss_curve_``.

    Examples
    --------
    >>> import numpy as np
    >>> from skinit import InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> from skinit.diagnostics import initial_network
    >>> X, y, _, _ = load_circles()
    >>> clf = InitMLPClassifier(hidden_layer_sizes=(10, 5), initializer="normal",
    ...                         scale=10, random_state=3)
    >>> net = initial_network(clf, X, y)
    >>> [coef.shape for coef in net.coefs_]
    [(2, 10), (10, 5), (5, 1)]
    >>> # numpy's global generator seeded 3, as in the course's notebook:
    >>> np.random.seed(3)
    >>> bool(np.array_equal(net.coefs_[0], np.random.randn(10, 2).T * 10))
    True
    """
    network = clone(estimator)
    network._validate_params()
    # The fit's own preparation, which draws the initial network; no training.
    network._plan_fit(X, y, None, incremental=False)
    return network


def _prepared_data(estimator, X, y, sample_weight, dtype):
    """The samples as the engine takes them, for one network."""
    X = validate_data(
        estimator, X, accept_sparse=["csr", "csc"], dtype=dtype, reset=False
    )
    binarizer = getattr(estimator, "_label_binarizer", None)
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y)
    check_consistent_length(X, y)
    if binarizer is not None and binarizer.y_type_ != "multilabel-indicator":
        # A label the network has no output for has no loss: the binarizer
        # would silently encode it as no class at all.
        classes = unique_labels(y)
        if len(np.setdiff1d(classes, estimator.classes_)):
            raise ValueError(
                "`y` has classes not in `self.classes_`. "
                f"`self.classes_` has {estimator.classes_}. 'y' has {classes}."
            )
    Y = y if binarizer is None else binarizer.transform(y)
    Y = np.asarray(Y, dtype=dtype)
    if Y.ndim == 1:
        Y = Y.reshape(-1, 1)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, X, dtype=dtype)[None]
    return StackedData.from_arrays(
        [X] if sp.issparse(X) else X[None], Y[None], sample_weight
    )


def _is_fitted(estimator):
    return hasattr(estimator, "coefs_")


def _network_and_inputs(estimator, X, y):
    """The network ``diagnose`` measures and ``X`` as that network sees it.

    A Pipeline is replaced by its final step, with ``X`` transformed through
    the steps before it (fitted on ``(X, y)`` first, as ``fit`` would, when
    the pipeline is not fitted).
    """
    if isinstance(estimator, Pipeline):
        network = estimator.steps[-1][1]
        if len(estimator.steps) > 1 and _is_network(network):
            preprocessing = estimator[:-1]
            if _is_fitted(network):
                X = preprocessing.transform(X)
            else:
                X = clone(preprocessing).fit_transform(X, y)
        estimator = network
    if not _is_network(estimator):
        raise TypeError(
            "diagnose takes an InitMLPClassifier or InitMLPRegressor (fitted or "
            "not), a fitted MLPClassifier or MLPRegressor, or a Pipeline ending "
            f"in one of them; got {estimator!r}."
        )
    return estimator, X


def _is_network(estimator):
    # skinit's estimators are known by the fit preparation the measurements
    # use (``_plan_fit``), not by their class: importing skinit._mlp here
    # would close an import circle (it imports this module's recorder).
    return callable(getattr(estimator, "_plan_fit", None)) or (
        isinstance(estimator, MLPClassifier | MLPRegressor) and _is_fitted(estimator)
    )


def diagnose(estimator, X, y, *, at="auto", sample_weight=None):
    """Per-layer diagnostics of a network on data (X, y).

    Measures how the signal propagates forward (pre-activation mean and std,
    activation std, dead ReLU and saturated logistic / tanh units, spread of
    the output probabilities or, for a regressor, of the predictions) and
    how the error propagates backward (loss, gradient norm of each weight
    matrix and its ratio to the weight norm).
    See :mod:`skinit.diagnostics` for the definitions.

    Parameters
    ----------
    estimator : InitMLPClassifier, InitMLPRegressor or Pipeline
        A fitted estimator, or only a configuration (unfitted) whose initial
        network on (X, y) is diagnosed (see :func:`initial_network`).  A
        fitted scikit-learn ``MLPClassifier`` or ``MLPRegressor`` works too
        with ``at='fitted'``.  A Pipeline ending in one of them is diagnosed
        on ``X`` transformed by its other steps (fitted on ``(X, y)`` first if
        the pipeline is not).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        The data the statistics are measured on: the training data to see
        what the solver sees.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Target labels (classifier) or values (regressor) of ``X``, for the
        loss and the gradients.
    at : {'auto', 'init', 'fitted'}, default='auto'
        Which weights: 'init' the initial ones (``init_coefs_`` of a fitted
        estimator, else those :func:`initial_network` draws), 'fitted' the
        fitted ones (``coefs_``), 'auto' the fitted ones if the estimator is
        fitted, else the initial ones.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights of the loss and gradients (the other statistics are
        unweighted).

    Returns
    -------
    report : DiagnosticReport
        The statistics; ``print(report)`` shows them as a table.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        With ``at='fitted'`` and an unfitted estimator.
    TypeError
        For any other estimator (an unfitted MLPClassifier included).
    ValueError
        For X and y of different lengths, X with another number of features
        than the network's, or labels the fitted network has no output for.

    See Also
    --------
    initial_network : The initial network of a configuration, untrained.
    LayerStatisticsDisplay : Plot per-layer statistics of several networks.

    Examples
    --------
    The course's 2-10-5-1 ReLU network, with weights ``N(0, 1)`` times 0.01
    and times 10, before training:

    >>> from skinit import InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> from skinit.diagnostics import diagnose
    >>> X, y, _, _ = load_circles()
    >>> def config(scale):
    ...     return InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd",
    ...                              initializer="normal", scale=scale,
    ...                              random_state=3)
    >>> small = diagnose(config(0.01), X, y, at="init")
    >>> large = diagnose(config(10), X, y, at="init")
    >>> # The signal shrinks (x0.01) or grows (x10) at every layer...
    >>> bool((small.activation_std < 0.01).all()), bool(large.activation_std[1] > 10)
    (True, True)
    >>> # ... so the output is 0.5 everywhere (loss log 2), or saturated at 0 or 1
    >>> round(small.loss, 4), bool(small.output_std < 1e-5)
    (0.6931, True)
    >>> large.output_saturated_fraction
    1.0
    """
    if at not in ("auto", "init", "fitted"):
        raise ValueError(f"at must be 'auto', 'init' or 'fitted'; got {at!r}.")
    estimator, X = _network_and_inputs(estimator, X, y)
    if at == "auto":
        at = "fitted" if _is_fitted(estimator) else "init"
    if at == "fitted":
        check_is_fitted(estimator, "coefs_")
        coefs, intercepts = estimator.coefs_, estimator.intercepts_
        iteration = getattr(estimator, "n_iter_", None)
    elif _is_fitted(estimator):
        if not hasattr(estimator, "init_coefs_"):
            raise ValueError(
                f"{type(estimator).__name__} does not keep its initial weights "
                "(init_coefs_); diagnose an unfitted configuration instead."
            )
        coefs, intercepts = estimator.init_coefs_, estimator.init_intercepts_
        iteration = 0
    else:
        estimator = initial_network(estimator, X, y)
        coefs, intercepts = estimator.coefs_, estimator.intercepts_
        iteration = 0
    dtype = coefs[0].dtype
    units = [coefs[0].shape[0]] + [coef.shape[1] for coef in coefs]
    architecture = Architecture(units, estimator.activation, estimator.out_activation_)
    params = StackedParameters.from_layers(units, [coefs], [intercepts], dtype)
    data = _prepared_data(estimator, X, y, sample_weight, dtype)
    return DiagnosticReport._measure(
        architecture,
        params,
        data,
        float(estimator.alpha),
        at,
        None if iteration is None else int(iteration),
    )
