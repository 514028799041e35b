"""Data keys: made fresh per file, wrapped once per recipient, unwrapped by any one of them.

Unwrapped keys are cached per process, keyed by the exact recipient stanza that opened them
(a stanza always unwraps to the same key), so loading many files that share a data key makes
one KMS call. :func:`forget_data_keys` empties the cache.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

from sealfile.errors import NoUsableKeyError, ProviderUnavailable, SealfileError, UnwrapError
from sealfile.kms.base import DATA_KEY_BYTES, MasterKey
from sealfile.kms.registry import key_for, keys_for
from sealfile.model.metadata import Stanza

_cache: dict[Stanza, bytes] = {}


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def forget_data_keys() -> None:
    _cache.clear()


def distinct_keys(keys: Iterable[MasterKey]) -> list[MasterKey]:
    """Each recipient once (``--age R --age R`` wraps the data key once), first mention kept."""
    unique: list[MasterKey] = []
    for key in keys:
        if not any(key.same_key(seen) for seen in unique):
            unique.append(key)
    return unique


def wrap_for(keys: Iterable[MasterKey], data_key: bytes, existing: Iterable[Stanza] = ()) -> tuple[Stanza, ...]:
    """One stanza per distinct key: kept from ``existing`` when that key is there, else newly wrapped."""
    current = list(zip(keys_for(existing), existing, strict=True)) if existing else []
    stanzas: list[Stanza] = []
    for key in distinct_keys(keys):
        kept = next((stanza for known, stanza in current if known.same_key(key)), None)
        stanzas.append(kept if kept is not None else key.wrap(data_key).stanza)
    return tuple(stanzas)


def unwrap_data_key(
    stanzas: Sequence[Stanza], *, key_for: Callable[[Stanza], MasterKey] = key_for
) -> bytes:
    """Try recipients cheapest first (local before cloud); raise one error listing every attempt.

    ``key_for`` builds the provider for a stanza (SOPS files use it to look for age identities
    where SOPS looks too)."""
    for stanza in stanzas:
        cached = _cache.get(stanza)
        if cached is not None:
            return cached
    attempts: list[UnwrapError] = []
    candidates: list[tuple[MasterKey, Stanza]] = []
    for stanza in stanzas:
        try:
            candidates.append((key_for(stanza), stanza))
        except SealfileError as err:
            attempts.append(UnwrapError(err.message, type_id=stanza.type, key_id="?"))
    candidates.sort(key=lambda pair: pair[0].cost)
    for key, stanza in candidates:
        try:
            data_key = key.unwrap(stanza.wrapped)
        except (UnwrapError, ProviderUnavailable) as err:
            attempts.append(err if isinstance(err, UnwrapError) else key.unwrap_error(err.message))
            continue
        _cache[stanza] = data_key
        return data_key
    raise NoUsableKeyError(attempts)
