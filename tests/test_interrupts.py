"""Ctrl-C: a single fit keeps its partial model (as scikit-learn), a fused
search stops and reports nothing.  Each test sends a real SIGINT to a
subprocess once it has printed that training started."""

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(
    sys.platform == "win32", reason="SIGINT to a subprocess is POSIX-only"
)


def interrupt_when_started(script, started):
    """Run ``script``, send SIGINT once a stdout line starts with ``started``;
    -> (return code, the lines printed after it, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-u", "-c", textwrap.dedent(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )
    try:
        for line in process.stdout:
            if line.startswith(started):
                process.send_signal(signal.SIGINT)
                break
        else:
            raise AssertionError("training never started: " + process.stderr.read())
        out, err = process.communicate(timeout=120)
    finally:
        process.kill()
    return process.returncode, out.splitlines(), err


def test_single_fit_keeps_the_partial_model():
    code, lines, err = interrupt_when_started(
        """
        import warnings
        from skinit import InitMLPClassifier
        from skinit.datasets import load_circles

        X, y, X_test, _ = load_circles()
        clf = InitMLPClassifier(hidden_layer_sizes=(5,), solver="gd",
                                max_iter=10**8, tol=0, n_iter_no_change=10**8,
                                verbose=True, random_state=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            clf.fit(X, y)
        print("RESULT", clf.n_iter_, len(clf.loss_curve_), clf.t_,
              clf.predict(X_test).shape[0],
              [str(w.message) for w in caught])
        """,
        started="Iteration 1,",
    )
    assert code == 0, err
    result = [line for line in lines if line.startswith("RESULT")]
    assert len(result) == 1
    _, n_iter, n_curve, t, n_predicted, messages = result[0].split(" ", 5)
    assert 1 <= int(n_iter) < 10**8
    assert int(n_curve) == int(n_iter)
    assert int(t) == 300 * int(n_iter)
    assert int(n_predicted) == 100
    assert "Training interrupted by user." in messages


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_fused_search_stops_and_reports_nothing(n_jobs):
    code, lines, err = interrupt_when_started(
        f"""
        from skinit import InitMLPClassifier, InitSearchCV
        from skinit.datasets import load_circles

        X, y, _, _ = load_circles()
        search = InitSearchCV(
            InitMLPClassifier(hidden_layer_sizes=(10, 5), solver="adam",
                              max_iter=10**6, tol=0, n_iter_no_change=10**6,
                              batch_size=50, random_state=0),
            {{"scale": [0.5, 1.0], "initializer": ["he_normal", "normal"]}},
            cv=3, verbose=1, n_jobs={n_jobs})
        try:
            search.fit(X, y)
        except KeyboardInterrupt:
            fitted = [name for name in vars(search) if name.endswith("_")]
            print("RESULT interrupted", fitted)
        else:
            print("RESULT completed")
        """,
        started="[InitSearchCV] stacking",
    )
    assert code == 0, err
    assert "RESULT interrupted []" in lines, lines[-3:]
