"""One behaviour for every command on several files: go on after a failure, progress on a terminal only,
one summary line, the exit status of the worst result."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sealfile.cli.batch import run_each
from sealfile.cli.console import Console
from sealfile.cli.exit_codes import ExitCode
from sealfile.errors import SealfileError
from sealfile.kms.age import generate_identity
from sealfile.ops.seal import seal_text
from tests.support.cli import RunCli, cli_env, hangup_delivered
from tests.support.identities import AgeIdentity


@pytest.fixture
def three(age_identity: AgeIdentity, tmp_path: Path) -> list[Path]:
    """a and c are sealed; b is damaged (its MAC no longer matches)."""
    files = []
    for name in ("a", "b", "c"):
        path = tmp_path / f"{name}.enc.yaml"
        path.write_text(seal_text(f"{name}_key: value-{name}\n", [age_identity.key]))
        files.append(path)
    damaged = files[1].read_text().replace("mac: ", "mac: AAAA", 1)
    files[1].write_text(damaged)
    return files


def test_verify_a_b_c_with_a_bad_b_checks_all_three(run_cli: RunCli, three: list[Path]) -> None:
    a, b, c = three
    done = run_cli("verify", a, b, c)
    assert done.returncode == ExitCode.ERROR
    assert done.stdout == f"{a}: OK, unsigned\n{c}: OK, unsigned\n"
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"sealfile: error: {b}: ")
    assert lines[1:] == [f"sealfile: verify: 3 files: 2 ok, 1 failed ({b})"]


_, OTHER = generate_identity()


# Each command on [a, FAILING, c]; where a command reads only the metadata, a missing file fails it.
COMMANDS = {
    "status": (["status"], "missing"),
    "rotate": (["rotate"], "damaged"),
    "recipients list": (["recipients", "list"], "missing"),
    "recipients add": (["recipients", "add", "--age", OTHER], "damaged"),
    "recipients remove": (["recipients", "remove", "--age", OTHER], "damaged"),
    "updatekeys": (["updatekeys", "-y"], "missing"),  # it reads only the metadata before asking
}


@pytest.mark.parametrize("name", COMMANDS)
def test_every_multi_file_command_goes_on_after_a_failure(run_cli: RunCli, three: list[Path], name: str,
                                                          age_identity: AgeIdentity) -> None:
    a, b, c = three
    args, failing = COMMANDS[name]
    if name == "recipients remove":
        for path in (a, c):  # something to remove
            assert run_cli("recipients", "add", path, "--age", OTHER).returncode == 0
    (a.parent / ".sealfile.yaml").write_text(f"creation_rules:\n  - age: {age_identity.recipient}\n")
    middle = b if failing == "damaged" else b.parent / "missing.enc.yaml"
    done = run_cli(*args, a, middle, c)
    assert done.returncode == ExitCode.ERROR, done.stderr
    assert f"sealfile: error: {middle}: " in done.stderr
    assert done.stderr.splitlines()[-1] == f"sealfile: {name}: 3 files: 2 ok, 1 failed ({middle})"
    assert str(c) in done.stdout + done.stderr  # the file after the failure was handled too


def test_the_worst_result_decides_the_exit_status(run_cli: RunCli, three: list[Path], tmp_path: Path) -> None:
    a, _, c = three
    stale = run_cli("status", "--older-than", "0s", a, c)
    assert stale.returncode == ExitCode.POLICY
    assert stale.stderr.splitlines()[-1] == "sealfile: status: 2 files: 0 ok, 2 with findings"
    worse = run_cli("status", "--older-than", "0s", a, tmp_path / "missing.enc.yaml")
    assert worse.returncode == ExitCode.ERROR
    assert worse.stderr.splitlines()[-1] == ("sealfile: status: 2 files: 0 ok, 1 with findings, 1 failed "
                                            f"({tmp_path / 'missing.enc.yaml'})")
    (tmp_path / "plain.enc.yaml").write_text("password: leaked\n")
    check = run_cli("check", a, tmp_path / "plain.enc.yaml", c, cwd=tmp_path)
    assert check.returncode == ExitCode.POLICY
    assert check.stderr.splitlines()[-1] == "sealfile: check: 3 files: 2 ok, 1 with findings"


def test_one_file_gets_no_summary(run_cli: RunCli, three: list[Path]) -> None:
    done = run_cli("verify", three[0])
    assert (done.returncode, done.stderr) == (0, "")


def _stderr_through_a_terminal(args: list[str]) -> tuple[int, str]:
    leader, follower = pty.openpty()
    with subprocess.Popen([sys.executable, "-m", "sealfile", *args], stdout=subprocess.PIPE, stderr=follower,
                          env=cli_env()) as process:
        os.close(follower)
        process.wait(timeout=60)
    output = b""
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    return process.returncode, output.decode()


def test_progress_is_shown_on_a_terminal_only(run_cli: RunCli, three: list[Path]) -> None:
    a, _, c = three
    code, terminal = _stderr_through_a_terminal(["verify", str(a), str(c)])
    assert code == 0
    assert f"[1/2] verify {a}" in terminal and f"[2/2] verify {c}" in terminal
    assert "\r\x1b[K" in terminal  # the progress line is erased before the summary
    piped = run_cli("verify", a, c)
    assert "[1/2]" not in piped.stderr and "\r" not in piped.stderr


def test_an_interrupt_reports_what_was_done(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def work(file: Path, console: Console) -> None:
        if file.name == "b":
            raise KeyboardInterrupt

    with pytest.raises(SystemExit) as stopped:
        run_each([tmp_path / "a", tmp_path / "b", tmp_path / "c"], "rotate", work)
    assert stopped.value.code == ExitCode.INTERRUPTED
    assert f"interrupted at {tmp_path / 'b'}, which was left as it was; 1 file(s) done before it" in \
        capsys.readouterr().err


def test_an_interrupt_counts_a_failed_file_before_it_as_not_done(capsys: pytest.CaptureFixture[str],
                                                                  tmp_path: Path) -> None:
    def work(file: Path, console: Console) -> None:
        if file.name == "b":
            raise SealfileError("damaged", file=str(file))
        if file.name == "c":
            raise KeyboardInterrupt

    with pytest.raises(SystemExit):
        run_each([tmp_path / "a", tmp_path / "b", tmp_path / "c"], "rotate", work)
    assert capsys.readouterr().err.splitlines()[-1] == (
        f"sealfile: error: interrupted at {tmp_path / 'c'}, which was left as it was; 1 file(s) done before it")


def test_an_interrupt_just_after_a_file_was_written_says_so(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C can land between the rename and the end of the write (the directory's fsync)."""
    from sealfile.files import atomic

    monkeypatch.setattr(atomic, "REPLACED", [])

    def work(file: Path, console: Console) -> None:
        atomic.atomic_write(file, "new")
        if file.name == "b":
            raise KeyboardInterrupt

    with pytest.raises(SystemExit):
        run_each([tmp_path / "a", tmp_path / "b", tmp_path / "c"], "rotate", work)
    assert f"interrupted at {tmp_path / 'b'}, which was just written; 1 file(s) done before it" in \
        capsys.readouterr().err


@pytest.mark.parametrize("written", [[], ["s.yaml"]])
def test_an_interrupt_says_which_file_was_written(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch, written: list[str]) -> None:
    from sealfile.cli.boundary import reported
    from sealfile.files import atomic

    monkeypatch.setattr(atomic, "REPLACED", [])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stopped, reported(debug=False):
        for name in written:
            atomic.atomic_write(name, "new")
        raise KeyboardInterrupt
    assert stopped.value.code == ExitCode.INTERRUPTED
    assert capsys.readouterr().err == ("sealfile: interrupted after writing s.yaml; no other file was changed\n"
                                       if written else "sealfile: interrupted; no file was changed\n")


def test_an_interrupt_while_threads_start_waits_for_them_and_says_what_they_wrote(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C can land while the threads are being started: the files already handed out were then written after
    the command had said 'interrupted; no file was changed' (the interpreter waits for its threads at exit)."""
    from concurrent.futures import ThreadPoolExecutor

    from sealfile.files import atomic

    monkeypatch.setattr(atomic, "REPLACED", [])
    submit, handed_out = ThreadPoolExecutor.submit, []

    def interrupted_at_the_third(pool: ThreadPoolExecutor, *args: object) -> object:
        if pool._thread_name_prefix != "sealfile-file":  # another pool in this process (a test's server)
            return submit(pool, *args)  # type: ignore[arg-type]
        if len(handed_out) == 2:
            raise KeyboardInterrupt  # as Ctrl-C lands: in the main thread, between two steps
        handed_out.append(args)
        return submit(pool, *args)  # type: ignore[arg-type]

    def work(file: Path, console: Console) -> None:
        time.sleep(0.2)  # still under way when the interruption is handled
        atomic.atomic_write(file, "new")

    monkeypatch.setattr(ThreadPoolExecutor, "submit", interrupted_at_the_third)
    files = [tmp_path / name for name in ("a", "b", "c", "d")]
    with pytest.raises(SystemExit) as stopped:
        run_each(files, "rotate", work, in_flight=4)
    assert stopped.value.code == ExitCode.INTERRUPTED
    assert [file.exists() for file in files] == [True, True, False, False]  # done before the command ended
    assert capsys.readouterr().err == (f"sealfile: error: interrupted: 2 of 4 file(s) written ({files[0]}, "
                                       f"{files[1]}), every other file left as it was\n")


def test_files_worked_on_at_once_report_in_order_as_if_one_after_another(
        capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    files = [tmp_path / name for name in ("a", "b", "c", "d")]
    started = threading.Barrier(len(files), timeout=10)  # passes only if all four run at the same time

    def work(file: Path, console: Console) -> ExitCode | None:
        started.wait()
        time.sleep(0.05 * (len(files) - files.index(file)))  # the last file finishes first
        console.echo(f"{file.name}: out")
        console.warn_at_end("said once, before the summary")
        if file.name == "b":
            raise SealfileError("damaged", file=str(file))
        return ExitCode.POLICY if file.name == "c" else None

    outcome = run_each(files, "rotate", work, in_flight=4)
    assert outcome == ExitCode.ERROR
    out, err = capsys.readouterr()
    assert out == "a: out\nb: out\nc: out\nd: out\n"
    assert err.splitlines() == [f"sealfile: error: {files[1]}: damaged", "sealfile: warning: said once, before the "
                                "summary", f"sealfile: rotate: 4 files: 2 ok, 1 with findings, 1 failed ({files[1]})"]


def test_one_file_named_twice_is_worked_on_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Two spellings, a symbolic link, a hard link: one file, worked on once (two workers would contend for its
    lock, or the second would work on the first's result); the other files still go in flight together."""
    for name in ("a", "b", "c"):
        (tmp_path / name).write_text(name)
    (tmp_path / "x").mkdir()
    (tmp_path / "link").symlink_to("a")
    os.link(tmp_path / "b", tmp_path / "hard")
    worked: list[tuple[str, str]] = []

    def work(file: Path, console: Console) -> None:
        worked.append((file.name, threading.current_thread().name))

    files = [tmp_path / "a", tmp_path / "b", tmp_path / "x" / ".." / "a", tmp_path / "link", tmp_path / "hard",
             tmp_path / "c"]
    assert run_each(files, "rotate", work, in_flight=4) is ExitCode.OK
    assert sorted(name for name, _ in worked) == ["a", "b", "c"]
    assert threading.current_thread().name not in {thread for _, thread in worked}
    said = capsys.readouterr().err.splitlines()
    assert said[:-1] == [f"{files[index]}: the same file as {files[first]}, worked on once"
                         for index, first in ((2, 0), (3, 0), (4, 1))], said


def test_file_names_print_on_one_line_of_text_in_every_command_and_the_progress(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path) -> None:
    """A glob (``secrets/*``) hands over names anyone who can write to the repository chose: a line
    break in one forged an "OK" line for another file, a tab a field, an escape sequence in the
    progress line retitled or cleared the terminal."""
    names = ["a\nprod.enc.yaml: OK, signed by alice.enc.yaml", "b\tc.enc.yaml", "c\x1b]0;x\x07\x1b[2J.enc.yaml"]
    files = [tmp_path / name for name in names]
    for path in files:
        path.write_text(seal_text("k: v\n", [age_identity.key]))
    for args in (["verify"], ["rotate"], ["recipients", "add", "--age", OTHER],
                 ["recipients", "remove", "--age", OTHER], ["status", "--older-than", "0s"]):
        done = run_cli(*args, *files)
        for line in (done.stdout + done.stderr).splitlines():
            assert line.isprintable() and not line.startswith("prod"), (args, line)
        assert "a\\nprod.enc.yaml" in done.stdout + done.stderr, args
    _, terminal = _stderr_through_a_terminal(["verify", *map(str, files)])
    assert "\x1b]0;x" not in terminal and "\x1b[2J" not in terminal and "/c\\x1b]0;x\\x07\\x1b[2J.enc.yaml" in terminal


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_a_terminated_rotate_of_a_few_files_says_which_it_wrote(age_identity: AgeIdentity, tmp_path: Path,
                                                                signal_name: str) -> None:
    """``timeout`` and CI runners send SIGTERM, a closed terminal SIGHUP: with too few files to fork workers
    for, the command died without a word, so which files were rotated was not said (with workers it was)."""
    import signal

    originals = {}
    for index in range(5):
        path = tmp_path / f"f{index}.enc.yaml"
        path.write_text(seal_text(f"k: v{index}\n", [age_identity.key]))
        originals[path] = path.read_text()
    env = cli_env({"SEALFILE_AGE_KEY_FILE": str(age_identity.path), "SEALFILE_TEST_WRITE_DELAY": "0.2"})
    command = [sys.executable, "-m", "sealfile", "rotate", *map(str, originals)]
    with subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True, preexec_fn=hangup_delivered) as process:
        deadline = time.monotonic() + 30
        while all(path.read_text() == text for path, text in originals.items()) and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(getattr(signal, signal_name))
        err = process.stderr.read() if process.stderr else ""
    assert process.returncode == -getattr(signal, signal_name), err
    written = [str(path) for path, text in originals.items() if path.read_text() != text]
    assert err.count("\n") == 1
    assert err.startswith(f"sealfile: error: interrupted: {len(written)} of 5 file(s) written ({', '.join(written)})")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".f")) == []


def test_an_interrupt_just_as_a_thread_starts_waits_for_it_and_says_what_it_wrote(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C can land inside the pool's start of a thread, after the thread runs but before the pool records it:
    the pool then did not wait for it, and its file was written after the command had said '0 of 3 written'."""
    import signal

    from sealfile.files import atomic

    monkeypatch.setattr(atomic, "REPLACED", [])
    start = threading.Thread.start

    def ctrl_c_as_it_starts(thread: threading.Thread) -> None:
        start(thread)
        if thread.name.startswith("sealfile-file"):
            signal.raise_signal(signal.SIGINT)  # handled here, in the main thread, as Ctrl-C would be

    def work(file: Path, console: Console) -> None:
        time.sleep(0.2)  # still under way when the interruption is handled
        atomic.atomic_write(file, "new")

    monkeypatch.setattr(threading.Thread, "start", ctrl_c_as_it_starts)
    files = [tmp_path / name for name in ("a", "b", "c")]
    with pytest.raises(SystemExit) as stopped:
        run_each(files, "rotate", work, in_flight=4)
    monkeypatch.undo()
    written = [file for file in files if file.exists()]
    assert stopped.value.code == ExitCode.INTERRUPTED and written
    names = ", ".join(map(str, written))
    assert capsys.readouterr().err == (f"sealfile: error: interrupted: {len(written)} of 3 file(s) written ({names}), "
                                       "every other file left as it was\n")


@pytest.mark.parametrize("answer", ["ctrl-c", "end of input"])
def test_ctrl_c_or_no_answer_at_a_question_says_which_files_were_written(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, answer: str) -> None:
    """``updatekeys`` asks before each file: Ctrl-C at the second question gave click's 'Aborted!' and exit 1,
    not that the first file had been changed; input that ends (a script) did the same, where no answer fails."""
    from sealfile.files import atomic

    monkeypatch.setattr(atomic, "REPLACED", [])
    answers = iter(["y"])

    def typed(prompt: str = "") -> str:
        for given in answers:
            return given
        raise KeyboardInterrupt if answer == "ctrl-c" else EOFError

    monkeypatch.setattr("click.termui.visible_prompt_func", typed)  # what the terminal gives

    def work(file: Path, console: Console) -> None:
        if console.confirm(f"Update {file}?"):
            atomic.atomic_write(file, "new")

    files = [tmp_path / name for name in ("a", "b", "c")]
    if answer == "ctrl-c":
        with pytest.raises(SystemExit) as stopped:
            run_each(files, "updatekeys", work)
        assert stopped.value.code == ExitCode.INTERRUPTED
        assert capsys.readouterr().err.splitlines()[-1] == (
            f"sealfile: error: interrupted at {files[1]}, which was left as it was; 1 file(s) done before it")
    else:  # a script that forgot --yes: each file unanswered is an error, not a silent no
        assert run_each(files, "updatekeys", work) is ExitCode.ERROR
        assert capsys.readouterr().err.splitlines()[-1].startswith("sealfile: updatekeys: 3 files: 1 ok, 2 failed")
    assert [file.exists() for file in files] == [True, False, False]
