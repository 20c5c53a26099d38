"""The training speed of this checkout against another git revision.

For a change to the engine: is the new loop slower than the old one?  Both
revisions run the same workloads in fresh processes, interleaved (A B B A ...),
and the script prints each one's median and range and the ratio of medians
(old / new: above 1 means this checkout is faster).

Workloads: (a) a single fit of the course network (2-10-5-1, 'gd', 5000
steps, 300 samples); (b) InitSearchCV on it, 16 candidates x 5 folds, 2000
steps; (c) the same search with mini-batch adam on 2000 x 20 data, hidden
(64,), 15 epochs, 16 candidates x 4 folds.

Usage::

    python benchmarks/bench_revisions.py --against 2bf6c0c
    python benchmarks/bench_revisions.py --against HEAD~3 --repeat 3 --only a
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = textwrap.dedent(
    """
    import json, sys, time, warnings
    import numpy as np
    from sklearn.datasets import make_classification
    from skinit import InitMLPClassifier, InitSearchCV
    from skinit.datasets import load_circles

    warnings.simplefilter("ignore")
    workload = sys.argv[1]
    X, y, _, _ = load_circles()
    grid = {"initializer": ["normal", "he_normal", "glorot_uniform", "sklearn"],
            "scale": [0.1, 0.5, 1.0, 2.0]}
    course = dict(hidden_layer_sizes=(10, 5), solver="gd", learning_rate_init=0.05,
                  alpha=0, tol=0, random_state=3)
    if workload == "a":
        model = InitMLPClassifier(**course, max_iter=5000, n_iter_no_change=5000)
        run = lambda: model.fit(X, y)
    elif workload == "b":
        model = InitSearchCV(
            InitMLPClassifier(**course, max_iter=2000, n_iter_no_change=2000),
            grid, cv=5)
        run = lambda: model.fit(X, y)
    else:
        X, y = make_classification(2000, 20, random_state=0)
        model = InitSearchCV(
            InitMLPClassifier(hidden_layer_sizes=(64,), max_iter=15,
                              batch_size=200, random_state=0), grid, cv=4)
        run = lambda: model.fit(X, y)
    start = time.perf_counter()
    run()
    print(json.dumps({"seconds": time.perf_counter() - start}))
    """
)

WORKLOADS = {
    "a": "single fit, course net, gd, 5000 steps",
    "b": "InitSearchCV, course net, gd, 16 x 5 fits, 2000 steps",
    "c": "InitSearchCV, 2000x20 adam (64,), 16 x 4 fits, 15 epochs",
}


def timed(tree, workload):
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, workload],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=tree,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])["seconds"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="git revision to compare")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="abc")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old),
             args.against],
            check=True,
        )
        try:
            print(f"this checkout vs {args.against}; load {os.getloadavg()[0]:.1f}")
            for workload in args.only:
                times = {"new": [], "old": []}
                for repeat in range(args.repeat):
                    order = ("new", "old") if repeat % 2 == 0 else ("old", "new")
                    for which in order:
                        tree = ROOT if which == "new" else old
                        times[which].append(timed(tree, workload))
                new, old_median = (statistics.median(times[k]) for k in ("new", "old"))
                print(
                    f"({workload}) {WORKLOADS[workload]}: new {new:.3f} s "
                    f"({min(times['new']):.3f}-{max(times['new']):.3f}), old "
                    f"{old_median:.3f} s ({min(times['old']):.3f}-"
                    f"{max(times['old']):.3f}); old/new {old_median / new:.2f}x"
                )
        finally:
            subprocess.run(
                ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)],
                check=True,
            )
        print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
