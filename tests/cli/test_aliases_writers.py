"""Writers on YAML texts with anchors and aliases, through the real CLI: a token that does not change
when an alias to its value comes or goes, an alias replaced or removed on its own, and a change at an
alias made in the editor (docs/format.md §1.1)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity


def _ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout


def _safe(text: str) -> Any:
    return YAML(typ="safe").load(text)


def _seal(run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, text: str, name: str = "p",
          *previous: Path) -> Path:
    plain = tmp_path / f"{name}.yaml"
    plain.write_text(text)
    sealed = tmp_path / f"{name}.enc.yaml"
    extra = ["--previous", *previous] if previous else []
    sealed.write_text(_ok(run_cli("encrypt", "--age", age_identity.recipient, *extra, plain)))
    return sealed


def _tokens(text: str) -> list[str]:
    return [line.split("ENC[", 1)[1] for line in text.splitlines() if "ENC[" in line]


@pytest.mark.parametrize(("before", "after"), [
    ("a: &a s1\nc: x\n", "a: &a s1\nc: x\nd: *a\n"),  # an alias to it comes
    ("a: &a s1\nc: x\nd: *a\n", "a: &a s1\nc: x\n"),  # the last alias to it goes
    ("a: &a\n  multi word\nc: [x]\n", "a: &a\n  multi word\nc: [x, *a]\n"),
])
def test_a_token_does_not_change_when_an_alias_to_its_value_comes_or_goes(
        run_cli: RunCli, age_identity: AgeIdentity, tmp_path: Path, before: str, after: str) -> None:
    """The anchor was inside the token of a value nothing aliased and outside it once something did:
    ``diff`` showed the secret as changed. It is always outside now (its name is no secret: aliases
    show it anyway, and §7 binds every alias to the anchored node's path)."""
    one = _seal(run_cli, age_identity, tmp_path, before, "one")
    two = _seal(run_cli, age_identity, tmp_path, after, "two", one)
    assert _tokens(one.read_text())[0] == _tokens(two.read_text())[0]
    assert "a:" not in _ok(run_cli("diff", one, two))
    assert _ok(run_cli("decrypt", two)) == after
