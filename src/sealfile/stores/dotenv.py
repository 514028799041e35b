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

A file with key groups has ``sealfile_key_group_G_I`` lines (stanza ``I`` of group ``G``) and a
``sealfile_threshold`` line instead of ``sealfile_recipient_I`` lines.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

from sealfile.errors import FormatError
from sealfile.model.paths import Path
from sealfile.model.scalars import Styled
from sealfile.stores.base import BOM, SUFFIXES, Store

PREFIX = "sealfile_"
METADATA_KEY = "sealfile"
HEADER = "# sealfile metadata: written by sealfile, do not edit\n"
_SAFE_BARE = re.compile(r"[A-Za-z0-9_./:@+,=\-\[\]]*\Z")


class _Entry:
    __slots__ = ("key", "raw", "value")

    def __init__(self, raw: str, key: str | None = None, value: str | None = None) -> None:
        self.raw, self.key, self.value = raw, key, value


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

    def __init__(self, final_newline: bool = True, bom: str = "") -> None:
        super().__init__()
        self.entries: list[_Entry] = []
        self.final_newline, self.bom = final_newline, bom


def _style(raw: str) -> str | None:
    """The quote a binding's value was written in (``None``: bare)."""
    where = _where(raw)
    return raw[where[1]] if where[1] is not None and raw[where[1]:where[1] + 1] in ("'", '"') else None


def _where(raw: str) -> tuple[int, int | None, int | None]:
    """Where a binding's key ends and its value starts and ends in ``raw`` (one binding as python-dotenv
    read it), found by python-dotenv's own grammar; no value (``KEY`` alone): ``None`` for both."""
    from dotenv import parser

    reader = parser.Reader(io.StringIO(raw))
    reader.read_regex(parser._multiline_whitespace)
    reader.read_regex(parser._export)
    parser.parse_key(reader)
    key_end = reader.position.chars
    reader.read_regex(parser._whitespace)
    if reader.peek(1) != "=":
        return key_end, None, None
    (equal_sign,) = reader.read_regex(parser._equal_sign)
    start = reader.position.chars
    if len(equal_sign) > 1 and reader.peek(1) == "#":  # ``KEY= # comment``: empty
        return key_end, start, start
    if reader.peek(1) in ("'", '"'):
        parser.parse_value(reader)
        return key_end, start, reader.position.chars
    bare = re.match(r"[^\r\n]*", raw[start:])
    return key_end, start, start + len(re.sub(r"\s+#.*", "", bare.group(0) if bare else "").rstrip())


class DotenvStore(Store):
    name = "dotenv"
    suffixes = SUFFIXES["dotenv"]

    def load_editable(self, text: str) -> DotenvDocument:
        from dotenv.parser import parse_stream

        document = DotenvDocument(final_newline=not text or text.endswith(("\n", "\r")), bom=text[:1] if
                                  text.startswith(BOM) else "")
        metadata: dict[str, str] = {}
        for binding in parse_stream(io.StringIO(text)):
            if binding.error:
                raise FormatError(f"invalid dotenv line {binding.original.line}")
            raw = binding.original.string
            if binding.key is None:
                if raw.endswith(HEADER) and not raw[:-len(HEADER)].strip():
                    # ours, written again with the metadata; before it the user's blank lines, then one of ours
                    raw = raw[:-len(HEADER)]
                    raw = raw[:-1] if raw.endswith(("\n", "\r")) else raw
                if raw:
                    document.entries.append(_Entry(raw))
                continue
            key, value = binding.key, binding.value or ""
            if key in document or key in metadata:
                raise FormatError(f"invalid dotenv line {binding.original.line}: duplicate key")
            if key.startswith(PREFIX):
                metadata[key[len(PREFIX):]] = value
                continue
            style = _style(raw)
            document[key] = _quoted(value, style)
            document.entries.append(_Entry(raw, key, value))
        if metadata:
            document[METADATA_KEY] = _metadata_from_lines(metadata)
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
                out.append(self._line(entry, document[entry.key]))
                written.add(entry.key)
        for key, value in document.items():
            if key != METADATA_KEY and key not in written:
                out.append(f"{_check_key(key)}={_format(value)}\n")
        text = "".join(line if line.endswith(("\n", "\r")) else line + "\n" for line in out)
        if METADATA_KEY in document:  # after a blank line, in the last line's own line break if it is a lone CR
            text += ("\r" if text.endswith("\r") else "\n" if text else "") + HEADER + _metadata_lines(
                document[METADATA_KEY])
        if not getattr(document, "final_newline", True) and text.endswith("\n"):
            text = text[:-1]  # the file's last line had no line break: the written one has none either
        return getattr(document, "bom", "") + text

    def _line(self, entry: _Entry, value: Any) -> str:
        if isinstance(value, str) and value == entry.value and _style(entry.raw) == _style_of(value):
            return entry.raw
        spelled = _spelled_line(entry, value)
        return spelled if spelled is not None else _fresh_line(entry.raw, entry.key or "", value)

    def read_scalar(self, raw: Any) -> Styled:
        return Styled(str(raw), _style_of(raw)) if isinstance(raw, str) else Styled(raw)

    def write_scalar(self, scalar: Styled, spelling: str | None = None) -> Any:
        value = scalar.value
        if not isinstance(value, str):
            return value
        return _quoted(value, scalar.style) if spelling is None else _SpelledValue(value, scalar.style, spelling)

    def spellings(self, text: str) -> dict[Path, str]:
        """Each line (with the blank lines python-dotenv reads with it) that sealfile would not write
        the same way: ``KEY = value``, a bare value with spaces around it, a quoted line break..."""
        from dotenv.parser import parse_stream

        found: dict[Path, str] = {}
        for binding in parse_stream(io.StringIO(text)):
            key, raw = binding.key, binding.original.string
            if key is None or binding.error or key.startswith(PREFIX):
                continue
            try:
                fresh = _fresh_line(raw, key, _quoted(binding.value or "", _style(raw)))
            except FormatError:  # a value sealfile cannot spell (a backslash at its end): only the record can
                fresh = None
            if fresh != raw:
                found[(key,)] = raw
        return found


def _fresh_line(raw: str, key: str, value: Any) -> str:
    """``raw`` (the line ``key`` was read from) with ``value`` written afresh in place of its value:
    what comes before the value (``export``, spaces around ``=``) and after it (a comment) kept."""
    key_end, start, end = _where(raw)
    if start is None or end is None:  # ``KEY`` alone: ``=`` and the value go right after the key
        start = end = key_end
        head = raw[:key_end] + "="
    else:
        head = raw[:start]
    rest = raw[end:]
    rest = " " + rest if rest.startswith("#") else rest  # ``#`` starts a comment only after a blank
    rest = rest if rest.endswith(("\n", "\r")) else rest + "\n"
    return f"{head}{_format(value)}{rest}"


def _spelled_line(entry: _Entry, value: Any) -> str | None:
    """The line ``value`` was read from, if it still reads as ``value`` and the sealed line around
    the token is that line's own (the token was not moved or its line rewritten)."""
    spelling = getattr(value, "spelling", None)
    if spelling is None or entry.key is None:
        return None
    from dotenv.parser import parse_stream

    read = list(parse_stream(io.StringIO(spelling)))
    if len(read) != 1 or read[0].error or read[0].key != entry.key or (read[0].value or "") != value:
        return None
    try:
        expected = _fresh_line(spelling, entry.key, "")
        written = _fresh_line(entry.raw, entry.key, "")
    except FormatError:
        return None
    return spelling if expected.rstrip("\r\n") == written.rstrip("\r\n") else None


def _style_of(value: str) -> str | None:
    return value.quote if isinstance(value, QuotedValue) else None


def _check_key(key: Any) -> str:
    if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.\-]*", key):
        raise FormatError("dotenv names must be letters, digits, '_', '.' or '-'", keypath=str(key))
    if key.startswith(PREFIX):
        raise FormatError(f"names starting with {PREFIX!r} are reserved", keypath=key)
    return key


def _format(value: Any) -> str:
    if isinstance(value, (dict, list)):
        raise FormatError("a dotenv file is flat: values cannot be mappings or lists")
    if not isinstance(value, str):
        raise FormatError(f"dotenv values are strings, not {type(value).__name__}")
    style = _style_of(value)
    if value.endswith("\\"):
        # python-dotenv reads \" and \' inside quotes as escaped quotes, so such a value can only be bare
        if "\n" in value or value != value.strip() or value[:1] in "'\"" or re.search(r"\s#", value):
            raise FormatError("a dotenv value that ends with a backslash cannot also hold spaces, '#' or quotes")
        return str(value)
    if style == "'" and "'" not in value and "\\" not in value and "\n" not in value:
        return f"'{value}'"
    if style is None and _SAFE_BARE.match(value):
        return str(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def _stanza_line(name: str, stanza: dict[str, Any]) -> str:
    encoded = json.dumps({k: str(v) if k == "wrapped" else v for k, v in stanza.items()})
    quoted = f"'{encoded}'" if "'" not in encoded else _format(encoded)
    return f"{PREFIX}{name}={quoted}\n"


def _metadata_lines(metadata: dict[str, Any]) -> str:
    """One line per field; a stanza per line as JSON (``recipient_I``, or ``key_group_G_I`` in key groups)."""
    lines = []
    for field, value in metadata.items():
        if field == "recipients":
            lines += [_stanza_line(f"recipient_{index}", stanza) for index, stanza in enumerate(value)]
        elif field == "key_groups":
            lines += [_stanza_line(f"key_group_{group}_{index}", stanza)
                      for group, stanzas in enumerate(value) for index, stanza in enumerate(stanzas)]
        else:
            lines.append(f"{PREFIX}{field}={_format(str(value))}\n")
    return "".join(lines)


_STANZA_FIELD = re.compile(r"(?:recipient|key_group_(\d+))_(\d+)\Z")


def _metadata_from_lines(fields: dict[str, str]) -> dict[str, Any]:
    metadata: dict[str, Any] = {}
    recipients: list[tuple[int, Any]] = []
    grouped: dict[int, list[tuple[int, Any]]] = {}
    for field, value in fields.items():
        stanza_field = _STANZA_FIELD.match(field)
        if stanza_field:
            try:
                entry = (int(stanza_field[2]), json.loads(value))
            except (ValueError, RecursionError):
                raise FormatError("a recipient line is not valid JSON", keypath=PREFIX + field) from None
            group = stanza_field[1]
            (recipients if group is None else grouped.setdefault(int(group), [])).append(entry)
        elif field in ("version", "threshold"):
            metadata[field] = int(value) if value.isdigit() else value
        else:
            metadata[field] = value
    if recipients or not grouped:
        metadata["recipients"] = [stanza for _, stanza in sorted(recipients, key=lambda pair: pair[0])]
    if grouped:
        metadata["key_groups"] = [[stanza for _, stanza in sorted(grouped[g], key=lambda pair: pair[0])]
                                  for g in sorted(grouped)]
    return metadata
