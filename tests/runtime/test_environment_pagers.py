"""``exec -- less`` (or any command that pages through less on a terminal: ``git log``, ``man``, ``psql``,
``systemctl status``) must not run what a sealed file says. less runs ``LESS``'s ``+!cmd`` as it opens a file,
and a lesskey file (``LESSKEYIN``, ``LESSKEY``; ``LESSKEY_CONTENT`` holds its text) sets less's ``LESSOPEN``
through its ``#env`` section, which less runs as an input filter. Real less on a pseudo-terminal (``script``)."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import cli_env
from tests.support.sealing import SealFile

pytest_plugins = ["tests.support.sealed_files"]

pytestmark = pytest.mark.skipif(shutil.which("less") is None or shutil.which("script") is None,
                                reason="needs less and script (util-linux)")


def _exec_less_on_a_terminal(path: Path, shown: Path) -> subprocess.CompletedProcess[str]:
    command = shlex.join([sys.executable, "-m", "sealfile", "exec", str(path), "--", "less", str(shown)])
    env = {name: value for name, value in cli_env({"TERM": "xterm"}).items()
           if name not in ("LESS", "LESSOPEN", "LESSCLOSE", "LESSKEYIN", "LESSKEY", "LESSSECURE")}
    return subprocess.run(["script", "-qec", command, os.devnull], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, env=env, timeout=30)


@pytest.mark.parametrize("entry", ["less", "lesskeyin"])
def test_less_does_not_run_a_command_a_file_names(entry: str, seal_file: SealFile, tmp_path: Path) -> None:
    marker, shown = tmp_path / "CODE-RAN", tmp_path / "notes.txt"
    shown.write_text("hello\n")
    lesskey = tmp_path / "lesskey.txt"  # a file the repository holds, named by its checkout's path
    lesskey.write_text(f"#env\nLESSOPEN=|touch {marker}; cat %s\n")
    value = f"+!touch {marker}\\nq" if entry == "less" else str(lesskey)
    path = seal_file(f'{entry}: "{value}"\ndb_password: p-1\n')
    done = _exec_less_on_a_terminal(path, shown)
    assert not marker.exists()  # without the check: less ran it (`script` gives less a terminal)
    assert "which changes how programs start or where they connect" in done.stdout, done.stdout
