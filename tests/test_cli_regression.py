"""``python -m skinit`` on a numeric target: the regression mode.

Small tables written by the tests, tiny grids and few epochs, driven as the
other command-line tests drive them: in-process through ``main``, and once as
a process.
"""

import csv
import io
import json

import numpy as np
import pytest
from test_cli_data import FAST, run_all, run_main, table_rows, write_table

from skinit._cli._plot import _colour_range

DETECTED = (
    "skinit: the target 'y' is continuous: a regression (InitMLPRegressor, r2); "
    "--classification classifies it\n"
)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """Tables of 60 rows: x1, x2 (numbers), color (text) and a target."""
    folder = tmp_path_factory.mktemp("regression")
    rng = np.random.RandomState(0)
    x1, x2 = rng.normal(size=(2, 60))
    color = rng.choice(["red", "green", "blue"], size=60)
    y = 3 * x1 - x2 + 0.1 * rng.normal(size=60)
    counts = rng.poisson(np.exp(0.5 * x1))
    halves = np.where(x1 > 0, 1.5, 0.5)  # continuous by type, two values

    def table(name, target):
        return write_table(
            folder / name,
            ["x1", "x2", "color", "y"],
            list(zip(x1, x2, color, target)),
        )

    return {
        "continuous": table("continuous.csv", y),
        "counts": table("counts.csv", counts),
        "halves": table("halves.csv", halves),
        "constant": table("constant.csv", np.full(60, 2.5)),
        "text": table("text.csv", np.where(x1 > 0, "up", "down")),
    }


def test_a_continuous_target_is_regressed_and_said_so(capsys, files):
    code, out, err = run_main(capsys, "--data", files["continuous"], *FAST)
    assert code == 0
    assert err.startswith(DETECTED)
    assert "Warning" not in err
    assert "continuous.csv (45 train / 15 test rows, target 'y' from " in out
    assert ", regression)" in out
    assert "squared_error loss" in out and "network 5-8-1 ReLU" in out
    assert "held out (shuffled, seed 3), r2 on train and test; CV: KFold(2)" in out
    titles = out.split("Reading:")[0].splitlines()
    assert any("train r2" in line and "2-fold CV r2" in line for line in titles)
    assert len(table_rows(out)) == 2
    reading = out.split("Reading:")[1]
    assert "test r2" in reading
    for word in ("accuracy", "class", "chance"):
        assert word not in reading

    code, quiet_out, err = run_main(capsys, "--data", files["continuous"], "-q", *FAST)
    assert code == 0 and err == ""
    assert quiet_out == out


def test_forced_modes(capsys, files):
    # Integer counts are class labels (see "a quantity taken for classes"
    # below) unless --regression says otherwise.
    code, out, err = run_main(
        capsys, "--data", files["counts"], "--regression", *FAST
    )
    assert code == 0 and ", regression)" in out and "KFold(2)" in out
    assert "is continuous" not in err  # chosen, not detected
    # Two non-integer values: continuous by type, classified on request.
    code, out, err = run_main(
        capsys, "--data", files["halves"], "--classification", *FAST
    )
    assert code == 0 and "target 'y' with 2 classes" in out
    assert "is continuous" not in err
    code, out, err = run_main(capsys, "--data", files["halves"], *FAST)
    assert code == 0 and err.startswith(DETECTED)


def test_json_and_csv_name_the_score(capsys, files):
    argv = ["--data", files["continuous"], "-q", *FAST]
    code, out, _ = run_main(capsys, *argv, "--format", "json")
    assert code == 0
    payload = json.loads(out)
    configuration = payload["configuration"]
    assert configuration["task"] == "regression"
    assert configuration["loss"] == "squared_error"
    assert configuration["scoring"] == "r2"
    for result in payload["results"]:
        assert {"train_r2", "test_r2", "cv_mean", "cv_std"} <= set(result)
        assert "test_accuracy" not in result
        assert result["train_r2"] <= 1 and result["test_r2"] <= 1
        assert result["diverged"] is False and len(result["cv_scores"]) == 2

    code, out, _ = run_main(
        capsys, *argv, "--format", "csv", "--scoring", "neg_mean_squared_error"
    )
    assert code == 0
    records = list(csv.DictReader(io.StringIO(out)))
    assert len(records) == 2
    for record in records:
        assert float(record["test_neg_mean_squared_error"]) < 0
        assert float(record["cv_mean"]) < 0
    cv_means = [float(record["cv_mean"]) for record in records]
    assert cv_means == sorted(cv_means, reverse=True)  # best (least error) first


def test_poisson_loss(capsys, files):
    code, out, _ = run_main(
        capsys,
        *["--data", files["counts"], "--regression", "--loss", "poisson"],
        *["--format", "json", "-q", *FAST],
    )
    assert code == 0
    payload = json.loads(out)
    assert payload["configuration"]["loss"] == "poisson"
    assert all(result["diverged"] is False for result in payload["results"])


ERRORS = {
    "poisson on negative targets": (
        ["--data", "{continuous}", "--loss", "poisson"],
        "--loss poisson needs a non-negative target; 'y' is negative in ",
    ),
    "a loss for a classification": (
        ["--data", "{counts}", "--loss", "poisson"],
        "--loss poisson applies to a regression; the target 'y' is classified "
        "(multiclass); pass --regression",
    ),
    "constant target": (
        ["--data", "{constant}"],
        "the target 'y' is constant (2.5): nothing to regress",
    ),
    "text target": (
        ["--data", "{text}", "--regression"],
        "a regression needs numbers",
    ),
    "a classification score": (
        ["--data", "{continuous}", "--scoring", "accuracy"],
        "--scoring accuracy cannot score this regression (",
    ),
    "both modes": (
        ["--data", "{continuous}", "--regression", "--classification"],
        "not allowed with argument --regression",
    ),
    "a class per value": (
        ["--data", "{continuous}", "--classification"],
        "as many classes as rows (60)",
    ),
    "a quantity taken for classes": (
        ["--data", "{counts}"],
        "or pass --regression if it is a quantity",
    ),
}


@pytest.mark.parametrize("case", ERRORS)
def test_errors_are_one_line_with_exit_code_2(capsys, files, case):
    argv, message = ERRORS[case]
    code, out, err = run_main(capsys, *[arg.format(**files) for arg in argv], "-q")
    assert code == 2, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("skinit: error: ")
    assert message in lines[0]


@pytest.mark.parametrize(
    "solver",
    [
        # adam's bounded steps keep the weights finite; the loss and the
        # predictions overflow.
        "adam",
        # Gradient descent's weights leave the floating-point range.
        "gd",
    ],
)
def test_a_diverged_regression_is_a_marked_row(capsys, files, solver):
    argv = ["--data", files["continuous"], "--solver", solver, "-q"]
    argv += ["--max-iter", "20", "--cv", "2", "--hidden", "8"]
    argv += ["--grid", "normal:1e100,he_normal"]
    code, out, err = run_main(capsys, *argv)
    assert code == 0 and err == ""
    healthy, diverged = table_rows(out)  # ranked: the diverged row last
    assert diverged[:2] == ["normal", "1e+100"] and "diverged" in diverged
    assert healthy[0] == "he_normal" and "diverged" not in healthy
    reading = " ".join(out.split("Reading:")[1].split())
    assert "normal x 1e+100 (on the single split and in 2 of 2 folds)" in reading

    code, out, _ = run_main(capsys, *argv, "--format", "json")
    good, bad = json.loads(out)["results"]
    assert bad["diverged"] is True and good["diverged"] is False
    for key in ("train_r2", "test_r2", "cv_mean", "final_loss"):
        assert bad[key] is None and good[key] is not None
    assert bad["cv_scores"] == [None, None]


def test_the_plot_is_written(capsys, tmp_path, files):
    picture = tmp_path / "regression.png"
    code, _, _ = run_main(
        capsys,
        *["--data", files["continuous"], "--plot", str(picture), "-q", *FAST],
    )
    assert code == 0
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 1000


def test_the_colours_leave_a_failed_regression_below_their_range():
    scores = [0.45, 0.48, 0.40, 0.30, -1e5]
    vmin, vmax, clipped = _colour_range(scores, clip_low=True)
    median = np.median(scores)
    assert clipped and vmax == 0.48
    assert vmin == pytest.approx(median - 5 * (0.48 - median))
    assert _colour_range(scores, clip_low=False) == (-1e5, 0.48, False)
    # Nothing far below: the range spans the scores.
    assert _colour_range([0.35, 0.5, 0.45], clip_low=True) == (0.35, 0.5, False)


def test_the_process_detects_a_regression(files):
    (result,) = run_all(["--data", files["continuous"], *FAST])
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(DETECTED)
    assert "Traceback" not in result.stderr
    assert len(table_rows(result.stdout)) == 2
    assert "2-fold CV r2" in result.stdout
