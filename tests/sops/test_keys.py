"""Where the age identity for a SOPS file may come from: SOPS's places as well as sealfile's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import FormatError, NoUsableKeyError
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, make_identity, sops_encrypt
from tests.sops.documents import SIMPLE_YAML


@pytest.fixture(scope="module")
def sops_file(sops_identity: AgeIdentity, tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("keys")
    plain = work / "plain.yaml"
    plain.write_text(SIMPLE_YAML)
    return sops_encrypt(plain, work / "s.sops.yaml", "--age", sops_identity.recipient)


def opens(path: Path) -> bool:
    return bool(sealfile.load_secrets(path)["password"] == "hunter2")


def test_sops_age_key_file(sops_file: Path, sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    assert opens(sops_file)


def test_sops_age_key_inline(sops_file: Path, sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY", f"# a comment line\n{sops_identity.identity}\n")
    assert opens(sops_file)


@pytest.mark.parametrize("xdg", [True, False])
def test_sops_default_key_file(xdg: bool, sops_file: Path, sops_identity: AgeIdentity, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    if xdg:
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
        base = tmp_path / "xdg"
    else:
        base = Path.home() / ".config"
    target = base / "sops" / "age" / "keys.txt"
    target.parent.mkdir(parents=True)
    target.write_text(sops_identity.key_file.read_text())
    target.chmod(0o600)
    assert opens(sops_file)


def test_sealfile_own_identity_sources(sops_file: Path, sops_identity: AgeIdentity,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEALFILE_AGE_KEY", sops_identity.identity)
    assert opens(sops_file)


def test_no_identity_lists_the_recipient_and_where_we_looked(sops_file: Path, sops_identity: AgeIdentity,
                                                            tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    other = make_identity(tmp_path / "other")
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(other.key_file))
    with pytest.raises(NoUsableKeyError) as caught:
        sealfile.load_secrets(sops_file)
    message = str(caught.value)
    assert sops_identity.recipient in message and "SOPS_AGE_KEY_FILE" in message and str(sops_file) in message
    assert other.identity not in message


def test_identity_file_readable_by_others_is_refused(sops_file: Path, sops_identity: AgeIdentity, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    loose = tmp_path / "loose.txt"
    loose.write_text(sops_identity.key_file.read_text())
    loose.chmod(0o644)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(loose))
    with pytest.raises(NoUsableKeyError, match="readable by others"):
        sealfile.load_secrets(sops_file)


def test_data_key_is_cached_per_process(sops_file: Path, sops_identity: AgeIdentity,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    assert opens(sops_file)
    monkeypatch.delenv("SOPS_AGE_KEY_FILE")
    assert opens(sops_file)  # no identity now: the unwrapped key came from the cache
    sealfile.forget_data_keys()
    with pytest.raises(NoUsableKeyError):
        sealfile.load_secrets(sops_file)


def test_unsupported_recipients_are_named(sops_file: Path, tmp_path: Path) -> None:
    text = sops_file.read_text()
    assert "\n    age:\n" in text
    pgp_only = tmp_path / "pgp.yaml"
    pgp_only.write_text(text.replace("\n    age:\n", "\n    pgp:\n"))
    with pytest.raises(NoUsableKeyError, match="does not read SOPS pgp keys"):
        sealfile.load_secrets(pgp_only)


def test_shamir_key_groups_are_refused_clearly(sops_file: Path, tmp_path: Path) -> None:
    document = yaml_store.load_fast(sops_file.read_text())
    group = {"age": document["sops"].pop("age")}
    document["sops"]["key_groups"] = [group, group]
    document["sops"]["shamir_threshold"] = 2
    shamir = tmp_path / "shamir.json"
    shamir.write_text(json.dumps(document))
    with pytest.raises(FormatError, match="Shamir"):
        sealfile.load_secrets(shamir)
