"""The two YAML engines (ruamel's C parser and its pure-Python one) set up for one meaning: YAML 1.2
with ruamel's own resolver, looked up once per document. Both give the same nodes and marks,
except that the C parser does not count a leading byte-order mark: positions are always counted
after it (:func:`split_bom`)."""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.error import StringMark
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scanner import _THE_END, Scanner, ScannerError
from ruamel.yaml.tag import Tag

from sealfile.stores.yaml.per_thread import per_thread

Engine = Literal["c", "pure"]


_MEMO_LONGEST = 64
"""Plain scalars up to this length have their tag remembered for the rest of the parse (keys and
short values repeat; tokens, which do not, are longer)."""


class OnceVersionResolver(VersionedResolver):
    """ruamel's resolver looks the YAML version up again for every scalar (two property calls
    that cost more than the regex match). The version cannot change inside one document, so
    look it up once per loader; the resolution tables and their order are ruamel's own. While a
    loader reads one text, a plain scalar's tag is also remembered for the next time the same
    text comes (every key of a list of similar mappings, ``true``, ``5432``...); the scalars may
    be secrets, so :func:`forget` drops them when the parse ends (``remember=False``: never kept)."""

    def __init__(self, *args: Any, remember: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._sealfile_table: Any = None
        self._sealfile_version: Any = None
        self._sealfile_plain: dict[str, Any] = {}
        self._sealfile_longest = _MEMO_LONGEST if remember else -1

    def forget(self) -> None:
        self._sealfile_plain.clear()

    @property
    def versioned_resolver(self) -> Any:
        if self._sealfile_table is None:
            self._sealfile_table = super().versioned_resolver
        return self._sealfile_table

    @property
    def processing_version(self) -> Any:
        """ruamel's own, looked up once (its constructors ask again for every number they build)."""
        if self._sealfile_version is None:
            self._sealfile_version = super().processing_version
        return self._sealfile_version

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """ruamel's own ``resolve`` for a plain scalar with the table looked up once; any other
        case (or a table with catch-all entries, which ruamel's 1.2 rules do not have) is ruamel's."""
        if kind is not ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if not implicit[0]:  # quoted or block: a string, as ruamel's own resolve says
            return self.DEFAULT_SCALAR_TAG
        known = self._sealfile_plain.get(value)
        if known is not None:
            return known
        table = self.versioned_resolver
        if None in table:
            return super().resolve(kind, value, implicit)
        found = self.DEFAULT_SCALAR_TAG
        for tag, regexp in table.get(value[0] if value else "", ()):
            if regexp.match(value):
                found = Tag(suffix=tag)
                break
        if len(value) <= self._sealfile_longest:
            self._sealfile_plain[value] = found
        return found


class LibyamlScanner(Scanner):
    """ruamel's pure scanner, reading what libyaml (the C engine, which defines what a file holds)
    reads: it refuses a ``\\u`` escape of a UTF-16 surrogate (paired or lone: not text) and a ``:``
    inside a plain scalar in a flow collection (``[a:b]``, ``{k: 0:0}``), and accepts a tab as
    separation where no simple key can start (``a: b\t# note``, ``a:\tb``) and after a tag
    (``a: !!str\tb``)."""

    def scan_tag(self) -> Any:
        """ruamel's own, with a tab ending the tag as a space does (a tab is never part of a tag)."""
        reader = self.reader
        peek = reader.peek

        def tab_as_space(index: int = 0) -> Any:
            char = peek(index)
            return " " if char == "\t" else char

        reader.peek = tab_as_space
        try:
            return super().scan_tag()
        finally:
            del reader.peek

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
        if flow and ":" in token.value:
            index = self.reader.buffer.index(":", token.start_mark.index, token.end_mark.index)
            raise ScannerError("while scanning a plain scalar", token.start_mark, "found unexpected ':'",
                               self._mark_at(index))
        return token

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
BOM = "\ufeff"


def split_bom(text: str) -> tuple[str, str]:
    """``(byte-order mark or "", the rest)``: positions are counted in the rest (parsers disagree on the mark)."""
    return (BOM, text[1:]) if text.startswith(BOM) else ("", text)


@cache
def c_parser_available() -> bool:
    try:
        import _ruamel_yaml  # type: ignore[import-not-found]  # noqa: F401  (ruamel.yaml.clib's extension)
    except ImportError:
        return False
    return True


@per_thread
def engine_yaml(engine: Engine) -> YAML:
    yaml = YAML(typ="safe", pure=engine == "pure")
    yaml.Resolver = OnceVersionResolver
    if engine == "pure":
        yaml.Scanner = LibyamlScanner
    return yaml


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection inside: a parse makes ~10 objects per value and no cycles, and
    each full collection would walk all of them again (a third of the load time at 30,000 values).
    Objects made inside are still counted: a collection soon after walks the survivors once, so a
    reader pauses over everything it does with the parse, not over the parse alone."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def tag_text(tag: Any) -> str:
    """``str(tag)`` without its per-call URI decoding (implicit tags have no handle, no ``%``)."""
    if isinstance(tag, Tag) and tag.handle is None and "%" not in tag.suffix:
        return str(tag.suffix)
    return str(tag)
