"""What a file names for its recipients is shown, never interpreted: a recipient's name, kind or
comment holding a terminal escape sequence or a line break reaches the terminal escaped, in every
command that prints it (errors, status, recipients list, updatekeys), never raw."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sealfile.errors import ConfigError, UnwrapError
from sealfile.kms.keyring import KeyringKey
from tests.support.cli import RunCli
from tests.support.identities import AgeIdentity
from tests.support.sealing import forged

ESCAPES = "\x1b[31m\x07\r"

_ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGtOvEajHpFNtVGzNyjvaQq4D11+PrZwQ1xq0pMNbT7R"


def _forged_file(tmp_path: Path, identity: AgeIdentity) -> Path:
    """A file anyone could commit: the team's age recipient plus stanzas whose names carry escapes."""
    data_key = os.urandom(32)
    own = identity.key.wrap(data_key).stanza.to_mapping()
    text, _ = forged("a: secret-value\n", [own,
                                           {"type": "keyring", "name": f"k{ESCAPES}", "wrapped": "x"},
                                           {"type": f"evil{ESCAPES}", "wrapped": "x"},
                                           {"type": "ssh", "recipient": f"{_ED25519} me{ESCAPES}", "wrapped": "x"}])
    path = tmp_path / "names.enc.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_keyring_name_with_control_characters_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        KeyringKey("laptop\x1b[31m")  # no blank in it: refused for its escape alone
    assert str(caught.value).isprintable()


def test_an_error_message_never_holds_a_control_character() -> None:
    """A plug-in's key id or an SDK's text may come from the file: the one line stays one line."""
    err = UnwrapError(f"denied{ESCAPES}", type_id="demo", key_id=f"id\n{ESCAPES}")
    err.in_file("a\x1b.enc.yaml")
    assert str(err).isprintable() and "\\x1b" in str(err)


@pytest.mark.parametrize("command", [("status",), ("recipients", "list"), ("rotate",), ("verify",)])
def test_no_command_prints_what_a_file_names_raw(command: tuple[str, ...], age_identity: AgeIdentity,
                                                 tmp_path: Path, run_cli: RunCli,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    path = _forged_file(tmp_path, age_identity)
    no_age = {"SEALFILE_AGE_KEY_FILE": str(tmp_path / "none.txt")} if command == ("verify",) else None
    result = run_cli(*command, path, env=no_age)
    shown = (result.stdout + result.stderr).replace("\n", "").replace("\t", "")
    assert shown.isprintable(), ascii(shown)
    assert "\\x1b" in shown or command == ("rotate",)
