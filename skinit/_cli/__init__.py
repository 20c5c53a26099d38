"""``python -m skinit``: the seed study, on the course's circles data or the user's.

For each (initializer, scale) of a grid, the study puts the single-split
scores (train and test) next to the k-fold cross-validated score on the
training set, and ends with a reading of the numbers: does one split pick the
same initialization as cross-validation?  Without ``--data`` it trains the
"Initialization" notebook's network (2-10-5-1, ReLU, full-batch gradient
descent, learning rate 0.01, 15000 steps, seed 3) on the course's circles.

Progress goes to stderr and the results to stdout, as an aligned table, CSV or
JSON; ``--plot`` also draws them.  The modules: ``_args`` (the parser),
``_data`` (loading), ``_study`` (the fits), ``_reading`` (the prose),
``_formats`` (table, CSV, JSON) and ``_plot`` (the picture).
"""

import sys
import textwrap
import time

import numpy as np

from skinit._cli._args import (
    COURSE_DEFAULTS,
    DEFAULT_GRID,
    REGRESSION_DEFAULTS,
    TABLE_DEFAULTS,
    TABLE_GRID,
    build_parser,
    network_params,
    parse_grid,
    resolve_grid,
)
from skinit._cli._data import UsageError, check_missing, load_data
from skinit._cli._formats import format_csv, format_json, format_table
from skinit._cli._reading import reading
from skinit._cli._study import (
    build_estimator,
    check_folds,
    check_scoring,
    choose_task,
    run_study,
    train_test,
)

__all__ = ["DEFAULT_GRID", "main", "parse_grid", "reading", "run_study"]

#: Exit code of a study stopped by Ctrl-C (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED = 130

_ACTIVATION_NAMES = {"relu": "ReLU"}


def _steps_word(solver):
    """What ``n_iter`` counts for ``solver``."""
    return {"gd": "steps", "lbfgs": "iterations"}.get(solver, "epochs")


def _network_line(params, units, seed):
    """The network in one line; a regression's loss is named."""
    solver = params["solver"]
    if solver == "gd":
        algorithm = "full-batch gradient descent ('gd')"
    elif solver == "lbfgs":
        algorithm = "lbfgs"
    else:
        algorithm = f"{solver}, batch size {params['batch_size']}"
    activation = _ACTIVATION_NAMES.get(params["activation"], params["activation"])
    loss = f", {params['loss']} loss" if "loss" in params else ""
    return (
        f"network {'-'.join(map(str, units))} {activation}, {algorithm}, learning "
        f"rate {params['learning_rate_init']:g}, alpha {params['alpha']:g}, "
        f"{params['max_iter']} {_steps_word(solver)}{loss}, random_state={seed}"
    )


def _header(data, task, args, params, split, units, scoring):
    X_train, y_train, X_test, _ = split
    folds = "StratifiedKFold" if task.stratify else "KFold"
    cv_line = f"CV: {folds}({args.cv}), unshuffled, on the training set (mean +- std)"
    if data.course:
        return [
            "skinit seed study: the course's circles data "
            f"({len(X_train)} train / {len(X_test)} test points)",
            _network_line(params, units, args.seed),
            f"single split: fit on the training set, {scoring} on train and test; "
            + cv_line,
        ]
    steps = "numeric columns standardized"
    if data.categorical:
        steps += f", {len(data.categorical)} text columns one-hot encoded"
    if args.impute:
        steps += ", missing values imputed"
    if task.stratify:
        target = f"target {data.target!r} with {len(np.unique(y_train))} classes"
    else:
        target = (
            f"target {data.target!r} from {data.y.min():g} to {data.y.max():g}, "
            "regression"
        )
    held_out = "stratified" if task.stratify else "shuffled"
    return [
        f"skinit seed study: {data.source} ({len(X_train)} train / {len(X_test)} "
        f"test rows, {target})",
        _network_line(params, units, args.seed),
        f"preprocessing in the pipeline, fitted on each training fold: {steps}",
        f"single split: {args.test_size:g} of the rows held out ({held_out}, "
        f"seed {args.seed}), {scoring} on train and test; " + cv_line,
    ]


def _layer_units(estimator, task, split):
    """The network's layer sizes, inputs counted after the preprocessing."""
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    X_train, y_train = split[0], split[1]
    if isinstance(estimator, Pipeline):
        n_inputs = clone(estimator[:-1]).fit_transform(X_train, y_train).shape[1]
        network = estimator[-1]
    else:
        n_inputs, network = X_train.shape[1], estimator
    n_classes = len(np.unique(y_train))
    n_outputs = 1 if task.kind == "regression" or n_classes == 2 else n_classes
    return [n_inputs, *network.hidden_layer_sizes, n_outputs]


def _configuration(data, task, args, params, scoring):
    configuration = {
        key: list(value) if isinstance(value, tuple) else value
        for key, value in params.items()
    }
    if data.course:
        configuration["tol"] = 0.0
    configuration.update(
        random_state=args.seed,
        cv=args.cv,
        scoring=scoring,
        data="skinit.datasets.load_circles" if data.course else args.data,
    )
    if not data.course:
        configuration.update(
            task=task.kind,
            target=data.target,
            test_size=args.test_size,
            impute=args.impute,
        )
    return configuration


def _ranked(rows):
    """Best CV score first; configurations that diverged last."""
    return sorted(
        rows,
        key=lambda row: (row["cv_mean"] is None, -(row["cv_mean"] or 0.0)),
    )


def _study(parser, args):
    """Load, train, write; -> exit code.  Raises UsageError for unusable input."""
    from skinit._cli._plot import check_plot_path, plot_study
    from skinit._progress import ProgressReporter

    course = args.data == "circles"
    grid = resolve_grid(parser, args, DEFAULT_GRID if course else TABLE_GRID)
    if args.plot is not None:
        check_plot_path(args.plot)
    data = load_data(args.data, args.target)
    task, data.y = choose_task(data.y, data.target, task=args.task, loss=args.loss)
    if task.detected and not args.quiet:
        print(
            f"{parser.prog}: the target {data.target!r} is continuous: a regression "
            f"({task.estimator.__name__}, {task.scoring}); --classification "
            "classifies it",
            file=sys.stderr,
            flush=True,
        )
    if not args.impute:
        check_missing(data)
    scoring = args.scoring or task.scoring
    check_scoring(task, scoring, data.y)
    if course:
        defaults = COURSE_DEFAULTS
    else:
        regression = task.kind == "regression"
        defaults = REGRESSION_DEFAULTS if regression else TABLE_DEFAULTS
    params = {**network_params(args, defaults), **task.params}
    estimator = build_estimator(task, data, params, args.seed, impute=args.impute)
    split = train_test(task, data, args.test_size, args.seed)
    check_folds(task, split[1], args.cv)

    start = time.perf_counter()
    reporter = ProgressReporter(len(grid) * (1 + args.cv), quiet=args.quiet)
    reporter.write(
        f"skinit seed study: {len(grid)} configurations x (1 + {args.cv} fits), "
        f"{params['max_iter']} {_steps_word(params['solver'])} each, "
        f"n_jobs={args.n_jobs}"
    )
    rows = run_study(
        estimator,
        grid,
        split,
        cv=args.cv,
        scoring=scoring,
        stratify=task.stratify,
        n_jobs=args.n_jobs,
        reporter=reporter,
    )
    reporter.close()
    if (args.order or ("grid" if course else "cv")) == "cv":
        rows = _ranked(rows)
    chance = None
    if scoring == "accuracy":
        chance = np.unique(split[1], return_counts=True)[1].max() / len(split[1])
    text = reading(
        rows,
        args.cv,
        scoring=scoring,
        chance=chance,
        steps=_steps_word(params["solver"]),
    )
    units = _layer_units(estimator, task, split)
    if args.format == "json":
        configuration = _configuration(data, task, args, params, scoring)
        output = format_json(configuration, rows, text)
    elif args.format == "csv":
        output = format_csv(rows, scoring)
    else:
        header = _header(data, task, args, params, split, units, scoring)
        output = "\n".join(
            [
                format_table(rows, header, args.cv, scoring),
                "",
                textwrap.fill("Reading: " + text, 88, break_on_hyphens=False),
            ]
        )
    print(output, flush=True)
    if args.plot is not None:  # after the results, which a failed write keeps
        plot_study(
            rows,
            args.plot,
            cv=args.cv,
            scoring=scoring,
            title=f"{data.source}: {_network_line(params, units, args.seed)}",
            clip_low=task.kind == "regression",
        )
    reporter.write(f"done in {time.perf_counter() - start:.1f} s")
    return 0


def main(argv=None):
    """Run the seed study from the command line; return the exit code.

    Unusable arguments or data end the run with a one-line message and exit
    code 2, Ctrl-C with exit code 130; neither prints results.
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return _study(parser, args)
    except UsageError as error:
        parser.exit(2, f"{parser.prog}: error: {error}\n")
    except KeyboardInterrupt:
        print(
            f"{parser.prog}: interrupted (Ctrl-C); no results were written",
            file=sys.stderr,
            flush=True,
        )
        return EXIT_INTERRUPTED
