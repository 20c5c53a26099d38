"""The command line's arguments: the parser, its value checks and defaults."""

import argparse
import math

__all__ = [
    "COURSE_DEFAULTS",
    "DEFAULT_GRID",
    "REGRESSION_DEFAULTS",
    "TABLE_DEFAULTS",
    "TABLE_GRID",
    "build_parser",
    "network_params",
    "parse_grid",
    "resolve_grid",
]

#: The course study's (initializer, scale) pairs, in the order they are reported.
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

#: The grid for the user's own data: the main schemes x log-spaced scales.
TABLE_INITIALIZERS = ("sklearn", "glorot_uniform", "he_normal", "lecun_normal")
TABLE_SCALES = (0.1, 0.3, 1.0, 3.0, 10.0)
TABLE_GRID = tuple(
    (name, scale) for name in TABLE_INITIALIZERS for scale in TABLE_SCALES
)

#: The course notebook's network, less the parameters the study varies.
COURSE_DEFAULTS = {
    "hidden_layer_sizes": (10, 5),
    "activation": "relu",
    "solver": "gd",
    "learning_rate_init": 0.01,
    "alpha": 0.0,
    "batch_size": "auto",
    "max_iter": 15000,
    "quick_max_iter": 2000,
}

#: A network that trains reasonably on a typical table: MLPClassifier's
#: defaults, with fewer epochs.
TABLE_DEFAULTS = {
    "hidden_layer_sizes": (64,),
    "activation": "relu",
    "solver": "adam",
    "learning_rate_init": 0.001,
    "alpha": 0.0001,
    "batch_size": "auto",
    "max_iter": 300,
    "quick_max_iter": 100,
}

#: A regression on a table: the same network with a larger learning rate.
#: The target is not rescaled, and adam moves each weight by about the
#: learning rate per step: at 0.001 the output of a 64-unit network cannot
#: reach a target in the hundreds within 300 epochs (scikit-learn's diabetes
#: data, mean 152: CV R^2 below 0.1 for every initializer of the grid), at
#: 0.01 it fits (CV R^2 0.37 to 0.49 over the grid; a linear regression: 0.50).
REGRESSION_DEFAULTS = {**TABLE_DEFAULTS, "learning_rate_init": 0.01}

#: The network options, their estimator parameter and their dest in ``args``.
NETWORK_OPTIONS = {
    "hidden_layer_sizes": "hidden",
    "activation": "activation",
    "solver": "solver",
    "learning_rate_init": "learning_rate",
    "alpha": "alpha",
    "batch_size": "batch_size",
}

BUNDLED_DATA = ("circles", "iris", "wine", "breast_cancer", "digits")
MAX_SEED = 2**32 - 1


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


def _integer(text, low=None, high=None):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f">= {low}" if high is None else f"between {low} and {high}"
        raise argparse.ArgumentTypeError(f"{text!r} must be {bounds}")
    return value


def _positive_int(text):
    return _integer(text, 1)


def _seed(text):
    return _integer(text, 0, MAX_SEED)


def _n_jobs(text):
    value = _integer(text)
    if value == 0:
        raise argparse.ArgumentTypeError("n_jobs must not be 0 (use -1 for all CPUs)")
    return value


def _cv_folds(text):
    value = _positive_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError("cross-validation needs at least 2 folds")
    return value


def _number(text, *, low, high=None, low_inclusive=True):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    too_low = value < low if low_inclusive else value <= low
    if not math.isfinite(value) or too_low or (high is not None and value >= high):
        if high is None:
            bounds = f"{'>=' if low_inclusive else '>'} {low:g}"
        else:
            bounds = f"strictly between {low:g} and {high:g}"
        raise argparse.ArgumentTypeError(f"{text!r} must be a number {bounds}")
    return value


def _test_size(text):
    return _number(text, low=0.0, high=1.0, low_inclusive=False)


def _hidden(text):
    try:
        return tuple(_positive_int(item) for item in _split_list(text))
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(
            f"layer sizes are positive integers such as 64,32 ({error})"
        ) from None


def _batch_size(text):
    return "auto" if text == "auto" else _positive_int(text)


def _scoring(name):
    from sklearn.metrics import get_scorer_names

    if name not in get_scorer_names():
        raise argparse.ArgumentTypeError(
            f"unknown scorer {name!r}; see sklearn.metrics.get_scorer_names()"
        )
    return name


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (the usage is one ``--help`` away)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _describe(defaults):
    hidden = "-".join(map(str, defaults["hidden_layer_sizes"]))
    return (
        f"hidden layers {hidden}, {defaults['activation']}, solver "
        f"{defaults['solver']}, learning rate {defaults['learning_rate_init']:g}, "
        f"alpha {defaults['alpha']:g}, {defaults['max_iter']} epochs "
        f"({defaults['quick_max_iter']} with --quick)"
    )


def build_parser():
    from skinit import __version__

    course_grid = ", ".join(f"{name}:{scale:g}" for name, scale in DEFAULT_GRID)
    parser = _Parser(
        prog="skinit",
        description=(
            "Seed study: for each (initializer, scale), the single-split "
            "train/test score next to the k-fold cross-validated score on the "
            "training set, with the initial and final training loss.  Without "
            "--data, on the deep-learning course's circles data with its "
            "network: 2-10-5-1, ReLU, full-batch gradient descent ('gd'), "
            "learning rate 0.01, no L2 penalty.  A target of class labels is "
            "classified (InitMLPClassifier, accuracy); a continuous one, or any "
            "numeric one with --regression, is regressed (InitMLPRegressor, R^2)."
        ),
        epilog=(
            f"Default grid on the course data: {course_grid}.  Default grid on "
            f"other data: {', '.join(TABLE_INITIALIZERS)} x scales "
            f"{', '.join(f'{s:g}' for s in TABLE_SCALES)}.  Initializers: "
            f"{', '.join(_initializer_names())}."
        ),
    )
    parser.add_argument("--version", action="version", version=f"skinit {__version__}")
    data = parser.add_argument_group("data")
    data.add_argument(
        "--data",
        default="circles",
        metavar="PATH|NAME",
        help=(
            "a CSV or TSV file with a header row, an .npz file with arrays X "
            "and y, a .parquet file (needs pandas), or one of "
            f"{', '.join(BUNDLED_DATA)} (default circles: the course data "
            "with its own train/test split)"
        ),
    )
    data.add_argument(
        "--target",
        default=None,
        metavar="COLUMN",
        help="the target column of a table (default: the last column)",
    )
    task = data.add_mutually_exclusive_group()
    task.add_argument(
        "--regression",
        dest="task",
        action="store_const",
        const="regression",
        default="auto",
        help=(
            "regress the target with InitMLPRegressor, scored by R^2 (the "
            "default when the target is continuous: non-integer numbers); "
            "unstratified split and folds"
        ),
    )
    task.add_argument(
        "--classification",
        dest="task",
        action="store_const",
        const="classification",
        help="classify the target, each of its values a class, even when continuous",
    )
    data.add_argument(
        "--loss",
        choices=("squared_error", "poisson"),
        default=None,
        help=(
            "a regression's loss (default squared_error; poisson needs a "
            "non-negative target, such as counts)"
        ),
    )
    data.add_argument(
        "--impute",
        action="store_true",
        help=(
            "fill missing feature values (median of a numeric column, most "
            "frequent value of a text column) instead of stopping"
        ),
    )
    data.add_argument(
        "--test-size",
        type=_test_size,
        default=0.25,
        help=(
            "fraction of the rows held out for the single split (default 0.25, "
            "shuffled with --seed, stratified for a classification; the course "
            "data keeps its own)"
        ),
    )
    network = parser.add_argument_group(
        "network",
        "Defaults on the course data: the notebook's network (above), "
        f"{COURSE_DEFAULTS['max_iter']} steps ({COURSE_DEFAULTS['quick_max_iter']} "
        f"with --quick).  Defaults on other data: {_describe(TABLE_DEFAULTS)}, "
        "no early stopping; numeric features standardized and text features "
        "one-hot encoded inside the cross-validated pipeline.  A regression "
        "uses learning rate "
        f"{REGRESSION_DEFAULTS['learning_rate_init']:g} (its target is not "
        "rescaled).",
    )
    network.add_argument(
        "--hidden",
        type=_hidden,
        default=None,
        metavar="UNITS,...",
        help="hidden layer sizes, e.g. 64,32",
    )
    network.add_argument(
        "--activation", choices=("identity", "logistic", "tanh", "relu"), default=None
    )
    network.add_argument("--solver", choices=("gd", "sgd", "adam", "lbfgs"))
    network.add_argument(
        "--learning-rate",
        type=lambda text: _number(text, low=0.0, low_inclusive=False),
        default=None,
        help="learning_rate_init",
    )
    network.add_argument(
        "--alpha",
        type=lambda text: _number(text, low=0.0),
        default=None,
        help="L2 penalty",
    )
    network.add_argument(
        "--batch-size",
        type=_batch_size,
        default=None,
        help="minibatch size for sgd and adam, or auto",
    )
    network.add_argument(
        "--max-iter",
        type=_positive_int,
        default=None,
        help="steps (epochs) per fit",
    )
    network.add_argument(
        "--quick",
        action="store_true",
        help="a fast run: fewer steps unless --max-iter is given",
    )
    study = parser.add_argument_group("study")
    study.add_argument(
        "--cv",
        type=_cv_folds,
        default=5,
        help=(
            "number of unshuffled folds, stratified for a classification "
            "(default 5)"
        ),
    )
    study.add_argument(
        "--scoring",
        type=_scoring,
        default=None,
        help=(
            "any scikit-learn scorer name (default accuracy, or r2 for a "
            "regression; e.g. neg_mean_squared_error)"
        ),
    )
    study.add_argument(
        "--n-jobs",
        type=_n_jobs,
        default=1,
        help="parallel jobs for the fits (default 1; -1 for all CPUs)",
    )
    study.add_argument(
        "--seed",
        type=_seed,
        default=3,
        help=(
            f"random_state of every fit and of the train/test split, 0 to "
            f"{MAX_SEED} (default 3)"
        ),
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
    output = parser.add_argument_group("output")
    output.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="output format on stdout (default table)",
    )
    output.add_argument(
        "--order",
        choices=("cv", "grid"),
        default=None,
        help=(
            "row order: by CV score, best first, or the grid's order (default: "
            "grid on the course data, cv otherwise)"
        ),
    )
    output.add_argument(
        "--plot",
        default=None,
        metavar="FILE.png",
        help="also draw a heat map of the scores (needs matplotlib)",
    )
    output.add_argument(
        "--quiet", "-q", action="store_true", help="no progress lines on stderr"
    )
    return parser


def resolve_grid(parser, args, default_grid):
    """The (initializer, scale) pairs to study, without repeats."""
    if args.grid is not None:
        if args.initializers is not None or args.scales is not None:
            parser.error("--grid cannot be combined with --initializers/--scales")
        grid = args.grid
    elif args.initializers is not None or args.scales is not None:
        names = args.initializers or [name for name, _ in default_grid]
        names = list(dict.fromkeys(names))
        scales = args.scales or [1.0]
        grid = [(name, scale) for name in names for scale in scales]
    else:
        grid = list(default_grid)
    return list(dict.fromkeys(grid))  # drop repeats, keep the order


def network_params(args, defaults):
    """The MLP's parameters: the options given, else ``defaults``."""
    params = {
        name: getattr(args, dest) if getattr(args, dest) is not None else defaults[name]
        for name, dest in NETWORK_OPTIONS.items()
    }
    params["max_iter"] = args.max_iter or (
        defaults["quick_max_iter"] if args.quick else defaults["max_iter"]
    )
    return params
