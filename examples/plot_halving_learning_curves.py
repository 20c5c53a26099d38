r"""
==========================================
Successive halving and its learning curves
==========================================

Most initializations of a grid are visibly bad long before the end of the
training budget.  :class:`skinit.InitHalvingSearchCV` evaluates every
candidate with a small iteration budget, keeps the best third, gives those
three times the budget, and so on; a survivor's networks *continue* their
training instead of starting over, which gives exactly the results of
scikit-learn's ``HalvingGridSearchCV(resource='max_iter')`` (see
:ref:`halving_search`).

Every fused search also keeps the learning curve of each of its fits; this
example draws them with
:class:`skinit.diagnostics.SearchLearningCurvesDisplay`.
"""

# License: BSD-3-Clause

# %%
# The search
# ----------
#
# The seed study's grid -- four initializers, seven scales -- for the course's
# network (two ReLU hidden layers of 10 and 5 units) trained by full-batch
# gradient descent, up to 2,000 steps, on 5 folds of the two circles.
# ``tol=0``: no early stop, so scikit-learn's ``ConvergenceWarning`` is
# expected and silenced below.
import warnings

import matplotlib.pyplot as plt
import pandas as pd
from sklearn.exceptions import ConvergenceWarning

from skinit import InitHalvingSearchCV, InitMLPClassifier
from skinit.datasets import load_circles
from skinit.diagnostics import SearchLearningCurvesDisplay

X_train, y_train, X_test, y_test = load_circles()

n_steps = 2000
model = InitMLPClassifier(
    hidden_layer_sizes=(10, 5),
    solver="gd",
    learning_rate_init=0.075,
    alpha=0,
    tol=0,
    n_iter_no_change=n_steps,
    random_state=3,
)
param_grid = {
    "initializer": ["normal", "he_normal", "glorot_uniform", "lecun_normal"],
    "scale": [0.01, 0.03, 0.1, 0.3, 1, 3, 10],
}
search = InitHalvingSearchCV(
    model, param_grid, resource="max_iter", max_resources=n_steps, factor=3, cv=5
)
with warnings.catch_warnings():
    warnings.simplefilter("ignore", ConvergenceWarning)  # the budget is fixed
    search.fit(X_train, y_train)

print("iterations per rung:", search.n_resources_)
print("candidates per rung:", search.n_candidates_)
print("best:", search.best_params_)
print(f"test accuracy of the refitted best: {search.score(X_test, y_test):.3f}")

# %%
# The rungs
# ---------
#
# ``cv_results_`` has one row per candidate and rung, as scikit-learn's: the
# ``iter`` and ``n_resources`` columns say which.  The survivors of each
# rung are its best-scoring candidates.
results = pd.DataFrame(search.cv_results_)
results["candidate"] = results["params"].map(
    lambda params: f"{params['initializer']} x{params['scale']:g}"
)
print(
    results.pivot_table(
        index="candidate", columns="n_resources", values="mean_test_score"
    )
    .dropna(thresh=2)
    .round(3)
)

# %%
# The learning curves
# -------------------
#
# ``search.loss_curves_[i][j]`` is the training loss of row ``i`` of
# ``cv_results_`` on fold ``j``.  The Display draws, for each candidate at its
# last rung, the mean over the folds with their range as a band; the lines
# that stop early are the candidates eliminated at the first rungs.  The
# tiny scales sit on the plateau of a constant prediction (the loss of a coin
# flip, log 2), the large ones start far above it.  A logarithmic iteration
# axis gives each rung the same width.
fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
display = SearchLearningCurvesDisplay.from_search(search, ax=ax)
ax.set_xscale("log")
ax.legend(fontsize="x-small", loc="center left", bbox_to_anchor=(1.01, 0.5))
ax.set_title("Training loss of each candidate, mean and range over 5 folds")
plt.show()
