"""The command line: ``python -m skinit`` and the ``skinit`` console script."""

import csv
import io
import json
import subprocess
import sys
import warnings

import pytest

from skinit import InitMLPClassifier
from skinit._cli import DEFAULT_GRID, main, parse_grid, reading, run_study
from skinit._cli._study import INTERRUPTED
from skinit.datasets import load_circles

# Few steps and two folds: each run takes well under a second.
FAST = ["--max-iter", "50", "--cv", "2", "--quiet"]


def run(capsys, *argv):
    assert main([*FAST, *argv]) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_help_mentions_the_options(capsys):
    with pytest.raises(SystemExit) as excinfo:
        main(["--help"])
    assert excinfo.value.code == 0
    out = capsys.readouterr().out
    for option in (
        "--max-iter",
        "--cv",
        "--n-jobs",
        "--quick",
        "--grid",
        "--initializers",
        "--scales",
        "--seed",
        "--format",
        "--data",
        "--target",
        "--impute",
        "--test-size",
        "--hidden",
        "--scoring",
        "--regression",
        "--classification",
        "--loss",
        "--plot",
        "--version",
    ):
        assert option in out
    # The defaults for the user's own data are shown.
    assert "hidden layers 64, relu, solver adam" in " ".join(out.split())
    assert "he_normal, lecun_normal x scales 0.1, 0.3, 1, 3, 10" in " ".join(
        out.split()
    )
    assert "A regression uses learning rate 0.01" in " ".join(out.split())


def test_table_names_every_configuration(capsys):
    out, err = run(capsys)
    assert err == ""  # --quiet: no progress, and no ConvergenceWarning
    assert "2-fold CV acc" in out
    assert "50 steps" in out and "random_state=3" in out
    assert "Reading:" in out
    body = out.split("Reading:")[0].splitlines()
    rows = [line.split() for line in body if line.split()[:1]]
    for name, scale in DEFAULT_GRID:
        assert [name, f"{scale:g}"] in [row[:2] for row in rows], (name, scale)


def test_progress_goes_to_stderr(capsys):
    assert main(["--max-iter", "20", "--cv", "2", "--grid", "he_normal"]) == 0
    captured = capsys.readouterr()
    assert "he_normal" in captured.err and "CV" in captured.err
    assert "Warning" not in captured.err
    assert "[" not in captured.out  # the progress lines stay off stdout


def test_csv_parses(capsys):
    out, _ = run(capsys, "--format", "csv", "--grid", "normal:10,zeros")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["initializer"], float(r["scale"])) for r in rows] == [
        ("normal", 10.0),
        ("zeros", 1.0),
    ]
    for row in rows:
        for key in ("train_accuracy", "test_accuracy", "cv_mean", "cv_std"):
            assert 0.0 <= float(row[key]) <= 1.0
        assert float(row["initial_loss"]) > 0
        assert int(row["n_iter"]) == 50
    assert float(rows[1]["train_accuracy"]) == 0.5  # zeros cannot learn


def test_json_parses(capsys):
    out, _ = run(
        capsys, "--format", "json", "--initializers", "normal", "--scales", "10,0.01"
    )
    payload = json.loads(out)
    assert payload["configuration"]["max_iter"] == 50
    assert payload["configuration"]["cv"] == 2
    assert payload["configuration"]["hidden_layer_sizes"] == [10, 5]
    results = payload["results"]
    assert [(r["initializer"], r["scale"]) for r in results] == [
        ("normal", 10.0),
        ("normal", 0.01),
    ]
    assert all(len(r["cv_scores"]) == 2 for r in results)
    assert isinstance(payload["reading"], str) and payload["reading"]


def test_runs_are_deterministic(capsys):
    first, _ = run(capsys, "--format", "json", "--grid", "normal:10,he_normal")
    second, _ = run(capsys, "--format", "json", "--grid", "normal:10,he_normal")
    assert first == second


@pytest.mark.parametrize(
    "argv",
    [
        ["--max-iter", "0"],
        ["--max-iter", "many"],
        ["--cv", "1"],
        ["--n-jobs", "0"],
        ["--format", "xml"],
        ["--grid", "bogus:1"],
        ["--grid", "normal:-1"],
        ["--grid", "normal:ten"],
        ["--grid", "normal,,he_normal"],
        ["--scales", "1,x"],
        ["--initializers", "nope"],
        ["--grid", "normal", "--scales", "1"],
        ["--no-such-option"],
    ],
)
def test_invalid_arguments_are_argparse_errors(capsys, argv):
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    assert "error" in capsys.readouterr().err


def test_parse_grid():
    assert parse_grid("normal:10,normal:0.01,he_normal:1") == [
        ("normal", 10.0),
        ("normal", 0.01),
        ("he_normal", 1.0),
    ]


def test_reading_is_computed_from_the_numbers():
    def row(name, scale, test, cv, init=0.7, final=0.3):
        return {
            "initializer": name,
            "scale": scale,
            "train_accuracy": test,
            "test_accuracy": test,
            "cv_mean": cv,
            "cv_std": 0.01,
            "initial_loss": init,
            "final_loss": final,
            "n_iter": 10,
        }

    text = reading([row("a", 1.0, 0.9, 0.8), row("b", 2.0, 0.8, 0.9)], cv=5)
    assert "single split, a wins" in text
    assert "cross-validation, b x 2 wins" in text
    assert "disagree" in text
    text = reading([row("a", 1.0, 0.9, 0.9), row("b", 1.0, 0.8, 0.7)], cv=5)
    assert "same initialization" in text
    text = reading([row("z", 1.0, 0.5, 0.5, final=0.7), row("b", 1.0, 0.8, 0.7)], 5)
    assert "z never moved its loss" in text
    # Tied winners are not each other's runner-up; unstable folds are named.
    shaky = {**row("s", 0.5, 0.6, 0.7), "cv_std": 0.2, "cv_scores": [0.4, 1.0]}
    rows = [row("a", 1.0, 0.9, 0.9), row("b", 1.0, 0.9, 0.9), shaky]
    text = reading(rows, cv=2)
    assert "a and b (tied) win" in text
    assert "runner-up, s x 0.5 (0.7000), is 0.2000 behind" in text
    assert "least stable is s x 0.5" in text and "from 0.4000 to 1.0000" in text


def test_python_dash_m_skinit():
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "skinit",
            *FAST,
            "--grid",
            "he_normal",
            "--format",
            "csv",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("initializer,scale,")
    assert "he_normal" in completed.stdout


class InterruptedFit(InitMLPClassifier):
    """A fit that Ctrl-C stopped: it warns as the engine does and returns."""

    def fit(self, X, y, sample_weight=None):
        super().fit(X, y, sample_weight=sample_weight)
        warnings.warn(INTERRUPTED, UserWarning, stacklevel=2)
        return self


def test_a_fit_stopped_by_ctrl_c_stops_the_study():
    estimator = InterruptedFit(solver="gd", max_iter=2, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        run_study(estimator, [("zeros", 1.0)], load_circles(), cv=2)
    # Outside the study, the warning is only a warning.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimator.fit(*load_circles()[:2])
    assert INTERRUPTED in [str(w.message) for w in caught]


def test_reading_leaves_diverged_rows_out():
    def row(name, test, cv):
        return {
            "initializer": name,
            "scale": 1.0,
            "train_accuracy": test,
            "test_accuracy": test,
            "cv_mean": cv,
            "cv_std": 0.01,
            "cv_scores": [cv - 0.01, cv + 0.01],
            "initial_loss": 0.7,
            "final_loss": 0.3,
            "n_iter": 10,
            "diverged": False,
        }

    diverged = {
        **row("normal", 0.5, 0.5),
        "cv_mean": None,
        "cv_std": None,
        "cv_scores": [0.5, None],
        "diverged": True,
    }
    text = reading([row("a", 0.9, 0.8), diverged], cv=2)
    assert "single split, a wins" in text and "cross-validation, a wins" in text
    assert "normal (in 1 of 2 folds) diverges" in text
    single_split = {"train_accuracy": None, "test_accuracy": None, "final_loss": None}
    text = reading([{**diverged, **single_split}], cv=2)
    assert text.startswith("Every configuration diverged: normal (on the single ")
