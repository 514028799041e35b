"""Every way out of ``edit`` wipes the workspace, and no way out leaves a core file: a signal while the
editor is open (SIGTERM from a logout or a CI runner, SIGHUP, Ctrl-C or Ctrl-\\ that the editor dies of),
a crash. Ctrl-C and Ctrl-\\ that the editor uses itself (vim, nano) do not end the edit."""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity
from tests.support.late_waits import late_waits_env

SECRET = "planted-secret-93ad"


def _unlimited_cores() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    # as on a terminal, whatever started the tests (under nohup SIGHUP comes ignored, and stays so: see below)
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGHUP, signal.SIGTERM, signal.SIGUSR1, signal.SIGUSR2,
                signal.SIGALRM):
        signal.signal(sig, signal.SIG_DFL)


def _editing(sealed: Path, editor: str, opened: Path, start: Callable[[], None],
             env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """``sealfile edit`` running, once its editor (which writes the plaintext's path to ``opened``) has it open."""
    command = subprocess.Popen([sys.executable, "-m", "sealfile", "edit", str(sealed)], cwd=sealed.parent,
                               env=cli_env({"EDITOR": editor, **(env or {})}), stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=start)
    while not opened.exists() or not opened.read_text().strip():
        assert command.poll() is None, command.communicate()
        time.sleep(0.02)
    return command


# SIGUSR1, SIGUSR2, SIGALRM (and SIGXFSZ, SIGPROF...) end a process by default as SIGTERM does: they left
# the plaintext in the workspace until the next edit, and the editor running
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2, signal.SIGALRM],
                         ids=lambda sig: sig.name)
def test_a_signal_while_the_editor_is_open_wipes_the_plaintext(sig: signal.Signals, age_identity: AgeIdentity,
                                                               tmp_path: Path) -> None:
    sealed, opened = tmp_path / "s.yaml", tmp_path / "editor-opened"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    before, listed = sealed.read_bytes(), sorted(tmp_path.iterdir())
    command = _editing(sealed, f"sh -c 'echo \"$0\" > {opened}; exec sleep 60'", opened, _unlimited_cores)
    workspace = Path(opened.read_text().strip()).parent
    command.send_signal(sig)
    _, stderr = command.communicate(timeout=60)
    assert (command.returncode, stderr) == (
        1, f"sealfile: error: {sealed}: terminated by a signal; nothing was changed\n")
    assert not workspace.exists()
    assert sealed.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == sorted([*listed, opened])  # and no core file


def test_a_signal_just_before_the_wait_for_the_editor_starts_ends_it(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """SIGTERM whose handler ran after Python's last check but before ``waitpid()`` started (sealfile preempted
    there): the wait went on as if no signal had come, the plaintext open until the editor was closed."""
    sealed, opened = tmp_path / "s.yaml", tmp_path / "editor-opened"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    before = sealed.read_bytes()
    editor = f"sh -c 'echo \"$0\" > {opened}; exec sleep 60'"
    command = _editing(sealed, editor, opened, _unlimited_cores, late_waits_env(tmp_path))
    workspace = Path(opened.read_text().strip()).parent
    command.send_signal(signal.SIGTERM)
    _, stderr = command.communicate(timeout=20)
    line = f"sealfile: error: {sealed}: terminated by a signal; nothing was changed\n"
    assert (command.returncode, stderr) == (1, line)
    assert not workspace.exists()
    assert sealed.read_bytes() == before


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended; only its parent's wait is left


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="processes are listed by /proc")
def test_a_signal_also_stops_what_a_wrapper_editor_started(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """``EDITOR="sh -c 'vim ...'"``: killing the shell left the editor it ran holding the plaintext and the
    terminal after the edit had ended."""
    sealed, opened, started = tmp_path / "s.yaml", tmp_path / "editor-opened", tmp_path / "started"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    inner = "sh -c \"sleep 60; true\" < /dev/null > /dev/null 2>&1"  # the test's pipes end with sealfile
    wrapper = f"sh -c '{inner} & echo $! > {started}; echo \"$0\" > {opened}; wait'"
    command = _editing(sealed, wrapper, opened, _unlimited_cores)
    pid = int(started.read_text())
    assert _alive(pid)
    command.send_signal(signal.SIGTERM)
    _, stderr = command.communicate(timeout=60)
    assert command.returncode == 1, stderr
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not _alive(pid)


def test_a_hangup_ignored_from_the_start_stays_ignored(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """``nohup sealfile edit``: the caller asked that a hangup change nothing, as shells leave it."""
    sealed, opened = tmp_path / "s.yaml", tmp_path / "editor-opened"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    editor = f"sh -c 'echo \"$0\" > {opened}; sleep 1; echo added: 1 >> \"$0\"'"

    def hangup_ignored() -> None:
        signal.signal(signal.SIGHUP, signal.SIG_IGN)

    command = _editing(sealed, editor, opened, hangup_ignored)
    command.send_signal(signal.SIGHUP)
    _, stderr = command.communicate(timeout=60)
    assert (command.returncode, stderr) == (0, f"{sealed}: saved\n")
    assert "added:" in subprocess.run([sys.executable, "-m", "sealfile", "decrypt", str(sealed)], env=cli_env(),
                                      capture_output=True, text=True, timeout=60).stdout


def test_no_core_file_is_written(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """With core dumps on (``ulimit -c unlimited``), a core file in the current directory would hold the
    identities, data keys and plaintext: sealfile, and what it runs, dump none."""
    sealed = tmp_path / "s.yaml"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    done = subprocess.run([sys.executable, "-m", "sealfile", "exec", str(sealed), "--", "sh", "-c", "ulimit -c"],
                          env=cli_env(), capture_output=True, text=True, timeout=60, preexec_fn=_unlimited_cores)
    assert (done.returncode, done.stdout) == (0, "0\n"), done.stderr


# An editor that, as vim does, takes Ctrl-C and Ctrl-\\ for itself: it says where the file is on the
# pipe named by $1, waits until the terminal has sent it both keys, then saves an edit.
HANDLING_EDITOR = """
import signal, sys
keys = {signal.SIGINT, signal.SIGQUIT}
signal.pthread_sigmask(signal.SIG_BLOCK, keys)
with open(sys.argv[1], "w") as ready:
    ready.write(sys.argv[2])
while keys:
    keys.discard(signal.sigwait(keys))
with open(sys.argv[2], "a") as edited:
    edited.write("added: by-the-editor\\n")
"""


def _edit_in_its_own_session(sealed: Path, editor: str) -> subprocess.Popen[str]:
    """``sealfile edit`` as a terminal runs it: its own process group, shared with the editor, which
    receives what the terminal's keys send."""
    return subprocess.Popen([sys.executable, "-m", "sealfile", "edit", str(sealed)], cwd=sealed.parent,
                            env=cli_env({"EDITOR": editor}), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=_unlimited_cores)


def test_ctrl_c_and_ctrl_backslash_that_the_editor_handles_do_not_end_the_edit(age_identity: AgeIdentity,
                                                                               tmp_path: Path) -> None:
    """They reached sealfile too, which stopped waiting, killed the editor and lost the user's text."""
    sealed, ready, script = tmp_path / "s.yaml", tmp_path / "ready", tmp_path / "editor.py"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    script.write_text(HANDLING_EDITOR)
    os.mkfifo(ready)
    command = _edit_in_its_own_session(sealed, f"{sys.executable} {script} {ready}")
    with open(ready) as pipe:  # returns once the editor has the file
        workspace = Path(pipe.read()).parent
    os.killpg(command.pid, signal.SIGINT)
    os.killpg(command.pid, signal.SIGQUIT)
    _, stderr = command.communicate(timeout=60)
    assert (command.returncode, stderr) == (0, f"{sealed}: saved\n")
    assert not workspace.exists()
    done = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", str(sealed)], env=cli_env(),
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == f"password: {SECRET}\nadded: by-the-editor\n", done.stderr


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGQUIT], ids=lambda sig: sig.name)
def test_ctrl_c_or_ctrl_backslash_that_the_editor_dies_of_ends_the_edit(sig: signal.Signals,
                                                                        age_identity: AgeIdentity,
                                                                        tmp_path: Path) -> None:
    sealed, ready = tmp_path / "s.yaml", tmp_path / "ready"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    before, listed = sealed.read_bytes(), sorted(tmp_path.iterdir())
    os.mkfifo(ready)
    command = _edit_in_its_own_session(sealed, f"sh -c 'echo \"$0\" > {ready}; exec sleep 600'")
    with open(ready) as pipe:
        workspace = Path(pipe.read().strip()).parent
    os.killpg(command.pid, sig)
    _, stderr = command.communicate(timeout=60)
    # ended by Ctrl-C as a shell script running it then is; Ctrl-\\ as 128 + SIGQUIT, never by a core dump
    status = -sig if sig == signal.SIGINT else 128 + sig
    assert (command.returncode, stderr) == (status, "sealfile: interrupted; no file was changed\n")
    assert not workspace.exists()
    assert sealed.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == sorted([*listed, ready])  # and no core file


# ``sealfile edit`` with a SIGTERM sent to itself at the worst moment: the editor runs, and Popen has
# not yet returned the handle that would stop it. (A real signal, at a place a test could not hit by time.)
TERMINATED_WHILE_STARTING = """
import os, runpy, signal, subprocess, sys

started, pid_file = subprocess.Popen._execute_child, sys.argv[2]

def then_terminated(self, *args, **kwargs):
    started(self, *args, **kwargs)
    subprocess.Popen._execute_child = started
    with open(pid_file, "w") as pid:
        pid.write(str(self.pid))
    os.kill(os.getpid(), signal.SIGTERM)

subprocess.Popen._execute_child = then_terminated
sys.argv = ["sealfile", "edit", sys.argv[1]]
runpy.run_module("sealfile", run_name="__main__")
"""


def test_a_signal_while_the_editor_starts_stops_the_editor_too(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """The exception came out of Popen before sealfile had the editor's handle: the editor went on, holding
    the plaintext and the terminal (and the output pipes, so a caller waiting for their end waited for it)."""
    sealed, pid_file = tmp_path / "s.yaml", tmp_path / "editor.pid"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    before = sealed.read_bytes()
    with open(tmp_path / "stderr", "w+") as stderr:
        done = subprocess.run([sys.executable, "-c", TERMINATED_WHILE_STARTING, str(sealed), str(pid_file)],
                              cwd=tmp_path, env=cli_env({"EDITOR": "sh -c 'exec sleep 600'"}), stdin=subprocess.DEVNULL,
                              stdout=subprocess.DEVNULL, stderr=stderr, timeout=60)
        stderr.seek(0)
        said = stderr.read()
    editor = int(pid_file.read_text())
    try:
        os.kill(editor, 0)
    except ProcessLookupError:
        left_running = False
    else:
        os.kill(editor, signal.SIGKILL)
        left_running = True
    assert (done.returncode, said, left_running) == (
        1, f"sealfile: error: {sealed}: terminated by a signal; nothing was changed\n", False)
    assert sealed.read_bytes() == before
