"""Exhaustive scale sweep: every initializer x activation x solver x scale.

The test suite runs a small version (tests/test_properties.py); this script
runs every decade from 1e-8 to 1e6 plus 1e200 and 1e308, with 'adam' and
'lbfgs'.  For each fit it records one of: trained (finite predictions),
refused (a ValueError naming ``scale``), or a defect: a NaN prediction, a
RuntimeWarning, or any other exception.  Prints the counts; exits 1 if there
is any defect.

Usage: python benchmarks/sweep_scales.py [--quick]
"""

import argparse
import collections
import sys
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skinit import InitMLPClassifier
from skinit.datasets import load_circles
from skinit.initializers import available_initializers

ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]


def outcome(clf, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            clf.fit(X, y)
            probabilities = clf.predict_proba(X)
        except RuntimeWarning as warning:
            return f"defect: RuntimeWarning {warning}"
        except ValueError as error:
            if "scale" in str(error):
                return "refused"
            return f"defect: ValueError {error}"
        except Exception as error:  # every other exception is a defect
            return f"defect: {type(error).__name__} {error}"
    if not np.isfinite(probabilities).all():
        return "defect: non-finite prediction"
    return "trained"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer scales, adam only")
    args = parser.parse_args(argv)
    scales = [10.0**k for k in range(-8, 7)] + [1e200, 1e308]
    solvers = ["adam", "lbfgs"]
    if args.quick:
        scales, solvers = [1e-8, 1.0, 1e6, 1e200], ["adam"]
    X, y, _, _ = load_circles()
    counts = collections.Counter()
    defects = []
    for solver in solvers:
        for activation in ACTIVATIONS:
            for initializer in available_initializers():
                for scale in scales:
                    clf = InitMLPClassifier(
                        hidden_layer_sizes=(10, 5),
                        activation=activation,
                        solver=solver,
                        initializer=initializer,
                        scale=scale,
                        max_iter=20,
                        random_state=0,
                    )
                    result = outcome(clf, X, y)
                    counts[result.split(":")[0]] += 1
                    if result.startswith("defect"):
                        defects.append((solver, activation, initializer, scale, result))
    print(f"{sum(counts.values())} fits: " + ", ".join(
        f"{n} {name}" for name, n in sorted(counts.items())
    ))
    for defect in defects:
        print(*defect)
    return 1 if defects else 0


if __name__ == "__main__":
    sys.exit(main())
