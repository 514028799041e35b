"""``views`` of a file run in a fresh process, for the tests that a hostile file is read in time linear in it."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import run_python


def views_in_fresh_process(path: Path, shown: str) -> tuple[str, float]:
    """What ``shown`` (an expression of ``found``, the views) prints, and the CPU seconds ``views`` took."""
    code = ("import sys, time\nfrom sealfile.gitflow.blob_views import views\nstart = time.process_time()\n"
            "found = views(sys.argv[1], open(sys.argv[1], 'rb').read())\n"
            f"print({shown}, round(time.process_time() - start, 2))")
    done = run_python(code, path)
    assert done.returncode == 0, done.stderr
    printed, seconds = done.stdout.rsplit(" ", 1)
    return printed, float(seconds)
