"""``SEALFILE_SIGNING_KEY``: a private key file, or a public key whose private half is in ssh-agent.

Every signature a Signer makes is checked by ``ssh-keygen -Y verify``; every failure is one line that
says what to do, and nothing shows private key bytes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from sealfile.envelope.signing import SIGNING_KEY_ENV, Signer, load_signer, signer_from_environment
from sealfile.errors import ConfigError, SealfileError, SigningError
from tests.support.ssh import RunningAgent, SshKeyPair, SshKeys, generate_key, keygen_verify, write_allowed_signers

MESSAGE = b"sealed file digest\n"


def assert_signs(signer: Signer, key: SshKeyPair, tmp_path: Path) -> None:
    assert signer.public_key == key.public_key and signer.fingerprint == key.public_key.fingerprint
    signature = signer.sign(MESSAGE, "sealfile")
    result = keygen_verify(write_allowed_signers(tmp_path, key), "alice", "sealfile", signature, MESSAGE, tmp_path)
    assert result.returncode == 0, result.stderr


def private_body(key: SshKeyPair) -> list[str]:
    """The base64 lines of the private key file: none may appear in a repr or an error."""
    return [line for line in key.path.read_text().splitlines() if not line.startswith("-----")]


def from_env(spec: str, monkeypatch: pytest.MonkeyPatch) -> Signer | None:
    monkeypatch.setenv(SIGNING_KEY_ENV, spec)
    return signer_from_environment()


def test_unset_or_empty_means_no_signer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert signer_from_environment() is None
    assert from_env("  ", monkeypatch) is None


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa256", "rsa"])
def test_private_key_file(ssh_keys: SshKeys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    key = ssh_keys.get(kind)
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)  # no agent involved
    signer = from_env(str(key.path), monkeypatch)
    assert signer is not None
    assert_signs(signer, key, tmp_path)
    assert repr(signer) == f"Signer({key.public_key.key_type} {key.public_key.fingerprint}, {key.path})"
    assert not any(line in repr(signer) or line in repr(vars(signer)) for line in private_body(key))


def test_pem_private_key_and_home_relative_path(isolated_env: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (isolated_env / ".ssh").mkdir()
    key = generate_key(isolated_env / ".ssh", "rsa", "id_rsa")
    subprocess.run(["ssh-keygen", "-q", "-p", "-m", "PEM", "-N", "", "-f", str(key.path)], check=True,
                   capture_output=True)
    assert key.path.read_text().startswith("-----BEGIN RSA PRIVATE KEY-----")
    signer = from_env("~/.ssh/id_rsa", monkeypatch)
    assert signer is not None
    assert_signs(signer, key, tmp_path)


def test_encrypted_private_key_points_to_the_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = generate_key(tmp_path, "ed25519", "locked", passphrase="correct horse")
    with pytest.raises(SigningError) as err:
        from_env(str(key.path), monkeypatch)
    assert str(err.value) == (f"{SIGNING_KEY_ENV}: {key.path}: the private key is passphrase-protected; add it to "
                              f"ssh-agent ('ssh-add {key.path}') and set {SIGNING_KEY_ENV} to its public key "
                              f"({key.pub_path})")


def test_private_key_readable_by_others_is_refused(ssh_keys: SshKeys, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "id_ed25519"
    shutil.copy(ssh_keys.get().path, copy)
    copy.chmod(0o644)
    with pytest.raises(SigningError, match="readable by others"):
        from_env(str(copy), monkeypatch)


def test_corrupt_private_key_is_refused_without_echoing_it(ssh_keys: SshKeys, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    original = ssh_keys.get()
    corrupt = tmp_path / "id_ed25519"
    text = original.path.read_text()
    corrupt.write_text(text.replace(private_body(original)[1], private_body(original)[1][::-1]))
    corrupt.chmod(0o600)
    with pytest.raises(SigningError) as err:
        from_env(str(corrupt), monkeypatch)
    assert str(err.value) == f"{SIGNING_KEY_ENV}: {corrupt}: not a usable SSH private key"


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_public_key_file_signs_through_the_agent(ssh_agent: RunningAgent, ssh_keys: SshKeys, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    key = ssh_keys.get(kind)
    ssh_agent.add(key)
    signer = from_env(str(key.pub_path), monkeypatch)
    assert signer is not None
    assert repr(signer).endswith(f", ssh-agent {ssh_agent.socket_path})")
    assert_signs(signer, key, tmp_path)


@pytest.mark.parametrize("prefix", ["", "key::"])
def test_public_key_text_signs_through_the_agent(ssh_agent: RunningAgent, ssh_keys: SshKeys, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    key = ssh_keys.get("ed25519")
    ssh_agent.add(key)
    signer = from_env(prefix + key.pub_path.read_text().strip(), monkeypatch)
    assert signer is not None
    assert_signs(signer, key, tmp_path)


def test_public_key_not_in_the_agent(ssh_agent: RunningAgent, ssh_keys: SshKeys,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    key = ssh_keys.get("ed25519")
    signer = from_env(str(key.pub_path), monkeypatch)
    assert signer is not None
    with pytest.raises(SigningError, match=re.escape(f"key {key.public_key.fingerprint} is not in ssh-agent")):
        signer.sign(MESSAGE, "sealfile")


def test_public_key_without_an_agent(ssh_keys: SshKeys, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    with pytest.raises(SigningError, match=f"^{SIGNING_KEY_ENV}: no ssh-agent: SSH_AUTH_SOCK is not set"):
        from_env(str(ssh_keys.get().pub_path), monkeypatch)


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("hello\n", "neither a private key nor a usable public key: not an OpenSSH public key "
                 "(expected 'ssh-ed25519 AAAA... comment')"),
    ("ssh-dss AAAAB3NzaC1kc3MAAACBAP\n", "neither a private key nor a usable public key: SSH key type 'ssh-dss' "
                                         "is not supported (use ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa)"),
    ("\xff\n", "not UTF-8 text (line 1, byte 1; a binary file, or another encoding such as Latin-1?)"),
])
def test_unusable_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str | None, message: str) -> None:
    path = tmp_path / "key"
    if content is not None:
        path.write_bytes(content.encode("latin-1"))
    with pytest.raises(SigningError) as err:
        from_env(str(path), monkeypatch)
    assert str(err.value) == f"{SIGNING_KEY_ENV}: {path}: {message}"


def test_unsupported_key_text_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_AUTH_SOCK", "/nonexistent")
    with pytest.raises(ConfigError, match=re.escape("'sk-ssh-ed25519@openssh.com' is not supported")):
        load_signer("sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t")
    with pytest.raises(SealfileError, match="not supported"):
        from_env("key::ssh-dss AAAA", monkeypatch)
