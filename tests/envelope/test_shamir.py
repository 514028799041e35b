"""Shamir over GF(2^8): round trips, the field itself, and shares written by the real ``sops``."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pyrage
import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from sealfile.envelope import shamir
from sealfile.errors import IntegrityError
from sealfile.sops.cipher import decrypt_value
from sealfile.stores.yaml.reader import load_fast
from tests.support.sops_binary import run_sops

VECTORS = Path(__file__).parents[1] / "sops" / "vectors"


def test_field_multiplication_matches_the_aes_field() -> None:
    # FIPS-197 §4.2: {57} * {83} = {c1}, {57} * {13} = {fe}
    assert shamir._mul(0x57, 0x83) == 0xC1
    assert shamir._mul(0x57, 0x13) == 0xFE
    assert all(shamir._mul(a, shamir._inverse(a)) == 1 for a in range(1, 256))


@given(secret=st.binary(min_size=1, max_size=40), parts=st.integers(1, 8), data=st.data())
def test_any_threshold_of_shares_gives_the_secret(secret: bytes, parts: int, data: st.DataObject) -> None:
    threshold = data.draw(st.integers(1, parts))
    shares = shamir.split(secret, parts, threshold)
    assert [share[-1] for share in shares] == list(range(1, parts + 1))
    chosen = data.draw(st.permutations(shares))[: data.draw(st.integers(threshold, parts))]
    assert shamir.combine(chosen) == secret


def test_fewer_shares_than_the_threshold_give_something_else() -> None:
    secret = os.urandom(32)
    shares = shamir.split(secret, 3, 2)
    assert all(shamir.combine([share]) != secret for share in shares)
    assert all(len(share) == 33 for share in shares)


@pytest.mark.parametrize("bad", [
    lambda s: [s[0], s[0]],                      # the same point twice
    lambda s: [s[0], s[1][:-1] + b"\0"],          # a point at x = 0 would be the secret itself
    lambda s: [s[0], s[1][1:]],                   # lengths differ
])
def test_malformed_shares_are_refused(bad: object) -> None:
    shares = shamir.split(os.urandom(32), 3, 2)
    with pytest.raises(IntegrityError):
        shamir.combine(bad(shares))  # type: ignore[operator]


def test_split_refuses_impossible_thresholds() -> None:
    for parts, threshold in ((2, 3), (3, 0), (256, 2)):
        with pytest.raises(ValueError):
            shamir.split(b"k", parts, threshold)


def test_shares_written_by_sops_combine_to_its_data_key() -> None:
    """Any two of three groups of a file the real sops 3.11 wrote: its MAC opens with the result."""
    document = load_fast((VECTORS / "shamir_3groups_t2.enc.yaml").read_text())
    identities = [pyrage.x25519.Identity.from_str(line)
                  for line in (VECTORS / "shamir_3groups_t2.agekeys.txt").read_text().split()]
    meta = document["sops"]
    shares = [pyrage.decrypt(group["age"][0]["enc"].encode(), identities) for group in meta["key_groups"]]
    assert [share[-1] for share in shares] == [1, 2, 3]
    keys = {shamir.combine(list(pair)) for pair in itertools.permutations(shares, 2)}
    assert len(keys) == 1
    data_key = keys.pop()
    mac = decrypt_value(data_key, meta["mac"], meta["lastmodified"].encode())
    assert isinstance(mac, str) and len(mac) == 128


def test_sops_opens_a_file_with_our_shares(tmp_path: Path) -> None:
    """The vector with each group's share replaced by ours: the real sops opens it with any two
    groups' keys and refuses one group alone, as for its own shares."""
    document = yaml.safe_load((VECTORS / "shamir_3groups_t2.enc.yaml").read_text())
    lines = (VECTORS / "shamir_3groups_t2.agekeys.txt").read_text().split()
    identities = [pyrage.x25519.Identity.from_str(line) for line in lines]
    groups = document["sops"]["key_groups"]
    data_key = shamir.combine([pyrage.decrypt(g["age"][0]["enc"].encode(), identities) for g in groups][:2])
    for group, share in zip(groups, shamir.split(data_key, 3, 2), strict=True):
        recipient = pyrage.x25519.Recipient.from_str(group["age"][0]["recipient"])
        group["age"][0]["enc"] = pyrage.encrypt(share, [recipient], armored=True).decode()
    rewritten = tmp_path / "ours.enc.yaml"
    rewritten.write_text(yaml.safe_dump(document, sort_keys=False))
    for chosen in ((0, 2), (1,)):
        key_file = tmp_path / "keys.txt"
        key_file.write_text("".join(lines[i] + "\n" for i in chosen))
        done = run_sops(["decrypt", str(rewritten)], {**os.environ, "SOPS_AGE_KEY_FILE": str(key_file)})
        if len(chosen) == 2:
            assert done.returncode == 0, done.stderr
            expected = {"a": {"b": "secret-value"}, "list": ["one", 2], "num": 42, "flag": True}
            assert yaml.safe_load(done.stdout) == expected
        else:
            assert done.returncode != 0 and "threshold" in done.stderr
