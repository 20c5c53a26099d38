"""``python -m skinit``: the seed study on the course's circles data.

For the "Initialization" notebook's network (2-10-5-1, ReLU, full-batch
gradient descent, learning rate 0.01, 15000 steps, seed 3) and each
(initializer, scale) of a grid, the study puts the notebook's single-split
scores (train and test accuracy) next to the k-fold cross-validated accuracy
on the training set, and ends with a reading of the numbers: does one split
pick the same initialization as cross-validation?

Progress goes to stderr and the results to stdout, as an aligned table, CSV or
JSON.
"""

import argparse
import csv
import io
import json
import math
import sys
import textwrap
import time
import warnings

import numpy as np

__all__ = ["DEFAULT_GRID", "main", "parse_grid", "run_study"]

#: The study's (initializer, scale) pairs, in the order they are reported.
DEFAULT_GRID = (
    ("zeros", 1.0),
    ("normal", 10.0),
    ("normal", 1.0),
    ("normal", 0.1),
    ("normal", 0.01),
    ("he_normal", 1.0),
    ("glorot_uniform", 1.0),
    ("sklearn", 1.0),
)

DEFAULT_MAX_ITER = 15000
QUICK_MAX_ITER = 2000

#: The notebook's configuration, less the parameters the study varies.
NOTEBOOK_PARAMS = {
    "hidden_layer_sizes": (10, 5),
    "activation": "relu",
    "solver": "gd",
    "learning_rate_init": 0.01,
    "alpha": 0.0,
    "tol": 0.0,
}


# ----------------------------------------------------------------- arguments
def _initializer_names():
    from skinit.initializers import available_initializers

    return sorted(available_initializers())


def _parse_scale(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"scale {text!r} is not a number") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"scale {text!r} must be a finite number >= 0")
    return value


def _check_initializer(name):
    names = _initializer_names()
    if name not in names:
        raise argparse.ArgumentTypeError(
            f"unknown initializer {name!r}; choose from {', '.join(names)}"
        )
    return name


def _split_list(text):
    items = [item.strip() for item in text.split(",")]
    if not all(items):
        raise argparse.ArgumentTypeError(f"empty item in {text!r}")
    return items


def parse_grid(text):
    """Parse ``'normal:10,normal:0.01,he_normal'`` into (initializer, scale) pairs.

    A missing ``:scale`` means a scale of 1.

    >>> parse_grid("normal:10, he_normal")
    [('normal', 10.0), ('he_normal', 1.0)]
    """
    grid = []
    for item in _split_list(text):
        name, sep, scale = item.partition(":")
        grid.append(
            (_check_initializer(name.strip()), _parse_scale(scale) if sep else 1.0)
        )
    return grid


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be >= 1")
    return value


def _n_jobs(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value == 0:
        raise argparse.ArgumentTypeError("n_jobs must not be 0 (use -1 for all CPUs)")
    return value


def _cv_folds(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError("cross-validation needs at least 2 folds")
    return value


def _build_parser():
    default_grid = ", ".join(f"{name}:{scale:g}" for name, scale in DEFAULT_GRID)
    parser = argparse.ArgumentParser(
        prog="skinit",
        description=(
            "Seed study on the deep-learning course's circles data: for each "
            "(initializer, scale), the notebook's single-split train/test "
            "accuracy next to the k-fold cross-validated accuracy on the "
            "training set, with the initial and final training loss. Network: "
            "2-10-5-1, ReLU, full-batch gradient descent ('gd'), learning rate "
            "0.01, no L2 penalty."
        ),
        epilog=(
            f"Default grid: {default_grid}. Initializers: "
            f"{', '.join(_initializer_names())}."
        ),
    )
    parser.add_argument(
        "--max-iter",
        type=_positive_int,
        default=None,
        help=(
            f"gradient-descent steps per fit (default {DEFAULT_MAX_ITER}, or "
            f"{QUICK_MAX_ITER} with --quick)"
        ),
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a fast run: {QUICK_MAX_ITER} steps unless --max-iter is given",
    )
    parser.add_argument(
        "--cv",
        type=_cv_folds,
        default=5,
        help="number of stratified, unshuffled folds (default 5)",
    )
    parser.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        help="parallel jobs for the fits (default 1; -1 for all CPUs)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=3,
        help="random_state of every fit: the initial weights (default 3)",
    )
    grid = parser.add_argument_group(
        "grid",
        "Either --grid, or --initializers with --scales (their product); "
        "without them the default grid.",
    )
    grid.add_argument(
        "--grid",
        type=parse_grid,
        default=None,
        metavar="INIT[:SCALE],...",
        help="explicit pairs, e.g. normal:10,normal:0.01,he_normal:1",
    )
    grid.add_argument(
        "--initializers",
        type=lambda text: [_check_initializer(n) for n in _split_list(text)],
        default=None,
        metavar="INIT,...",
        help="initializers, e.g. normal,he_normal (with --scales: each pair)",
    )
    grid.add_argument(
        "--scales",
        type=lambda text: [_parse_scale(s) for s in _split_list(text)],
        default=None,
        metavar="SCALE,...",
        help="scales, e.g. 10,1,0.01 (default 1 with --initializers)",
    )
    parser.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format on stdout (default table)",
    )
    parser.add_argument(
        "--quiet", "-q", action="store_true", help="no progress lines on stderr"
    )
    return parser


def _resolve_grid(parser, args):
    if args.grid is not None:
        if args.initializers is not None or args.scales is not None:
            parser.error("--grid cannot be combined with --initializers/--scales")
        grid = args.grid
    elif args.initializers is not None or args.scales is not None:
        names = args.initializers or [name for name, _ in DEFAULT_GRID]
        names = list(dict.fromkeys(names))
        scales = args.scales or [1.0]
        grid = [(name, scale) for name in names for scale in scales]
    else:
        grid = list(DEFAULT_GRID)
    return list(dict.fromkeys(grid))  # drop repeats, keep the order


# --------------------------------------------------------------------- study
def _estimator(max_iter, seed):
    from skinit import InitMLPClassifier

    return InitMLPClassifier(
        **NOTEBOOK_PARAMS,
        max_iter=max_iter,
        n_iter_no_change=max_iter,
        random_state=seed,
    )


def cross_validated_accuracy(estimator, grid, X, y, cv, n_jobs, progress=None):
    """Fold accuracies of ``estimator`` for each (initializer, scale) of ``grid``.

    The one place the study cross-validates: a fused
    :class:`~skinit.InitSearchCV` trains all pairs x folds as one stacked
    model, with the results GridSearchCV would give.

    Returns
    -------
    scores : ndarray of shape (len(grid), n_folds)
    """
    from sklearn.model_selection import StratifiedKFold

    from skinit import InitSearchCV

    start = time.perf_counter()
    search = InitSearchCV(
        estimator,
        [{"initializer": [name], "scale": [scale]} for name, scale in grid],
        cv=StratifiedKFold(n_splits=cv),
        scoring="accuracy",
        n_jobs=n_jobs,
        refit=False,
    ).fit(X, y)
    results = search.cv_results_
    scores = np.column_stack([results[f"split{k}_test_score"] for k in range(cv)])
    if progress is not None:
        for index, (name, scale) in enumerate(grid):
            progress(
                f"[{cv}-fold CV {index + 1}/{len(grid)}] {_label(name, scale)}: "
                f"{scores[index].mean():.4f} +- {scores[index].std():.4f}"
            )
        progress(
            f"[{cv}-fold CV] {len(grid) * cv} fits in "
            f"{time.perf_counter() - start:.1f} s (fused search)"
        )
    return scores


def _single_split(estimator, X_train, y_train, X_test, y_test):
    estimator.fit(X_train, y_train)
    return {
        "train_accuracy": float(estimator.score(X_train, y_train)),
        "test_accuracy": float(estimator.score(X_test, y_test)),
        "initial_loss": float(estimator.loss_curve_[0]),
        "final_loss": float(estimator.loss_curve_[-1]),
        "n_iter": int(estimator.n_iter_),
    }


def run_study(
    grid, *, max_iter=DEFAULT_MAX_ITER, cv=5, n_jobs=1, seed=3, progress=None
):
    """Run the seed study and return one result dict per (initializer, scale).

    >>> rows = run_study([("zeros", 1.0)], max_iter=5, cv=2)
    >>> rows[0]["initializer"], rows[0]["train_accuracy"], rows[0]["cv_mean"]
    ('zeros', 0.5, 0.5)
    """
    from sklearn.base import clone
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils.parallel import Parallel, delayed

    from skinit.datasets import load_circles

    X_train, y_train, X_test, y_test = load_circles()
    base = _estimator(max_iter, seed)
    grid = list(grid)
    with warnings.catch_warnings():
        # Every fit runs max_iter steps on purpose: the warning says nothing.
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        candidates = [
            clone(base).set_params(initializer=name, scale=scale)
            for name, scale in grid
        ]
        if n_jobs == 1:
            single = []
            for index, candidate in enumerate(candidates):
                single.append(
                    _single_split(candidate, X_train, y_train, X_test, y_test)
                )
                if progress is not None:
                    progress(
                        f"[single split {index + 1}/{len(grid)}] "
                        f"{_label(*grid[index])}: train "
                        f"{single[-1]['train_accuracy']:.4f}, test "
                        f"{single[-1]['test_accuracy']:.4f}"
                    )
        else:
            if progress is not None:
                progress(f"[single split] {len(grid)} fits on {n_jobs} jobs ...")
            single = Parallel(n_jobs=n_jobs)(
                delayed(_single_split)(candidate, X_train, y_train, X_test, y_test)
                for candidate in candidates
            )
        if progress is not None:
            progress(f"[single split] done in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        folds = cross_validated_accuracy(
            base, grid, X_train, y_train, cv, n_jobs, progress=progress
        )
        if progress is not None:
            progress(f"[{cv}-fold CV] done in {time.perf_counter() - start:.1f} s")

    rows = []
    for (name, scale), result, fold_scores in zip(grid, single, folds):
        rows.append(
            {
                "initializer": name,
                "scale": float(scale),
                **result,
                "cv_mean": float(fold_scores.mean()),
                "cv_std": float(fold_scores.std()),
                "cv_scores": [float(s) for s in fold_scores],
            }
        )
    return rows


# ------------------------------------------------------------------- reading
def _label(name, scale):
    """``'normal x 10'``; a scale of 1 is left out (``'he_normal'``)."""
    return name if scale == 1 else f"{name} x {scale:g}"


def _key(row):
    return row["initializer"], row["scale"]


def _best(rows, key, tiebreak):
    """Rows sharing the best ``key`` (to 1e-9), the first by ``tiebreak``."""
    top = max(row[key] for row in rows)
    tied = [row for row in rows if row[key] >= top - 1e-9]
    tied.sort(key=lambda row: -row[tiebreak])
    return tied


def _names(rows):
    labels = [_label(row["initializer"], row["scale"]) for row in rows]
    if len(labels) <= 2:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def reading(rows, cv):
    """A paragraph that interprets the results; every claim is computed."""
    if not rows:
        return "No configuration was run."
    sentences = []
    by_test = _best(rows, "test_accuracy", "train_accuracy")
    by_cv = _best(rows, "cv_mean", "test_accuracy")
    test_top = by_test[0]["test_accuracy"]
    cv_top = by_cv[0]["cv_mean"]
    tie = " (tied)" if len(by_test) > 1 else ""
    sentences.append(
        f"By the single split, {_names(by_test)}{tie} "
        f"{'win' if len(by_test) > 1 else 'wins'} with test accuracy {test_top:.4f}"
    )
    tie = " (tied)" if len(by_cv) > 1 else ""
    stds = " / ".join(f"{row['cv_std']:.4f}" for row in by_cv)
    sentences[-1] += (
        f"; by {cv}-fold cross-validation, {_names(by_cv)}{tie} "
        f"{'win' if len(by_cv) > 1 else 'wins'} with {cv_top:.4f} (+- {stds})."
    )
    test_set = {_key(row) for row in by_test}
    cv_set = {_key(row) for row in by_cv}
    if test_set == cv_set:
        sentences.append("The two criteria pick the same initialization.")
    elif test_set & cv_set:
        sentences.append("The two criteria share a winner but not all of them.")
    else:
        cv_winner = by_cv[0]
        sentences.append(
            "The two criteria disagree: the cross-validation winner scores "
            f"{cv_winner['test_accuracy']:.4f} on the test split."
        )
    others = sorted(
        (row for row in rows if _key(row) not in cv_set), key=lambda r: -r["cv_mean"]
    )
    if others:
        second = others[0]
        gap = cv_top - second["cv_mean"]
        spread = max(row["cv_std"] for row in [*by_cv, second])
        verdict = (
            "less than the fold-to-fold spread ({:.4f}): the data do not separate them"
            if gap < spread
            else "more than the fold-to-fold spread ({:.4f})"
        ).format(spread)
        sentences.append(
            f"The CV runner-up, {_label(*_key(second))} ({second['cv_mean']:.4f}), "
            f"is {gap:.4f} behind, {verdict}."
        )
    if len(rows) > 1:
        disagreement = max(
            rows, key=lambda row: abs(row["test_accuracy"] - row["cv_mean"])
        )
        delta = disagreement["test_accuracy"] - disagreement["cv_mean"]
        if abs(delta) > 0:
            sentences.append(
                f"The single split misjudges {_label(*_key(disagreement))} most: "
                f"test {disagreement['test_accuracy']:.4f} vs CV "
                f"{disagreement['cv_mean']:.4f} ({delta:+.4f})."
            )
    shaky = max(rows, key=lambda row: row["cv_std"])
    if shaky.get("cv_scores") and shaky["cv_std"] >= 0.05:
        folds = shaky["cv_scores"]
        sentences.append(
            f"The least stable is {_label(*_key(shaky))} (std {shaky['cv_std']:.4f}, "
            f"folds from {min(folds):.4f} to {max(folds):.4f}): whether it trains "
            "depends on which points it sees, which one split cannot show."
        )
    stuck = [
        row
        for row in rows
        if abs(row["final_loss"] - row["initial_loss"])
        <= 1e-3 * max(1.0, abs(row["initial_loss"]))
    ]
    if stuck:
        losses = sorted({f"{row['initial_loss']:.4f}" for row in stuck})
        sentences.append(
            f"{_names(stuck)} never moved {'their' if len(stuck) > 1 else 'its'} "
            f"loss off its start ({' / '.join(losses)}) in {stuck[0]['n_iter']} "
            "steps: all-zero or tiny weights leave the hidden units symmetric "
            "or their gradients vanishing."
        )
    elif rows and all(row["train_accuracy"] <= 0.5 + 1e-9 for row in rows):
        sentences.append("No configuration beat chance on the training set.")
    loudest = max(rows, key=lambda row: row["initial_loss"])
    quietest = min(rows, key=lambda row: row["initial_loss"])
    if loudest["initial_loss"] > 2 * quietest["initial_loss"]:
        sentences.append(
            f"The largest initial loss, {loudest['initial_loss']:.4g} for "
            f"{_label(loudest['initializer'], loudest['scale'])}, falls to "
            f"{loudest['final_loss']:.4g}, against "
            f"{min(row['final_loss'] for row in rows):.4g} for the lowest final "
            "loss."
        )
    return " ".join(sentences)


# ------------------------------------------------------------------- output
_COLUMNS = (
    ("initializer", "initializer", "<", "{}"),
    ("scale", "scale", ">", "{:g}"),
    ("initial_loss", "init loss", ">", "{:.4f}"),
    ("final_loss", "final loss", ">", "{:.4f}"),
    ("train_accuracy", "train acc", ">", "{:.4f}"),
    ("test_accuracy", "test acc", ">", "{:.4f}"),
)


def format_table(rows, header, cv):
    cv_title = f"{cv}-fold CV acc"
    cells = []
    for row in rows:
        line = [fmt.format(row[key]) for key, _, _, fmt in _COLUMNS]
        line.append(f"{row['cv_mean']:.4f} +- {row['cv_std']:.4f}")
        cells.append(line)
    titles = [title for _, title, _, _ in _COLUMNS] + [cv_title]
    aligns = [align for _, _, align, _ in _COLUMNS] + [">"]
    widths = [
        max(len(titles[j]), *(len(line[j]) for line in cells))
        if cells
        else len(titles[j])
        for j in range(len(titles))
    ]

    def join(values):
        return "  ".join(
            f"{value:{align}{width}}"
            for value, align, width in zip(values, aligns, widths)
        ).rstrip()

    rule = "-" * len(join(titles))
    lines = [*header, "", join(titles), rule, *(join(line) for line in cells), rule]
    return "\n".join(lines)


def format_csv(rows):
    buffer = io.StringIO()
    fields = [
        "initializer",
        "scale",
        "initial_loss",
        "final_loss",
        "train_accuracy",
        "test_accuracy",
        "cv_mean",
        "cv_std",
        "n_iter",
    ]
    writer = csv.DictWriter(
        buffer, fieldnames=fields, extrasaction="ignore", lineterminator="\n"
    )
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {key: repr(v) if isinstance(v, float) else v for key, v in row.items()}
        )
    return buffer.getvalue().rstrip("\n")


def _header(max_iter, cv, seed, n_train, n_test):
    return [
        "skinit seed study: the course's circles data "
        f"({n_train} train / {n_test} test points)",
        "network 2-10-5-1 ReLU, full-batch gradient descent ('gd'), learning rate "
        f"0.01, alpha 0, {max_iter} steps, random_state={seed}",
        f"single split: fit on the training set, accuracy on train and test; CV: "
        f"StratifiedKFold({cv}), unshuffled, on the training set (mean +- std)",
    ]


def main(argv=None):
    """Run the seed study from the command line; return the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    grid = _resolve_grid(parser, args)
    max_iter = args.max_iter
    if max_iter is None:
        max_iter = QUICK_MAX_ITER if args.quick else DEFAULT_MAX_ITER

    def progress(message):
        if not args.quiet:
            print(message, file=sys.stderr, flush=True)

    start = time.perf_counter()
    progress(
        f"skinit seed study: {len(grid)} configurations x (1 + {args.cv} fits), "
        f"{max_iter} steps each, n_jobs={args.n_jobs}"
    )
    rows = run_study(
        grid,
        max_iter=max_iter,
        cv=args.cv,
        n_jobs=args.n_jobs,
        seed=args.seed,
        progress=progress,
    )
    text = reading(rows, args.cv)
    if args.format == "json":
        output = json.dumps(
            {
                "configuration": {
                    **{
                        k: list(v) if isinstance(v, tuple) else v
                        for k, v in NOTEBOOK_PARAMS.items()
                    },
                    "max_iter": max_iter,
                    "random_state": args.seed,
                    "cv": args.cv,
                    "data": "skinit.datasets.load_circles",
                },
                "results": rows,
                "reading": text,
            },
            indent=2,
        )
    elif args.format == "csv":
        output = format_csv(rows)
    else:
        from skinit.datasets import load_circles

        X_train, _, X_test, _ = load_circles()
        header = _header(max_iter, args.cv, args.seed, len(X_train), len(X_test))
        output = "\n".join(
            [
                format_table(rows, header, args.cv),
                "",
                textwrap.fill("Reading: " + text, 88, break_on_hyphens=False),
            ]
        )
    print(output)
    progress(f"done in {time.perf_counter() - start:.1f} s")
    return 0
