"""Which data key a merged sealed file keeps: never one that a recipient the merge drops could open.

One side removes a leaver and rotates so that the leaver cannot read values set later; the other side rotates
too, for its own reasons (a routine ``rotate``, ``set --rotate``), while the leaver was still its recipient.
Keeping the second side's key would give the leaver, who unwraps it from that side's version, every value set
after the merge. Likewise for a key that opened the file alone where the merge needs key groups. So the merge
keeps the key of a side that nobody could open with less than the merged file asks, and when each side's key is
open so (each side removed someone and rotated) it seals with a new one; so too when each side rotated, since
a rotation's reason may lie outside the three versions (a rebase replays a removal, then the rotation that
followed it, onto an upstream that rotated while the leaver was its recipient). When nobody rotated the
leaver out (a side still holds the base's key), the key stays and the merge warns as ``recipients remove`` does.

Without trusted signers a side may be anyone's who can push: sealed afresh under a data key of their own, for the
recipients' public keys (and one of theirs). So a key that is neither the base's nor the other side's is never kept
(the result gets a new one: a rotation still shuts out whom it meant to), and a recipient such a side adds, or one a
side adds under a key that a recipient the merge drops could open (a leaver's branch from before the removal), is
refused: either would give the merged values, ours included, to whoever wrote that side. A SOPS version counts as
any other: its recipients are known, its key groups asked for, and the sealed side's key is its writer's own (a
conversion seals afresh), so a sealed side may neither add a recipient to nor loosen the split of the SOPS ones.
Nor may such a side loosen the split without adding anyone: a key group's member who seals afresh for one group
(or a lower threshold) would open the merged values alone.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from sealfile.envelope.datakey import Groups, new_data_key, wrap_groups
from sealfile.errors import FormatError, SealfileError
from sealfile.gitflow.merge_apply import Side
from sealfile.kms.groups import KeyGroups, who_opens
from sealfile.kms.registry import key_for
from sealfile.model.metadata import Stanza


def same_key(a: bytes | None, b: bytes | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)


def ids_of(stanzas: Iterable[Stanza]) -> list[tuple[str, str]]:
    """Each stanza's recipient as (kind, identity), in order."""
    return [(key.type_id, key.key_id) for key in map(key_for, stanzas)]


def _open_to_fewer(side: Side, base: Side, dropped: set[tuple[str, str]], wanted: KeyGroups) -> bool:
    """Whether someone could open ``side``'s data key with less than ``wanted`` asks: a recipient the merge drops,
    or keys that open it alone where the merge needs more groups (:meth:`KeyGroups.looser_than`); through its
    version, or the base's when it is still the base's key."""
    versions = [side, base] if base.meta is not None and same_key(side.data_key, base.data_key) else [side]
    for version in versions:
        if version.meta is not None and (set(ids_of(version.meta.recipients)) & dropped or KeyGroups.from_stanzas(
                version.meta.groups, version.meta.threshold).looser_than(wanted)):
            return True
    return False


def _both_rotated(b: Side, o: Side, t: Side) -> bool:
    """Each side holds a data key of its own, neither the base's. The three versions do not tell whom a rotation
    shut out: in a rebase, ours is the upstream whose earlier commits may have wrapped its key for a recipient
    the replayed commit before this one removed (and this one rotated away)."""
    keys = (b.data_key, o.data_key, t.data_key)
    return all(key is not None for key in keys) and not (
        same_key(o.data_key, b.data_key) or same_key(t.data_key, b.data_key) or same_key(o.data_key, t.data_key))


def _dropped(b: Side, o: Side, t: Side, groups: Groups) -> set[tuple[str, str]]:
    """The recipients of any version that the merged ``groups`` leave out."""
    dropped = set().union(*(set(ids_of(side.meta.recipients)) for side in (b, o, t) if side.meta is not None))
    return dropped - set(ids_of(stanza for group in groups for stanza in group))


def _writers_own(side: Side, other: Side, base: Side, signed: bool = False) -> bool:
    """Whether ``side``'s data key may be one its writer chose (neither the base's nor the other side's), with no
    trusted signature to say who that was."""
    return not signed and not (same_key(side.data_key, base.data_key) or same_key(side.data_key, other.data_key))


def refuse_unvouched_recipients(b: Side, o: Side, t: Side, groups: Groups, threshold: int, signed: bool) -> None:
    """Refuse a recipient of ``groups`` that one side adds (in neither the base nor the other side) where nothing
    shows a holder of the file's data key wrote that side: its key may be its writer's own, or one that a recipient
    the merge drops holds (see the module's note); nor, from such a side, key groups or a threshold that let fewer
    keys open the file than the base's and the other side's (a group member who seals afresh for one group)."""
    if signed:
        return
    dropped, wanted = _dropped(b, o, t, groups), KeyGroups.from_stanzas(groups, threshold)
    merged = set(ids_of(stanza for group in groups for stanza in group))
    known = {side.name: _known(side) for side in (b, o, t)}
    for side, other in ((o, t), (t, o)):
        added = sorted(merged & known[side.name] - known[b.name] - known[other.name])
        if side.meta is None or not (_writers_own(side, other, b) or _open_to_fewer(side, b, dropped, wanted)):
            continue
        if added:
            why = ("a data key of its own" if _writers_own(side, other, b)
                   else "the data key a recipient the merge removes holds")
            raise FormatError(f"{side.name} adds the recipient {added[0][0]} {added[0][1]} under {why}: without "
                              "trusted signers anyone who can push could have written that version, and the merged "
                              f"values would be theirs to read; merge without it, then add it if it is right "
                              f"(sealfile recipients add), or configure trusted signers")
        asked = [groups for groups in map(_groups_of, (b, other)) if groups is not None]
        fewer = [wanted.looser_than(groups) for groups in asked]
        if fewer and all(fewer):
            raise FormatError(f"{side.name} lets fewer keys open the file than the base and {other.name} ask (its "
                              f"key groups or threshold: {who_opens(fewer[0])}): without trusted signers anyone "
                              "who can push could have written that version, and the merged values would be theirs "
                              "to read; merge without that change, or configure trusted signers")


def _groups_of(side: Side) -> KeyGroups | None:
    """How a version's data key is split: a sealed one's groups, a SOPS one's entries that name a key."""
    if side.meta is not None:
        return KeyGroups.from_stanzas(side.meta.groups, side.meta.threshold)
    return KeyGroups.from_stanzas(_usable(side.sops_groups), side.sops_threshold) if side.sops else None


def _known(side: Side) -> set[tuple[str, str]]:
    """The recipients a version names: a sealed one's stanzas, a SOPS one's entries that name a key."""
    if side.meta is not None:
        return set(ids_of(side.meta.recipients))
    return set(ids_of(stanza for group in _usable(side.sops_groups) for stanza in group))


def _usable(groups: Groups) -> Groups:
    """Each group's stanzas that name a key sealfile knows (a SOPS entry of another kind, or whose label names
    none, names nobody a sealed side could be compared with)."""
    return tuple(tuple(stanza for stanza in group if _names_key(stanza)) for group in groups)


def _names_key(stanza: Stanza) -> bool:
    try:
        key_for(stanza)
    except SealfileError:
        return False
    return True


def kept_out(b: Side, o: Side, t: Side, primary: Side, groups: Groups,
             threshold: int, signed: bool = False) -> tuple[bytes, Groups, int, str | None]:
    """The data key to seal with, the stanzas that give it to ``groups``' recipients, the threshold, and a warning
    when the key changed: ``primary``'s key and ``groups`` unless someone could open it with less than ``groups``
    asks (a recipient the merge drops, a key that opened it alone where the merge needs two groups), or, where
    no trusted signer vouches for the sides (``signed``), it may be the key of whoever wrote ``primary``."""
    assert primary.data_key is not None
    dropped, wanted = _dropped(b, o, t, groups), KeyGroups.from_stanzas(groups, threshold)
    other = t if primary is o else o
    if _writers_own(primary, other, b, signed):
        return _fresh(wanted, f"data key rotated: {primary.name}' is neither the base's nor {other.name}', and "
                              "without trusted signers it may be whoever wrote that version's; every value is sealed "
                              "again")
    if not _open_to_fewer(primary, b, dropped, wanted):
        # each side rotated, and nothing here says whom either meant to shut out (as the other's key open to
        # someone the merge drops would): a key of neither side
        if not _both_rotated(b, o, t) or _open_to_fewer(other, b, dropped, wanted):
            return primary.data_key, groups, threshold, None
        return _fresh(wanted, "data key rotated: each side replaced the base's data key, and whom either meant to "
                              "shut out, its history alone tells; every value is sealed again")
    if other.meta is not None and other.data_key is not None and not _open_to_fewer(other, b, dropped, wanted) \
            and not _writers_own(other, primary, b, signed):
        regrouped, kept = wrap_groups(wanted, other.data_key, other.meta.groups, other.meta.threshold)
        return other.data_key, regrouped, kept, (f"{other.name}' data key kept: {primary.name}' opens for a "
                                                 "recipient the merge removes or with fewer key groups")
    if any(same_key(side.data_key, b.data_key) for side in (o, t)):
        return primary.data_key, groups, threshold, None  # nobody rotated the leaver out: the removal's warning
    return _fresh(wanted, "data key rotated: each side's opens for a recipient the merge removes or with fewer key "
                          "groups; every value is sealed again")


def _fresh(wanted: KeyGroups, why: str) -> tuple[bytes, Groups, int, str | None]:
    fresh = new_data_key()
    regrouped, kept = wrap_groups(wanted, fresh)
    return fresh, regrouped, kept, why
