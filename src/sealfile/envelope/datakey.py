"""Data keys: made fresh per file, wrapped once per recipient, unwrapped by any one of them.

Unwrapped keys are cached per process, keyed by the exact recipient stanza that opened them
(a stanza always unwraps to the same key), so loading many files that share a data key makes
one KMS call. :func:`forget_data_keys` empties the cache.

Bounded work, whatever a file says: at most :data:`MAX_RECIPIENTS` stanzas are read (and
written), and all unwrap attempts together stop after :func:`unwrap_budget` seconds, even
against a service that keeps a connection open and answers a byte at a time (which no
per-request timeout catches): each network call runs in a worker thread that is abandoned when
the budget runs out.
"""

from __future__ import annotations

import contextvars
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence

from sealfile.errors import FormatError, NoUsableKeyError, ProviderUnavailable, SealfileError, UnwrapError
from sealfile.kms.base import DATA_KEY_BYTES, MasterKey, kms_timeout
from sealfile.kms.registry import key_for, keys_for
from sealfile.model.metadata import Stanza

_cache: dict[Stanza, bytes] = {}

MAX_RECIPIENTS = 64
"""Most recipient stanzas a file may have (a team's keys fit many times over)."""
BUDGET_MARGIN = 5.0
"""Seconds beyond ``SEALFILE_KMS_TIMEOUT`` that all unwrap attempts of one file may take together."""


def unwrap_budget() -> float:
    """Seconds all unwrap attempts of one file may take together: ``SEALFILE_KMS_TIMEOUT`` + 5."""
    return kms_timeout() + BUDGET_MARGIN


def check_recipient_count(count: int) -> None:
    if count > MAX_RECIPIENTS:
        raise FormatError(f"{count} recipients: a sealed file may have at most {MAX_RECIPIENTS}")


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
    wanted = distinct_keys(keys)
    check_recipient_count(len(wanted))  # never write a file no reader would open
    for key in wanted:
        kept = next((stanza for known, stanza in current if known.same_key(key)), None)
        stanzas.append(kept if kept is not None else key.wrap(data_key).stanza)
    return tuple(stanzas)


def unwrap_data_key(
    stanzas: Sequence[Stanza], *, key_for: Callable[[Stanza], MasterKey] = key_for
) -> bytes:
    """Try recipients cheapest first (local before cloud); raise one error listing every attempt.

    ``key_for`` builds the provider for a stanza (SOPS files use it to look for age identities
    where SOPS looks too)."""
    check_recipient_count(len(stanzas))
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
    budget = unwrap_budget()
    deadline = time.monotonic() + budget
    for key, stanza in candidates:
        left = deadline - time.monotonic()
        if left <= 0:
            attempts.append(key.unwrap_error(f"not tried: all attempts together may take {budget:g} s "
                                             "(SEALFILE_KMS_TIMEOUT + 5)"))
            continue
        try:
            data_key = key.unwrap(stanza.wrapped) if key.local else _within(left, budget, key, stanza.wrapped)
        except (UnwrapError, ProviderUnavailable) as err:
            attempts.append(err if isinstance(err, UnwrapError) else key.unwrap_error(err.message))
            continue
        _cache[stanza] = data_key
        return data_key
    raise NoUsableKeyError(attempts)


def _within(seconds: float, budget: float, key: MasterKey, wrapped: str) -> bytes:
    """``key.unwrap(wrapped)`` in a daemon thread, given up after ``seconds`` (the thread is left to
    finish or hang on its own: a daemon never holds up the process's exit)."""
    outcome: list[bytes | BaseException] = []
    done = threading.Event()
    context = contextvars.copy_context()  # the caller's trust settings and offline mode apply there too

    def run() -> None:
        try:
            outcome.append(context.run(key.unwrap, wrapped))
        except BaseException as err:  # handed to the caller's thread as is
            outcome.append(err)
        finally:
            done.set()

    threading.Thread(target=run, name=f"sealfile-unwrap-{key.type_id}", daemon=True).start()
    if not done.wait(seconds):
        raise key.unwrap_error(f"no answer within the {budget:g} s all unwrap attempts may take "
                               "(SEALFILE_KMS_TIMEOUT + 5)")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result
