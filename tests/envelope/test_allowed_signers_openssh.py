"""allowed_signers read line for line and field for field as OpenSSH reads it, checked against
``ssh-keygen -Y find-principals`` on the same bytes: sealfile may refuse a file OpenSSH reads, but never
trusts a key OpenSSH would not, nor names its signer otherwise.

Python's ``splitlines()``, ``split()`` and ``strip()`` break at characters OpenSSH keeps inside a field
(a vertical tab, a form feed, U+001C to U+001F, U+0085, U+00A0, U+2028...): a signer line hidden in a
comment for OpenSSH was a trusted signer here."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sealfile.envelope.allowed_signers import AllowedSigners
from sealfile.envelope.signing import Signer
from sealfile.errors import ConfigError
from sealfile.ops.signers import allowed_signers_text
from tests.support.ssh import SshKeyPair, SshKeys, keygen_find_principals, keygen_verify

MESSAGE = b"the sealed file's signed digest\n"
SEPARATORS = [" ", "\t", "  ", "\r", "\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\u00a0", "\u2028", "\u3000"]


def signature_by(key: SshKeyPair) -> str:
    return Signer.from_private_key_file(key.path).sign(MESSAGE, "sealfile")


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
    signature = signature_by(key)
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


# -- lines OpenSSH skips or reads otherwise: refused here, never trusted -------------------------

STAMP_NOW = "20250715120000Z"


def _openssh_verifies(text: str, names: list[str], signature: str, directory: Path, stamp: str = STAMP_NOW) -> bool:
    """Whether ``ssh-keygen -Y verify -I NAME`` accepts the signature for some NAME (what git asks)."""
    path = directory / "allowed_signers"
    path.write_bytes(text.encode("utf-8"))
    return any(keygen_verify(path, name, "sealfile", signature, MESSAGE, directory, f"-Overify-time={stamp}")
               .returncode == 0 for name in names)


@pytest.mark.parametrize("principals", ["!alice", "!*", "alice,!alice", "a?,!a*", '"x,!x"'])
def test_principals_that_let_no_name_through_are_refused(ssh_keys: SshKeys, tmp_path: Path, principals: str) -> None:
    """``!mallory KEY`` reads like a revocation; OpenSSH (and git) accept no signature through it."""
    alice = ssh_keys.get()
    text = f"{principals} {alice.public_key.to_line()}\n"
    names = [*principals.strip('"').split(","), "alice", "mallory"]
    assert not _openssh_verifies(text, names, signature_by(alice), tmp_path)
    with pytest.raises(ConfigError, match="let no name through"):
        AllowedSigners.from_text(text)


def test_a_negated_principal_beside_a_name_still_names_it(ssh_keys: SshKeys, tmp_path: Path) -> None:
    alice = ssh_keys.get()
    text = f"alice,!bob {alice.public_key.to_line()}\n"
    assert _openssh_verifies(text, ["alice"], signature_by(alice), tmp_path)
    assert AllowedSigners.from_text(text).principal_for(alice.public_key, "sealfile") == "alice,!bob"


@pytest.fixture
def berlin_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Central European time with summer time, for this process and the ssh-keygen it runs."""
    with monkeypatch.context() as patch:
        patch.setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3")
        time.tzset()
        yield
    time.tzset()


@pytest.mark.parametrize("option", ['valid-after="20250715"', 'valid-after="202507151330"',
                                    'valid-before="20250715133000"', 'valid-after="20250715UTC"',
                                    'valid-before="20250715130000utc"'])
def test_times_mean_what_openssh_reads_in_summer_time(berlin_time: None, ssh_keys: SshKeys, tmp_path: Path,
                                                       option: str) -> None:
    """OpenSSH reads a local time as ``mktime`` with ``tm_isdst`` 0 (winter time, in summer too) and takes a
    ``UTC`` suffix as ``Z``: the window here opened an hour before OpenSSH's, and ``UTC`` was refused."""
    alice = ssh_keys.get()
    text = f"alice {option} {alice.public_key.to_line()}\n"
    signature = signature_by(alice)
    start = datetime(2025, 7, 14, 21, tzinfo=UTC).timestamp()
    for minutes in range(0, 16 * 60, 30):
        now = start + minutes * 60
        stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%d%H%M%SZ")
        ours = AllowedSigners.from_text(text, clock=lambda now=now: now).principal_for(alice.public_key, "sealfile")
        assert (ours == "alice") is _openssh_verifies(text, ["alice"], signature, tmp_path, stamp), stamp


@pytest.mark.parametrize("option", ['valid-after="19700101Z"', 'valid-after="19600101"',
                                    'valid-after="19691231235959Z"', 'namespaces="sealfile,x\\\\"',
                                    'namespaces="sealfile\\\\",valid-after="20200101"'])
def test_options_openssh_skips_are_refused(ssh_keys: SshKeys, tmp_path: Path, option: str) -> None:
    """A time at or before the epoch, or a backslash before what looks like the closing quote (OpenSSH reads
    ``\\"`` as a quote and on to the next one): OpenSSH skips the line, so no signature verifies through it."""
    alice = ssh_keys.get()
    text = f"alice {option} {alice.public_key.to_line()}\n"
    assert not _openssh_verifies(text, ["alice"], signature_by(alice), tmp_path)
    with pytest.raises(ConfigError, match=r"not after 1970|no closing quote|malformed option"):
        AllowedSigners.from_text(text)


@pytest.mark.parametrize("line", ['"a\tb" namespaces="sealfile" KEY', '"#ops" KEY',
                                  'alice namespaces="seal\\"file,sealfile",valid-after="20250101UTC" KEY',
                                  '"a b,c" valid-before="203001011200" KEY'])
def test_printed_signers_read_back_the_same_here_and_in_openssh(ssh_keys: SshKeys, tmp_path: Path, line: str) -> None:
    """``verify --print-allowed-signers`` wrote a quoted ``a<TAB>b`` or ``#ops`` bare: OpenSSH read
    ``a`` and a key type ``b``, or a comment."""
    alice = ssh_keys.get()
    original = AllowedSigners.from_text(line.replace("KEY", alice.public_key.to_line()) + "\n")
    printed = allowed_signers_text(original)
    again = AllowedSigners.from_text(printed)
    assert again.signers == tuple(replace(signer, line=1) for signer in original.signers)
    principal = original.signers[0].principals.split(",")[0]
    assert _openssh_verifies(printed, [principal], signature_by(alice), tmp_path)
