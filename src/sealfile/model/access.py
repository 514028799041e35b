"""Who can open a file split into key groups, compared between two splits (docs/format.md §3).

A set of keys opens a split when it holds a key of at least ``threshold`` of its groups: one key of a group gives
that group's share, and ``threshold`` shares give the data key. One split is AT LEAST AS STRICT as another when
every set of keys that opens it also opens the other: regrouping, lowering the threshold, merging two groups or
moving a key so that one group alone suffices all make a split looser, while raising the threshold or splitting a
group make it stricter. Keys the other split does not name are left aside here (a recipient added or removed is
told, and refused, by itself), so the question is whether the keys both name are held to as much.

Keys are compared by identity only (any hashable: ``(type_id, key_id)``), so this module knows no key kind.
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Sequence
from itertools import combinations
from typing import TypeVar

K = TypeVar("K", bound=Hashable)


def opened_with_less(groups: Sequence[Collection[K]], threshold: int,
                     than: Sequence[Collection[K]], than_threshold: int) -> tuple[K, ...] | None:
    """Keys, all named by ``than``, that open ``groups`` (with ``threshold``) but not ``than`` (with
    ``than_threshold``): one key of each of ``threshold`` groups, the first such set found; ``None`` when every set
    of keys ``than`` names that opens ``groups`` opens ``than`` too (``groups`` at least as strict).

    Exact, not a rule of thumb: a set that opens ``groups`` yet not ``than`` touches at most ``than_threshold - 1``
    of ``than``'s groups, so it lies within the keys of some ``than_threshold - 1`` of them, and the largest such
    set (every key in none of the others) opens ``groups`` whenever any smaller one does. So trying each choice of
    that many of ``than``'s groups settles it: at most C(16, 8) = 12,870 for the 16 groups a file may have."""
    if than_threshold <= 0:
        return None  # nothing is needed to open ``than``: no set can open ``groups`` with less
    places: dict[K, set[int]] = {}  # the groups of ``than`` each key is in (a hand-made file may repeat one)
    for index, group in enumerate(than):
        for key in group:
            places.setdefault(key, set()).add(index)
    usable = [[key for key in group if key in places] for group in groups]
    for chosen in map(set, combinations(range(len(than)), min(than_threshold - 1, len(than)))):
        held = {key for key, place in places.items() if place <= chosen}
        shares = [next(key for key in group if key in held) for group in usable if any(key in held for key in group)]
        if len(shares) >= threshold:
            return tuple(dict.fromkeys(shares[:max(threshold, 0)]))  # one key in two groups counts once here
    return None
