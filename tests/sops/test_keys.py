"""Where the age identity for a SOPS file may come from: SOPS's places as well as sealfile's."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import sealfile
from sealfile.errors import NoUsableKeyError
from sealfile.stores.yaml import reader as yaml_store
from tests.sops.conftest import AgeIdentity, make_identity, sealfile_cli, sops_encrypt, tool
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
    # the entry is named by its recipient, as when the identity is read but does not match
    shown = f"age {sops_identity.recipient}: {loose}: identity file is readable by others"
    with pytest.raises(NoUsableKeyError, match=re.escape(shown)):
        sealfile.load_secrets(sops_file)


def test_an_identity_file_that_cannot_be_read_is_named_as_the_sealed_files_are(
        sops_file: Path, sops_identity: AgeIdentity, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An identity file the system refuses to read (a directory here; no read permission for a user) gave
    the bare OS error, ``KEYFILE: Is a directory``, naming neither the SOPS file nor the entry."""
    unreadable = tmp_path / "keys.txt"
    unreadable.mkdir(mode=0o700)
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(unreadable))
    shown = f"age {sops_identity.recipient}: {unreadable}: Is a directory"
    with pytest.raises(NoUsableKeyError, match=re.escape(shown)) as caught:
        sealfile.load_secrets(sops_file)
    assert str(sops_file) in str(caught.value)


def test_data_key_is_cached_per_process(sops_file: Path, sops_identity: AgeIdentity,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    assert opens(sops_file)
    monkeypatch.delenv("SOPS_AGE_KEY_FILE")
    assert opens(sops_file)  # no identity now: the unwrapped key came from the cache
    sealfile.forget_data_keys()
    with pytest.raises(NoUsableKeyError):
        sealfile.load_secrets(sops_file)


def test_unknown_recipient_kinds_are_named(sops_file: Path, tmp_path: Path) -> None:
    text = sops_file.read_text()
    assert "\n    age:\n" in text
    unknown = tmp_path / "unknown.yaml"
    unknown.write_text(text.replace("\n    age:\n", "\n    future_kms:\n"))
    with pytest.raises(NoUsableKeyError, match="does not read SOPS future_kms keys"):
        sealfile.load_secrets(unknown)


def test_a_whole_data_key_in_a_key_group_is_refused(sops_file: Path, tmp_path: Path,
                                                   sops_identity: AgeIdentity, monkeypatch: pytest.MonkeyPatch) -> None:
    """Groups hold parts of the data key: an entry that unwraps to the whole key does not fit them."""
    document = yaml_store.load_fast(sops_file.read_text())
    group = {"age": document["sops"].pop("age")}
    document["sops"]["key_groups"] = [group, group]
    document["sops"]["shamir_threshold"] = 2
    shamir = tmp_path / "shamir.json"
    shamir.write_text(json.dumps(document))
    monkeypatch.setenv("SOPS_AGE_KEY_FILE", str(sops_identity.key_file))
    with pytest.raises(NoUsableKeyError, match=r"recovered 0 of the 2 .* holds a whole data key"):
        sealfile.load_secrets(shamir)


@pytest.fixture(scope="module")
def ssh_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """An unencrypted ed25519 SSH key (private key path, public key line), made by ssh-keygen."""
    directory = tmp_path_factory.mktemp("ssh")
    private = directory / "id_ed25519"
    subprocess.run([tool("ssh-keygen"), "-q", "-t", "ed25519", "-N", "", "-C", "dev@example", "-f", str(private)],
                   check=True, capture_output=True)
    return private, private.with_suffix(".pub").read_text().strip()


@pytest.fixture(scope="module")
def ssh_sops_file(ssh_key: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("ssh-sops")
    plain = work / "plain.yaml"
    plain.write_text(SIMPLE_YAML)
    return sops_encrypt(plain, work / "s.sops.yaml", "--age", ssh_key[1])


@pytest.mark.parametrize("where", ["SOPS_AGE_SSH_PRIVATE_KEY_FILE", "~/.ssh/id_ed25519"])
def test_ssh_key_opens_a_file_sops_encrypted_to_it(where: str, ssh_key: tuple[Path, str], ssh_sops_file: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    if where.startswith("~"):
        target = Path.home() / ".ssh" / "id_ed25519"
        target.parent.mkdir(mode=0o700)
        shutil.copy(ssh_key[0], target)
        target.chmod(0o600)
    else:
        monkeypatch.setenv(where, str(ssh_key[0]))
    assert opens(ssh_sops_file)


def test_import_then_verify_and_decrypt_with_only_the_sops_key_variables(
    sops_file: Path, ssh_sops_file: Path, sops_identity: AgeIdentity, ssh_key: tuple[Path, str], tmp_path: Path
) -> None:
    """The environment that opened the SOPS files opens the imported ones: nothing sealfile-specific."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SEALFILE_")}
    env.update(SOPS_AGE_KEY_FILE=str(sops_identity.key_file), SOPS_AGE_SSH_PRIVATE_KEY_FILE=str(ssh_key[0]))
    for source in (sops_file, ssh_sops_file):
        sealed = tmp_path / f"{source.parent.name}.enc.yaml"
        done = sealfile_cli("import-sops", str(source), "-o", str(sealed), env=env)
        assert done.returncode == 0, done.stderr
        assert "sops:" not in sealed.read_text()
        verified = sealfile_cli("verify", str(sealed), env=env)
        assert verified.returncode == 0 and ": OK" in verified.stdout, verified.stderr
        shown = sealfile_cli("decrypt", "--extract", "password", str(sealed), env=env)
        assert (shown.returncode, shown.stdout) == (0, "hunter2"), shown.stderr
    imported = yaml_store.load_fast((tmp_path / f"{ssh_sops_file.parent.name}.enc.yaml").read_text())
    assert [r["recipient"] for r in imported["sealfile"]["recipients"]] == [ssh_key[1]]


def test_an_identity_file_that_is_a_pipe_is_read_once(sops_identity: AgeIdentity, sops_file: Path,
                                                      tmp_path: Path) -> None:
    """A SOPS file's reader looks for identities twice (the stanza's label, then the unwrap): with the key
    file a FIFO fed once, the second look waited for a writer that never came, and decrypt hung."""
    import threading

    fifo = tmp_path / "key.fifo"
    os.mkfifo(fifo, 0o600)

    def feed() -> None:
        with open(fifo, "w") as handle:
            handle.write(sops_identity.key_file.read_text())

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    env = {**os.environ, "SOPS_AGE_KEY_FILE": str(fifo), "SEALFILE_AGE_KEY_FILE": str(tmp_path / "none.txt")}
    done = subprocess.run([sys.executable, "-m", "sealfile", "decrypt", str(sops_file)], capture_output=True,
                          text=True, env=env, timeout=30)
    assert done.returncode == 0, done.stderr
    assert "hunter2" in done.stdout
