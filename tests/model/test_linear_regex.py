"""Rule patterns are searched in time linear in the text, and answer as ``re.search`` answers."""

from __future__ import annotations

import random
import re
import sys
import time

import pytest

from sealfile.errors import FormatError
from sealfile.model.linear_regex import NEVER_MATCHES, compile_linear

PATTERNS = [
    r"^(data|stringData)$", r"password", r".*_secret$", r"(?i)^PASS", r"^(?i:ab|c)[a-z\d]*x{2,3}\b.$", r"\bkey\b",
    r"a{0,3}b", r"(ab)*c", r"^$", r"", r"x*", r"[^a-c]+z", r"(?m)^b$", r"\Aab\Z", r"a.b", r"(?s)a.b", r"[\w-]+@",
    r"(a|b)*abb", r"\d{2,}", r"^[A-Z_]+$", r"(?i)straße", r"\S\s", r"colou?r", r"(?:x|y|)z", r"\B_\B", r"é",
    r"(?i)[é-ë]", r"a$", r"a\Z", r"^a\n?$", r"(?m)a$", r"\n$", r"^\n", r"$\n?", r"(a*)*$", r"(?-i:a)(?i)",
    r"x{2}?y*?", r"(?a)\w+", r"[a-c-]", r"(?a:\b)x(?a:\w)", r"(?a:[\w-])+\w", r"(?a:\B)é\b", r"(?i)(?a:é)S",
]
ALPHABET = "abcxyzABC_-é\n 0123Ss.ß"


@pytest.mark.parametrize("pattern", PATTERNS)
def test_it_answers_as_re_search(pattern: str) -> None:
    rng = random.Random(pattern)
    try:
        backtracking = re.compile(pattern)
    except re.error:
        with pytest.raises(re.error):
            compile_linear(pattern)
        return
    linear = compile_linear(pattern)
    for _ in range(400):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 10)))
        assert linear.search(text) == (backtracking.search(text) is not None), (pattern, text)


HOSTILE = {  # pattern, text, whether it matches: each takes re minutes to forever
    "(a*)*b": ("a" * 40, False),
    "(a|a)*b": ("a" * 40, False),
    "(x+x+)+y": ("x" * 5_000, False),
    ".*.*.*.*x": ("a" * 3_000, False),
    ".*x": ("a" * 300_000, False),
    "(a*)*$": ("a" * 40 + "!", True),
}


@pytest.mark.parametrize("pattern", list(HOSTILE))
def test_a_backtracking_pattern_takes_time_linear_in_the_text(pattern: str) -> None:
    text, matches = HOSTILE[pattern]
    linear = compile_linear(pattern)
    started = time.process_time()
    assert linear.search(text) is matches
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)", r"(?<!a)b", r"(?>a)", r"a*+", r"a{6000}", r"(?P<x>a)(?P=x)"])
def test_what_has_no_linear_bound_is_refused(pattern: str) -> None:
    if sys.version_info < (3, 11) and pattern in (r"(?>a)", r"a*+"):  # syntax re learnt in 3.11
        with pytest.raises(re.error):
            compile_linear(pattern)
        return
    with pytest.raises(ValueError, match=r"cannot be searched in linear time|too large"):
        compile_linear(pattern)


def test_the_never_matching_pattern_matches_nothing() -> None:
    assert not any(compile_linear(NEVER_MATCHES).search(text) for text in ("", "a", "\n", "ENC[x]"))
    assert re.compile(NEVER_MATCHES).search("anything\n") is None


def test_a_text_made_to_defeat_the_cache_is_refused_within_a_bound() -> None:
    """``a[ab]{500}c`` over a megabyte of random a/b: every position a new set of states. The work is
    bounded by the pattern's size, and past a budget the search stops with one error line."""
    rng = random.Random(1)
    text = "".join(rng.choice("ab") for _ in range(1_000_000))
    started = time.process_time()
    with pytest.raises(FormatError, match="takes too long to search"):
        compile_linear(r"a[ab]{500}c").search(text)
    assert time.process_time() - started < 10
