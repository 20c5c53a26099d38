"""Time skinit's InitMLPClassifier against scikit-learn's MLPClassifier.

Two benchmarks, each in float64 and float32, with skinit under each training
kernel ('numpy', and 'numba' when numba is installed) and scikit-learn
interleaved so that machine noise hits all:

(a) the course's network: 2-10-5-1 ReLU on the 300 circles training points,
    15000 full-batch gradient-descent steps; skinit's ``solver='gd'`` against
    scikit-learn's ``solver='sgd'`` with one batch of all samples, no momentum
    and no shuffling -- the same algorithm, so the fitted weights must agree.
    Targets: scikit-learn / skinit >= 4x with the numpy kernel, >= 12x with
    numba's.
(b) a larger network: 20000 x 64 random features, 10 classes, (256, 128)
    hidden units, adam, batch 200, exactly 20 epochs.  Targets: >= 1.5x in
    float64, >= 2x in float32.

Run ``python benchmarks/bench_mlp.py`` (about 2-3 minutes on 2 cores), or
``--quick`` for a smoke run.  See benchmarks/README.md.
"""

import argparse
import os
import platform
import statistics
import sys
import time
import warnings

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

import skinit
from skinit import InitMLPClassifier
from skinit._config import numba_available
from skinit.datasets import load_circles

# Ratio sklearn / skinit to reach, per benchmark and kernel (and dtype for (b)).
TARGETS = {
    "a": {"numpy": 4.0, "numba": 12.0},
    "b": {np.float64: 1.5, np.float32: 2.0},
}
#: Largest max-abs weight difference accepted between the two fits.
WEIGHT_TOLERANCE = {np.float64: 1e-8, np.float32: 1e-3}


# ---------------------------------------------------------------- estimators
def course_pair(max_iter, seed=3):
    """(skinit, scikit-learn) estimators for benchmark (a)."""
    common = dict(
        hidden_layer_sizes=(10, 5),
        activation="relu",
        learning_rate_init=0.01,
        max_iter=max_iter,
        alpha=0.0,
        tol=0.0,
        n_iter_no_change=max_iter,
        random_state=seed,
    )
    ours = InitMLPClassifier(solver="gd", initializer="sklearn", **common)
    theirs = MLPClassifier(
        solver="sgd", batch_size=300, momentum=0.0, shuffle=False, **common
    )
    return ours, theirs


def large_pair(max_iter, seed=0):
    """(skinit, scikit-learn) estimators for benchmark (b)."""
    common = dict(
        hidden_layer_sizes=(256, 128),
        activation="relu",
        solver="adam",
        batch_size=200,
        max_iter=max_iter,
        tol=0.0,
        n_iter_no_change=10 * max_iter + 10,
        random_state=seed,
    )
    return InitMLPClassifier(initializer="sklearn", **common), MLPClassifier(**common)


def large_data(seed=0):
    return make_classification(
        n_samples=20000,
        n_features=64,
        n_informative=32,
        n_redundant=8,
        n_classes=10,
        random_state=seed,
    )


# ------------------------------------------------------------------- timing
def timed_fit(estimator, X, y):
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start


def max_weight_difference(a, b):
    return max(
        float(np.max(np.abs(np.asarray(p, np.float64) - np.asarray(q, np.float64))))
        for p, q in zip(
            [*a.coefs_, *a.intercepts_], [*b.coefs_, *b.intercepts_], strict=True
        )
    )


def run_benchmark(make_pair, X, y, repeat, steps, kernels):
    """Interleaved timings of skinit under each kernel and of scikit-learn; the
    order rotates from one repeat to the next."""
    names = [f"skinit[{kernel}]" for kernel in kernels] + ["sklearn"]
    times = {name: [] for name in names}
    fitted = {}
    for index in range(repeat):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            ours, theirs = make_pair()
            if name == "sklearn":
                times[name].append(timed_fit(theirs, X, y))
                fitted[name] = theirs
                continue
            with skinit.config_context(kernel=name[len("skinit[") : -1]):
                times[name].append(timed_fit(ours, X, y))
            fitted[name] = ours
    for name, estimator in fitted.items():
        if estimator.n_iter_ != steps:
            raise AssertionError(
                f"{name} ran {estimator.n_iter_} iterations, not {steps}"
            )
    return times, fitted


# ------------------------------------------------------------------- report
def _load():
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def machine_info():
    from threadpoolctl import threadpool_info

    lines = [
        f"python {platform.python_version()} on {platform.platform()}",
        f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"skinit {skinit.__version__}",
    ]
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    affinity = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else "n/a"
    )
    lines.append(f"CPU: {cpu}; os.cpu_count()={os.cpu_count()}, usable={affinity}")
    lines.append(f"load average now: {_load()} (other work on the machine = noise)")
    for key in (
        "OPENBLAS_CORETYPE",
        "OPENBLAS_L2_SIZE",
        "OPENBLAS_NUM_THREADS",
        "OMP_NUM_THREADS",
    ):
        lines.append(f"{key}={os.environ.get(key, '(unset)')}")
    for pool in threadpool_info():
        lines.append(
            "BLAS/OpenMP: "
            + ", ".join(
                f"{key}={pool.get(key)}"
                for key in ("internal_api", "version", "num_threads", "architecture")
                if pool.get(key) is not None
            )
            + f" ({os.path.basename(pool.get('filepath', ''))})"
        )
    return lines


def summary(label, times, fitted, steps, targets, tolerance, unit="step"):
    """Report lines and whether every target and weight check passed.

    ``targets`` maps each kernel to its target ratio sklearn / skinit;
    ``tolerance`` is the largest weight difference accepted against
    scikit-learn (None: informational only).
    """
    theirs = times["sklearn"]
    lines = [f"{label}"]
    for name, values in times.items():
        median = statistics.median(values)
        spread = max(values) - min(values)
        lines.append(
            f"  {name:<14} median {median:8.3f} s  (min {min(values):.3f}, "
            f"max {max(values):.3f}, spread {100 * spread / median:.0f} %, "
            f"n={len(values)})  {1e6 * median / steps:9.1f} us/{unit}"
        )
    ok = True
    for kernel, target in targets.items():
        ours = times[f"skinit[{kernel}]"]
        ratio = statistics.median(theirs) / statistics.median(ours)
        paired = [t / o for t, o in zip(theirs, ours, strict=True)]
        verdict = "PASS" if ratio >= target else "FAIL"
        ok &= verdict == "PASS"
        lines.append(
            f"  ratio sklearn/skinit[{kernel}] {ratio:.2f}x (paired runs "
            f"{min(paired):.2f}-{max(paired):.2f}x, of the minima "
            f"{min(theirs) / min(ours):.2f}x), target >= {target:g}x: {verdict}"
        )
    difference = max_weight_difference(fitted["skinit[numpy]"], fitted["sklearn"])
    if tolerance is None:
        lines.append(
            f"  max |w_skinit[numpy] - w_sklearn| = {difference:.2e} (informational: "
            "adam amplifies rounding differences)"
        )
    else:
        agree = "ok" if difference <= tolerance else "MISMATCH"
        ok &= agree == "ok"
        lines.append(
            f"  max |w_skinit[numpy] - w_sklearn| = {difference:.2e} (tolerance "
            f"{tolerance:g}: {agree})"
        )
    if "skinit[numba]" in fitted:
        difference = max_weight_difference(
            fitted["skinit[numba]"], fitted["skinit[numpy]"]
        )
        lines.append(
            f"  max |w_skinit[numba] - w_skinit[numpy]| = {difference:.2e}"
        )
    return lines, ok


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--repeat",
        type=int,
        default=5,
        help="repeats of benchmark (a) (default 5; 3 with --quick)",
    )
    parser.add_argument(
        "--repeat-b",
        type=int,
        default=3,
        help="repeats of benchmark (b) (default 3; 1 with --quick)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="2000 steps for (a), 5 epochs for (b), fewer repeats",
    )
    parser.add_argument(
        "--only", choices=("a", "b"), default=None, help="run one benchmark only"
    )
    parser.add_argument(
        "--dtypes",
        default="float64,float32",
        help="comma-separated dtypes (default float64,float32)",
    )
    parser.add_argument(
        "--blas-threads",
        type=int,
        default=None,
        help="limit BLAS/OpenMP threads with threadpoolctl (default: as found)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if a target or a weight check fails",
    )
    args = parser.parse_args(argv)
    if args.quick:
        steps_a, epochs_b = 2000, 5
        repeat_a = 3 if args.repeat == 5 else args.repeat
        repeat_b = 1 if args.repeat_b == 3 else args.repeat_b
    else:
        steps_a, epochs_b, repeat_a, repeat_b = 15000, 20, args.repeat, args.repeat_b
    dtypes = [np.dtype(name).type for name in args.dtypes.split(",")]
    kernels = ["numpy", "numba"] if numba_available() else ["numpy"]

    limits = threadpool_limits(args.blas_threads) if args.blas_threads else None
    print("skinit benchmark: InitMLPClassifier vs sklearn.neural_network.MLPClassifier")
    print(
        f"  (a) {repeat_a} repeats x {steps_a} steps; (b) {repeat_b} repeats x "
        f"{epochs_b} epochs; BLAS threads limited to: {args.blas_threads or 'no limit'}"
    )
    print(f"  skinit kernels: {', '.join(kernels)}")
    for line in machine_info():
        print("  " + line)
    print(flush=True)

    ok = True
    warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is the point
    if args.only in (None, "a"):
        X, y, _, _ = load_circles()
        for kernel in kernels:  # warm-up: imports, compiled code, caches
            with skinit.config_context(kernel=kernel):
                for dtype in dtypes:
                    for estimator in course_pair(50):
                        estimator.fit(X.astype(dtype), y)
        for dtype in dtypes:
            Xd = X.astype(dtype)
            times, fitted = run_benchmark(
                lambda: course_pair(steps_a), Xd, y, repeat_a, steps_a, kernels
            )
            lines, passed = summary(
                f"(a) course network 2-10-5-1, 300 samples, {steps_a} full-batch "
                f"GD steps, {np.dtype(dtype).name}",
                times,
                fitted,
                steps_a,
                {kernel: TARGETS["a"][kernel] for kernel in kernels},
                WEIGHT_TOLERANCE[dtype],
            )
            ok &= passed
            print("\n".join(lines), flush=True)
    if args.only in (None, "b"):
        X, y = large_data()
        for kernel in kernels:  # warm-up
            with skinit.config_context(kernel=kernel):
                for dtype in dtypes:
                    for estimator in large_pair(1):
                        estimator.fit(X[:2000].astype(dtype), y[:2000])
        for dtype in dtypes:
            Xd = X.astype(dtype)
            times, fitted = run_benchmark(
                lambda: large_pair(epochs_b), Xd, y, repeat_b, epochs_b, kernels
            )
            lines, passed = summary(
                f"(b) 20000 x 64 -> (256, 128) -> 10, adam, batch 200, {epochs_b} "
                f"epochs, {np.dtype(dtype).name}",
                times,
                fitted,
                epochs_b,
                {kernel: TARGETS["b"][dtype] for kernel in kernels},
                None,
                unit="epoch",
            )
            for kernel in kernels:
                ours = fitted[f"skinit[{kernel}]"]
                same = np.mean(ours.predict(Xd) == fitted["sklearn"].predict(Xd))
                lines.append(
                    f"  skinit[{kernel}]: same predicted class as sklearn on "
                    f"{100 * same:.2f} % of the 20000 points; training accuracy "
                    f"{ours.score(Xd, y):.4f} (sklearn "
                    f"{fitted['sklearn'].score(Xd, y):.4f})"
                )
            ok &= passed
            print("\n".join(lines), flush=True)
    if limits is not None:
        limits.restore_original_limits()
    print(f"\nload average at the end: {_load()}")
    print("all targets met" if ok else "some target or check FAILED")
    return 1 if (args.strict and not ok) else 0


if __name__ == "__main__":
    sys.exit(main())
