"""``opened_with_less`` against brute force: every subset of the keys, opened or not under each split. Seeded, so
the same shapes run every time: groups of 1 to 5 keys drawn from 7, regrouped, merged, split, with keys moved
between groups, a key in two groups, empty groups and thresholds past the number of groups."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from itertools import chain, combinations

import pytest

from sealfile.model.access import opened_with_less

KEYS = "abcdefg"
Split = tuple[list[set[str]], int]


def opens(keys: Collection[str], groups: Sequence[Collection[str]], threshold: int) -> bool:
    return sum(1 for group in groups if any(key in keys for key in group)) >= threshold


def looser_by_brute_force(split: Split, than: Split) -> bool:
    """Some set of keys ``than`` names opens ``split`` and not ``than``: every such set tried."""
    named = sorted(set(chain.from_iterable(than[0])))
    subsets = chain.from_iterable(combinations(named, size) for size in range(len(named) + 1))
    return any(opens(keys, *split) and not opens(keys, *than) for keys in subsets)


def random_split(rng: random.Random) -> Split:
    groups = [set(rng.sample(KEYS, rng.randint(0 if rng.random() < 0.05 else 1, 4)))
              for _ in range(rng.randint(1, 5))]
    return groups, rng.randint(0 if rng.random() < 0.03 else 1, len(groups) + (1 if rng.random() < 0.1 else 0))


def reshaped(rng: random.Random, split: Split) -> Split:
    """A change one forger or one honest rotation might make: groups merged or split, a key moved, the threshold
    moved by one."""
    groups, threshold = [set(group) for group in split[0]], split[1]
    move = rng.choice(["merge", "split", "move", "threshold", "reorder"])
    if move == "merge" and len(groups) > 1:
        first, second = sorted(rng.sample(range(len(groups)), 2))
        groups[first] |= groups.pop(second)
    elif move == "split" and any(len(group) > 1 for group in groups):
        index = rng.choice([i for i, group in enumerate(groups) if len(group) > 1])
        key = rng.choice(sorted(groups[index]))
        groups[index].discard(key)
        groups.append({key})
    elif move == "move" and len(groups) > 1 and groups[0]:
        key = rng.choice(sorted(groups[0]))
        groups[0].discard(key)
        groups[rng.randrange(1, len(groups))].add(key)
    elif move == "threshold":
        threshold = max(1, threshold + rng.choice([-1, 1]))
    rng.shuffle(groups)
    return groups, threshold


def cases(count: int) -> list[tuple[Split, Split]]:
    rng = random.Random(3907)
    pairs = []
    for _ in range(count):
        split = random_split(rng)
        pairs.append((split, reshaped(rng, split) if rng.random() < 0.6 else random_split(rng)))
    return pairs


@pytest.mark.parametrize("chunk", range(8))
def test_agrees_with_trying_every_set_of_keys(chunk: int) -> None:
    looser = 0
    for split, than in cases(4000)[chunk::8]:
        found = opened_with_less(split[0], split[1], than[0], than[1])
        assert (found is not None) == looser_by_brute_force(split, than), (split, than)
        if found is not None:  # the witness itself: named by ``than``, opens ``split`` and not ``than``
            looser += 1
            assert set(found) <= set(chain.from_iterable(than[0])), (split, than, found)
            assert opens(found, *split) and not opens(found, *than), (split, than, found)
    assert 100 < looser < 450  # both answers are common among the shapes drawn


@pytest.mark.parametrize(("split", "than", "looser"), [
    (([{"a", "b"}, {"c"}], 2), ([{"a", "b"}, {"c"}], 2), False),  # the same
    (([{"c"}, {"b", "a"}], 2), ([{"a", "b"}, {"c"}], 2), False),  # reordered
    (([{"a", "b", "c"}], 1), ([{"a", "b"}, {"c"}], 2), True),  # one group of everything, threshold 1
    (([{"a", "b"}, {"c"}], 1), ([{"a", "b"}, {"c"}], 2), True),  # threshold lowered
    (([{"a"}, {"b"}, {"c"}], 3), ([{"a"}, {"b"}, {"c"}], 2), False),  # threshold raised
    (([{"a"}, {"b"}, {"c"}], 2), ([{"a", "b"}, {"c"}], 2), True),  # a group split, threshold kept: a+b opens it
    (([{"a"}, {"b"}, {"c"}], 3), ([{"a", "b"}, {"c"}], 2), False),  # a group split, a share more asked
    (([{"a", "b"}, {"c"}], 2), ([{"a"}, {"b"}, {"c"}], 2), False),  # merged, threshold kept: stricter
    (([{"a", "b", "c"}, {"d"}], 2), ([{"a", "b"}, {"c"}, {"d"}], 3), True),  # merged, threshold lowered
    (([{"a", "c"}, {"b"}], 2), ([{"a", "b"}, {"c"}], 2), True),  # c moved: a+c opens it
    (([{"a", "b"}, {"c"}, {"z"}], 2), ([{"a", "b"}, {"c"}], 2), False),  # a key the rule lacks: told apart
    (([{"a"}, set()], 1), ([{"a"}, {"b"}], 2), True),  # an empty group
    (([{"a"}, {"b"}], 3), ([{"a"}, {"b"}], 2), False),  # a threshold past the groups: nobody opens it
    (([{"a"}, {"a", "b"}], 2), ([{"a"}, {"b"}], 2), True),  # a key in two groups counts twice
])
def test_named_shapes(split: Split, than: Split, looser: bool) -> None:
    assert (opened_with_less(split[0], split[1], than[0], than[1]) is not None) is looser
    assert looser_by_brute_force(split, than) is looser


def test_sixteen_groups_take_one_pass_over_each_choice() -> None:
    """The most the comparison tries: 16 groups with threshold 9, every choice of 8 groups (C(16, 8))."""
    than = [{f"k{index}"} for index in range(16)]
    assert opened_with_less(than, 9, than, 9) is None
    assert opened_with_less(than, 8, than, 9) == tuple(f"k{index}" for index in range(8))
