"""allowed_signers: parsed as OpenSSH parses it, cross-checked with ``ssh-keygen -Y find-principals``
and ``-Y verify``; ``verify`` says who signed or refuses in one line naming the key."""

from __future__ import annotations

import contextlib
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.envelope.allowed_signers import AllowedSigners, SignerInfo, matches_pattern_list, parse_line
from sealfile.envelope.signing import Signer
from sealfile.errors import ConfigError, SealfileError, SignatureError, UntrustedSignerError
from tests.support.ssh import SshKeyPair, SshKeys, keygen_find_principals, keygen_sign, keygen_verify

MESSAGE = b"the sealed file's signed digest\n"
NOW = datetime(2030, 6, 1, tzinfo=UTC).timestamp()


def signature_by(key: SshKeyPair, namespace: str = "sealfile") -> str:
    return Signer.from_private_key_file(key.path).sign(MESSAGE, namespace)


def signers(text: str, now: float = NOW) -> AllowedSigners:
    return AllowedSigners.from_text(text, source="allowed_signers", clock=lambda: now)


def utc(stamp: str) -> float:
    return datetime.strptime(stamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC).timestamp()


@pytest.fixture
def alice(ssh_keys: SshKeys) -> SshKeyPair:
    return ssh_keys.get("ed25519", "alice")


@pytest.fixture
def bob(ssh_keys: SshKeys) -> SshKeyPair:
    return ssh_keys.get("ecdsa256", "bob")


# -- verify --------------------------------------------------------------------------------------

def test_verify_names_the_signer(alice: SshKeyPair, bob: SshKeyPair, tmp_path: Path) -> None:
    trusted = signers(f"# the team\n\nalice@example.com {alice.public_key.to_line()}\n"
                      f"bob@example.com,bob {bob.public_key.to_line()}\n")
    assert len(trusted) == 2
    assert trusted.verify(MESSAGE, signature_by(alice), "sealfile") == SignerInfo(
        "alice@example.com", alice.public_key.fingerprint, "ssh-ed25519")
    message_path = tmp_path / "message"
    message_path.write_bytes(MESSAGE)
    assert trusted.verify(MESSAGE, keygen_sign(bob, message_path), "sealfile") == SignerInfo(
        "bob@example.com,bob", bob.public_key.fingerprint, "ecdsa-sha2-nistp256")


def test_unknown_signer_is_named_by_fingerprint(alice: SshKeyPair, bob: SshKeyPair) -> None:
    trusted = signers(f"alice {alice.public_key.to_line()}\n")
    with pytest.raises(UntrustedSignerError) as err:
        trusted.verify(MESSAGE, signature_by(bob), "sealfile")
    assert str(err.value) == f"signed by {bob.public_key.fingerprint}, a key not in allowed_signers"
    assert err.value.fingerprint == bob.public_key.fingerprint


def test_a_signature_that_does_not_verify_is_opaque_even_for_a_trusted_key(alice: SshKeyPair) -> None:
    trusted = signers(f"alice {alice.public_key.to_line()}\n")
    for message, signature, namespace in ((MESSAGE + b"!", signature_by(alice), "sealfile"),
                                          (MESSAGE, signature_by(alice, "git"), "sealfile"),
                                          (MESSAGE, "not a signature", "sealfile")):
        with pytest.raises(SignatureError, match=r"^signature does not verify$"):
            trusted.verify(message, signature, namespace)


def test_namespaces_option(alice: SshKeyPair, tmp_path: Path) -> None:
    line = f'alice namespaces="git,file" {alice.public_key.to_line()}\n'
    with pytest.raises(UntrustedSignerError) as err:
        signers(line).verify(MESSAGE, signature_by(alice), "sealfile")
    assert str(err.value) == (f"signed by alice ({alice.public_key.fingerprint}), whose key allowed_signers does "
                              "not allow for namespace 'sealfile'")
    (tmp_path / "allowed").write_text(line)
    assert keygen_verify(tmp_path / "allowed", "alice", "sealfile", signature_by(alice), MESSAGE,
                         tmp_path).returncode != 0
    # a later line for the same key may allow it, as in OpenSSH
    both = line + f'alice,sealer namespaces="seal*" {alice.public_key.to_line()}\n'
    assert signers(both).verify(MESSAGE, signature_by(alice), "sealfile").principal == "alice,sealer"
    (tmp_path / "allowed").write_text(both)
    assert keygen_verify(tmp_path / "allowed", "sealer", "sealfile", signature_by(alice), MESSAGE,
                         tmp_path).returncode == 0


@pytest.mark.parametrize(("options", "now", "refusal"), [
    ('valid-after="20300601Z"', utc("20300531235959"), "whose key is not valid before 2030-06-01 00:00:00Z"),
    ('valid-after="20300601Z"', utc("20300601000000"), None),
    ('valid-before="203006011200Z"', utc("20300601120000"), None),
    ('valid-before="203006011200Z"', utc("20300601120001"), "whose key expired on 2030-06-01 12:00:00Z"),
    ('valid-after="20300101Z",valid-before="20301231235959Z"', utc("20300601000000"), None),
])
def test_validity_window_against_the_injected_clock(alice: SshKeyPair, tmp_path: Path, options: str, now: float,
                                                    refusal: str | None) -> None:
    line = f"alice {options} {alice.public_key.to_line()}\n"
    signature = signature_by(alice)
    (tmp_path / "allowed").write_text(line)
    verify_time = "-Overify-time=" + datetime.fromtimestamp(now, UTC).strftime("%Y%m%d%H%M%SZ")
    openssh = keygen_verify(tmp_path / "allowed", "alice", "sealfile", signature, MESSAGE, tmp_path, verify_time)
    if refusal is None:
        assert signers(line, now).verify(MESSAGE, signature, "sealfile").principal == "alice"
        assert openssh.returncode == 0, openssh.stderr
    else:
        with pytest.raises(UntrustedSignerError, match=re.escape(refusal)):
            signers(line, now).verify(MESSAGE, signature, "sealfile")
        assert openssh.returncode != 0


@pytest.fixture
def tokyo_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time nine hours ahead of UTC, for this process and the ssh-keygen it runs."""
    with monkeypatch.context() as patch:
        patch.setenv("TZ", "JST-9")
        time.tzset()
        yield
    time.tzset()


def test_times_without_z_are_local_as_in_openssh(tokyo_time: None, alice: SshKeyPair, tmp_path: Path) -> None:
    line = f'alice valid-after="20300601" {alice.public_key.to_line()}\n'
    (tmp_path / "allowed").write_text(line)
    (tmp_path / "message").write_bytes(MESSAGE)
    signature = keygen_sign(alice, tmp_path / "message")
    for now, valid in ((utc("20300531145959"), False), (utc("20300531150000"), True)):
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d%H%M%SZ")
        found = keygen_find_principals(tmp_path / "allowed", signature, tmp_path, f"-Overify-time={stamp}")
        assert (found == ["alice"]) is valid
        assert (signers(line, now).principal_for(alice.public_key) == "alice") is valid


# -- principal_for, cross-checked with ssh-keygen -Y find-principals -----------------------------

def test_principal_for_matches_find_principals(alice: SshKeyPair, bob: SshKeyPair, ssh_keys: SshKeys,
                                               tmp_path: Path) -> None:
    carol = ssh_keys.get("rsa", "carol")
    text = (f"  # indented comment\n"
            f"alice,*@example.com {alice.public_key.to_line()}\n"
            f'"bob smith"\tnamespaces="git" {bob.public_key.to_line()}\n'
            f'carol valid-before="20200101Z" {carol.public_key.to_line()}\n'
            f"alice-again {alice.public_key.to_line()}\n")
    (tmp_path / "allowed").write_text(text)
    trusted = signers(text, time.time())
    message_path = tmp_path / "message"
    message_path.write_bytes(MESSAGE)
    for key in (alice, bob, carol, ssh_keys.get("ed25519", "mallory")):
        found = keygen_find_principals(tmp_path / "allowed", keygen_sign(key, message_path), tmp_path)
        ours = trusted.principal_for(key.public_key)
        assert found == (None if ours is None else ours.split(",")), key
    assert trusted.principal_for(alice.public_key) == "alice,*@example.com"
    assert trusted.principal_for(bob.public_key) == "bob smith"
    assert trusted.principal_for(bob.public_key, "sealfile") is None


@pytest.mark.parametrize(("value", "patterns", "expected"), [
    ("alice@example.com", "*@example.com", True),
    ("alice@example.org", "*@example.com", False),
    ("ann", "a?n", True),
    ("ann", "a?", False),
    ("bob", "!bob,*", False),
    ("eve", "!bob,*", True),
    ("a.b", "a?b", True),
    ("axb", "a.b", False),
    ("[x]", "[x]", True),
])
def test_patterns(value: str, patterns: str, expected: bool) -> None:
    assert matches_pattern_list(value, patterns) is expected


# -- malformed lines: a clear error naming the line, where OpenSSH refuses too -------------------

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBdgpgGporhyx7acuMDKWtxb+v3ztEx9lT4rUomhA44d"


@pytest.mark.parametrize(("line", "cause", "openssh_complains"), [
    ("alice", "missing public key", True),
    ('alice namespaces="sealfile"', "missing public key", True),
    (f"alice bogus=\"x\" {KEY}", "unknown option 'bogus'", True),
    (f"alice namespaces=sealfile {KEY}", 'option namespaces needs a quoted value (namespaces="...")', True),
    (f'alice namespaces="sealfile", {KEY}', "malformed options", True),
    (f'alice namespaces="a",namespaces="b" {KEY}', "option namespaces given twice", True),
    (f'alice valid-after="2030010" {KEY}', "valid-after='2030010' is not YYYYMMDD[HHMM[SS]][Z]", True),
    (f'alice valid-after="20301301" {KEY}', "valid-after='20301301' is not YYYYMMDD[HHMM[SS]][Z]", True),
    (f'alice valid-after="20300101Z",valid-before="20200101Z" {KEY}', "valid-before is not after valid-after", True),
    (f'"alice {KEY}', "unterminated quoted principals", True),
    ("alice ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBdg", "malformed ssh-ed25519 public key", True),
    ("alice ssh-dss AAAAB3NzaC1kc3MAAACBAP", "SSH key type 'ssh-dss' is not supported", True),
    # OpenSSH accepts these, but they could never match a sealfile signature: say so instead
    (f"alice cert-authority {KEY}", "cert-authority is not supported", False),
    (f'alice namespaces="" {KEY}', 'empty namespaces=""', False),
])
def test_malformed_lines(ssh_keys: SshKeys, tmp_path: Path, line: str, cause: str, openssh_complains: bool) -> None:
    """OpenSSH logs a bad line and skips it; we refuse the file, so a typo cannot drop a restriction."""
    text = f"# header\nalice {ssh_keys.get().public_key.to_line()}\n{line}\n"
    with pytest.raises(ConfigError) as err:
        signers(text)
    assert str(err.value).startswith(f"allowed_signers: line 3: {cause}")
    path, message_path = tmp_path / "allowed", tmp_path / "message"
    path.write_text(f"{line}\n")
    message_path.write_bytes(MESSAGE)
    (tmp_path / "message.sig").write_text(keygen_sign(ssh_keys.get(), message_path))
    found = subprocess.run(["ssh-keygen", "-Y", "find-principals", "-f", str(path), "-s", str(message_path) + ".sig"],
                           capture_output=True, text=True, timeout=30)
    assert found.returncode != 0
    assert (f"{path}:1:" in found.stderr) is openssh_complains, found.stderr


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["alice", "*", ",", " ", "\t", '"', "=", "namespaces", "valid-after", "valid-before",
                                 "cert-authority", "20300101", "Z", "\\", "#", KEY, "ssh-ed25519", "AAAA"]),
                max_size=12))
def test_any_line_parses_or_is_a_config_error(parts: list[str]) -> None:
    with contextlib.suppress(ConfigError):
        parse_line("".join(parts))


def test_options_are_case_insensitive_and_quotes_may_be_escaped(alice: SshKeyPair) -> None:
    signer = parse_line(f'alice NAMESPACES="seal\\"file,sealfile" {alice.public_key.to_line()} a comment')
    assert signer is not None
    assert signer.namespaces == 'seal"file,sealfile' and signer.key == alice.public_key
    assert signer.key.comment == "alice-ed25519 a comment"


def test_from_file(alice: SshKeyPair, tmp_path: Path) -> None:
    path = tmp_path / "allowed_signers"
    path.write_text(f"alice {alice.public_key.to_line()}\nbroken\n")
    with pytest.raises(ConfigError) as err:
        AllowedSigners.from_file(path)
    assert str(err.value) == f"{path}: line 2: missing public key"
    with pytest.raises(SealfileError) as missing:
        AllowedSigners.from_file(tmp_path / "missing")
    assert str(missing.value) == f"{tmp_path / 'missing'}: no such file"
    path.write_text(f"alice {alice.public_key.to_line()}\n")
    assert AllowedSigners.from_file(path).principal_for(alice.public_key) == "alice"

