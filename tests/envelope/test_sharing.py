"""Bulk token work shared out over processes gives what it gives in one: the same payloads, tokens
that open the same, and the same first failure."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

import pytest

from sealfile.cli import forked
from sealfile.envelope import bulk, sharing
from sealfile.envelope.cipher import ValueCipher
from sealfile.errors import IntegrityError
from sealfile.model.paths import encode_path
from sealfile.model.scalars import encode_scalar

KEY = bytes(range(32))
PATHS = [encode_path(("k", str(index))) for index in range(40)]


def _in_thirds(work: sharing.Work, items: Sequence[Any]) -> list[Any]:
    """A mapper that shares without forking: three consecutive shares, results concatenated."""
    third = len(items) // 3 + 1
    return [result for start in range(0, len(items), third) for result in work(items[start:start + third])]


@pytest.fixture
def shared(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(sharing, "MIN_ITEMS", 4)
    sharing.install(_in_thirds)
    yield
    sharing.install(None)


def _sealed(values: list[str]) -> list[tuple[bytes, str]]:
    tokens = bulk.seal_many(KEY, [(path, encode_scalar(value)) for path, value in zip(PATHS, values, strict=False)],
                            1_700_000_000)
    return list(zip(PATHS, tokens, strict=False))


def test_shared_sealing_and_opening_match_one_process(shared: None) -> None:
    values = [f"value-{index}" * (index % 5 + 1) for index in range(40)]
    items = _sealed(values)
    cipher = ValueCipher(KEY)
    assert [cipher.open(path, token).value for path, token in items] == values
    sharing.install(None)
    assert bulk.open_many(KEY, items, str) == [cipher.open_payload(path, token) for path, token in items]


def _forge(token: str) -> str:
    body = token[4:-1]
    return f"ENC[{body[:30]}{'A' if body[30] != 'A' else 'B'}{body[31:]}]"


@pytest.mark.parametrize("sharer", [None, _in_thirds])
def test_the_first_forged_token_is_named_before_any_misplaced_one(sharer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """As one process checks every HMAC before decrypting anything: a token moved to another path in
    the first share is reported only if no share holds a forged token."""
    monkeypatch.setattr(sharing, "MIN_ITEMS", 4)
    sharing.install(sharer)
    try:
        items = _sealed([f"v{index}" for index in range(40)])
        items[2] = (PATHS[3], items[2][1])  # bound to another path
        forged = list(items)
        forged[35] = (forged[35][0], _forge(forged[35][1]))
        with pytest.raises(IntegrityError, match="failed authentication") as caught:
            bulk.open_many(KEY, forged, lambda index: f"item{index}")
        assert caught.value.keypath == "item35"
        with pytest.raises(IntegrityError, match="bound to another key path") as moved:
            bulk.open_many(KEY, items, lambda index: f"item{index}")
        assert moved.value.keypath == "item2"
    finally:
        sharing.install(None)


def test_the_command_lines_mapper_forks_a_worker_per_core(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sharing, "MIN_ITEMS", 8)
    monkeypatch.setattr(forked, "_could_ask", lambda: True)  # token work asks nothing: shared all the same
    monkeypatch.delenv(forked.WORKERS_ENV, raising=False)
    cores = len(os.sched_getaffinity(0))
    results = forked.map_crypto(lambda part: [(os.getpid(), item) for item in part], list(range(100)))
    assert [item for _, item in results] == list(range(100))
    assert len({pid for pid, _ in results}) == min(cores, forked.MAX_WORKERS, 100 // 4)
    monkeypatch.setenv(forked.WORKERS_ENV, "1")
    assert {pid for pid, _ in forked.map_crypto(lambda part: [(os.getpid(), item) for item in part],
                                                list(range(100)))} == {os.getpid()}
