"""Reading YAML 1.2 as ruamel.yaml reads it: one reader choice, one error form, bounded depth.

Parse errors report line and column but never the offending text, which in a plaintext file may
be a secret. The C-backed safe reader (ruamel's own ``CParser`` with its YAML 1.2 resolver) is
for read-only paths; the round-trip reader (:mod:`sealfile.stores.yaml.roundtrip`) for writes.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
from ruamel.yaml.reader import ReaderError

from sealfile.errors import FormatError
from sealfile.model.lazy_pattern import compiled_when_used
from sealfile.model.lines import line_column, line_number
from sealfile.model.remembered import Remembered
from sealfile.stores.node_limit import max_nodes, too_many, yaml_bound
from sealfile.stores.yaml.integers import FinerThanMicroseconds, NotOfItsTag, TooLong, limit_integers
from sealfile.stores.yaml.per_thread import forget_c_stream, per_thread

MAX_DEPTH_MESSAGE = "nesting too deep to parse"
MAX_EDITABLE_DEPTH = 100
"""Deepest nesting the (pure-Python, recursive) round-trip reader is given; the C pre-pass refuses more at once."""


@per_thread
def _safe() -> YAML:
    return limit_integers(YAML(typ="safe", pure=False))


_safe_quote = compiled_when_used(r"""'(?:[,\[\]{}:?#&*!|>%@`-]|\\t|<[a-z ]+>)'""")
"""A quoted YAML indicator or token name (``expected ',' or ']'``, ``found '<scalar>'``): syntax, not input."""


def _scrub(problem: str) -> str:
    """ruamel's problem text up to the first quote that is not a :data:`_safe_quote()`.

    ruamel quotes aliases, tags, escape characters from the input: an unquoted password such as
    ``*S3cret`` or ``!S3cret`` parses as an alias or a tag, so the quote would print the secret.
    """
    out, index = [], 0
    while index < len(problem):
        if problem[index] in "'\"":
            safe = _safe_quote().match(problem, index)
            if safe is None:
                break
            out.append(safe.group(0))
            index = safe.end()
        else:
            out.append(problem[index])
            index += 1
    return "".join(out).rstrip(" ,:")


_FLOW_INDICATORS = {
    f"found unexpected '{indicator}'": " in a plain value inside [...] or {...}, which ruamel's C reader "
    "refuses (PyYAML reads it): quote the value, as in ['https://example.com']"
    for indicator in ":?"
}
"""A URL or ``host:port`` in a flow collection: common in real files, and the way out is not obvious."""


def format_error(err: YAMLError, text: str) -> FormatError:
    """The one-line error for ruamel's ``err`` reading ``text``: where, and what, never the input's own text."""
    if isinstance(err, MarkedYAMLError) and err.problem_mark is not None:
        where = f"line {err.problem_mark.line + 1}, column {err.problem_mark.column + 1}"
        if isinstance(err, DuplicateKeyError):
            return FormatError(f"invalid YAML at {where}: duplicate key")  # ruamel's text quotes the values
        problem = _scrub((err.problem or "syntax error").split("\n")[0]) or "syntax error"
        if err.context == "while scanning a plain scalar" and problem in _FLOW_INDICATORS:
            problem += _FLOW_INDICATORS[problem]
        elif _indenting_tab(text, err.problem_mark.line, err.problem_mark.column):
            problem = "a tab, which YAML does not allow to indent: indent with spaces"
        return FormatError(f"invalid YAML at {where}: {problem}")
    if isinstance(err, ReaderError) and isinstance(err.character, int):
        code = err.character
        index = _character_at(text, err.position, chr(code))
        where = f" at {line_column(text, index)}" if index >= 0 else ""
        escape = f"\\x{code:02X}" if code < 0x100 else f"\\u{code:04X}"
        return FormatError(f"invalid YAML{where}: a character YAML does not allow in a file (U+{code:04X}); "
                           f"write it as {escape} inside double quotes")
    return FormatError("invalid YAML")


def _indenting_tab(text: str, line: int, column: int) -> bool:
    """Whether the character at ``line``, ``column`` (from 0) is a tab in the line's indentation: libyaml words
    it 'found character that cannot start any token', which does not say it is a tab."""
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return False
    indent = lines[line][:len(lines[line]) - len(lines[line].lstrip(" \t"))]
    return column < len(indent) and indent[column] == "\t"


def _character_at(text: str, position: int, char: str) -> int:
    """Where ``char`` is in ``text``, given ``position``: a character index from the pure reader, a UTF-8
    byte offset from the C one; -1 if it is at neither."""
    byte_offset = len(text.encode("utf-8", "surrogatepass")[:position].decode("utf-8", "ignore"))
    return next((index for index in (position, byte_offset) if text[index:index + 1] == char), -1)


MAX_READ_DEPTH = 1000
"""Deepest nesting :func:`load_fast` reads."""

_MEASURED_ABOVE = 2000
"""A text that could nest deeper has its depth measured before a C reader composes it: the C composer
recurses in C (past some 20,000 levels the process crashes instead of raising RecursionError) and
the C scanner slows quadratically with flow depth. Shallower texts are refused by the readers' own
depth checks, and indentation alone cannot nest much deeper within the size limit."""

_SAME_LINE = (re.compile(r"-(?=[ \t]+[-?][ \t\r\n])"), re.compile(r"\?(?=[ \t]+[-?][ \t\r\n])"))
"""A block collection opened on its parent's line (``- - x``, ``? - x``): one pattern per indicator, as
a pattern starting with a literal is searched at C speed (a class would stop at every ``-`` of every token)."""


def refuse_deep(text: str, limit: int) -> None:
    """:func:`check_depth` for a text whose nesting a C-speed count cannot keep under
    :data:`_MEASURED_ABOVE` (``[`` and ``{`` open at most two levels each: ``[a: [b: ...]]``)."""
    # The "[" of a token ("ENC[...", sealfile's and SOPS's) is inside a plain scalar: it opens nothing.
    openers = text.count("[") - text.count("ENC[") + text.count("{")
    if 2 * openers + sum(len(pattern.findall(text)) for pattern in _SAME_LINE) > _MEASURED_ABOVE:
        check_depth(text, limit)


def check_depth(text: str, limit: int = MAX_EDITABLE_DEPTH) -> None:
    """Refuse deep nesting before the round-trip reader sees it.

    The round-trip reader is pure Python and recursive: 10,000 nested ``[`` take it seconds to
    reach a RecursionError. The C parser's event stream (a few percent of a round-trip parse)
    measures the depth first; text the C parser rejects is left for the real reader to report.
    """
    if _MEASURES.get(("depth", limit), text, lambda: _deepest(text, limit)) > limit:
        raise FormatError(f"{MAX_DEPTH_MESSAGE} (more than {limit} levels)")


def _deepest(text: str, limit: int) -> int:
    """The deepest nesting of ``text``, up to ``limit + 1`` (the pass stops there); what comes before a syntax
    error only."""
    depth = deepest = 0
    try:
        for event in _safe().parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                deepest = max(deepest, depth)
                if depth > limit:
                    break
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        pass
    finally:
        forget_c_stream(_safe())
    return deepest


_NODE_EVENTS = (ScalarEvent, CollectionStartEvent, AliasEvent)


def refuse_many_nodes(text: str) -> None:
    """Refuse a text of more nodes than :func:`~sealfile.stores.node_limit.max_nodes`, before a reader
    builds them: counted by the C parser's event stream (under a microsecond a node, nothing kept), and only
    when :func:`~sealfile.stores.node_limit.yaml_bound` cannot keep the text under the limit. Text the C
    parser rejects before the limit is left for the real reader to report. Call :func:`refuse_deep` first:
    the C scanner's work for each token grows with the flow nesting around it."""
    limit = max_nodes()
    if yaml_bound(text) <= limit:
        return
    if _MEASURES.get(("nodes", limit), text, lambda: _nodes(text, limit)) > limit:
        raise too_many(limit)


def _nodes(text: str, limit: int) -> int:
    """The nodes of ``text``, up to ``limit + 1`` (the pass stops there); what comes before a syntax error only."""
    count = 0
    try:
        for event in _safe().parse(text):
            if isinstance(event, _NODE_EVENTS):
                count += 1
                if count > limit:
                    break
    except YAMLError:
        pass
    finally:
        forget_c_stream(_safe())
    return count


_MEASURES: Remembered[int] = Remembered(16)
"""What the event passes measured of the last few texts: each reader of a file measured it again."""


_directive = compiled_when_used(r"(?<![^\n\r\x85\u2028\u2029\ufeff])%YAML[ \t]+(\S+)")
"""A ``%YAML`` directive: at the start of the text or of a line, whatever breaks it (``\\r`` alone too)."""


READ_APART = {
    "\x85": ("U+0085 (next line)", "\\N"),
    "\u2028": ("U+2028 (line separator)", "\\L"),
    "\u2029": ("U+2029 (paragraph separator)", "\\P"),
    "\ufeff": ("U+FEFF (byte-order mark)", "\\uFEFF"),
}
"""Characters YAML parsers read apart, with their escape inside double quotes. libyaml (ruamel's C
engine, PyYAML's and Go's parsers) breaks lines at the first three, YAML 1.2 (ruamel's pure engine)
does not, and the parsers disagree on a byte-order mark after the start of the text."""


def refuse_read_apart(text: str) -> None:
    """Refuse a raw :data:`READ_APART` character (a leading byte-order mark aside) in a document
    sealfile reads and writes: the same text would hold other keys or values for another reader,
    or for the other engine. (A SOPS file is read as libyaml reads it, as SOPS's Go reader does.)"""
    if text.isascii():
        return
    found = [index for char in READ_APART if (index := text.find(char, 1 if char == "\ufeff" else 0)) >= 0]
    if not found:
        return
    index = min(found)
    name, escape = READ_APART[text[index]]
    raise FormatError(f"invalid YAML at {line_column(text, index)}: "
                      f"a raw {name} character, which YAML parsers read differently (write it as {escape} "
                      "inside double quotes)")


def reader_for(text: str, cached: YAML) -> YAML:
    """The reader for ``text``: YAML 1.2 only, one meaning everywhere.

    A ``%YAML 1.1`` directive would make ruamel read ``yes`` as a boolean on one path and not on
    the other, and a directive sticks to the YAML instance that read it: refuse any other version,
    and read a document that declares 1.2 with a fresh instance, so nothing leaks to the next one.
    """
    if "%" not in text:
        return cached
    found = list(_directive().finditer(text))  # one for each document
    if not found:
        return cached
    other = next((directive for directive in found if directive.group(1) != "1.2"), None)
    if other is not None:
        raise FormatError("only YAML 1.2 is supported: remove the %YAML directive (line "
                          f"{line_number(text, other.start())})")
    fresh = YAML(typ=cached.typ, pure=cached.pure)
    for part in _PARTS:  # the cached reader's own (the pure engine's libyaml scanner, the integer limit...)
        setattr(fresh, part, getattr(cached, part))
    fresh.preserve_quotes = "rt" in cached.typ
    return fresh


_PARTS = ("Reader", "Scanner", "Parser", "Composer", "Constructor", "Resolver")
"""What a reader is made of: a fresh one for a document's ``%YAML`` directive reads with the same parts."""


def document_reader(text: str, cached: YAML) -> YAML:
    """:func:`reader_for` a document sealfile seals, opens or changes, once no character in it
    reads apart (:func:`refuse_read_apart`), none nests deeper than sealfile edits (:func:`refuse_deep`), and
    it holds no more nodes than any reader reads (:func:`refuse_many_nodes`)."""
    refuse_read_apart(text)
    refuse_deep(text, MAX_EDITABLE_DEPTH)
    refuse_many_nodes(text)
    return reader_for(text, cached)


def load_fast(text: str) -> Any:
    """Parse for reading only: plain dicts and lists, C speed, same YAML 1.2 meaning."""
    reader = reader_for(text, _safe())
    refuse_deep(text, MAX_READ_DEPTH)
    refuse_many_nodes(text)
    try:
        return reader.load(text)
    except YAMLError as err:
        raise format_error(err, text) from None
    except RecursionError:
        raise FormatError(MAX_DEPTH_MESSAGE) from None
    except NotOfItsTag as err:  # quoting keeps the tag: only removing it makes the value text
        raise FormatError(f"{err}: remove the tag to keep it as text") from None
    except (TooLong, FinerThanMicroseconds) as err:
        raise FormatError(f"{err}: quote it to keep it as text") from None
    except (ValueError, OverflowError):  # OverflowError: ruamel rounds 9999-12-31T23:59:59.9999995 up a second
        raise FormatError("a value cannot be read as the type its spelling gives it (a date that does not exist, or "
                          "an integer of more than 4,300 digits?): quote it to keep it as text") from None
    finally:
        forget_c_stream(reader)
