"""``set`` and ``unset`` given KEYPATH before FILE (``sealfile set db.password secrets.enc.yaml``) say so in one
line, with the command the other way round, before a value is read from stdin or asked for at a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.support.cli import cli_env, run_cli
from tests.support.sealing import SealFile
from tests.support.terminal import run_on_terminal

pytest_plugins = ["tests.support.sealed_files"]


@pytest.mark.parametrize(("args", "stdin", "meant"), [
    (("set", "db.password", "{path}"), "s3cret\n", "sealfile set {path} db.password"),
    (("set", "db.password", "{path}"), "", "sealfile set {path} db.password"),
    (("set", "db.password", "{path}", "s3cret"), None, "sealfile set {path} db.password VALUE"),
    (("unset", "db.password", "{path}"), None, "sealfile unset {path} db.password"),
])
def test_keypath_before_file_gives_the_command_the_right_way_round(seal_file: SealFile, args: tuple[str, ...],
                                                                   stdin: str | None, meant: str) -> None:
    path = seal_file("db:\n  password: old\n")
    before = path.read_bytes()
    result = run_cli(*(arg.format(path=path) for arg in args), input=stdin, env={"NO_COLOR": "1"})
    assert (result.returncode, result.stderr) == (
        1, f"sealfile: error: db.password: no such file (the file comes first: {meant.format(path=path)})\n")
    assert "s3cret" not in result.stderr
    assert path.read_bytes() == before


def test_a_missing_file_is_refused_before_the_value_is_asked_for(tmp_path: Path) -> None:
    missing = tmp_path / "secrets.enc.yaml"
    status, shown = run_on_terminal([sys.executable, "-m", "sealfile", "set", str(missing), "db.password"],
                                    cli_env(), {b"value: ": "typed-secret"})
    assert (status, shown.strip()) == (1, f"sealfile: error: {missing}: no such file")
    assert not missing.exists()
