"""Plots of the diagnostics, in scikit-learn's Display style.

Public through :mod:`skinit.diagnostics`.  Each Display stores the numbers it
plots, draws them with :meth:`plot`, and is built from estimators with the
class methods ``from_estimator`` / ``from_estimators``; after plotting it has
the attributes ``figure_``, ``ax_`` and ``lines_``.  matplotlib is imported
only when plotting and is an optional dependency: ``pip install skinit[plot]``.
"""

import numpy as np

from skinit._diagnostics import (
    LAYER_STATISTICS,
    NETWORK_STATISTICS,
    STATISTIC_LABELS,
    _layer_names,
    _statistic_label,
    diagnose,
)
from skinit._sklearn_private import check_matplotlib_support

__all__ = [
    "LayerStatisticsDisplay",
    "LossCurveDisplay",
    "SearchLearningCurvesDisplay",
    "TrainingRecordDisplay",
]


def _check_matplotlib_support(caller_name):
    """Raise an ImportError that says how to install skinit's plotting extra."""
    try:
        check_matplotlib_support(caller_name)
    except ImportError as exc:
        raise ImportError(
            f"{caller_name} requires matplotlib. Install it with "
            "`pip install skinit[plot]` (or `pip install matplotlib`)."
        ) from exc


def _estimator_name(estimator):
    """A short label of an estimator's initialization, e.g. ``'normal x10'``."""
    initializer = getattr(estimator, "initializer", None)
    if initializer is None:
        return type(estimator).__name__
    if not isinstance(initializer, str):
        initializer = getattr(initializer, "__name__", type(initializer).__name__)
    scale = getattr(estimator, "scale", 1.0)
    if isinstance(scale, str):
        return f"{initializer} ({scale})"
    return initializer if scale == 1 else f"{initializer} x{scale:g}"


def _checked_names(names, n_items):
    """``names`` as a list of one name per item; None stays None."""
    if names is None:
        return None
    names = list(names)
    if len(names) != n_items:
        raise ValueError(f"Got {len(names)} names for {n_items} items.")
    return names


def _check_statistic(name, known, kind="statistic"):
    if name not in known:
        raise ValueError(f"Unknown {kind} {name!r}; choose from {', '.join(known)}.")


_STOCHASTIC_SOLVER = "a stochastic solver ('gd', 'sgd' or 'adam')"


def _fitted_attribute(estimator, attribute, how_to_fit):
    """``estimator.<attribute>``, or a ValueError that says how to fit for it."""
    value = getattr(estimator, attribute, None)
    if value is None:
        raise ValueError(
            f"{type(estimator).__name__} has no {attribute}: fit it with {how_to_fit}."
        )
    return value


def _training_record(estimator):
    return _fitted_attribute(
        estimator, "training_record_", f"record_every set and {_STOCHASTIC_SOLVER}"
    )


def _loss_curve(estimator):
    return _fitted_attribute(estimator, "loss_curve_", _STOCHASTIC_SOLVER)


def _axes(ax, n_panels, *, sharey=False, panel_size=(4.5, 3.6)):
    """``n_panels`` Axes: new ones in a row, or those of ``ax`` (flattened)."""
    import matplotlib.pyplot as plt

    if ax is None:
        figure, ax = plt.subplots(
            1,
            n_panels,
            figsize=(panel_size[0] * n_panels, panel_size[1]),
            sharey=sharey,
            squeeze=False,
            layout="constrained",
        )
    axes = np.empty(np.size(ax), dtype=object)
    axes[:] = list(np.ravel(np.asarray(ax, dtype=object)))
    if len(axes) != n_panels:
        raise ValueError(f"Expected {n_panels} Axes, got {len(axes)}.")
    return axes


class _Display:
    """The Displays' shared building from estimators and plot attributes."""

    @classmethod
    def _from_estimators(cls, estimators, plotted_data, names, ax, plot_kw, **init_kw):
        """Plot ``plotted_data(estimator)`` of each estimator.

        The names default to each estimator's initialization; ``init_kw`` are
        further arguments of the Display, ``plot_kw`` those of :meth:`plot`.
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimators")
        estimators = list(estimators)
        # Checked here too, before measuring the estimators: that may be slow.
        names = _checked_names(names, len(estimators))
        if names is None:
            names = [_estimator_name(estimator) for estimator in estimators]
        data = [plotted_data(estimator) for estimator in estimators]
        return cls(data, names=names, **init_kw).plot(ax=ax, **plot_kw)

    def _plotted(self, lines, axes):
        """Set ``lines_``, ``ax_`` and ``figure_``, and return the Display.

        ``ax_`` is an Axes for a single panel, else the array, as
        ``plt.subplots`` squeezes.
        """
        self.lines_ = lines
        self.ax_ = axes[0] if len(axes) == 1 else axes
        self.figure_ = axes[0].figure
        return self


class LayerStatisticsDisplay(_Display):
    """Per-layer statistics of several networks, side by side.

    One panel per statistic (by default the activation std and the gradient
    norm ``||dL/dW_l||``), with the layers on the x-axis and one line per
    network, on a log scale: a signal that shrinks or grows geometrically
    from layer to layer is a straight line.

    Build it with :meth:`from_estimators` (or :meth:`from_estimator`), or from
    reports of :func:`skinit.diagnostics.diagnose`, then call :meth:`plot`.

    Parameters
    ----------
    reports : list of DiagnosticReport
        The statistics of each network.
    names : list of str, default=None
        The legend label of each network; by default ``report i``.

    Attributes
    ----------
    lines_ : ndarray of matplotlib Line2D of shape (n_statistics, n_reports)
        The lines, one per statistic and network.
    ax_ : matplotlib Axes or ndarray of Axes
        The panels: one Axes if one statistic is plotted, else an array with
        one per statistic.
    figure_ : matplotlib Figure
        The figure of the panels.

    See Also
    --------
    skinit.diagnostics.diagnose : The statistics plotted.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skinit import InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> from skinit.diagnostics import LayerStatisticsDisplay
    >>> X, y, _, _ = load_circles()
    >>> configs = [InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd",
    ...                              initializer="normal", scale=scale,
    ...                              random_state=3) for scale in (0.01, 1, 10)]
    >>> display = LayerStatisticsDisplay.from_estimators(configs, X, y, at="init")
    >>> display.lines_.shape
    (2, 3)
    >>> display.ax_[1].get_ylabel()
    'gradient norm ||dL/dW||'
    """

    def __init__(self, reports, *, names=None):
        self.reports = list(reports)
        if names is None:
            names = [f"report {i}" for i in range(len(self.reports))]
        self.names = _checked_names(names, len(self.reports))

    def plot(
        self,
        ax=None,
        *,
        statistics=("activation_std", "gradient_norm"),
        yscale="log",
        line_kw=None,
    ):
        """Plot the statistics.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per statistic; by default a new figure with a row of
            panels and the legend to their right.  With ``ax`` given, the
            legend is in the first panel.
        statistics : str or tuple of str, default=("activation_std", \
"gradient_norm")
            Per-layer statistics of
            :class:`~skinit.diagnostics.DiagnosticReport`, one panel each.
        yscale : str, default="log"
            Scale of the y-axes ('log', 'linear', 'symlog', ...).  Zero values
            are not drawn on a log scale.
        line_kw : dict, default=None
            Keyword arguments of ``Axes.plot``.

        Returns
        -------
        display : LayerStatisticsDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        statistics = (statistics,) if isinstance(statistics, str) else tuple(statistics)
        for name in statistics:
            _check_statistic(name, LAYER_STATISTICS, kind="per-layer statistic")
        line_kw = {"marker": "o", **(line_kw or {})}
        axes = _axes(ax, len(statistics))
        lines = np.empty((len(statistics), len(self.reports)), dtype=object)
        for j, (name, axis) in enumerate(zip(statistics, axes)):
            n_layers = 0
            for k, (report, label) in enumerate(zip(self.reports, self.names)):
                values = getattr(report, name)
                n_layers = max(n_layers, len(values))
                layers = np.arange(1, len(values) + 1)
                (lines[j, k],) = axis.plot(layers, values, label=label, **line_kw)
            axis.set(yscale=yscale, xlabel="layer", ylabel=STATISTIC_LABELS[name])
            ticks = np.arange(1, n_layers + 1)
            axis.set_xticks(ticks, _layer_names(n_layers, output_separator="\n"))
        if ax is None:
            # A new figure: the legend goes to its right, off the lines.
            axes[0].figure.legend(handles=list(lines[0]), loc="outside right upper")
        else:
            axes[0].legend()
        return self._plotted(lines, axes)

    @classmethod
    def from_estimator(
        cls, estimator, X, y, *, at="auto", name=None, ax=None, **kwargs
    ):
        """Plot the per-layer statistics of one estimator.

        Parameters
        ----------
        estimator : InitMLPClassifier or InitMLPRegressor
            Fitted, or only a configuration (see
            :func:`skinit.diagnostics.diagnose`).
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data the statistics are measured on.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its targets.
        at : {'auto', 'init', 'fitted'}, default='auto'
            Which weights, as in :func:`skinit.diagnostics.diagnose`.
        name : str, default=None
            Legend label; by default the initializer and scale.
        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per statistic.
        **kwargs : dict
            Keyword arguments of :meth:`plot`.

        Returns
        -------
        display : LayerStatisticsDisplay
        """
        return cls.from_estimators(
            [estimator],
            X,
            y,
            at=at,
            names=None if name is None else [name],
            ax=ax,
            **kwargs,
        )

    @classmethod
    def from_estimators(
        cls, estimators, X, y, *, at="auto", names=None, ax=None, **kwargs
    ):
        """Plot the per-layer statistics of several estimators side by side.

        Parameters
        ----------
        estimators : list of InitMLPClassifier or InitMLPRegressor
            Fitted, or only configurations (see
            :func:`skinit.diagnostics.diagnose`).
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The data the statistics are measured on.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its targets.
        at : {'auto', 'init', 'fitted'}, default='auto'
            Which weights, as in :func:`skinit.diagnostics.diagnose`.
        names : list of str, default=None
            Legend labels; by default each initializer and scale.
        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per statistic.
        **kwargs : dict
            Keyword arguments of :meth:`plot` (``statistics``, ``yscale``,
            ``line_kw``).

        Returns
        -------
        display : LayerStatisticsDisplay
        """
        return cls._from_estimators(
            estimators,
            lambda estimator: diagnose(estimator, X, y, at=at),
            names,
            ax,
            kwargs,
        )


class TrainingRecordDisplay(_Display):
    """A diagnostic statistic over training, one line per layer.

    Plots a statistic of the ``training_record_`` of estimators fitted with
    ``record_every`` -- by default the gradient norm ``||dL/dW_l||`` of each
    layer -- against the iteration, one panel per estimator (sharing the
    y-axis), on a log scale.

    Parameters
    ----------
    records : list of TrainingRecord
        The records to plot.
    names : list of str, default=None
        The title of each panel; by default none.
    statistic : str, default="gradient_norm"
        A statistic of :class:`~skinit.diagnostics.TrainingRecord`: a
        per-layer one (one line per layer) or a network one such as ``'loss'``
        (one line).

    Attributes
    ----------
    lines_ : ndarray of matplotlib Line2D of shape (n_records, n_lines)
        The lines of each panel (``n_lines`` is the number of layers for a
        per-layer statistic, else 1).
    ax_ : matplotlib Axes or ndarray of Axes
        The panels: one Axes for a single record, else an array.
    figure_ : matplotlib Figure
        The figure of the panels.

    See Also
    --------
    LossCurveDisplay : Loss curves of several estimators.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skinit import InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> from skinit.diagnostics import TrainingRecordDisplay
    >>> X, y, _, _ = load_circles()
    >>> clf = InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd", tol=0,
    ...                         learning_rate_init=0.01, max_iter=200,
    ...                         initializer="he_normal", record_every=10,
    ...                         random_state=3).fit(X, y)
    >>> display = TrainingRecordDisplay.from_estimator(clf)
    >>> len(display.ax_.get_lines())
    3
    >>> display.ax_.get_xlabel()
    'iteration'
    """

    def __init__(self, records, *, names=None, statistic="gradient_norm"):
        self.records = list(records)
        self.names = _checked_names(names, len(self.records))
        self.statistic = statistic

    def plot(self, ax=None, *, yscale="log", line_kw=None):
        """Plot the statistic over training.

        Parameters
        ----------
        ax : matplotlib Axes or array-like of Axes, default=None
            One Axes per record; by default a new figure with a row of panels
            sharing the y-axis.
        yscale : str, default="log"
            Scale of the y-axes.
        line_kw : dict, default=None
            Keyword arguments of ``Axes.plot``.

        Returns
        -------
        display : TrainingRecordDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        name = self.statistic
        _check_statistic(name, LAYER_STATISTICS + NETWORK_STATISTICS)
        per_layer = name in LAYER_STATISTICS
        axes = _axes(ax, len(self.records), sharey=True)
        n_lines = max(
            (len(rec.layer_units) - 1 if per_layer else 1 for rec in self.records),
            default=0,
        )
        lines = np.full((len(self.records), n_lines), None, dtype=object)
        line_kw = line_kw or {}
        for k, (record, axis) in enumerate(zip(self.records, axes)):
            values = getattr(record, name)
            if per_layer:
                layer_names = _layer_names(values.shape[1])
                for layer, layer_name in enumerate(layer_names):
                    (lines[k, layer],) = axis.plot(
                        record.iterations,
                        values[:, layer],
                        label=f"layer {layer_name}",
                        **line_kw,
                    )
                if k == 0:
                    axis.legend()
            else:
                (lines[k, 0],) = axis.plot(
                    record.iterations, values, label=name, **line_kw
                )
            ylabel = _statistic_label(name, record.output_activation)
            axis.set(yscale=yscale, xlabel="iteration", ylabel=ylabel)
            if self.names is not None:
                axis.set_title(self.names[k])
        return self._plotted(lines, axes)

    @classmethod
    def from_estimator(
        cls, estimator, *, statistic="gradient_norm", name=None, ax=None, **kwargs
    ):
        """Plot a statistic of one estimator's training record.

        Parameters
        ----------
        estimator : InitMLPClassifier or InitMLPRegressor
            Fitted with ``record_every``.
        statistic : str, default="gradient_norm"
            The statistic, see :class:`TrainingRecordDisplay`.
        name : str, default=None
            Title of the panel; none by default.
        ax : matplotlib Axes, default=None
            Where to plot; by default a new figure.
        **kwargs : dict
            Keyword arguments of :meth:`plot` (``yscale``, ``line_kw``).

        Returns
        -------
        display : TrainingRecordDisplay
        """
        _check_matplotlib_support(f"{cls.__name__}.from_estimator")
        # Not through from_estimators: a single panel has no title by default.
        display = cls(
            [_training_record(estimator)],
            names=None if name is None else [name],
            statistic=statistic,
        )
        return display.plot(ax=ax, **kwargs)

    @classmethod
    def from_estimators(
        cls, estimators, *, statistic="gradient_norm", names=None, ax=None, **kwargs
    ):
        """Plot a statistic of several training records, one panel each.

        Parameters
        ----------
        estimators : list of InitMLPClassifier or InitMLPRegressor
            Fitted with ``record_every``.
        statistic : str, default="gradient_norm"
            The statistic, see :class:`TrainingRecordDisplay`.
        names : list of str, default=None
            Panel titles; by default each initializer and scale.
        ax : array-like of matplotlib Axes, default=None
            One Axes per estimator; by default a new figure.
        **kwargs : dict
            Keyword arguments of :meth:`plot` (``yscale``, ``line_kw``).

        Returns
        -------
        display : TrainingRecordDisplay
        """
        return cls._from_estimators(
            estimators, _training_record, names, ax, kwargs, statistic=statistic
        )


class LossCurveDisplay(_Display):
    """Training loss curves of several estimators on one Axes.

    Plots each estimator's ``loss_curve_`` (the loss at each iteration of a
    stochastic solver) against the iteration, on a log scale by default.

    Parameters
    ----------
    loss_curves : list of array-like
        The loss of each iteration, one curve per estimator.
    names : list of str, default=None
        The legend labels; by default ``curve i``.

    Attributes
    ----------
    lines_ : ndarray of matplotlib Line2D of shape (n_curves,)
        One line per curve.
    ax_ : matplotlib Axes
        The Axes plotted on.
    figure_ : matplotlib Figure
        Its figure.

    See Also
    --------
    TrainingRecordDisplay : Other statistics over training.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skinit import InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> from skinit.diagnostics import LossCurveDisplay
    >>> X, y, _, _ = load_circles()
    >>> fitted = [InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd", tol=0,
    ...                             learning_rate_init=0.01, max_iter=100,
    ...                             initializer=initializer,
    ...                             random_state=3).fit(X, y)
    ...           for initializer in ("he_normal", "glorot_uniform")]
    >>> display = LossCurveDisplay.from_estimators(fitted)
    >>> [line.get_label() for line in display.lines_]
    ['he_normal', 'glorot_uniform']
    """

    def __init__(self, loss_curves, *, names=None):
        self.loss_curves = [np.asarray(curve, dtype=float) for curve in loss_curves]
        if names is None:
            names = [f"curve {i}" for i in range(len(self.loss_curves))]
        self.names = _checked_names(names, len(self.loss_curves))

    def plot(self, ax=None, *, yscale="log", line_kw=None):
        """Plot the loss curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to plot; by default a new figure.
        yscale : str, default="log"
            Scale of the y-axis.
        line_kw : dict, default=None
            Keyword arguments of ``Axes.plot``.

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``lines_``, ``ax_`` and ``figure_`` set.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        axes = _axes(ax, 1, panel_size=(6, 4))
        axis = axes[0]
        lines = np.empty(len(self.loss_curves), dtype=object)
        for k, (curve, name) in enumerate(zip(self.loss_curves, self.names)):
            (lines[k],) = axis.plot(
                np.arange(1, len(curve) + 1), curve, label=name, **(line_kw or {})
            )
        axis.set(yscale=yscale, xlabel="iteration", ylabel="training loss")
        axis.legend()
        return self._plotted(lines, axes)

    @classmethod
    def from_estimator(cls, estimator, *, name=None, ax=None, **kwargs):
        """Plot the loss curve of one fitted estimator.

        Parameters
        ----------
        estimator : InitMLPClassifier or InitMLPRegressor
            Fitted with a stochastic solver ('gd', 'sgd' or 'adam').
        name : str, default=None
            Legend label; by default the initializer and scale.
        ax : matplotlib Axes, default=None
            Where to plot; by default a new figure.
        **kwargs : dict
            Keyword arguments of :meth:`plot` (``yscale``, ``line_kw``).

        Returns
        -------
        display : LossCurveDisplay
        """
        return cls.from_estimators(
            [estimator], names=None if name is None else [name], ax=ax, **kwargs
        )

    @classmethod
    def from_estimators(cls, estimators, *, names=None, ax=None, **kwargs):
        """Plot the loss curves of several fitted estimators.

        Parameters
        ----------
        estimators : list of InitMLPClassifier or InitMLPRegressor
            Fitted with a stochastic solver ('gd', 'sgd' or 'adam').
        names : list of str, default=None
            Legend labels; by default each initializer and scale.
        ax : matplotlib Axes, default=None
            Where to plot; by default a new figure.
        **kwargs : dict
            Keyword arguments of :meth:`plot` (``yscale``, ``line_kw``).

        Returns
        -------
        display : LossCurveDisplay
        """
        return cls._from_estimators(estimators, _loss_curve, names, ax, kwargs)


def _fold_band(curves, band):
    """Mean over folds of curves of different lengths, and a band around it.

    The curves are padded with NaN to the longest; at each iteration the mean
    (and the band: min-max, or mean +- std) is taken over the folds that
    reached it.  Computed without ``nanmean``, which warns at an iteration no
    fold reached with a finite value.
    """
    length = max(len(curve) for curve in curves)
    padded = np.full((len(curves), length), np.nan)
    for row, curve in zip(padded, curves):
        row[: len(curve)] = curve
    present = ~np.isnan(padded)
    counts = present.sum(axis=0)
    mean = np.divide(
        np.where(present, padded, 0.0).sum(axis=0),
        counts,
        out=np.full(length, np.nan),
        where=counts > 0,
    )
    if band == "minmax":
        return mean, np.fmin.reduce(padded, axis=0), np.fmax.reduce(padded, axis=0)
    squares = np.where(present, (padded - mean) ** 2, 0.0).sum(axis=0)
    std = np.sqrt(
        np.divide(squares, counts, out=np.full(length, np.nan), where=counts > 0)
    )
    return mean, mean - std, mean + std


def _candidate_rows(search):
    """The rows of ``cv_results_`` to plot: all of them, or for a halving
    search each candidate's last rung (its curves extend the earlier ones)."""
    params = search.cv_results_["params"]
    resource = getattr(search, "resource", None)
    if "iter" not in search.cv_results_ or resource is None:
        return list(range(len(params)))
    last = {}
    for row, candidate in enumerate(params):
        key = repr(sorted((k, repr(v)) for k, v in candidate.items() if k != resource))
        last[key] = row
    return sorted(last.values())


def _candidate_name(params, resource=None):
    """``'initializer=he_normal, scale=0.1'`` (the resource left out)."""
    return ", ".join(
        f"{name.rsplit('__', 1)[-1]}={value:g}"
        if isinstance(value, float)
        else f"{name.rsplit('__', 1)[-1]}={value}"
        for name, value in params.items()
        if name != resource
    )


class SearchLearningCurvesDisplay(_Display):
    """Learning curves of a search's candidates: mean over folds, with a band.

    One line per candidate, the mean over its cross-validation folds of the
    training loss (or of the validation score, with early stopping) at each
    iteration, with a shaded band (min-max or +- one standard deviation over
    the folds).  Folds that stopped early are left out where they have no
    value.  The best candidate is drawn thicker.

    Parameters
    ----------
    curves : list of list of array-like
        For each candidate, the curve of each of its folds.
    names : list of str, default=None
        The legend labels; by default ``candidate i``.
    best : int, default=None
        Position in ``curves`` of the candidate to highlight.
    ylabel : str, default="training loss"
        Label of the y-axis.

    Attributes
    ----------
    lines_ : ndarray of matplotlib Line2D of shape (n_candidates,)
        The mean curve of each candidate.
    bands_ : ndarray of matplotlib PolyCollection of shape (n_candidates,)
        The band of each candidate.
    ax_ : matplotlib Axes
        The Axes plotted on.
    figure_ : matplotlib Figure
        Its figure.

    See Also
    --------
    LossCurveDisplay : Loss curves of fitted estimators.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skinit import InitHalvingSearchCV, InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> from skinit.diagnostics import SearchLearningCurvesDisplay
    >>> X, y, _, _ = load_circles()
    >>> search = InitHalvingSearchCV(
    ...     InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="gd", tol=0,
    ...                       learning_rate_init=0.1, random_state=3),
    ...     {"scale": [0.1, 1.0, 3.0]}, resource="max_iter",
    ...     min_resources=50, max_resources=200, factor=2, cv=3).fit(X, y)
    >>> display = SearchLearningCurvesDisplay.from_search(search)
    >>> [line.get_label() for line in display.lines_]
    ['scale=0.1', 'scale=1', 'scale=3 (best)']
    >>> [len(line.get_xdata()) for line in display.lines_]
    [50, 100, 100]
    """

    def __init__(self, curves, *, names=None, best=None, ylabel="training loss"):
        self.curves = [
            [np.asarray(curve, dtype=float) for curve in folds] for folds in curves
        ]
        if names is None:
            names = [f"candidate {i}" for i in range(len(self.curves))]
        self.names = _checked_names(names, len(self.curves))
        self.best = best
        self.ylabel = ylabel

    def plot(self, ax=None, *, band="minmax", yscale="log", line_kw=None, band_kw=None):
        """Plot each candidate's mean curve and band.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Where to plot; by default a new figure.
        band : {"minmax", "std"}, default="minmax"
            The band over the folds: their range, or the mean +- one standard
            deviation.
        yscale : str, default="log"
            Scale of the y-axis.
        line_kw : dict, default=None
            Keyword arguments of ``Axes.plot``.
        band_kw : dict, default=None
            Keyword arguments of ``Axes.fill_between``.

        Returns
        -------
        display : SearchLearningCurvesDisplay
            The display, with ``lines_``, ``bands_``, ``ax_`` and ``figure_``.
        """
        _check_matplotlib_support(f"{type(self).__name__}.plot")
        _check_statistic(band, ("minmax", "std"), kind="band")
        axes = _axes(ax, 1, panel_size=(6, 4))
        axis = axes[0]
        lines = np.empty(len(self.curves), dtype=object)
        bands = np.empty(len(self.curves), dtype=object)
        for k, (folds, name) in enumerate(zip(self.curves, self.names)):
            mean, low, high = _fold_band(folds, band)
            iterations = np.arange(1, len(mean) + 1)
            best = k == self.best
            style = {"linewidth": 2.5, "zorder": 3} if best else {"linewidth": 1.2}
            (lines[k],) = axis.plot(
                iterations,
                mean,
                label=f"{name} (best)" if best else name,
                **{**style, **(line_kw or {})},
            )
            bands[k] = axis.fill_between(
                iterations,
                low,
                high,
                color=lines[k].get_color(),
                **{"alpha": 0.25 if best else 0.12, "linewidth": 0, **(band_kw or {})},
            )
        axis.set(yscale=yscale, xlabel="iteration", ylabel=self.ylabel)
        axis.legend(fontsize="small")
        self.bands_ = bands
        return self._plotted(lines, axes)

    @classmethod
    def from_search(
        cls, search, *, curve="loss", candidates=None, names=None, ax=None, **kwargs
    ):
        """Plot the learning curves a fitted fused search recorded.

        Parameters
        ----------
        search : InitSearchCV, InitRandomizedSearchCV, InitHalvingSearchCV or \
InitHalvingRandomSearchCV
            A fitted fused search (its ``loss_curves_`` and
            ``validation_score_curves_``).
        curve : {"loss", "validation_score"}, default="loss"
            The training loss, or the validation score (early stopping).
        candidates : array-like of int, default=None
            Rows of ``cv_results_`` to plot; by default all of them, or for
            a halving search each candidate's last rung.  Rows without curves
            (L-BFGS fits, failed fits) are left out.
        names : list of str, default=None
            Legend labels, one per plotted row; by default the parameters.
        ax : matplotlib Axes, default=None
            Where to plot; by default a new figure.
        **kwargs : dict
            Keyword arguments of :meth:`plot` (``band``, ``yscale``,
            ``line_kw``, ``band_kw``).

        Returns
        -------
        display : SearchLearningCurvesDisplay
        """
        _check_matplotlib_support(f"{cls.__name__}.from_search")
        _check_statistic(curve, ("loss", "validation_score"), kind="curve")
        all_curves = _fitted_attribute(
            search, f"{curve}_curves_", "a fused search's fit (InitSearchCV, ...)"
        )
        if all_curves is None:
            raise ValueError(f"{type(search).__name__} recorded no learning curves.")
        rows = _candidate_rows(search) if candidates is None else list(candidates)
        rows = [row for row in rows if any(c is not None for c in all_curves[row])]
        if not rows:
            raise ValueError(
                f"No {curve} curves to plot: "
                + (
                    "fit with early_stopping=True."
                    if curve == "validation_score"
                    else "fit with a stochastic solver ('gd', 'sgd' or 'adam')."
                )
            )
        names = _checked_names(names, len(rows))
        if names is None:
            params = search.cv_results_["params"]
            resource = getattr(search, "resource", None)
            names = [_candidate_name(params[row], resource) for row in rows]
        best = getattr(search, "best_index_", None)
        display = cls(
            [[c for c in all_curves[row] if c is not None] for row in rows],
            names=names,
            best=rows.index(best) if best in rows else None,
            ylabel="training loss" if curve == "loss" else "validation score",
        )
        if curve == "validation_score":
            kwargs.setdefault("yscale", "linear")
        return display.plot(ax=ax, **kwargs)
