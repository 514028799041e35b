"""``views`` or the file judge run in a fresh process, for the tests that a hostile file is read in linear time."""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

from tests.support.cli import run_python

_JUDGED = ("from sealfile.gitflow.copy_index import SealedCopies\n"
           "from sealfile.gitflow.leaks import _to_judge, judge_file\n"
           "found = views(sys.argv[1], open(sys.argv[1], 'rb').read())\nstart = time.process_time()\n"
           "found = [judge_file(*judged, SealedCopies(), 'fix') for judged in _to_judge(sys.argv[1], found)]\n")


class Ran(NamedTuple):
    printed: str
    seconds: float
    """CPU seconds of the work timed."""
    peak_mb: float
    """The process's peak resident memory: the interpreter, sealfile's imports and the file take about 60 MB."""


def views_in_fresh_process(path: Path, shown: str) -> Ran:
    """What ``shown`` (an expression of ``found``, the views) prints, and what ``views`` took."""
    return _in_fresh_process(path, "start = time.process_time()\n"
                                   "found = views(sys.argv[1], open(sys.argv[1], 'rb').read())\n", shown)


def judged_in_fresh_process(path: Path) -> Ran:
    """What ``check`` and ``review`` find in the file ``path`` (:func:`.leaks.judge_file`, its texts read first, beside
    no sealed file), and the CPU seconds judging took."""
    return _in_fresh_process(path, _JUDGED, "found")


def _in_fresh_process(path: Path, timed: str, shown: str) -> Ran:
    # VmHWM, not getrusage's ru_maxrss: that one keeps the peak of the process before its exec (a test worker's)
    code = ("import sys, time\nfrom sealfile.gitflow.blob_views import views\n" + timed +
            f"print({shown}, round(time.process_time() - start, 2), "
            "[line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')][0])")  # KiB
    done = run_python(code, path)
    assert done.returncode == 0, done.stderr
    printed, seconds, peak_kb = done.stdout.rsplit(" ", 2)
    return Ran(printed, float(seconds), int(peak_kb) / 1024)
