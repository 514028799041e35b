"""Every way out of ``edit`` wipes the workspace, and no way out leaves a core file: a signal while the
editor is open (SIGTERM from a logout or a CI runner, SIGHUP, Ctrl-\\ 's SIGQUIT), a crash."""

from __future__ import annotations

import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity

SECRET = "planted-secret-93ad"


def _unlimited_cores() -> None:
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
    for sig in (signal.SIGINT, signal.SIGQUIT):  # as on a terminal, whatever started the tests
        signal.signal(sig, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT], ids=lambda sig: sig.name)
def test_a_signal_while_the_editor_is_open_wipes_the_plaintext(sig: signal.Signals, age_identity: AgeIdentity,
                                                               tmp_path: Path) -> None:
    sealed, opened = tmp_path / "s.yaml", tmp_path / "editor-opened"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    before, listed = sealed.read_bytes(), sorted(tmp_path.iterdir())
    editor = f"sh -c 'echo \"$0\" > {opened}; exec sleep 60'"
    command = subprocess.Popen([sys.executable, "-m", "sealfile", "edit", str(sealed)], cwd=tmp_path,
                               env=cli_env({"EDITOR": editor}), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=_unlimited_cores)
    while not opened.exists() or not opened.read_text().strip():
        assert command.poll() is None, command.communicate()
        time.sleep(0.02)
    workspace = Path(opened.read_text().strip()).parent
    command.send_signal(sig)
    _, stderr = command.communicate(timeout=60)
    assert (command.returncode, stderr) == (
        1, f"sealfile: error: {sealed}: terminated by a signal; nothing was changed\n")
    assert not workspace.exists()
    assert sealed.read_bytes() == before
    assert sorted(tmp_path.iterdir()) == sorted([*listed, opened])  # and no core file


def test_no_core_file_is_written(age_identity: AgeIdentity, tmp_path: Path) -> None:
    """With core dumps on (``ulimit -c unlimited``), a core file in the current directory would hold the
    identities, data keys and plaintext: sealfile, and what it runs, dump none."""
    sealed = tmp_path / "s.yaml"
    sealed.write_text(seal_text(f"password: {SECRET}\n", [age_identity.key]))
    done = subprocess.run([sys.executable, "-m", "sealfile", "exec", str(sealed), "--", "sh", "-c", "ulimit -c"],
                          env=cli_env(), capture_output=True, text=True, timeout=60, preexec_fn=_unlimited_cores)
    assert (done.returncode, done.stdout) == (0, "0\n"), done.stderr
