"""``file_type`` means the same for a SOPS file and a sealed file: a name no file can have is one error,
found before the file is read; a name only SOPS files have says so for a sealed file."""

from __future__ import annotations

from pathlib import Path

import pytest

from sealfile.errors import ConfigError
from sealfile.kms.age import AgeKey
from sealfile.ops.seal import seal_text
from sealfile.runtime.loader import load_secrets
from tests.sops.conftest import AgeIdentity, sops_encrypt


def test_an_unknown_file_type_is_one_error_for_sealed_and_sops_files(
        tmp_path: Path, sops_identity: AgeIdentity) -> None:
    plain = tmp_path / "plain.yaml"
    plain.write_text("password: hunter2\n", encoding="utf-8")
    sops_file = sops_encrypt(plain, tmp_path / "sops.yaml", "--age", sops_identity.recipient)
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text(seal_text("password: hunter2\n", [AgeKey(sops_identity.recipient)]), encoding="utf-8")
    messages = []
    for path in (sops_file, sealed):
        with pytest.raises(ConfigError) as raised:
            load_secrets(str(path), file_type="xml")
        messages.append(str(raised.value).removeprefix(f"{path}: "))
    assert messages[0] == messages[1]
    assert messages[0] == "unknown file type 'xml' (one of yaml, json, dotenv; for SOPS files also ini, binary)"


def test_a_sops_only_file_type_for_a_sealed_file_says_it_is_for_sops_files(
        tmp_path: Path, sops_identity: AgeIdentity) -> None:
    sealed = tmp_path / "sealed.yaml"
    sealed.write_text(seal_text("password: hunter2\n", [AgeKey(sops_identity.recipient)]), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^.*sealed\.yaml: file type 'ini' is for SOPS files only; a sealed file is "
                                          r"one of yaml, json, dotenv$"):
        load_secrets(str(sealed), file_type="ini")
