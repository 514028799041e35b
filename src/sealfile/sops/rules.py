"""Which values SOPS encrypted: its one rule, evaluated as sops.go ``shouldBeEncrypted`` does.

Path rules (``unencrypted_suffix``, ``encrypted_suffix``, ``unencrypted_regex``,
``encrypted_regex``) look at every mapping key on a value's path. Comment rules look at the
comments that precede a value in each enclosing mapping or list (SOPS's comment stack); a value
after a matching comment is encrypted (``encrypted_comment_regex``) or left plain
(``unencrypted_comment_regex``). Patterns are Go regular expressions: translated to Python's
syntax where the two differ, and a pattern Go cannot compile never matches, as in SOPS.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.linear_regex import NEVER_MATCHES, LinearRegex

PATH_RULES = ("unencrypted_suffix", "encrypted_suffix", "unencrypted_regex", "encrypted_regex")
COMMENT_RULES = ("unencrypted_comment_regex", "encrypted_comment_regex")
DEFAULT_RULE = ("unencrypted_suffix", "_unencrypted")

_POSIX = {"alnum": "0-9A-Za-z", "alpha": "A-Za-z", "ascii": "\\x00-\\x7F", "blank": "\\t ", "cntrl": "\\x00-\\x1F\\x7F",
          "digit": "0-9", "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@[-`{-~",
          "space": "\\t\\n\\v\\f\\r ", "upper": "A-Z", "word": "0-9A-Za-z_", "xdigit": "0-9A-Fa-f"}
_GO_ONLY = ("\\p", "\\P", "\\Q", "(?U")
_GO_INVALID = ("(?=", "(?!", "(?<=", "(?<!", "(?>", "\\Z", "*+", "++", "?+", "}+")


class _NeverMatches:
    """A pattern Go's ``regexp`` rejects: SOPS ignores the error, so the pattern never matches."""

    def search(self, _text: str) -> bool:
        return False


_PERL_CLASSES = {"d": "0-9", "w": "0-9A-Za-z_", "s": "\\t\\n\\f\\r "}
"""RE2's ``\\d``, ``\\w`` and ``\\s``: ASCII only (Python's take every script's digits, letters and spaces)."""


def _ascii_class(escape: str, in_class: bool) -> str:
    """``escape`` (a backslash and one character) as RE2 reads it, in Python's syntax."""
    letter = escape[1]
    if letter in "bB":
        return f"(?a:{escape})"
    members = _PERL_CLASSES.get(letter.lower())
    if members is None:
        return escape
    if not in_class:
        return f"[{members}]" if letter.islower() else f"[^{members}]"
    if letter.isupper():
        raise FormatError(f"the SOPS rule's pattern uses {escape} inside [...], which sealfile cannot read as Go does")
    return members


def _translate(pattern: str) -> str:
    """Go (RE2) syntax to Python's: ``\\z`` is ``\\Z``, ``$`` is the end of text unless ``(?m)``,
    ``(?<name>`` is ``(?P<name>``, POSIX classes such as ``[[:alpha:]]`` and ``\\d``, ``\\w``, ``\\s``, ``\\b``
    are spelled out in ASCII."""
    out, index, in_class = [], 0, False
    multiline = re.match(r"\(\?[a-zA-Z]*m", pattern) is not None
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            pair = pattern[index:index + 2]
            if pair[1].isdigit() and pair[1] != "0" and not in_class:
                raise ValueError("backreferences are not Go syntax")
            out.append("\\Z" if pair == "\\z" else _ascii_class(pair, in_class))
            index += 2
            continue
        posix = re.match(r"\[:(\^?)([a-z]+):\]", pattern[index:]) if in_class else None
        if posix and posix.group(2) in _POSIX and not posix.group(1):
            out.append(_POSIX[posix.group(2)])
            index += posix.end()
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
            index += 1
            if pattern[index:index + 1] == "^":
                out.append("^")
                index += 1
            if pattern[index:index + 1] == "]":
                out.append("\\]")
                index += 1
            continue
        if char == "]" and in_class:
            in_class = False
        elif char == "$" and not in_class and not multiline:
            char = "\\Z"
        elif pattern.startswith("(?<", index) and not pattern.startswith(("(?<=", "(?<!"), index):
            char, index = "(?P<", index + 2
        out.append(char)
        index += 1
    return "".join(out)


def go_regex(pattern: str) -> LinearRegex | _NeverMatches:
    if any(token in pattern for token in _GO_ONLY):
        raise FormatError("the SOPS rule uses Go regular expression syntax sealfile cannot evaluate")
    if any(token in pattern for token in _GO_INVALID):
        return _NeverMatches()
    try:
        translated = _translate(pattern)
        re.compile(translated)
    except (re.error, ValueError):
        return _NeverMatches()
    try:  # searched as Go searches, in time linear in the text: the file names the pattern
        return LinearRegex(translated)
    except ValueError as err:
        raise FormatError(f"the SOPS rule's pattern cannot be used: {err}") from None


def python_pattern(pattern: str) -> str:
    """A SOPS (Go) pattern as a pattern sealfile's own rules read the same way (one that never
    matches if Go cannot compile it, as in SOPS)."""
    compiled = go_regex(pattern)
    return compiled.pattern if isinstance(compiled, LinearRegex) else NEVER_MATCHES


@dataclass(frozen=True)
class SopsRule:
    kind: str
    pattern: str
    _regex: LinearRegex | _NeverMatches | None = field(default=None, compare=False, repr=False)
    _hits: dict[str, bool] = field(default_factory=dict, compare=False, repr=False)

    @property
    def on_comments(self) -> bool:
        return self.kind in COMMENT_RULES

    def _matches(self, text: str) -> bool:
        hit = self._hits.get(text)
        if hit is None:
            if self.kind.endswith("suffix"):
                hit = text.endswith(self.pattern)
            else:
                assert self._regex is not None
                hit = self._regex.search(text)
            self._hits[text] = hit
        return hit

    def encrypts(self, path: Sequence[str], comments: Sequence[Sequence[str]] = (), is_comment: bool = False) -> bool:
        """Whether SOPS encrypts a value at ``path`` after ``comments`` (one list per level)."""
        if not self.on_comments:
            hit = any(self._matches(key) for key in path)
            return hit if self.kind.startswith("encrypted") else not hit
        if self.kind == "unencrypted_comment_regex":
            return not any(self._matches(text) for level in comments for text in level)
        last = (len(comments) - 1, len(comments[-1]) - 1) if comments else (-1, -1)
        return any(self._matches(text) for depth, level in enumerate(comments) for index, text in enumerate(level)
                   if not (is_comment and (depth, index) == last))


def rule_from_metadata(meta: Mapping[str, Any]) -> SopsRule:
    """The one rule a file's metadata sets (SOPS refuses two); ``unencrypted_suffix: _unencrypted`` if none."""
    given = [(name, meta[name]) for name in (*PATH_RULES, *COMMENT_RULES) if meta.get(name)]
    if len(given) > 1:
        raise FormatError("sops metadata sets more than one encryption rule")
    name, pattern = given[0] if given else DEFAULT_RULE
    if not isinstance(pattern, str):
        raise FormatError(f"sops.{name} must be a string")
    regex = None if name.endswith("suffix") else go_regex(pattern)
    return SopsRule(name, pattern, regex)
