"""Glob patterns as git matches them in ``.gitattributes`` (its ``wildmatch``), for ``sealed_files``.

The same patterns go into the ``.gitattributes`` that sets the diff and merge drivers (``git install``),
and are what ``check`` and ``review`` decide by: if the two read a pattern differently, a file git
treats as sealed goes unchecked (``config/**/*.yaml`` is ``config/x.yaml`` too to git, never to
:mod:`fnmatch`), or one ``check`` requires sealed gets no driver (to :mod:`fnmatch`, ``*`` crosses ``/``).

A pattern with a ``/`` is matched against the whole path, where ``*``, ``?`` and ``[...]`` never match
a ``/`` and ``**`` matches whole directories (``**/``: any leading ones, ``/**/``: none or more,
``/**``: everything below); one without a ``/`` against the file's name. A pattern names its own
matching work (a repository's config is anyone's with write access), so it is searched in linear time.
"""

from __future__ import annotations

import re
from functools import lru_cache

from sealfile.model.linear_regex import LinearRegex, compile_linear

_SPECIAL = re.compile(r"[*?\[\\]")
_CLASSES = {"alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "blank": " \\t", "cntrl": "\\x00-\\x1f\\x7f", "digit": "0-9",
            "graph": "!-~", "lower": "a-z", "print": " -~", "punct": "!-/:-@\\[-`{-~", "space": " \\t\\n\\r\\f\\v",
            "upper": "A-Z", "xdigit": "0-9A-Fa-f"}


def wildmatch(pattern: str, text: str, *, pathname: bool) -> bool:
    """Whether ``text`` matches ``pattern`` as git matches it (``pathname``: ``/`` is a separator).

    git matches UTF-8 bytes, not characters: ``?`` is one byte (``??`` is ``é``, ``?`` is not) and
    a class holds bytes, so both are matched here with each byte as one character."""
    pattern, text = _bytewise(pattern), _bytewise(text)
    if _SPECIAL.search(pattern) is None:  # a name (.env.enc)
        return text == pattern
    if pattern.startswith("*") and _SPECIAL.search(pattern, 1) is None:  # *.enc.yaml: most patterns, every file
        stem = len(text) - len(pattern) + 1
        return stem >= 0 and text.endswith(pattern[1:]) and not (pathname and "/" in text[:stem])
    return _compiled(pattern, pathname).search(text)


def _bytewise(text: str) -> str:
    return text if text.isascii() else text.encode("utf-8", "surrogateescape").decode("latin-1")


@lru_cache(maxsize=256)
def _compiled(pattern: str, pathname: bool) -> LinearRegex:
    try:
        return compile_linear(glob_regex(pattern, pathname=pathname))
    except (re.error, ValueError):  # no regex for it (a class git would refuse too): it matches nothing
        return compile_linear(r"[^\s\S]")


def glob_regex(pattern: str, *, pathname: bool) -> str:
    """The regular expression (whole text) that ``pattern`` is to git."""
    out: list[str] = []
    i, size = 0, len(pattern)
    while i < size:
        char = pattern[i]
        if char == "*":
            end = i
            while end < size and pattern[end] == "*":
                end += 1
            whole = pathname and end - i >= 2 and (i == 0 or pattern[i - 1] == "/") and (
                end == size or pattern[end] == "/")
            if whole and end == size:
                out.append(".*")
            elif whole:
                out.append("(?:.*/)?")
                end += 1  # its slash: '**/' also matches no directory at all
            else:
                out.append("[^/]*" if pathname else ".*")
            i = end
        elif char == "?":
            out.append("[^/]" if pathname else ".")
            i += 1
        elif char == "[":
            bracket = _bracket(pattern, i, pathname)
            if bracket is None:
                raise ValueError("a class that is not closed: git's pattern matches nothing")
            out.append(bracket[0])
            i = bracket[1]
        elif char == "\\" and i + 1 < size:
            out.append(re.escape(pattern[i + 1]))
            i += 2
        else:
            out.append(re.escape(char))
            i += 1
    return "\\A" + "".join(out) + "\\Z"


def _bracket(pattern: str, start: int, pathname: bool) -> tuple[str, int] | None:
    """The class ``[...]`` at ``start`` and where it ends; ``None`` if it is not closed."""
    i = start + 1
    negated = i < len(pattern) and pattern[i] in "!^"
    i += negated
    members: list[str] = []
    first = True
    while i < len(pattern) and (pattern[i] != "]" or first):
        first = False
        if pattern.startswith("[:", i) and (close := pattern.find(":]", i + 2)) != -1:
            members.append(_CLASSES.get(pattern[i + 2:close], ""))
            i = close + 2
        elif pattern[i] == "\\" and i + 1 < len(pattern):
            members.append(re.escape(pattern[i + 1]))
            i += 2
        elif pattern[i] == "-" and members and i + 1 < len(pattern) and pattern[i + 1] != "]":
            members.append("-")
            i += 1
        else:
            members.append(re.escape(pattern[i]))
            i += 1
    if i >= len(pattern) or not members:
        return None
    if pathname:  # a class never matches the separator
        members = [member for member in members if member != "/"]
    if not members:
        return ("[^/]" if negated else r"[^\s\S]"), i + 1
    body = "".join(members)
    if negated:
        return f"[^{body}{'/' if pathname else ''}]", i + 1
    return f"[{body}]", i + 1
