"""One behaviour for every command that takes several files.

``verify``, ``status``, ``check``, ``rotate``, ``updatekeys`` and ``recipients`` all run through :func:`for_each_file`:
every file is tried even after one fails (a failed file is left exactly as it was), a progress line is shown on a
terminal only, several files end with one summary line on stderr, and the exit status is the worst result (see
:func:`exit_codes.worst`).

Commands whose work per file waits on key services (rotate, recipient changes) pass ``in_flight``: up to that many files
are then worked on at once, in threads, so their requests wait on the network together; with many files, they are also
shared out over processes, one per core, where the work is Python that threads cannot overlap
(:mod:`sealfile.cli.forked`). Each file's lines are held and shown in the files' order, so the output, the summary and
the exit status are those of running the files one after another.

Nothing here imports click: ``verify`` and ``status`` run on the fast path (:mod:`sealfile.cli.fast`).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial

from sealfile.cli.boundary import Interrupted, broken_pipe_line, os_error_line, output_gone, replaced_files, way_back
from sealfile.cli.console import Console, HeldConsole
from sealfile.cli.exit_codes import ExitCode, worst
from sealfile.errors import SealfileError, one_line
from sealfile.files.pathnames import PathName
from sealfile.files.termination import Terminated, held_back, unwinding_on
from sealfile.kms import trust

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (status loads none)
if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor
    from typing import Any, TypeVar
    FileT = TypeVar("FileT", bound=PathName)
    """A file as the command names it: a ``Path`` from click, a ``str`` from the fast path."""
    Work = Callable[[FileT, Console], "ExitCode | None"]
    """Handle one file; return ``ExitCode.POLICY`` for a finding, ``None``/``OK`` for success, or raise."""

IN_FLIGHT = 8
"""Files worked on at once by commands that wait on key services."""
_OUTCOME_WORDS = ((ExitCode.OK, "ok"), (ExitCode.POLICY, "with findings"), (ExitCode.ERROR, "failed"))


Outcome = tuple[list[tuple[str, bool]], list[str], "ExitCode | None", "str | None", str]
"""A file's work done in a worker process: its lines, its deferred warnings, its result, and for a
failure its error line and traceback (exceptions do not travel between processes; their lines do)."""


class _Reported(Exception):
    """A file's failure in a worker process, as its error line."""

    def __init__(self, line: str, trace: str) -> None:
        super().__init__(line)
        self.line, self.trace = line, trace


def failure_line(err: SealfileError | OSError, file: PathName) -> str:
    """How a file's failure is reported: the error with the file (and key path) it concerns."""
    if isinstance(err, SealfileError):
        return f"{err.in_file(str(file))}{way_back(err)}"
    if isinstance(err, BrokenPipeError):
        return broken_pipe_line(err, file)
    return os_error_line(err, file)


def _held(work: Work[FileT], file: FileT) -> HeldConsole:
    held = HeldConsole()
    try:
        held.code = work(file, held)
    except Exception as err:  # reported by the main thread, in order, as if it had run there
        held.failure = err
    return held


def _outcome(held: HeldConsole, file: PathName) -> Outcome:
    failure, line, trace = held.failure, None, ""
    if failure is not None:
        if not isinstance(failure, (SealfileError, OSError)):
            raise failure  # a bug: the worker ends without results, and the command says so
        import traceback

        line, trace = failure_line(failure, file), "".join(traceback.format_exception(failure))
    return held.lines, held.deferred, held.code, line, trace


def _share(work: Work[FileT], in_flight: int, files: Sequence[FileT]) -> list[Outcome]:
    """One process's share of the files, in its own threads."""
    schedule = _Schedule(files, work, in_flight, processes=False)
    with schedule:
        return [_outcome(schedule.held(index), file) for index, file in enumerate(files)]


def _distinct(files: Sequence[PathName]) -> bool:
    return len({os.path.realpath(file) for file in files}) == len(files)


def first_namings(files: Sequence[PathName]) -> list[int]:
    """For each file, the index of the first name given for the same file (``a.yaml ./a.yaml``, a link to it, a
    hard link): worked on once, as a second worker on it would wait for the first's lock, then work on the result
    (a second rotation) or, in a worker of its own, be refused as changed meanwhile. A name that cannot be
    looked at stands for itself: its work says why."""
    seen: dict[object, int] = {}
    firsts = []
    for index, file in enumerate(files):
        try:
            info = os.stat(file)
            identity: object = (info.st_dev, info.st_ino)
        except (OSError, ValueError):
            identity = str(file)
        firsts.append(seen.setdefault(identity, index))
    return firsts


class _Schedule:  # not Generic: typing is not imported at run time
    """Each file's work, run when its turn comes, or started ahead in up to ``in_flight`` threads
    (over several processes when there are many files and cores: :mod:`sealfile.cli.forked`)."""

    def __init__(self, files: Sequence[PathName], work: Work[Any], in_flight: int, *, processes: bool = True) -> None:
        self._files, self._work = files, work
        # Two workers on one file would contend for its lock: overlap distinct files only.
        self._pool: ThreadPoolExecutor | None = None
        self._futures: list[Future[HeldConsole]] = []
        self._outcomes: list[Outcome] | None = None
        self._interrupted: KeyboardInterrupt | None = None
        self._replaced_before = len(replaced_files())  # what this process wrote before: not this run's
        if in_flight > 1 and len(files) > 1 and _distinct(files):
            from sealfile.cli import forked

            workers = forked.worker_count(len(files)) if processes else 1
            if workers > 1:
                try:
                    self._outcomes = forked.map_shares(partial(_share, work, max(1, in_flight // workers)), files,
                                                       workers)
                except KeyboardInterrupt as interrupt:  # every file is whole: done, or left as it was
                    self._interrupted = interrupt
                return
            import contextvars  # each worker runs in a copy of this context: trust settings apply there too
            from concurrent.futures import ThreadPoolExecutor  # threads cost start-up time: only when used

            self._pool = ThreadPoolExecutor(max_workers=min(in_flight, len(files)), thread_name_prefix="sealfile-file")
            try:
                with held_back():  # a thread started is recorded by the pool before Ctrl-C lands, and waited for
                    self._futures = [self._pool.submit(contextvars.copy_context().run, _held, work, file)
                                     for file in files]
            except KeyboardInterrupt as interrupt:  # Ctrl-C while threads start: the files under way finish first
                self._finish_under_way()
                self._interrupted = interrupt

    def __enter__(self) -> _Schedule:
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish_under_way()

    def _finish_under_way(self) -> None:
        """Wait for the files under way, a second signal (a worker's SIGTERM from its parent after the terminal's
        SIGINT) too: cut short, what is said written (here, in a worker's report) was taken while threads wrote."""
        if self._pool is None:
            return
        with contextlib.suppress(KeyboardInterrupt), held_back():  # the first signal is the one unwinding already
            self._pool.shutdown(wait=True, cancel_futures=True)

    def held(self, index: int) -> HeldConsole:
        """The file's work, its lines held (this process's threads, or here and now)."""
        if self._interrupted is not None:
            raise self._interrupted
        if self._pool is not None:
            return self._futures[index].result()
        return _held(self._work, self._files[index])

    def result(self, index: int, console: Console) -> ExitCode | None:
        if self._interrupted is not None:
            raise self._interrupted
        if self._outcomes is not None:
            lines, deferred, code, line, trace = self._outcomes[index]
            for text, err in lines:
                console.echo(text, err=err)
            for text in deferred:
                console.warn_at_end(text)
            if line is not None:
                raise _Reported(line, trace)
            return code
        if self._pool is None:
            return self._work(self._files[index], console)
        return self._futures[index].result().replay(console)

    def interrupted(self, index: int, done_before: int) -> str:
        """What an interruption at the ``index``-th file left, once no work goes on: said from what was written."""
        if self._pool is None and self._outcomes is None and self._interrupted is None:  # one file after another
            file = self._files[index]
            state = "just written" if str(file) in replaced_files()[self._replaced_before:] else "left as it was"
            return f"interrupted at {file}, which was {state}; {done_before} file(s) done before it"
        self._finish_under_way()  # work under way finishes: each file whole or untouched
        written = {*replaced_files()[self._replaced_before:], *getattr(self._interrupted, "written", ())}
        done = list(dict.fromkeys(str(file) for file in self._files if str(file) in written))
        names = f" ({named(done)})" if done else ""
        return f"interrupted: {len(done)} of {len(self._files)} file(s) written{names}, every other file left as it was"


def run_each(files: Sequence[FileT], verb: str, work: Work[FileT], *, in_flight: int = 1) -> ExitCode:
    """Run ``work`` on every file; print the summary; return the worst result (the caller exits)."""
    console = Console(progress=len(files) > 1 and sys.stderr.isatty())
    results: list[ExitCode] = []
    index = 0
    firsts = first_namings(files)
    place: dict[int, int] = {}  # a file's index among the distinct files the schedule works on
    for at, first in enumerate(firsts):
        if first == at:
            place[at] = len(place)
    distinct = [files[at] for at in place]
    # SIGTERM/SIGHUP (timeout, a CI runner, a closed terminal) unwind as Ctrl-C does: the run says which files
    # were written, whether they are shared over threads, processes or done one after another
    with unwinding_on(Terminated), trust.one_run(), _Schedule(distinct, work, in_flight) as schedule:
        try:  # around the whole loop: Ctrl-C lands between two files' turns as well
            for index, file in enumerate(files, 1):
                console.progress(f"[{index}/{len(files)}] {verb} {file}")
                if firsts[index - 1] != index - 1:
                    results.append(_named_again(console, file, files[firsts[index - 1]], results[firsts[index - 1]]))
                    continue
                try:
                    results.append(ExitCode(schedule.result(place[index - 1], console) or ExitCode.OK))
                except BrokenPipeError as err:
                    if output_gone():  # the reader of our output is gone (| head): no file's failure
                        raise
                    console.error(failure_line(err, file))  # a pipe to a program run for this file
                    results.append(ExitCode.ERROR)
                except (SealfileError, OSError) as err:
                    _traceback_if_debugging(console)
                    console.error(failure_line(err, file))
                    results.append(ExitCode.ERROR)
                except _Reported as failed:
                    _traceback_if_debugging(console, failed.trace)
                    console.error(failed.line)
                    results.append(ExitCode.ERROR)
        except KeyboardInterrupt as interruption:
            done = sum(code is not ExitCode.ERROR for code in results[:max(index - 1, 0)])
            console.error(schedule.interrupted(place[firsts[max(index - 1, 0)]], done))
            raise Interrupted(interruption) from None
    console.clear()
    for text in console.deferred:
        console.warn(text)
    if len(files) > 1:
        console.echo(f"sealfile: {verb}: {summary(results, files)}", err=True)
    return worst(results)


def _named_again(console: Console, file: PathName, first: PathName, result: ExitCode) -> ExitCode:
    """A second name of a file already worked on: its result, said once more under this name."""
    again = "named again" if str(file) == str(first) else f"the same file as {one_line(str(first))}"
    said = f"{one_line(str(file))}: {again}, worked on once"
    if result is ExitCode.ERROR:
        console.error(f"{said}, which failed")
    else:
        console.echo(said, err=True)
    return result


def _traceback_if_debugging(console: Console, trace: str | None = None) -> None:
    """``--debug``: the traceback of the failure being handled (``trace``: one from a worker process;
    never secret values), then go on."""
    if "click" not in sys.modules:
        return  # the fast path: it hands --debug to click
    import click

    ctx: Any = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().params.get("debug"):
        import traceback

        console.clear()
        if trace is not None:
            sys.stderr.write(trace)
        else:
            traceback.print_exc(file=sys.stderr)


def summary(results: Sequence[ExitCode], files: Sequence[PathName], most: int = 50) -> str:
    """``3 files: 2 ok, 1 failed (b.yaml)``: the failed files by name (``most``), which a CI log's last line shows."""
    failed = [str(file) for file, code in zip(files, results, strict=True) if code is ExitCode.ERROR]
    counts = Counter(results)
    parts = [f"{counts[code]} {word}" for code, word in _OUTCOME_WORDS if counts[code] or code is ExitCode.OK]
    return f"{len(results)} files: {', '.join(parts)}" + (f" ({named(failed, most)})" if failed else "")


def named(files: Sequence[str], most: int = 50) -> str:
    """``a, b, c``: the first ``most`` names, each on one line of text, then how many more."""
    more = f" and {len(files) - most} more" if len(files) > most else ""
    return ", ".join(one_line(file) for file in files[:most]) + more


def for_each_file(files: Sequence[FileT], verb: str, work: Work[FileT], *, in_flight: int = 1) -> None:
    """:func:`run_each`, then exit with the worst result unless every file succeeded."""
    outcome = run_each(files, verb, work, in_flight=in_flight)
    if outcome is not ExitCode.OK:
        sys.exit(outcome)
