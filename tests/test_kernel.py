"""The compiled kernel (``skinit[fast]``) against the numpy engine, and the
``kernel`` configuration switch."""

import pickle
import subprocess
import sys
import warnings
from functools import partial

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

import skinit
import skinit._kernel
from skinit import InitMLPClassifier, InitMLPRegressor, InitSearchCV
from skinit._config import (
    _INITIAL_CONFIG,
    _initial_config,
    numba_available,
    with_config,
)
from skinit._engine import Architecture, StackedParameters, n_parameters
from skinit._kernel import NumpyKernel, select_kernel
from skinit._optimizers import SOLVERS as SOLVER_REGISTRY
from skinit._stack import Hyperparameters, StackedData, TrainingState
from skinit._training import Stack, StochasticConfig, batches
from skinit.datasets import load_circles
from skinit.initializers import initialize

# Short fits that stop at max_iter on purpose.
pytestmark = pytest.mark.filterwarnings(
    "ignore::sklearn.exceptions.ConvergenceWarning"
)

needs_numba = pytest.mark.skipif(
    not numba_available(), reason="the compiled kernel needs numba (skinit[fast])"
)


OUTPUTS = {
    # name: (output activation, number of outputs)
    "binary": ("logistic", 1),
    "multilabel": ("logistic", 2),
    "softmax": ("softmax", 3),
    "squared-error": ("identity", 2),
    "poisson": ("exp", 1),
}

SOLVERS = {
    "gd": dict(solver="gd"),
    "sgd-nesterov": dict(solver="sgd", nesterovs_momentum=True),
    "sgd-momentum": dict(solver="sgd", nesterovs_momentum=False),
    "adam": dict(solver="adam"),
}


def _random_stack(output, hidden, dtype, weighted, penalized, seed=0):
    rng = np.random.default_rng(seed)
    activation, n_outputs = OUTPUTS[output]
    n_networks, n_samples = 3, 37
    units = [4, 6, 5, n_outputs]
    X = rng.normal(size=(n_networks, n_samples, units[0])).astype(dtype)
    shape = (n_networks, n_samples, n_outputs)
    if activation == "softmax":
        y = np.eye(n_outputs)[rng.integers(0, n_outputs, shape[:2])]
    elif activation == "identity":
        y = rng.normal(size=shape)
    elif activation == "exp":
        y = rng.poisson(1.5, size=shape)
    else:
        y = rng.integers(0, 2, shape)
    weight = rng.uniform(0.5, 2, (n_networks, n_samples)).astype(dtype)
    data = StackedData.from_arrays(
        X, y.astype(dtype), weight if weighted else None
    )
    architecture = Architecture(units, hidden, activation)
    # Small enough that exp outputs stay moderate.
    flat = 0.5 * rng.normal(size=(n_networks, n_parameters(units)))
    flat = flat.astype(dtype)
    hyper = Hyperparameters(
        alpha=np.array([1e-2, 0.0, 3e-3]) if penalized else np.zeros(n_networks),
        learning_rate_init=np.array([0.05, 0.01, 0.002]),
        power_t=np.full(n_networks, 0.5),
        momentum=np.array([0.9, 0.5, 0.0]),
        beta_1=np.array([0.9, 0.8, 0.95]),
        beta_2=np.array([0.999, 0.99, 0.9999]),
        epsilon=np.array([1e-8, 1e-6, 1e-7]),
        tol=np.full(n_networks, 1e-4),
        n_iter_no_change=np.full(n_networks, 10.0),
        max_iter=np.full(n_networks, 10.0),
    )
    return architecture, flat, data, hyper


def _make_stack(architecture, flat, data, hyper, config):
    n_networks = flat.shape[0]
    params = StackedParameters(architecture.layer_units, flat.copy())
    state = TrainingState.new(params, early_stopping=False)
    state.optimizer = SOLVER_REGISTRY[config.solver].make_optimizer(
        config, hyper, architecture.n_params, flat.dtype
    )
    return Stack(np.arange(n_networks), params, data, hyper, state)


def _train_both(architecture, flat, data, hyper, solver_options, n_epochs):
    """The same epochs through the numpy kernel and the compiled one."""
    from skinit._numba_kernel import NumbaKernel

    config = StochasticConfig(batch_size=10, **solver_options)
    n_samples = data.n_samples
    epoch_batches = batches(config, n_samples)
    runs = []
    for kernel in (NumpyKernel(), NumbaKernel()):
        assert kernel.supports(architecture, config, data)
        stack = _make_stack(architecture, flat, data, hyper, config)
        order_rng = np.random.default_rng(1)
        losses = []
        for _ in range(n_epochs):
            if not SOLVER_REGISTRY[config.solver].full_batch:
                stack.state.order = np.stack(
                    [order_rng.permutation(n_samples) for _ in range(len(flat))]
                )
            losses.append(kernel.run_epoch(architecture, stack, epoch_batches))
            stack.state.optimizer.iteration_ends(len(losses) * n_samples)
        runs.append((stack.params.flat, np.array(losses), stack.state.optimizer))
    return runs


@needs_numba
@pytest.mark.parametrize("output", OUTPUTS)
@pytest.mark.parametrize("hidden", ["identity", "logistic", "tanh", "relu"])
@pytest.mark.parametrize("solver", SOLVERS)
def test_kernel_epoch_equals_numpy_float64(output, hidden, solver):
    weighted, penalized = hidden in ("tanh", "relu"), hidden in ("logistic", "relu")
    stack = _random_stack(output, hidden, np.float64, weighted, penalized)
    (numpy_flat, numpy_loss, numpy_opt), (numba_flat, numba_loss, numba_opt) = (
        _train_both(*stack, SOLVERS[solver], n_epochs=4)
    )
    # Only the summation order differs: a few units in the last place.
    assert_allclose(numba_flat, numpy_flat, rtol=0, atol=1e-13)
    assert_allclose(numba_loss, numpy_loss, rtol=1e-13)
    assert numba_loss.dtype == numpy_loss.dtype
    if solver == "adam":
        assert_array_equal(numba_opt.t, numpy_opt.t)
        assert_allclose(numba_opt.learning_rate, numpy_opt.learning_rate, rtol=1e-15)
        assert_allclose(numba_opt.first_moment, numpy_opt.first_moment, atol=1e-13)
        assert_allclose(numba_opt.second_moment, numpy_opt.second_moment, atol=1e-13)
    elif numpy_opt.velocity is not None:
        assert_allclose(numba_opt.velocity, numpy_opt.velocity, atol=1e-13)


@needs_numba
@pytest.mark.parametrize("output", ["binary", "softmax", "squared-error", "poisson"])
@pytest.mark.parametrize("solver", ["gd", "adam"])
def test_kernel_epoch_keeps_float32(output, solver):
    stack = _random_stack(output, "relu", np.float32, True, True)
    (numpy_flat, numpy_loss, _), (numba_flat, numba_loss, _) = _train_both(
        *stack, SOLVERS[solver], n_epochs=4
    )
    assert numba_flat.dtype == np.float32 and numba_loss.dtype == np.float32
    assert_allclose(numba_flat, numpy_flat, rtol=0, atol=1e-5)
    # The kernel's sigmoid is float64 rounded to float32, numpy's float32
    # throughout: near saturation one float32 ulp of p moves log(1 - p) by
    # ~5 %, so the loss agrees less closely than the weights.
    assert_allclose(numba_loss, numpy_loss, rtol=1e-4)


@needs_numba
def test_kernel_follows_invscaling_rates_set_between_epochs():
    stack = _random_stack("binary", "relu", np.float64, False, False)
    options = dict(solver="sgd", learning_rate="invscaling")
    (numpy_flat, numpy_loss, _), (numba_flat, numba_loss, _) = _train_both(
        *stack, options, n_epochs=4
    )
    assert_allclose(numba_flat, numpy_flat, rtol=0, atol=1e-13)
    assert_allclose(numba_loss, numpy_loss, rtol=1e-13)


# ---------------------------------------------------------------- the switch


@pytest.fixture
def restore_config():
    previous = skinit.get_config()
    yield
    skinit.set_config(**previous)


def test_config_defaults_set_and_context(restore_config):
    # 'auto' unless the environment variable says otherwise (see below).
    initial = skinit.get_config()["kernel"]
    assert set(skinit.get_config()) == {"kernel"}
    skinit.set_config(kernel="numpy")
    assert skinit.get_config()["kernel"] == "numpy"
    with skinit.config_context(kernel="auto"):
        assert skinit.get_config()["kernel"] == "auto"
    assert skinit.get_config()["kernel"] == "numpy"
    # None leaves the value as it is.
    skinit.set_config(kernel=None)
    assert skinit.get_config()["kernel"] == "numpy"
    skinit.set_config(kernel=initial)
    assert skinit.get_config()["kernel"] == initial


def test_config_context_restores_after_an_error(restore_config):
    skinit.set_config(kernel="auto")
    with pytest.raises(RuntimeError, match="inside"):
        with skinit.config_context(kernel="numpy"):
            raise RuntimeError("inside")
    assert skinit.get_config()["kernel"] == "auto"


@pytest.mark.parametrize("value", ["fast", 1, "NUMPY"])
def test_config_rejects_unknown_kernels(value, restore_config):
    skinit.set_config(kernel="auto")
    with pytest.raises(InvalidParameterError, match="'kernel' parameter of set_config"):
        skinit.set_config(kernel=value)
    with pytest.raises(InvalidParameterError, match="config_context"):
        with skinit.config_context(kernel=value):
            pass
    assert skinit.get_config()["kernel"] == "auto"


def _run_without_numba(code):
    """Run ``code`` in a fresh interpreter on this tree, numba unimportable
    as when it is not installed (a None entry in ``sys.modules``)."""
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(skinit.__file__)), env.get("PYTHONPATH", "")]
    )
    env.pop("SKINIT_KERNEL", None)
    code = "import sys; sys.modules['numba'] = None\n" + code
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )


def test_config_initial_value_from_the_environment(monkeypatch):
    monkeypatch.setenv("SKINIT_KERNEL", "numpy")
    assert _initial_config() == {"kernel": "numpy"}
    monkeypatch.setenv("SKINIT_KERNEL", "gpu")
    with pytest.raises(InvalidParameterError, match="SKINIT_KERNEL"):
        _initial_config()


def test_without_numba_numba_is_an_error_and_auto_is_numpy(
    restore_config, monkeypatch
):
    for module in (skinit._config, skinit._kernel):
        monkeypatch.setattr(module, "numba_available", lambda: False)
    with pytest.raises(ImportError, match=r"skinit\[fast\]"):
        skinit.set_config(kernel="numba")
    skinit.set_config(kernel="auto")
    X, y, _, _ = load_circles()
    data = StackedData.from_arrays(X[None], y[None, :, None].astype(float))
    architecture = Architecture([2, 4, 1], "relu", "logistic")
    kernel = select_kernel(architecture, StochasticConfig("gd"), data)
    assert kernel.name == "numpy"


def _kernel_in_worker():
    return skinit.get_config()["kernel"]


def test_with_config_carries_the_setting_into_workers(restore_config):
    # scikit-learn's Parallel and delayed, as the fused search dispatches.
    from sklearn.utils.parallel import Parallel, delayed

    other = "auto" if skinit.get_config()["kernel"] == "numpy" else "numpy"
    with skinit.config_context(kernel=other):
        tasks = [delayed(with_config(_kernel_in_worker))() for _ in range(2)]
    # Run after the context has closed: the captured value is what counts.
    assert Parallel(n_jobs=2)(tasks) == [other, other]
    assert Parallel(n_jobs=1)(tasks) == [other, other]
    assert pickle.loads(pickle.dumps(with_config(len)))([1, 2]) == 2


# ------------------------------------------------- the contract, on full fits


def _perturbed(name, scale, relative, fan_in, fan_out, random_state, dtype):
    """Catalog weights times ``1 + relative``: the chaos probe's initializer."""
    weights = initialize(
        name, fan_in, fan_out, scale=scale, random_state=random_state, dtype=dtype
    )
    return weights * (1 + relative)


def _fit(kernel, relative=0.0, *, name, scale, X, y, **params):
    estimator = InitMLPClassifier(
        initializer=partial(_perturbed, name, scale, relative), **params
    )
    with skinit.config_context(kernel=kernel), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def _weights(estimator):
    return np.concatenate(
        [a.ravel() for a in [*estimator.coefs_, *estimator.intercepts_]]
    )


COURSE = dict(
    hidden_layer_sizes=(10, 5),
    solver="gd",
    learning_rate_init=0.075,
    max_iter=1500,
    alpha=0.0,
    tol=0.0,
    n_iter_no_change=1500,
    random_state=3,
)
MINI_BATCH = {
    "adam": dict(solver="adam", max_iter=60),
    "sgd-nesterov-invscaling": dict(
        solver="sgd", learning_rate="invscaling", learning_rate_init=0.2, max_iter=60
    ),
}


@needs_numba
@pytest.mark.parametrize(
    "name, scale",
    [("normal", 10), ("normal", 1), ("normal", 0.1), ("he_normal", 1),
     ("glorot_uniform", 1)],
)
def test_kernel_contract_on_the_course_networks(name, scale):
    """Within 1e-10 of numpy unless chaotic; then the same printed accuracy."""
    X_train, y_train, X_test, y_test = load_circles()
    fit = partial(_fit, name=name, scale=scale, X=X_train, y=y_train, **COURSE)
    reference, probe, compiled = fit("numpy"), fit("numpy", 1e-15), fit("numba")
    chaotic = np.abs(_weights(probe) - _weights(reference)).max() > 1e-6
    if not chaotic:
        assert_allclose(_weights(compiled), _weights(reference), rtol=0, atol=1e-10)
    for X, y in ((X_train, y_train), (X_test, y_test)):
        assert f"{compiled.score(X, y):.4f}" == f"{reference.score(X, y):.4f}"


@needs_numba
@pytest.mark.parametrize("config", MINI_BATCH)
def test_kernel_contract_on_shuffled_mini_batches(config):
    X, y = make_classification(
        n_samples=300, n_features=6, n_informative=4, n_classes=3, random_state=0
    )
    fit = partial(
        _fit, name="he_normal", scale=1, X=X, y=y, hidden_layer_sizes=(16, 8),
        batch_size=32, alpha=1e-3, tol=0.0, random_state=0, **MINI_BATCH[config],
    )
    reference, probe, compiled = fit("numpy"), fit("numpy", 1e-15), fit("numba")
    assert np.abs(_weights(probe) - _weights(reference)).max() <= 1e-6
    assert_allclose(_weights(compiled), _weights(reference), rtol=0, atol=1e-10)
    assert_allclose(compiled.loss_curve_, reference.loss_curve_, rtol=1e-12)
    assert compiled.n_iter_ == reference.n_iter_


def _early_stopping_fit(kernel, X, y):
    estimator = InitMLPClassifier(
        hidden_layer_sizes=(8,), solver="sgd", momentum=0.9, learning_rate_init=0.03,
        early_stopping=True, n_iter_no_change=5, max_iter=100, random_state=0,
    )
    with skinit.config_context(kernel=kernel):
        return estimator.fit(X, y)


def _partial_fit_sequence(kernel, X, y):
    estimator = InitMLPClassifier(
        hidden_layer_sizes=(8,), solver="adam", batch_size=50, random_state=0
    )
    with skinit.config_context(kernel=kernel):
        for start in range(0, len(X), 100):
            estimator.partial_fit(X[start : start + 100], y[start : start + 100],
                                  classes=np.unique(y))
        # warm_start continues from the state partial_fit left.
        estimator.set_params(warm_start=True, max_iter=5).fit(X, y)
    return estimator


def _adaptive_fit(kernel, X, y):
    estimator = InitMLPClassifier(
        hidden_layer_sizes=(8,), solver="sgd", learning_rate="adaptive",
        learning_rate_init=0.3, tol=1e-2, n_iter_no_change=2, max_iter=40,
        random_state=0,
    )
    with skinit.config_context(kernel=kernel):
        estimator.fit(X, y)
    # The schedule divided the rate: the kernel saw the new rates.
    assert estimator._training_state.optimizer.learning_rate[0] < 0.3
    return estimator


@needs_numba
@pytest.mark.parametrize(
    "scenario", [_early_stopping_fit, _partial_fit_sequence, _adaptive_fit]
)
def test_kernel_keeps_the_training_state_as_numpy_does(scenario):
    """Early stopping's validation and best weights, partial_fit's and
    warm_start's carried optimizer state, the adaptive schedule's rates: with
    the kernel as with numpy."""
    X, y = make_classification(n_samples=300, n_features=6, random_state=1)
    reference, compiled = scenario("numpy", X, y), scenario("numba", X, y)
    assert compiled.n_iter_ == reference.n_iter_
    assert compiled.t_ == reference.t_
    assert_allclose(_weights(compiled), _weights(reference), rtol=0, atol=1e-10)
    assert_allclose(compiled.loss_curve_, reference.loss_curve_, rtol=1e-12)
    if reference.validation_scores_ is not None:
        # Stopped on its validation score (16 epochs here), not on max_iter.
        assert reference.n_iter_ < reference.max_iter
        assert_array_equal(compiled.validation_scores_, reference.validation_scores_)


@needs_numba
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_kernel_contract_on_the_regressor(loss):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    signal = X @ rng.normal(size=5) / 3
    y = rng.poisson(np.exp(signal)) if loss == "poisson" else signal
    params = dict(
        loss=loss, hidden_layer_sizes=(12,), solver="adam", batch_size=40,
        max_iter=40, tol=0.0, random_state=0,
    )

    def fit(kernel, relative=0.0):
        estimator = InitMLPRegressor(
            initializer=partial(_perturbed, "he_normal", 1, relative), **params
        )
        with skinit.config_context(kernel=kernel):
            return estimator.fit(X, y)

    reference, probe, compiled = fit("numpy"), fit("numpy", 1e-15), fit("numba")
    assert np.abs(_weights(probe) - _weights(reference)).max() <= 1e-6
    assert_allclose(_weights(compiled), _weights(reference), rtol=0, atol=1e-10)
    assert_allclose(compiled.loss_curve_, reference.loss_curve_, rtol=1e-12)


@needs_numba
def test_fused_search_equals_grid_search_with_the_kernel():
    """Each network's arithmetic does not depend on its stack: the fused search
    and GridSearchCV agree, both on the kernel."""
    X, y, _, _ = load_circles()
    estimator = InitMLPClassifier(**{**COURSE, "max_iter": 200})
    grid = {"initializer": ["normal", "he_normal"], "scale": [0.5, 1]}
    with skinit.config_context(kernel="numba"):
        fused = InitSearchCV(estimator, grid, cv=3).fit(X, y)
        plain = GridSearchCV(estimator, grid, cv=3).fit(X, y)
    assert_array_equal(
        fused.cv_results_["mean_test_score"], plain.cv_results_["mean_test_score"]
    )
    assert_array_equal(
        _weights(fused.best_estimator_), _weights(plain.best_estimator_)
    )


def test_select_kernel_follows_the_setting(restore_config):
    X, y, _, _ = load_circles()
    architecture = Architecture([2, 4, 1], "relu", "logistic")
    dense = StackedData.from_arrays(X[None], y[None, :, None].astype(float))
    sparse = StackedData.from_arrays(
        [sp.csr_matrix(X)], y[None, :, None].astype(float)
    )
    config = StochasticConfig("gd")
    with skinit.config_context(kernel="numpy"):
        assert select_kernel(architecture, config, dense).name == "numpy"
    with skinit.config_context(kernel="auto"):
        expected = "numba" if numba_available() else "numpy"
        assert select_kernel(architecture, config, dense).name == expected
        # Wide layers: numpy's BLAS products are the faster.
        wide = Architecture([2, 1000, 1], "relu", "logistic")
        assert select_kernel(wide, config, dense).name == "numpy"
    if numba_available():
        with skinit.config_context(kernel="numba"):
            assert select_kernel(architecture, config, dense).name == "numba"
            assert select_kernel(wide, config, dense).name == "numba"
            # Sparse input stays with numpy, whatever the setting.
            assert select_kernel(architecture, config, sparse).name == "numpy"


# ------------------------------------------------------- workers and pickles


class _RecordingClassifier(InitMLPClassifier):
    """Notes the kernel setting its fit ran under."""

    def _plan_fit(self, *args, **kwargs):
        self.kernel_setting_ = skinit.get_config()["kernel"]
        return super()._plan_fit(*args, **kwargs)


def _setting_score(kernel):
    def score(estimator, X, y):
        return float(estimator.kernel_setting_ == kernel)

    return score


@pytest.mark.parametrize("kernel", ["numpy", "numba"])
def test_setting_reaches_grid_search_workers(kernel, restore_config):
    if kernel == "numba" and not numba_available():
        pytest.skip("the compiled kernel needs numba (skinit[fast])")
    X, y, _, _ = load_circles()
    search = GridSearchCV(
        _RecordingClassifier(hidden_layer_sizes=(3,), solver="gd", max_iter=2),
        {"scale": [0.5, 1.0]},
        cv=2,
        n_jobs=2,
        scoring=_setting_score(kernel),
    )
    with skinit.config_context(kernel=kernel), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert_array_equal(search.cv_results_["mean_test_score"], [1.0, 1.0])
    # The refit ran here, and the setting is carried once, not kept.
    assert search.best_estimator_.kernel_setting_ == kernel
    assert "_dispatch_config" not in search.best_estimator_.__dict__


def test_unfitted_estimators_carry_an_explicit_setting_only(restore_config):
    # This process's initial setting travels with the worker's environment.
    skinit.set_config(**_INITIAL_CONFIG)
    estimator = InitMLPClassifier()
    assert "_dispatch_config" not in pickle.loads(pickle.dumps(estimator)).__dict__
    other = "auto" if _INITIAL_CONFIG["kernel"] == "numpy" else "numpy"
    with skinit.config_context(kernel=other):
        carried = pickle.loads(pickle.dumps(estimator))
        fitted = pickle.loads(pickle.dumps(estimator.fit([[0.0], [1.0]], [0, 1])))
    assert carried.__dict__["_dispatch_config"] == {"kernel": other}
    assert "_dispatch_config" not in fitted.__dict__


@needs_numba
def test_model_fitted_with_the_kernel_loads_without_numba(tmp_path):
    X, y, X_test, _ = load_circles()
    with skinit.config_context(kernel="numba"):
        estimator = InitMLPClassifier(**{**COURSE, "max_iter": 50}).fit(X, y)
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(estimator))
    np.save(tmp_path / "X.npy", X_test)
    code = (
        "import pickle, numpy as np\n"
        f"model = pickle.loads(open({str(path)!r}, 'rb').read())\n"
        f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
        "import sys; assert 'numba' not in [m for m in sys.modules if sys.modules[m]]\n"
        "print(repr(model.predict_proba(X)[:, 1].tolist()))\n"
    )
    result = _run_without_numba(code)
    assert result.returncode == 0, result.stderr
    assert eval(result.stdout) == estimator.predict_proba(X_test)[:, 1].tolist()


@needs_numba
def test_vectorizable_exp_and_log_are_accurate():
    from numba import njit

    from skinit._numba_kernel import _exp, _log

    @njit
    def apply(function, values):
        out = np.empty_like(values)
        for i in range(values.size):
            out[i] = function(values[i])
        return out

    rng = np.random.default_rng(0)
    specials = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 5e-324, 1e-310, 1.0])
    x = np.concatenate([rng.uniform(-745, 709, 10**5), rng.uniform(-40, 40, 10**5)])
    y = np.concatenate([np.exp(rng.uniform(-744, 709, 10**5)), rng.random(10**5)])
    for function, libm, values in ((_exp, np.exp, x), (_log, np.log, y)):
        ours, reference = apply(function, values), libm(values)
        normal = np.abs(reference) > np.finfo(float).tiny
        ulps = np.abs(ours - reference)[normal] / np.spacing(np.abs(reference))[normal]
        assert ulps.max() <= 3
        with np.errstate(divide="ignore", invalid="ignore"):
            assert_allclose(apply(function, specials), libm(specials), rtol=1e-15)
