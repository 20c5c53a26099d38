"""``python -m skinit`` on the user's data.

Small tables written by the tests, tiny grids and few steps.  What only a
process shows -- the exit code and stderr of ``python -m skinit``, Ctrl-C, a
missing matplotlib -- is driven as a subprocess (the runs of a test start
together); the other cases call ``main`` in-process, which is the same code
without the second or so of imports that each process pays.
"""

import csv
import io
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import skinit
from skinit._cli import main

ROOT = Path(__file__).resolve().parents[1]
# Two configurations, two folds, a small network and few epochs.
FAST = ["--max-iter", "20", "--cv", "2", "--hidden", "8"]
FAST += ["--grid", "he_normal,normal:0.1"]


def _env(extra_path=None):
    paths = [str(ROOT), os.environ.get("PYTHONPATH", "")]
    if extra_path is not None:
        paths.insert(0, str(extra_path))
    return {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}


def _start(argv, env=None):
    return subprocess.Popen(
        [sys.executable, "-m", "skinit", *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env or _env(),
        cwd=ROOT,
    )


def run_all(*argvs, env=None):
    """Run the CLI once per argv, side by side; -> [CompletedProcess]."""
    processes = [_start(argv, env) for argv in argvs]
    results = []
    for argv, process in zip(argvs, processes):
        out, err = process.communicate(timeout=300)
        results.append(subprocess.CompletedProcess(argv, process.returncode, out, err))
    return results


def table_rows(out):
    """The body lines of the table, split into cells."""
    lines = out.split("Reading:")[0].splitlines()
    rules = [i for i, line in enumerate(lines) if line and set(line) == {"-"}]
    return [line.split() for line in lines[rules[0] + 1 : rules[1]]]


def make_table(n_rows=60, seed=0):
    """Columns x1, x2 (numbers), color (text) and label (yes/no, from x1)."""
    rng = np.random.RandomState(seed)
    x1 = rng.normal(size=n_rows)
    x2 = rng.normal(size=n_rows)
    color = rng.choice(["red", "green", "blue"], size=n_rows)
    label = np.where(x1 + 0.3 * rng.normal(size=n_rows) > 0, "yes", "no")
    return ["x1", "x2", "color", "label"], list(zip(x1, x2, color, label))


def write_table(path, header, rows, delimiter=","):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return str(path)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    header, rows = make_table()
    paths = {
        "csv": write_table(folder / "table.csv", header, rows),
        # The label in the middle: --target names it.
        "tsv": write_table(
            folder / "table.tsv",
            ["x1", "label", "x2"],
            [(x1, label, x2) for x1, x2, _, label in rows],
            delimiter="\t",
        ),
        "missing": write_table(
            folder / "missing.csv",
            header,
            [("", *row[1:]) if i in (3, 7) else row for i, row in enumerate(rows)],
        ),
        "typo": write_table(
            folder / "typo.csv",
            header,
            [
                (x1, "n/a?", *rest) if i == 5 else (x1, x2, *rest)
                for i, (x1, x2, *rest) in enumerate(rows)
            ],
        ),
        "one_class": write_table(
            folder / "one_class.csv", header, [(*row[:3], "yes") for row in rows]
        ),
        "rare": write_table(
            folder / "rare.csv",
            header,
            [(*row[:3], "maybe") if i == 9 else row for i, row in enumerate(rows)],
        ),
        "ids": write_table(
            folder / "ids.csv",
            ["x1", "id"],
            [(row[0], f"r{i}") for i, row in enumerate(rows)],
        ),
        "ragged": str(folder / "ragged.csv"),
        "binary": str(folder / "binary.csv"),
        "npz": str(folder / "arrays.npz"),
        "parquet": str(folder / "broken.parquet"),
    }
    Path(paths["ragged"]).write_text("a,b,label\n1,2,x\n3,4\n")
    Path(paths["binary"]).write_bytes(b"\xff\xfe\x00\x01binary\x00")
    Path(paths["parquet"]).write_bytes(b"not parquet at all")
    X = np.array([[row[0], row[1]] for row in rows])
    y = np.array([row[3] == "yes" for row in rows], dtype=int)
    np.savez(paths["npz"], X=X, y=y)
    return paths


# ---------------------------------------------------------------- happy paths
def run_main(capsys, *argv):
    """(exit code, stdout, stderr) of ``main(argv)`` in-process."""
    try:
        code = main(list(argv))
    except SystemExit as exit:
        code = exit.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_csv_table_from_the_command_line(files):
    (result,) = run_all(["--data", files["csv"], *FAST])
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    out = result.stdout
    assert "table.csv (45 train / 15 test rows, target 'label' with 2 classes)" in out
    assert "1 text columns one-hot encoded" in out
    assert "network 5-8-1 ReLU, adam" in out  # x1, x2 and three colors
    rows = table_rows(out)
    assert sorted((row[0], float(row[1])) for row in rows) == [
        ("he_normal", 1.0),
        ("normal", 0.1),
    ]
    cv_means = [float(row[-3]) for row in rows]
    assert cv_means == sorted(cv_means, reverse=True)  # ranked by CV score
    assert "Reading: By the single split" in out


def test_tsv_with_a_named_target_and_another_scorer(capsys, files):
    code, out, err = run_main(
        capsys,
        *["--data", files["tsv"], "--target", "label", "--format", "json", "-q"],
        *["--scoring", "balanced_accuracy", *FAST],
    )
    assert code == 0 and err == ""
    payload = json.loads(out)
    configuration = payload["configuration"]
    assert configuration["target"] == "label"
    assert configuration["scoring"] == "balanced_accuracy"
    assert configuration["hidden_layer_sizes"] == [8]
    for result in payload["results"]:
        assert 0 <= result["test_balanced_accuracy"] <= 1
        assert "test_accuracy" not in result
        assert len(result["cv_scores"]) == 2 and result["diverged"] is False
    assert "test balanced_accuracy" in payload["reading"]


@pytest.mark.parametrize("data, n_train", [("npz", 45), ("iris", 112)])
def test_arrays_and_bundled_sets(capsys, files, data, n_train):
    spec = files.get(data, data)
    code, out, err = run_main(capsys, "--data", spec, "-q", *FAST)
    assert code == 0 and err == ""
    assert f"({n_train} train / " in out
    code, out, _ = run_main(
        capsys, "--data", spec, "--format", "csv", "--order", "grid", "-q", *FAST
    )
    records = list(csv.DictReader(io.StringIO(out)))
    assert [r["initializer"] for r in records] == ["he_normal", "normal"]
    for record in records:
        assert 0 <= float(record["cv_mean"]) <= 1
        assert record["diverged"] == "False"


def test_missing_values_are_imputed_on_request(capsys, files):
    code, out, _ = run_main(capsys, "--data", files["missing"], "--impute", "-q", *FAST)
    assert code == 0
    assert "missing values imputed" in out
    assert len(table_rows(out)) == 2


# --------------------------------------------------------------------- errors
ERRORS = {
    "missing file": (["--data", "no/such/file.csv"], "no such file"),
    "unknown target": (["--data", "{csv}", "--target", "nope"], "no column 'nope'"),
    "single class": (["--data", "{one_class}"], "single class ('yes')"),
    "a class per row": (["--data", "{ids}"], "as many classes as rows (60)"),
    "a class of one row": (["--data", "{rare}"], "a class with a single row ('maybe')"),
    "text in a number column": (
        ["--data", "{typo}"],
        "column 'x2', line 7: 'n/a?' is not a number",
    ),
    "ragged row": (["--data", "{ragged}"], "line 3 has 2 fields, the header has 3"),
    "not text": (["--data", "{binary}"], "not UTF-8 text"),
    "not parquet": (["--data", "{parquet}"], "parquet"),
    "missing values": (
        ["--data", "{missing}"],
        "2 of 60 rows have missing values (rows per column: 'x1' (2)); pass --impute",
    ),
    "too many folds": (["--cv", "301"], "--cv 301: the training set's smallest class"),
    "negative seed": (["--seed", "-1"], "argument --seed: '-1' must be between 0"),
    "test size 0": (["--test-size", "0"], "strictly between 0 and 1"),
    "test size 1.5": (["--test-size", "1.5"], "strictly between 0 and 1"),
    "test set too small": (["--data", "iris", "--test-size", "0.01"], "--test-size"),
    "unknown scorer": (["--scoring", "nope"], "unknown scorer 'nope'"),
}


def error_argv(files, case):
    return [arg.format(**files) for arg in ERRORS[case][0]]


@pytest.mark.parametrize("case", ERRORS)
def test_errors_are_one_line_with_exit_code_2(capsys, files, case):
    code, out, err = run_main(capsys, *error_argv(files, case))
    assert code == 2, (out, err)
    assert out == ""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("skinit: error: ")
    assert ERRORS[case][1] in lines[0]


def test_errors_end_the_process_with_exit_code_2(files, tmp_path):
    # A matplotlib that cannot be imported, first on the path.
    (tmp_path / "matplotlib").mkdir()
    (tmp_path / "matplotlib" / "__init__.py").write_text(
        "raise ImportError('No module named matplotlib')\n"
    )
    picture = tmp_path / "study.png"
    data_error, usage_error, no_matplotlib = run_all(
        error_argv(files, "single class"),
        error_argv(files, "negative seed"),
        ["--plot", str(picture)],
        env=_env(extra_path=tmp_path),
    )
    for result in (data_error, usage_error, no_matplotlib):
        assert result.returncode == 2
        assert result.stdout == ""
        assert len(result.stderr.splitlines()) == 1, result.stderr
    assert ERRORS["single class"][1] in data_error.stderr
    assert ERRORS["negative seed"][1] in usage_error.stderr
    assert no_matplotlib.stderr == (
        "skinit: error: --plot needs matplotlib: pip install 'skinit[plot]' "
        "(or matplotlib)\n"
    )
    assert not picture.exists()


# ------------------------------------------------- divergence, plot, progress
def test_a_diverged_configuration_is_a_marked_row(capsys):
    grid = ["--grid", "normal:1e100,he_normal", "--max-iter", "20", "--cv", "2", "-q"]
    (table,) = run_all(grid)
    assert table.returncode == 0 and table.stderr == ""
    diverged, healthy = table_rows(table.stdout)
    assert diverged[:2] == ["normal", "1e+100"] and "diverged" in diverged
    assert healthy[0] == "he_normal" and "diverged" not in healthy
    reading = " ".join(table.stdout.split("Reading:")[1].split())
    assert "normal x 1e+100 (on the single split and in 2 of 2 folds)" in reading

    _, out, _ = run_main(capsys, *grid, "--format", "csv")
    records = {r["initializer"]: r for r in csv.DictReader(io.StringIO(out))}
    assert records["normal"]["diverged"] == "True"
    assert records["normal"]["cv_mean"] == records["normal"]["test_accuracy"] == ""
    assert records["he_normal"]["diverged"] == "False"
    _, out, _ = run_main(capsys, *grid, "--format", "json")
    payload = json.loads(out)
    bad, good = payload["results"]
    assert bad["diverged"] is True and good["diverged"] is False
    for key in ("train_accuracy", "test_accuracy", "cv_mean", "cv_std"):
        assert bad[key] is None and good[key] is not None
    assert bad["cv_scores"] == [None, None]
    assert "diverges" in payload["reading"]


def test_plot_progress_and_quiet(capsys, tmp_path, files):
    picture = tmp_path / "study.png"
    code, loud_out, err = run_main(
        capsys, "--data", files["csv"], "--plot", str(picture), *FAST
    )
    assert code == 0
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert picture.stat().st_size > 1000
    assert err.startswith("skinit seed study: 2 configurations x (1 + 2 fits)")
    assert "[single split 2/2]" in err and "[2-fold CV 2/2]" in err
    assert "networks" in err and "6/6" in err  # 2 x (1 + 2) networks trained
    assert "Warning" not in err
    code, quiet_out, err = run_main(capsys, "--data", files["csv"], "-q", *FAST)
    assert code == 0 and err == ""
    assert quiet_out == loud_out


def test_version(capsys):
    code, out, _ = run_main(capsys, "--version")
    assert code == 0
    assert out == f"skinit {skinit.__version__}\n"


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT is POSIX")
def test_ctrl_c_stops_the_study_with_exit_code_130():
    # A fit long enough to be running when the signal arrives.
    process = _start(["--max-iter", "1000000", "--cv", "2", "--grid", "he_normal"])
    started = process.stderr.readline()
    assert started.startswith("skinit seed study:"), started
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert out == ""  # no table that looks complete
    assert err == "skinit: interrupted (Ctrl-C); no results were written\n"
