"""A dotenv file whose name does not say dotenv (``prod.env.txt``, ``secrets``) is read as YAML and refused: the
one error line says how to read it as dotenv, and that way works."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.identities import AgeIdentity


@pytest.mark.parametrize("name", ["prod.env.txt", "secrets", "app.conf"])
def test_dotenv_lines_read_as_yaml_name_the_input_type(tmp_path: Path, age_identity: AgeIdentity, name: str) -> None:
    plain = tmp_path / name
    plain.write_text("# for the app\nAPI_KEY=abc\nexport DB_URL=postgres://x\n\n")
    result = run_cli("encrypt", "--age", age_identity.recipient, plain)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1
    assert result.stderr.rstrip().endswith("; it holds dotenv lines (KEY=value): add --input-type dotenv")
    assert run_cli("encrypt", "--age", age_identity.recipient, "--input-type", "dotenv", plain).returncode == 0


@pytest.mark.parametrize("text", ["a:\n  b: 1\n c: 2\n", "[db]\npassword = x\n"])
def test_other_text_read_as_yaml_gets_no_dotenv_hint(tmp_path: Path, age_identity: AgeIdentity, text: str) -> None:
    plain = tmp_path / "s.yaml"
    plain.write_text(text)
    result = run_cli("encrypt", "--age", age_identity.recipient, plain)
    assert result.returncode == 1 and "dotenv" not in result.stderr


@pytest.mark.parametrize(("text", "where"), [("db:\n\tpassword: x\n", "line 2, column 1"),
                                             ("db:\n  user: a\n  \tpassword: x\n", "line 3, column 3")])
def test_a_tab_that_indents_yaml_is_named_as_one(tmp_path: Path, age_identity: AgeIdentity, text: str,
                                                 where: str) -> None:
    """libyaml's 'found character that cannot start any token' does not say the character is a tab, nor what to do."""
    plain = tmp_path / "s.yaml"
    plain.write_text(text)
    result = run_cli("encrypt", "--age", age_identity.recipient, plain)
    assert (result.returncode, result.stderr) == (
        1, f"sealfile: error: {plain}: invalid YAML at {where}: a tab, which YAML does not allow to indent: indent "
           "with spaces\n")
