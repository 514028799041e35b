"""The hashing the envelope uses gives what the standard library gives."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sealfile.envelope import cipher
from sealfile.envelope.hashing import HmacSha256, sha256


@given(st.binary(max_size=300))
def test_sha256_is_sha256(data: bytes) -> None:
    assert sha256(data) == hashlib.sha256(data).digest()


@given(st.binary(min_size=1, max_size=64), st.lists(st.binary(max_size=200), max_size=5))
def test_one_keyed_context_gives_each_message_its_own_hmac(key: bytes, messages: list[bytes]) -> None:
    mac = HmacSha256(key)
    for message in messages:  # the context is copied, never used up
        expected = hmac.digest(key, message, "sha256")
        assert mac.digest(message) == expected
        assert mac.matches(message, expected)
        assert not mac.matches(message, bytes(32))
        assert not mac.matches(message + b"x", expected)


def test_path_digests_are_remembered_within_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cipher, "_DIGESTS_KEPT", 4)
    monkeypatch.setattr(cipher, "_DIGESTS", {})
    paths = [f"path-{number}".encode() for number in range(10)]
    for _ in range(2):
        assert [cipher.path_digest(path) for path in paths] == [sha256(path)[:cipher.DIGEST_BYTES] for path in paths]
        assert len(cipher._DIGESTS) <= 4
