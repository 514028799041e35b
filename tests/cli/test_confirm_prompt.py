"""A yes-or-no question at a terminal (``updatekeys`` asking before it changes who can open a file, ``edit`` asking
whether to reopen a text it cannot seal): what each answer does, and a Ctrl-C ends the wait whenever it comes."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sealfile import load_secrets
from sealfile.ops.seal import seal_text
from tests.support.cli import cli_env
from tests.support.identities import AgeIdentity, write_identity
from tests.support.late_waits import late_waits_env
from tests.support.terminal import CTRL_C, CTRL_D, run_on_terminal

QUESTION = b"? [y/N]: "


def _asking(tmp_path: Path, age_identity: AgeIdentity) -> tuple[Path, str]:
    """A sealed file that ``updatekeys`` would give one more recipient (the creation rule names it)."""
    ruled = write_identity(tmp_path / "k2.txt")
    (tmp_path / ".sealfile.yaml").write_text(
        f"creation_rules:\n  - path_regex: .*\n    age: [{age_identity.recipient}, {ruled.recipient}]\n")
    sealed = tmp_path / "s.enc.yaml"
    sealed.write_text(seal_text("a: 1\n", [age_identity.key]))
    return sealed, ruled.recipient


def _updatekeys(sealed: Path, answers: dict[bytes, str], env: dict[str, str] | None = None) -> tuple[int, str]:
    return run_on_terminal([sys.executable, "-m", "sealfile", "updatekeys", str(sealed)], cli_env(env), answers,
                           timeout=20)


@pytest.mark.parametrize(("answers", "changed"), [
    ({QUESTION: "y"}, True),
    ({QUESTION: "YES "}, True),
    ({QUESTION: ""}, False),  # the default, no
    ({QUESTION: "n"}, False),
    ({QUESTION: "maybe", b"invalid input": "y"}, True),  # asked again
])
def test_each_answer(tmp_path: Path, age_identity: AgeIdentity, answers: dict[bytes, str], changed: bool) -> None:
    sealed, added = _asking(tmp_path, age_identity)
    before = sealed.read_bytes()
    status, shown = _updatekeys(sealed, answers)
    assert status == 0, shown
    assert (added in sealed.read_text()) is changed
    if not changed:
        assert sealed.read_bytes() == before


def test_no_answer_is_an_error_not_a_silent_no(tmp_path: Path, age_identity: AgeIdentity) -> None:
    """A script that forgot --yes (or Ctrl-D at the question) exited 0 having changed nothing."""
    sealed, _ = _asking(tmp_path, age_identity)
    before = sealed.read_bytes()
    line = (f"sealfile: error: {sealed}: no answer to the question (input ended, or no terminal); nothing was changed "
            "(--yes makes the change without asking)")
    status, shown = _updatekeys(sealed, {QUESTION: CTRL_D})
    assert (status, shown.splitlines()[-1]) == (1, line), shown
    done = subprocess.run([sys.executable, "-m", "sealfile", "updatekeys", str(sealed)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, env=cli_env(), timeout=60)
    assert (done.returncode, done.stderr.splitlines()[-1]) == (1, line), done.stderr
    assert sealed.read_bytes() == before


def test_ctrl_c_ends_the_question_even_just_before_its_read_starts(tmp_path: Path, age_identity: AgeIdentity) -> None:
    """click's question is one blocking read of standard input: a Ctrl-C whose handler ran after Python's last
    signal check but before the read started (tests/support/late_waits.py starts each wait late) was never seen,
    and the question waited on."""
    sealed, _ = _asking(tmp_path, age_identity)
    before = sealed.read_bytes()
    status, shown = _updatekeys(sealed, {QUESTION: CTRL_C}, late_waits_env(tmp_path))
    assert (status, shown.splitlines()[-1]) == (
        -signal.SIGINT, f"sealfile: error: interrupted at {sealed}, which was left as it was; 0 file(s) done before it")
    assert sealed.read_bytes() == before


REOPEN = b"[Y/n]: "


def _edit_twice(tmp_path: Path, age_identity: AgeIdentity, answers: dict[bytes, str],
                env: dict[str, str] | None = None) -> tuple[Path, bytes, int, str]:
    """``edit`` whose editor first leaves a text that is no YAML, then (if reopened) a good one."""
    sealed, editor = tmp_path / "s.enc.yaml", tmp_path / "editor.sh"
    sealed.write_text(seal_text("a: 1\n", [age_identity.key]))
    editor.write_text(f'#!/bin/sh\nif [ -e {tmp_path}/once ]; then echo "a: 2" > "$1"; '
                      f'else touch {tmp_path}/once; echo "a: [" > "$1"; fi\n')
    editor.chmod(0o755)
    before = sealed.read_bytes()
    status, shown = run_on_terminal([sys.executable, "-m", "sealfile", "edit", str(sealed)],
                                    cli_env({"EDITOR": str(editor), **(env or {})}), answers, timeout=20)
    return sealed, before, status, shown


@pytest.mark.parametrize(("answer", "reopened"), [("", True), ("y", True), ("n", False), (CTRL_D, False)])
def test_edit_asks_to_reopen_a_text_it_cannot_seal(tmp_path: Path, age_identity: AgeIdentity, answer: str,
                                                    reopened: bool) -> None:
    sealed, before, status, shown = _edit_twice(tmp_path, age_identity, {REOPEN: answer})
    if reopened:
        assert status == 0, shown
        assert load_secrets(sealed) == {"a": 2}
    else:
        assert status == 1, shown
        assert sealed.read_bytes() == before


def test_ctrl_c_at_the_reopen_question_ends_the_edit(tmp_path: Path, age_identity: AgeIdentity) -> None:
    sealed, before, status, shown = _edit_twice(tmp_path, age_identity, {REOPEN: CTRL_C}, late_waits_env(tmp_path))
    assert status == -signal.SIGINT, shown
    assert shown.splitlines()[-1].startswith("sealfile: interrupted"), shown
    assert sealed.read_bytes() == before
