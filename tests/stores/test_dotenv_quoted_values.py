"""A quoted dotenv value costs a reader memory of its own size, not python-dotenv's per-character
backtracking entries: a 7 MB quoted value in a sealed dotenv file made every reader (``status``, with no
key, included) take 1.1 GB and seconds."""

from __future__ import annotations

import random
import re
import sys
import tracemalloc

import pytest

from sealfile.stores import get_store
from sealfile.stores.dotenv_lines import _quoted_value, dotenv_parser

VALUE_CHARS = 1_000_000


@pytest.mark.parametrize("line", [
    "K='" + "x" * VALUE_CHARS + "'\n",
    'K="' + "x" * VALUE_CHARS + '"\n',
    'K="' + "\\\\x" * (VALUE_CHARS // 3) + '"\n',
    "K='" + "a\\'" * (VALUE_CHARS // 3) + "'\n",
], ids=["single", "double", "double with escapes", "single with escapes"])
def test_a_long_quoted_value_is_read_in_memory_bounded_by_its_size(line: str) -> None:
    store = get_store("dotenv")
    tracemalloc.start()
    try:
        document = store.load_editable(line)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(document["K"]) >= VALUE_CHARS // 3
    # Python 3.10 has no possessive repeat: the unrolled pattern keeps an entry per backslash (~57 MB here;
    # python-dotenv's own pattern, one per character, took 1.1 GB for 7 MB)
    bound = 80 if sys.version_info < (3, 11) and "\\" in line else 20
    assert peak < bound * VALUE_CHARS, f"{peak // 1_000_000} MB to read a {VALUE_CHARS // 1_000_000} MB value"


@pytest.mark.parametrize("quote", ["'", '"'])
def test_the_bounded_patterns_match_exactly_what_python_dotenvs_match(quote: str) -> None:
    flags = re.DOTALL | re.UNICODE
    theirs = re.compile(_quoted_value(quote, possessive=False), flags)
    ours = re.compile(_quoted_value(quote, possessive=True), flags)
    chance = random.Random(20261204)
    for _ in range(30_000):
        text = "".join(chance.choice("'\"\\a\n ") for _ in range(chance.randint(0, 12)))
        mine, reference = ours.match(text), theirs.match(text)
        assert (mine and (mine.span(), mine.groups())) == (reference and (reference.span(), reference.groups())), text


def test_python_dotenvs_patterns_are_those_shown_equivalent() -> None:
    """A python-dotenv that changes its patterns keeps them (and this test says so)."""
    parser = dotenv_parser()
    assert parser._single_quoted_value.pattern == _quoted_value("'", possessive=True)
    assert parser._double_quoted_value.pattern == _quoted_value('"', possessive=True)
