"""The trie pattern matches exactly what the alternation of its strings (longest first, case ignored)
matches, at the same places; and its cost per text does not grow with the number of strings."""

from __future__ import annotations

import re
import secrets
import time

from hypothesis import given
from hypothesis import strategies as st

from sealfile.runtime.literals import literal_bytes_pattern, literal_pattern

# Letters whose case the engine folds otherwise than str.lower does one by one (long s, Kelvin sign,
# dotted and dotless i, sigmas, sharp s), base64's and URL quoting's characters, and a few others.
ALPHABET = "aAbBkKsS\u017f\u212a\u0130i\u0131I\u03a3\u03c3\u03c2\u00df\u00e9\u00c9+/=_-%0123\U0001f600 "
STRINGS = st.lists(st.text(ALPHABET, min_size=1, max_size=8), min_size=1, max_size=12)


def _alternation(strings: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(re.escape(s) for s in sorted(set(strings), key=len, reverse=True)), re.IGNORECASE)


def _spans(pattern: re.Pattern[str] | re.Pattern[bytes], text: str | bytes) -> list[tuple[int, int]]:
    return [match.span() for match in pattern.finditer(text)]  # type: ignore[arg-type]


@given(STRINGS, st.lists(st.tuples(st.integers(0, 11), st.booleans(), st.text(ALPHABET, max_size=3)), max_size=8))
def test_the_same_matches_as_the_alternation(strings: list[str], pieces: list[tuple[int, bool, str]]) -> None:
    text = "".join((strings[i % len(strings)].swapcase() if swap else strings[i % len(strings)]) + filler
                   for i, swap, filler in pieces)
    pattern = literal_pattern(strings)
    assert pattern is not None
    assert _spans(pattern, text) == _spans(_alternation(strings), text)


@given(st.lists(st.binary(min_size=1, max_size=6), min_size=1, max_size=12), st.binary(max_size=40))
def test_the_same_matches_for_bytes(strings: list[bytes], noise: bytes) -> None:
    text = noise + b"".join(s.swapcase() for s in strings) + noise + b"".join(strings)
    pattern = literal_bytes_pattern(strings)
    expected = re.compile(b"|".join(re.escape(s) for s in sorted(set(strings), key=len, reverse=True)), re.IGNORECASE)
    assert pattern is not None and _spans(pattern, text) == _spans(expected, text)


def test_a_string_thousands_of_characters_long_and_nested_prefixes() -> None:
    """A PEM key is one string of thousands of characters; a chain of prefixes nests a group per string."""
    long_one = secrets.token_urlsafe(3000)
    nested = ["x" * n for n in range(4, 1500)]
    for strings in ([long_one, long_one[:100] + "!"], nested):
        pattern = literal_pattern(strings)
        assert pattern is not None
        text = f"a {strings[0]} b {strings[-1]} c"
        assert _spans(pattern, text) == _spans(_alternation(strings), text)


def _cpu_per_text(count: int, texts: int = 300) -> float:
    strings = [secrets.token_urlsafe(16) for _ in range(count)]
    pattern = literal_pattern(strings)
    assert pattern is not None
    line = f"GET /api/v1/users/12345?page=2 took 35ms user=alice@example.com agent=Mozilla/5.0 {strings[0]}"
    started = time.process_time()
    for _ in range(texts):
        pattern.sub("[REDACTED]", line)
    return (time.process_time() - started) / texts


def test_the_cost_per_text_does_not_grow_with_the_number_of_strings() -> None:
    """The alternation took ~100 times longer on each text for 100 times as many strings (8 ms a log record
    with 3,000 loaded values): measured in CPU time, as a ratio, so the machine's speed does not matter."""
    few, many = _cpu_per_text(40), _cpu_per_text(4000)
    assert many < 10 * few  # the alternation: ~130 times
