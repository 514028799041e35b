"""One exit status per kind of result, as the README documents them."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.cli.exit_codes import ExitCode, worst
from sealfile.ops.seal import seal_text
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity

PLAINTEXT = "database:\n  password: exit-code-secret\n"


def test_check_on_an_unsealed_secrets_file_is_a_policy_finding(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app.enc.yaml").write_text(PLAINTEXT)
    done = run_cli("check", "app.enc.yaml", cwd=tmp_path)
    assert done.returncode == ExitCode.POLICY == 3, done.stderr
    assert "exit-code-secret" not in done.stderr


def test_a_file_that_fails_to_verify_is_an_error(tmp_path: Path, run_cli: RunCli,
                                                 age_identity: AgeIdentity) -> None:
    sealed = seal_text(PLAINTEXT, [age_identity.key])
    path = tmp_path / "app.enc.yaml"
    path.write_text(sealed.replace("mac: ", "mac: A", 1))
    done = run_cli("verify", path)
    assert done.returncode == ExitCode.ERROR == 1
    assert len(done.stderr.splitlines()) == 1


def test_usage_errors_exit_2(run_cli: RunCli) -> None:
    assert run_cli("verify").returncode == ExitCode.USAGE == 2


@pytest.mark.parametrize("args", [
    ["encrypt", "--bogus", "{f}"],
    ["nosuch"],
    ["recipients", "nosuch"],
    ["set"],
    ["set", "{f}", "a", "b", "c"],
    ["encrypt", "--age", "age1nope", "{f}"],
    ["encrypt", "--recipient", "age:age1nope", "{f}"],
    ["encrypt", "--recipient", "nokind", "{f}"],
    ["encrypt", "--key-group", "age:age1nope", "{f}"],
    ["encrypt", "--encrypted-regex", "[", "--age", "{r}", "{f}"],
    ["encrypt", "--unencrypted-suffix", "", "--age", "{r}", "{f}"],
    ["encrypt", "--encrypted-regex", "a", "--unencrypted-regex", "b", "--age", "{r}", "{f}"],
    ["recipients", "add", "--age", "age1nope", "{f}"],
    ["edit", "--age", "age1nope", "{f}"],
    ["status", "--older-than", "soon", "{f}"],
    ["decrypt", "--output-type", "k8s-secret", "{f}"],
    ["set", "--type", "date", "{f}", "a", "b"],
    ["exec", "{f}", "--prefix", "X_", "--", "env"],
    ["exec", "{f}", "{f}", "--override", "--", "env"],
    ["exec", "{f}", "--prefix=X_", "env"],
    ["exec-file", "{f}", "--output-type", "json", "--", "cat", "{}"],
    ["decrypt", "--output-type", "k8s-secret", "--name", "Web", "{f}"],
    ["decrypt", "--output-type", "dotenv", "--prefix", "A-B", "{f}"],
    ["decrypt", "--output-type", "dotenv", "--prefix", "1A_", "{f}"],
    ["decrypt", "--extract", "a[", "{f}"],
    ["exec", "--prefix", "A B", "{f}", "--", "true"],
    ["exec", "--extract", "a[", "{f}", "--", "true"],
    ["exec-file", "--extract", "a[", "{f}", "--", "cat", "{}"],
], ids=" ".join)
def test_a_wrong_command_line_is_one_line_and_exit_2(
        args: list[str], tmp_path: Path, run_cli: RunCli, age_identity: AgeIdentity) -> None:
    """Whatever part of the command line is wrong, and whichever path parses it, the same status and one
    line with the usage on it, as every other failure is reported."""
    path = tmp_path / "app.enc.yaml"
    path.write_text(seal_text(PLAINTEXT, [age_identity.key]))
    before = path.read_bytes()
    line = [str(path) if a == "{f}" else age_identity.recipient if a == "{r}" else a for a in args]
    done = run_cli(*line)
    assert (done.returncode, done.stdout) == (ExitCode.USAGE, ""), done.stderr
    assert done.stderr.startswith("sealfile: error: ") and done.stderr.count("\n") == 1, done.stderr
    assert "Usage: sealfile " in done.stderr and "--help)" in done.stderr
    assert path.read_bytes() == before


def test_worst_orders_error_over_policy_over_ok() -> None:
    assert worst([ExitCode.OK, ExitCode.POLICY]) is ExitCode.POLICY
    assert worst([ExitCode.POLICY, ExitCode.ERROR, ExitCode.OK]) is ExitCode.ERROR
    assert worst([]) is ExitCode.OK


def test_ctrl_c_while_the_command_line_is_read_is_one_line_not_a_traceback(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from sealfile.cli import fast, main
    from sealfile.files import atomic

    def interrupted(args: list[str]) -> bool:
        raise KeyboardInterrupt

    monkeypatch.setattr(fast, "run", interrupted)
    monkeypatch.setattr("gc.disable", lambda: None)  # main's setting for a CLI run, not for this test session
    monkeypatch.setattr(atomic, "REPLACED", [])
    monkeypatch.setattr("sys.argv", ["sealfile", "decrypt", "s.yaml"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "sealfile: interrupted; no file was changed\n"


def test_ctrl_c_while_click_reads_the_line_is_ours_not_clicks_aborted(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """Ctrl-C while click reads the command line (before the command's own boundary) gave click's 'Aborted!'
    after a blank line, with exit status 1: a failure, not an interruption."""
    from sealfile.cli import app, main
    from sealfile.files import atomic

    def ctrl_c_as_it_reads(*args: object) -> list[str]:
        raise KeyboardInterrupt  # as Ctrl-C lands while the line is read

    monkeypatch.setattr(app.SealfileGroup, "parse_args", ctrl_c_as_it_reads)
    monkeypatch.setattr("gc.disable", lambda: None)  # main's setting for a CLI run, not for this test session
    monkeypatch.setattr(atomic, "REPLACED", [])
    monkeypatch.setattr("sys.argv", ["sealfile", "recipients", "add", "--age", "age1x", "s.yaml"])
    with pytest.raises(SystemExit) as stopped:
        main()
    assert stopped.value.code == 130
    assert capsys.readouterr().err == "sealfile: interrupted; no file was changed\n"


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGHUP"])
def test_a_terminated_command_says_so_in_one_line(age_identity: AgeIdentity, tmp_path: Path,
                                                  signal_name: str) -> None:
    """``timeout``, a CI runner or ``kill`` send SIGTERM, a closed terminal SIGHUP: a single-file command died
    without a word (status -15), where Ctrl-C says what it left."""
    import signal
    import subprocess
    import sys
    import time

    from sealfile.files.locking import locked
    from tests.support.cli import cli_env, hangup_delivered

    sealed = tmp_path / "s.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [age_identity.key]))
    before = sealed.read_bytes()
    env = cli_env({"SEALFILE_AGE_KEY_FILE": str(age_identity.path), "SEALFILE_LOCK_WAIT": "60"})
    with locked(sealed):  # the command waits for this lock: a moment it is surely under way
        command = subprocess.Popen([sys.executable, "-m", "sealfile", "set", str(sealed), "b"], env=env,
                                   stdin=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=hangup_delivered)
        command.stdin.write("2")  # type: ignore[union-attr]
        command.stdin.close()  # type: ignore[union-attr]
        command.stdin = None
        time.sleep(2)
        command.send_signal(getattr(signal, signal_name))
        _, err = command.communicate(timeout=60)
    # ended by the signal after its line, as a shell script running it is then ended too
    assert (command.returncode, err) == (-getattr(signal, signal_name), "sealfile: interrupted; no file was changed\n")
    assert sealed.read_bytes() == before


def test_ctrl_c_stops_a_shell_loop_running_sealfile_too(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """Ctrl-C in ``for f in *.enc.yaml; do sealfile ...; done`` stopped only the file at hand: a command that
    exits with status 130 tells the shell it handled the signal itself, so the loop went on to the next file.
    sealfile ends by the signal after its cleanup and its line, as Python does on an uncaught Ctrl-C."""
    import os
    import shlex
    import signal
    import subprocess
    import sys
    import time

    from sealfile.files.locking import locked
    from tests.support.cli import cli_env

    sealed = tmp_path / "s.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [age_identity.key]))
    before = sealed.read_bytes()
    env = cli_env({"SEALFILE_AGE_KEY_FILE": str(age_identity.path), "SEALFILE_LOCK_WAIT": "60"})
    command = f"{shlex.quote(sys.executable)} -m sealfile set {shlex.quote(str(sealed))} b 2 </dev/null"
    loop = f"for i in 1 2; do {command}; echo went-on; done; echo finished"

    def ctrl_c_default() -> None:  # as at a terminal (a background job of a script starts with it ignored)
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    with locked(sealed):  # the command waits for this lock: a moment it is surely under way
        shell = subprocess.Popen(["bash", "-c", loop], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True, start_new_session=True, preexec_fn=ctrl_c_default)
        time.sleep(2)
        os.killpg(shell.pid, signal.SIGINT)  # Ctrl-C: to the terminal's whole foreground group
        out, err = shell.communicate(timeout=60)
    assert (shell.returncode, out, err) == (-signal.SIGINT, "", "sealfile: interrupted; no file was changed\n")
    assert sealed.read_bytes() == before


def test_the_signal_an_interruption_came_from() -> None:
    import signal

    from sealfile.cli.forked import Stopped
    from sealfile.files.termination import Terminated, signal_of

    assert signal_of(KeyboardInterrupt()) == signal.SIGINT
    assert signal_of(KeyboardInterrupt(signal.SIGQUIT)) == signal.SIGQUIT  # the editor died of Ctrl-\
    assert signal_of(Terminated(signal.SIGHUP)) == signal.SIGHUP
    try:
        try:
            raise Terminated(signal.SIGTERM)
        except Terminated as interruption:
            raise Stopped(["written.enc.yaml"]) from interruption  # workers stopped: what they wrote
    except Stopped as stopped:
        assert signal_of(stopped) == signal.SIGTERM


def test_the_readme_table_gives_every_exit_status() -> None:
    """README.md's exit status table is what CI scripts are written against: every status sealfile uses is a
    row of it (143 and 129 share the interrupted row; the merge driver's 9 is told below it)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    rows = {int(code) for first in re.findall(r"^\| ([\d, ]+) \|", readme, re.MULTILINE) for code in first.split(",")}
    assert {int(code) for code in ExitCode} <= rows
