"""open_many against Fernet itself: same payloads for good tokens, IntegrityError for every bad one."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

import pytest
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from hypothesis import given, settings
from hypothesis import strategies as st

from sealfile.envelope.bulk import open_many, seal_many
from sealfile.envelope.cipher import ValueCipher
from sealfile.errors import IntegrityError
from sealfile.model.paths import encode_path
from sealfile.model.scalars import encode_scalar

KEY = bytes(range(32))
PATH = encode_path(("db", "password"))


def _keypath(index: int) -> str:
    return f"item{index}"


def _fernet_sealed(path: bytes, value: object) -> str:
    """A token made by ``Fernet`` itself (docs/format.md §5), independent of the sealer under test."""
    payload = hashlib.sha256(path).digest()[:16] + encode_scalar(value)
    return f"ENC[{Fernet(base64.urlsafe_b64encode(KEY)).encrypt(payload).decode()}]"


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=80), st.integers(), st.booleans(), st.none()), min_size=1, max_size=12))
def test_same_payloads_as_fernet(values: list[object]) -> None:
    cipher = ValueCipher(KEY)
    items = [(encode_path(("k", str(i))), _fernet_sealed(encode_path(("k", str(i))), v)) for i, v in enumerate(values)]
    assert open_many(KEY, items, _keypath) == [cipher.open_payload(p, s) for p, s in items]


def _fernet_rejects(token: str) -> bool:
    try:
        Fernet(base64.urlsafe_b64encode(KEY)).decrypt(token)
    except (InvalidToken, ValueError):
        return True
    return False


def _damaged(sealed: str) -> list[str]:
    token = sealed[4:-1]
    raw = bytearray(base64.urlsafe_b64decode(token))
    variants = []
    for position in range(0, len(raw), 7):
        flipped = bytearray(raw)
        flipped[position] ^= 0x01
        variants.append(base64.urlsafe_b64encode(bytes(flipped)).decode())
    variants += [base64.urlsafe_b64encode(bytes(raw[:-1])).decode(), base64.urlsafe_b64encode(bytes(raw[:40])).decode(),
                 token[:-4], "A" + token[1:], ""]
    return variants


def test_every_damaged_token_is_refused_like_fernet() -> None:
    sealed = _fernet_sealed(PATH, "hunter2")
    for token in _damaged(sealed):
        assert _fernet_rejects(token)
        with pytest.raises(IntegrityError) as caught:
            open_many(KEY, [(PATH, sealed), (PATH, f"ENC[{token}]")], _keypath)
        assert caught.value.keypath == "item1"
        assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize("stray", ["\n", "\u00e9", "\n\n", "]\nENC["])
def test_a_token_with_a_line_break_or_a_foreign_character_is_read_as_fernet_reads_it(stray: str) -> None:
    """Tokens are decoded together when they can be; a text that could confuse that (a line break,
    a character that is not ASCII) is read on its own, with base64's own leniency, as before."""
    good, other = _fernet_sealed(PATH, "hunter2"), _fernet_sealed(PATH, "x")
    token = other[4:-1]
    strayed = f"ENC[{token[:20]}{stray}{token[20:]}]"
    expected_ok = _fernet_rejects(strayed[4:-1]) is False
    items = [(PATH, good), (PATH, strayed), (PATH, good)]
    if expected_ok:
        assert open_many(KEY, items, _keypath) == [b"shunter2", b"sx", b"shunter2"]
    else:
        with pytest.raises(IntegrityError) as caught:
            open_many(KEY, items, _keypath)
        assert caught.value.keypath == "item1"


def _token_with_padding(padded: bytes) -> str:
    """A correctly signed token whose plaintext has the given (maybe invalid) padding."""
    iv = os.urandom(16)
    encryptor = Cipher(algorithms.AES(KEY[16:]), modes.CBC(iv)).encryptor()
    body = b"\x80" + (1_700_000_000).to_bytes(8, "big") + iv + encryptor.update(padded) + encryptor.finalize()
    return base64.urlsafe_b64encode(body + hmac.digest(KEY[:16], body, "sha256")).decode()


@pytest.mark.parametrize("padded", [b"x" * 16, b"x" * 15 + b"\x00", b"x" * 14 + b"\x01\x02", b"x" * 15 + b"\x11"])
def test_bad_padding_under_a_valid_signature_is_refused(padded: bytes) -> None:
    token = _token_with_padding(hashlib.sha256(PATH).digest()[:16] + padded)
    assert _fernet_rejects(token)
    with pytest.raises(IntegrityError):
        open_many(KEY, [(PATH, f"ENC[{token}]")], _keypath)


def test_good_padding_is_accepted_like_fernet() -> None:
    token = _token_with_padding(hashlib.sha256(PATH).digest()[:16] + b"sabc" + b"\x0c" * 12)
    assert Fernet(base64.urlsafe_b64encode(KEY)).decrypt(token)[16:] == b"sabc"
    assert open_many(KEY, [(PATH, f"ENC[{token}]")], _keypath) == [b"sabc"]


def test_a_token_moved_to_another_path_is_refused() -> None:
    sealed = _fernet_sealed(PATH, "x")
    with pytest.raises(IntegrityError, match="bound to another key path"):
        open_many(KEY, [(encode_path(("other",)), sealed)], _keypath)


def test_wrong_key_is_refused() -> None:
    sealed = _fernet_sealed(PATH, "x")
    with pytest.raises(IntegrityError):
        open_many(bytes(32), [(PATH, sealed)], _keypath)


def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(KEY))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=100), st.sampled_from([16, 32, 48, 64, 96]).map(bytes)),
                min_size=1, max_size=20),
       st.integers(min_value=0, max_value=2**40))
def test_sealed_tokens_are_fernet_tokens(payloads: list[bytes], first_time: int) -> None:
    """Fernet itself opens each token to the path digest and payload, at the time it was sealed
    (every payload size from 0 to 100 bytes, whole AES blocks among them)."""
    paths = [encode_path(("k", str(index))) for index in range(len(payloads))]
    times = [first_time + index for index in range(len(payloads))]
    tokens = seal_many(KEY, list(zip(paths, payloads, strict=True)), times)
    for path, payload, at, sealed in zip(paths, payloads, times, tokens, strict=True):
        assert sealed.startswith("ENC[") and sealed.endswith("]")
        assert _fernet().decrypt(sealed[4:-1]) == hashlib.sha256(path).digest()[:16] + payload
        assert _fernet().extract_timestamp(sealed[4:-1]) == at


@settings(max_examples=25, deadline=None)
@given(st.lists(st.binary(min_size=1, max_size=100), min_size=1, max_size=20))
def test_sealed_tokens_open_together(payloads: list[bytes]) -> None:
    items = [(encode_path(("k", str(index))), payload) for index, payload in enumerate(payloads)]
    tokens = seal_many(KEY, items, 1_700_000_000)
    assert open_many(KEY, [(path, sealed) for (path, _), sealed in zip(items, tokens, strict=True)],
                     _keypath) == payloads


def test_a_long_payload_among_short_ones() -> None:
    """Tokens of many blocks next to tokens of one: each CBC chain stays its own."""
    payloads = [b"s", os.urandom(5000), b"", b"x" * 16, os.urandom(3001)]
    items = [(encode_path(("k", str(index))), payload) for index, payload in enumerate(payloads)]
    tokens = seal_many(KEY, items, 7)
    assert [_fernet().decrypt(sealed[4:-1])[16:] for sealed in tokens] == payloads
    assert open_many(KEY, list(zip([path for path, _ in items], tokens, strict=True))[:2], _keypath) == payloads[:2]


def test_the_same_payload_sealed_twice_differs() -> None:
    """A fresh IV for every token, also within one call."""
    first = seal_many(KEY, [(PATH, b"shunter2"), (PATH, b"shunter2")], 7)
    second = seal_many(KEY, [(PATH, b"shunter2")], 7)
    assert len({*first, *second}) == 3
    assert {_fernet().decrypt(sealed[4:-1]) for sealed in [*first, *second]} == {
        hashlib.sha256(PATH).digest()[:16] + b"shunter2"}


def test_nothing_to_seal() -> None:
    assert seal_many(KEY, [], 7) == []
    assert seal_many(KEY, [], []) == []


def test_one_time_per_item() -> None:
    with pytest.raises(ValueError):
        seal_many(KEY, [(PATH, b"s1"), (PATH, b"s2")], [7])


def test_value_cipher_opens_what_seal_many_seals() -> None:
    """The one-token opener (the pure engine's) and the bulk one agree on sealed tokens."""
    tokens = seal_many(KEY, [(PATH, b"shunter2"), (PATH, b"s")], 1_234)
    assert [ValueCipher(KEY).open_payload(PATH, sealed) for sealed in tokens] == [b"shunter2", b"s"]
    with pytest.raises(IntegrityError, match="bound to another key path"):
        ValueCipher(KEY).open_payload(encode_path(("other",)), tokens[0])
