"""
=====================================
The initial scale of a deep regressor
=====================================

A regression network's output is a number in the target's units, not a
probability, so a bad initialization shows up differently than in a
classifier: the initial network is a function of the input, and its scale
decides what that function looks like before training starts -- flat when the
weights are too small, wildly oscillating when they are too large.

This example fits a deep tanh network, six hidden layers of 32 units, to a
smooth 1-D target with :class:`~skinit.InitMLPRegressor` and plain stochastic
gradient descent, and changes only ``scale``, the factor multiplying Glorot's
initial weights.  Every number below is computed when the example runs.
"""

# %%
# Data and networks
# -----------------
#
# 300 noisy samples of a smooth curve on ``[-1, 1]``; the networks are judged
# on the noise-free curve.  The configurations differ only in ``scale``.

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from skinit import InitMLPRegressor, InitSearchCV
from skinit.diagnostics import diagnose, initial_network


def target(x):
    return np.sin(3 * x) + 0.5 * np.cos(7 * x)


rng = np.random.RandomState(0)
X_train = rng.uniform(-1, 1, size=(300, 1))
y_train = target(X_train[:, 0]) + rng.normal(scale=0.1, size=300)
X_grid = np.linspace(-1, 1, 400)[:, None]
y_grid = target(X_grid[:, 0])

deep_tanh = InitMLPRegressor(
    hidden_layer_sizes=(32,) * 6,
    activation="tanh",
    initializer="glorot_normal",
    solver="sgd",
    learning_rate_init=0.01,
    max_iter=300,
    tol=0,
    n_iter_no_change=300,
    random_state=0,
)
scales = {"x0.1 (too small)": 0.1, "x1 (Glorot)": 1.0, "x10 (too large)": 10.0}
configs = {name: clone(deep_tanh).set_params(scale=s) for name, s in scales.items()}

# %%
# Before training: the initial function
# -------------------------------------
#
# :func:`~skinit.diagnostics.initial_network` draws the weights ``fit`` starts
# from, without training, and :func:`~skinit.diagnostics.diagnose` measures
# them: for a regressor it reports the spread of the output in target units.
# The target's standard deviation is printed for comparison.

print(f"target std on the training set: {y_train.std():.3f}")
for name, config in configs.items():
    report = diagnose(config, X_train, y_train, at="init")
    print(
        f"{name:17s} initial output std {report.output_std:9.3g}, "
        f"initial loss {report.loss:8.3g}, last hidden layer activation std "
        f"{report.activation_std[-2]:.3g}"
    )

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharex=True)
for axis, (name, config) in zip(axes, configs.items()):
    start = initial_network(config, X_train, y_train)
    axis.plot(X_grid[:, 0], start.predict(X_grid), color="C3")
    axis.set(title=f"initial function, {name}", xlabel="x")
axes[0].set_ylabel("network output")
fig.tight_layout()

# %%
# With weights ten times too small, the signal shrinks by about a factor of
# ten at each of the seven layers: the initial function is flat (its spread is
# many orders of magnitude below the target's) and so are the gradients.
# With ten times Glorot's weights, the tanh units saturate and every layer
# folds the input again: the initial function is a jagged curve whose spread
# dwarfs the target's, and so does the initial loss.
#
# After training
# --------------
#
# The same 300 epochs of stochastic gradient descent from each start.

with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    fitted = {name: config.fit(X_train, y_train) for name, config in configs.items()}

fig, axes = plt.subplots(1, 3, figsize=(12, 3.4), sharex=True, sharey=True)
for axis, (name, model) in zip(axes, fitted.items()):
    axis.scatter(X_train[:, 0], y_train, s=4, color="0.7", label="training data")
    axis.plot(X_grid[:, 0], y_grid, color="k", lw=1, label="target")
    axis.plot(X_grid[:, 0], model.predict(X_grid), color="C3", label="fit")
    r2 = model.score(X_grid, y_grid)
    axis.set(title=f"{name}: $R^2$ = {r2:.2f}", xlabel="x")
    print(f"{name:17s} final training loss {model.loss_:.4f}, curve R^2 {r2:.3f}")
axes[0].legend(loc="lower left")
fig.tight_layout()

# %%
# The too-small start never leaves its flat line: its fit is the mean of the
# targets (R^2 = 0), because the gradients reaching the first layers are as
# small as the signal.  The too-large start does learn, but from a jagged
# function through saturated units: it stops at a poor, wiggly fit.  Glorot's
# scale follows the curve.
#
# Searching the scale
# -------------------
#
# ``scale`` is an ordinary hyperparameter: :class:`~skinit.InitSearchCV`
# cross-validates it (all candidates x folds trained as one stacked model, with
# the results of scikit-learn's ``GridSearchCV``) and scores each candidate
# with R^2, the regressor's ``score``.

grid = {"scale": [0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]}
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)
    search = InitSearchCV(deep_tanh, grid, cv=3).fit(X_train, y_train)

results = search.cv_results_
fig, axis = plt.subplots(figsize=(5.5, 3.4))
axis.errorbar(
    grid["scale"],
    results["mean_test_score"],
    yerr=results["std_test_score"],
    marker="o",
    capsize=3,
)
axis.set(xscale="log", xlabel="scale (x Glorot normal)", ylabel="3-fold CV $R^2$")
fig.tight_layout()
for scale, score in zip(grid["scale"], results["mean_test_score"]):
    print(f"scale {scale:5g}: CV R^2 {score:.3f}")
print(f"best scale: {search.best_params_['scale']:g}")

# %%
# Cross-validation finds the window: the smallest scales never leave their
# flat start within the budget (R^2 about 0), the largest start too rough to
# recover, and the best scores lie around Glorot's scale.  Where the window
# lies depends on the depth, the activation and the optimizer -- which is why
# it is worth searching.
