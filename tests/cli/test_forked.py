"""Many files over several processes: the same output, order, results and files as one after another."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from sealfile.cli import forked
from sealfile.cli.batch import run_each
from sealfile.cli.console import Console
from sealfile.cli.exit_codes import ExitCode
from sealfile.errors import SealfileError
from sealfile.ops.seal import seal_text
from tests.support.cli import RunCli, run_python
from tests.support.identities import AgeIdentity


@pytest.fixture
def unattended(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in CI or a script: no terminal and no askpass program to ask on (pytest may run on a terminal)."""
    monkeypatch.setattr(forked, "_could_ask", lambda: False)


def test_shares_are_contiguous_and_even() -> None:
    assert forked.shares(list(range(10)), 3) == [[0, 1, 2, 3], [4, 5, 6], [7, 8, 9]]
    assert forked.shares(list(range(2)), 3) == [[0], [1], []]
    assert [item for share in forked.shares(list(range(1000)), 7) for item in share] == list(range(1000))


def test_worker_count_only_where_it_is_safe_and_pays(unattended: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    assert forked.worker_count(200) == 4
    assert forked.worker_count(16) == 2  # at least ITEMS_PER_WORKER items each
    assert forked.worker_count(7) == 1
    monkeypatch.setenv(forked.WORKERS_ENV, "1")
    assert forked.worker_count(200) == 1
    monkeypatch.setenv(forked.WORKERS_ENV, "3")
    assert forked.worker_count(200) == 3
    monkeypatch.setenv(forked.WORKERS_ENV, "")
    assert forked.worker_count(200) == 4
    for unusable in ("0", "-2", "two", "\u00b2"):  # as every numeric setting: refused, never a default unsaid
        monkeypatch.setenv(forked.WORKERS_ENV, unusable)
        with pytest.raises(SealfileError, match=f"SEALFILE_WORKERS must be a positive whole number of processes, "
                                                f"not {unusable!r}"):
            forked.worker_count(200)
    monkeypatch.setenv(forked.WORKERS_ENV, "4")
    monkeypatch.setattr(forked, "_could_ask", lambda: True)  # a passphrase asked twice at once: never
    assert forked.worker_count(200) == 1
    monkeypatch.setattr(forked, "_could_ask", lambda: False)
    stop = threading.Event()
    running = threading.Thread(target=stop.wait)
    running.start()  # a fork copies only the calling thread: never with another one running
    try:
        assert forked.worker_count(200) == 1
    finally:
        stop.set()
        running.join()


def test_files_shared_over_processes_report_in_order_as_if_one_after_another(
        unattended: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    monkeypatch.setenv(forked.WORKERS_ENV, "3")
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3})
    files = [tmp_path / f"f{index:02}" for index in range(30)]

    def work(file: Path, console: Console) -> ExitCode | None:
        file.write_text(str(os.getpid()))  # each file's work, wherever it runs, changes that file
        console.echo(f"{file.name}: out")
        console.warn_at_end("said once, before the summary")
        if file.name == "f07":
            raise SealfileError("damaged", keypath="a.b")
        if file.name == "f21":
            raise FileNotFoundError(2, "No such file or directory", str(file))
        return ExitCode.POLICY if file.name == "f12" else None

    assert run_each(files, "rotate", work, in_flight=8) == ExitCode.ERROR
    out, err = capsys.readouterr()
    assert out == "".join(f"{file.name}: out\n" for file in files)
    assert err.splitlines() == [f"sealfile: error: {files[7]}: a.b: damaged",
                                f"sealfile: error: {files[21]}: No such file or directory",
                                "sealfile: warning: said once, before the summary",
                                "sealfile: rotate: 30 files: 27 ok, 1 with findings, 2 failed "
                                f"({files[7]}, {files[21]})"]
    workers = {file.read_text() for file in files}
    assert len(workers) == 3 and str(os.getpid()) in workers  # this process took the first share


def test_a_worker_that_dies_is_an_error_not_a_silent_success(unattended: None, monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    monkeypatch.setenv(forked.WORKERS_ENV, "2")
    files = [tmp_path / f"f{index:02}" for index in range(16)]

    def work(file: Path, console: Console) -> None:
        if file.name == "f12":
            raise TypeError("a bug")  # not a file's failure: the command must not report success

    with pytest.raises(forked.WorkerLost):
        run_each(files, "rotate", work, in_flight=8)


def test_rotate_of_many_files_over_processes(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    files = []
    for index in range(20):
        path = tmp_path / f"s{index:02}.enc.yaml"
        path.write_text(seal_text(f"key_{index}: value-{index}\n", [age_identity.key]))
        files.append(path)
    damaged = files[13].read_text().replace("mac: ", "mac: AAAA", 1)
    files[13].write_text(damaged)
    before = [path.read_text() for path in files]
    done = run_cli("rotate", *files, input="", env={forked.WORKERS_ENV: "2"})  # no terminal to ask on
    assert done.returncode == ExitCode.ERROR
    lines = done.stderr.splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        *(str(path) for path in files[:13]), "sealfile", *(str(path) for path in files[14:])]
    assert lines[13].startswith(f"sealfile: error: {files[13]}: ")
    assert lines[-1] == f"sealfile: rotate: 20 files: 19 ok, 1 failed ({files[13]})"
    assert files[13].read_text() == damaged  # the failed file is exactly as it was
    for index, path in enumerate(files):
        if index != 13:
            assert path.read_text() != before[index]
            assert run_cli("decrypt", path).stdout == f"key_{index}: value-{index}\n"


STOPPED_WORKERS = """
import os, signal, sys, time
from pathlib import Path
from sealfile.cli import forked

markers, parent = Path(sys.argv[1]), os.getpid()

def work(part):
    if os.getpid() == parent:  # the command is told to stop once every worker is under way
        while len(list(markers.iterdir())) < 2:
            time.sleep(0.01)
        os.kill(parent, signal.SIGTERM)
        time.sleep(60)
    (markers / str(os.getpid())).write_text("")
    for _ in range(200):  # a worker's long share: a few seconds, then done
        time.sleep(0.05)
    return part

try:
    forked.map_shares(work, list(range(30)), 3)
except KeyboardInterrupt as interrupt:
    cause = type(interrupt.__cause__).__name__
    print(type(interrupt).__name__, cause, *sorted(path.name for path in markers.iterdir()))
"""


def test_a_command_told_to_stop_stops_its_workers_first(tmp_path: Path) -> None:
    """``timeout`` or a CI runner sends SIGTERM to the command alone: its workers must not go on
    changing files after it has exited (and been reported as failed)."""
    (tmp_path / "markers").mkdir()
    result = run_python(STOPPED_WORKERS, tmp_path / "markers")
    assert result.returncode == 0, result.stderr
    name, cause, *workers = result.stdout.split()
    assert (name, cause, len(workers)) == ("Stopped", "Terminated", 2)
    for pid in map(int, workers):
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # ended and reaped before the command went on


STOPPED_COMMAND = """
import os, signal, sys, time
from pathlib import Path
from sealfile.cli import forked
from sealfile.cli.batch import run_each
from sealfile.files.atomic import atomic_write

directory, parent = Path(sys.argv[1]), os.getpid()
os.environ[forked.WORKERS_ENV] = "2"
forked._could_ask = lambda: False
files = [directory / f"f{index:02}" for index in range(16)]

def work(file, console):
    if os.getpid() != parent:
        atomic_write(file, "new")  # the worker's share: written, then it waits to be stopped
        time.sleep(0.5 if file != files[-1] else 60)
    elif file == files[0]:  # the command is told to stop once the worker has written some of its share
        while not files[9].exists():
            time.sleep(0.01)
        os.kill(parent, signal.SIGTERM)
        time.sleep(60)

run_each(files, "rotate", work, in_flight=2)
"""


def test_a_command_stopped_with_its_workers_says_which_files_they_wrote(tmp_path: Path) -> None:
    """The workers' writes are the command's too: 'every file was either done or left as it was' said neither
    how many nor which."""
    (tmp_path / "files").mkdir()
    result = run_python(STOPPED_COMMAND, tmp_path / "files")
    assert result.returncode == ExitCode.INTERRUPTED, result.stderr
    written = sorted(path.name for path in (tmp_path / "files").iterdir())
    assert written and set(written) <= {f"f{index:02}" for index in range(8, 16)}
    names = ", ".join(str(tmp_path / "files" / name) for name in written)
    assert result.stderr == (f"sealfile: error: interrupted: {len(written)} of 16 file(s) written ({names}), "
                             "every other file left as it was\n")


CTRL_C_AS_A_WORKER_IS_FORKED = """
import os, signal, sys, time
from pathlib import Path
from sealfile.cli import forked
from sealfile.files.atomic import atomic_write

directory, parent, fork = Path(sys.argv[1]), os.getpid(), os.fork

def fork_then_ctrl_c():
    pid = fork()
    if pid:
        signal.raise_signal(signal.SIGINT)  # handled here, in the parent, before it keeps the worker's pid
    return pid

def work(part):
    for name in part:
        if os.getpid() != parent:
            time.sleep(0.3)
            atomic_write(directory / name, "new")
    return part

os.fork = fork_then_ctrl_c
try:
    forked.map_shares(work, ["a", "b"], 2)
except KeyboardInterrupt as interrupt:
    print(*(Path(name).name for name in getattr(interrupt, "written", ["?"])))
time.sleep(1)  # a worker left running would write its file now
print(*sorted(path.name for path in directory.iterdir()))
"""


def test_ctrl_c_as_a_worker_is_forked_stops_it_and_says_what_it_wrote(tmp_path: Path) -> None:
    """Ctrl-C can land just after the fork, before the command keeps the worker's pid: the worker went on
    with its share after the command had stopped, and what it wrote was not said."""
    (tmp_path / "files").mkdir()
    result = run_python(CTRL_C_AS_A_WORKER_IS_FORKED, tmp_path / "files")
    assert result.returncode == 0, result.stderr
    said, left = result.stdout.splitlines()
    assert said == left  # each file the worker wrote is said; none written after
