"""``exec -- less`` (or any command that pages through less on a terminal: ``git log``, ``man``, ``psql``,
``systemctl status``) must not run what a sealed file says. less runs ``LESS``'s ``+!cmd`` as it opens a file,
and a lesskey file (``LESSKEYIN``, ``LESSKEY``; ``LESSKEY_CONTENT`` holds its text) sets less's ``LESSOPEN``
through its ``#env`` section, which less runs as an input filter. ``exec -- zsh`` (a shell with the secrets)
expands ``$(...)`` in ``PROMPT`` and ``RPROMPT`` (zsh's names; ``PS1`` was refused) under ``PROMPT_SUBST``, which
oh-my-zsh and most themes set. Real less and zsh on a pseudo-terminal (``script``)."""

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

HOOKED = ("LESS", "LESSOPEN", "LESSCLOSE", "LESSKEYIN", "LESSKEY", "LESSSECURE", "PROMPT", "RPROMPT", "PS1")


def _on_a_terminal(path: Path, *command: str, typed: str = "") -> subprocess.CompletedProcess[str]:
    if shutil.which(command[0]) is None or shutil.which("script") is None:
        pytest.skip(f"needs {command[0]} and script (util-linux)")
    line = shlex.join([sys.executable, "-m", "sealfile", "exec", str(path), "--", *command])
    env = {name: value for name, value in cli_env({"TERM": "xterm"}).items() if name not in HOOKED}
    return subprocess.run(["script", "-qec", line, os.devnull], input=typed, capture_output=True, text=True,
                          env=env, timeout=30)


@pytest.mark.parametrize("entry", ["less", "lesskeyin"])
def test_less_does_not_run_a_command_a_file_names(entry: str, seal_file: SealFile, tmp_path: Path) -> None:
    marker, shown = tmp_path / "CODE-RAN", tmp_path / "notes.txt"
    shown.write_text("hello\n")
    lesskey = tmp_path / "lesskey.txt"  # a file the repository holds, named by its checkout's path
    lesskey.write_text(f"#env\nLESSOPEN=|touch {marker}; cat %s\n")
    value = f"+!touch {marker}\\nq" if entry == "less" else str(lesskey)
    path = seal_file(f'{entry}: "{value}"\ndb_password: p-1\n')
    done = _on_a_terminal(path, "less", str(shown))
    assert not marker.exists()  # without the check: less ran it (`script` gives less a terminal)
    assert "which changes how programs start or where they connect" in done.stdout, done.stdout


@pytest.mark.parametrize("entry", ["prompt", "rprompt"])
def test_zsh_does_not_run_a_prompt_a_file_sets(entry: str, seal_file: SealFile, tmp_path: Path) -> None:
    marker = tmp_path / "CODE-RAN"
    path = seal_file(f'{entry}: "$(touch {marker})"\ndb_password: p-1\n')
    done = _on_a_terminal(path, "zsh", "-f", "-i", typed="setopt promptsubst\ntrue\nexit\n")
    assert not marker.exists()  # without the check: zsh ran it at its next prompt
    assert "which changes how programs start or where they connect" in done.stdout, done.stdout
