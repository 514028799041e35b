"""A structural edit whose text would not read back as the change means (a splice gone wrong) is refused
through the CLI in one line that names the file, the key path where it would read otherwise and how, never the
secret, and leaves the file as it was."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from sealfile.cli import commands  # noqa: F401  (registers the commands)
from sealfile.cli.app import cli
from sealfile.ops.seal import seal_text
from sealfile.stores.yaml import intended
from sealfile.stores.yaml.splice import Edit, apply_edits
from tests.support.identities import AgeIdentity

SECRET = "planted-secret-9d2e"
PLAINTEXT = f"db:\n  password: {SECRET}\n  user: admin\nhosts:\n  - one\n  - two\n"

# What a wrong splice does to the otherwise right text, and the key path and cause the refusal names.
WRONG = [
    (lambda text: text.replace("user: admin", "user: 7"), "db.user",
     "the value written there reads back as an integer, not a string"),
    (lambda text: text.replace(SECRET, SECRET + "x"), "db.password",
     "the value written there reads back as another string"),
    (lambda text: text.replace("  user: admin\n", ""), "db.user", "this key is missing from what reads back"),
    (lambda text: text.replace("  - two\n", "    two\n"), "hosts.0",
     "the value written there reads back as another string"),
    (lambda text: text.replace("  - two\n", "  - two\n  - three\n"), "hosts",
     "the list there reads back with 3 entries, not 2"),
]
COMMANDS = [["set", "{S}", "added", "new-value"], ["unset", "{S}", "added"]]


@pytest.mark.parametrize(("wrong", "keypath", "cause"), WRONG, ids=[case[1] + ": " + case[2] for case in WRONG])
@pytest.mark.parametrize("args", COMMANDS, ids=[args[0] for args in COMMANDS])
def test_an_edit_that_would_read_back_otherwise_is_refused_naming_where_and_how(
        args: list[str], wrong: Callable[[str], str], keypath: str, cause: str, age_identity: AgeIdentity,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sealed = tmp_path / "s.yaml"
    plaintext = PLAINTEXT + ("added: 1\n" if args[0] == "unset" else "")
    sealed.write_text(seal_text(plaintext, [age_identity.key]))
    before = sealed.read_bytes()

    def wrong_splice(text: str, edits: Sequence[Edit]) -> str:
        return wrong(apply_edits(text, edits))

    monkeypatch.setattr(intended, "apply_edits", wrong_splice)
    result = CliRunner().invoke(cli, [arg.format(S=sealed) for arg in args])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"sealfile: error: {sealed}: {keypath}: ")
    assert cause in result.stderr and "please report it" in result.stderr
    assert SECRET not in result.stderr
    assert sealed.read_bytes() == before
