"""The SOPS reader expands aliases as yaml.v3 does, within a budget: a file must not choose how much
work a reader does, and every walk of its tree (the rule, the MAC, a keyless diff) builds each
value's path, as long as the value is deep."""

from __future__ import annotations

import pytest

from sealfile.errors import FormatError
from sealfile.sops.yamltree import read_yaml


def _deep(depth: int, copies: int) -> str:
    deep = "[" * depth + ", ".join(["x"] * 1000) + "]" * depth
    return f"deep_unencrypted: &d {deep}\n" + "".join(f"c{i}_unencrypted: *d\n" for i in range(copies))


def test_aliases_of_deeply_nested_values_are_refused_by_the_length_of_their_paths() -> None:
    """900 aliases of 1,000 values 90 levels deep: 900,000 values, under the budget on values, from
    23 kB; a keyless ``sealfile diff`` of it took 20 s and 1.7 GB, ``review`` 7 s."""
    with pytest.raises(FormatError, match="paths of more than 2000000 keys and indices"):
        read_yaml(_deep(90, 900))


def test_aliases_of_shallow_values_are_read() -> None:
    document, = read_yaml(_deep(2, 300))
    assert len(document) == 301
