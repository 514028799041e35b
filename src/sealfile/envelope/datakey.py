"""Data keys: made fresh per file, wrapped for each recipient, unwrapped by the recipients that can.

One key group (the usual file): the data key itself is wrapped once per recipient, and any one
recipient opens it. Several key groups: the data key is split (:mod:`sealfile.envelope.shamir`),
share ``i`` wrapped for every recipient of group ``i``, and any ``threshold`` groups open it.

What each stanza unwrapped to is cached per process, keyed by the exact stanza (a stanza
always unwraps to the same bytes), so loading many files that share a data key makes one KMS
call. :func:`forget_data_keys` empties the cache.

Bounded work, whatever a file says: at most :data:`~sealfile.model.metadata.MAX_RECIPIENTS` stanzas (in all groups) are
read (and written), and all unwrap attempts for one file together stop after
:func:`unwrap_budget` seconds, even against a service that keeps a connection open and answers
a byte at a time (which no per-request timeout catches): each network call runs in a worker
thread that is abandoned when the budget runs out.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence

from sealfile.envelope.in_time import in_time
from sealfile.errors import (
    ConfigError,
    NotEnoughGroupsError,
    NoUsableKeyError,
    ProviderUnavailable,
    SealfileError,
    UnwrapError,
)
from sealfile.kms import registry, trust
from sealfile.kms.base import DATA_KEY_BYTES, SHARE_BYTES, MasterKey, Recipient, kms_timeout
from sealfile.kms.groups import KeyGroups, distinct_keys
from sealfile.kms.registry import key_for, keys_for
from sealfile.model.metadata import Metadata, Stanza, check_recipient_count

Groups = tuple[tuple[Stanza, ...], ...]
KeyFor = Callable[[Stanza], MasterKey]

_cache: dict[Stanza, bytes] = {}
_wrapped: dict[Stanza, bytes] = {}
"""Each stanza wrapped in this process -> the data key (or part) it holds: never read from, only :func:`gave`."""

BUDGET_MARGIN = 5.0
"""Seconds beyond ``SEALFILE_KMS_TIMEOUT`` that all unwrap attempts of one file may take together."""


def unwrap_budget() -> float:
    """Seconds all unwrap attempts of one file may take together: ``SEALFILE_KMS_TIMEOUT`` + 5."""
    return kms_timeout() + BUDGET_MARGIN


class _Budget:
    """The time left for one file's unwrap attempts, shared by all its groups, and the keys that failed.

    A key is tried once per file: stanzas naming a key that already failed are skipped, so a file
    listing one key many times (each with its own wrapped key) costs one prompt for its passphrase,
    PIN or touch, and one request to its service, not one per stanza. A cause that concerns a whole
    kind or its credentials (the OS keyring locked: one unlock prompt per stanza; no AWS credentials: a
    metadata-service probe per region) is met once: the scope is ``down``."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = unwrap_budget() if seconds is None else seconds
        self.deadline = time.monotonic() + self.seconds
        self.failed: set[tuple[str, str]] = set()
        shared = trust.unusable_scopes()
        self.down: dict[tuple[str, ...], str] = {} if shared is None else shared
        """Credential scopes (:meth:`MasterKey.credential_scope`) no key of which can be used here, with the cause
        (those of the whole run: :func:`sealfile.kms.trust.one_run`)."""

    def left(self) -> float:
        return self.deadline - time.monotonic()


def new_data_key() -> bytes:
    return os.urandom(DATA_KEY_BYTES)


def forget_data_keys() -> None:
    _cache.clear()
    _wrapped.clear()


def gave(stanza: Stanza, data_key: bytes) -> bool:
    """Whether ``stanza`` itself gave ``data_key`` in this process (unwrapped it, or was wrapped here from it): its
    key then held that data key, which no one but the file's sealer chose. That a stanza naming the same key opened
    another file shows nothing of this one's: a key the reader shares with whoever wrote the stanza (a team's key, a
    cloud key anyone may decrypt with), or the very stanza copied beside a data key of the writer's own."""
    import hmac

    given = _cache.get(stanza, _wrapped.get(stanza))
    return given is not None and hmac.compare_digest(given, data_key)


def wrap_for(keys: Iterable[MasterKey], data_key: bytes, existing: Iterable[Stanza] = ()) -> tuple[Stanza, ...]:
    """One stanza per distinct key: kept from ``existing`` when that key is there with the same settings, else
    newly wrapped."""
    current = list(zip(keys_for(existing), existing, strict=True)) if existing else []
    stanzas: list[Stanza] = []
    wanted = distinct_keys(keys)
    check_recipient_count(len(wanted))  # never write a file no reader would open
    for key in wanted:
        kept = next((stanza for known, stanza in current if known.same_recipient(key)), None)
        stanzas.append(kept if kept is not None else wrap_with(key, data_key).stanza)
    return tuple(stanzas)


def wrap_groups(
    recipients: KeyGroups, data_key: bytes, existing: Sequence[Sequence[Stanza]] = (), existing_threshold: int = 1
) -> tuple[Groups, int]:
    """The stanzas (per group) and threshold that give ``data_key`` to ``recipients``.

    One group keeps each stanza of ``existing`` whose key stays. Several groups keep ``existing``
    only when nothing changes: a new share for one group needs the polynomial of the others, so
    any change splits the data key afresh and wraps every share (values and MAC stay the same)."""
    existing_groups = tuple(tuple(group) for group in existing)
    if not recipients.grouped:
        kept = existing_groups[0] if len(existing_groups) == 1 else ()
        return (wrap_for(recipients.groups[0], data_key, kept),), 1
    if existing_groups and _same_groups(recipients, existing_groups, existing_threshold):
        return existing_groups, existing_threshold
    check_recipient_count(sum(len(group) for group in recipients.groups))
    from sealfile.envelope import shamir  # only for a key split between groups

    shares = shamir.split(data_key, len(recipients.groups), recipients.threshold)
    groups = tuple(tuple(wrap_with(key, share).stanza for key in group)
                   for group, share in zip(recipients.groups, shares, strict=True))
    return groups, recipients.threshold


def _same_groups(recipients: KeyGroups, groups: Groups, threshold: int) -> bool:
    try:
        return recipients.same_as(KeyGroups.from_stanzas(groups, threshold))
    except ConfigError:  # groups this sealfile would not write (a key in two groups): never kept
        return False


def open_data_key(meta: Metadata, *, key_for: KeyFor = key_for) -> bytes:
    """The data key of a file, from its recipients or from enough of its key groups."""
    if meta.grouped:
        return unwrap_grouped(meta.groups, meta.threshold, key_for=key_for)
    return unwrap_data_key(meta.recipients, key_for=key_for)


def unwrap_data_key(stanzas: Sequence[Stanza], *, key_for: KeyFor = key_for) -> bytes:
    """Try recipients cheapest first (local before cloud); raise one error listing every attempt.

    ``key_for`` builds the provider for a stanza (SOPS files use it to look for age identities
    where SOPS looks too)."""
    check_recipient_count(len(stanzas))
    attempts: list[UnwrapError] = []
    data_key = _open_group(stanzas, DATA_KEY_BYTES, key_for, attempts, _Budget())
    if data_key is None:
        raise NoUsableKeyError(attempts)
    return data_key


def unwrap_grouped(groups: Sequence[Sequence[Stanza]], threshold: int, *, key_for: KeyFor = key_for,
                   opens: Callable[[bytes], bool] | None = None) -> bytes:
    """Open ``threshold`` groups' parts (cheapest groups first, stopping there) and combine them.

    With ``opens`` (a SOPS file, whose threshold nothing authenticates): while the combined key does not
    open the file, the other groups are opened too and every part combined, as ``sops decrypt``
    combines every part it recovers; so a lowered threshold is read as SOPS reads it."""
    from sealfile.envelope import shamir

    check_recipient_count(sum(len(group) for group in groups))
    budget = _Budget()
    candidates = [_candidates(group, key_for) for group in groups]
    order = sorted(range(len(groups)), key=lambda index: _cheapest(candidates[index][0]))
    parts: list[bytes] = []
    failed: list[tuple[int, UnwrapError]] = []
    for index in order:
        if len(parts) >= threshold and (opens is None or opens(shamir.combine(parts))):
            break
        attempts = list(candidates[index][1])
        part = _open_group(groups[index], SHARE_BYTES, key_for, attempts, budget, candidates[index][0])
        if part is None:
            named = {(attempt.type_id, attempt.key_id) for attempt in attempts}
            # a key in two groups (SOPS allows it) is tried once: say so for the later group too
            attempts += [key.unwrap_error("failed for another key group (above)") for key, _ in candidates[index][0]
                         if (key.type_id, key.key_id) not in named and (key.type_id, key.key_id) in budget.failed]
            failed += [(index + 1, attempt) for attempt in attempts]
        else:
            parts.append(part)
    if len(parts) < threshold:
        raise NotEnoughGroupsError(sorted(failed, key=lambda pair: pair[0]), recovered=len(parts),
                                   needed=threshold, groups=len(groups))
    return shamir.combine(parts)


def _candidates(stanzas: Sequence[Stanza], key_for: KeyFor) -> tuple[list[tuple[MasterKey, Stanza]], list[UnwrapError]]:
    """The providers for ``stanzas``, cheapest first, and an attempt for each stanza none can read."""
    attempts: list[UnwrapError] = []
    candidates: list[tuple[MasterKey, Stanza]] = []
    for stanza in stanzas:
        try:
            candidates.append((key_for(stanza), stanza))
        except SealfileError as err:
            attempts.append(UnwrapError(err.message, type_id=stanza.type, key_id=_named(stanza)))
    candidates.sort(key=lambda pair: pair[0].cost)
    return candidates, attempts


def _named(stanza: Stanza) -> str:
    """The key a stanza names, for an error: a SOPS entry's key is made only once its identities are read."""
    try:
        return registry.key_for(stanza).key_id
    except SealfileError:
        return "?"


def _cheapest(candidates: Sequence[tuple[MasterKey, Stanza]]) -> int:
    return min((key.cost for key, _ in candidates), default=1_000_000)


def _open_group(
    stanzas: Sequence[Stanza],
    size: int,
    key_for: KeyFor,
    attempts: list[UnwrapError],
    budget: _Budget,
    candidates: Sequence[tuple[MasterKey, Stanza]] | None = None,
) -> bytes | None:
    """What one of ``stanzas`` unwraps to (``size`` bytes), from the cache or the cheapest key that
    can; ``None`` with each failure appended to ``attempts``."""
    for stanza in stanzas:
        cached = _cache.get(stanza)
        if cached is not None and len(cached) == size:
            return cached
    if candidates is None:
        candidates, unreadable = _candidates(stanzas, key_for)
        attempts += unreadable
    for key, stanza in candidates:
        if (key.type_id, key.key_id) in budget.failed:
            continue  # its failure is listed already
        known = budget.down.get(key.credential_scope()) or budget.down.get(_silent(key))
        if known is not None:  # not tried: it would fail as the first did (ask again, or wait as long again)
            attempts.append(key.unwrap_error(known))
            budget.failed.add((key.type_id, key.key_id))
            continue
        left = budget.left()
        if left <= 0:
            attempts.append(key.unwrap_error(f"not tried: all attempts together may take {budget.seconds:g} s "
                                             "(SEALFILE_KMS_TIMEOUT + 5)"))
            continue
        try:
            unwrapped = key.unwrap(stanza.wrapped) if key.local else _within(left, budget.seconds, key, stanza.wrapped)
        except _NoAnswer as err:  # the next file naming this key would wait as long: it is not tried in this run
            attempts.append(err)
            budget.failed.add((key.type_id, key.key_id))
            budget.down[_silent(key)] = f"not tried: it did not answer for another file of this command ({err.cause})"
            continue
        except (UnwrapError, ProviderUnavailable) as err:
            failure = err if isinstance(err, UnwrapError) else key.unwrap_error(err.message, kind_wide=True)
            attempts.append(failure)
            budget.failed.add((key.type_id, key.key_id))
            if failure.kind_wide:
                budget.down[key.credential_scope()] = failure.cause
            continue
        if len(unwrapped) != size:
            what = "a key group's part" if size == DATA_KEY_BYTES else "a whole data key"
            attempts.append(key.unwrap_error(f"this recipient holds {what}, which does not fit the file's key groups"))
            continue
        _cache[stanza] = unwrapped
        return unwrapped
    return None


class _NoAnswer(UnwrapError):
    """A key's service gave no answer within the time left for a file."""


def _silent(key: MasterKey) -> tuple[str, ...]:
    """Where a key whose service gave no answer is remembered for the rest of a run (:func:`trust.one_run`)."""
    return ("no answer", key.type_id, key.key_id)


def _within(seconds: float, budget: float, key: MasterKey, wrapped: str) -> bytes:
    """``key.unwrap(wrapped)``, given up after ``seconds`` (see :func:`_in_time`)."""
    return in_time(seconds, lambda: key.unwrap(wrapped), lambda: _NoAnswer(
        f"no answer within the {budget:g} s all unwrap attempts may take (SEALFILE_KMS_TIMEOUT + 5)",
        type_id=key.type_id, key_id=key.key_id))


def wrap_with(key: MasterKey, data_key: bytes) -> Recipient:
    """``key.wrap(data_key)``; a key held by a service is given up after :func:`unwrap_budget` seconds, as an
    unwrap is: a per-read timeout does not bound a service that answers a byte at a time, and ``encrypt``,
    ``rotate`` or ``updatekeys`` waited on it for ever."""
    if key.local:
        made = key.wrap(data_key)
    else:
        seconds = unwrap_budget()
        made = in_time(seconds, lambda: key.wrap(data_key), lambda: key.wrap_error(
            f"no answer within {seconds:g} s (SEALFILE_KMS_TIMEOUT + 5)"))
    _wrapped[made.stanza] = data_key
    return made
