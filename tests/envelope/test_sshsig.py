"""SSHSIG signatures and OpenSSH public keys, checked both ways against the real ``ssh-keygen``.

Ours must verify with ``ssh-keygen -Y verify``, its must verify with ours, and anything else
(another message, namespace or key; a truncated, padded or altered blob; a SHA-1 or sha256 variant)
must fail with the one opaque :class:`SignatureError`.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.envelope import ssh_wire, sshsig
from sealfile.envelope.ssh_keys import SIGNING_KEY_CLASSES, SigningKey, SshPublicKey, sign_with_private_key
from sealfile.errors import ConfigError, SealfileError, SignatureError
from tests.support.ssh import (
    KEY_KINDS,
    SshKeyPair,
    SshKeys,
    generate_key,
    keygen_sign,
    keygen_verify,
    sshsig_fields,
    write_allowed_signers,
)

MESSAGE = b"sealfile: the bytes a writer signs\n"
KINDS = list(KEY_KINDS)


def private_key(key: SshKeyPair) -> SigningKey:
    secret = serialization.load_ssh_private_key(key.path.read_bytes(), password=None)
    assert isinstance(secret, SIGNING_KEY_CLASSES)
    return secret


def our_signature(key: SshKeyPair, message: bytes = MESSAGE, namespace: str = "sealfile") -> str:
    secret = private_key(key)
    return sshsig.sign(message, namespace, key.public_key, lambda data: sign_with_private_key(secret, data))


def reblob(armored: str, *, reserved: bytes = b"", hash_algorithm: bytes = b"sha512", version: int = 1,
           signature: bytes | None = None, trailing: bytes = b"") -> str:
    """The same signature with some fields rewritten (the signature bytes stay unless given)."""
    key, namespace, _reserved, _hash, original = sshsig_fields(armored)
    fields = [ssh_wire.string(part) for part in (key, namespace, reserved, hash_algorithm,
                                                  original if signature is None else signature)]
    return sshsig.armor(b"SSHSIG" + ssh_wire.uint32(version) + b"".join(fields) + trailing)


@pytest.mark.parametrize("kind", KINDS)
def test_fingerprint_is_the_one_ssh_keygen_prints(ssh_keys: SshKeys, kind: str) -> None:
    key = ssh_keys.get(kind)
    listed = subprocess.run(["ssh-keygen", "-l", "-f", str(key.pub_path)], capture_output=True, text=True,
                            check=True).stdout.split()
    assert key.public_key.fingerprint == listed[1]
    assert SshPublicKey.from_line(key.public_key.to_line()) == key.public_key
    assert key.public_key.to_line() == key.pub_path.read_text().strip()


@pytest.mark.parametrize("kind", KINDS)
def test_our_signature_verifies_with_ssh_keygen(ssh_keys: SshKeys, tmp_path: Path, kind: str) -> None:
    key, other = ssh_keys.get(kind), ssh_keys.get("ed25519", "mallory")
    signature = our_signature(key)
    allowed = write_allowed_signers(tmp_path, key)
    accepted = keygen_verify(allowed, "alice", "sealfile", signature, MESSAGE, tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    assert "Good \"sealfile\" signature for alice with" in accepted.stdout.decode()
    assert keygen_verify(allowed, "alice", "git", signature, MESSAGE, tmp_path).returncode != 0
    assert keygen_verify(allowed, "alice", "sealfile", signature, MESSAGE + b"x", tmp_path).returncode != 0
    assert keygen_verify(write_allowed_signers(tmp_path, other), "alice", "sealfile", signature, MESSAGE,
                         tmp_path).returncode != 0


@pytest.mark.parametrize("kind", KINDS)
def test_ssh_keygen_signature_verifies_with_ours(ssh_keys: SshKeys, tmp_path: Path, kind: str) -> None:
    key = ssh_keys.get(kind)
    message_path = tmp_path / "message"
    message_path.write_bytes(MESSAGE)
    signature = keygen_sign(key, message_path)
    assert sshsig.verify(MESSAGE, signature, "sealfile") == key.public_key
    assert sshsig.signer_key(signature) == key.public_key
    for message, namespace in ((MESSAGE, "git"), (MESSAGE + b"x", "sealfile"), (b"", "sealfile")):
        with pytest.raises(SignatureError, match=r"^signature does not verify$"):
            sshsig.verify(message, signature, namespace)


@pytest.mark.parametrize("kind", ["ed25519", "rsa"])
def test_deterministic_signatures_are_byte_identical_to_ssh_keygen(ssh_keys: SshKeys, tmp_path: Path,
                                                                   kind: str) -> None:
    """Ed25519 and RSA PKCS#1 v1.5 are deterministic: same blob, same 70-column armor."""
    key = ssh_keys.get(kind)
    message_path = tmp_path / "message"
    message_path.write_bytes(MESSAGE)
    assert our_signature(key) == keygen_sign(key, message_path)


def test_armor_is_70_columns_between_the_markers(ssh_keys: SshKeys) -> None:
    lines = our_signature(ssh_keys.get("ecdsa521")).split("\n")
    assert lines[0] == "-----BEGIN SSH SIGNATURE-----" and lines[-2:] == ["-----END SSH SIGNATURE-----", ""]
    assert all(len(line) == 70 for line in lines[1:-3]) and 0 < len(lines[-3]) <= 70


def test_signed_data_layout() -> None:
    """PROTOCOL.sshsig section 3, spelled out byte by byte."""
    expected = (b"SSHSIG" + b"\0\0\0\x08sealfile" + b"\0\0\0\0" + b"\0\0\0\x06sha512"
                + b"\0\0\0\x40" + hashlib.sha512(MESSAGE).digest())
    assert sshsig.signed_data(MESSAGE, "sealfile") == expected


def test_a_signature_by_another_key_does_not_verify(ssh_keys: SshKeys) -> None:
    alice, mallory = ssh_keys.get("ed25519"), ssh_keys.get("ed25519", "mallory")
    mallory_signature = sshsig_fields(our_signature(mallory))[4]
    with pytest.raises(SignatureError):
        sshsig.verify(MESSAGE, reblob(our_signature(alice), signature=mallory_signature), "sealfile")


def test_trailing_bytes_are_refused_by_both(ssh_keys: SshKeys, tmp_path: Path) -> None:
    key = ssh_keys.get("ed25519")
    padded = reblob(our_signature(key), trailing=b"\0")
    with pytest.raises(SignatureError):
        sshsig.verify(MESSAGE, padded, "sealfile")
    allowed = write_allowed_signers(tmp_path, key)
    assert keygen_verify(allowed, "alice", "sealfile", padded, MESSAGE, tmp_path).returncode != 0


def test_stricter_than_openssh_on_reserved_and_hash(ssh_keys: SshKeys, tmp_path: Path) -> None:
    """OpenSSH ignores the reserved field (so it can be changed without breaking the signature) and
    also accepts sha256; we accept exactly what we write."""
    key = ssh_keys.get("ed25519")
    allowed = write_allowed_signers(tmp_path, key)
    with_reserved = reblob(our_signature(key), reserved=b"tag")
    assert keygen_verify(allowed, "alice", "sealfile", with_reserved, MESSAGE, tmp_path).returncode == 0
    with pytest.raises(SignatureError):
        sshsig.verify(MESSAGE, with_reserved, "sealfile")
    message_path = tmp_path / "message"
    message_path.write_bytes(MESSAGE)
    subprocess.run(["ssh-keygen", "-Y", "sign", "-n", "sealfile", "-O", "hashalg=sha256", "-f", str(key.path),
                    str(message_path)], check=True, capture_output=True)
    with pytest.raises(SignatureError):
        sshsig.verify(MESSAGE, (tmp_path / "message.sig").read_text(), "sealfile")


def test_version_and_magic_are_checked(ssh_keys: SshKeys) -> None:
    signature = our_signature(ssh_keys.get("ed25519"))
    with pytest.raises(SignatureError):
        sshsig.verify(MESSAGE, reblob(signature, version=2), "sealfile")
    blob = sshsig.dearmor(signature)
    with pytest.raises(SignatureError):
        sshsig.verify(MESSAGE, sshsig.armor(b"SSHSIH" + blob[6:]), "sealfile")


def test_rsa_sha1_signatures_are_refused_by_both(ssh_keys: SshKeys, tmp_path: Path) -> None:
    key = ssh_keys.get("rsa")
    secret = private_key(key)
    assert isinstance(secret, rsa.RSAPrivateKey)
    sha1 = secret.sign(sshsig.signed_data(MESSAGE, "sealfile"), padding.PKCS1v15(), hashes.SHA1())
    legacy = reblob(our_signature(key), signature=ssh_wire.string(b"ssh-rsa") + ssh_wire.string(sha1))
    with pytest.raises(SignatureError):
        sshsig.verify(MESSAGE, legacy, "sealfile")
    allowed = write_allowed_signers(tmp_path, key)
    assert keygen_verify(allowed, "alice", "sealfile", legacy, MESSAGE, tmp_path).returncode != 0


def test_signature_algorithm_must_match_the_key_type(ssh_keys: SshKeys) -> None:
    """An ECDSA signature under an Ed25519 key, and an RSA body relabelled as another RSA variant."""
    ed25519, ecdsa, rsa_key = ssh_keys.get("ed25519"), ssh_keys.get("ecdsa256"), ssh_keys.get("rsa")
    ecdsa_signature = sshsig_fields(our_signature(ecdsa))[4]
    with pytest.raises(SignatureError):
        sshsig.verify(MESSAGE, reblob(our_signature(ed25519), signature=ecdsa_signature), "sealfile")
    rsa_signature = ssh_wire.WireReader(sshsig_fields(our_signature(rsa_key))[4])
    assert rsa_signature.text() == "rsa-sha2-512"
    relabeled = ssh_wire.string(b"rsa-sha2-256") + ssh_wire.string(rsa_signature.string())
    with pytest.raises(SignatureError):
        sshsig.verify(MESSAGE, reblob(our_signature(rsa_key), signature=relabeled), "sealfile")


@pytest.mark.parametrize("kind", ["ed25519", "ecdsa256", "rsa"])
def test_every_truncation_and_bit_flip_is_one_opaque_error(ssh_keys: SshKeys, kind: str) -> None:
    blob = sshsig.dearmor(our_signature(ssh_keys.get(kind)))
    variants = [blob[:n] for n in range(len(blob))]
    variants += [blob[:i] + bytes([blob[i] ^ bit]) + blob[i + 1:] for i in range(len(blob)) for bit in (0x01, 0x80)]
    for variant in variants:
        with pytest.raises(SignatureError, match=r"^signature does not verify$"):
            sshsig.verify(MESSAGE, sshsig.armor(variant), "sealfile")


@pytest.mark.parametrize("armored", [
    "",
    "-----BEGIN SSH SIGNATURE-----\n-----END SSH SIGNATURE-----\n",
    "-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n",
    "U1NIU0lH\n-----END SSH SIGNATURE-----\n",
    "-----BEGIN SSH SIGNATURE-----\nU1NI U0lH\n-----END SSH SIGNATURE-----\n",
    "-----BEGIN SSH SIGNATURE-----\nU1NIU0l\n-----END SSH SIGNATURE-----\n",
    "-----BEGIN PGP SIGNATURE-----\nU1NIU0lH\n-----END PGP SIGNATURE-----\n",
    "-----BEGIN SSH SIGNATURE-----\n" + "A" * 20000 + "\n-----END SSH SIGNATURE-----\n",
])
def test_malformed_armor_is_the_same_opaque_error(armored: str) -> None:
    with pytest.raises(SignatureError, match=r"^signature does not verify$"):
        sshsig.verify(MESSAGE, armored, "sealfile")


def test_armor_tolerates_crlf_and_a_missing_final_newline_only(ssh_keys: SshKeys) -> None:
    signature = our_signature(ssh_keys.get("ed25519"))
    for variant in (signature.replace("\n", "\r\n"), signature.rstrip("\n")):
        sshsig.verify(MESSAGE, variant, "sealfile")
    for variant in (" " + signature, signature + "\n", signature + "trailing\n"):
        with pytest.raises(SignatureError):
            sshsig.verify(MESSAGE, variant, "sealfile")


def test_namespace_is_a_caller_choice_not_input() -> None:
    for namespace in ("", "seal\0file"):
        with pytest.raises(ValueError):
            sshsig.signed_data(MESSAGE, namespace)


def test_a_signer_returning_a_bad_signature_is_caught_before_it_is_written(ssh_keys: SshKeys) -> None:
    alice, mallory = ssh_keys.get("ed25519"), ssh_keys.get("ed25519", "mallory")
    mallory_secret = private_key(mallory)
    with pytest.raises(SealfileError, match=re.escape(f"made with {alice.public_key.fingerprint} does not verify")):
        sshsig.sign(MESSAGE, "sealfile", alice.public_key, lambda data: sign_with_private_key(mallory_secret, data))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda raw: sshsig.armor(b"SSHSIG" + raw)))
def test_any_text_is_one_opaque_error(text: str) -> None:
    with pytest.raises(SignatureError, match=r"^signature does not verify$"):
        sshsig.verify(MESSAGE, text, "sealfile")


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200), st.text(max_size=200))
def test_any_key_blob_or_line_is_a_config_error_at_worst(blob: bytes, line: str) -> None:
    for parse in (lambda: SshPublicKey.from_blob(blob), lambda: SshPublicKey.from_line(line),
                  lambda: SshPublicKey.from_line("ssh-ed25519 " + base64.b64encode(blob).decode())):
        with contextlib.suppress(ConfigError):
            parse()


# -- public key lines ---------------------------------------------------------------------------

def test_key_line_keeps_the_comment_out_of_equality(ssh_keys: SshKeys) -> None:
    key = ssh_keys.get("ed25519")
    relabeled = SshPublicKey.from_line(key.public_key.to_line().rsplit(" ", 1)[0] + " someone else")
    assert relabeled == key.public_key and relabeled.comment == "someone else"
    assert "AAAA" not in repr(relabeled)


@pytest.mark.parametrize(("line", "message"), [
    ("", "not an OpenSSH public key"),
    ("ssh-ed25519", "not an OpenSSH public key"),
    ("ssh-ed25519 not*base64", "bad base64"),
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA==", "malformed ssh-ed25519"),
    ("ssh-dss AAAAB3NzaC1kc3MAAACBAP", "'ssh-dss' is not supported"),
    ("sk-ssh-ed25519@openssh.com AAAA", "is not supported"),
    ("ssh-ed25519-cert-v01@openssh.com AAAA", "certificates"),
    ("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBdgpgGporhyx7acuMDKWtxb+v3ztEx9lT4rUomhA44d a\nssh-ed25519 AAAA",
     "more than one line"),
])
def test_malformed_key_lines_are_config_errors(line: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        SshPublicKey.from_line(line)


def test_a_key_labelled_with_another_type_is_refused(ssh_keys: SshKeys) -> None:
    ed25519 = ssh_keys.get("ed25519").public_key
    with pytest.raises(ConfigError, match="malformed"):
        SshPublicKey.from_line("ecdsa-sha2-nistp256 " + base64.b64encode(ed25519.blob).decode())


def test_non_canonical_key_blobs_are_refused(ssh_keys: SshKeys) -> None:
    """One key, one blob, one fingerprint: trailing or padded encodings are not the same key."""
    rsa_key = ssh_keys.get("rsa").public_key
    reader = ssh_wire.WireReader(rsa_key.blob)
    key_type, exponent, modulus = reader.string(), reader.string(), reader.string()
    padded_exponent = ssh_wire.string(key_type) + ssh_wire.string(b"\0" + exponent) + ssh_wire.string(modulus)
    for blob in (rsa_key.blob + b"\0", padded_exponent):
        with pytest.raises(ConfigError):
            SshPublicKey.from_blob(blob)


def test_small_rsa_keys_are_refused(tmp_path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "rsa", "-b", "1024", "-N", "", "-f", str(tmp_path / "weak")],
                   check=True, capture_output=True)
    with pytest.raises(ConfigError, match="1024 bits refused"):
        SshPublicKey.from_line((tmp_path / "weak.pub").read_text())


def test_certificates_made_by_ssh_keygen_are_refused(ssh_keys: SshKeys, tmp_path: Path) -> None:
    ca = generate_key(tmp_path, "ed25519", "ca")
    user = generate_key(tmp_path, "ed25519", "user")
    subprocess.run(["ssh-keygen", "-q", "-s", str(ca.path), "-I", "user", "-n", "alice", str(user.pub_path)],
                   check=True, capture_output=True)
    with pytest.raises(ConfigError, match="certificates"):
        SshPublicKey.from_line((tmp_path / "user-cert.pub").read_text())
