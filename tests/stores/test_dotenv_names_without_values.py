"""A dotenv name without ``=`` (``export TOKEN``, ``DEBUG``) holds no value: python-dotenv leaves it unset,
docker compose takes it from the environment, and sops refuses the file. Sealed as ``""``, ``exec`` set it
empty over the inherited value. Sealing refuses it in one line; a file sealed that way still reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile import load_secrets
from sealfile.errors import FormatError
from sealfile.kms.age import AgeKey
from sealfile.model.paths import format_keypath
from sealfile.ops.seal import seal_plaintext
from sealfile.stores import get_store
from sealfile.stores.dotenv import DotenvStore

UNVALUED = [("DEBUG\n", "DEBUG"), ("export DEBUG\n", "DEBUG"), ("  export   DEBUG  \r\n", "DEBUG"),
            ("DEBUG # from the environment\n", "DEBUG"), ("DEBUG#no space\n", "DEBUG"), ("export export \n", "export"),
            ("'}'\n", "}"), ("C\r\r\n", "C"), ("DEBUG", "DEBUG")]


@pytest.mark.parametrize(("line", "name"), UNVALUED)
def test_sealing_refuses_a_name_without_a_value(line: str, name: str, age_identity) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FormatError) as refused:
        seal_plaintext(f"A=1\n{line}", get_store("dotenv"), [AgeKey(age_identity.recipient)])
    assert refused.value.keypath == format_keypath((name,))
    assert f"line 2 names {name} without \"=\"" in refused.value.message
    assert f"write {name}= for an empty value" in refused.value.message


def test_an_empty_value_is_still_sealed(age_identity) -> None:  # type: ignore[no-untyped-def]
    sealed = seal_plaintext("A=\nexport B=''\n", get_store("dotenv"), [AgeKey(age_identity.recipient)])
    assert "ENC[" in sealed


def test_the_cli_refuses_in_one_line_and_writes_nothing(tmp_path: Path, age_identity, run_cli) -> None:  # type: ignore[no-untyped-def]
    plain = tmp_path / "app.env"
    plain.write_text("TOKEN=abc\nexport HOME_DIR\n")
    done = run_cli("encrypt", "--age", age_identity.recipient, "--in-place", str(plain))
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "app.env: HOME_DIR: line 2 names HOME_DIR without" in lines[0], done.stderr
    assert plain.read_text() == "TOKEN=abc\nexport HOME_DIR\n"


def test_a_file_sealed_with_such_a_name_still_reads(tmp_path: Path, age_identity,  # type: ignore[no-untyped-def]
                                                    monkeypatch: pytest.MonkeyPatch, run_cli) -> None:
    text = "TOKEN=abc\nexport HOME_DIR\n"
    with monkeypatch.context() as before:  # as a sealfile that did not refuse it sealed it
        before.setattr(DotenvStore, "check_sealable", lambda self, document, encrypts=None: None)
        sealed = seal_plaintext(text, get_store("dotenv"), [AgeKey(age_identity.recipient)])
    path = tmp_path / "app.enc.env"
    path.write_text(sealed)
    assert load_secrets(path) == {"TOKEN": "abc", "HOME_DIR": ""}
    done = run_cli("decrypt", str(path))
    assert done.returncode == 0 and done.stdout == text, done.stderr
