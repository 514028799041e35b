"""Tags and directives as libyaml scans them, for ruamel's pure scanner (:mod:`.libyaml_scanner`).

ruamel's own scanner reads some tags and directives that libyaml (ruamel.yaml.clib's, 0.1.7, which
defines what a file holds) refuses or reads otherwise: ``!!<tag:...>`` as a verbatim tag, ``!!!binary``
as ``!!binary``, ``!!`` alone as a tag, a ``#`` inside a tag, an unknown directive (``%FOO``) as
nothing, a tab in a directive as an error. These methods are libyaml's ``yaml_parser_scan_tag``,
``scan_tag_uri`` and ``scan_directive``, written over ruamel's reader and tokens.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ruamel.yaml.scanner import ScannerError
from ruamel.yaml.tokens import DirectiveToken, TagToken

NAME_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
"""libyaml's ``IS_ALPHA``: anchor names, tag handles, directive names."""
_URI_CHARACTERS = NAME_CHARACTERS | frozenset(";/?:@&=+$,.!~*'()[]%")
"""What libyaml 0.1.7 takes in a tag after its handle (no ``#``; ``,[]`` everywhere)."""
_BLANK_OR_END = "\0 \r\n\x85\u2028\u2029"
"""What may follow a tag or a directive's name (a tab is shown as a space, :func:`tabs_read_as_spaces`)."""


class LibyamlTags:
    """libyaml's scanning of tags (``!x``, ``!h!x``, ``!<x>``, ``!``) and of ``%YAML``/``%TAG``."""

    reader: Any
    scan_uri_escapes: Any
    scan_yaml_directive_value: Any
    scan_tag_directive_value: Any
    scan_directive_ignored_line: Any

    def scan_tag(self) -> Any:
        reader = self.reader
        start_mark = reader.get_mark()
        with tabs_read_as_spaces(reader):
            if reader.peek(1) == "<":  # verbatim: !<tag:...>
                reader.forward(2)
                handle, suffix = None, self._tag_uri(start_mark)
                if reader.peek() != ">":
                    raise ScannerError("while scanning a tag", start_mark, "did not find the expected '>'",
                                       reader.get_mark())
                reader.forward()
            else:
                length = 1
                while reader.peek(length) in NAME_CHARACTERS:
                    length += 1
                length += reader.peek(length) == "!"
                head = reader.prefix(length)
                reader.forward(length)
                if len(head) > 1 and head.endswith("!"):  # a handle: !! or !name!
                    handle, suffix = head, self._tag_uri(start_mark)
                else:  # '!' then a suffix, whose first characters were read as if a handle
                    handle, suffix = "!", self._tag_uri(start_mark, head[1:], empty=True)
                    if not suffix:  # '!' alone: the non-specific tag
                        handle, suffix = None, "!"
            if reader.peek() not in _BLANK_OR_END:
                raise ScannerError("while scanning a tag", start_mark,
                                   "did not find expected whitespace or line break", reader.get_mark())
        return TagToken((handle, suffix), start_mark, reader.get_mark())

    def scan_tag_uri(self, name: Any, start_mark: Any) -> Any:
        """A ``%TAG`` directive's prefix (and a tag's suffix) with libyaml's characters."""
        return self._tag_uri(start_mark)

    def _tag_uri(self, start_mark: Any, head: str = "", *, empty: bool = False) -> str:
        """libyaml's ``scan_tag_uri``, after ``head`` (read before); ``empty``: may be empty (after a
        lone ``!``, which is part of it, where after a handle it may not)."""
        reader = self.reader
        chunks = [head]
        length = 0
        while (char := reader.peek(length)) in _URI_CHARACTERS:
            if char == "%":
                chunks.append(reader.prefix(length))
                reader.forward(length)
                length = 0
                chunks.append(self.scan_uri_escapes("tag", start_mark))
            else:
                length += 1
        chunks.append(reader.prefix(length))
        reader.forward(length)
        uri = "".join(chunks)
        if not uri and not empty:
            raise ScannerError("while parsing a tag", start_mark, "did not find expected tag URI", reader.get_mark())
        return uri

    def scan_directive(self) -> Any:
        """libyaml's: a ``%YAML`` or ``%TAG`` directive, with spaces or tabs between its parts;
        any other name is refused (ruamel's own skips it, and reads a tab as an error)."""
        reader = self.reader
        start_mark = reader.get_mark()
        reader.forward()
        length = 0
        while reader.peek(length) in NAME_CHARACTERS:
            length += 1
        name = reader.prefix(length)
        reader.forward(length)
        with tabs_read_as_spaces(reader):
            if name not in ("YAML", "TAG") or reader.peek() not in _BLANK_OR_END:
                raise ScannerError("while scanning a directive", start_mark, "found unknown directive name",
                                   reader.get_mark())
            if name == "YAML":
                value = self.scan_yaml_directive_value(start_mark)
            else:
                value = self.scan_tag_directive_value(start_mark)
            end_mark = reader.get_mark()
            self.scan_directive_ignored_line(start_mark)
        return DirectiveToken(name, value, start_mark, end_mark)


@contextmanager
def tabs_read_as_spaces(reader: Any, *, comment_ends_header: bool = False) -> Iterator[None]:
    """Inside, the pure reader's ``peek`` shows a tab as a space (libyaml separates with either);
    ``comment_ends_header``: a ``#`` as the end of the text, which ends a block scalar's header."""
    peek = reader.peek
    shown = {"\t": " ", "#": "\0"} if comment_ends_header else {"\t": " "}

    def tab_as_space(index: int = 0) -> Any:
        char = peek(index)
        return shown.get(char, char)

    reader.peek = tab_as_space
    try:
        yield
    finally:
        del reader.peek
