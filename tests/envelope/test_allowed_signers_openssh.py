"""allowed_signers read line for line and field for field as OpenSSH reads it, checked against
``ssh-keygen -Y find-principals`` on the same bytes: sealfile may refuse a file OpenSSH reads, but never
trusts a key OpenSSH would not, nor names its signer otherwise.

Python's ``splitlines()``, ``split()`` and ``strip()`` break at characters OpenSSH keeps inside a field
(a vertical tab, a form feed, U+001C to U+001F, U+0085, U+00A0, U+2028...): a signer line hidden in a
comment for OpenSSH was a trusted signer here."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from sealfile.envelope.allowed_signers import AllowedSigners
from sealfile.envelope.signing import Signer
from sealfile.errors import ConfigError
from tests.support.ssh import SshKeyPair, SshKeys, keygen_find_principals

MESSAGE = b"the sealed file's signed digest\n"
SEPARATORS = [" ", "\t", "  ", "\r", "\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u00a0", "\u2028", "\u3000"]


def _ours(text: str, key: SshKeyPair) -> str | None:
    """The principals sealfile trusts ``key`` as for namespace sealfile, ``None`` if none or if it refuses the file."""
    try:
        return AllowedSigners.from_text(text).principal_for(key.public_key, "sealfile")
    except ConfigError:
        return None


def _theirs(text: str, signature: str, directory: Path) -> str | None:
    path = directory / "allowed_signers"
    path.write_bytes(text.encode("utf-8"))
    found = keygen_find_principals(path, signature, directory)
    return None if found is None else "\n".join(found)


def _never_more_trusting(lines: list[str], key: SshKeyPair, directory: Path) -> None:
    signature = Signer.from_private_key_file(key.path).sign(MESSAGE, "sealfile")
    for text in lines:
        ours = _ours(text, key)
        if ours is not None:
            assert ours == _theirs(text, signature, directory), repr(text)


@pytest.mark.parametrize("separator", SEPARATORS)
def test_a_signer_line_inside_a_comment_stays_a_comment(ssh_keys: SshKeys, tmp_path: Path, separator: str) -> None:
    alice = ssh_keys.get()
    text = f"# alice's old key{separator}alice {alice.public_key.to_line()}\n"
    _never_more_trusting([text], alice, tmp_path)
    if separator != "\n":
        assert _ours(text, alice) is None


@pytest.mark.parametrize("separator", SEPARATORS)
def test_fields_are_split_where_openssh_splits_them(ssh_keys: SshKeys, tmp_path: Path, separator: str) -> None:
    alice = ssh_keys.get()
    key_type, blob = alice.public_key.to_line().split()[:2]
    lines = [f"alice{separator}{key_type} {blob}\n", f"alice {key_type}{separator}{blob}\n",
             f"alice {key_type} {blob}{separator}\n", f"alice {key_type} {blob}{separator}comment\n",
             f'alice namespaces="sealfile"{separator}{key_type} {blob}\n', f"{separator}alice {key_type} {blob}\n"]
    _never_more_trusting(lines, alice, tmp_path)


def test_quotes_and_empty_principals_are_refused_where_openssh_reads_something_else(ssh_keys: SshKeys) -> None:
    key = ssh_keys.get().public_key.to_line()
    for line in (f'namespaces="sealfile" {key}', f'a"b c"d {key}', f"alice,,bob {key}", f", {key}"):
        with pytest.raises(ConfigError, match=r"quote inside the principals|empty principal"):
            AllowedSigners.from_text(line + "\n")


def test_random_lines_never_trust_more_than_openssh(ssh_keys: SshKeys, tmp_path: Path) -> None:
    """Lines built from fields and separators (a fixed seed: the same lines on every run)."""
    alice = ssh_keys.get()
    pieces = ["alice", "bob", ",", "#", "x", 'namespaces="sealfile"', 'namespaces="other"', '"a b"', "*",
              alice.public_key.to_line(), "cert-authority"]
    chooser = random.Random(20261204)
    lines = ["".join(chooser.choice(pieces) + chooser.choice(SEPARATORS) for _ in range(chooser.randint(1, 6)))
             for _ in range(150)]
    _never_more_trusting(lines, alice, tmp_path)
