"""SOPS's MAC covers no key name and no comment (sops-compat.md §5), so anyone who can push may rename a
plaintext value or add a comment and sops still decrypts the file. Written into a decrypted dotenv text, a
renamed ``touch${IFS}x;NAME_unencrypted`` ran ``touch`` in a shell sourcing it, and a comment
``#x\\rDB_HOST=evil.example`` gave python-dotenv readers a variable the file never held. Real sops, age, bash."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import dotenv
import pytest

from tests.sops.conftest import AgeIdentity, run_sops, sealfile_cli, sops_encrypt

PLAIN = "DB_PASSWORD=hunter2\nNAME_unencrypted=web\n"


def _sealed(tmp_path: Path, identity: AgeIdentity, plain: str, name: str) -> Path:
    source = tmp_path / f"plain-{name}"
    source.write_text(plain)
    return sops_encrypt(source, tmp_path / name, "--age", identity.recipient)


def _pushed(text: str, how: str, marker: Path) -> str:
    if how == "renamed":
        return text.replace("NAME_unencrypted", f"touch${{IFS}}{marker};NAME_unencrypted", 1)
    return "#x\rDB_HOST=evil.example\n" + text  # a comment, to sops and to a shell


@pytest.mark.parametrize("how", ["renamed", "comment"])
@pytest.mark.parametrize("output", [(), ("--output-type", "dotenv")])
def test_a_pushed_name_or_comment_never_reaches_a_decrypted_dotenv_text(
        how: str, output: tuple[str, ...], sops_identity: AgeIdentity, tmp_path: Path) -> None:
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    env.pop("SEALFILE_AGE_KEY", None)
    marker = tmp_path / "ran"
    path = _sealed(tmp_path, sops_identity, PLAIN, "app.env")
    path.write_text(_pushed(path.read_text(), how, marker))
    assert run_sops(["decrypt", str(path)], env).returncode == 0  # the MAC holds: nothing tells sops

    done = sealfile_cli("decrypt", *output, str(path), env=env)
    if done.returncode == 0:  # then the text must read as the file's data, to a shell and to python-dotenv
        shown = tmp_path / "shown.env"
        shown.write_text(done.stdout)
        subprocess.run(["bash", "-c", f'set -a; . "{shown}"'], capture_output=True, cwd=tmp_path, check=False)
        assert not marker.exists(), "sourcing the decrypted file ran the pushed command"
        assert "DB_HOST" not in dotenv.dotenv_values(shown)
    assert done.returncode == 1 and done.stdout == "" and len(done.stderr.splitlines()) == 1, done.stderr
    assert "SOPS's MAC does not cover" in done.stderr and "hunter2" not in done.stderr


def test_a_sops_yaml_files_renamed_key_becomes_a_variable_name(sops_identity: AgeIdentity, tmp_path: Path) -> None:
    """Held before: a YAML file's dotenv output takes ``load_env``'s names, made of letters, digits and '_'."""
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(sops_identity.key_file)}
    path = _sealed(tmp_path, sops_identity, "DB_PASSWORD: hunter2\nNAME_unencrypted: web\n", "app.yaml")
    path.write_text(path.read_text().replace("NAME_unencrypted:", "'touch${IFS}x;NAME_unencrypted':", 1))
    assert run_sops(["decrypt", str(path)], env).returncode == 0
    done = sealfile_cli("decrypt", "--output-type", "dotenv", str(path), env=env)
    assert done.returncode == 0 and done.stdout.splitlines()[1] == "TOUCH__IFS_X_NAME_UNENCRYPTED='web'", done


def test_names_and_comments_of_every_shape_sops_writes_still_show() -> None:
    """What sops writes from a plain dotenv file (names with '.', '-', comments with blanks) reads as before."""
    from sealfile.sops.nodes import Branch, Comment, Item
    from sealfile.sops.render import dotenv_text

    branch = Branch([Item(Comment(" a comment\twith $(no effect)")), Item("A.b-c_1", "x"), Item("_X", "")])
    assert dotenv_text(branch) == "# a comment\twith $(no effect)\nA.b-c_1=x\n_X=\n"
