"""One regular expression for many literal strings, matched as an alternation of them, longest first,
case ignored, would match: the leftmost occurrence of any of them, and there the longest.

Why not that alternation itself: Python's engine tries its branches one by one at every position of
the text, so each log record cost time in proportion to the number of strings (3,000 loaded values
are 12,000 spellings: ~8 ms per record). Here the strings share their prefixes in a trie, spelled as
nested groups (``ab(?:c|de)``): at each position only the branches that start with the next character
are followed, whatever the number of strings. With case ignored, characters that differ only in case
share one branch, so the branch followed is the only one that can match, and a group that may end
early is optional and greedy: the match found is the longest. Where that cannot be guaranteed (two
characters the engine takes as equal that ``str.lower`` does not fold alike) or the nesting is too
deep for the engine, the plain alternation is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

P = TypeVar("P", re.Pattern[str], re.Pattern[bytes])

_END = ""  # the trie key that marks "a string ends here" (no edge is empty)


def literal_pattern(strings: Iterable[str]) -> re.Pattern[str] | None:
    """A case-ignoring pattern matching any of ``strings`` as the module docstring says; None for none."""
    return _compiled(set(strings), ascii_only=False, compile=lambda source: re.compile(source, re.IGNORECASE))


def literal_bytes_pattern(strings: Iterable[bytes]) -> re.Pattern[bytes] | None:
    """The same for bytes (case folded for ASCII letters only, as for any bytes pattern)."""
    texts = {raw.decode("latin-1") for raw in strings}  # one character per byte, and back
    return _compiled(texts, ascii_only=True,
                     compile=lambda source: re.compile(source.encode("latin-1"), re.IGNORECASE))


def _compiled(strings: set[str], *, ascii_only: bool, compile: Callable[[str], P]) -> P | None:
    if not strings:
        return None
    try:
        trie = _trie(strings, ascii_only)
        if trie is not None:
            return compile(_spelled(trie))
    except (RecursionError, re.error, OverflowError):  # nested too deep for the engine's parser
        pass
    return compile("|".join(re.escape(text) for text in sorted(strings, key=len, reverse=True)))


def _folded(text: str, ascii_only: bool) -> str:
    """``text`` with each character that has one lower-case form in it (ASCII letters only if ``ascii_only``)."""
    if text.isascii():
        return text.lower()
    return "".join(char if (ascii_only and not char.isascii()) or len(char.lower()) != 1 else char.lower()
                   for char in text)


def _trie(strings: set[str], ascii_only: bool) -> dict[str, Any] | None:
    """Nested dicts keyed by folded characters; None if two keys of one node are equal to the engine."""
    flags = re.IGNORECASE | (re.ASCII if ascii_only else 0)
    root: dict[str, Any] = {}
    for text in strings:
        node = root
        for char in _folded(text, ascii_only):
            node = node.setdefault(char, {})
        node[_END] = {}
    stack = [root]
    while stack:
        node = stack.pop()
        keys = [key for key in node if key and not key.isascii()]
        if keys and any(re.fullmatch(re.escape(a), b, flags) for a in keys for b in node if b and b != a):
            return None
        stack.extend(child for key, child in node.items() if key)
    return root


def _spelled(root: dict[str, Any]) -> str:
    """The trie as a pattern, built bottom-up without recursion (a value can be thousands of characters)."""
    spelled: dict[int, str] = {}
    order: list[dict[str, Any]] = []
    stack = [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(child for key, child in node.items() if key)
    escaped: dict[str, str] = {}
    for node in reversed(order):
        branches = [(escaped.get(key) or escaped.setdefault(key, re.escape(key))) + spelled.pop(id(child))
                    for key, child in node.items() if key]
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")" if branches else ""
        spelled[id(node)] = f"(?:{body})?" if _END in node and body else body
    return spelled[id(root)]
