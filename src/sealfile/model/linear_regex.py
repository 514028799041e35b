"""Regular expressions searched in time linear in the text, for the patterns a file names.

A sealed or SOPS file names its rule's pattern (``encrypted_regex``...), and Python's own engine
backtracks: ``(a*)*$`` against thirty ``a`` and a ``!`` takes hours, and ``.*x`` against a
megabyte-long key takes minutes. So a pattern is parsed by ``re``'s own parser (the syntax and
meaning of ``re``) and the text is searched by following every way through the pattern at once,
one character at a time (a Thompson NFA, as Go's regexp and RE2 search): the work is at most the
text's length times the pattern's size, the sets of states met are cached as a DFA's states are.
Each one-character test (a literal, a class, ``.``) and each zero-width test (``^``, ``$``,
``\\b``) is ``re`` itself on one position, so case folding and Unicode classes mean what they
mean to ``re``. What has no such bound (backreferences, lookarounds, conditional and atomic
groups, possessive repeats) is refused with :class:`ValueError`.
"""

from __future__ import annotations

import re
from typing import Any

from sealfile.errors import FormatError

try:  # re's parser and compiler, public in all but name (Python 3.11+), sre_* before
    from re import _compiler as sre_compile  # type: ignore[attr-defined]
    from re import _constants as sre_constants  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import sre_compile
    import sre_constants
    import sre_parse

MAX_STATES = 5_000
"""A pattern's size once counted repeats are spelled out (``x{1000}`` is a thousand states)."""
WORK_LIMIT = 10_000_000
"""States visited, over a pattern's life, outside the cache: a few seconds at most. Past it, a text and
pattern made to defeat the cache (``[ab]{0,500}a[ab]{500}`` against a megabyte) are refused."""
_CACHE_LIMIT = 20_000
"""Cached steps kept at most; past that the cache starts again (the work per step stays bounded)."""

NEVER_MATCHES = r"[^\s\S]"
"""A pattern that matches no text (an empty class: no lookahead needed)."""
_REFUSED = {"GROUPREF": "a backreference", "GROUPREF_EXISTS": "a conditional group", "ASSERT": "a lookaround",
            "ASSERT_NOT": "a lookaround", "ATOMIC_GROUP": "an atomic group",
            "POSSESSIVE_REPEAT": "a possessive repeat"}
_CHAR, _SPLIT, _ASSERT, _MATCH = range(4)
_ONE_CHARACTER = frozenset({"LITERAL", "NOT_LITERAL", "ANY", "IN"})
_ENDS = frozenset({"AT_BEGINNING", "AT_BEGINNING_STRING", "AT_END", "AT_END_STRING"})


class LinearRegex:
    """``search(text)``: whether ``pattern`` matches anywhere in ``text``, as ``re.search`` says."""

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self.pattern = pattern
        parsed = sre_parse.parse(pattern, flags)
        self._kind: list[int] = []
        self._test: list[Any] = []
        self._out: list[list[int]] = []
        self._atoms: dict[tuple[str, int], Any] = {}
        self._at_ends: set[int] = set()
        match = self._state(_MATCH, None, [])
        self._start = self._sequence(list(parsed), parsed.state.flags | flags, match)
        self._asserts = [index for index, kind in enumerate(self._kind) if kind == _ASSERT]
        self._only_ends = all(state in self._at_ends for state in self._asserts)
        """Every zero-width test is ^, $, \\A or \\Z: all fail between the second and the last position."""
        self._closures: dict[tuple[frozenset[int], tuple[bool, ...]], tuple[bool, tuple[int, ...]]] = {}
        self._steps: dict[tuple[tuple[int, ...], str], frozenset[int]] = {}
        self._work = 0

    def search(self, text: str) -> bool:
        tests = [self._test[state] for state in self._asserts]
        closures, steps = self._closures, self._steps
        pending: frozenset[int] = frozenset()
        end = len(text)
        inside = (False,) * len(tests) if self._only_ends else None
        for pos in range(end + 1):
            if inside is not None and 0 < pos < end - 1:
                context = inside
            else:
                context = tuple([test.match(text, pos) is not None for test in tests])
            found = closures.get((pending, context)) or self._closure(pending, context)
            if found[0]:
                return True
            if pos == end:
                return False
            char = text[pos]
            following = steps.get((found[1], char))
            pending = following if following is not None else self._step(found[1], char)
        return False

    def _closure(self, pending: frozenset[int], context: tuple[bool, ...]) -> tuple[bool, tuple[int, ...]]:
        """The character states reachable without reading (the search may start at any position)."""
        key = (pending, context)
        known = self._closures.get(key)
        if known is not None:
            return known
        holds = dict(zip(self._asserts, context, strict=True))
        seen: set[int] = set()
        stack = [self._start, *pending]
        chars: list[int] = []
        matched = False
        while stack:
            state = stack.pop()
            if state in seen:
                continue
            seen.add(state)
            kind = self._kind[state]
            if kind == _MATCH:
                matched = True
            elif kind == _SPLIT:
                stack.extend(self._out[state])
            elif kind == _ASSERT:
                if holds[state]:
                    stack.append(self._out[state][0])
            else:
                chars.append(state)
        result = (matched, tuple(sorted(chars)))
        self._charge(len(seen))
        self._remember(self._closures, key, result)
        return result

    def _step(self, chars: tuple[int, ...], char: str) -> frozenset[int]:
        key = (chars, char)
        known = self._steps.get(key)
        if known is None:
            known = frozenset(self._out[s][0] for s in chars if self._test[s].match(char))
            self._charge(len(chars) + 1)
            self._remember(self._steps, key, known)
        return known

    def _charge(self, work: int) -> None:
        self._work += work
        if self._work > WORK_LIMIT:
            raise FormatError(f"the pattern {self.pattern!r} takes too long to search in this file's keys")

    @staticmethod
    def _remember(cache: dict[Any, Any], key: Any, value: Any) -> None:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        cache[key] = value

    def _state(self, kind: int, test: Any, out: list[int]) -> int:
        if len(self._kind) >= MAX_STATES:
            raise ValueError(f"the pattern is too large (over {MAX_STATES:,} states with its repeats spelled out)")
        self._kind.append(kind)
        self._test.append(test)
        self._out.append(out)
        return len(self._kind) - 1

    def _sequence(self, items: list[Any], flags: int, following: int) -> int:
        for item in reversed(items):
            following = self._item(item, flags, following)
        return following

    def _item(self, item: Any, flags: int, following: int) -> int:
        op, argument = item
        name = str(op)
        if name in _ONE_CHARACTER:
            return self._state(_CHAR, self._compiled(item, flags), [following])
        if name == "AT":
            state = self._state(_ASSERT, self._compiled(item, flags), [following])
            if str(argument) in _ENDS and not flags & re.MULTILINE:
                self._at_ends.add(state)
            return state
        if name == "BRANCH":
            return self._state(_SPLIT, None, [self._sequence(list(alt), flags, following) for alt in argument[1]])
        if name == "SUBPATTERN":
            _group, add, remove, body = argument
            if add & _TYPE_FLAGS:  # (?a:...) replaces the Unicode matching around it, as re combines them
                flags &= ~_TYPE_FLAGS
            return self._sequence(list(body), (flags | add) & ~remove, following)
        if name in ("MAX_REPEAT", "MIN_REPEAT"):  # greedy or lazy: the same answer to "does it match"
            low, high, body = argument
            return self._repeat(list(body), low, high, flags, following)
        raise ValueError(f"{_REFUSED.get(name, name)} cannot be searched in linear time")

    def _repeat(self, body: list[Any], low: int, high: int, flags: int, following: int) -> int:
        if high == sre_constants.MAXREPEAT:
            loop = self._state(_SPLIT, None, [])
            self._out[loop] = [self._sequence(body, flags, loop), following]
            start = loop
        else:
            start = following
            for _ in range(high - low):
                start = self._state(_SPLIT, None, [self._sequence(body, flags, start), following])
        for _ in range(low):
            start = self._sequence(body, flags, start)
        return start

    def _compiled(self, item: Any, flags: int) -> Any:
        """``re`` compiled for this one item: a character test, or a zero-width test at a position."""
        key = (str(item), flags)
        known = self._atoms.get(key)
        if known is None:
            state = sre_parse.State()
            state.flags = flags
            known = self._atoms[key] = sre_compile.compile(sre_parse.SubPattern(state, [item]), flags)
        return known


_TYPE_FLAGS = re.ASCII | re.LOCALE | re.UNICODE


def compile_linear(pattern: str) -> LinearRegex:
    """The pattern for searching; :class:`re.error` if ``re`` cannot read it, :class:`ValueError`
    if it cannot be searched in linear time."""
    re.compile(pattern)  # re's own error for a malformed pattern
    return LinearRegex(pattern)
