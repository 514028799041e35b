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


_GO_FLAGS = re.compile(r"\(\?([a-zA-Z-]*)([):])")
_REPEAT = re.compile(r"\{(\d*)(,?)(\d*)\}")
_DOUBLED_IN_CLASS = ("&&", "||", "~~")
"""Pairs Python may one day read as set operations inside [...] (it warns on stderr today); literal to Go.
(``--`` is left: its ``-`` may be a range's, and both read ranges alike.)"""


def _escape(pattern: str, index: int, in_class: bool) -> tuple[str, int]:
    """The escape at ``index`` as Python reads Go's, and the index after it. :class:`ValueError` for one
    Go rejects (so the pattern never matches): a backreference, Python's ``\\u``, ``\\U``, ``\\N``, a
    non-ASCII character."""
    pair = pattern[index:index + 2]
    letter = pair[1]
    if letter == "x" and pattern.startswith("{", index + 2):  # \\x{10FFFF}
        close = pattern.find("}", index + 3)
        digits = pattern[index + 3:close] if close > 0 else ""
        if not digits or any(c not in "0123456789abcdefABCDEF" for c in digits) or int(digits, 16) > 0x10FFFF:
            raise ValueError("not a Go hex escape")
        return f"\\U{int(digits, 16):08x}", close + 1
    octal = re.match(r"0[0-7]{0,2}|[1-7][0-7]{1,2}", pattern[index + 1:])
    if octal:  # Go: \\0 and up to two more octal digits, or a nonzero digit and one or two more
        return f"\\U{int(octal.group(), 8):08x}", index + 1 + octal.end()
    if letter.isdigit():
        raise ValueError("backreferences are not Go syntax")
    if letter in "uUN" or ord(letter) > 127:
        raise ValueError("not a Go escape")
    return ("\\Z" if pair == "\\z" else _ascii_class(pair, in_class)), index + 2


def _group_start(pattern: str, index: int) -> tuple[str, int] | None:
    """A ``(?`` group as Python reads Go's; ``None`` if it is not one of flags. :class:`ValueError` for
    Python-only groups (a comment, a named backreference, a conditional, flags Go does not have)."""
    if pattern.startswith(("(?#", "(?P=", "(?("), index):
        raise ValueError("not Go syntax")
    flags = _GO_FLAGS.match(pattern, index)
    if flags is None:
        return None
    if any(flag not in "imsU-" for flag in flags.group(1)):
        raise ValueError("not a Go flag")
    if flags.group(2) == ")" and index > 0:  # Go applies them to the rest of the group; Python only at the start
        raise FormatError("the SOPS rule uses Go regular expression syntax sealfile cannot evaluate (flags after "
                          "the start)")
    return flags.group(), flags.end()


def _class_start(pattern: str, index: int) -> tuple[str, int, bool]:
    """``[`` and what opens the class as Go reads it: a negation, a leading ``]`` (a member), or the
    whole class when it is one negated POSIX class (``[[:^alpha:]]``)."""
    whole = re.match(r"\[\[:\^([a-z]+):\]\]", pattern[index:])
    if whole and whole.group(1) in _POSIX:
        return f"[^{_POSIX[whole.group(1)]}]", index + whole.end(), False
    out, index = "[", index + 1
    if pattern[index:index + 1] == "^":
        out, index = out + "^", index + 1
    if pattern[index:index + 1] == "]":
        out, index = out + "\\]", index + 1
    return out, index, True


def _translate(pattern: str) -> str:
    """Go (RE2) syntax to Python's: ``\\z`` is ``\\Z``, ``$`` is the end of text unless ``(?m)``,
    ``(?<name>`` is ``(?P<name>``, POSIX classes such as ``[[:alpha:]]`` and ``\\d``, ``\\w``, ``\\s``, ``\\b``
    are spelled out in ASCII, ``\\x{E9}`` and octal escapes as code points, ``a{,2}`` and ``[`` inside a
    class are literal (as to Go). Python-only syntax raises :class:`ValueError` (Go rejects it)."""
    out, index, in_class = [], 0, False
    multiline = re.match(r"\(\?[a-zA-Z]*m", pattern) is not None
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            text, index = _escape(pattern, index, in_class)
            out.append(text)
            continue
        posix = re.match(r"\[:(\^?)([a-z]+):\]", pattern[index:]) if in_class else None
        if posix and posix.group(2) in _POSIX:
            if posix.group(1):
                raise FormatError("the SOPS rule uses Go regular expression syntax sealfile cannot evaluate (a "
                                  "negated POSIX class among other members)")
            out.append(_POSIX[posix.group(2)])
            index += posix.end()
            continue
        if char == "[" and not in_class:
            text, index, in_class = _class_start(pattern, index)
            out.append(text)
            continue
        if in_class:
            if char == "]":
                in_class = False
            elif char == "[" or pattern[index - 1:index + 1] in _DOUBLED_IN_CLASS:
                char = "\\" + char
        elif char == "$" and not multiline:
            char = "\\Z"
        elif char == "{":
            repeat = _REPEAT.match(pattern, index)
            if repeat is None or not repeat.group(1):  # Go reads it as the character ({,2} too)
                char = "\\{"
            elif max(int(repeat.group(1)), int(repeat.group(3) or 0)) > 1000:
                raise ValueError("Go repeats at most 1000 times")
        elif char == "(" and pattern.startswith("(?", index):
            group = _group_start(pattern, index)
            if group is not None:
                out.append(group[0])
                index = group[1]
                continue
            if pattern.startswith("(?<", index) and not pattern.startswith(("(?<=", "(?<!"), index):
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
    except FormatError:  # Go syntax sealfile cannot evaluate: said, never taken for a pattern Go rejects
        raise
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
