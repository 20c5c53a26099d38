"""The progress reporter: when it prints, what it prints, and its tqdm bar."""

import io

import pytest

import skinit._progress as progress_module
from skinit._progress import ProgressReporter


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def plain(total, clock, **kwargs):
    stream = io.StringIO()
    reporter = ProgressReporter(
        total, stream=stream, clock=clock, use_tqdm=False, **kwargs
    )
    return reporter, stream


def test_lines_at_most_every_min_interval_and_a_final_one():
    clock = FakeClock()
    reporter, stream = plain(80, clock, min_interval=2.0)
    for done in range(1, 40):  # many calls within the first interval
        clock.now += 0.01
        reporter.update(done)
    assert stream.getvalue() == ""
    clock.now = 112.0
    reporter.update(40)
    assert stream.getvalue() == "networks trained 40/80, 12 s elapsed, ~12 s left\n"
    clock.now = 113.0  # 1 s later: not yet due
    reporter.update(50)
    assert stream.getvalue().count("\n") == 1
    clock.now = 124.0
    reporter.update(60)
    assert stream.getvalue().splitlines()[-1] == (
        "networks trained 60/80, 24 s elapsed, ~8 s left"
    )
    clock.now = 130.0
    reporter.update(80)  # done: the final line is close's
    reporter.close()
    reporter.close()  # a second close prints nothing more
    lines = stream.getvalue().splitlines()
    assert lines == [
        "networks trained 40/80, 12 s elapsed, ~12 s left",
        "networks trained 60/80, 24 s elapsed, ~8 s left",
        "networks trained 80/80 in 30 s",
    ]


def test_final_line_even_when_nothing_was_due():
    clock = FakeClock()
    reporter, stream = plain(3, clock, unit="folds")
    clock.now += 0.5
    reporter.update(3)
    reporter.close()
    assert stream.getvalue() == "folds trained 3/3 in 0 s\n"


def test_long_durations_read_in_minutes_and_hours():
    clock = FakeClock()
    reporter, stream = plain(10, clock)
    clock.now += 185.0
    reporter.update(1)
    clock.now += 3 * 3600.0
    reporter.update(2)
    first, second = stream.getvalue().splitlines()
    assert first == "networks trained 1/10, 3 min 05 s elapsed, ~27 min 45 s left"
    assert second.startswith("networks trained 2/10, 3 h 03 min elapsed, ~12 h ")


def test_quiet_prints_nothing():
    clock = FakeClock()
    reporter, stream = plain(5, clock, quiet=True)
    clock.now += 10
    reporter.update(2)
    reporter.write("a message")
    reporter.close()
    assert stream.getvalue() == ""


def test_write_prints_a_line_of_its_own():
    reporter, stream = plain(5, FakeClock())
    reporter.write("[single split 1/5] he_normal: done")
    assert stream.getvalue() == "[single split 1/5] he_normal: done\n"


class FakeBar:
    """Records how the reporter drives a tqdm bar."""

    instances = []

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        self.n = 0
        self.closed = False
        self.written = []
        FakeBar.instances.append(self)

    def update(self, increment):
        self.n += increment

    def write(self, message, file=None):
        self.written.append(message)

    def close(self):
        self.closed = True


def test_a_tqdm_bar_when_tqdm_is_installed(monkeypatch):
    FakeBar.instances.clear()
    monkeypatch.setattr(progress_module, "_load_tqdm", lambda: FakeBar)
    stream = io.StringIO()
    reporter = ProgressReporter(8, stream=stream, min_interval=5.0)
    (bar,) = FakeBar.instances
    assert bar.kwargs["total"] == 8 and bar.kwargs["file"] is stream
    assert bar.kwargs["mininterval"] == 5.0
    for done in (1, 1, 3, 8):  # running counts, repeated ones included
        reporter.update(done)
    assert bar.n == 8
    reporter.write("a message")
    reporter.close()
    assert bar.written == ["a message"] and bar.closed
    assert stream.getvalue() == ""  # the bar, not the reporter, draws


def test_no_bar_when_quiet_or_tqdm_missing(monkeypatch):
    FakeBar.instances.clear()
    monkeypatch.setattr(progress_module, "_load_tqdm", lambda: FakeBar)
    ProgressReporter(8, stream=io.StringIO(), quiet=True).close()
    assert FakeBar.instances == []
    monkeypatch.setattr(progress_module, "_load_tqdm", lambda: None)
    stream = io.StringIO()
    ProgressReporter(8, stream=stream).close()
    assert stream.getvalue().startswith("networks trained 0/8 in ")
    with pytest.raises(ImportError, match="tqdm"):
        ProgressReporter(8, use_tqdm=True)


def test_fractional_counts_are_shown_rounded_down():
    # As a per-epoch hook reports them: epochs done / epochs per network.
    clock = FakeClock()
    reporter, stream = plain(4, clock)
    clock.now += 10.0
    reporter.update(2.5)
    assert stream.getvalue() == "networks trained 2/4, 10 s elapsed, ~6 s left\n"
