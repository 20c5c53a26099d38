"""How far skinit's L-BFGS fits are from MLPClassifier's after full runs.

Fits both estimators with ``solver='lbfgs'`` and the default 200 iterations
on several data sets, for every activation, with and without an L2 penalty
and sample weights, in float64 and float32, and prints the largest absolute
difference of the fitted weights, whether ``n_iter_`` agrees and the
difference of ``loss_``.  The test suite checks a subset to 1e-9.

Usage: python benchmarks/lbfgs_equivalence.py
"""

import itertools
import warnings

import numpy as np
from sklearn.datasets import (
    load_iris,
    make_classification,
    make_multilabel_classification,
)
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skinit import InitMLPClassifier


def datasets():
    X, y = load_iris(return_X_y=True)
    yield "iris (multiclass)", StandardScaler().fit_transform(X), y
    X, y = make_classification(n_samples=200, n_features=6, random_state=0)
    yield "binary", X, y
    X, y = make_multilabel_classification(
        n_samples=150, n_features=5, n_classes=3, random_state=0
    )
    yield "multilabel", StandardScaler().fit_transform(X), y


def main():
    worst = 0.0
    print(f"{'data':18} {'activation':10} {'alpha':>6} {'weights':8} {'dtype':8}"
          f" {'n_iter':>7} {'max |dW|':>10} {'d loss':>10}")
    for (name, X, y), activation, alpha, weighted, dtype in itertools.product(
        list(datasets()), ["identity", "logistic", "tanh", "relu"], [0.0, 1e-4, 0.5],
        [False, True], [np.float64, np.float32],
    ):
        sample_weight = (
            np.random.RandomState(1).uniform(0.2, 3.0, len(y)) if weighted else None
        )
        params = dict(hidden_layer_sizes=(15, 7), solver="lbfgs", activation=activation,
                      alpha=alpha, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours = InitMLPClassifier(**params).fit(X.astype(dtype), y, sample_weight)
            theirs = MLPClassifier(**params).fit(X.astype(dtype), y, sample_weight)
        difference = max(
            float(np.abs(a - b).max())
            for a, b in zip(ours.coefs_ + ours.intercepts_,
                            theirs.coefs_ + theirs.intercepts_)
        )
        worst = max(worst, difference)
        n_iter = f"{ours.n_iter_}" + ("" if ours.n_iter_ == theirs.n_iter_ else "!=")
        print(f"{name:18} {activation:10} {alpha:>6g} {str(weighted):8} "
              f"{np.dtype(dtype).name:8} {n_iter:>7} {difference:>10.3g} "
              f"{abs(ours.loss_ - theirs.loss_):>10.3g}")
    print(f"largest weight difference: {worst:.3g}")


if __name__ == "__main__":
    main()
