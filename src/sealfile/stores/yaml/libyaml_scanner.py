"""ruamel's pure-Python scanner (and composer), reading what libyaml reads.

ruamel's C engine is libyaml, which defines what a file holds; the pure engine (no compiler, or
the fast path turned off) must read every text the same way or refuse it the same way. Each
method here is ruamel's own, changed where libyaml reads otherwise; ``tests/stores/yaml/
test_engines_agree.py`` compares the two engines, by example and on generated texts.
"""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.error import StringMark
from ruamel.yaml.events import AliasEvent, ScalarEvent
from ruamel.yaml.parser import Parser
from ruamel.yaml.scanner import _THE_END, Scanner, ScannerError
from ruamel.yaml.tokens import AnchorToken, TagToken, ValueToken

from sealfile.stores.base import BOM
from sealfile.stores.yaml.libyaml_tags import NAME_CHARACTERS, LibyamlTags, tabs_read_as_spaces


class LibyamlScanner(LibyamlTags, Scanner):
    """ruamel's pure scanner, reading what libyaml (the C engine, which defines what a file holds)
    reads. It refuses a ``\\u`` escape of a UTF-16 surrogate (paired or lone: not text), a ``:`` or
    ``?`` inside a plain scalar in a flow collection (``[a:b]``, ``{k: 0:0}``, ``[a?]``) and a tab
    in a block scalar's indentation; it ends anchor names where libyaml does; and it accepts a tab
    as separation where no simple key can start (``a: b\t# note``, ``a:\tb``), after a tag
    (``a: !!str\tb``), after a block scalar's header (``a: |\t# note``) and between the words of a
    plain scalar (``a: b\tc``), and a comment right after a block scalar's header (``a: |# note``).
    It scans tags and directives as libyaml does (:class:`~.libyaml_tags.LibyamlTags`)."""

    _sealfile_after_tag: Any = None
    """The mark of the tag token the parser took last, if it took nothing since (:meth:`get_token`)."""

    def check_value(self) -> Any:
        """libyaml's: inside brackets every ``:`` that starts a token is a value indicator
        (``["a":1]`` is a one-pair mapping; ruamel alone wants a space after it inside ``[]``)."""
        return True if self.flow_level else super().check_value()

    def scan_anchor(self, TokenClass: Any) -> Any:
        """libyaml's anchor and alias names: ASCII letters, digits, ``-`` and ``_``, then a blank or
        one of ``?:,]}%@``` (ruamel's own takes any printable character but ``,[]{}``)."""
        reader = self.reader
        start_mark = reader.get_mark()
        length = 1  # the & or * itself
        while reader.peek(length) in NAME_CHARACTERS:
            length += 1
        if length == 1 or reader.peek(length) not in "\0 \t\r\n?:,]}%@`":
            reader.forward(length)
            raise ScannerError("while scanning an anchor or alias", start_mark,
                               "did not find expected alphabetic or numeric character", reader.get_mark())
        name = reader.prefix(length)[1:]
        reader.forward(length)
        return TokenClass(name, start_mark, reader.get_mark())

    def get_token(self) -> Any:
        """ruamel's own, with a node written tag first, then anchor, starting at its tag, as libyaml
        says (ruamel's parser moves the start to the anchor). The parser reads an anchor token right
        after a tag token as the same node's, wherever they are written (``!!str`` then ``&a`` on the
        next line), and so does this: any token between them belongs to another node."""
        token = super().get_token()
        after_tag, self._sealfile_after_tag = self._sealfile_after_tag, None
        if type(token) is TagToken:
            self._sealfile_after_tag = token.start_mark
        elif after_tag is not None and type(token) is AnchorToken:
            token.start_mark = after_tag
        return token

    def reset_scanner(self) -> None:
        """ruamel's own, forgetting the last tag too (its mark holds the text, which may be a secret)."""
        self._sealfile_after_tag = None
        super().reset_scanner()

    def scan_block_scalar_indicators(self, start_mark: Any) -> Any:
        """ruamel's own, with a tab after a block scalar's ``|`` or ``>`` and its indicators as
        separation, as a space (``key: |\t# note``), and a ``#`` there as a comment's start."""
        with tabs_read_as_spaces(self.reader, comment_ends_header=True):
            return super().scan_block_scalar_indicators(start_mark)

    def scan_block_scalar_ignored_line(self, start_mark: Any) -> Any:
        with tabs_read_as_spaces(self.reader):
            return super().scan_block_scalar_ignored_line(start_mark)

    def scan_block_scalar_indentation(self) -> Any:
        """libyaml's measure of a block scalar's indentation (the most spaces before its first
        line with text, empty lines included), where ruamel's own also refuses an empty line less
        indented than a later one (``|``, two spaces, then three and text: libyaml reads ``\ntext``),
        and libyaml's refusal of a tab in that indentation."""
        reader = self.reader
        chunks: list[str] = []
        max_indent = 0
        end_mark = reader.get_mark()
        while reader.peek() in " \r\n":
            if reader.peek() == " ":
                reader.forward()
                max_indent = max(max_indent, reader.column)
            else:
                chunks.append(self.scan_line_break())
                end_mark = reader.get_mark()
        self._refuse_tab_in_indentation()
        return chunks, max_indent, end_mark

    def scan_block_scalar_breaks(self, indent: int) -> Any:
        """ruamel's own, refusing a tab before a line reaches the block scalar's indentation."""
        found = super().scan_block_scalar_breaks(indent)
        if self.reader.column < indent:
            self._refuse_tab_in_indentation()
        return found

    def _refuse_tab_in_indentation(self) -> None:
        if self.reader.peek() == "\t":
            raise ScannerError("while scanning a block scalar", None,
                               "found a tab character where an indentation space is expected", self.reader.get_mark())

    def scan_to_next_token(self) -> Any:
        """ruamel's own, with libyaml's rule for tabs: skipped in flow context, and in block context
        wherever a simple key is not allowed (after a value indicator or a scalar on its line)."""
        reader = self.reader
        if reader.index == 0 and reader.peek() == BOM:
            reader.forward()
        while True:
            while reader.peek() == " " or (reader.peek() == "\t" and (self.flow_level or not self.allow_simple_key)):
                reader.forward()
            if reader.peek() == "#":
                while reader.peek() not in _THE_END:
                    reader.forward()
            if not self.scan_line_break():
                return None
            if not self.flow_level:
                self.allow_simple_key = True

    def scan_plain(self) -> Any:
        flow = bool(self.flow_level)
        token = super().scan_plain()
        for indicator in ":?" if flow else ():
            if indicator in token.value:
                index = self.reader.buffer.index(indicator, token.start_mark.index, token.end_mark.index)
                raise ScannerError("while scanning a plain scalar", token.start_mark,
                                   f"found unexpected '{indicator}'", self._mark_at(index))
        return token

    def scan_plain_spaces(self, indent: Any, start_mark: Any) -> Any:
        """ruamel's own, with libyaml's blanks around the words of a plain scalar: tabs as well as
        spaces (``key: a\tb`` is ``a\tb``; ruamel alone ends the scalar at the tab), refused only
        in a continuation line's indentation."""
        reader = self.reader
        peek = reader.peek

        def tab_as_blank(index: int = 0) -> Any:
            char = peek(index)
            if char != "\t":
                return char
            if index == 0 and reader.column < indent:
                raise ScannerError("while scanning a plain scalar", start_mark,
                                   "found a tab character that violates indentation", reader.get_mark())
            return " "

        reader.peek = tab_as_blank
        try:
            return super().scan_plain_spaces(indent, start_mark)
        finally:
            del reader.peek

    def _mark_at(self, index: int) -> StringMark:
        buffer = self.reader.buffer
        line_start = buffer.rfind("\n", 0, index) + 1
        return StringMark(self.reader.name, index, buffer.count("\n", 0, index), index - line_start, buffer, index)

    def scan_flow_scalar_non_spaces(self, double: Any, start_mark: Any) -> Any:
        begin = self.reader.index
        chunks = super().scan_flow_scalar_non_spaces(double, start_mark)
        if double and any(_SURROGATE.search(chunk) for chunk in chunks):
            raw = self.reader.buffer[begin:self.reader.index]
            escape = next((m for m in _ESCAPE.finditer(raw)
                           if 0xD800 <= int(m.group(1) or m.group(2) or "0", 16) <= 0xDFFF), None)
            if escape is None:  # written as it is in the text, not escaped: nothing libyaml refuses here
                return chunks
            index = begin + escape.start(1 if escape.group(1) else 2)
            raise ScannerError("while parsing a quoted scalar", start_mark,
                               "found invalid Unicode character escape code", self._mark_at(index))
        return chunks


_SURROGATE = re.compile(r"[\ud800-\udfff]")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|.)", re.DOTALL)


class LibyamlComposer(Composer):
    """ruamel's pure composer, refusing a second anchor of one name as libyaml does: the pure one
    only warns, and its warning quotes the lines around both (values included) on stderr."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if not self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            if event.anchor is not None and event.anchor in self.anchors:
                raise ComposerError("found duplicate anchor; first occurrence", self.anchors[event.anchor].start_mark,
                                    "second occurrence", event.start_mark)
        return super().compose_node(parent, index)


class LibyamlParser(Parser):
    """ruamel's pure parser, wanting a ``---`` before every document but the first, as libyaml does
    (YAML 1.2 lets one start without it after a ``...``; libyaml refuses it, and reads a second ``...``),
    and placing a block mapping's empty value right after its ``:``, as libyaml does (ruamel's own at
    the next token, which may be another key's tag: ``a:`` then ``! b:`` read as ``a`` tagged ``!``)."""

    def parse_block_mapping_value(self) -> Any:
        after_colon = self.scanner.peek_token().end_mark if self.scanner.check_token(ValueToken) else None
        event = super().parse_block_mapping_value()
        if (after_colon is not None and type(event) is ScalarEvent and event.value == "" and event.tag is None
                and event.anchor is None and event.style is None):  # an empty value: no node was written
            event.start_mark = event.end_mark = after_colon
        return event

    def parse_document_end(self) -> Any:
        event = super().parse_document_end()
        self.state = self.parse_document_start
        return event
