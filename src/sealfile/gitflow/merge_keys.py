"""Which data key a merged sealed file keeps: never one that a recipient the merge drops could open.

One side removes a leaver and rotates so that the leaver cannot read values set later; the other side rotates
too, for its own reasons (a routine ``rotate``, ``set --rotate``), while the leaver was still its recipient.
Keeping the second side's key would give the leaver, who unwraps it from that side's version, every value set
after the merge. So the merge keeps the key of a side that no dropped recipient could open, and when each side's
key is open to one (each side removed someone and rotated) it seals with a new one. When nobody rotated the
leaver out (a side still holds the base's key), the key stays and the merge warns as ``recipients remove`` does.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable

from sealfile.envelope.datakey import Groups, new_data_key, wrap_groups
from sealfile.gitflow.merge_apply import Side
from sealfile.kms.groups import KeyGroups
from sealfile.kms.registry import key_for
from sealfile.model.metadata import Stanza


def same_key(a: bytes | None, b: bytes | None) -> bool:
    return a is not None and b is not None and hmac.compare_digest(a, b)


def ids_of(stanzas: Iterable[Stanza]) -> set[tuple[str, str]]:
    return {(key.type_id, key.key_id) for key in map(key_for, stanzas)}


def _holders(side: Side, base: Side) -> set[tuple[str, str]]:
    """Who could open ``side``'s data key: its recipients, and the base's when it is still the base's key."""
    held = ids_of(side.meta.recipients) if side.meta is not None else set()
    if base.meta is not None and same_key(side.data_key, base.data_key):
        held |= ids_of(base.meta.recipients)
    return held


def kept_out(b: Side, o: Side, t: Side, primary: Side, groups: Groups,
             threshold: int) -> tuple[bytes, Groups, int, str | None]:
    """The data key to seal with, the stanzas that give it to ``groups``' recipients, the threshold, and a warning
    when the key changed: ``primary``'s key and ``groups`` unless a recipient the merge drops could open it."""
    assert primary.data_key is not None
    dropped = set().union(*(ids_of(side.meta.recipients) for side in (b, o, t) if side.meta is not None))
    dropped -= ids_of(stanza for group in groups for stanza in group)
    if not _holders(primary, b) & dropped:
        return primary.data_key, groups, threshold, None
    other = t if primary is o else o
    wanted = KeyGroups.from_stanzas(groups, threshold)
    if other.meta is not None and other.data_key is not None and not _holders(other, b) & dropped:
        regrouped, kept = wrap_groups(wanted, other.data_key, other.meta.groups, other.meta.threshold)
        return other.data_key, regrouped, kept, (f"{other.name}' data key kept: {primary.name}' was wrapped for a "
                                                 "recipient the merge removes")
    if any(same_key(side.data_key, b.data_key) for side in (o, t)):
        return primary.data_key, groups, threshold, None  # nobody rotated the leaver out: the removal's warning
    fresh = new_data_key()
    regrouped, kept = wrap_groups(wanted, fresh)
    return fresh, regrouped, kept, ("data key rotated: each side's was wrapped for a recipient the merge "
                                    "removes; every value is sealed again")
