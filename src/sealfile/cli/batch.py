"""One behaviour for every command that takes several files.

``verify``, ``status``, ``check``, ``rotate``, ``updatekeys`` and ``recipients`` all run through
:func:`for_each_file`: every file is tried even after one fails (a failed file is left exactly
as it was), a progress line is shown on a terminal only, several files end with one summary
line on stderr, and the exit status is the worst result (see :func:`exit_codes.worst`).
"""

from __future__ import annotations

import sys
import traceback
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from sealfile.cli.exit_codes import ExitCode, worst
from sealfile.errors import SealfileError

_CLEAR_LINE = "\r\033[K"
_OUTCOME_WORDS = ((ExitCode.OK, "ok"), (ExitCode.POLICY, "with findings"), (ExitCode.ERROR, "failed"))


class Console:
    """Output for per-file work: lines and questions first erase the progress line, if one is shown."""

    def __init__(self, *, progress: bool) -> None:
        self._progress = progress
        self._shown = False
        self.deferred: list[str] = []

    def progress(self, text: str) -> None:
        if self._progress:
            self.clear()
            sys.stderr.write(text)
            sys.stderr.flush()
            self._shown = True

    def clear(self) -> None:
        if self._shown:
            sys.stderr.write(_CLEAR_LINE)
            sys.stderr.flush()
            self._shown = False

    def echo(self, text: str = "", *, err: bool = False) -> None:
        self.clear()
        click.echo(text, err=err)

    def error(self, text: str) -> None:
        self.echo(f"sealfile: error: {text}", err=True)

    def warn(self, text: str) -> None:
        self.echo(f"sealfile: warning: {text}", err=True)

    def warn_at_end(self, text: str) -> None:
        """A warning that concerns the whole run: printed once, just before the summary."""
        if text not in self.deferred:
            self.deferred.append(text)

    def confirm(self, question: str) -> bool:
        self.clear()
        return click.confirm(question, default=False, err=True)


Work = Callable[[Path, Console], "ExitCode | None"]
"""Handle one file; return ``ExitCode.POLICY`` for a finding, ``None``/``OK`` for success, or raise."""


def os_error_line(err: OSError, file: object = None) -> str:
    """``FILE: cause`` for an operating-system error (the file it names, else ``file``), quoting no content."""
    where = err.filename or file
    cause = err.strerror or type(err).__name__
    return f"{where}: {cause}" if where else cause


def run_each(files: Sequence[Path], verb: str, work: Work) -> ExitCode:
    """Run ``work`` on every file; print the summary; return the worst result (the caller exits)."""
    console = Console(progress=len(files) > 1 and sys.stderr.isatty())
    results: list[ExitCode] = []
    for index, file in enumerate(files, 1):
        console.progress(f"[{index}/{len(files)}] {verb} {file}")
        try:
            results.append(ExitCode(work(file, console) or ExitCode.OK))
        except SealfileError as err:
            _traceback_if_debugging(console)
            console.error(str(err.in_file(str(file))))
            results.append(ExitCode.ERROR)
        except OSError as err:
            _traceback_if_debugging(console)
            console.error(os_error_line(err, file))
            results.append(ExitCode.ERROR)
        except KeyboardInterrupt:
            console.error(f"interrupted at {file}, which was left as it was; {index - 1} file(s) done before it")
            sys.exit(ExitCode.INTERRUPTED)
    console.clear()
    for text in console.deferred:
        console.warn(text)
    if len(files) > 1:
        click.echo(f"sealfile: {verb}: {summary(results)}", err=True)
    return worst(results)


def _traceback_if_debugging(console: Console) -> None:
    """``--debug``: the traceback of the failure being handled (never secret values), then go on."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().params.get("debug"):
        console.clear()
        traceback.print_exc(file=sys.stderr)


def summary(results: Sequence[ExitCode]) -> str:
    counts = Counter(results)
    parts = [f"{counts[code]} {word}" for code, word in _OUTCOME_WORDS if counts[code] or code is ExitCode.OK]
    return f"{len(results)} files: {', '.join(parts)}"


def for_each_file(files: Sequence[Path], verb: str, work: Work) -> None:
    """:func:`run_each`, then exit with the worst result unless every file succeeded."""
    outcome = run_each(files, verb, work)
    if outcome is not ExitCode.OK:
        sys.exit(outcome)
