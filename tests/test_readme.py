"""Every shell and Python snippet in README.md is marked, and the ones marked runnable run as written.

A snippet's marker is the HTML comment on the line before its fence (invisible on GitHub):

    <!-- snippet: run -->                  run it; it must succeed
    <!-- snippet: run; expect: TEXT -->    ... and print TEXT (stdout or stderr)
    <!-- snippet: run; from nothing -->    run it in an empty directory (a first step, which names new files)
    <!-- snippet: skip; REASON -->         not runnable here, and why

Runnable snippets run in a fresh directory holding ``secrets.enc.yaml`` (sealed for an age
identity in the default key file of a private HOME), with ``sealfile`` on PATH: shell with
``bash -e -o pipefail``, Python with this interpreter.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from sealfile.kms.age import AgeKey, add_identity
from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.markdown import Fence, fences

README = Path(__file__).resolve().parents[1] / "README.md"
LANGUAGES = {"sh": "shell", "bash": "shell", "shell": "shell", "console": "shell", "python": "python",
             "py": "python", "pycon": "python"}
SECRETS = """\
database:
  host: db.internal
  user: app
  password: s3cret-db-password
hosts:
  - a.internal
  - b.internal
api_key: key-1234567890
"""


def snippets(text: str) -> list[Fence]:
    """Every shell and Python fence (the languages a reader would paste into a shell or Python)."""
    return [replace(f, language=LANGUAGES[f.language]) for f in fences(text) if f.language in LANGUAGES]


def _name(snippet: Fence) -> str:
    return f"README.md:{snippet.line}"


ALL = snippets(README.read_text(encoding="utf-8"))
RUNNABLE = [s for s in ALL if s.mode == "run"]
FROM_NOTHING = "from nothing"


def test_every_shell_and_python_snippet_is_marked() -> None:
    assert len(ALL) >= 15 and len(RUNNABLE) >= 8
    unmarked = [_name(s) for s in ALL if s.mode is None]
    assert unmarked == [], "mark each snippet <!-- snippet: run --> or <!-- snippet: skip; REASON -->"
    assert [_name(s) for s in ALL if s.mode == "skip" and not s.arg] == [], "a skipped snippet says why"
    assert [_name(s) for s in RUNNABLE if not all(part == FROM_NOTHING or part.startswith("expect: ")
                                                   for part in _parts(s))] == []


def _parts(snippet: Fence) -> list[str]:
    return snippet.arg.split("; ") if snippet.arg else []


def test_the_extractor_sees_indented_fences_and_markers() -> None:
    text = "- item\n\n  <!-- snippet: skip; why -->\n  ```sh\n  echo hi\n  ```\n```yaml\na: 1\n```\n"
    assert snippets(text) == [Fence(4, "shell", "echo hi\n", "skip", "why")]


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    home, work, bin_dir = tmp_path / "readme-home", tmp_path / "work", tmp_path / "bin"
    for directory in (home, work, bin_dir):
        directory.mkdir()
    recipient = add_identity(home / ".config" / "sealfile" / "age" / "keys.txt")
    (work / "secrets.enc.yaml").write_text(seal_text(SECRETS, [AgeKey(recipient)]))
    launcher = bin_dir / "sealfile"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sealfile "$@"\n')
    launcher.chmod(0o755)
    env = {k: v for k, v in cli_env().items() if not k.startswith(("SEALFILE_", "XDG_", "MYAPP_"))}
    env.update(HOME=str(home), PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}")
    return work, env


@pytest.mark.parametrize("snippet", RUNNABLE, ids=[_name(s) for s in RUNNABLE])
def test_runnable_snippets_run_as_written(snippet: Fence, sandbox: tuple[Path, dict[str, str]]) -> None:
    work, env = sandbox
    if FROM_NOTHING in _parts(snippet):
        (work / "secrets.enc.yaml").unlink()
    command = (["bash", "-e", "-o", "pipefail", "-c", snippet.text] if snippet.language == "shell"
               else [sys.executable, "-c", snippet.text])
    done = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{_name(snippet)} failed:\n{done.stdout}\n{done.stderr}"
    for expected in (part.removeprefix("expect: ") for part in _parts(snippet) if part.startswith("expect: ")):
        assert expected in done.stdout + done.stderr, f"{_name(snippet)} did not print {expected!r}"
