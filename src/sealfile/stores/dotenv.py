"""dotenv files (``*.enc.env``, ``.env.enc``): ``KEY=value`` lines, comments and blank lines kept.

Lines are parsed by python-dotenv (so we read them exactly as applications do, with
``interpolate=False``), and where a value starts and ends on its line is found by python-dotenv's
own grammar: a sealed line is the user's line with the value replaced by its token (``export``,
spaces around ``=``, a comment kept), an unchanged line is written back byte for byte, and a line
sealfile would not write the same way afresh is recorded whole in its token, so ``decrypt`` gives
it back exactly. Values are always strings. The metadata is kept as ordinary, valid dotenv lines
under the reserved ``sealfile_`` prefix, one recipient per line::

    # sealfile metadata: written by sealfile, do not edit
    sealfile_version=1
    sealfile_recipient_0='{"type": "age", "recipient": "age1...", "wrapped": "-----BEGIN..."}'
    sealfile_unencrypted_suffix=_unencrypted
    sealfile_mac=...

Key groups: ``sealfile_key_group_G_I`` lines (group ``G``, stanza ``I``, from 0) and ``sealfile_threshold``."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.paths import Path, format_keypath
from sealfile.model.scalars import Styled
from sealfile.stores import dotenv_lines
from sealfile.stores.base import BOM, SUFFIXES, Store, dominant_line_break
from sealfile.stores.dotenv_lines import (
    blank_lines_before,
    check_bounds,
    checked_name,
    format_value,
    fresh_line,
    quote_of,
    value_read_from_a_file,
    where,
)
from sealfile.stores.dotenv_metadata import PREFIX, STANZA_FIELD, metadata_from_lines, metadata_lines
from sealfile.stores.dotenv_refusals import entry_line, invalid_line, may_misread, refuse_shell_misreadings
from sealfile.stores.dotenv_shell import head_read_alike, needs_a_look, refuse_shell_layout, refuse_written_otherwise
from sealfile.stores.node_limit import refuse_many_json_nodes

METADATA_KEY = "sealfile"
HEADER = "# sealfile metadata: written by sealfile, do not edit\n"


def _without_header(raw: str) -> str | None:
    """``raw`` (a comment with the user's blank lines before it) without our header line and the line
    break we wrote before it, whatever the line breaks; ``None`` if it is not our header."""
    body = raw.rstrip("\r\n")
    if not body.endswith(HEADER[:-1]) or body[:-len(HEADER) + 1].strip():
        return None
    before = body[:-len(HEADER) + 1]
    for ending in ("\r\n", "\n", "\r"):
        if before.endswith(ending):
            return before[:-len(ending)]
    return before


class _Entry:
    """A line of the file (``raw``) and the binding it holds, if any, read from the file's ``line``."""

    __slots__ = ("key", "line", "raw", "value")

    def __init__(self, raw: str, key: str | None = None, value: str | None = None, line: int | None = None) -> None:
        self.raw, self.key, self.value, self.line = raw, key, value, line


class QuotedValue(str):
    """A value that was written in quotes (``'...'`` or ``"..."``), so it is written back that way."""

    quote: str | None = '"'


class _SingleQuoted(QuotedValue):
    quote = "'"


class _SpelledValue(QuotedValue):
    """A value with the line it was read from (docs/format.md §5.1), written again if it still fits."""

    spelling: str

    def __new__(cls, value: str, quote: str | None, spelling: str) -> _SpelledValue:
        made = super().__new__(cls, value)
        made.quote, made.spelling = quote, spelling
        return made


def _quoted(value: str, style: str | None) -> str:
    if style == '"':
        return QuotedValue(value)
    if style == "'":
        return _SingleQuoted(value)
    return value


class DotenvDocument(dict[str, Any]):
    """A flat mapping that remembers the lines it came from, whether the last one ended, and a
    byte-order mark before them (python-dotenv reads past it)."""

    def __init__(self, final_newline: bool = True, bom: str = "", newline: str = "\n") -> None:
        super().__init__()
        self.entries: list[_Entry] = []
        self.final_newline, self.bom, self.newline = final_newline, bom, newline
        self.unvalued: list[tuple[str, int]] = []  # names without "=", with their lines


class DotenvStore(Store):
    name = "dotenv"
    suffixes = SUFFIXES["dotenv"]
    reserved = f"names starting with {PREFIX!r} are"

    def load_editable(self, text: str) -> DotenvDocument:
        parse_stream = dotenv_lines.dotenv_parser().parse_stream
        check_bounds(text)
        document = DotenvDocument(final_newline=not text or text.endswith(("\n", "\r")), bom=text[:1] if
                                  text.startswith(BOM) else "", newline=dominant_line_break(text))
        metadata: dict[str, str] = {}
        misread = may_misread(text)  # rare: each line is looked at only then
        at = len(document.bom)  # python-dotenv drops the mark
        misreading: FormatError | None = None  # refused once the file is read (python-dotenv's errors first)
        looked_at: list[tuple[Any, str, Any]] = []  # bindings a shell may read otherwise, if the file is sealed
        for binding in parse_stream(io.StringIO(text)):
            if binding.error:
                raise invalid_line(binding)
            if misread and misreading is None:
                try:
                    refuse_shell_misreadings(binding, at, text)
                except FormatError as err:
                    misreading = err
            raw = binding.original.string
            at += len(raw)
            if binding.key is None:
                before_header = _without_header(raw)
                if before_header is not None:  # ours, written again with the metadata
                    raw = before_header
                if raw:
                    document.entries.append(_Entry(raw))
                continue
            key, value = binding.key, value_read_from_a_file(raw, binding.value or "")
            if binding.value is None:
                document.unvalued.append((key, entry_line(binding)))
            if key in document or (key.startswith(PREFIX) and key[len(PREFIX):] in metadata):
                raise FormatError(f"invalid dotenv line {entry_line(binding)}: duplicate key",
                                  keypath=format_keypath((key,)))
            spots = where(raw)  # read once: the value's quote, and a look at its spelling
            if needs_a_look(raw, key, value):  # the metadata's lines too: a shell reads them
                looked_at.append((binding, value, spots))
            if key.startswith(PREFIX):
                metadata[key[len(PREFIX):]] = value
                continue
            style = quote_of(raw, spots)
            document[key] = _quoted(value, style)
            document.entries.append(_Entry(raw, key, value, entry_line(binding)))
        if misreading is not None:
            raise misreading
        if metadata:
            stanzas = [value for field, value in metadata.items() if STANZA_FIELD.match(field)]
            refuse_many_json_nodes(*stanzas, counted=2 * (len(document) + len(metadata)))  # before json.loads
            document[METADATA_KEY] = metadata_from_lines(metadata)
            for binding, value, spots in looked_at:  # sealed: the layout the seal does not cover must read alike
                refuse_shell_layout(binding.original.string, binding.key, value, entry_line(binding), spots)
        return document

    load_fast = load_editable

    def dump(self, document: Any, like: str | None = None) -> str:
        if not isinstance(document, dict):
            raise FormatError("a dotenv file holds a flat mapping of names to values")
        entries = document.entries if isinstance(document, DotenvDocument) else []
        out: list[str] = []
        written: set[str] = set()
        for entry in entries:
            if entry.key is None:
                out.append(entry.raw)
            elif entry.key in document:
                out.append(self._line(entry, document[entry.key], out, METADATA_KEY in document))
                written.add(entry.key)
            elif blank_lines_before(entry.raw):  # removed: its line goes, the blank lines read with it stay
                out.append(blank_lines_before(entry.raw))
        newline = getattr(document, "newline", "\n")
        for key, value in document.items():
            if key != METADATA_KEY and key not in written:
                line = f"{checked_name(key, PREFIX)}={format_value(value, key)}{newline}"
                refuse_written_otherwise(line, key, value, out, METADATA_KEY in document)
                out.append(line)
        text = "".join(line if line.endswith(("\n", "\r")) else line + newline for line in out)
        if METADATA_KEY in document:  # after a blank line, in the last line's own line break if it is a lone CR
            text += ("\r" if text.endswith("\r") else newline if text else "") + HEADER[:-1] + newline + \
                metadata_lines(document[METADATA_KEY], newline)
        if not getattr(document, "final_newline", True) and text.endswith(newline):
            text = text[:-len(newline)]  # the file's last line had no line break: the written one has none either
        return getattr(document, "bom", "") + text

    def _line(self, entry: _Entry, value: Any, out: list[str], sealed: bool) -> str:
        if isinstance(value, str) and value == entry.value and quote_of(entry.raw) == _style_of(value):
            return entry.raw
        spelled = _spelled_line(entry, value)
        if spelled is not None:  # the owner's line, which the token seals
            return spelled
        line = fresh_line(entry.raw, entry.key or "", value)
        refuse_written_otherwise(line, entry.key or "", value, out, sealed)
        return line

    def check_sealable(self, document: Any, encrypts: Callable[[Path], bool] | None = None) -> None:
        for key, line in getattr(document, "unvalued", ()):
            raise FormatError(
                f"line {line} names {key} without \"=\": python-dotenv leaves it unset, docker compose takes it "
                f"from the environment and sops refuses it, so it holds no value to seal (write {key}= for an "
                "empty value, or remove the line)", keypath=format_keypath((key,)))
        if encrypts is None:
            return
        for entry in getattr(document, "entries", ()):
            if entry.key is not None and entry.line is not None and not encrypts((entry.key,)):
                refuse_shell_layout(entry.raw, entry.key, entry.value or "", entry.line, where(entry.raw))

    def unfit(self, value: Any, key: bool = False) -> str | None:
        if key:
            try:
                checked_name(value, PREFIX)
            except FormatError as err:  # the name itself: a refused document's key is not a value's path
                return f"{err.message}, not {err.keypath}"
        elif isinstance(value, (dict, list)):
            return "a dotenv file is flat: values cannot be mappings or lists"
        elif not isinstance(value, str):
            return f"dotenv values are strings, not {self.kind(value)}"
        return super().unfit(value, key)

    def read_scalar(self, raw: Any) -> Styled:
        return Styled(str(raw), _style_of(raw)) if isinstance(raw, str) else Styled(raw)

    def restyled(self, scalar: Styled) -> Styled:
        return Styled(scalar.value, dotenv_lines.fresh_style(scalar.value, scalar.style))

    def write_scalar(self, scalar: Styled, spelling: str | None = None) -> Any:
        value = scalar.value
        if not isinstance(value, str):
            return value
        return _quoted(value, scalar.style) if spelling is None else _SpelledValue(value, scalar.style, spelling)

    def spellings(self, text: str) -> dict[Path, str]:
        """Each line (with the blank lines python-dotenv reads with it) that sealfile would not write
        the same way: ``KEY = value``, a bare value with spaces around it, a quoted line break..."""
        parse_stream = dotenv_lines.dotenv_parser().parse_stream
        found: dict[Path, str] = {}
        for binding in parse_stream(io.StringIO(text)):
            key, raw = binding.key, binding.original.string
            if key is None or binding.error or key.startswith(PREFIX):
                continue
            try:
                fresh = fresh_line(raw, key, _quoted(binding.value or "", quote_of(raw)))
            except FormatError:  # a value sealfile cannot spell (a backslash at its end): only the record can
                fresh = None
            if fresh != raw or not head_read_alike(raw, key, not binding.value):  # its head sealed in too: a shell
                found[(key,)] = raw  # reads blanks around '=' otherwise (fresh_line writes a plaintext's plain)
        return found

    def with_line(self, text: str, source: str, key: str, after: Any) -> str:
        """``text`` with ``key``'s line as ``source`` writes it (its quotes, ``export``, comment after the value):
        in place of ``text``'s line for it, or, new, after the line of the key ``after`` (``FIRST``-like
        anything else not there: before the first line that names a key), as a text merge takes the line."""
        document, theirs = self.load_editable(text), self.load_editable(source)
        line = next(entry for entry in theirs.entries if entry.key == key)
        place = next((i for i, entry in enumerate(document.entries) if entry.key == key), None)
        if place is not None:
            document.entries[place] = line
        else:
            keyed = [i for i, entry in enumerate(document.entries) if entry.key is not None]
            before = next((i + 1 for i, entry in enumerate(document.entries) if entry.key == after), None)
            place = before if before is not None else keyed[0] if keyed else len(document.entries)
            document.entries.insert(place, line)
        document[key] = theirs[key]
        return self.dump(document, like=text)


def _spelled_line(entry: _Entry, value: Any) -> str | None:
    """The line ``value`` was read from, if it still reads as ``value`` and the sealed line around
    the token is that line's own (the token was not moved or its line rewritten)."""
    spelling = getattr(value, "spelling", None)
    if spelling is None or entry.key is None:
        return None
    read = list(dotenv_lines.dotenv_parser().parse_stream(dotenv_lines.read_alone(spelling)))
    if len(read) != 1 or read[0].error or read[0].key != entry.key or \
            value_read_from_a_file(spelling, read[0].value or "") != value:
        return None
    try:
        expected = fresh_line(spelling, entry.key, "")
        written = fresh_line(entry.raw, entry.key, "")
    except FormatError:
        return None
    return spelling if expected.rstrip("\r\n") == written.rstrip("\r\n") else None


def _style_of(value: str) -> str | None:
    return value.quote if isinstance(value, QuotedValue) else None
