"""Who can open a file: master keys in key groups, and how many groups it takes.

The usual file has one group and a threshold of 1: any one of its keys opens it. With several
groups the data key is split (:mod:`sealfile.envelope.shamir`) so that any ``threshold`` groups
together open it, and any one key of a group opens that group's part: a two-person rule for
production is three teams' keys in three groups with a threshold of 2 (docs/format.md §3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sealfile.errors import ConfigError, SealfileError, one_line
from sealfile.kms.base import MasterKey, describe_keys
from sealfile.kms.registry import key_for, keys_for
from sealfile.model.metadata import MAX_GROUPS, Stanza
from sealfile.model.record import Record


def distinct_keys(keys: Iterable[MasterKey]) -> list[MasterKey]:
    """Each key once (``--age R --age R`` wraps the data key once), first mention kept."""
    unique: list[MasterKey] = []
    for key in keys:
        if not any(key.same_key(seen) for seen in unique):
            unique.append(key)
    return unique


def listed_twice(stanzas: Sequence[Stanza]) -> tuple[int, str] | None:
    """The first stanza naming a key an earlier one names, in any group: its index and why that is refused.
    sealfile writes one stanza per key, so such a one was made by hand: a keyless reader cannot tell whom it
    wraps the data key for, and the recipient list would read as it did (``check``, ``verify`` and ``review``
    refuse it)."""
    named: list[MasterKey] = []
    for index, stanza in enumerate(stanzas):
        try:
            key = key_for(stanza)
        except SealfileError:
            continue  # named as invalid where it matters
        if any(key.same_key(other) for other in named):
            return index, (f"{one_line(key.type_id)} {one_line(key.key_id)} is listed a second time: sealfile writes "
                           "one stanza per key, so this one was made by hand and may wrap the data key for anyone")
        named.append(key)
    return None


def who_opens(keys: Sequence[MasterKey]) -> str:
    """``age age1... alone`` or ``age age1..., pgp ABCD... together``: keys that open a file
    (:meth:`KeyGroups.looser_than`)."""
    return f"{describe_keys(keys)} {'alone' if len(keys) == 1 else 'together'}"


def _identity(key: MasterKey) -> tuple[str, str]:
    return key.type_id, key.key_id  # what :meth:`MasterKey.same_key` compares


def _identities(groups: Iterable[Iterable[MasterKey]]) -> list[list[tuple[str, str]]]:
    return [[_identity(key) for key in group] for group in groups]  # in order: the same keys named every time


def _in_two_groups(groups: Sequence[Sequence[MasterKey]]) -> MasterKey | None:
    for index, group in enumerate(groups):
        for key in group:
            if any(key.same_key(other) for later in groups[index + 1:] for other in later):
                return key
    return None


class KeyGroups(Record):
    """Master keys in groups (each key once per group) and the number of groups that opens a file."""

    _fields = ("groups", "threshold")
    groups: tuple[tuple[MasterKey, ...], ...]
    threshold: int

    def __init__(self, groups: Iterable[Iterable[MasterKey]], threshold: int = 1) -> None:
        distinct = tuple(tuple(distinct_keys(group)) for group in groups)  # each key once per group
        if not distinct or not distinct[0]:
            raise ConfigError("a sealed file needs at least one recipient")
        empty = next((number for number, group in enumerate(distinct, 1) if not group), None)
        if empty is not None:
            raise ConfigError(f"key group {empty} has no recipient")
        if len(distinct) > MAX_GROUPS:
            raise ConfigError(f"at most {MAX_GROUPS} key groups, not {len(distinct)}")
        repeated = _in_two_groups(distinct)
        if repeated is not None:
            raise ConfigError(f"{repeated.type_id} {repeated.key_id} is in two key groups: it would count twice "
                              "toward the threshold")
        if not 1 <= threshold <= len(distinct):
            raise ConfigError(f"the threshold must be between 1 and the number of key groups ({len(distinct)}), "
                              f"not {threshold}")
        self._fill(distinct, threshold)

    @classmethod
    def of(cls, recipients: Iterable[MasterKey] | KeyGroups) -> KeyGroups:
        """``recipients`` as they are, or a plain list of keys as one group (any one opens the file)."""
        return recipients if isinstance(recipients, KeyGroups) else cls((tuple(recipients),))

    @classmethod
    def from_stanzas(cls, groups: Sequence[Sequence[Stanza]], threshold: int) -> KeyGroups:
        """The keys a file's metadata names, grouped as it groups them."""
        return cls(tuple(tuple(keys_for(group)) for group in groups), threshold)

    @property
    def keys(self) -> tuple[MasterKey, ...]:
        """Every key of every group, in order (a key in two groups is listed twice)."""
        return tuple(key for group in self.groups for key in group)

    @property
    def grouped(self) -> bool:
        """Whether the data key is split (more than one group)."""
        return len(self.groups) > 1

    def same_as(self, other: KeyGroups) -> bool:
        """The same keys in the same groups, with the same threshold: in any order, as for a file without groups
        (a rule that lists them in another order asks for no change, so nothing is split and wrapped again)."""
        def holds(group: Sequence[MasterKey], keys: Sequence[MasterKey]) -> bool:
            return len(group) == len(keys) and all(any(key.same_recipient(held) for held in group) for key in keys)

        return self.threshold == other.threshold and len(self.groups) == len(other.groups) and all(
            any(holds(theirs, mine) for theirs in other.groups) for mine in self.groups)

    def not_in(self, other: KeyGroups) -> list[MasterKey]:
        """These keys that ``other`` does not name (whatever their settings or groups): the recipients a change
        from these groups to ``other`` removes, or, the other way round, adds."""
        return [key for key in self.keys if not any(key.same_key(theirs) for theirs in other.keys)]

    def looser_than(self, other: KeyGroups) -> tuple[MasterKey, ...]:
        """Keys that ``other`` names and that open a file under these groups but not under ``other`` (one of each of
        ``threshold`` groups), or none when these groups are at least as strict as ``other``'s for every key both
        name (:func:`sealfile.model.access.opened_with_less`; keys ``other`` lacks are left aside: a recipient
        added or removed is told by itself). From a file's groups to a rule's: what the file lets fewer parties
        do; from the old groups to new ones: who needs more under the new, yet held the data key (a change that
        narrows access is a removal in all but name, docs/format.md §3.1)."""
        from sealfile.model.access import opened_with_less

        found = opened_with_less(_identities(self.groups), self.threshold, _identities(other.groups), other.threshold)
        return () if found is None else tuple(key for key in self.keys if _identity(key) in found)

    def strands_holders(self, new: KeyGroups) -> bool:
        """Whether someone who opens a file under these groups may keep its data key yet not open it under ``new``:
        a key that leaves, or keys that need more groups (:meth:`looser_than`). Such a change keeps the data key
        from nobody who held it, so only a new data key makes values set later theirs no more."""
        return any(not any(key.same_key(other) for other in new.keys) for key in self.keys) or bool(
            self.looser_than(new))

    def describe(self) -> str:
        """``any one recipient`` or ``any 2 of 3 key groups``: for ``status`` and messages."""
        if not self.grouped:
            return "any one recipient"
        return f"any {self.threshold} of {len(self.groups)} key groups"
