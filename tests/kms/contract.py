"""The contract every master-key provider's tests run (as keyring's backend test class).

Subclass :class:`ProviderContract` in ``tests/kms/test_<provider>.py`` and provide three
fixtures backed by the real service or its real client against a local server:

- ``key``: a usable :class:`MasterKey`;
- ``other_key``: a different, usable key of the same provider (wrong-key tests);
- ``unreachable_key``: a key whose service cannot be reached (or is absent).
"""

from __future__ import annotations

import os

import pytest

from sealfile.errors import UnwrapError
from sealfile.kms.base import SHARE_BYTES, MasterKey
from sealfile.kms.registry import key_for


class ProviderContract:
    def test_wrap_unwrap_round_trip(self, key: MasterKey) -> None:
        data_key = os.urandom(32)
        before = key.to_config()
        recipient = key.wrap(data_key)
        assert isinstance(recipient.wrapped, str)
        assert data_key.hex() not in recipient.wrapped
        assert key.to_config() == before, "wrap must return a new recipient, never change the key"
        assert recipient.key.unwrap(recipient.wrapped) == data_key

    def test_key_group_part_round_trip(self, key: MasterKey) -> None:
        """A key group's part of a data key (a 33-byte Shamir share) wraps and unwraps like a data key."""
        share = os.urandom(SHARE_BYTES)
        assert key.unwrap(key.wrap(share).wrapped) == share

    def test_stanza_round_trip(self, key: MasterKey) -> None:
        data_key = os.urandom(32)
        stanza = key.wrap(data_key).stanza
        assert stanza.type == key.type_id
        rebuilt = key_for(stanza)
        assert rebuilt.same_key(key)
        assert rebuilt.unwrap(stanza.wrapped) == data_key

    def test_wrong_key_fails_clearly(self, key: MasterKey, other_key: MasterKey) -> None:
        data_key = os.urandom(32)
        wrapped = key.wrap(data_key).wrapped
        with pytest.raises(UnwrapError) as info:
            other_key.unwrap(wrapped)
        message = str(info.value)
        assert other_key.key_id in message
        assert "\n" not in message
        assert data_key.hex() not in message

    def test_corrupt_wrapped_key_fails_clearly(self, key: MasterKey) -> None:
        wrapped = key.wrap(os.urandom(32)).wrapped
        middle = len(wrapped) // 2
        corrupt = wrapped[:middle] + ("A" if wrapped[middle] != "A" else "B") + wrapped[middle + 1 :]
        with pytest.raises(UnwrapError) as info:
            key.unwrap(corrupt)
        assert key.key_id in str(info.value)

    def test_unreachable_fails_clearly(self, key: MasterKey, unreachable_key: MasterKey) -> None:
        wrapped = key.wrap(os.urandom(32)).wrapped
        with pytest.raises(UnwrapError) as info:
            unreachable_key.unwrap(wrapped)
        assert unreachable_key.key_id in str(info.value)
        assert "\n" not in str(info.value)
