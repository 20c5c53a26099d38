"""Tests of skinit.diagnostics and its Displays."""

import sys
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import xlogy
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.neural_network import MLPClassifier, MLPRegressor

from skinit import InitMLPClassifier, InitMLPRegressor
from skinit.datasets import load_circles
from skinit.diagnostics import (
    LAYER_STATISTICS,
    NETWORK_STATISTICS,
    DiagnosticReport,
    LayerStatisticsDisplay,
    LossCurveDisplay,
    TrainingRecord,
    TrainingRecordDisplay,
    diagnose,
    initial_network,
)


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


@pytest.fixture(scope="module")
def circles():
    X, y, _, _ = load_circles()
    return X, y


def notebook(**params):
    """The course notebook's configuration, with fewer steps by default."""
    config = dict(
        hidden_layer_sizes=(10, 5), activation="relu", solver="gd",
        learning_rate_init=0.01, max_iter=15000, alpha=0, tol=0,
        n_iter_no_change=15000, random_state=3, initializer="normal", scale=1,
    )
    config.update(params)
    return InitMLPClassifier(**config)


def fit_quietly(estimator, X, y, **fit_params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y, **fit_params)


# ------------------------------------------------- direct numpy computation
def _activate(name, z):
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    if name == "logistic":
        return 1 / (1 + np.exp(-z))
    if name == "softmax":
        e = np.exp(z - z.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    if name == "exp":
        return np.exp(z)
    return z


def _derivative(name, z, a):
    return {
        "relu": (z > 0).astype(float),
        "tanh": 1 - a**2,
        "logistic": a * (1 - a),
        "identity": np.ones_like(z),
    }[name]


def direct_statistics(coefs, intercepts, X, Y, hidden, output, alpha, sample_weight):
    """Everything recomputed with plain numpy, one sample-major network."""
    n = X.shape[0]
    sw = np.ones(n) if sample_weight is None else sample_weight
    zs, activations = [], [X]
    for i, (W, b) in enumerate(zip(coefs, intercepts)):
        z = activations[-1] @ W + b
        zs.append(z)
        activations.append(_activate(output if i == len(coefs) - 1 else hidden, z))
    p = activations[-1]
    eps = np.finfo(float).eps
    pc = np.clip(p, eps, 1 - eps)
    if output == "logistic":
        per_sample = -(Y * np.log(pc) + (1 - Y) * np.log(1 - pc)).sum(axis=1)
    elif output == "softmax":
        per_sample = -(Y * np.log(pc)).sum(axis=1)
    elif output == "identity":  # half the squared error, averaged over outputs
        per_sample = 0.5 * ((p - Y) ** 2).mean(axis=1)
    else:  # exp: half the Poisson deviance, summed over outputs
        per_sample = (xlogy(Y, Y / p) - Y + p).sum(axis=1)
    loss = (per_sample * sw).sum() / sw.sum()
    loss += 0.5 * alpha * sum((W**2).sum() for W in coefs) / sw.sum()
    grads = [None] * len(coefs)
    delta = (p - Y) * sw[:, None]
    for i in range(len(coefs) - 1, -1, -1):
        grads[i] = (activations[i].T @ delta + alpha * coefs[i]) / sw.sum()
        if i > 0:
            slope = _derivative(hidden, zs[i - 1], activations[i])
            delta = (delta @ coefs[i].T) * slope
    stats = {name: [] for name in LAYER_STATISTICS}
    for i, (z, a) in enumerate(zip(zs, activations[1:])):
        name = output if i == len(coefs) - 1 else hidden
        stats["preactivation_mean"].append(z.mean())
        stats["preactivation_std"].append(z.std())
        stats["activation_std"].append(a.std())
        stats["dead_fraction"].append(
            np.mean(np.all(a <= 0, axis=0)) if name == "relu" else np.nan
        )
        if name == "tanh":
            flat = np.abs(a) > 0.99
        elif name in ("logistic", "softmax"):
            flat = (a < 0.01) | (a > 0.99)
        else:
            flat = None
        stats["saturated_fraction"].append(
            np.nan if flat is None else np.mean(flat.mean(axis=0) >= 0.99)
        )
        stats["gradient_norm"].append(np.sqrt((grads[i] ** 2).sum()))
        stats["coef_norm"].append(np.sqrt((coefs[i] ** 2).sum()))
    stats = {name: np.array(values) for name, values in stats.items()}
    stats["gradient_ratio"] = stats["gradient_norm"] / stats["coef_norm"]
    stats["loss"] = loss
    stats["output_std"], stats["output_min"], stats["output_max"] = (
        p.std(), p.min(), p.max()
    )
    if output in ("logistic", "softmax"):
        saturated = ((p < 0.01) | (p > 0.99)).all(axis=1)
        stats["output_saturated_fraction"] = np.mean(saturated)
    else:
        stats["output_saturated_fraction"] = np.nan
    return stats


@pytest.mark.parametrize(
    "activation, n_classes, alpha, weighted",
    [
        ("relu", 2, 0.0, False),
        ("relu", 3, 0.3, True),
        ("tanh", 2, 0.1, True),
        ("logistic", 3, 0.0, False),
        ("identity", 2, 0.0, True),
    ],
)
def test_statistics_equal_direct_computation(activation, n_classes, alpha, weighted):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    y = rng.randint(n_classes, size=40)
    sample_weight = rng.uniform(0.5, 2, size=40) if weighted else None
    est = InitMLPClassifier(
        hidden_layer_sizes=(4, 3), activation=activation, alpha=alpha,
        initializer="sklearn", scale=3.0, random_state=1,
    )
    network = initial_network(est, X, y)
    report = diagnose(est, X, y, at="init", sample_weight=sample_weight)
    Y = np.eye(n_classes)[y] if n_classes > 2 else y[:, None].astype(float)
    expected = direct_statistics(
        network.coefs_, network.intercepts_, X, Y, activation,
        network.out_activation_, alpha, sample_weight,
    )
    for name in LAYER_STATISTICS:
        np.testing.assert_allclose(
            getattr(report, name), expected[name], rtol=1e-9, atol=1e-12, err_msg=name
        )
    for name in NETWORK_STATISTICS:
        np.testing.assert_allclose(
            getattr(report, name), expected[name], rtol=1e-9, atol=1e-12, err_msg=name
        )
    assert report.layer_units == [3, 4, 3, 1 if n_classes == 2 else n_classes]
    assert report.stage == "init" and report.iteration == 0
    assert report.n_samples == 40


@pytest.mark.parametrize(
    "loss, activation, n_outputs, alpha, weighted",
    [
        ("squared_error", "relu", 1, 0.0, False),
        ("squared_error", "tanh", 2, 0.3, True),
        ("poisson", "relu", 1, 0.1, True),
        ("poisson", "logistic", 2, 0.0, False),
    ],
)
def test_regressor_statistics_equal_direct_computation(
    loss, activation, n_outputs, alpha, weighted
):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(40, 3))
    Y = rng.poisson(2.0, size=(40, n_outputs)).astype(float)
    y = Y[:, 0] if n_outputs == 1 else Y
    sample_weight = rng.uniform(0.5, 2, size=40) if weighted else None
    est = InitMLPRegressor(
        loss=loss, hidden_layer_sizes=(4, 3), activation=activation, alpha=alpha,
        initializer="he_normal", random_state=1,
    )
    network = initial_network(est, X, y)
    report = diagnose(est, X, y, at="init", sample_weight=sample_weight)
    expected = direct_statistics(
        network.coefs_, network.intercepts_, X, Y, activation,
        network.out_activation_, alpha, sample_weight,
    )
    for name in LAYER_STATISTICS + NETWORK_STATISTICS:
        np.testing.assert_allclose(
            getattr(report, name), expected[name], rtol=1e-9, atol=1e-12, err_msg=name
        )
    assert report.output_activation == ("exp" if loss == "poisson" else "identity")
    # A regression output is no probability: no saturation, target units.
    assert np.isnan(report.saturated_fraction[-1])
    assert np.isnan(report.output_saturated_fraction)
    summary = str(report).splitlines()[1]
    assert "probability" not in summary and "saturated" not in summary
    assert "(target units)" in summary


def test_regressor_record_and_displays(pyplot):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = X[:, 0] ** 2 + rng.normal(scale=0.1, size=60)
    est = InitMLPRegressor(
        hidden_layer_sizes=(8, 8), solver="gd", learning_rate_init=0.01,
        max_iter=20, tol=0, initializer="lsuv", record_every=5, random_state=0,
    )
    fitted = fit_quietly(est, X, y)
    record = fitted.training_record_
    np.testing.assert_array_equal(record.iterations, [0, 5, 10, 15, 20])
    assert record.loss[0] == pytest.approx(fitted.loss_curve_[0], rel=1e-12)
    final = diagnose(fitted, X, y)
    np.testing.assert_allclose(record[-1].output_std, final.output_std)
    assert final.output_std == pytest.approx(fitted.predict(X).std())
    display = TrainingRecordDisplay.from_estimator(fitted, statistic="output_std")
    assert display.ax_.get_ylabel() == "output std (target units)"
    LayerStatisticsDisplay.from_estimators([est, fitted], X, y)
    LossCurveDisplay.from_estimator(fitted)


def test_diagnose_a_fitted_sklearn_regressor():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(60, 3))
    y = rng.poisson(np.exp(X[:, 0]))
    mlp = MLPRegressor(loss="poisson", hidden_layer_sizes=(5,), max_iter=5,
                       random_state=0)
    report = diagnose(fit_quietly(mlp, X, y), X, y)
    assert report.output_min == pytest.approx(mlp.predict(X).min())
    assert report.output_activation == "exp"


def test_sparse_input_gives_the_same_statistics(circles):
    X, y = circles
    est = notebook(initializer="he_normal")
    dense = diagnose(est, X, y, at="init")
    sparse = diagnose(est, sp.csr_matrix(X), y, at="init")
    for name in LAYER_STATISTICS + NETWORK_STATISTICS:
        np.testing.assert_allclose(getattr(sparse, name), getattr(dense, name))


# --------------------------------------------------------------- definitions
def _constructed(activation, X, y, hidden_units=4):
    """An initialized 2-layer network whose weights the test then sets."""
    est = InitMLPClassifier(hidden_layer_sizes=(hidden_units,), activation=activation)
    return initial_network(est, X, y)


def test_dead_relu_units_on_a_constructed_network():
    rng = np.random.RandomState(0)
    X = rng.uniform(0.1, 1, size=(50, 2))  # positive inputs
    X[0] = [2.0, 2.0]  # the one sample unit 2 sees
    y = np.arange(50) % 2
    net = _constructed("relu", X, y)
    net.coefs_[0][:] = [[-1.0, 0.0, 1.0, 1.0], [-1.0, 0.0, 1.0, 1.0]]
    # unit 0: always negative -> dead; unit 1: exactly 0 everywhere -> dead;
    # unit 2: positive on sample 0 only -> alive; unit 3: always positive.
    net.intercepts_[0][:] = [0.0, 0.0, -3.5, 0.0]
    report = diagnose(net, X, y)
    assert report.dead_fraction[0] == 0.5
    assert np.isnan(report.dead_fraction[1])  # the logistic output layer
    assert np.isnan(report.saturated_fraction[0])  # ReLU layers do not saturate
    # A dead unit's incoming weights get no gradient.
    assert report.gradient_norm[0] > 0


@pytest.mark.parametrize(
    "activation, biases, expected",
    [
        # tanh(10) and tanh(-3) are beyond 0.99 in absolute value; tanh(2) is not.
        ("tanh", [10.0, -3.0, 2.0, 0.0], 0.5),
        # sigmoid(5) = 0.9933 and sigmoid(-5) are outside [0.01, 0.99]; 4 is not.
        ("logistic", [5.0, -5.0, 4.0, 0.0], 0.5),
    ],
)
def test_saturated_units_by_level(activation, biases, expected):
    X = np.zeros((100, 2))
    y = np.arange(100) % 2
    net = _constructed(activation, X, y)
    net.coefs_[0][:] = 0
    net.intercepts_[0][:] = biases
    report = diagnose(net, X, y)
    assert report.saturated_fraction[0] == expected
    assert np.isnan(report.dead_fraction[0])


def test_saturated_units_need_99_percent_of_the_samples():
    X = np.zeros((100, 2))
    X[:2, 0] = 1  # feature 0 is on for 2 samples
    X[:1, 1] = 1  # feature 1 is on for 1 sample
    y = np.arange(100) % 2
    net = _constructed("tanh", X, y, hidden_units=2)
    # Each unit is tanh(10) except where its feature is on: tanh(0).
    net.coefs_[0][:] = [[-10.0, 0.0], [0.0, -10.0]]
    net.intercepts_[0][:] = [10.0, 10.0]
    report = diagnose(net, X, y)
    # unit 0: saturated on 98 % of the samples -> no; unit 1: 99 % -> yes.
    assert report.saturated_fraction[0] == 0.5


def test_output_saturation_counts_samples():
    X = np.zeros((10, 2))
    X[:, 0] = [0, 0.5, 1, 1, 1, 0, 0, 0.5, 1, 1]
    y = np.arange(10) % 2
    net = _constructed("identity", X, y, hidden_units=2)
    net.coefs_[0][:] = np.eye(2)
    net.intercepts_[0][:] = 0
    # z_out = 10 x_0 - 5: -5, 0 or 5, i.e. p = 0.0067, 0.5 or 0.9933.
    net.coefs_[1][:] = [[10.0], [0.0]]
    net.intercepts_[1][:] = -5
    report = diagnose(net, X, y)
    assert report.output_saturated_fraction == 0.8
    assert report.saturated_fraction[1] == 0.0  # per unit: 80 % < 99 %
    assert np.isnan(report.saturated_fraction[0])  # identity hidden layer


def test_zero_weights_give_nan_ratio_without_warnings(circles):
    X, y = circles
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = diagnose(notebook(initializer="zeros"), X, y)
    assert np.all(report.gradient_norm == 0)
    assert np.all(np.isnan(report.gradient_ratio))
    assert np.all(report.dead_fraction[:2] == 1)


# ------------------------------------------------------------- init / fitted
@pytest.mark.parametrize(
    "params",
    [
        dict(initializer="normal", scale=10),
        dict(initializer="he_normal"),
        dict(initializer="glorot_uniform", scale=0.1),
        dict(initializer="sklearn"),
        dict(initializer="sklearn", activation="logistic", early_stopping=True,
             solver="sgd"),
    ],
)
def test_initial_network_equals_the_fitted_initial_weights(circles, params):
    X, y = circles
    est = notebook(max_iter=2, **params)
    network = initial_network(est, X, y)
    fitted = fit_quietly(clone(est), X, y)
    for got, expected in zip(network.coefs_, fitted.init_coefs_):
        np.testing.assert_array_equal(got, expected)
    for got, expected in zip(network.intercepts_, fitted.init_intercepts_):
        np.testing.assert_array_equal(got, expected)
    assert network.n_iter_ == 0
    assert not hasattr(est, "coefs_")  # the configuration is untouched


def test_initial_network_does_not_advance_a_random_state(circles):
    X, y = circles
    random_state = np.random.RandomState(0)
    est = notebook(initializer="he_normal", random_state=random_state)
    before = random_state.get_state()[1].copy()
    initial_network(est, X, y)
    np.testing.assert_array_equal(random_state.get_state()[1], before)


def test_init_report_is_the_same_before_and_after_fitting(circles):
    X, y = circles
    est = notebook(initializer="he_normal", max_iter=20, alpha=0.01)
    sample_weight = np.linspace(0.5, 1.5, len(y))
    before = diagnose(est, X, y, at="init", sample_weight=sample_weight)
    fitted = fit_quietly(clone(est), X, y, sample_weight=sample_weight)
    after = diagnose(fitted, X, y, at="init", sample_weight=sample_weight)
    for name in LAYER_STATISTICS + NETWORK_STATISTICS:
        np.testing.assert_array_equal(getattr(after, name), getattr(before, name))
    # The loss at initialization is the first entry of the gd loss curve.
    assert after.loss == pytest.approx(fitted.loss_curve_[0], rel=1e-12)
    final = diagnose(fitted, X, y, sample_weight=sample_weight)
    assert final.stage == "fitted" and final.iteration == 20
    np.testing.assert_array_equal(
        final.coef_norm, [np.linalg.norm(coef) for coef in fitted.coefs_]
    )


def test_diagnose_checks_its_arguments(circles):
    X, y = circles
    with pytest.raises(ValueError, match="at must be"):
        diagnose(notebook(), X, y, at="start")
    with pytest.raises(NotFittedError):
        diagnose(notebook(), X, y, at="fitted")


def test_diagnose_a_fitted_sklearn_mlp(circles):
    X, y = circles
    mlp = MLPClassifier(hidden_layer_sizes=(10, 5), max_iter=5, random_state=0)
    fit_quietly(mlp, X, y)
    report = diagnose(mlp, X, y)
    proba = mlp.predict_proba(X)[:, 1]
    assert report.output_min == pytest.approx(proba.min())
    assert report.output_max == pytest.approx(proba.max())
    with pytest.raises(ValueError, match="init_coefs_"):
        diagnose(mlp, X, y, at="init")


# ------------------------------------------------------------------ recording
@pytest.mark.parametrize(
    "params",
    [
        dict(solver="gd", alpha=0.01),
        dict(solver="adam", learning_rate_init=0.01, batch_size=64),
        dict(solver="sgd", early_stopping=True, momentum=0.5, n_iter_no_change=5,
             tol=1e-3, learning_rate="adaptive"),
    ],
)
def test_recording_does_not_change_the_fit(circles, params):
    X, y = circles
    est = notebook(initializer="he_normal", max_iter=30, **params)
    plain = fit_quietly(clone(est), X, y)
    recorded = fit_quietly(clone(est).set_params(record_every=4), X, y)
    assert not hasattr(plain, "training_record_")
    for a, b in zip(plain.coefs_ + plain.intercepts_,
                    recorded.coefs_ + recorded.intercepts_):
        np.testing.assert_array_equal(a, b)
    assert plain.loss_curve_ == recorded.loss_curve_
    record = recorded.training_record_
    assert isinstance(record, TrainingRecord)
    np.testing.assert_array_equal(
        record.iterations, np.arange(0, recorded.n_iter_ + 1, 4)
    )


def test_record_contents(circles):
    X, y = circles
    est = notebook(initializer="normal", scale=10, max_iter=30, record_every=5)
    fitted = fit_quietly(est, X, y)
    record = fitted.training_record_
    assert len(record) == 7 and record.every == 5
    n_layers = 3
    for name in LAYER_STATISTICS:
        assert getattr(record, name).shape == (7, n_layers)
    for name in NETWORK_STATISTICS:
        assert getattr(record, name).shape == (7,)
    # gd: loss_curve_[t] is the loss of the weights after t steps.
    np.testing.assert_allclose(
        record.loss[:-1], np.asarray(fitted.loss_curve_)[record.iterations[:-1]],
        rtol=1e-12,
    )
    first, last = record[0], record[-1]
    init = diagnose(fitted, X, y, at="init")
    final = diagnose(fitted, X, y, at="fitted")
    for name in LAYER_STATISTICS + NETWORK_STATISTICS:
        np.testing.assert_allclose(getattr(first, name), getattr(init, name))
        np.testing.assert_allclose(getattr(last, name), getattr(final, name))
    assert first.stage == "training" and last.iteration == 30
    text = str(record)
    assert "||dL/dW_1||" in text and "iteration" in text


def test_record_every_larger_than_the_fit(circles):
    X, y = circles
    fitted = fit_quietly(notebook(max_iter=3, record_every=10), X, y)
    np.testing.assert_array_equal(fitted.training_record_.iterations, [0])


# -------------------------------------------------------------- text, frames
def test_report_text(circles):
    X, y = circles
    report = diagnose(notebook(scale=10), X, y, at="init")
    text = str(report)
    lines = text.splitlines()
    assert lines[0].startswith("2-10-5-1 network (relu hidden, logistic output)")
    assert "initial weights" in lines[0]
    assert lines[1].startswith(f"loss {report.loss:.4g}")
    assert "||dL/dW||" in lines[2] and "dead" in lines[2]
    assert [line.split()[0] for line in lines[3:]] == ["1", "2", "3"]
    assert "(output)" in lines[5]
    assert len(lines) == 6
    assert report.layer_names == ["1", "2", "3 (output)"]


def test_to_frame(circles):
    pytest.importorskip("pandas")
    X, y = circles
    report = diagnose(notebook(), X, y, at="init")
    frame = report.to_frame()
    assert list(frame.columns) == ["units", *LAYER_STATISTICS]
    assert list(frame.index) == [1, 2, 3] and frame.index.name == "layer"
    np.testing.assert_array_equal(frame["gradient_norm"], report.gradient_norm)

    fitted = fit_quietly(notebook(max_iter=10, record_every=5), X, y)
    long = fitted.training_record_.to_frame()
    assert list(long.index.names) == ["iteration", "layer"]
    assert list(long.columns) == ["units", *LAYER_STATISTICS, *NETWORK_STATISTICS]
    assert long.shape == (3 * 3, 1 + len(LAYER_STATISTICS) + len(NETWORK_STATISTICS))
    assert long.loc[(5, 2), "loss"] == fitted.training_record_.loss[1]


def test_to_frame_without_pandas(circles, monkeypatch):
    X, y = circles
    report = diagnose(notebook(), X, y, at="init")
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ImportError, match="requires pandas"):
        report.to_frame()
    record = TrainingRecord([2, 3, 1], "relu", "logistic", every=1, reports=[report])
    with pytest.raises(ImportError, match="requires pandas"):
        record.to_frame()


# ------------------------------------------------------------------- Displays
@pytest.fixture(scope="module")
def trained(circles):
    X, y = circles
    return [
        fit_quietly(notebook(max_iter=40, record_every=10, **params), X, y)
        for params in (dict(scale=0.01), dict(initializer="he_normal"), dict(scale=10))
    ]


def test_layer_statistics_display(pyplot, circles):
    X, y = circles
    configs = [notebook(scale=scale) for scale in (0.01, 1, 10)]
    display = LayerStatisticsDisplay.from_estimators(configs, X, y, at="init")
    assert display.lines_.shape == (2, 3)
    assert display.ax_.shape == (2,)
    left, right = display.ax_
    assert len(left.get_lines()) == 3 and len(right.get_lines()) == 3
    assert left.get_xlabel() == "layer"
    assert left.get_ylabel() == "activation std"
    assert right.get_ylabel() == "gradient norm ||dL/dW||"
    assert left.get_yscale() == "log"
    ticks = [label.get_text() for label in left.get_xticklabels()]
    assert ticks == ["1", "2", "3\n(output)"]
    (legend,) = display.figure_.legends  # a new figure: legend on its right
    labels = [text.get_text() for text in legend.get_texts()]
    assert labels == ["normal x0.01", "normal", "normal x10"]
    report = diagnose(configs[2], X, y, at="init")
    np.testing.assert_allclose(display.lines_[1, 2].get_ydata(), report.gradient_norm)
    assert display.figure_ is left.figure


def test_layer_statistics_display_on_given_axes(pyplot, circles):
    X, y = circles
    fig, ax = pyplot.subplots()
    display = LayerStatisticsDisplay.from_estimator(
        notebook(), X, y, name="mine", ax=ax, statistics="dead_fraction",
        yscale="linear",
    )
    assert display.ax_ is ax and display.figure_ is fig
    assert display.lines_.shape == (1, 1)
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["mine"]
    assert ax.get_ylabel() == "fraction of dead units"
    with pytest.raises(ValueError, match="Expected 2 Axes"):
        LayerStatisticsDisplay.from_estimator(notebook(), X, y, ax=ax)
    with pytest.raises(ValueError, match="Unknown per-layer statistic"):
        LayerStatisticsDisplay.from_estimator(notebook(), X, y, statistics="loss")


def test_training_record_display(pyplot, trained):
    display = TrainingRecordDisplay.from_estimators(trained)
    assert display.ax_.shape == (3,)
    assert display.lines_.shape == (3, 3)
    for axis, est in zip(display.ax_, trained):
        assert len(axis.get_lines()) == 3
        assert axis.get_xlabel() == "iteration"
        assert axis.get_title() in ("normal x0.01", "he_normal", "normal x10")
        np.testing.assert_array_equal(
            axis.get_lines()[0].get_xdata(), est.training_record_.iterations
        )
    np.testing.assert_array_equal(
        display.lines_[2, 0].get_ydata(),
        trained[2].training_record_.gradient_norm[:, 0],
    )
    labels = [text.get_text() for text in display.ax_[0].get_legend().get_texts()]
    assert labels == ["layer 1", "layer 2", "layer 3 (output)"]

    single = TrainingRecordDisplay.from_estimator(trained[1], statistic="loss")
    assert len(single.ax_.get_lines()) == 1
    assert single.ax_.get_ylabel() == "loss"
    assert single.ax_.get_title() == ""  # one estimator: no title by default


def test_training_record_display_needs_a_record(pyplot, circles):
    X, y = circles
    fitted = fit_quietly(notebook(max_iter=2), X, y)
    with pytest.raises(ValueError, match="record_every"):
        TrainingRecordDisplay.from_estimator(fitted)


def test_loss_curve_display(pyplot, trained):
    display = LossCurveDisplay.from_estimators(trained, names=["a", "b", "c"])
    assert len(display.ax_.get_lines()) == 3
    assert [line.get_label() for line in display.lines_] == ["a", "b", "c"]
    assert display.ax_.get_xlabel() == "iteration"
    assert display.ax_.get_ylabel() == "training loss"
    np.testing.assert_array_equal(display.lines_[0].get_ydata(), trained[0].loss_curve_)
    np.testing.assert_array_equal(display.lines_[0].get_xdata(), np.arange(1, 41))
    with pytest.raises(ValueError, match="names"):
        LossCurveDisplay.from_estimators(trained, names=["a"])


def test_loss_curve_display_on_given_axes(pyplot, circles):
    fig, ax = pyplot.subplots()
    display = LossCurveDisplay([[1.0, 0.5, 0.25], [2.0, 1.0]]).plot(ax=ax)
    assert display.ax_ is ax and display.figure_ is fig
    assert [line.get_label() for line in display.lines_] == ["curve 0", "curve 1"]
    with pytest.raises(ValueError, match="Expected 1 Axes"):
        LossCurveDisplay([[1.0]]).plot(ax=pyplot.subplots(1, 2)[1])
    X, y = circles
    fitted = fit_quietly(notebook(solver="lbfgs", max_iter=2), X, y)
    with pytest.raises(ValueError, match="no loss_curve_"):
        LossCurveDisplay.from_estimator(fitted)


@pytest.mark.parametrize(
    "make",
    [
        lambda X, y, fitted: LayerStatisticsDisplay.from_estimators(fitted, X, y),
        lambda X, y, fitted: TrainingRecordDisplay.from_estimator(fitted[0]),
        lambda X, y, fitted: LossCurveDisplay.from_estimators(fitted),
        lambda X, y, fitted: LossCurveDisplay([[1.0, 0.5]]).plot(),
    ],
)
def test_displays_without_matplotlib(circles, trained, monkeypatch, make):
    X, y = circles
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match=r"pip install skinit\[plot\]"):
        make(X, y, trained)


def test_report_is_a_dataclass_with_numpy_arrays(circles):
    X, y = circles
    report = diagnose(notebook(), X, y, at="init")
    assert isinstance(report, DiagnosticReport)
    for name in LAYER_STATISTICS:
        value = getattr(report, name)
        assert isinstance(value, np.ndarray) and value.shape == (3,)
    for name in NETWORK_STATISTICS:
        assert isinstance(getattr(report, name), float)
