"""Multi-layer perceptrons whose weight initialization is a hyperparameter."""

import warnings
from dataclasses import dataclass
from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, is_classifier
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state, column_or_1d
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, validate_data

from skinit._activations_losses import accuracy_from_output, r2_from_output
from skinit._config import config_context, dispatch_config
from skinit._engine import (
    Architecture,
    StackedParameters,
    predict_output,
)
from skinit._lbfgs import check_initial_forward_pass, fit_lbfgs
from skinit._optimizers import SOLVERS
from skinit._persistence import training_state_from_dict, training_state_to_dict
from skinit._pretrained import interrupt_raises, take_pretrained
from skinit._sklearn_private import (
    Interval,
    StrOptions,
    _check_partial_fit_first_call,
    _check_sample_weight,
    _fit_context,
)
from skinit._stack import Hyperparameters, StackedData, TrainingState
from skinit._training import StochasticConfig, fit_stochastic
from skinit.initializers import (
    available_bias_initializers,
    available_initializers,
    initialize_network,
)


@dataclass
class _FitPlan:
    """A fit, ready to train: what ``_plan_fit`` prepared for the engine.

    ``config`` is None for 'lbfgs', which is never stacked: its ``params`` is
    None and its ``data`` the validated ``(X, y, sample_weight)``.
    """

    architecture: Architecture
    params: StackedParameters
    data: StackedData
    config: StochasticConfig = None
    state: TrainingState = None


def _stacked(X):
    """``X`` seen as a stack of one network's inputs, without a copy."""
    return [X] if sp.issparse(X) else X[None]


def forward_outputs(networks, X):
    """The output layers ``(K, n, n_outputs)`` of fitted networks of one
    architecture on validated ``X``, in one stacked forward pass: each
    network's is its own ``predict``'s, bit for bit (the engine computes a
    network alike in any stack)."""
    architecture = networks[0]._architecture()
    # As scikit-learn's X @ coef: float32 only if both are float32.
    dtype = np.result_type(X.dtype, networks[0].coefs_[0].dtype)
    params = StackedParameters.from_layers(
        architecture.layer_units,
        [network.coefs_ for network in networks],
        [network.intercepts_ for network in networks],
        dtype,
    )
    X = X.astype(dtype, copy=False)
    inputs = (
        [X] * len(networks)
        if sp.issparse(X)
        else np.broadcast_to(X, (len(networks), *X.shape))
    )
    return predict_output(architecture, params, inputs)


def _indicators(binarizer, y):
    """``binarizer.transform(y)`` as booleans.

    Binary and multiclass labels (each in ``binarizer.classes_``, which the
    callers check) are compared with the classes directly: the same
    indicators without ``transform``'s validation of ``y``, measured 0.66 ms
    of a 1.5 ms fit preparation on 240 labels, paid by every fit of a search.
    """
    classes = binarizer.classes_
    if binarizer.y_type_ == "binary" and len(classes) == 2:
        return (y == classes[1])[:, None]
    if binarizer.y_type_ == "multiclass":
        return y[:, None] == classes
    return binarizer.transform(y).astype(bool)


class BaseInitMLP(BaseEstimator):
    """Shared machinery of the classifier and the regressor.

    Not for direct use: use :class:`InitMLPClassifier` or
    :class:`InitMLPRegressor`.
    """

    _parameter_constraints: dict = {
        **MLPClassifier._parameter_constraints,
        "solver": [StrOptions({"lbfgs", *SOLVERS})],
        "initializer": [StrOptions(set(available_initializers())), list, callable],
        "scale": [Interval(Real, 0, None, closed="left"), StrOptions({"gain"})],
        "bias_initializer": [StrOptions(set(available_bias_initializers()))],
        "record_every": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        initializer="sklearn",
        scale=1.0,
        bias_initializer="auto",
        record_every=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.initializer = initializer
        self.scale = scale
        self.bias_initializer = bias_initializer
        self.record_every = record_every

    # ------------------------------------------------------------------ fitting
    def _layer_units(self, n_features):
        hidden = self.hidden_layer_sizes
        hidden = list(hidden) if hasattr(hidden, "__iter__") else [hidden]
        if np.any(np.array(hidden) <= 0):
            raise ValueError(f"hidden_layer_sizes must be > 0, got {hidden}.")
        return [n_features, *hidden, self.n_outputs_]

    def _architecture(self):
        units = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        return Architecture(units, self.activation, self.out_activation_)

    def _initialize(self, X, y, layer_units, random_state, sample_weight=None):
        """Draw the initial network and reset the training record."""
        self.n_iter_ = 0
        self.t_ = 0
        self.n_outputs_ = y.shape[1]
        self.n_layers_ = len(layer_units)
        self.out_activation_ = self._output_activation()
        self.coefs_, self.intercepts_ = initialize_network(
            layer_units,
            initializer=self.initializer,
            scale=self.scale,
            activation=self.activation,
            random_state=random_state,
            dtype=X.dtype,
            bias_initializer=self.bias_initializer,
            X=X,
            sample_weight=sample_weight,
        )
        if self.scale != 1:
            check_initial_forward_pass(
                self.coefs_,
                self.intercepts_,
                X,
                self.activation,
                self.out_activation_,
                self.scale,
            )
        self.init_coefs_ = [coef.copy() for coef in self.coefs_]
        self.init_intercepts_ = [intercept.copy() for intercept in self.intercepts_]
        self._training_state = None

    def _fit(self, X, y, sample_weight=None, incremental=False):
        # The setting of the process that pickled this estimator, if any,
        # applies to its next fit only.
        with config_context(**self.__dict__.pop("_dispatch_config", {})):
            return self._fit_here(X, y, sample_weight, incremental)

    def _fit_here(self, X, y, sample_weight, incremental):
        if self.record_every is None and hasattr(self, "training_record_"):
            # A record of an earlier fit would describe another model.
            del self.training_record_
        plan = self._plan_fit(X, y, sample_weight, incremental)
        if plan.config is None:
            return self._fit_lbfgs(plan.architecture, *plan.data)
        callbacks = []
        if self.record_every is not None:
            # Imported here: diagnostics cost nothing unless asked for.
            from skinit._diagnostics import _training_recorder

            recorder, self.training_record_ = _training_recorder(
                self, plan.architecture, plan.data, self.record_every
            )
            callbacks.append(recorder)
        result = fit_stochastic(
            plan.architecture,
            plan.params,
            plan.data,
            plan.config,
            Hyperparameters.from_estimators([self]),
            plan.state,
            score=self._validation_score,
            incremental=incremental,
            verbose=bool(self.verbose),
            callbacks=callbacks,
        )
        if result.interrupted:
            if interrupt_raises():
                raise KeyboardInterrupt
            # As scikit-learn: keep what was trained so far.
            warnings.warn("Training interrupted by user.", stacklevel=3)
        return self._complete_fit(
            result.fitted_params(self.early_stopping), result.state
        )

    def _fit_lbfgs(self, architecture, X, y, sample_weight):
        """Train with L-BFGS on scikit-learn's arithmetic (``skinit._lbfgs``)."""
        on_iteration = None
        if self.record_every is not None:
            on_iteration = self._lbfgs_recorder(architecture, X, y, sample_weight)
        coefs, intercepts, self.loss_, self.n_iter_ = fit_lbfgs(
            architecture,
            self.coefs_,
            self.intercepts_,
            X,
            y,
            sample_weight,
            self.alpha,
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self.tol,
            on_iteration=on_iteration,
        )
        # scipy's iterate is float64 whatever the data's dtype, as
        # scikit-learn's L-BFGS weights are.
        params = StackedParameters.from_layers(
            architecture.layer_units, [coefs], [intercepts], np.float64
        )
        return self._complete_fit(params)

    def _lbfgs_recorder(self, architecture, X, y, sample_weight):
        """``on_iteration`` for ``fit_lbfgs`` filling ``training_record_``."""
        from skinit._diagnostics import _training_recorder

        data = StackedData.from_arrays(
            _stacked(X.astype(np.float64, copy=False)),
            y.astype(np.float64)[None],
            None if sample_weight is None else sample_weight[None],
        )
        recorder, self.training_record_ = _training_recorder(
            self, architecture, data, self.record_every
        )

        def on_iteration(n_iter, coefs, intercepts):
            params = StackedParameters.from_layers(
                architecture.layer_units, [coefs], [intercepts], np.float64
            )
            # The recorder reads an epoch event's iteration count and weights.
            recorder(SimpleNamespace(n_iter=np.array([n_iter]), params=params))

        return on_iteration

    def _plan_fit(self, X, y, sample_weight, incremental):
        """Everything a fit does before training; returns a ``_FitPlan``.

        Validates the data, draws the initial network (first pass), makes the
        early-stopping split and lays the data out for the engine.  The fused
        search plans many fits this way and trains them stacked.
        """
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, y = self._validate_input(X, y, incremental, reset=first_pass)
        if not first_pass:
            # The model keeps the dtype it was first fitted in.
            X = X.astype(self.coefs_[0].dtype, copy=False)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, X)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        self.n_outputs_ = y.shape[1]
        layer_units = self._layer_units(X.shape[1])
        random_state = check_random_state(self.random_state)
        if first_pass:
            self._initialize(X, y, layer_units, random_state, sample_weight)
        else:
            # warm_start and partial_fit continue the fitted network even when
            # hidden_layer_sizes has changed since, as MLPClassifier does.
            layer_units = self._architecture().layer_units
        architecture = Architecture(layer_units, self.activation, self.out_activation_)
        if self.solver not in SOLVERS:
            # L-BFGS is never stacked: it trains on the validated data itself.
            return _FitPlan(architecture, None, (X, y, sample_weight))
        params = StackedParameters.from_layers(
            layer_units, [self.coefs_], [self.intercepts_], X.dtype
        )

        if self.early_stopping and incremental:
            raise ValueError("partial_fit does not support early_stopping=True")
        if self._training_state is None:
            self._training_state = TrainingState.new(params, self.early_stopping)
        # A new call: scikit-learn keeps the optimizer for partial_fit only.
        self._training_state.start_call([random_state], keep_optimizer=incremental)
        sample_weight_val = X_val = y_val = None
        if self.early_stopping:
            stratify = y if is_classifier(self) and self.n_outputs_ == 1 else None
            split = train_test_split(
                X,
                y,
                *([] if sample_weight is None else [sample_weight]),
                random_state=random_state,
                test_size=self.validation_fraction,
                stratify=stratify,
            )
            X, X_val, y, y_val = split[:4]
            if sample_weight is not None:
                sample_weight, sample_weight_val = split[4:]
                sample_weight_val = sample_weight_val[None]
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' "
                    "or the size of your dataset."
                )
            X_val, y_val = _stacked(X_val), y_val.astype(X.dtype)[None]
        data = StackedData.from_arrays(
            X=_stacked(X),
            y=y.astype(X.dtype)[None],
            sample_weight=None if sample_weight is None else sample_weight[None],
            X_val=X_val,
            y_val=y_val,
            sample_weight_val=sample_weight_val,
        )
        config = StochasticConfig(
            solver=self.solver,
            batch_size=self.batch_size,
            shuffle=self.shuffle,
            learning_rate=self.learning_rate,
            nesterovs_momentum=self.nesterovs_momentum,
            early_stopping=self.early_stopping,
        )
        return _FitPlan(architecture, params, data, config, self._training_state)

    def _complete_fit(self, params, state=None):
        """Store the trained network ``params`` (K = 1) and the training record.

        ``state`` is the stochastic solvers' ``TrainingState`` of this network.
        """
        if state is not None:
            self._training_state = state
            self.n_iter_ = int(state.n_iter[0])
            self.t_ = int(state.t[0])
            self.loss_curve_ = state.loss_curves[0]
            self.loss_ = self.loss_curve_[-1]
            if self.early_stopping:
                self.validation_scores_ = state.validation_scores[0]
                self.best_validation_score_ = float(state.best_validation_score[0])
                self.best_loss_ = None
            else:
                self.validation_scores_ = None
                self.best_validation_score_ = None
                self.best_loss_ = float(state.best_loss[0])
        self.coefs_, self.intercepts_ = params.network(0)
        if not np.isfinite(params.flat).all():
            message = (
                "Solver produced non-finite parameter weights. The input data may"
                " contain large values and need to be preprocessed."
            )
            if self.scale != 1:
                message += (
                    f" The initial weights were scaled by scale={self.scale!r}:"
                    " a scale nearer 1 may train."
                )
            raise ValueError(message)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values (class labels in classification, real numbers in
            regression).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The trained model.
        """
        if take_pretrained(self, X, y, sample_weight):
            return self
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    def _check_solver(self):
        if self.solver not in SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    # --------------------------------------------------------------- predicting
    def _output(self, X):
        """The output layer on ``X``, raveled for a single output."""
        y_pred = self._forward_pass_fast(X)
        return y_pred.ravel() if self.n_outputs_ == 1 else y_pred

    def _forward_pass_fast(self, X, check_input=True):
        if check_input:
            X = validate_data(
                self,
                X,
                accept_sparse=["csr", "csc"],
                dtype=(np.float64, np.float32),
                reset=False,
            )
        return forward_outputs([self], X)[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags

    # ------------------------------------------------------------- persistence
    def __getstate__(self):
        state = dict(super().__getstate__())
        if getattr(self, "_training_state", None) is not None:
            # The training state is saved as plain data, so that skops loads a
            # fitted model trusting skinit's public classes only.
            state["_training_state"] = training_state_to_dict(self._training_state)
        config = dispatch_config()
        if config is not None and not hasattr(self, "coefs_"):
            # An unfitted estimator is pickled to be fitted elsewhere, such as
            # a joblib worker of a search: it takes skinit's setting along, as
            # scikit-learn's Parallel takes scikit-learn's.
            state["_dispatch_config"] = config
        return state

    def __setstate__(self, state):
        if isinstance(state.get("_training_state"), dict):
            state = {
                **state,
                "_training_state": training_state_from_dict(state["_training_state"]),
            }
        super().__setstate__(state)


class InitMLPClassifier(ClassifierMixin, BaseInitMLP):
    """Multi-layer perceptron classifier with a searchable weight initialization.

    A drop-in replacement for :class:`sklearn.neural_network.MLPClassifier`:
    the same parameters with the same defaults, and -- with the default
    ``initializer='sklearn'`` -- the same fitted model.  Two parameters make
    the initial weights a hyperparameter (``initializer`` and ``scale``), and
    the solver ``'gd'`` adds full-batch gradient descent.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units of the ith hidden layer.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.
    solver : {'lbfgs', 'sgd', 'adam', 'gd'}, default='adam'
        The weight optimization algorithm.

        - 'lbfgs': quasi-Newton optimization (scipy's L-BFGS-B).
        - 'sgd': stochastic gradient descent.
        - 'adam': Kingma and Ba's stochastic optimizer.
        - 'gd': full-batch gradient descent, the algorithm of the deep-learning
          course.  Exactly 'sgd' with one batch holding all training samples,
          ``momentum=0`` and ``shuffle=False``: each iteration is one step on
          the whole training set, ``max_iter`` counts steps, and learning-rate
          schedules, ``tol``/``n_iter_no_change`` and ``early_stopping`` act per
          step.  ``batch_size``, ``momentum``, ``nesterovs_momentum`` and
          ``shuffle`` are ignored.
    alpha : float, default=0.0001
        Strength of the L2 penalty, divided by the sample weight sum.
    batch_size : int or 'auto', default='auto'
        Size of minibatches for 'sgd' and 'adam'; 'auto' is
        ``min(200, n_samples)``.
    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of 'sgd' and 'gd'.
    learning_rate_init : float, default=0.001
        Initial learning rate of 'sgd', 'adam' and 'gd'.
    power_t : float, default=0.5
        Exponent of the 'invscaling' schedule.
    max_iter : int, default=200
        Maximum number of epochs ('sgd', 'adam'), steps ('gd') or iterations
        ('lbfgs').
    shuffle : bool, default=True
        Whether to shuffle samples in each epoch ('sgd', 'adam').
    random_state : int, RandomState instance or None, default=None
        Determines the initial weights, the early-stopping split and the
        shuffles, drawn in this order as scikit-learn draws them.  Pass an int
        for reproducible, bit-identical results.
    tol : float, default=1e-4
        Tolerance of the optimization: training stops when the loss (or the
        validation score with ``early_stopping``) does not improve by at least
        ``tol`` for ``n_iter_no_change`` consecutive iterations.
    verbose : bool, default=False
        Whether to print progress messages.
    warm_start : bool, default=False
        Reuse the solution of the previous call to fit as initialization.
        The fitted network is continued even if ``hidden_layer_sizes`` has
        changed since, as MLPClassifier continues it.
    momentum : float, default=0.9
        Momentum of 'sgd', between 0 and 1.
    nesterovs_momentum : bool, default=True
        Whether 'sgd' uses Nesterov's momentum.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (stratified) and
        stop when its accuracy stops improving; the best weights are kept.
        Stochastic solvers only.
    validation_fraction : float, default=0.1
        Proportion of training data set aside for early stopping.
    beta_1 : float, default=0.9
        Decay rate of the first-moment estimates of 'adam', in [0, 1).
    beta_2 : float, default=0.999
        Decay rate of the second-moment estimates of 'adam', in [0, 1).
    epsilon : float, default=1e-8
        Numerical stability constant of 'adam'.
    n_iter_no_change : int, default=10
        Number of iterations without ``tol`` improvement before stopping.
    max_fun : int, default=15000
        Maximum number of loss evaluations of 'lbfgs'.
    initializer : str, list or callable, default='sklearn'
        The scheme that draws the initial weights: one of
        :func:`skinit.initializers.available_initializers` (PyTorch's and
        Keras' dense-layer schemes, the presets 'sklearn', 'torch' and
        'keras', and the data-dependent 'lsuv'); a list with one name per
        weight layer; or, for research, a callable ``(fan_in, fan_out,
        random_state, dtype) -> array of shape (fan_in, fan_out)`` (not
        grid-friendly).  The formulas are in :mod:`skinit.initializers`.
    scale : float or 'gain', default=1.0
        Non-negative factor multiplying every weight matrix the scheme draws
        (the course's "factor"); biases are not scaled.  'gain' uses the
        recommended gain of ``activation``
        (:func:`skinit.initializers.calculate_gain`).
    bias_initializer : str, default='auto'
        How the biases start, one of
        :func:`skinit.initializers.available_bias_initializers`.  'auto' is
        what the weight scheme implies: the presets 'sklearn' and 'torch' draw
        their biases, every other scheme starts them at zero.
    record_every : int or None, default=None
        Record per-layer diagnostics (see :mod:`skinit.diagnostics`) every
        ``record_every`` iterations (epochs, 'gd' steps or L-BFGS iterations)
        into ``training_record_``.  Recording never changes the fit; None (the
        default) records nothing, costs nothing and removes the record of an
        earlier fit.

    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels for each output.
    loss_ : float
        The current loss computed with the loss function.
    best_loss_ : float or None
        The minimum loss reached by the solver throughout fitting; None with
        ``early_stopping=True``.  Stochastic solvers only.
    loss_curve_ : list of shape (`n_iter_`,)
        The loss at the end of each iteration.  Stochastic solvers only.
    validation_scores_ : list of shape (`n_iter_`,) or None
        The validation accuracy at each iteration with ``early_stopping``.
    best_validation_score_ : float or None
        The best validation accuracy with ``early_stopping``.
    t_ : int
        Number of training samples seen by the solver during fitting.
    coefs_ : list of shape (n_layers - 1,)
        The ith element is the weight matrix of layer i, of shape
        ``(fan_in, fan_out)``.
    intercepts_ : list of shape (n_layers - 1,)
        The ith element is the bias vector of layer i + 1.
    init_coefs_ : list of shape (n_layers - 1,)
        The initial weight matrices, as drawn before training.
    init_intercepts_ : list of shape (n_layers - 1,)
        The initial bias vectors.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string feature names.
    n_iter_ : int
        The number of iterations the solver ran.
    n_layers_ : int
        Number of layers, input and output included.
    n_outputs_ : int
        Number of outputs.
    out_activation_ : str
        Name of the output activation function.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The estimator this one replaces.
    skinit.initializers.available_initializers : The valid ``initializer`` names.

    Notes
    -----
    Training runs on skinit's stacked engine, which trains ``K`` networks at
    once; a single fit is ``K = 1``.  Random draws happen in scikit-learn's
    order -- the initial weights layer by layer, then the early-stopping split,
    then one shuffle per epoch -- so that with ``initializer='sklearn'`` the
    fitted weights equal :class:`~sklearn.neural_network.MLPClassifier`'s to
    rounding.

    With ``initializer='normal', scale=10`` and ``random_state=3`` the initial
    weights are exactly those of the deep-learning course's notebook
    (``np.random.seed(3)`` then ``np.random.randn(n_l, n_{l-1}) * 10`` for each
    layer), transposed to ``(fan_in, fan_out)``.

    References
    ----------
    .. [1] Glorot, X. and Bengio, Y. (2010). Understanding the difficulty of
       training deep feedforward neural networks. AISTATS.
    .. [2] He, K., Zhang, X., Ren, S. and Sun, J. (2015). Delving deep into
       rectifiers. ICCV.
    .. [3] Kingma, D. P. and Ba, J. (2014). Adam: A method for stochastic
       optimization. arXiv:1412.6980.

    Examples
    --------
    >>> from skinit import InitMLPClassifier
    >>> from skinit.datasets import load_circles
    >>> X_train, y_train, X_test, y_test = load_circles()
    >>> clf = InitMLPClassifier(hidden_layer_sizes=(10, 5), initializer="he_normal",
    ...                         solver="gd", learning_rate_init=0.01, max_iter=15000,
    ...                         alpha=0, tol=0, n_iter_no_change=15000,
    ...                         random_state=3).fit(X_train, y_train)
    >>> round(clf.score(X_train, y_train), 4), clf.score(X_test, y_test)
    (0.9933, 0.96)
    """

    def _output_activation(self):
        return (
            "softmax" if self._label_binarizer.y_type_ == "multiclass" else "logistic"
        )

    def _validation_score(self, y_true, output, sample_weight):
        return accuracy_from_output(self.out_activation_, y_true, output, sample_weight)

    def _validate_input(self, X, y, incremental, reset):
        # Data holding both inf and -inf make the finiteness check's sum warn
        # before it raises its clear ValueError: the warning adds nothing.
        with np.errstate(invalid="ignore", over="ignore"):
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc"],
                multi_output=True,
                dtype=(np.float64, np.float32),
                reset=reset,
            )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        # A new label binarizer on a fresh fit; otherwise the labels must be
        # those seen before (warm start: the same set; partial_fit: a subset).
        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            self._label_binarizer = LabelBinarizer()
            self._label_binarizer.fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            elif len(np.setdiff1d(classes, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {classes}."
                )
        # bool keeps float32 data from being upcast by the targets.
        return X, _indicators(self._label_binarizer, y)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with a single iteration over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.
        classes : array of shape (n_classes,), default=None
            Classes across all calls to partial_fit; required on the first
            call.

        Returns
        -------
        self : object
            The trained model.
        """
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predict using the multi-layer perceptron classifier.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes.
        """
        check_is_fitted(self)
        return self._label_binarizer.inverse_transform(self._output(X))

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            The predicted probability of each class, in the order of
            ``classes_``.
        """
        check_is_fitted(self)
        y_pred = self._output(X)
        if y_pred.ndim == 1:
            return np.vstack([1 - y_pred, y_pred]).T
        return y_pred

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            ``log(predict_proba(X))``; a probability of exactly 0 gives -inf,
            without a warning.
        """
        check_is_fitted(self)
        y_prob = self.predict_proba(X)
        with np.errstate(divide="ignore"):
            return np.log(y_prob, out=y_prob)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class InitMLPRegressor(RegressorMixin, BaseInitMLP):
    """Multi-layer perceptron regressor with a searchable weight initialization.

    A drop-in replacement for :class:`sklearn.neural_network.MLPRegressor`:
    the same parameters with the same defaults, and -- with the default
    ``initializer='sklearn'`` -- the same fitted model.  Two parameters make
    the initial weights a hyperparameter (``initializer`` and ``scale``), and
    the solver ``'gd'`` adds full-batch gradient descent.

    Parameters
    ----------
    loss : {'squared_error', 'poisson'}, default='squared_error'
        The loss minimized, with its output activation: 'squared_error' is
        half the mean squared error (averaged over outputs) of an identity
        output; 'poisson' is half the mean Poisson deviance (summed over
        outputs) of an exponential output, for non-negative targets such as
        counts.  Halved, as in scikit-learn, so that the gradient with respect
        to the output layer's pre-activation is ``prediction - y``.
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units of the ith hidden layer.
    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.
    solver : {'lbfgs', 'sgd', 'adam', 'gd'}, default='adam'
        The weight optimization algorithm: 'lbfgs' (scipy's L-BFGS-B),
        'sgd', 'adam', or 'gd', full-batch gradient descent: 'sgd' with one
        batch of all training samples, ``momentum=0`` and ``shuffle=False``,
        each iteration one step (``max_iter`` counts steps, and schedules,
        ``tol``/``n_iter_no_change`` and ``early_stopping`` act per step;
        ``batch_size``, ``momentum``, ``nesterovs_momentum`` and ``shuffle``
        are ignored).
    alpha, batch_size, learning_rate, learning_rate_init, power_t, max_iter, \
shuffle, random_state, tol, verbose, warm_start, momentum, nesterovs_momentum
        The L2 penalty, the solvers' settings, the stopping rule and the
        random state, with the defaults and meaning they have in
        MLPRegressor; described in :class:`InitMLPClassifier`.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data and stop when
        its coefficient of determination R^2 stops improving; the best weights
        are kept.  Stochastic solvers only.
    validation_fraction, beta_1, beta_2, epsilon, n_iter_no_change, max_fun
        As in MLPRegressor; described in :class:`InitMLPClassifier`.
    initializer, scale, bias_initializer, record_every
        The initial weights and the training record, exactly as in
        :class:`InitMLPClassifier`: the scheme drawing each weight matrix
        (default 'sklearn', scikit-learn's own), the factor multiplying the
        drawn weights (default 1.0, or 'gain'), how the biases start
        (default 'auto') and the diagnostics recording period (default None,
        nothing recorded).

    Attributes
    ----------
    loss_ : float
        The current loss computed with the loss function.
    validation_scores_ : list of shape (`n_iter_`,) or None
        The validation R^2 at each iteration with ``early_stopping``.
    best_validation_score_ : float or None
        The best validation R^2 with ``early_stopping``.
    best_loss_, loss_curve_, t_, coefs_, intercepts_, init_coefs_, \
init_intercepts_, n_features_in_, feature_names_in_, n_iter_, n_layers_, \
n_outputs_
        The training record, the weights (fitted and initial) and the
        shapes seen in ``fit``, as in :class:`InitMLPClassifier`.
    out_activation_ : str
        Name of the output activation function: 'identity' for
        ``loss='squared_error'``, 'exp' for ``loss='poisson'``.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The estimator this one replaces.
    InitMLPClassifier : The classifier counterpart.
    skinit.initializers.available_initializers : The valid ``initializer`` names.

    Notes
    -----
    The classifier's engine and draw order serve the regressor unchanged:
    with ``initializer='sklearn'`` its fit is MLPRegressor's to rounding
    (see the user guide's regression page).  Unlike MLPRegressor,
    ``loss='poisson'`` rejects negative targets (their deviance is undefined:
    scikit-learn trains on a NaN loss), and ``partial_fit`` is unavailable
    with ``solver='lbfgs'``, as in MLPClassifier.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skinit import InitMLPRegressor
    >>> X, y = make_friedman1(n_samples=200, random_state=0)
    >>> reg = InitMLPRegressor(hidden_layer_sizes=(32, 32), initializer="he_normal",
    ...                        learning_rate_init=0.01, max_iter=1000,
    ...                        random_state=0).fit(X[:150], y[:150])
    >>> reg.n_iter_ < 1000  # converged
    True
    >>> reg.predict(X[150:152]).shape
    (2,)
    >>> round(reg.score(X[150:], y[150:]), 2)  # R^2 on held-out data
    0.79
    """

    _parameter_constraints: dict = {
        **BaseInitMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        initializer="sklearn",
        scale=1.0,
        bias_initializer="auto",
        record_every=None,
    ):
        super().__init__(
            hidden_layer_sizes=hidden_layer_sizes,
            activation=activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
            initializer=initializer,
            scale=scale,
            bias_initializer=bias_initializer,
            record_every=record_every,
        )
        self.loss = loss

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _validation_score(self, y_true, output, sample_weight):
        return r2_from_output(y_true, output, sample_weight)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if self.loss == "poisson" and (y < 0).any():
            raise ValueError(
                "Some value(s) of y are negative which is not allowed for "
                "Poisson regression."
            )
        return X, y

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with a single iteration over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        self : object
            The trained model.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def predict(self, X):
        """Predict using the multi-layer perceptron regressor.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values: one column per output, raveled for a single
            output.
        """
        check_is_fitted(self)
        return self._output(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The Poisson deviance is defined for non-negative targets only.
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags
