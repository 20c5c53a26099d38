"""Progress of a long computation on a stream: done / total, elapsed, left.

:class:`ProgressReporter` is fed the number of items done so far and prints
at most one line every ``min_interval`` seconds (a tqdm bar instead, when
tqdm is installed).  ``update`` is cheap when nothing is due -- a clock read
and two comparisons -- so that a training loop may call it every epoch.
"""

import sys
import time
from contextvars import ContextVar

__all__ = ["ProgressReporter"]


def _load_tqdm():
    """tqdm's bar class, or None when tqdm is not installed."""
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def _duration(seconds):
    """``'12 s'``, ``'3 min 05 s'`` or ``'2 h 01 min'``."""
    seconds = int(round(seconds))
    if seconds < 120:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 120:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


class ProgressReporter:
    """Report how many of ``total`` items are done, with elapsed and left time.

    Lines read ``networks trained 40/80, 12 s elapsed, ~12 s left``; one is
    printed at most every ``min_interval`` seconds, and ``close`` always
    prints a final one.  When tqdm is installed, a tqdm bar on ``stream``
    replaces the lines.

    Parameters
    ----------
    total : int
        Number of items the computation will do.
    stream : file-like, default=sys.stderr
        Where the lines go.
    min_interval : float, default=2.0
        Least number of seconds between two lines.
    unit : str, default="networks"
        What is counted.
    quiet : bool, default=False
        Print nothing at all.
    clock : callable, default=time.monotonic
        Returns the time in seconds; tests pass a fake one.

    Examples
    --------
    >>> import io
    >>> ticks = iter([0.0, 1.0, 3.0, 4.0])
    >>> stream = io.StringIO()
    >>> reporter = ProgressReporter(
    ...     4, stream=stream, clock=lambda: next(ticks), use_tqdm=False
    ... )
    >>> reporter.update(1)  # 1 s after the start: not yet due
    >>> reporter.update(2)  # 3 s: due
    >>> reporter.close()
    >>> print(stream.getvalue(), end="")
    networks trained 2/4, 3 s elapsed, ~3 s left
    networks trained 2/4 in 4 s
    """

    def __init__(
        self,
        total,
        *,
        stream=None,
        min_interval=2.0,
        unit="networks",
        quiet=False,
        clock=time.monotonic,
        use_tqdm=None,
    ):
        self.total = int(total)
        self.stream = sys.stderr if stream is None else stream
        self.min_interval = float(min_interval)
        self.unit = unit
        self.quiet = quiet
        self._clock = clock
        self._start = clock()
        self._next_report = self._start + self.min_interval
        self._done = 0
        self._closed = False
        self._bar = None
        tqdm = _load_tqdm() if use_tqdm is None or use_tqdm else None
        if use_tqdm and tqdm is None:
            raise ImportError("use_tqdm=True needs tqdm: pip install tqdm")
        if tqdm is not None and not quiet:
            self._bar = tqdm(
                total=self.total,
                file=self.stream,
                unit=f" {unit}",
                mininterval=self.min_interval,
                dynamic_ncols=True,
            )

    def update(self, done):
        """Record that ``done`` items (a running count, not an increment) are done.

        ``done`` may be fractional -- say, epochs trained / epochs per network,
        summed over a stack -- and is shown rounded down.
        """
        if self.quiet or self._closed:
            return
        if self._bar is not None:
            if done > self._done:
                self._bar.update(done - self._done)
                self._done = done
            return
        self._done = done
        if done >= self.total:  # the final line is close's
            return
        now = self._clock()
        if now < self._next_report:
            return
        self._next_report = now + self.min_interval
        elapsed = now - self._start
        line = (
            f"{self.unit} trained {int(done)}/{self.total}, "
            f"{_duration(elapsed)} elapsed"
        )
        if done > 0:
            line += f", ~{_duration(elapsed * (self.total - done) / done)} left"
        self._print(line)

    def write(self, message):
        """Print a line of its own (under the bar when there is one)."""
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.write(message, file=self.stream)
        else:
            self._print(message)

    def close(self):
        """Print the final line (or close the bar); later calls do nothing."""
        if self._closed:
            return
        self._closed = True
        if self.quiet:
            return
        if self._bar is not None:
            self._bar.close()
            return
        elapsed = self._clock() - self._start
        self._print(
            f"{self.unit} trained {int(self._done)}/{self.total} in "
            f"{_duration(elapsed)}"
        )

    def _print(self, line):
        print(line, file=self.stream, flush=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


_PROGRESS_SINK = ContextVar("skinit_progress_sink", default=None)


class progress_to:
    """Context manager: fused searches inside report their training progress
    to ``sink(done, total)`` -- fits trained so far (fractional while a stack
    trains) and fits to train -- as well as, with ``verbose >= 1``, on stderr.
    """

    def __init__(self, sink):
        self.sink = sink

    def __enter__(self):
        self._token = _PROGRESS_SINK.set(self.sink)
        return self

    def __exit__(self, *exc_info):
        _PROGRESS_SINK.reset(self._token)


def progress_sink():
    """The sink set by :class:`progress_to`, or None."""
    return _PROGRESS_SINK.get()
