"""Data keys: made fresh per file, wrapped once per recipient, unwrapped by any one of them.

Unwrapped keys are cached per process, keyed by the exact recipient stanza that opened them
(a stanza always unwraps to the same key), so loading many files that share a data key makes
one KMS call. :func:`forget_data_keys` empties the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sealfile.errors import NoUsableKeyError, ProviderUnavailable, SealfileError, UnwrapError
from sealfile.kms.base import DATA_KEY_BYTES, MasterKey, Recipient
from sealfile.kms.registry import key_from_config

_cache: dict[bytes, bytes] = {}


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def wrap_for(keys: Iterable[MasterKey], data_key: bytes) -> list[Recipient]:
    return [Recipient(key, key.wrap(data_key)) for key in keys]


def forget_data_keys() -> None:
    _cache.clear()


def _stanza_id(stanza: Mapping[str, Any]) -> bytes:
    return hashlib.sha256(json.dumps(stanza, sort_keys=True, default=str).encode()).digest()


def unwrap_data_key(
    stanzas: Sequence[Mapping[str, Any]],
    *,
    key_for: Callable[[Mapping[str, Any]], MasterKey] = key_from_config,
) -> bytes:
    """Try recipients cheapest first (local before cloud); raise one error listing every attempt.

    ``key_for`` builds the provider for a stanza (SOPS files use it to look for age identities
    where SOPS looks too)."""
    for stanza in stanzas:
        cached = _cache.get(_stanza_id(stanza))
        if cached is not None:
            return cached
    attempts: list[UnwrapError] = []
    candidates: list[tuple[MasterKey, Mapping[str, Any]]] = []
    for stanza in stanzas:
        try:
            candidates.append((key_for(stanza), stanza))
        except SealfileError as err:
            attempts.append(UnwrapError(err.message, type_id=str(stanza.get("type")), key_id="?"))
    candidates.sort(key=lambda pair: pair[0].cost)
    for key, stanza in candidates:
        try:
            data_key = key.unwrap(str(stanza["wrapped"]))
        except (UnwrapError, ProviderUnavailable) as err:
            attempts.append(err if isinstance(err, UnwrapError) else key.unwrap_error(err.message))
            continue
        _cache[_stanza_id(stanza)] = data_key
        return data_key
    raise NoUsableKeyError(attempts)


def keys_of(stanzas: Iterable[Mapping[str, Any]]) -> list[MasterKey]:
    return [key_from_config(s) for s in stanzas]
