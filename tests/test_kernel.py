"""The compiled kernel (``skinit[fast]``) against the numpy engine, and the
``kernel`` configuration switch."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.utils._param_validation import InvalidParameterError

import skinit
from skinit._config import numba_available, with_config
from skinit._engine import Architecture, StackedParameters, n_parameters
from skinit._kernel import NumpyKernel
from skinit._optimizers import SOLVERS as SOLVER_REGISTRY
from skinit._stack import Hyperparameters, StackedData, TrainingState
from skinit._training import Stack, StochasticConfig, batches

needs_numba = pytest.mark.skipif(
    not numba_available(), reason="the compiled kernel needs numba (skinit[fast])"
)


OUTPUTS = {
    # output activation: (number of outputs, targets of shape (K, n, m))
    "binary": ("logistic", 1),
    "multilabel": ("logistic", 2),
    "softmax": ("softmax", 3),
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
    if activation == "softmax":
        y = np.eye(n_outputs)[rng.integers(0, n_outputs, (n_networks, n_samples))]
    else:
        y = rng.integers(0, 2, (n_networks, n_samples, n_outputs))
    weight = rng.uniform(0.5, 2, (n_networks, n_samples)).astype(dtype)
    data = StackedData.from_arrays(
        X, y.astype(dtype), weight if weighted else None
    )
    architecture = Architecture(units, hidden, activation)
    flat = rng.normal(size=(n_networks, n_parameters(units))).astype(dtype)
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
    return architecture, flat, data, hyper, rng


def _make_stack(architecture, flat, data, hyper, config):
    n_networks = flat.shape[0]
    params = StackedParameters(architecture.layer_units, flat.copy())
    state = TrainingState.new(params, early_stopping=False)
    state.optimizer = SOLVER_REGISTRY[config.solver].make_optimizer(
        config, hyper, architecture.n_params, flat.dtype
    )
    return Stack(np.arange(n_networks), params, data, hyper, state)


def _train_both(architecture, flat, data, hyper, rng, solver_options, n_epochs):
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
@pytest.mark.parametrize("output", ["binary", "softmax"])
@pytest.mark.parametrize("solver", ["gd", "adam"])
def test_kernel_epoch_keeps_float32(output, solver):
    stack = _random_stack(output, "relu", np.float32, True, True)
    (numpy_flat, numpy_loss, _), (numba_flat, numba_loss, _) = _train_both(
        *stack, SOLVERS[solver], n_epochs=4
    )
    assert numba_flat.dtype == np.float32 and numba_loss.dtype == np.float32
    assert_allclose(numba_flat, numpy_flat, rtol=0, atol=1e-5)
    assert_allclose(numba_loss, numpy_loss, rtol=1e-5)


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
    assert skinit.get_config() == {"kernel": "auto"}
    skinit.set_config(kernel="numpy")
    assert skinit.get_config()["kernel"] == "numpy"
    with skinit.config_context(kernel="auto"):
        assert skinit.get_config()["kernel"] == "auto"
    assert skinit.get_config()["kernel"] == "numpy"
    # None leaves the value as it is.
    skinit.set_config(kernel=None)
    assert skinit.get_config()["kernel"] == "numpy"


def test_config_context_restores_after_an_error(restore_config):
    with pytest.raises(RuntimeError, match="inside"):
        with skinit.config_context(kernel="numpy"):
            raise RuntimeError("inside")
    assert skinit.get_config()["kernel"] == "auto"


@pytest.mark.parametrize("value", ["fast", 1, "NUMPY"])
def test_config_rejects_unknown_kernels(value, restore_config):
    with pytest.raises(InvalidParameterError, match="'kernel' parameter of set_config"):
        skinit.set_config(kernel=value)
    with pytest.raises(InvalidParameterError, match="config_context"):
        with skinit.config_context(kernel=value):
            pass
    assert skinit.get_config()["kernel"] == "auto"


def _run(code, env_kernel=None, block_numba=False):
    """Run ``code`` in a fresh interpreter on this tree; returns stdout."""
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(skinit.__file__)), env.get("PYTHONPATH", "")]
    )
    env.pop("SKINIT_KERNEL", None)
    if env_kernel is not None:
        env["SKINIT_KERNEL"] = env_kernel
    if block_numba:
        # A None entry in sys.modules makes ``import numba`` fail, as when
        # numba is not installed.
        code = "import sys; sys.modules['numba'] = None\n" + code
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )


def test_config_initial_value_from_the_environment():
    result = _run("import skinit; print(skinit.get_config()['kernel'])", "numpy")
    assert result.stdout.strip() == "numpy", result.stderr
    result = _run("import skinit", "gpu")
    assert result.returncode != 0
    assert "SKINIT_KERNEL" in result.stderr


def test_numba_kernel_without_numba_is_a_clear_error():
    code = (
        "import skinit\n"
        "try:\n"
        "    skinit.set_config(kernel='numba')\n"
        "except ImportError as error:\n"
        "    print(error)\n"
        "print(skinit.get_config()['kernel'])\n"
    )
    result = _run(code, block_numba=True)
    assert "skinit[fast]" in result.stdout, result.stderr
    assert result.stdout.strip().endswith("auto")


def _kernel_in_worker():
    return skinit.get_config()["kernel"]


def test_with_config_carries_the_setting_into_workers(restore_config):
    from joblib import Parallel, delayed

    with skinit.config_context(kernel="numpy"):
        tasks = [delayed(with_config(_kernel_in_worker))() for _ in range(2)]
    # Run after the context has closed: the captured value is what counts.
    seen = Parallel(n_jobs=2, backend="loky")(tasks)
    assert seen == ["numpy", "numpy"]
    assert pickle.loads(pickle.dumps(with_config(len)))([1, 2]) == 2
