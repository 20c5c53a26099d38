r"""
==================================================
Validation curves over the scale of the weights
==================================================

``scale`` multiplies every initial weight matrix, so it moves the starting
point of training along one line: from a network whose signal dies out layer
after layer (small scale) to one whose outputs are saturated from the first
step (large scale).  Because it is an ordinary estimator parameter,
scikit-learn's :class:`~sklearn.model_selection.ValidationCurveDisplay` can
sweep it with cross-validation like any other hyperparameter.

Here it sweeps ``scale`` from 0.001 to 100 for four initializers on the
course's circles data.  A scale of 1 is each scheme's own recipe; the other
values multiply it.
"""

# License: BSD-3-Clause

# %%
# The estimator and the sweep
# ---------------------------
#
# The network and optimizer are the course notebook's -- two hidden layers of
# 10 and 5 ReLU units, full-batch gradient descent -- with a shorter budget
# (1,500 steps at a learning rate of 0.1), and the curves use 3-fold
# cross-validation -- 100 validation points per fold, the size of the
# notebook's test set -- so that the 4 x 11 x 3 = 132 fits below take well
# under a minute.  The budget is fixed on purpose, so scikit-learn's
# ``ConvergenceWarning`` is silenced.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, ValidationCurveDisplay

from skinit import InitMLPClassifier
from skinit.datasets import load_circles

warnings.filterwarnings("ignore", category=ConvergenceWarning)

X_train, y_train, _, _ = load_circles()

n_steps = 1500
model = InitMLPClassifier(
    hidden_layer_sizes=(10, 5),
    solver="gd",
    learning_rate_init=0.1,
    max_iter=n_steps,
    alpha=0,
    tol=0,
    n_iter_no_change=n_steps,
    random_state=3,
)
scales = np.logspace(-3, 2, 11)
initializers = ["normal", "he_normal", "glorot_uniform", "lecun_normal"]
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)

# %%
# One validation curve per initializer
# ------------------------------------
#
# Each call fits 11 scales x 3 folds and draws the mean validation accuracy
# with a band of one standard deviation over the folds.  All four curves go on
# the same axes.
fig, ax = plt.subplots(figsize=(8, 5))
displays = {}
for initializer, color in zip(initializers, plt.cm.tab10.colors):
    display = ValidationCurveDisplay.from_estimator(
        clone(model).set_params(initializer=initializer),
        X_train,
        y_train,
        param_name="scale",
        param_range=scales,
        cv=cv,
        score_type="test",
        score_name="validation accuracy",
        n_jobs=2,
        line_kw={"color": color, "marker": "o", "markersize": 4},
        fill_between_kw={"color": color, "alpha": 0.15},
        ax=ax,
    )
    display.lines_[0].set_label(initializer)
    displays[initializer] = display
ax.axhline(0.5, color="0.6", linestyle=":", label="chance")
ax.set_xlabel("scale (factor on the initial weights)")
ax.set_ylim(0.3, 1.02)
ax.legend(loc="upper left")
ax.set_title(f"3-fold cross-validation, {n_steps} gradient-descent steps")
fig.tight_layout()
plt.show()

# %%
# The best scale of each scheme
# -----------------------------
#
# The displays keep their scores, so the curves can be read off as numbers.
# ``width`` counts the scales whose mean accuracy is within 0.05 of the best:
# a wide plateau means the scheme forgives a badly chosen scale.
for initializer, display in displays.items():
    mean = display.test_scores.mean(axis=1)
    best = mean.argmax()
    width = int((mean >= mean[best] - 0.05).sum())
    print(
        f"{initializer:>15}: best scale {scales[best]:8.3g}, "
        f"accuracy {mean[best]:.3f} +/- {display.test_scores[best].std():.3f}, "
        f"{width} of {len(scales)} scales within 0.05 of the best"
    )

# %%
# What the curves show
# --------------------
#
# * At the left, every scheme fails the same way: with weights a hundred or
#   a thousand times too small, the signal and the gradients shrink in every
#   layer, and nothing is learned within the budget -- the curves sit at
#   chance.
# * At the right they fail again: large weights saturate the sigmoid output
#   from the first step, the first gradient steps are huge, and gradient
#   descent does not recover within the budget.
# * In between, the range of scales that trains well is narrow -- about one
#   decade -- and it is not at the same place for every scheme, since the
#   schemes differ by per-layer factors that depend on the fan-in (He,
#   LeCun), on fan-in and fan-out (Glorot) or on nothing (plain ``normal``).
#   On this small network, whose layers have 2, 10 and 5 inputs, these
#   factors are all of order one, so the windows overlap around
#   ``scale=1``; on wider layers plain ``normal`` draws need a scale of about
#   :math:`1/\sqrt{n_{in}}` to match, which the fan-aware schemes compute for
#   each layer.
#
# The scale is therefore worth searching together with the initializer --
# ``{"initializer": [...], "scale": np.logspace(-1, 1, 5)}`` in a grid search
# -- rather than fixed to 1.  The gallery example
# :ref:`sphx_glr_auto_examples_plot_why_scale.py` looks inside the network to
# show why.
